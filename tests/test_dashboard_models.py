"""A saved notebook holding a vantage6 dashboard holds a few widget models, not 150:
every panel is one anywidget and the dashboard refers to them by model id."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.platform

#: what a saved dashboard may hold at most: six panels, the node table, their layouts
MAX_MODELS = 20
STATE = "application/vnd.jupyter.widget-state+json"


def _saved_state(v6: dict, folder: Path) -> tuple[dict, str]:
    """Run a notebook that shows a dashboard, submits a task and reads its results; return
    the widget state saved with it and the cells' outputs (as JSON text)."""
    password = v6["users"]["PhY24-rs1"]["password"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import Vantage6Dashboard\n"
        f"session = Vantage6Session({v6['url']!r})\n"
        "dash = Vantage6Dashboard(session)\n"
        "dash",
        f"dash.login.login('PhY24-rs1', {password!r})\n"
        "dash.browser.select('PhY-research')\n"
        "dash.join()",
        "task = session.create_task('harbor2.vantage6.ai/demo/average', 'partial_average',\n"
        "                           kwargs={'column_name': 'age'})\n"
        "table = dash.results.show(task, wait=True)\n"
        "dash.join()\n"
        "print(len(table), 'result rows;', dash.results.status_text)",
    )])
    NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, folder / "dashboard.ipynb")
    outputs = json.dumps([cell.get("outputs", []) for cell in nb.cells])
    assert "4 result rows; Task" in nb.cells[2].outputs[0]["text"]
    return nb.metadata["widgets"][STATE]["state"], outputs


def test_a_saved_dashboard_holds_at_most_20_widget_models(v6, tmp_path):
    state, outputs = _saved_state(v6, tmp_path)
    names = sorted(model["model_name"] for model in state.values())
    print(f"{len(state)} widget models saved: {names}")
    assert len(state) <= MAX_MODELS, names
    dashboards = [m["state"] for m in state.values()
                  if "lp-dashboard" in (m["state"].get("_dom_classes") or ())]
    (dash,) = dashboards
    for name in ("login", "browser", "builder", "progress", "results"):
        ref = dash[name]
        assert ref.startswith("anywidget:") and ref[len("anywidget:"):] in state, name
    password = v6["users"]["PhY24-rs1"]["password"]  # (the code cell holds it, on purpose)
    for saved in (json.dumps(state), outputs):
        assert password not in saved and "access_token" not in saved
