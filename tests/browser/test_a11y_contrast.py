"""Contrast, measured in the page: in JupyterLab's light and dark themes, every piece of text
the vantage6 panels draw (body text, selected rows, status pills, buttons, form labels,
field messages, status lines) stands at 4.5:1 or more against the background it is drawn
on (WCAG AA for normal text)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"

# Colours as the page paints them: rgba(css) resolves any CSS colour form (rgb,
# color(srgb …), color-mix) by painting it on a canvas; background(el) is what shows
# behind an element (its own background and its ancestors', over the page's); ratio(a, b)
# is the WCAG contrast ratio of two opaque colours.
COLOURS = """
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 1;
const ctx = canvas.getContext("2d", { willReadFrequently: true });
function rgba(css) {
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = "#000"; ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
}
function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
}
function background(el) {
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let colour = rgba(getComputedStyle(document.body).backgroundColor);
  if (colour[3] < 1) colour = over(colour, [255, 255, 255, 1]);
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return colour;
}
function luminance([r, g, b]) {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function ratio(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
"""

# For every element with text of its own inside a panel: its text colour and the colour
# behind it (the first ancestor with a background, over the page's).
CONTRAST = COLOURS + """
const results = [];
for (const root of panel.node.querySelectorAll(".lp-theme")) {
  for (const el of root.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || parseFloat(style.opacity) === 0) continue;
    if (el.closest("[disabled], [aria-disabled='true']")) continue;  // exempt by WCAG
    const bg = background(el);
    const fg = over(rgba(style.color), bg);
    results.push({ ratio: ratio(fg, bg), text: el.textContent.trim().slice(0, 40),
                   cls: String(el.className).slice(0, 60), tag: el.tagName,
                   fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round) });
  }
}
return results;
"""

THEME = """
await app.commands.execute("apputils:change-theme", { theme: args });
for (let i = 0; i < 100 && document.body.dataset.jpThemeName !== args; i++) {
  await new Promise((done) => setTimeout(done, 100));
}
await new Promise((done) => setTimeout(done, 300));  // the theme's stylesheet applies
return document.body.dataset.jpThemeName;
"""


def _measure(nb) -> list[dict]:
    return nb.evaluate(CONTRAST, timeout=20)


def test_text_contrast_in_light_and_dark(notebook, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import CollaborationBrowser, LoginPanel, TaskBuilder\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {v6['users'][USER]['password']!r})\n"
        "session.select('GHT_consortium')\n"
        "browser = CollaborationBrowser(session)\n"
        "browser",
        # a login panel showing an error, one showing success
        f"stranger = LoginPanel(Vantage6Session({v6['url']!r}, live=False))\n"
        "stranger.login('nobody', 'wrong password')\n"
        "stranger",
        "LoginPanel(session)",
        "TaskBuilder(session)",
        # the builder's summary step (what will run where, Back and Submit)
        "summary = TaskBuilder(session)\n"
        "summary.set(method='central_average', kwargs={'column_name': 'age'})\n"
        "summary.review()\n"
        "summary",
    ], name="contrast.ipynb")
    view = nb.output(0).locator(".lp-collaborations")
    expect(view.locator(".lp-grid-row[aria-selected='true']")).to_have_count(1, timeout=20_000)
    expect(view.locator(".lp-status[data-status-kind='ok']").first).to_be_visible()
    expect(view.locator(".lp-status", has_text="never seen")).to_have_count(1)
    expect(nb.output(1).locator("[role='status'][data-kind='error'], .lp-msg-error").first
           ).to_be_visible(timeout=20_000)
    expect(nb.output(4).locator(".lp-tb-summary dd").first).to_be_visible(timeout=20_000)
    failures = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = _measure(nb)
            kinds = {m["cls"] for m in measured}
            assert any("lp-status" in k for k in kinds), kinds  # pills were measured
            assert any("lp-tb-summary" in k for k in kinds) or any(
                m["tag"] == "DD" for m in measured), kinds  # the summary step too
            assert len(measured) >= 20, measured
            bad = [m for m in measured if m["ratio"] < 4.5]
            if bad:
                failures[theme] = bad
            nb.screenshot(f"contrast-{theme.split()[-1].lower()}", view)
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)
    assert not failures, "\n".join(
        f"{theme}: {m['ratio']:.2f}:1 {m['tag']}.{m['cls']} {m['text']!r} fg {m['fg']} bg {m['bg']}"
        for theme, bad in failures.items() for m in bad)
