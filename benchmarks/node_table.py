"""A 5,000-node status table in a real browser: first paint, one update, scrolling.

    python -m benchmarks.node_table

Runs headless JupyterLab and Debian's chromium (the browser tests' harness), shows the
NodeStatusTable's table with 5,000 nodes, and reports: the time from the cell starting
to the first rows on screen; the time from one node changing in the kernel to its row
changing on screen; the time to draw after a scroll to the middle; and how many row
elements exist (only the visible ones should).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

NODES = 5000

SETUP = f"""
import time, datetime as dt
from labpanels.widgets import Table
from labpanels.widgets.nodes import COLUMNS
now = dt.datetime.now(dt.timezone.utc)
rows = [{{"id": i, "organization": f"Organization {{i % 250:03d}}",
          "name": f"node {{i:05d}} @ Federation", "status": "online" if i % 7 else "offline",
          "last_seen": (now - dt.timedelta(minutes=i % 90)).isoformat()}}
        for i in range({NODES})]
table = Table(columns=COLUMNS, rows=rows, sort_by="organization", height=400)
"""
DISPLAY = "started_ms = time.time() * 1000\ntable"

# records when the table's first rows appear (installed before the cells run)
WATCH_FIRST_PAINT = """
const root = panel.node;
window.__lpFirstPaint = null;
const observer = new MutationObserver(() => {
  const body = root.querySelector('.lp-table-body .lp-table-row');
  if (body && window.__lpFirstPaint === null) {
    window.__lpFirstPaint = Date.now();
    observer.disconnect();
  }
});
observer.observe(root, { childList: true, subtree: true });
return true;
"""

MARK_ROWS = """
const root = panel.node;
const rows = root.querySelectorAll('.lp-table-body .lp-table-row');
rows.forEach((row) => { row.__lpMark = true; });
window.__lpUpdated = null;
const target = root.querySelector(`.lp-table-body .lp-table-row[data-key="${args.key}"]`);
const observer = new MutationObserver(() => {
  const now = root.querySelector(`.lp-table-body .lp-table-row[data-key="${args.key}"]`);
  if (now && now !== target && window.__lpUpdated === null) {
    window.__lpUpdated = Date.now();
    observer.disconnect();
  }
});
observer.observe(root.querySelector('.lp-table-body'), { childList: true });
return rows.length;
"""

AFTER_UPDATE = """
const root = panel.node;
const rows = [...root.querySelectorAll('.lp-table-body .lp-table-row')];
return { updated: window.__lpUpdated, replaced: rows.filter((r) => !r.__lpMark).length,
         drawn: rows.length,
         text: root.querySelector(
           `.lp-table-body .lp-table-row[data-key="${args.key}"]`).textContent };
"""

SCROLL = """
const root = panel.node;
const viewport = root.querySelector('.lp-table-viewport');
const started = performance.now();
viewport.scrollTop = viewport.scrollHeight / 2;
await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
const rows = [...root.querySelectorAll('.lp-table-body .lp-table-row')];
return { ms: performance.now() - started, drawn: rows.length,
         keys: rows.map((r) => Number(r.dataset.key)) };
"""


def measure(notebook: Any, updates: int = 5) -> dict[str, Any]:
    """Run the measurements with a browser-test ``notebook`` factory; return the numbers."""
    nb = notebook([SETUP, DISPLAY], name="node-table-5000.ipynb", run=False)
    nb.evaluate(WATCH_FIRST_PAINT)
    nb.run_all(timeout=120)
    nb.page.wait_for_function("() => window.__lpFirstPaint !== null", timeout=60_000)
    first_paint = nb.evaluate("return window.__lpFirstPaint") - float(
        nb.kernel("print(started_ms)"))
    start_keys = nb.evaluate("return [...panel.node.querySelectorAll("
                             "'.lp-table-body .lp-table-row')].map((r) => Number(r.dataset.key))")
    drawn_at_start = len(start_keys)

    update_ms, replaced = [], []
    for round_ in range(updates):
        key = int(nb.evaluate(
            "return Number(panel.node.querySelector('.lp-table-body .lp-table-row')"
            ".dataset.key)"))
        nb.evaluate(MARK_ROWS, {"key": key})
        new_name = f"renamed node {round_}"
        sent = float(nb.kernel(
            f"row = dict(table.row({key})); row['status'] = 'offline'; "
            f"row['name'] = {new_name!r}; t = time.time() * 1000; "
            "table.update_rows([row]); print(t)"))
        nb.page.wait_for_function("() => window.__lpUpdated !== null", timeout=30_000)
        after = nb.evaluate(AFTER_UPDATE, {"key": key})
        assert new_name in after["text"], after
        update_ms.append(after["updated"] - sent)
        replaced.append(after["replaced"])

    scroll = nb.evaluate(SCROLL, timeout=30)
    return {
        "nodes": NODES,
        "first_paint_ms": first_paint,
        "rows_drawn": drawn_at_start,
        "update_ms": statistics.median(update_ms),
        "rows_replaced_per_update": max(replaced),
        "scroll_draw_ms": scroll["ms"],
        "rows_drawn_after_scroll": scroll["drawn"],
        "start_keys": start_keys,
        "middle_keys": scroll["keys"],
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import (
        DEFAULT_LAB_SETTINGS,
        LabPages,
        LabServer,
        NotebookFactory,
        launch_chromium,
    )

    with tempfile.TemporaryDirectory() as folder:
        server = LabServer.start(Path(folder), settings=DEFAULT_LAB_SETTINGS)
        driver = sync_playwright().start()
        browser = launch_chromium(driver)
        pages = LabPages(browser, server)
        factory = NotebookFactory(pages, "node-table-benchmark")
        try:
            result = measure(factory)
        finally:
            factory.finish()
            pages.close()
            browser.close()
            driver.stop()
            server.stop()
    print(f"NodeStatusTable with {result['nodes']} nodes, headless chromium:")
    print(f"  first paint (cell start to rows on screen): {result['first_paint_ms']:7.0f} ms")
    print(f"  one node changes (kernel to row on screen): {result['update_ms']:7.0f} ms "
          f"(median of 5; {result['rows_replaced_per_update']} row element replaced)")
    print(f"  scroll to the middle, drawn in:            {result['scroll_draw_ms']:7.0f} ms")
    print(f"  row elements in the page: {result['rows_drawn']} at start, "
          f"{result['rows_drawn_after_scroll']} after scrolling (of {result['nodes']})")


if __name__ == "__main__":
    main()
