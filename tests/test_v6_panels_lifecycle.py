"""Panels release what they hold when closed, and only render the session's state:
closed dashboards leave no observer, thread or widget behind, a closed panel ignores its
session, and every open panel tells the same story about a task without a Refresh."""

from __future__ import annotations

import pytest

from labpanels.errors import RequestTimeout
from labpanels.vantage6.errors import TaskOutcomeUnknown
from labpanels.widgets import (
    JobProgress,
    NodeStatusTable,
    ResultViewer,
    TaskBuilder,
    Vantage6Dashboard,
)
from tests.lifecycle import (
    live_threads,
    new_threads,
    observers,
    open_widgets,
    until_no_new_threads,
)
from tests.v6_sessions import researcher
from tests.waiting import until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"


@pytest.fixture
def live(v6):
    """A logged-in session with live events, in PhY-research."""
    with researcher(v6, live=True) as s:
        yield s


def _panels(dash):
    return (dash, dash.login, dash.browser, dash.nodes, dash.builder, dash.progress,
            dash.results)


def _message(panel) -> tuple[str, str]:
    """A panel's status line and its kind (a ``message`` trait, or an older Message)."""
    if isinstance(panel.message, str):
        return panel.message, panel.message_kind
    return panel.message.value, panel.message.kind


def _organization_choices(builder) -> list:
    """The organizations the builder offers (a trait, or an older SelectMultiple)."""
    choices = getattr(builder, "organization_choices", None)
    if choices is not None and not hasattr(choices, "options"):
        return list(choices)
    return list(builder.organizations.options)


def _task_ids(results) -> list[int]:
    """The tasks the result viewer lists, newest first."""
    return [t[0] for t in results.tasks]


def test_closed_dashboards_leave_nothing_behind(live):
    # let the session's own start-up work end first
    until(lambda: not live.busy, what="session idle")
    watchers, widgets = observers(live), open_widgets()
    threads = live_threads()
    dashboards = [Vantage6Dashboard(live) for _ in range(3)]
    live.select("GHT_consortium")  # every panel reads the new collaboration ...
    live.select("PhY-research")
    for dash in dashboards:  # ... on its own worker thread
        for panel in _panels(dash):
            panel.join(30)
    assert observers(live) > watchers  # they do follow the session
    assert len(new_threads(threads)) >= 3  # and have workers of their own
    for dash in dashboards:
        dash.close()
    assert observers(live) == watchers
    for dash in dashboards:
        assert all(panel.closed and panel.followed == 0 for panel in _panels(dash))
    until_no_new_threads(threads, "the panels' threads ended", prefix="labpanels-")
    until(lambda: open_widgets() == widgets,
          what=f"open widgets back to {widgets} (now {open_widgets()})")


def test_a_closed_panel_ignores_its_session(live):
    table = NodeStatusTable(live)
    assert len(table.rows) == 4
    rows = list(table.rows)
    table.close()
    live.select("GHT_consortium")  # the open table would read GHT's nodes now
    table.join(5)
    assert table.rows == rows and table.followed == 0
    live.select("PhY-research")

    progress = JobProgress(live)
    progress.close()
    before = live_threads()
    task = live.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    assert live.last_task["id"] == task["id"]
    assert progress.task_id == 0  # a closed panel does not follow the new task
    assert not {t for t in new_threads(before) if "JobProgress" in t.name}
    live.wait(task)


def test_every_panel_shows_the_same_task_state_without_refresh(live):
    progress, results = JobProgress(live), ResultViewer(live)
    task = live.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    task_id = task["id"]

    def listed() -> str:
        """The status word the task list shows for the task."""
        return next((t[2] for t in results.tasks if t[0] == task_id), "")

    def agree(status: str) -> bool:
        entry = live.task_state.get(task_id) or {}
        return (entry.get("status") == status and progress.status == status
                and listed() == status
                and results.status_text.startswith(f"Task {task_id} {status}: 4 result"))

    until(lambda: agree("completed"), 40, "task list, progress and results: completed")
    assert results.task_id == task_id and len(results.table) == 4
    assert results.status_kind == "ok" and results.tasks[0][3] == "ok"
    assert (progress.done, progress.total, progress.fraction) == (4, 4, 1.0)

    failing = live.create_task(AVERAGE, "partial_average", kwargs={"column_name": "sex"})
    task_id = failing["id"]

    def failed() -> bool:
        entry = live.task_state.get(task_id) or {}
        return (entry.get("status") == "failed" and progress.status == "failed"
                and listed() == "failed" and results.failed_rows
                and results.status_text.startswith(f"Task {task_id} failed: 0 result"))

    until(failed, 40, "task list, progress and results: failed")
    # the error first (the view draws the failed runs above the results: browser tests)
    from labpanels.widgets.results import FAILED_COLUMNS

    assert FAILED_COLUMNS[1] == "error" and results.status_kind == "error"
    assert results.table.empty and results.rows == [] and not results.can_download
    for panel in (progress, results):
        panel.close()


def test_after_logout_and_login_nothing_old_is_shown(live, v6):
    dash = Vantage6Dashboard(live)
    task = live.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    until(lambda: dash.progress.task_id == task["id"] and dash.results.task_id == task["id"],
          what="the dashboard follows the task")
    live.wait(task)
    live.logout()
    live.login("GHT-rs1", v6["users"]["GHT-rs1"]["password"])
    until(lambda: dash.browser.collaborations.rows, what="GHT-rs1's collaborations")
    for panel in _panels(dash):
        panel.join(10)
    assert dash.progress.task_id == 0 and dash.progress.segments == []
    assert "No task yet" in dash.progress.note
    assert dash.results.task_id is None and dash.results.tasks == []
    assert dash.results.table.empty and not dash.results.failed_rows
    assert dash.results.status_text == "" and dash.results.log_lines == []
    assert _organization_choices(dash.builder) == []
    assert dash.login.who == "GHT-rs1 (GHT-consortium)"
    live.select("GHT_consortium")
    dash.results.join(10)
    for task_id in _task_ids(dash.results):  # only GHT_consortium's tasks
        assert live.task_state[task_id]["collaboration_id"] == live.collaboration["id"]
    assert task["id"] not in _task_ids(dash.results)
    dash.close()


def test_a_lost_answer_is_checked_before_a_resubmit(live, monkeypatch):
    builder = TaskBuilder(live).set(method="partial_average", kwargs={"column_name": "age"})
    before = len(live.tasks("PhY-research"))
    real = live.http.post

    def answer_lost(path, *args, **kwargs):
        answer = real(path, *args, **kwargs)  # the server creates the task ...
        if path == "task":
            raise RequestTimeout("POST", live.http.url(path), 5.0)  # ... the answer is lost
        return answer

    monkeypatch.setattr(live.http, "post", answer_lost)
    assert builder.submit() is None
    text, kind = _message(builder)
    assert kind == "error" and text.startswith("The answer to creating task")
    assert live.pending_submission
    monkeypatch.setattr(live.http, "post", real)
    checked = []
    real_check = live.check_pending
    monkeypatch.setattr(live, "check_pending", lambda: checked.append(1) or real_check())
    task = builder.submit()  # the same form again
    assert checked == [1]  # asked the server first
    assert task is not None and "not sent again" in _message(builder)[0]
    assert len(live.tasks("PhY-research")) == before + 1  # one task, not two
    assert not live.pending_submission
    with pytest.raises(TaskOutcomeUnknown):
        monkeypatch.setattr(live.http, "post", answer_lost)
        builder.submit(raise_errors=True)
    live.check_pending()
    builder.close()


def test_server_loss_is_shown_in_the_panels(live):
    from labpanels.widgets.common import UNREACHABLE

    dash = Vantage6Dashboard(live)
    task = live.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    until(lambda: dash.progress.task_id == task["id"], what="progress follows the task")
    dash.join()
    live.server_reachable = False  # as the session sets it when its probe gets no answer
    assert dash.login.status_text == UNREACHABLE
    for panel in (dash.browser, dash.builder, dash.results):
        assert _message(panel) == (UNREACHABLE, "error"), panel
    if not dash.progress.finished:
        assert dash.progress.note == UNREACHABLE
    # the session's worker probes the (running) server and finds it back
    until(lambda: live.server_reachable, 60, "server reachable again")  # a bound, not a speed
    assert _message(dash.builder)[0] == "The server answers again."
    live.wait(task)
    dash.close()
