"""The result viewer and the dashboard in JupyterLab, themed and narrow: every text the
result viewer draws (task list, status line, failed runs, the marked log line, tabs,
results) and the dashboard's tabs stand at 4.5:1 or more in the light and the dark theme,
and at 360 px nothing outside a table's own scrolling box is clipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y_contrast import THEME, _measure

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"
AVERAGE = "harbor2.vantage6.ai/demo/average"

# elements of `.lp-results`/`.lp-dashboard` roots wider than the root or cut inside
# themselves, leaving out what scrolls in its own box (the grids) and hidden parts
CLIPPED = """
const out = [];
for (const root of panel.node.querySelectorAll(args)) {
  root.style.width = "360px";
}
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
for (const root of panel.node.querySelectorAll(args)) {
  const right = root.getBoundingClientRect().right;
  for (const e of root.querySelectorAll("*")) {
    if (e.closest(".lp-grid") || !e.getClientRects().length) continue;
    if (e.closest(".lp-dash-child") && !root.matches(".lp-results")) continue;  // a panel's own
    const style = getComputedStyle(e);
    const scrolls = ["auto", "scroll"].includes(style.overflowX);
    if ((!scrolls && e.scrollWidth > e.clientWidth + 1)
        || e.getBoundingClientRect().right > right + 1) {
      out.push(e.outerHTML.slice(0, 100));
    }
  }
}
for (const root of panel.node.querySelectorAll(args)) root.style.width = "";
return out;
"""


def test_result_viewer_and_dashboard_themed_and_narrow(notebook, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import ResultViewer, Vantage6Dashboard\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {v6['users'][USER]['password']!r})\n"
        "session.select('PhY-research')\n"
        f"failing = session.create_task({AVERAGE!r}, 'partial_average',\n"
        "                              kwargs={'column_name': 'sex'})\n"
        f"done = session.create_task({AVERAGE!r}, 'partial_average',\n"
        "                           kwargs={'column_name': 'age'})\n"
        "session.wait(failing); session.wait(done)\n"
        "failed_view = ResultViewer(session, failing, follow=False)\n"
        "failed_view",
        "done_view = ResultViewer(session, done, follow=False)\n"
        "done_view",
        "dash = Vantage6Dashboard(session)\n"
        "dash.show_tab('results')\n"
        "dash",
    ], name="results-view.ipynb", timeout=120)
    failed = nb.output(0).locator(".lp-results")
    expect(failed.locator(".lp-results-failures .lp-status-failed")).to_have_count(4)
    expect(failed.locator(".lp-log-error").first).to_contain_text("does not hold numbers")
    expect(failed.locator(".lp-results-status")).to_have_attribute("data-status-kind", "error")
    done = nb.output(1).locator(".lp-results")
    expect(done.locator(".lp-results-status")).to_contain_text("4 result rows")
    expect(done.get_by_role("tab")).to_have_count(5)  # all, and one per organization
    dash = nb.output(2).locator(".lp-dashboard")
    expect(dash.locator(".lp-dash-tabs").get_by_role("tab", name="Results")).to_have_attribute(
        "aria-selected", "true")
    expect(dash.locator(".lp-results .lp-results-tasks .lp-grid-row").first).to_be_visible()

    clipped = nb.evaluate(CLIPPED, ".lp-results, .lp-dashboard", timeout=20)
    assert clipped == [], clipped
    failures = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = [m for m in _measure(nb) if "lp-" in m["cls"] or m["tag"] in (
                "BUTTON", "SPAN", "DIV", "PRE", "LABEL", "H3")]
            kinds = " ".join(m["cls"] for m in measured)
            for part in ("lp-log-", "lp-status", "lp-results-status", "lp-tab", "lp-dash-tab"):
                assert part in kinds, part  # each of them was measured
            bad = [m for m in measured if m["ratio"] < 4.5]
            if bad:
                failures[theme] = bad
            suffix = theme.split()[-1].lower()
            nb.screenshot(f"result-viewer-failed-{suffix}", failed)
        nb.evaluate("for (const r of panel.node.querySelectorAll('.lp-results')) "
                    "r.style.width = '360px'; return 1;")
        nb.screenshot("result-viewer-360px", done)
        nb.evaluate("for (const r of panel.node.querySelectorAll('.lp-results')) "
                    "r.style.width = ''; return 1;")
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)
    assert not failures, "\n".join(
        f"{theme}: {m['ratio']:.2f}:1 {m['tag']}.{m['cls']} {m['text']!r} fg {m['fg']} "
        f"bg {m['bg']}" for theme, bad in failures.items() for m in bad)
