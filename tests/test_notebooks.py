"""Every workshop notebook runs top to bottom and shows the expected results.

They run where ``make demo`` puts them: ``labpanels-notebooks/`` at the root of a
checkout (here a copy of this work tree's files, committed in a repository of its own),
each saved there after running as a learner would save it; the last test checks that
``git status`` of that checkout is still clean.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from labpanels.demo.data import load_csv
from labpanels.demo.notebooks import DEFAULT_FOLDER, copy_notebooks
from labpanels.demo.scenario import WORKSHOP
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.notebook_runner import NOTEBOOKS, cell_texts, execute_notebook, write_connection

pytestmark = pytest.mark.platform
REPO = Path(__file__).resolve().parents[1]

#: what shows a secret by its name (a value under it), or a token by its shape
_SECRET_SHAPES = [re.compile(p) for p in (
    r"otp_secret", r"access_token", r"refresh_token", r"api_key", r"PRIVATE KEY",
    r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}",  # a JWT
)]


@pytest.fixture(scope="module")
def connection(platform, tmp_path_factory):
    return write_connection(platform.info, tmp_path_factory.mktemp("conn") / "demo.json")


@pytest.fixture(scope="module")
def secrets(platform) -> list[str]:
    """Every password and key of the platform: none may appear in a notebook's outputs."""
    values = [u["password"] for u in platform.info["vantage6"]["users"].values()]
    values += [n.api_key for n in platform.node_specs()]
    values += [Path(f).read_text() for f in platform.info["vantage6"]["key_files"].values()]
    return [v for v in values if v]


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args], cwd=folder,
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of this work tree's files (tracked, and new ones not ignored), committed in
    a repository of its own: its ``git status`` starts clean."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and the repository")
    folder = tmp_path_factory.mktemp("checkout")
    listed = _git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "the work tree")
    assert _git(folder, "status", "--porcelain") == ""
    return folder


@pytest.fixture(scope="module")
def workdir(checkout) -> Path:
    """Where ``make demo`` (``labpanels demo`` at the checkout's root) puts the notebooks
    and runs them; which notebooks ran there."""
    copied = copy_notebooks(checkout / DEFAULT_FOLDER, source=checkout / "notebooks")
    assert len(copied.copied) == 5
    return copied.folder


_RAN: set[str] = set()


def run_notebook(name: str, connection: Path, workdir: Path, secrets: list[str] = (),
                 timeout: int = 300) -> list[str]:
    """Execute every cell as a saved notebook would be (widget state included), save it
    over the learner's copy in ``workdir``; check that no output and no widget state holds
    a secret; return each code cell's text."""
    nb = execute_notebook(name, connection, workdir, timeout, store_widget_state=True)
    saved = workdir / name
    nbformat.write(nb, saved)
    _RAN.add(name)
    assert_no_secrets(saved.read_text(), secrets, name)
    return cell_texts(nb)


def assert_no_secrets(saved: str, secrets: list[str], where: str) -> None:
    """No output and no widget state of a saved notebook holds a secret (the cells' own
    code may name the password's place, never its value)."""
    nb = json.loads(saved)
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    state = json.dumps(nb.get("metadata", {}).get("widgets", {}))
    for part, text in (("outputs", outputs), ("widget state", state)):
        for value in secrets:
            assert value not in text, f"{where}: a password or key in its {part}"
        for shape in _SECRET_SHAPES:
            found = shape.search(text)
            assert found is None, f"{where}: {found.group(0)!r} in its {part}"


def test_the_secret_check_finds_secrets():
    """The check above catches what the old notebook 5 printed: the user record."""
    record = {"username": "PhY24-rs1", "otp_secret": "JBSWY3DPEHPK3PXP"}
    leaked = {"cells": [{"outputs": [{"data": {"text/plain": repr(record)}}]}]}
    with pytest.raises(AssertionError, match="otp_secret"):
        assert_no_secrets(json.dumps(leaked), [], "old notebook 5")
    state = {"cells": [], "metadata": {"widgets": {"state": {"x": {"value": "Pw-1!"}}}}}
    with pytest.raises(AssertionError, match="widget state"):
        assert_no_secrets(json.dumps(state), ["Pw-1!"], "a notebook")


def _pooled(collaboration: str, column: str) -> pd.Series:
    orgs = next(c for c in WORKSHOP.collaborations if c.name == collaboration).organizations
    return pd.concat([load_csv(WORKSHOP.organization(o).data) for o in orgs])[column]


def test_notebook_2_the_lesson_in_code(connection, workdir, secrets):
    out = "\n".join(run_notebook("2-vantage6-in-code.ipynb", connection, workdir,
                                  secrets))
    ages = _pooled("PhY-research", "age")
    assert f"average age over {len(ages)} people: {ages.mean():.2f}" in out
    assert f"central average: {ages.mean():.2f} (4 organizations)" in out
    assert "PhY-research: 4 of 4 nodes online" in out
    assert "GHT_consortium: 3 of 4 nodes online" in out
    failures = re.findall(r"FAILED at (.+?): (.*)", out)
    assert len(failures) == 5 and all("@ PhY-research" in node for node, _ in failures)
    assert any("Column 'abc123' not found" in why for _, why in failures)
    assert all("Column 'abc123' not found" in why or "because sibling run" in why
               for _, why in failures)


@pytest.fixture(scope="module")
def sparc_connection(platform, emulator, tmp_path_factory):
    key, secret = emulator.credentials
    info = {**platform.info, "sparc": {
        "url": emulator.url, "pennsieve_url": emulator.pennsieve_url,
        "zipit_url": emulator.zipit_url, "osparc_url": emulator.osparc_url,
        "osparc_key": key, "osparc_secret": secret}}
    return write_connection(info, tmp_path_factory.mktemp("sparc") / "demo.json")


def test_notebook_3_sparc_data(sparc_connection, workdir, secrets, emulator, monkeypatch):
    monkeypatch.setenv("LABPANELS_DO_IT_FOR_ME", "1")  # the panel's download too
    out = run_notebook("3-sparc-data.ipynb", sparc_connection, workdir,
                       [*secrets, *emulator.credentials])
    text = "\n".join(out)
    assert "2 datasets match 'heart rate'" in text  # 201, and the heart scaffold 207
    assert "201: Heart rate response to vagus nerve stimulation in rats" in text
    assert "files/derivative/summary.csv" in text
    assert re.search(r"downloaded 1 file, [\d.]+ k?B\n", text)
    assert "downloaded 0 files" not in text  # said once, when the file is in place
    saved = workdir / "sparc-downloads" / "201" / "summary.csv"
    # the code and the panel's Download save into one place
    assert f"the panel saved: {saved}" in text
    assert "Download saves into sparc-downloads/201" in text
    summary = pd.read_csv(saved)
    for current, rate in summary.groupby("stim_current_mA")["mean_heart_rate_bpm"].mean().items():
        assert f"stimulation {current} mA: mean heart rate {rate:.1f} bpm" in text


def test_notebook_4_osparc_jobs(sparc_connection, workdir, secrets, emulator, monkeypatch):
    monkeypatch.setenv("LABPANELS_DO_IT_FOR_ME", "1")  # the panels' submit and download too
    text = "\n".join(run_notebook("4-osparc-jobs.ipynb", sparc_connection, workdir,
                                   [*secrets, *emulator.credentials]))
    assert "finished: SUCCESS" in text
    assert re.search(r"random sleep interval: [1-9] int", text)
    assert "[PROGRESS] 1/" in text
    live = re.findall(r"^live: (.*)$", text, re.M)
    (seconds,) = [int(n) for n in re.findall(r"^Will sleep for (\d+) seconds$", "\n".join(live),
                                              re.M)]
    assert seconds == (4 + 3) // 2  # the sleeper sleeps (input_2 + the number in input_1) // 2
    assert [m for m in live if m.startswith("[PROGRESS]")] == [
        f"[PROGRESS] {i}/{seconds}..." for i in range(1, seconds + 1)]
    assert "the log ended with the job: SUCCESS" in text
    assert "state: FAILED" in text and "no outputs:" in text
    rows = len(pd.read_csv(workdir / "sparc-downloads" / "201" / "summary.csv"))
    assert f"{rows} rows, 1 column summarised" in text
    assert "mean_heart_rate_bpm" in text
    # the panels: submitted by the builder, followed by the bar, saved by the viewer where
    # the code saves a job's outputs
    assert "the bar shows: SUCCESS" in text
    saved = re.search(r"the panel saved: (\S*osparc-outputs/([\w-]+)/output_1/\S+)", text)
    assert saved and (workdir / saved[1]).is_file(), text[-800:]
    assert f"the current job: {saved[2]}" in text
    by_code = [p for p in (workdir / "osparc-outputs").glob("*/output_1/*") if p.is_file()]
    assert len(by_code) == 2  # the code's job and the panel's, side by side


def test_notebook_1_by_clicking_with_do_it_for_me(connection, workdir, monkeypatch, secrets):
    monkeypatch.setenv("LABPANELS_DO_IT_FOR_ME", "1")
    text = "\n".join(run_notebook("1-vantage6-by-clicking.ipynb", connection, workdir,
                                   secrets))
    ages = _pooled("PhY-research", "age")
    assert "Logged in to" in text
    assert "all nodes online: ['PhY-research']" in text
    assert "current collaboration: PhY-research" in text
    assert len(re.findall(r"\bonline\b", text)) >= 4
    assert f"average age: {ages.mean():.2f}" in text
    assert f"central average: {ages.mean():.2f}" in text
    reasons = re.findall(r"@ PhY-research: (.*)", text)
    assert len(reasons) == 4 and any("Column 'sex' does not hold numbers" in r for r in reasons)


def test_notebook_1_without_help_only_shows_panels(connection, workdir, monkeypatch,
                                                   secrets):
    monkeypatch.delenv("LABPANELS_DO_IT_FOR_ME", raising=False)
    text = "\n".join(run_notebook("1-vantage6-by-clicking.ipynb", connection, workdir,
                                   secrets))
    assert "not logged in yet" in text and "current collaboration: None" in text
    assert "PhY24-research-1!" not in text  # no password in the notebook's outputs


def test_notebook_5_extending(connection, workdir, secrets):
    text = "\n".join(run_notebook("5-extending-labpanels.ipynb", connection, workdir,
                                   secrets))
    assert "logged in as PhY24-rs1" in text
    assert "builder shows: Collaboration: PhY-research" in text
    # its own panel is built on PanelBase: it follows the session until closed
    assert "following the session: 1" in text
    assert "after close(): 0 - closed: True" in text
    for org in WORKSHOP.collaborations[0].organizations:
        ages = load_csv(WORKSHOP.organization(org).data)["age"]
        assert re.search(rf"{org}\s+{ages.mean():6.1f} █+", text), org


def test_running_every_notebook_leaves_git_status_clean(checkout, workdir, connection,
                                                        sparc_connection, monkeypatch):
    """After ``make demo`` and running (and saving) all five notebooks, ``git status`` of
    the checkout is clean: the notebooks, their downloads and outputs live in the ignored
    ``labpanels-notebooks/``. Notebooks the tests above did not run (when run alone) run
    here."""
    monkeypatch.setenv("LABPANELS_DO_IT_FOR_ME", "1")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name not in _RAN:
            sparc = path.name.startswith(("3-", "4-"))
            run_notebook(path.name, sparc_connection if sparc else connection, workdir)
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} <= _RAN
    # the notebooks wrote into their folder (so the check below could fail) ...
    for output in ("single_number.txt", "sparc-downloads/201/summary.csv", "osparc-outputs"):
        assert (workdir / output).exists(), output
    assert all(any(c.get("outputs") for c in json.loads((workdir / p.name).read_text())["cells"])
               for p in NOTEBOOKS.glob("*.ipynb"))  # saved with their outputs
    # ... and git sees none of it
    assert _git(checkout, "status", "--porcelain", "--untracked-files=all") == ""
    assert os.path.commonpath([workdir, checkout]) == str(checkout)
