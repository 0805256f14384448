"""One state for an o²S²PARC job: the session polls it (one poller per job) and the
progress bar, the result viewer and the builder only render ``session.job``; and the
panels' lifecycle: closed, they follow, start and hold nothing."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from labpanels.osparc import OsparcSession
from labpanels.widgets import JobBuilder, OsparcJobProgress, OsparcResultViewer
from labpanels.widgets.osparc_jobs import progress_text
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.lifecycle import (
    live_threads,
    new_threads,
    observers,
    open_widgets,
    thread_names,
    until_no_new_threads,
)
from tests.osparc_fixture import POLLER, SLEEPER, osparc_fixture, pollers  # noqa: F401
from tests.waiting import until

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "number.txt").write_text("2")
    return tmp_path


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def panels(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    return builder, OsparcJobProgress(osparc), OsparcResultViewer(osparc)


# --------------------------------------------------------------------------- one state
def test_every_panel_shows_the_sessions_state_at_every_change(osparc, workdir):
    builder, bar, viewer = panels(osparc, workdir)
    seen: list[tuple[str, str, str]] = []
    # registered after the panels: runs once they have rendered the same change
    osparc.observe(lambda c: seen.append((c["new"]["state"], bar.state, viewer.state))
                   if c["new"] else None, names=["job"])
    builder.set_inputs(input_1="number.txt", input_2=4)
    builder.submit()
    assert builder.message == f"Submitted job {builder.job['id']}"  # no state word
    assert bar.wait(30) == "SUCCESS"
    states = [s for s, _, _ in seen]
    assert states[0] == "NOT_STARTED" and states[-1] == "SUCCESS" and "STARTED" in states
    assert all(mine == bar_state == viewer_state for mine, bar_state, viewer_state in seen)
    assert osparc.job["state"] == bar.state == viewer.state == builder.job["state"] == "SUCCESS"
    assert bar.progress == osparc.job["progress"] == 100 and bar.progress_text == "100 %"
    assert viewer.outputs == osparc.job["outputs"] and viewer.outputs["output_2"] >= 1


def test_a_failed_job_shows_its_real_progress_its_error_and_why_no_outputs(osparc, workdir):
    builder, bar, viewer = panels(osparc, workdir)
    builder.set_inputs(input_1="number.txt", input_2=3, input_3=True)  # 2 s, then it fails
    builder.submit()
    assert bar.wait(30) == "FAILED"
    job = osparc.job
    assert osparc.status(job)["progress"] == 100  # what the server says of a failed job
    assert job["state"] == viewer.state == "FAILED"
    assert job["progress"] == bar.progress < 100  # the progress it had reached
    assert bar.progress_text == f"failed at {bar.progress} %"
    assert bar.message == "FAILED: Failing after sleep as requested"
    assert bar.message_kind == "error" and not bar.running
    assert job["error"] == viewer.error == "Failing after sleep as requested"
    assert job["outputs"] is None
    assert job["outputs_note"] == "the job failed: Failing after sleep as requested"
    assert viewer.outputs_empty == "No outputs: the job failed: Failing after sleep as requested"
    viewer.join()
    assert viewer.log and viewer.error_line >= 0


def test_elapsed_of_a_finished_job_comes_from_the_servers_timestamps(osparc, workdir):
    bar = OsparcJobProgress(osparc)
    final = osparc.wait(osparc.submit({"input_1": workdir / "number.txt", "input_2": 3}))
    job = osparc.job
    assert job["started_at"] == final["started_at"] and job["stopped_at"] == final["stopped_at"]
    expected = seconds(final["started_at"], final["stopped_at"])
    assert expected > 0
    assert job["elapsed"] == pytest.approx(expected) and bar.elapsed == job["elapsed"]
    assert not bar.running  # the clock in the browser stands still


def test_an_aborted_job_says_stopped_and_its_progress(osparc, workdir):
    bar, viewer = OsparcJobProgress(osparc), OsparcResultViewer(osparc)
    osparc.submit({"input_1": workdir / "number.txt", "input_2": 200})
    until(lambda: bar.progress > 0, what="some progress")
    bar._handle_custom_msg({"type": "stop"}, [])  # the Stop button
    assert bar.wait(10) == "ABORTED" == viewer.state == osparc.job["state"]
    assert 0 < bar.progress < 100 and bar.progress_text == f"stopped at {bar.progress} %"
    assert viewer.outputs_empty == "No outputs: the job was stopped before it finished"
    assert osparc.job["elapsed"] > 0


def test_progress_text():
    assert progress_text("", None) == ""
    assert progress_text("PENDING", None) == "0 %"
    assert progress_text("STARTED", 40) == "40 %"
    assert progress_text("SUCCESS", 0) == "100 %"
    assert progress_text("FAILED", 40) == "failed at 40 %"
    assert progress_text("FAILED", None) == "failed"
    assert progress_text("ABORTED", 10) == "stopped at 10 %"


# --------------------------------------------------------------------------- one poller
def test_one_poller_per_job_in_the_session_however_many_panels(osparc, workdir):
    bars = [OsparcJobProgress(osparc) for _ in range(3)]
    viewers = [OsparcResultViewer(osparc, live_log=False) for _ in range(3)]
    inspected: list[str] = []
    original = osparc._send  # every request, the poller's and the calls'

    def counting(method, path, **kwargs):
        if path.endswith(":inspect"):
            inspected.append(threading.current_thread().name)
        return original(method, path, **kwargs)

    osparc._send = counting
    job = osparc.submit({"input_1": workdir / "number.txt", "input_2": 4})
    running = pollers()
    assert running == [f"{POLLER}{job['id'][:8]}"]
    assert all(b.wait(30) == "SUCCESS" for b in bars)
    assert set(inspected) == {running[0]}  # nobody else asked
    until(lambda: not pollers(), what="the poller ended with the job")
    assert all(v.state == "SUCCESS" for v in viewers)


def test_loads_never_run_on_the_pollers_thread_and_the_end_is_never_missed(osparc, workdir):
    viewer = OsparcResultViewer(osparc, live_log=False)
    where: list[str] = []
    original_log, original_ports = osparc.log_lines, osparc.output_ports

    def slow_log(job=None):
        where.append(threading.current_thread().name)
        threading.Event().wait(0.5)  # a slow server: the next job ends meanwhile
        return original_log(job)

    def ports(solver=None):
        where.append(threading.current_thread().name)
        return original_ports(solver)

    osparc.log_lines, osparc.output_ports = slow_log, ports
    first = osparc.submit({"input_1": workdir / "number.txt", "input_2": 0})
    osparc.wait(first)
    second = osparc.submit({"input_1": workdir / "number.txt", "input_2": 0})
    osparc.wait(second)
    viewer.join()
    assert where and not any(name.startswith(POLLER) for name in where)
    assert viewer.state == "SUCCESS" and viewer.heading == f"Job {second['id']}: SUCCESS"
    assert [e["text"] for e in viewer.log] == original_log(second)
    assert viewer.outputs == osparc.job["outputs"]


def test_closing_the_session_stops_its_poller(emulator, workdir):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.03)
    s.select_solver(SLEEPER, "2.0.2")
    job = s.submit({"input_1": workdir / "number.txt", "input_2": 200})
    assert s.job["polling"] and f"{POLLER}{job['id'][:8]}" in thread_names()
    s.close()
    until(lambda: f"{POLLER}{job['id'][:8]}" not in thread_names(), what="the poller ended")
    assert not s.job["polling"]
    s.stop(job)


# --------------------------------------------------------------------------- lifecycle
def test_closed_osparc_panels_leave_no_observer_thread_or_widget(osparc, workdir):
    osparc.wait(osparc.submit({"input_1": workdir / "number.txt", "input_2": 0}))
    for panel in panels(osparc, workdir):  # anything created once per process exists now
        panel.join()
        panel.close()
        panel.join(5)  # closed: its worker thread has ended too (not just been told to)
    watchers, widgets, threads = observers(osparc), open_widgets(), live_threads()
    made = []
    for _ in range(3):
        builder, bar, viewer = panels(osparc, workdir)
        builder.choose_solver("simcore/services/comp/labpanels/csv-summary")
        builder.choose_solver(SLEEPER, "2.0.2")  # a form replaced twice
        viewer.join()
        made += [builder, bar, viewer]
    assert observers(osparc) > watchers and open_widgets() > widgets
    for panel in made:
        panel.close()
        assert panel.followed == 0
    assert observers(osparc) == watchers
    assert open_widgets() == widgets
    until_no_new_threads(threads, "the panels' threads ended")


def test_join_after_close_waits_for_the_worker_thread(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    started = threading.Event()
    builder.later(lambda: (started.set(), builder.stopping.wait(5)))
    assert started.wait(5)
    worker = builder._worker
    builder.close()
    builder.join(5)  # the stop sentinel is taken: the worker is gone, not just told to go
    assert worker is not None and not worker.is_alive()
    builder.later(print)  # refused once closed: no worker starts again
    assert builder._worker is worker and not worker.is_alive()


def test_closed_osparc_panels_change_nothing_when_the_session_does(osparc, workdir):
    first = osparc.submit({"input_1": workdir / "number.txt", "input_2": 40})
    builder, bar, viewer = panels(osparc, workdir)
    until(lambda: bar.state == "STARTED", what="STARTED")
    for panel in (builder, bar, viewer):
        panel.close()
    osparc.stop(first)
    until(lambda: not pollers(), what="the session's poller of the first job ended")
    threads, widgets = live_threads(), open_widgets()
    changes: list[str] = []
    for panel in (builder, bar, viewer):
        panel.observe(lambda c: changes.append(c["name"]))
    osparc.job = {"id": "f" * 36, "state": "STARTED", "progress": 5}  # set by code
    assert not new_threads(threads)  # no poll thread starts for a closed bar
    second = osparc.submit({"input_1": workdir / "number.txt", "input_2": 0})
    osparc.wait(second)
    until(lambda: not pollers(), what="the session's poller ended")
    assert changes == [] and not new_threads(threads) and open_widgets() == widgets
    assert bar.job_id == viewer._current == first["id"] and bar.state == "STARTED"
