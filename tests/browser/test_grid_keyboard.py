"""Keyboard alone: Tab into the collaborations grid, ArrowDown to a row, Enter chooses it
(the session's collaboration changes), with no mouse event; the node grid follows; at
360 px the grids scroll sideways in their own box and nothing is clipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"

# counts every pointer event the page sees from here on (a click that a key makes on a
# button has detail 0: not a pointer)
COUNT_MOUSE = """
window.__lpMouse = 0;
for (const type of ["mousedown", "mouseup", "click", "pointerdown", "pointerup"]) {
  document.addEventListener(type, (e) => {
    if (e.isTrusted && !(type === "click" && e.detail === 0)) window.__lpMouse++;
  }, true);
}
return true;
"""


def test_choose_a_collaboration_with_the_keyboard(notebook, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import CollaborationBrowser\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        f"session.login({USER!r}, {v6['users'][USER]['password']!r})\n"
        "browser = CollaborationBrowser(session)\n"
        "browser",
    ], name="collab-keyboard.ipynb")
    view = nb.output(0).locator(".lp-collaborations")
    collabs = view.locator(".lp-collab-collaborations")
    expect(collabs.locator(".lp-grid-row")).to_have_count(3, timeout=20_000)
    expect(view.locator(".lp-collab-refresh")).to_have_text("Refresh")
    expect(view.locator(".lp-collab-refresh svg")).to_have_count(1)
    grid = collabs.get_by_role("grid")
    expect(grid).to_have_attribute("aria-rowcount", "4")  # the header row and 3 rows
    expect(grid.get_by_role("row").first.get_by_role("columnheader")).to_have_count(3)

    nb.evaluate(COUNT_MOUSE)
    # Tab from the Refresh button reaches the grid: one tab stop, its first row
    view.locator(".lp-collab-refresh").focus()
    nb.page.keyboard.press("Tab")
    focused = nb.page.evaluate(
        "() => [document.activeElement.getAttribute('role'), document.activeElement"
        ".closest('.lp-collab-collaborations') !== null, document.activeElement.textContent]")
    assert focused[:2] == ["row", True], focused
    # sorted by name: GHT_consortium, PhY-research, PhY-secure
    assert focused[2].startswith("GHT_consortium"), focused
    nb.page.keyboard.press("ArrowDown")
    expect(collabs.locator(".lp-grid-row:focus")).to_contain_text("PhY-research")
    nb.page.keyboard.press("Enter")
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "PhY-research")
    row = collabs.locator(".lp-grid-row", has_text="PhY-research")
    expect(row).to_have_attribute("aria-selected", "true")
    expect(view.locator(".lp-collab-nodes .lp-status[data-status-kind='ok']")).to_have_count(4)
    expect(view.locator(".lp-collab-summary")).to_contain_text("4 of 4 nodes online")

    # ArrowUp moves back, Enter chooses GHT; the node grid shows HERMES never seen
    nb.page.keyboard.press("ArrowUp")
    nb.page.keyboard.press("Enter")
    nb.wait_kernel("print((session.collaboration or {}).get('name'))", "GHT_consortium")
    expect(view.locator(".lp-collab-nodes .lp-grid-row", has_text="HERMES_organization")
           ).to_contain_text("never seen")
    # ArrowUp from the first row reaches the sort buttons; Enter sorts descending
    nb.page.keyboard.press("ArrowUp")
    header = collabs.get_by_role("columnheader").first
    expect(header.locator("button")).to_be_focused()
    nb.page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(collabs.locator(".lp-grid-row").first).to_contain_text("PhY-secure")
    # the grid took the keys: the notebook stayed in its mode and no cell was added
    assert nb.evaluate("return panel.content.widgets.length") == 1
    assert nb.page.evaluate("() => window.__lpMouse") == 0

    # 360 px: the grids scroll sideways inside their own box; the button keeps its label
    nb.evaluate("panel.node.querySelector('.lp-collaborations').style.width = '360px';"
                "return true;")
    widths = nb.evaluate("""
      const root = panel.node.querySelector('.lp-collaborations');
      const scroll = root.querySelector('.lp-collab-nodes .lp-grid-scroll');
      const button = root.querySelector('.lp-collab-refresh');
      return { root: root.scrollWidth, rootClient: root.clientWidth,
               scroll: scroll.scrollWidth, scrollClient: scroll.clientWidth,
               overflow: getComputedStyle(scroll).overflowX,
               button: button.scrollWidth, buttonClient: button.clientWidth };
    """)
    assert widths["root"] <= widths["rootClient"] + 1, widths  # nothing sticks out
    assert widths["scroll"] > widths["scrollClient"] and widths["overflow"] == "auto", widths
    assert widths["button"] <= widths["buttonClient"] + 1, widths
    nb.screenshot("collaboration-browser-360px", view)
    nb.assert_no_console_errors()
