"""Proof that the browser harness works: real widgets, clicked in a real JupyterLab."""

from __future__ import annotations

import struct

import pytest
from playwright.sync_api import expect

from . import harness
from .harness import CellError, KernelError

SLIDER_AND_BUTTON = [
    "import ipywidgets as widgets\n"
    "counter = 0\n"
    "slider = widgets.IntSlider(value=7, min=0, max=10, description='level')\n"
    "button = widgets.Button(description='add one')\n"
    "def on_click(_):\n"
    "    global counter\n"
    "    counter += 1\n"
    "button.on_click(on_click)\n"
    "widgets.VBox([slider, button])",
]

COUNTER_WIDGET = '''\
import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "lp-counter-button";
      button.textContent = "increment";
      const span = document.createElement("span");
      span.className = "lp-counter-value";
      const show = () => { span.textContent = `count is ${model.get("count")}`; };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", show);
      show();
      el.append(button, span);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)


counter = Counter()
counter
'''


@pytest.mark.browser
def test_ipywidgets_click_reaches_the_kernel(notebook):
    nb = notebook(SLIDER_AND_BUTTON, name="widgets.ipynb")

    button = nb.panel.get_by_role("button", name="add one")
    button.click()
    button.click()
    nb.wait_kernel("print(counter)", "2")

    readout = nb.panel.locator(".widget-slider .widget-readout")
    expect(readout).to_have_text("7")
    expect(nb.panel.locator(".widget-slider .widget-label")).to_have_text("level")

    nb.kernel("slider.value = 3")  # and the other way: kernel -> browser
    expect(readout).to_have_text("3")


@pytest.mark.browser
def test_anywidget_inline_esm(notebook):
    nb = notebook([COUNTER_WIDGET], name="anywidget.ipynb", env={"LABPANELS_HARNESS": "on"})

    value = nb.panel.locator(".lp-counter-value")
    expect(value).to_have_text("count is 0")
    for _ in range(3):
        nb.panel.locator(".lp-counter-button").click()
    expect(value).to_have_text("count is 3")
    nb.wait_kernel("print(counter.count)", 3)

    # the environment given to this notebook's kernel, and errors raised in the kernel
    assert nb.kernel("import os; print(os.environ['LABPANELS_HARNESS'])") == "on"
    assert nb.kernel("counter.count * 2") == "6"
    with pytest.raises(KernelError, match="ZeroDivisionError"):
        nb.kernel("1 / 0")
    assert nb.console_errors() == []


@pytest.mark.browser
def test_saved_notebook_holds_the_widget_state(notebook):
    nb = notebook(SLIDER_AND_BUTTON, name="saved.ipynb")
    nb.kernel("slider.value = 4")
    expect(nb.panel.locator(".widget-readout")).to_have_text("4")

    nb.save()
    saved = nb.saved_json()

    state = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    sliders = [m["state"] for m in state.values() if m["model_name"] == "IntSliderModel"]
    assert [s["value"] for s in sliders] == [4]
    assert sliders[0]["description"] == "level"
    outputs = saved["cells"][0]["outputs"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
def test_screenshot(notebook):
    nb = notebook(SLIDER_AND_BUTTON, name="screenshot.ipynb")
    expect(nb.panel.locator(".widget-readout")).to_have_text("7")

    whole = nb.screenshot("harness-page")
    part = nb.screenshot("harness-slider-output", locator=nb.output(0))

    assert _png_size(whole) == (1280, 900)
    width, height = _png_size(part)
    assert width > 200 and height > 30
    assert part.stat().st_size > 2_000
    assert whole.parent.name == "screenshots" and whole.parent.parent.name == "artifacts"


@pytest.mark.browser
def test_console_errors_and_cell_errors_are_caught(notebook):
    with pytest.raises(CellError, match="ZeroDivisionError"):
        notebook(["x = 1", "1 / 0", "y = 2"], name="raises.ipynb")

    nb = notebook(["x = 1", "1 / 0", "y = 2"], name="allowed.ipynb", allow_errors=True)
    assert [bool(cell["errors"]) for cell in nb.cell_results] == [False, True, False]
    assert nb.kernel("print(x)") == "1"

    nb.evaluate("console.error('labpanels harness: deliberate error'); return null;")
    assert [e.text for e in nb.console_errors()] == ["labpanels harness: deliberate error"]
    notebook.ignore_console_errors(r"^labpanels harness: deliberate error$")
    assert nb.console_errors() == []


def test_missing_chromium_fails_with_the_fix(monkeypatch):
    monkeypatch.setattr(harness.shutil, "which", lambda _name: None)
    with pytest.raises(RuntimeError, match=r"\.ci/run.*apt-get install chromium"):
        harness.launch_chromium(playwright=None)
