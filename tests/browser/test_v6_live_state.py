"""The vantage6 dashboard in a real browser only renders the session's state: a task's
entry in the task list, its status pill, the progress bar and the result viewer reach
"completed" (and, for a failing task, "failed") together, with no Refresh click; after
log out and a login as someone else, no panel shows anything of the first user.

Also the Table widget: a row patched from Python shows in every view of the table,
including one displayed after the patch (the patch is applied to the model)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.builder_state import BUILDER_KWARGS

pytestmark = [pytest.mark.browser]

FIRST, SECOND = "PhY24-rs1", "GHT-rs1"


def test_a_patched_row_shows_in_every_view_of_a_table(notebook):
    nb = notebook([
        "from labpanels.widgets import Table\n"
        "from labpanels.widgets.table import column\n"
        "t = Table(columns=[column('name', 'Name')], selectable='none', height=200)\n"
        "t.set_rows({'id': i, 'name': f'row {i}'} for i in range(5))\n"
        "t",
        "t.update_rows([{'id': 2, 'name': 'patched once'}])  # before the next view exists",
        "t  # the same table again, displayed after the patch",
    ], name="table-twice.ipynb")
    first, second = nb.output(0), nb.output(2)
    for view in (first, second):
        expect(view.locator(".lp-table-row[data-key='2']")).to_have_text("patched once")
    nb.kernel("t.update_rows([{'id': 3, 'name': 'patched twice'}])")  # both views exist
    for view in (first, second):
        expect(view.locator(".lp-table-row[data-key='3']")).to_have_text("patched twice")
        expect(view.locator(".lp-table-row[data-key='2']")).to_have_text("patched once")
        expect(view.locator(".lp-table-count")).to_have_text("5 rows")


def _tab(nb, title: str) -> None:
    """Open a tab of the dashboard (its own tab list, not a panel's)."""
    nb.panel.locator(".lp-dash-tabs").get_by_role("tab", name=title, exact=True).click()


def _log_in(nb, v6, username: str) -> None:
    _tab(nb, "Log in")
    login = nb.panel.locator(".lp-login")
    login.locator("input[name=username]").fill(username)
    login.locator("input[name=password]").fill(v6["users"][username]["password"])
    login.get_by_role("button", name="Log in").click()
    nb.wait_kernel("print(session.logged_in and (session.user or {}).get('username'))",
                   username, timeout=30)


def _row(scope, text: str):
    return scope.locator(".lp-grid-row", has_text=text).first


def _collaborations(nb):
    """The collaborations grid of the browser."""
    return nb.panel.locator(".lp-collaborations .lp-collab-collaborations")


def _column_field(nb, builder, name: str):
    """The builder's input for the algorithm argument ``name``."""
    return builder.get_by_label(re.compile(name.replace("_", "[_ ]"), re.I)).first


def _submit_partial_average(nb, column: str) -> int:
    _tab(nb, "New task")
    builder = nb.panel.locator(".lp-task-builder")
    builder.locator("select").filter(has=nb.page.locator("option", has_text="partial_average")
                                     ).select_option("partial_average")
    nb.wait_kernel("print(dash.builder.method)", "partial_average")
    field = _column_field(nb, builder, "column_name")
    field.fill(column)
    field.press("Tab")
    nb.wait_kernel(BUILDER_KWARGS, {"column_name": column})
    before = nb.kernel("print((session.last_task or {}).get('id'))")
    builder.get_by_role("button", name="Review").click()  # the summary step, then Submit
    builder.get_by_role("button", name="Submit").click()
    try:
        nb.wait_kernel(f"print((session.last_task or {{}}).get('id') != {before})", "True",
                       timeout=30)
    except AssertionError:
        state = nb.kernel("print(repr(dash.builder.message), dash.builder.sending, "
                          "dash.builder.kwargs())")
        raise AssertionError(f"no new task after Submit; builder: {state}") from None
    return int(nb.kernel("print(session.last_task['id'])"))


def _all_say(nb, task_id: int, status: str, rows: str) -> None:
    """Progress (pill, bar, summary), task list and result viewer all say ``status``."""
    progress = nb.panel.locator(".lp-progress")
    results = nb.panel.locator(".lp-results")
    _tab(nb, "New task")
    expect(progress.locator(".lp-progress-title")).to_contain_text(f"Task {task_id}:")
    expect(progress.locator(".lp-progress-head .lp-status")).to_have_text(status,
                                                                         timeout=60_000)
    expect(progress.locator(f".lp-progress-bar .lp-seg-{status}")).to_have_count(4)
    expect(progress.locator(".lp-progress-summary")).to_contain_text("4 of 4 runs finished")
    _tab(nb, "Results")
    listed = results.locator(f".lp-results-tasks .lp-grid-row[data-key='{task_id}']")
    expect(listed).to_have_attribute("aria-selected", "true")
    expect(listed.locator(".lp-status")).to_have_text(status)
    expect(results.locator(".lp-results-status")).to_have_text(
        re.compile(rf"^Task {task_id} {status}: {rows}"))


@pytest.mark.platform
def test_every_panel_reaches_the_task_state_without_refresh(notebook, platform, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import Vantage6Dashboard\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        "dash = Vantage6Dashboard(session)\n"
        "dash",
    ], name="live-state.ipynb")
    # every action the result viewer's view sends is recorded: a Refresh would show here
    nb.kernel("_actions = []\n"
              "dash.results.on_msg(lambda _w, content, _b: _actions.append(content.get('name')))")
    _log_in(nb, v6, FIRST)
    collabs = _collaborations(nb)
    _row(collabs, "PhY-research").click()
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "PhY-research")

    completed = _submit_partial_average(nb, "age")
    _all_say(nb, completed, "completed", r"4 result rows")
    results = nb.panel.locator(".lp-results")
    for org in v6["collaborations"]["PhY-research"]["organizations"]:
        expect(_row(results.locator(".lp-tabpanel"), org)).to_be_visible()
        expect(results.get_by_role("tab", name=org, exact=True)).to_be_visible()

    failed = _submit_partial_average(nb, "sex")  # a text column: every run fails
    _all_say(nb, failed, "failed", r"0 result rows; 4 runs failed")
    failures = results.locator(".lp-results-failures")
    expect(failures.locator(".lp-status-failed")).to_have_count(4)
    expect(failures.locator("[role=columnheader]").first).to_have_text("Error")
    expect(results.locator(".lp-log-error").first).to_contain_text(
        "Column 'sex' does not hold numbers")
    # the failed runs come before the (empty) results
    above = nb.page.evaluate(
        "([f, r]) => f.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING",
        [results.locator(".lp-results-failed").element_handle(),
         results.locator(".lp-tabs").element_handle()])
    assert above
    assert "refresh_tasks" not in nb.kernel("print(_actions)")  # nobody pressed Refresh

    # log out, log in as someone else: nothing of the first user is shown
    _tab(nb, "Log in")
    nb.panel.locator(".lp-login").get_by_role("button", name="Log out").click()
    nb.wait_kernel("print(session.logged_in)", "False")
    _log_in(nb, v6, SECOND)
    expect(_row(collabs, "GHT_consortium")).to_be_visible()
    expect(collabs.locator(".lp-grid-row", has_text="PhY-research")).to_have_count(0)
    _tab(nb, "New task")
    progress = nb.panel.locator(".lp-progress")
    expect(progress.locator(".lp-progress-title")).to_have_text("No task")
    expect(progress.locator(".lp-progress-bar .lp-seg")).to_have_count(0)
    expect(progress.locator(".lp-progress-note")).to_contain_text("No task yet")
    expect(nb.panel.locator(".lp-task-builder")).to_contain_text("Choose a collaboration")
    _tab(nb, "Results")
    expect(results.locator(".lp-results-tasks .lp-grid-row")).to_have_count(0)
    expect(results.locator(".lp-status-failed")).to_have_count(0)
    expect(results.locator(".lp-results-failed")).to_be_hidden()
    expect(results.locator(".lp-results-status")).to_be_hidden()
    for org in v6["collaborations"]["PhY-research"]["organizations"]:
        expect(results.locator(".lp-grid-row", has_text=org)).to_have_count(0)
    _tab(nb, "Collaborations")
    _row(collabs, "GHT_consortium").click()
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "GHT_consortium")
    _tab(nb, "Results")
    nb.wait_kernel("dash.join(); print(sorted({session.task_state[t[0]]['collaboration_id'] "
                   "for t in dash.results.tasks}) in ([], [session.collaboration['id']]))",
                   "True")
    shown = nb.kernel("print([t[0] for t in dash.results.tasks])")
    assert str(completed) not in shown and str(failed) not in shown
    # the grid draws only the rows in view: it tells how many it holds in aria-rowcount
    expect(results.locator(".lp-results-tasks [role=grid]")).to_have_attribute(
        "aria-rowcount", str(int(nb.kernel("print(len(dash.results.tasks))")) + 1))
    nb.save()
    saved = nb.file.read_text()
    for user in (FIRST, SECOND):
        assert v6["users"][user]["password"] not in saved
