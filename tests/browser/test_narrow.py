"""Every panel at 360 px in JupyterLab: nothing sticks out of its panel, no label is cut.

Each panel's output is narrowed to 360 px; then for every ``.lp-theme`` root and all its
descendants, no element's right edge passes the root's (outside boxes that scroll sideways
themselves, ``overflow-x: auto|scroll``), and no label, button, tab or status text is cut
with an ellipsis (``text-overflow: ellipsis`` and ``scrollWidth > clientWidth``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

from .test_hosts import ROOTS, SETUP, _env

# the page's dashboard is on the local vantage6 server (LP_V6_URL, see test_hosts._env)
pytestmark = [pytest.mark.browser, pytest.mark.platform]

WIDTH = 360

OFFENDERS = """
const out = [];
const roots = [...panel.node.querySelectorAll('.jp-OutputArea-output .lp-theme')];
const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
const describe = (e) => {
  const cls = typeof e.className === 'string' ? e.className : e.getAttribute('class') || '';
  return `${e.tagName.toLowerCase()}${cls ? '.' + cls.trim().split(/\\s+/).join('.') : ''}`
    + (e.textContent ? ` "${e.textContent.trim().slice(0, 40)}"` : '');
};
for (const root of roots) {
  const edge = root.getBoundingClientRect().right + 1;
  const name = root.className;
  if (root.getBoundingClientRect().width > args.width + 1) {
    out.push({root: name, what: 'root wider than its box', el: describe(root),
              width: root.getBoundingClientRect().width});
  }
  for (const e of root.querySelectorAll('*')) {
    if (!e.getClientRects().length) continue;  // not drawn (hidden tab, closed details)
    // inside a box that scrolls sideways (between it and the root): may pass the edge
    let scroller = false;
    for (let p = e.parentElement; p && p !== root; p = p.parentElement) {
      if (scrolls(p)) { scroller = true; break; }
    }
    const box = e.getBoundingClientRect();
    if (!scroller && box.right > edge && box.width > 0) {
      out.push({root: name, what: 'passes the panel edge', el: describe(e),
                right: Math.round(box.right), edge: Math.round(edge)});
    }
    const style = getComputedStyle(e);
    if (style.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1
        && e.matches('label, button, [role=tab], [role=status], .lp-pill, th, legend, h1, h2,'
                     + ' h3, h4, span, summary')) {
      out.push({root: name, what: 'text cut with an ellipsis', el: describe(e),
                scroll: e.scrollWidth, client: e.clientWidth});
    }
  }
}
return {roots: roots.length, out};
"""


def test_every_panel_fits_360px(notebook, emulator, v6):
    cells = [SETUP] + [f"panels[{name!r}]" for name in ROOTS]
    nb = notebook(cells, name="narrow.ipynb", env=_env(emulator, v6))
    panel = nb.panel
    for i in range(1, len(cells)):
        expect(nb.output(i).locator(".lp-theme").first).to_be_visible(timeout=30_000)
    nb.evaluate(
        "for (const o of panel.node.querySelectorAll('.jp-OutputArea-output')) {"
        f"  o.style.width = '{WIDTH}px'; o.style.maxWidth = '{WIDTH}px';"
        "  o.style.flex = '0 0 auto'; }"
        "await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));"
        "return 0;")
    found = nb.evaluate(OFFENDERS, {"width": WIDTH}, timeout=30)
    nb.screenshot("all-panels-360px", panel.locator(".jp-Notebook"))
    # 12 panels, and the dashboard's visible tab (the login view) inside it
    assert found["roots"] >= len(ROOTS), found
    offenders = list(found["out"])
    # each of the dashboard's other tabs, opened in turn
    tabs = panel.locator(".lp-dashboard").first.get_by_role("tab")
    for i in range(1, tabs.count()):
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        again = nb.evaluate(OFFENDERS, {"width": WIDTH}, timeout=30)
        offenders += [o for o in again["out"] if o not in offenders]
    listing = "\n".join(f"  {o}" for o in offenders)
    assert not offenders, f"{len(offenders)} overflow(s) at {WIDTH} px:\n{listing}"
