"""The store-driven task builder in JupyterLab's dashboard: find the all-types algorithm by
typing in the picker (arrows and Enter), fill its form (a column picked from what the nodes
report, a typed list item, the conditional JSON argument revealed by its frontend-only
switch), read the summary, go back with Escape, submit, see the task complete; then
repeat it from the Tasks tab into the form. Nothing clipped at 360 px; text at 4.5:1 in
light and dark."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.builder_state import builder_kwargs_equal
from tests.browser.test_a11y_contrast import THEME, _measure

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"
ALLTYPES = "harbor2.vantage6.ai/demo/alltypes"


#: the builder (inside the dashboard) at 360 px: what passes its right edge, or is wider
#: than its own box without scrolling sideways
CLIPPED = """
const root = panel.node.querySelector('.lp-task-builder');
root.style.width = '360px';
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
const right = root.getBoundingClientRect().right;
const out = [];
let seen = 0;
for (const e of root.querySelectorAll('*')) {
  if (!e.getClientRects().length) continue;
  seen += 1;
  const scrolls = ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const box = e.getBoundingClientRect();
  if ((!scrolls && e.scrollWidth > e.clientWidth + 1) || box.right > right + 1) {
    out.push(e.outerHTML.slice(0, 100));
  }
}
root.style.width = '';
return {seen, out};
"""


def _clipped(nb) -> list[str]:
    found = nb.evaluate(CLIPPED, timeout=20)
    assert found["seen"] > 25, found  # the form (or the summary) was measured
    return found["out"]


def _contrast_failures(nb) -> dict[str, list[dict]]:
    """Text under 4.5:1 in JupyterLab's dark and light themes (back to light at the end)."""
    failures = {}
    try:
        for theme in ("JupyterLab Dark", "JupyterLab Light"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = _measure(nb)
            assert len(measured) > 20, measured
            bad = [m for m in measured if m["ratio"] < 4.5]
            if bad:
                failures[theme] = bad
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)
    return failures


def test_all_types_form_summary_submit_and_repeat(notebook, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import Vantage6Dashboard\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {v6['users'][USER]['password']!r})\n"
        "session.select('PhY-research')\n"
        "dash = Vantage6Dashboard(session)\n"
        "dash.show_tab('task')\n"
        "dash",
    ], name="task-builder-store.ipynb")
    builder = nb.panel.locator(".lp-task-builder")
    expect(builder.locator(".lp-tb-header")).to_have_text("Collaboration: PhY-research")

    # the algorithm picker: type to filter, arrows, Enter
    picker = builder.get_by_role("combobox", name="Algorithm")
    picker.focus()  # its text is selected: typing replaces it
    nb.page.keyboard.type("argument types")
    options = builder.get_by_role("listbox", name="Algorithms").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Column profile (all argument types)")
    expect(options.first).to_contain_text(ALLTYPES)
    nb.page.keyboard.press("Backspace")
    nb.page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    nb.page.keyboard.press("Enter")
    nb.wait_kernel("print(dash.builder.image)", ALLTYPES)
    expect(picker).to_have_value("Column profile (all argument types)")
    expect(builder.locator(".lp-tb-algo-detail")).to_contain_text(
        "every type the algorithm store knows")
    builder.locator("select[name=method]").select_option("central_profile")
    nb.wait_kernel("print(dash.builder.method)", "central_profile")
    expect(builder.locator(".lp-tb-function-help")).to_contain_text("Central")

    # the column: focusing the field asks the nodes; pick "age" from their answer
    column = builder.get_by_role("combobox", name="Column", exact=True)
    column.focus()
    note = builder.locator(".lp-tb-row[data-field='arg:column'] .lp-tb-columns-note")
    expect(note).to_have_text("Columns from 4 of 4 nodes", timeout=30_000)
    nb.page.keyboard.type("ag")
    listed = builder.get_by_role("listbox", name="Columns offered").get_by_role("option")
    expect(listed.first).to_have_text("age")
    nb.page.keyboard.press("Enter")  # picks the active option
    expect(column).to_have_value("age")
    nb.wait_kernel("print(dash.builder.argument_values['column'])", "age")
    # kinds of field: a choice for allowed values, a typed list item by item, a checkbox
    bins = builder.get_by_label(re.compile(r"^Bins"))
    expect(bins).to_have_value("5")  # the default
    bins.select_option("10")
    builder.get_by_role("button", name="Add an item to Thresholds").click()
    item = builder.get_by_label("Thresholds, item 1")
    expect(item).to_be_focused()
    nb.page.keyboard.type("old")
    expect(item).to_have_attribute("aria-invalid", "true")
    expect(builder.locator(".lp-tb-error[data-field='arg:thresholds']")).to_contain_text(
        "is not a whole number")
    item.fill("65")
    expect(item).not_to_have_attribute("aria-invalid", "true")
    # the conditional argument comes with its frontend-only switch
    options_row = builder.locator(".lp-tb-row[data-field='arg:options']")
    expect(options_row).to_be_hidden()
    builder.get_by_label(re.compile(r"^Advanced options")).check()
    expect(options_row).to_be_visible()
    options_field = options_row.locator("textarea")
    options_field.fill('{"min_count": 1')
    expect(options_row.locator(".lp-tb-error")).to_contain_text("not valid JSON")
    options_field.fill('{"min_count": 1}')
    expect(options_row.locator(".lp-tb-error")).to_be_hidden()
    sent = {"column": "age", "bins": 10, "thresholds": [65], "options": {"min_count": 1}}
    nb.wait_kernel(builder_kwargs_equal(sent), "True")
    expect(builder.locator(".lp-tb-code")).to_contain_text("'options': {'min_count': 1}")
    builder.locator(".lp-tb-header").scroll_into_view_if_needed()
    nb.screenshot("task-builder-store")  # the top of the form: picker, function, where

    # nothing clipped at 360 px and text at 4.5:1, the column picker's list open
    column.focus()
    nb.page.keyboard.press("ArrowDown")
    expect(builder.get_by_role("listbox", name="Columns offered")).to_be_visible()
    assert _clipped(nb) == []
    assert _contrast_failures(nb) == {}
    column.focus()
    nb.page.keyboard.press("Escape")
    expect(builder.get_by_role("listbox", name="Columns offered")).to_be_hidden()

    # the summary: exactly what will run where
    builder.get_by_role("button", name="Review").click()
    summary = builder.get_by_role("region", name="Review: what will run where")
    expect(summary).to_be_visible()
    submit = summary.get_by_role("button", name="Submit")
    expect(submit).to_be_focused()
    for text in ("Column profile (all argument types)", ALLTYPES,
                 "Pooled profile (central_profile), central", "PhY24-consortium",
                 "PhY-research (the whole collaboration)", "show_advanced (only for the form)",
                 "not encrypted"):
        expect(summary).to_contain_text(text)
    shown = json.loads(summary.locator("dt", has_text="Arguments sent").locator(
        "xpath=following-sibling::dd[1]").text_content())
    assert shown == sent
    nb.screenshot("task-summary", builder)
    assert _clipped(nb) == []
    assert _contrast_failures(nb) == {}

    # Escape goes back to the form; Review again, Enter on Submit sends it once
    submit.focus()
    nb.page.keyboard.press("Escape")
    expect(summary).to_be_hidden()
    review = builder.get_by_role("button", name="Review")
    expect(review).to_be_focused()
    nb.page.keyboard.press("Enter")
    expect(submit).to_be_focused()
    before = nb.kernel("print((session.last_task or {}).get('id'))")
    nb.page.keyboard.press("Enter")
    nb.wait_kernel(f"print((session.last_task or {{}}).get('id') != {before})", "True",
                   timeout=30)
    task = int(nb.kernel("print(session.last_task['id'])"))
    expect(builder.get_by_role("status")).to_contain_text(f"Task {task} created")
    expect(summary).to_be_hidden()
    nb.kernel(f"session.wait({task}, timeout=90)", timeout=100)
    expect(nb.panel.locator(".lp-progress .lp-progress-pill")).to_have_text(
        "completed", timeout=30_000)
    runs = json.loads(nb.kernel(
        "import json, base64\n"
        f"print(json.dumps([json.loads(base64.b64decode(r['input'])) for r in "
        f"session.fetch('run', task_id={task})]))"))
    assert runs == [{"method": "central_profile", "args": [], "kwargs": sent}]

    # the result viewer draws what the store declares for central_profile: the table
    # "Per organization" and the line chart "Histogram"
    tabs = nb.panel.locator(".lp-dash-tabs")
    tabs.get_by_role("tab", name="Results", exact=True).click()
    charts = nb.panel.locator(".lp-results .lp-results-charts")
    expect(charts).to_contain_text("Per organization", timeout=30_000)
    expect(charts).to_contain_text("Histogram")
    expect(charts.locator("svg path.lp-chart-line").first).to_be_visible()
    assert nb.kernel("print([c['type'] for c in dash.results.charts])") == "['table', 'line']"
    nb.screenshot("task-result-charts", charts)

    # repeat it from the Tasks tab: the form comes back filled, in the New task tab
    tabs.get_by_role("tab", name="Tasks", exact=True).click()
    tasks = nb.panel.locator(".lp-task-list")
    row = tasks.locator(f".lp-grid-row[data-key='{task}']")
    expect(row).to_be_visible(timeout=30_000)
    row.click()
    tasks.get_by_role("button", name="Repeat").click()
    expect(tabs.get_by_role("tab", name="New task", exact=True)).to_have_attribute(
        "aria-selected", "true", timeout=30_000)
    nb.wait_kernel(builder_kwargs_equal(sent), "True")
    expect(column).to_have_value("age")
    expect(options_row).to_be_visible()  # its switch on: the options were sent
    expect(options_field).to_have_value('{"min_count": 1}')
    expect(builder.get_by_role("status")).to_contain_text("review it, then submit")
    nb.kernel("session.logout()")
