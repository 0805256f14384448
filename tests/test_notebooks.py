"""Every workshop notebook runs top to bottom and shows the expected results."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from labpanels.demo.data import load_csv
from labpanels.demo.scenario import WORKSHOP
from tests.notebook_runner import run_notebook, write_connection

pytestmark = pytest.mark.platform


@pytest.fixture(scope="module")
def connection(platform, tmp_path_factory):
    return write_connection(platform.info, tmp_path_factory.mktemp("conn") / "demo.json")


def _pooled(collaboration: str, column: str) -> pd.Series:
    orgs = next(c for c in WORKSHOP.collaborations if c.name == collaboration).organizations
    return pd.concat([load_csv(WORKSHOP.organization(o).data) for o in orgs])[column]


def test_notebook_2_the_lesson_in_code(connection, tmp_path):
    out = "\n".join(run_notebook("2-vantage6-in-code.ipynb", connection, tmp_path))
    ages = _pooled("PhY-research", "age")
    assert f"average age over {len(ages)} people: {ages.mean():.2f}" in out
    assert f"central average: {ages.mean():.2f} (4 organizations)" in out
    assert "PhY-research: 4 of 4 nodes online" in out
    assert "GHT_consortium: 3 of 4 nodes online" in out
    failures = re.findall(r"FAILED at (.+?): Error: .*Column 'abc123' not found", out)
    assert len(failures) == 5 and all("@ PhY-research" in f for f in failures)
