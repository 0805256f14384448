"""Result charts in JupyterLab: a ResultViewer fed with three organizations' results and
the declarations of a table and a line chart (a session that never logged in holds them)
draws the table and an SVG line per organization with axes, tick labels, a title, a legend,
keyboard-reachable points and a data table; its text stands at 4.5:1 or more and its lines
at 3:1 or more in the light and the dark theme; nothing is clipped at 360 px; the chart
saves as SVG and PNG from Python and from its buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.harness import SCREENSHOTS
from tests.browser.test_a11y_contrast import THEME, _measure
from tests.browser.test_results_dashboard_view import CLIPPED

pytestmark = pytest.mark.browser

SETUP = """
import copy
from labpanels.vantage6 import Vantage6Session, tables
from labpanels.widgets import ResultViewer

def run(org_id, name, means):
    table = [{"age": a, "mean": m} for a, m in zip((20, 30, 40, 50, 60), means)]
    return {"organization": name, "organization_id": org_id, "run_id": 10 + org_id,
            "result": {"n": len(means), "by_age": table}}

items = [run(1, "GAZEL_organization", [1.5, 2.0, 2.6, 3.1, 3.3]),
         run(2, "CANTABRIA_organization", [2.2, 2.4, "n/a", 3.8, 4.4]),
         run(3, "PhY_organization", [0.8, 1.4, 1.9, 2.1, 2.9])]
declared = [
    {"name": "Mean per age", "type": "table",
     "schema": {"location": ["by_age"], "columns": ["age", "mean"]}},
    {"name": "Mean by age", "type": "line", "description": "one line per organization",
     "schema": {"location": ["by_age"], "x": "age", "y": "mean", "y_axis_min": 0}},
]
# a session that never logged in, holding one finished task, its results and declarations
session = Vantage6Session("http://127.0.0.1:9/api", live=False)
task = {"id": 7, "name": "means", "status": "completed", "collaboration_id": 1}
session.task_state = {7: {**Vantage6Session._base_entry(task), "results": "ready",
                          "total": 3, "done": 3}}
session.results = lambda task, as_frame=True: (
    tables.results_frame(items) if as_frame else copy.deepcopy(items))
session.visualizations = lambda task: copy.deepcopy(declared)
viewer = ResultViewer(session, 7, follow=False)
viewer
"""

# every line's stroke and the plot's background, resolved on a canvas: their contrast
LINES = """
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 1;
const ctx = canvas.getContext("2d", { willReadFrequently: true });
function rgb(css) {
  ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 1, 1);
  ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
  return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3);
}
function lum([r, g, b]) {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
const out = [];
for (const svg of panel.node.querySelectorAll(".lp-results .lp-chart-svg")) {
  const bg = rgb(getComputedStyle(svg.querySelector(".lp-chart-bg")).fill);
  for (const line of svg.querySelectorAll(".lp-chart-lines .lp-chart-line")) {
    const fg = rgb(getComputedStyle(line).stroke);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({ ratio: (a + 0.05) / (b + 0.05), fg, bg });
  }
}
return out;
"""


def test_declared_table_and_line_chart_drawn_themed_narrow_and_saved(notebook):
    nb = notebook([SETUP], name="result-charts.ipynb", timeout=90)
    view = nb.output(0).locator(".lp-results")
    expect(view.locator(".lp-results-status")).to_contain_text("completed")
    table = view.locator("figure.lp-chart[data-kind='table']")
    line = view.locator("figure.lp-chart[data-kind='line']")
    # the declared table: its columns, an organization column first, a row per age and org
    expect(table.locator(".lp-chart-name")).to_have_text("Mean per age")
    expect(table.locator(".lp-grid-head-label")).to_have_text(["organization", "age", "mean"])
    expect(table.locator(".lp-grid-row").first).to_contain_text("GAZEL_organization")
    # the line chart: a path with points per organization, axes, ticks, title and legend
    svg = line.locator("svg.lp-chart-svg")
    expect(svg.locator(".lp-chart-lines path.lp-chart-line")).to_have_count(3)
    for d in svg.locator(".lp-chart-lines path.lp-chart-line").evaluate_all(
            "(ps) => ps.map((p) => p.getAttribute('d'))"):
        assert d.startswith("M") and d.count("L") >= 2, d
    expect(svg.locator(".lp-chart-points .lp-chart-point")).to_have_count(14)  # one n/a
    expect(svg.locator(".lp-chart-title")).to_have_text("Mean by age")
    expect(svg.locator(".lp-chart-label")).to_have_text(["age", "mean"])
    expect(svg.locator(".lp-chart-legend")).to_have_text(
        ["GAZEL_organization", "CANTABRIA_organization", "PhY_organization"])
    ticks = svg.locator(".lp-chart-tick").all_text_contents()
    assert {"20", "40", "60", "0"} <= set(ticks), ticks  # x ticks; y from the declared 0
    expect(line.locator(".lp-chart-problems li")).to_have_text(
        ["CANTABRIA_organization: 1 value of 'mean' is not a number (left out of the line)"])
    # keyboard: the chart is one Tab stop; arrows move between points and say which
    first = svg.locator(".lp-chart-point[tabindex='0']")
    expect(first).to_have_count(1)
    first.focus()
    nb.page.keyboard.press("ArrowRight")
    expect(line.locator(".lp-chart-point-text")).to_have_text(
        "GAZEL_organization: age 30, mean 2")
    nb.page.keyboard.press("ArrowDown")
    expect(line.locator(".lp-chart-point-text")).to_have_text(
        "CANTABRIA_organization: age 30, mean 2.4")
    # the data table for screen readers: a row per age, a column per organization
    line.locator(".lp-chart-data summary").click()
    data = line.locator(".lp-chart-table")
    expect(data.locator("thead th")).to_have_text(
        ["age", "GAZEL_organization", "CANTABRIA_organization", "PhY_organization"])
    expect(data.locator("tbody tr")).to_have_count(5)
    expect(data.locator("tbody tr").nth(2).locator("th, td")).to_have_text(
        ["40", "2.6", "", "1.9"])  # CANTABRIA's n/a is a gap

    # saved from Python: the view makes the files, with the theme's colours written in
    folder = nb.file.parent
    nb.kernel(f"svg_file = viewer.export_chart(1, {str(folder / 'chart.svg')!r})\n"
              f"png_file = viewer.export_chart(1, {str(folder / 'chart.png')!r}, 'png')")
    nb.wait_kernel("print(svg_file.done() and png_file.done())", True, timeout=20)
    assert nb.kernel("print(svg_file.result(), png_file.result())") == (
        f"{folder / 'chart.svg'} {folder / 'chart.png'}")
    text = (folder / "chart.svg").read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and "Mean by age" in text
    assert text.count('class="') == 0 and "var(--" not in text and "tabindex" not in text
    assert 'stroke="#' in text and 'fill="#' in text
    png = (folder / "chart.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "line-chart-export.png").write_bytes(png)  # what a researcher gets
    # and from its button: a download in the browser
    with nb.page.expect_download() as download:
        line.get_by_role("button", name="Save PNG").click()
    assert download.value.suggested_filename == "task-7-mean-by-age.png"
    assert download.value.path().read_bytes()[:4] == b"\x89PNG"

    # narrow: the chart is drawn anew at 360 px and nothing is clipped
    nb.evaluate("for (const r of panel.node.querySelectorAll('.lp-results')) "
                "r.style.width = '360px'; return 1;")
    svg_width = ("(id) => Number(document.getElementById(id).querySelector('.lp-chart-svg')"
                 "?.getAttribute('width'))")
    nb.page.wait_for_function(f"(id) => ({svg_width})(id) <= 360", arg=nb.panel_id,
                              timeout=10_000)  # the chart follows its box's width
    nb.screenshot("line-chart-360px", line)
    clipped = nb.evaluate(CLIPPED, ".lp-results", timeout=20)  # (it puts the width back)
    assert clipped == [], clipped
    nb.page.wait_for_function(f"(id) => ({svg_width})(id) > 600", arg=nb.panel_id,
                              timeout=10_000)

    failures = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = _measure(nb)
            svg_text = [m for m in measured if m["tag"] == "text"]
            assert len(svg_text) >= 15, svg_text  # title, ticks, labels, legend
            assert any("lp-chart-problems" in m["cls"] or m["tag"] == "LI" for m in measured)
            bad = [m for m in measured if m["ratio"] < 4.5]
            lines = nb.evaluate(LINES, timeout=20)
            assert len(lines) == 3, lines
            bad += [{"ratio": m["ratio"], "tag": "line", "cls": "stroke", "text": "",
                     "fg": m["fg"], "bg": m["bg"]} for m in lines if m["ratio"] < 3]
            if bad:
                failures[theme] = bad
            suffix = "" if theme.endswith("Light") else "-dark"
            nb.screenshot(f"line-chart{suffix}", line)
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)
    assert not failures, "\n".join(
        f"{theme}: {m['ratio']:.2f}:1 {m['tag']}.{m['cls']} {m['text']!r} fg {m['fg']} "
        f"bg {m['bg']}" for theme, bad in failures.items() for m in bad)
