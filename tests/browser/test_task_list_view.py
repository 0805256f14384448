"""The task list in JupyterLab, walked with the keyboard: search by name, the Running chip,
Enter on a row opens its task → runs tree, arrows and Enter in the tree show a run's log,
and a researcher's Kill is refused in words on the panel. Its text stands at 4.5:1 in the
light and dark themes and nothing is clipped at 360 px."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y_contrast import THEME, _measure
from tests.browser.test_results_dashboard_view import CLIPPED

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER, ADMIN = "PhY24-rs1", "PhY24-admin"
AVERAGE = "harbor2.vantage6.ai/demo/average"


def test_task_list_search_filter_tree_and_refused_kill(notebook, v6):
    tag = f"tl-view-{uuid.uuid4().hex[:6]}"
    hermes = v6["organizations"]["HERMES_organization"]["id"]  # its node never runs
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import TaskList\n"
        f"admin = Vantage6Session({v6['url']!r}, live=False)\n"
        f"admin.login({ADMIN!r}, {v6['users'][ADMIN]['password']!r})\n"
        "admin.select('GHT_consortium')\n"
        f"stuck = admin.create_task({AVERAGE!r}, 'partial_average', name='{tag}-stuck',\n"
        f"                          kwargs={{'column_name': 'age'}}, organizations=[{hermes}])\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {v6['users'][USER]['password']!r})\n"
        "session.select('GHT_consortium')\n"
        f"done = session.create_task({AVERAGE!r}, 'partial_average', name='{tag}-done',\n"
        "                           kwargs={'column_name': 'age'})\n"
        "session.wait(done)",
        "tasks = TaskList(session)\n"
        "tasks",
    ], name="task-list-view.ipynb", timeout=120)
    stuck = int(nb.kernel("print(stuck['id'])"))
    try:
        view = nb.output(1).locator(".lp-task-list")
        rows = view.locator(".lp-tl-tasks .lp-grid-row")
        expect(view.locator(".lp-tl-title")).to_have_text("Tasks of GHT_consortium")
        # search by name: the list narrows at once, Python hears it
        search = view.get_by_label("Search tasks by name or id")
        search.fill(tag)
        expect(rows).to_have_count(2)
        nb.wait_kernel("print(tasks.query)", tag)
        # the Running chip, with the keyboard
        chip = view.locator(".lp-tl-chip[data-group='running']")
        expect(chip).to_contain_text("1")
        chip.focus()
        nb.page.keyboard.press("Enter")
        expect(chip).to_have_attribute("aria-pressed", "true")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(f"{tag}-stuck")
        expect(rows.first.locator(".lp-status")).to_have_text("pending")
        nb.wait_kernel("print(tasks.status_filter)", "running")
        # open it from the search box: ArrowDown reaches the rows, Enter opens the task
        search.focus()
        nb.page.keyboard.press("ArrowDown")
        nb.page.keyboard.press("Enter")
        detail = view.locator(".lp-tl-detail")
        expect(detail.locator(".lp-tl-detail-title")).to_have_text(f"Task {stuck}: {tag}-stuck")
        nb.wait_kernel("print(tasks.opened)", stuck)
        items = view.get_by_role("treeitem")
        expect(items).to_have_count(2)  # the task and its run at HERMES
        expect(items.first).to_have_attribute("aria-expanded", "true")
        # in the tree: ArrowDown to the run, Enter shows its log
        items.first.focus()
        nb.page.keyboard.press("ArrowDown")
        expect(items.nth(1)).to_be_focused()
        expect(items.nth(1)).to_contain_text("HERMES_organization")
        nb.page.keyboard.press("Enter")
        expect(view.locator(".lp-tl-log-title")).to_contain_text("HERMES_organization")
        expect(items.nth(1)).to_have_attribute("aria-selected", "true")
        nb.page.keyboard.press("ArrowLeft")  # a leaf: back to its task
        expect(items.first).to_be_focused()
        nb.page.keyboard.press("ArrowLeft")  # the task closes
        expect(view.get_by_role("treeitem")).to_have_count(1)
        nb.page.keyboard.press("ArrowRight")
        expect(view.get_by_role("treeitem")).to_have_count(2)
        # a researcher may not kill it: the panel says so in words
        kill = detail.get_by_role("button", name="Kill", exact=True)
        expect(kill).to_be_enabled()
        kill.click()
        message = view.locator(".lp-tl-message")
        expect(message).to_contain_text(f"you may not kill task {stuck}")
        expect(message).to_have_attribute("data-kind", "error")
        expect(message).not_to_contain_text("Traceback")
        nb.screenshot("task-list", view)

        clipped = nb.evaluate(CLIPPED, ".lp-task-list", timeout=20)
        assert clipped == [], clipped
        failures = {}
        try:
            for theme in ("JupyterLab Light", "JupyterLab Dark"):
                assert nb.evaluate(THEME, theme, timeout=20) == theme
                measured = [m for m in _measure(nb) if "lp-" in m["cls"] or m["tag"] in (
                    "BUTTON", "SPAN", "DIV", "DT", "DD", "LI", "H3")]
                kinds = " ".join(m["cls"] for m in measured)
                for part in ("lp-tl-chip", "lp-status", "lp-tl-message", "lp-tl-node-label"):
                    assert part in kinds, part  # each of them was measured
                bad = [m for m in measured if m["ratio"] < 4.5]
                if bad:
                    failures[theme] = bad
        finally:
            nb.evaluate(THEME, "JupyterLab Light", timeout=20)
        assert not failures, "\n".join(
            f"{theme}: {m['ratio']:.2f}:1 {m['tag']}.{m['cls']} {m['text']!r} fg {m['fg']} "
            f"bg {m['bg']}" for theme, bad in failures.items() for m in bad)
    finally:
        nb.kernel("admin.kill(stuck)", timeout=30)  # it would wait at HERMES for ever
