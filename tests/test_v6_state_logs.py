"""A failed run's log shows the algorithm's own traceback, as a container's would."""

from __future__ import annotations

import pytest

from labpanels.demo.node import algorithm_traceback
from labpanels.vantage6 import Vantage6Session

pytestmark = pytest.mark.platform


def test_failed_run_log_shows_the_algorithms_frames(v6):
    s = Vantage6Session(v6["url"], live=False)
    s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    try:
        task = s.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                             collaboration="PhY-research", kwargs={"column_name": "sex"},
                             organizations=[s.organization["id"]])
        s.wait(task, timeout=60)
        (run,) = s.failed_runs(task)
    finally:
        s.close()
    log = run["log"]
    assert "Traceback (most recent call last):" in log
    assert "labpanels/demo/algorithms/average.py" in log  # its file, with a line
    assert 'line ' in log.split("average.py", 1)[1].splitlines()[0]
    assert "demo/node.py" not in log and "concurrent/futures" not in log
    assert "Column 'sex' does not hold numbers" in log


def test_traceback_keeps_only_algorithm_frames():
    from labpanels.demo.algorithms import dispatch

    try:
        dispatch("harbor2.vantage6.ai/demo/average", "partial_average", [],
                 {"column_name": "nope"}, load_data=lambda: __import__("pandas").DataFrame(
                     {"age": [1, 2]}), client=None)
    except Exception as exc:  # noqa: BLE001 - any failure is what we format
        text = algorithm_traceback(exc)
    assert "algorithms/" in text and __file__ not in text
    assert "Column 'nope' not found" in text.rstrip().splitlines()[-1]
