"""The job history panel and the study runner against the emulator, in Python (every click
is a method; a view's action message runs the same method), and their lifecycle: closed,
they follow, start and hold nothing."""

from __future__ import annotations

import pytest

from labpanels.osparc import OsparcSession
from labpanels.widgets import OsparcJobHistory, OsparcJobProgress, OsparcStudyRunner
from labpanels.widgets.osparc_history import HISTORY_COLUMNS
from labpanels.widgets.osparc_jobs import InvalidInputs
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.lifecycle import (
    live_threads,
    new_threads,
    observers,
    open_widgets,
    until_no_new_threads,
)
from tests.osparc_fixture import SLEEPER, osparc_fixture, pollers  # noqa: F401
from tests.waiting import until

pytestmark = pytest.mark.timeout(90)


def click(panel, name: str, **args) -> None:
    """What the view sends for a click, as the kernel receives it."""
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])


def row(panel: OsparcJobHistory, job_id: str) -> dict:
    return next(dict(zip(HISTORY_COLUMNS, r, strict=True)) for r in panel.rows if r[0] == job_id)


# --------------------------------------------------------------------------- history
def test_history_lists_filters_searches_reopens_and_reruns(osparc):
    history = OsparcJobHistory(osparc)
    assert (history.solver_id, history.version) == (SLEEPER, "2.0.2")  # the session's solver
    assert [r[0] for r in history.rows] == [j["id"] for j in osparc.history]
    assert history.counts["SUCCESS"] >= 2 and history.counts["FAILED"] >= 1
    assert [key for key, _ in history.releases] == [
        "simcore/services/comp/labpanels/csv-summary:0.9.0",
        "simcore/services/comp/labpanels/csv-summary:1.0.0", f"{SLEEPER}:2.0.2"]
    failed = history.filter(state="FAILED")
    assert {r[1] for r in history.rows} == {"FAILED"} and len(failed) == history.counts["FAILED"]
    assert row(history, failed[0]["id"])["error"] == "Failing after sleep as requested"
    with pytest.raises(ValueError, match="unknown state 'done': use one of ABORTED"):
        history.filter(state="done")
    history.filter(state="", text="history-number")  # the inputs are searched too
    assert len(history.rows) == history.counts["SUCCESS"] + history.counts["FAILED"]
    history.filter(text="")
    past = next(j for j in osparc.history if j["state"] == "SUCCESS")
    click(history, "reopen", job_id=past["id"])  # a row chosen in the view
    assert history.wait_shown(10) == "SUCCESS"
    assert osparc.job["id"] == history.shown_id == past["id"]
    assert [r[0] for r in history.outputs_rows] == ["output_1", "output_2"]
    assert history.outputs_rows[0][1:] == ["file (text/plain)", "single_number.txt"]
    assert ["input_1", "history-number.txt"] in history.inputs_rows
    assert history.log_rows[-1] == ["INFO", history.log_rows[-1][1]]
    assert history.log_rows[-1][1].endswith("Service finished successfully")
    bar = OsparcJobProgress(osparc)  # the other panels show the re-opened job too
    assert bar.job_id == past["id"] and bar.state == "SUCCESS"
    rerun = history.rerun()
    assert rerun["id"] != past["id"] and history.shown_id == rerun["id"] == osparc.job["id"]
    assert rerun["inputs"] == osparc.job_record(past["id"])["inputs"]
    assert rerun["id"] in [r[0] for r in history.rows]  # listed again
    assert history.wait_shown(30) == "SUCCESS" and bar.wait(30) == "SUCCESS"
    assert row(history, rerun["id"])["state"] == "SUCCESS"  # the row follows the job
    assert history.message.startswith(f"Started job {rerun['id']}")
    click(history, "choose_solver", key="simcore/services/comp/labpanels/csv-summary:1.0.0")
    history.join()
    assert history.version == "1.0.0" and history.counts == {"SUCCESS": 1}


def test_a_failed_job_reopened_shows_its_error_and_log(osparc):
    history = OsparcJobHistory(osparc, SLEEPER, "2.0.2")
    failed = history.filter(state="FAILED")[0]
    history.reopen(failed["id"])
    assert history.wait_shown(10) == "FAILED"
    assert history.shown_error == "Failing after sleep as requested"
    assert history.outputs_rows == []
    assert any(level == "ERROR" and "Failing after sleep" in text
               for level, text in history.log_rows)


def test_history_without_a_solver_says_so(emulator):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials)
    history = OsparcJobHistory(s)
    assert history.rows == [] and history.releases
    click(history, "refresh")
    history.join()
    assert history.message == "No solver chosen: call choose_solver(key, version)"
    assert history.message_kind == "error"
    with pytest.raises(TypeError, match="unknown keyword"):
        OsparcJobHistory(s, colour="red")
    history.close()
    s.close()


# --------------------------------------------------------------------------- studies
def test_study_runner_chooses_clones_and_runs_a_study(osparc):
    runner = OsparcStudyRunner(osparc)
    titles = [r[1] for r in runner.study_rows]
    assert {"Two sleepers in a row", "Wait, then summarise a table"} <= set(titles)
    summarise = next(r[0] for r in runner.study_rows if r[1] == "Wait, then summarise a table")
    click(runner, "choose", study_id=summarise)
    runner.join()
    assert runner.study_id == summarise == osparc.study["uid"]
    assert [f["key"] for f in runner.form] == ["Table", "Columns", "Wait"]
    assert [f["kind"] for f in runner.form] == ["file", "string", "integer"]
    assert runner.output_names == ["Summary table", "Summary report", "Rows", "Numeric columns"]
    with pytest.raises(InvalidInputs):
        runner.run(Wait="soon")
    assert runner.field_errors == {"Wait": "Wait (Wait) must be a whole number, not 'soon'"}
    click(runner, "run_form", values={"Wait": "0", "Columns": "dose_mg"})
    runner.join()
    assert runner.wait(30) == "SUCCESS"
    assert runner.progress == 100 and runner.progress_text == "100 %" and not runner.running
    outputs = {name: value for name, _, value in runner.outputs_rows}
    assert outputs["Rows"] == "20" and outputs["Numeric columns"] == "1"
    assert outputs["Summary table"] == "summary.csv"
    assert ["Wait", "0"] in runner.inputs_rows and ["Columns", "dose_mg"] in runner.inputs_rows
    texts = [text for _, text in runner.log_rows]
    assert any("Starting wait" in t for t in texts) and any("Summarised 1 columns" in t
                                                                 for t in texts)
    assert osparc.job["id"] == runner.shown_id and osparc.job["study"] == summarise
    clone = runner.clone("My copy")
    assert runner.study_id == clone["uid"] and "My copy" in [r[1] for r in runner.study_rows]
    assert [f["key"] for f in runner.form] == ["Table", "Columns", "Wait"]


def test_study_runner_shows_a_failed_run_and_stops_a_long_one(osparc):
    runner = OsparcStudyRunner(osparc)
    runner.choose(next(r[0] for r in runner.study_rows if r[1] == "Two sleepers in a row"))
    assert [f["kind"] for f in runner.form] == ["file", "integer", "boolean"]
    runner.run(**{"Sleep interval": 0, "Fail at the end": True})
    assert runner.wait(30) == "FAILED"
    assert runner.shown_error == "Failing after sleep as requested"
    assert runner.progress_text.startswith("failed")
    assert runner.outputs_rows == []
    runner.run(**{"Sleep interval": 60, "Fail at the end": False})
    until(lambda: runner.running, what="the run started")
    click(runner, "stop")
    assert runner.wait(30) == "ABORTED" and not runner.running


# --------------------------------------------------------------------------- lifecycle
def test_closed_history_and_study_panels_leave_nothing_behind(osparc):
    def make() -> list:
        history = OsparcJobHistory(osparc)
        history.reopen(osparc.history[-1]["id"])
        runner = OsparcStudyRunner(osparc)
        for panel in (history, runner):
            panel.wait_shown(10)
        return [history, runner]

    for panel in make():  # anything created once per process exists now
        panel.close()
        panel.join(5)
    until(lambda: not pollers(), what="no poller")
    watchers, widgets, threads = observers(osparc), open_widgets(), live_threads()
    made = make() + make()
    assert observers(osparc) > watchers and open_widgets() > widgets
    for panel in made:
        panel.close()
        assert panel.followed == 0
    for panel in made:
        panel.join(5)
    assert observers(osparc) == watchers
    assert open_widgets() == widgets
    until_no_new_threads(threads, "the panels' threads ended")
    before = (made[0].shown_id, made[1].study_rows)
    osparc.run_study(osparc.study_list[0], {"Sleep interval": 0})  # the session moves on
    osparc.wait()
    assert (made[0].shown_id, made[1].study_rows) == before
    until(lambda: not pollers(), what="no poller")
    assert not new_threads(threads)
