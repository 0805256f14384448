"""The vantage6 dashboard clicked through in a real browser against the local platform."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from playwright.sync_api import expect

from labpanels.demo.data import load_csv
from labpanels.demo.scenario import WORKSHOP
from tests.browser.builder_state import BUILDER_KWARGS
from tests.browser.harness import markdown

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

pytestmark = [pytest.mark.browser, pytest.mark.platform]

PASSWORD_OF = "PhY24-rs1"


def _dashboard_cells(v6: dict) -> list[str]:
    return [
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import Vantage6Dashboard\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        "dash = Vantage6Dashboard(session)\n"
        "dash",
    ]


def _mean_age() -> float:
    """The average age over PhY-research's organizations, from the data the nodes hold."""
    collab = next(c for c in WORKSHOP.collaborations if c.name == "PhY-research")
    return pd.concat([load_csv(WORKSHOP.organization(o).data)["age"]
                      for o in collab.organizations]).mean()


def _tab(nb, title: str) -> None:
    """Open a tab of the dashboard (its own tab list, not a panel's)."""
    nb.panel.locator(".lp-dash-tabs").get_by_role("tab", name=title, exact=True).click()


def _function(nb, builder, name: str) -> None:
    """Choose the algorithm function ``name`` in the builder's dropdown."""
    builder.locator("select").filter(has=nb.page.locator("option", has_text=name)
                                     ).select_option(name)
    nb.wait_kernel("print(dash.builder.method)", name)


def _column_field(builder, name: str):
    """The builder's input for the algorithm argument ``name`` (labelled by its display
    name and its name)."""
    return builder.get_by_label(re.compile(name.replace("_", "[_ ]"), re.I)).first


def _submit(nb, builder) -> int:
    """Press Review, then Submit in the summary, with the mouse, as a researcher does;
    return the new task's id.

    The kernel records the actions the builder's view sends, so a failure says whether
    the click arrived.
    """
    before = nb.kernel("print((session.last_task or {}).get('id'))")
    nb.kernel("try:\n"
              "    _clicks.clear()\n"
              "except NameError:\n"
              "    _clicks = []\n"
              "    dash.builder.on_msg(lambda _w, c, _b: _clicks.append(\n"
              "        (c.get('name'), 'sending' if dash.builder.sending else 'idle')))")
    builder.get_by_role("button", name="Review").click()
    expect(builder.get_by_role("region", name="Review: what will run where")).to_be_visible()
    builder.get_by_role("button", name="Submit").click()
    try:
        nb.wait_kernel(f"print((session.last_task or {{}}).get('id') != {before})", "True",
                       timeout=30)
    except AssertionError:
        raise _no_new_task(nb, builder) from None
    return int(nb.kernel("print(session.last_task['id'])"))


def _no_new_task(nb, builder) -> AssertionError:
    """What the kernel and the page show when a Submit click created no task."""
    state = nb.kernel("b = dash.builder\n"
                      "t = (session.last_task or {}).get('id')\n"
                      "print(f'actions received: {_clicks}; step: {b.step!r}; '"
                      "f'message: {b.message!r}; not ready: {b.not_ready!r}; '"
                      "f'sending: {b.sending}; last task: {t}')")
    button = builder.get_by_role("button", name="Submit")
    shown = ("not shown" if not button.count() or not button.is_visible() else
             "disabled" if button.is_disabled() else "enabled")
    return AssertionError(f"no new task after Submit; kernel: {state}; Submit in the page: "
                          f"{shown}")


def _row(scope, text: str):
    return scope.locator(".lp-grid-row", has_text=text).first


def _workshop_notebook_1(platform, folder: Path) -> tuple[list, dict]:
    """Notebook 1's cells as they are, and the kernel environment to find the platform."""
    connection = folder / "demo.json"
    connection.write_text(json.dumps(platform.info))
    nb = nbformat.read(NOTEBOOKS / "1-vantage6-by-clicking.ipynb", as_version=4)
    cells = [c.source if c.cell_type == "code" else markdown(c.source) for c in nb.cells]
    return cells, {"LABPANELS_DEMO_INFO": str(connection)}


@pytest.mark.parametrize("source", ["dashboard", "workshop-notebook-1"])
def test_dashboard_clicked_through(notebook, platform, v6, tmp_path, source):
    password = v6["users"][PASSWORD_OF]["password"]
    if source == "dashboard":
        nb = notebook(_dashboard_cells(v6), name="dashboard.ipynb")
    else:
        cells, env = _workshop_notebook_1(platform, tmp_path)
        nb = notebook(cells, name="1-vantage6-by-clicking.ipynb", env=env)
    shot = (lambda name, where=None: nb.screenshot(name, where)) if source == "dashboard" else (
        lambda name, where=None: nb.screenshot(f"notebook-1-{name}", where))
    login = nb.panel.locator(".lp-login")
    shot("login-panel", login)
    login.locator("input[name=username]").fill(PASSWORD_OF)
    login.locator("input[name=password]").fill(password)
    login.get_by_role("button", name="Log in").click()
    nb.wait_kernel("print(session.logged_in)", "True", timeout=30)
    expect(login.locator(".lp-login-who")).to_have_text("Logged in as PhY24-rs1 (PhY24-consortium)")
    expect(login.locator("input[name=password]")).to_have_value("")

    # collaborations: the dashboard opened the tab itself after the login
    tabs = nb.panel.locator(".lp-dash-tabs")
    expect(tabs.get_by_role("tab", name="Collaborations")).to_have_attribute(
        "aria-selected", "true")
    browser = nb.panel.locator(".lp-collaborations")
    collabs = browser.locator(".lp-collab-collaborations")
    expect(_row(collabs, "GHT_consortium")).to_contain_text("3 of 4")
    _row(collabs, "GHT_consortium").click()
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "GHT_consortium")
    nodes = browser.locator(".lp-collab-nodes")
    expect(_row(nodes, "HERMES_organization")).to_contain_text("never seen")
    _row(collabs, "PhY-research").click()
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "PhY-research")
    expect(nodes.locator(".lp-status-online")).to_have_count(4)
    shot("collaboration-browser", browser)

    # build and submit partial_average by clicking
    _tab(nb, "New task")
    builder = nb.panel.locator(".lp-task-builder")
    _function(nb, builder, "partial_average")
    column = _column_field(builder, "column_name")
    column.fill("age")
    column.press("Tab")
    nb.wait_kernel(BUILDER_KWARGS, "{'column_name': 'age'}")
    expect(builder.locator("textarea, pre, code").last).to_contain_text(
        re.compile(r"'column_name': 'age'"))
    shot("task-builder", builder)
    partial = _submit(nb, builder)
    nb.wait_kernel(f"print(session.task({partial})['status'])", "completed", timeout=60)
    # the progress of the last task is under the form, in the same tab
    expect(nb.panel.locator(".lp-progress")).to_contain_text("4 of 4", timeout=30_000)
    expect(nb.panel.locator(".lp-progress")).to_be_visible()
    shot("job-progress", nb.panel.locator(".lp-progress"))

    # read the results
    _tab(nb, "Results")
    results = nb.panel.locator(".lp-results")
    table = results.locator(".lp-tabpanel")
    for org in v6["collaborations"]["PhY-research"]["organizations"]:
        expect(_row(table, org)).to_be_visible()
    expect(results.get_by_role("button", name="Download CSV")).to_be_enabled()
    shot("result-viewer", results)

    # central_average: one organization runs it and asks the others for their partials
    _tab(nb, "New task")
    _function(nb, builder, "central_average")
    nb.wait_kernel(BUILDER_KWARGS, "{'column_name': 'age'}")  # kept
    central = _submit(nb, builder)
    nb.wait_kernel(f"print(session.task({central})['status'])", "completed", timeout=60)
    _tab(nb, "Results")
    expect(table.locator(".lp-grid-row", has_text=f"{_mean_age():.6g}").first).to_be_visible()

    # the failing case: partial_average on a text column
    _tab(nb, "New task")
    _function(nb, builder, "partial_average")
    column.fill("sex")
    column.press("Tab")
    nb.wait_kernel(BUILDER_KWARGS, "{'column_name': 'sex'}")
    _submit(nb, builder)
    nb.wait_kernel("print(session.task(session.last_task['id'])['status'])", "failed",
                   timeout=60)
    _tab(nb, "Results")
    failures = results.locator(".lp-results-failures")
    expect(failures.locator(".lp-status-failed").first).to_be_visible()
    nb.wait_kernel("print(dash.results.failed_rows != [])", "True")
    first_failure = nb.kernel("print(next(r['id'] for r in dash.results.failed "
                              "if 'does not hold numbers' in (r.get('error') or '')))")
    failures.locator(f".lp-grid-row[data-key='{first_failure}']").click()
    nb.wait_kernel("print(dash.results.log_run)", first_failure)
    expect(failures.locator(f".lp-grid-row[data-key='{first_failure}']")).to_have_attribute(
        "aria-selected", "true")
    expect(results.locator(".lp-log-error").first).to_contain_text(
        "Column 'sex' does not hold numbers")
    shot("failed-run-log", results)

    # nothing secret is saved with the notebook
    nb.save()
    saved = json.dumps(nb.saved_json())
    token = nb.kernel("print(session._auth.access)")
    assert password not in saved
    assert token not in saved and "refresh_token" not in saved
    assert "PRIVATE KEY" not in saved


_NO_MOUSE = """() => {
  window.__mouse = [];
  for (const kind of ["mousedown", "pointerdown", "mouseup", "pointerup"]) {
    document.addEventListener(kind, (e) => window.__mouse.push(kind), true);
  }
}"""


def _keys(nb, *keys: str) -> None:
    for key in keys:
        nb.page.keyboard.press(key)


def _focused(nb) -> str:
    """What has the keyboard focus: its role or tag, its text (short), its classes."""
    return nb.page.evaluate("""() => { const e = document.activeElement;
      return `${e.getAttribute('role') || e.tagName.toLowerCase()}: `
        + `${(e.textContent || e.value || '').trim().slice(0, 60)} (${e.className})`; }""")


def test_dashboard_by_keyboard_alone(notebook, v6):
    """Log in with Enter, choose a collaboration with the arrows and Enter, submit with
    the keyboard, open the result: not one mouse event (focus is put on a first control by a
    script, as a Tab from the notebook would)."""
    nb = notebook(_dashboard_cells(v6), name="keyboard.ipynb")
    nb.page.evaluate(_NO_MOUSE)
    login = nb.panel.locator(".lp-login")
    login.locator("input[name=username]").focus()
    nb.page.keyboard.type(PASSWORD_OF)
    _keys(nb, "Tab")
    nb.page.keyboard.type(v6["users"][PASSWORD_OF]["password"])
    _keys(nb, "Enter")  # JupyterLab's notebook must not take it
    nb.wait_kernel("print(session.logged_in)", "True", timeout=30)
    tabs = nb.panel.locator(".lp-dash-tabs")
    expect(tabs.get_by_role("tab", name="Collaborations")).to_have_attribute(
        "aria-selected", "true")

    # the collaborations grid: Home, then ArrowDown to PhY-research, Enter
    collabs = nb.panel.locator(".lp-collaborations .lp-collab-collaborations")
    expect(_row(collabs, "PhY-research")).to_be_visible()
    names = collabs.locator(".lp-grid-row").evaluate_all(
        "rows => rows.sort((a, b) => a.getAttribute('aria-rowindex') - "
        "b.getAttribute('aria-rowindex')).map(r => r.textContent)")
    target = next(i for i, text in enumerate(names) if "PhY-research" in text)
    collabs.locator(".lp-grid-row[tabindex='0']").focus()
    _keys(nb, "Home", *["ArrowDown"] * target, "Enter")
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "PhY-research")

    # the tab list: ArrowRight to New task; the form: type, Enter submits
    tabs.get_by_role("tab", name="Collaborations").focus()
    _keys(nb, "ArrowRight")
    expect(tabs.get_by_role("tab", name="New task")).to_have_attribute("aria-selected", "true")
    assert "New task" in _focused(nb)
    builder = nb.panel.locator(".lp-task-builder")
    _function(nb, builder, "partial_average")
    before = nb.kernel("print((session.last_task or {}).get('id'))")
    _column_field(builder, "column_name").focus()
    nb.page.keyboard.type("age")
    nb.wait_kernel("print(dash.builder.argument_values.get('column_name'))", "age")
    builder.get_by_role("button", name="Review").focus()
    _keys(nb, "Enter")  # the button, pressed with the keyboard: the summary step
    expect(builder.get_by_role("button", name="Submit")).to_be_focused()
    _keys(nb, "Enter")  # Submit, focused by the summary step
    try:
        nb.wait_kernel(f"print((session.last_task or {{}}).get('id') != {before})", "True",
                       timeout=30)
    except AssertionError:
        state = nb.kernel("b = dash.builder\nprint(repr(b.message), b.field_errors, b.kwargs(), "
                          "b.organizations, b.sending)")
        raise AssertionError(f"Enter on Submit sent no task; builder: {state}; "
                             f"focus: {_focused(nb)}") from None
    task = int(nb.kernel("print(session.last_task['id'])"))
    nb.wait_kernel(f"print(session.task({task})['status'])", "completed", timeout=60)

    # the results: End in the tab list, the result list's row by Enter, a tab by arrows
    tabs.get_by_role("tab", name="New task").focus()
    _keys(nb, "End")
    expect(tabs.get_by_role("tab", name="Results")).to_have_attribute("aria-selected", "true")
    results = nb.panel.locator(".lp-results")
    row = results.locator(f".lp-results-tasks .lp-grid-row[data-key='{task}']")
    expect(row.locator(".lp-status")).to_have_text("completed", timeout=30_000)
    results.locator(".lp-results-tasks .lp-grid-row[tabindex='0']").focus()
    _keys(nb, "Home", "Enter")
    nb.wait_kernel("print(dash.results.task_id)", task)
    for org in v6["collaborations"]["PhY-research"]["organizations"]:
        expect(_row(results.locator(".lp-tabpanel"), org)).to_be_visible()
    results.get_by_role("tab", name="All organizations").focus()
    _keys(nb, "ArrowRight")
    nb.wait_kernel("print(dash.results.tab)", "1")
    expect(results.get_by_role("tab", selected=True)).not_to_have_text("All organizations")
    assert nb.page.evaluate("() => window.__mouse") == []
    assert nb.kernel("print(session.logged_in)") == "True"  # no key reached the notebook
    assert nb.evaluate("return panel.content.mode;") == "command"


def test_server_text_is_never_html(notebook, platform, v6):
    name = '<img src=x onerror="window.__pwned=1">'
    with platform.root_http() as root:
        org = root.post("organization", json={"name": name, "country": "<b>bold</b>"})
        me = v6["organizations"]["PhY24-consortium"]["id"]
        collab = root.post("collaboration", json={"name": "XSS-browser", "encrypted": False,
                                                  "organization_ids": [org["id"], me]})
        node = root.post("node", json={"organization_id": org["id"],
                                       "collaboration_id": collab["id"]})
        try:
            cells = _dashboard_cells(v6) + [
                f"session.login('PhY24-rs1', {v6['users']['PhY24-rs1']['password']!r})\n"
                "session.select('XSS-browser')"]
            nb = notebook(cells, name="xss.ipynb")
            browser = nb.panel.locator(".lp-collaborations")
            expect(browser.get_by_text(name, exact=True).first).to_be_visible()
            expect(browser.get_by_text("<b>bold</b>", exact=True)).to_be_visible()
            assert nb.page.evaluate("() => window.__pwned === undefined")
            assert nb.panel.locator("img[src=x]").count() == 0
        finally:
            root.delete(f"node/{node['id']}")
            root.delete(f"collaboration/{collab['id']}", params={"delete_dependents": "true"})
            root.delete(f"organization/{org['id']}")
