"""The TaskBuilder view in JupyterLab: choose partial_average, type the column, review and
submit with the keyboard (Enter in the form shows the summary, Enter on its focused Submit
sends), and a task is created; field messages sit next to their fields, Review says why it
is disabled, and nothing overflows at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"


def test_builder_submits_with_the_keyboard(notebook, v6):
    password = v6["users"][USER]["password"]
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import TaskBuilder\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {password!r})\n"
        "session.select('PhY-research')\n"
        "builder = TaskBuilder(session)\n"
        "builder",
        "from labpanels.widgets import JobProgress\n"
        "progress = JobProgress(session)\n"
        "progress",
    ], name="task-builder-view.ipynb")
    builder = nb.panel.locator(".lp-task-builder")
    expect(builder.locator(".lp-tb-header")).to_have_text("Collaboration: PhY-research")
    # the organizations: a checkbox list with labels, the online ones chosen
    orgs = builder.locator("fieldset.lp-tb-organizations input[type=checkbox]")
    expect(orgs).to_have_count(4)
    for i in range(4):
        expect(orgs.nth(i)).to_be_checked()
    expect(builder.get_by_label("CANTABRIA_organization")).to_be_checked()

    method = builder.locator("select[name=method]")
    method.focus()
    method.select_option("central_average")
    nb.wait_kernel("print(builder.method)", "central_average")
    expect(builder.locator(".lp-tb-function-help")).to_contain_text("Central")
    method.select_option("partial_average")
    nb.wait_kernel("print(builder.method)", "partial_average")
    # nothing typed yet: the field says what is missing, Submit says why it waits
    column = builder.locator('input[name="arg:column_name"]')
    expect(builder.locator('.lp-tb-error[data-field="arg:column_name"]')).to_have_text(
        "Give a value for column_name")
    expect(column).to_have_attribute("aria-invalid", "true")
    review = builder.get_by_role("button", name="Review")
    expect(review).to_be_disabled()
    expect(builder.locator(".lp-tb-reason")).to_contain_text("Give a value for column_name")
    expect(builder.get_by_label("column_name")).to_have_count(1)  # labelled

    # at 360 px nothing is clipped: no box is wider than the panel, labels wrap
    overflow = nb.evaluate(
        "const root = panel.node.querySelector('.lp-task-builder');"
        "root.style.width = '360px';"
        "await new Promise((r) => requestAnimationFrame(() => r()));"
        "const wide = [...root.querySelectorAll('label, legend, .lp-tb-row, .lp-tb-header, "
        "button')].filter((e) => e.scrollWidth > e.clientWidth + 1 || "
        "e.getBoundingClientRect().right > root.getBoundingClientRect().right + 1)"
        ".map((e) => e.outerHTML.slice(0, 80));"
        "return wide;")
    nb.screenshot("task-builder-360px", builder)
    nb.evaluate("panel.node.querySelector('.lp-task-builder').style.width = ''; return 1;")
    assert overflow == [], overflow

    before = nb.kernel("print((session.last_task or {}).get('id'))")
    column.focus()
    nb.page.keyboard.type("age")
    nb.page.keyboard.press("Enter")  # the summary step; the notebook does not see it
    summary = builder.get_by_role("region", name="Review: what will run where")
    expect(summary).to_contain_text("partial_average")
    expect(summary).to_contain_text('"column_name": "age"')
    submit = summary.get_by_role("button", name="Submit")
    expect(submit).to_be_focused()
    nb.page.keyboard.press("Escape")  # back to the form, its Review button focused
    expect(summary).to_be_hidden()
    expect(review).to_be_focused()
    nb.page.keyboard.press("Enter")
    expect(submit).to_be_focused()
    nb.page.keyboard.press("Enter")  # Submit
    nb.wait_kernel(f"print((session.last_task or {{}}).get('id') != {before})", "True",
                   timeout=30)
    assert nb.kernel("print(session.last_task['name'] == builder.last_submitted['name'], "
                     "builder.last_submitted['kwargs'])") == "True {'column_name': 'age'}"
    expect(builder.get_by_role("status")).to_contain_text("created")
    expect(builder.locator(".lp-tb-code")).to_contain_text("'column_name': 'age'")
    expect(builder.locator('.lp-tb-error[data-field="arg:column_name"]')).to_be_hidden()
    assert nb.evaluate("return panel.content.mode;") == "command"
    nb.screenshot("task-builder-view", builder)
    # the dark theme: the same form from JupyterLab's dark variables
    nb.evaluate("await window.jupyterapp.commands.execute('apputils:change-theme', "
                "{theme: 'JupyterLab Dark'}); return 1;", timeout=20)
    try:
        nb.page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        nb.screenshot("task-builder-dark", builder)
    finally:
        nb.evaluate("await window.jupyterapp.commands.execute('apputils:change-theme', "
                    "{theme: 'JupyterLab Light'}); return 1;", timeout=20)
        nb.page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")

    # the progress of the new task: the pill says its word, each run is named
    progress = nb.panel.locator(".lp-progress")
    nb.kernel("session.wait(session.last_task)", timeout=60)
    expect(progress.locator(".lp-progress-pill")).to_have_text("completed", timeout=30_000)
    expect(progress.locator(".lp-progress-pill")).to_have_attribute("data-status-kind", "ok")
    bar = progress.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    segments = progress.locator(".lp-seg")
    expect(segments).to_have_count(4)
    labels = [segments.nth(i).get_attribute("aria-label") for i in range(4)]
    assert sorted(label.split(":")[0] for label in labels) == sorted(
        v6["collaborations"]["PhY-research"]["organizations"]), labels
    assert all(label.endswith(": completed") or ": completed (" in label for label in labels)
    clipped = nb.evaluate(
        "const root = panel.node.querySelector('.lp-progress');"
        "root.style.width = '360px';"
        "await new Promise((r) => requestAnimationFrame(() => r()));"
        "const wide = [...root.querySelectorAll('*')].filter((e) => "
        "e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto' || "
        "e.getBoundingClientRect().right > root.getBoundingClientRect().right + 1)"
        ".map((e) => e.outerHTML.slice(0, 80));"
        "root.style.width = ''; return wide;")
    assert clipped == [], clipped
    nb.kernel("session.logout()")
