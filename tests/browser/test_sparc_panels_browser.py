"""SPARC and o²S²PARC panels clicked through in a real browser against the local emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser


def _filter(tree, text: str, kernel) -> None:
    """Type in the tree's name filter (the view sends it after a short pause)."""
    tree.locator("input.lp-ft-name").fill(text)
    kernel("print(repr(picker.name_filter))", repr(text))


def _open_folder(tree, name: str, nb, how: str) -> None:
    """Open a folder by name: filter the rows to it (rows are virtualized), then open it
    with a click, Enter or ArrowRight on its tree item."""
    _filter(tree, name, nb.wait_kernel)
    item = tree.get_by_role("treeitem", name=f"{name}, folder")
    if how == "click":
        item.locator(".lp-ft-folder").click()
    else:
        item.focus()
        item.press(how)
    expect(tree.locator(".lp-ft-crumbs")).to_contain_text(name)
    nb.wait_kernel("print(picker.tree_path.split('/')[-1])", name)
    _filter(tree, "", nb.wait_kernel)


def test_picker_finds_opens_deep_folder_and_downloads(notebook, emulator, tmp_path):
    nb = notebook([
        "from labpanels import PennsieveSession\n"
        "from labpanels.widgets import DatasetPicker\n"
        f"picker = DatasetPicker(PennsieveSession({emulator.pennsieve_url!r}))\n"
        "picker",
    ], name="picker.ipynb")
    panel = nb.panel
    query = panel.get_by_label("Search", exact=True)
    query.fill("voltage traces")
    query.press("Enter")  # Enter searches; the notebook does not take the key
    nb.wait_kernel("print(picker.query)", "voltage traces")
    assert nb.evaluate("return document.activeElement.type", timeout=5) == "search"
    grid = panel.get_by_role("grid", name="Datasets")
    result = grid.locator(".lp-grid-row", has_text="Large-scale intracellular voltage").first
    expect(result).to_be_visible(timeout=20_000)
    result.focus()
    result.press("Enter")  # the keyboard opens a dataset
    nb.wait_kernel("print((picker.dataset or {}).get('id'))", "204", timeout=20)
    expect(panel.locator(".lp-sp-title")).to_contain_text("Large-scale intracellular voltage")
    expect(panel.get_by_label("Version")).to_be_visible()
    tree = panel.locator(".lp-filetree")
    expect(tree.get_by_role("tree", name="Files")).to_be_visible()
    for folder, how in (("primary", "click"), ("sub-050", "Enter"), ("ses-05", "ArrowRight")):
        _open_folder(tree, folder, nb, how)
    # only the pages of the folders opened were read: the dataset has 100,004 files
    assert int(nb.kernel("print(len(picker.tree.rows))")) <= 200
    assert tree.locator(".lp-ft-row svg.lp-icon-file").count() > 0  # SVG icons, no emoji
    rows = tree.locator(".lp-ft-row[data-path$='.csv']")
    expect(rows.first).to_be_visible()
    chosen = [rows.nth(i).get_attribute("data-path") for i in range(2)]
    rows.nth(0).locator("input.lp-ft-check").click()  # a tick with the mouse
    nb.wait_kernel("print(picker.selected_paths)", str(chosen[:1]))
    rows.nth(0).focus()
    rows.nth(0).press("ArrowDown")
    second = tree.locator(f".lp-ft-row[data-path='{chosen[1]}']")
    expect(second).to_be_focused()
    second.press(" ")  # Space ticks
    nb.wait_kernel("print(sorted(picker.selected_paths))", str(sorted(chosen)))
    expect(second).to_have_attribute("aria-checked", "true")
    nb.screenshot("dataset-picker", panel)
    # at 360 px nothing is clipped: outside the grid's and the tree's own scrolling boxes
    # no element reaches past the panel, and labels and buttons show all their text
    overflow = nb.evaluate(
        "const root = panel.node.querySelector('.lp-sparc-picker');"
        "root.style.width = '360px';"
        "await new Promise((r) => requestAnimationFrame(() => r()));"
        "const edge = root.getBoundingClientRect().right + 1;"
        "const wide = [...root.querySelectorAll('*')].filter((e) => "
        "!e.closest('.lp-grid-scroll, .lp-ft-viewport, datalist, option, select') && "
        "e.getClientRects().length && (e.getBoundingClientRect().right > edge || "
        "(e.matches('label, button, .lp-sp-facts li, .lp-ft-crumb, .lp-sp-title') && "
        "e.scrollWidth > e.clientWidth + 1))).map((e) => e.outerHTML.slice(0, 80));"
        "return wide;")
    assert overflow == [], overflow
    nb.screenshot("dataset-picker-360px", panel.locator(".lp-sparc-picker"))
    nb.evaluate("panel.node.querySelector('.lp-sparc-picker').style.width = ''; return 0;")
    panel.get_by_label("Save to").fill(str(tmp_path / "out"))
    panel.get_by_role("button", name="Download").click()
    nb.wait_kernel("print(picker.download_state)", "done", timeout=60)
    expect(panel.locator(".lp-sp-progress-text")).to_contain_text("Done: 2 files")
    assert float(nb.kernel("print(picker.download_percent)")) == 100.0
    listed = json.loads(nb.kernel("import json; print(json.dumps({r['path']: r['size'] "
                                  "for r in picker.selected}))"))
    files = json.loads(nb.kernel("print(json.dumps([str(p) for p in picker.downloaded]))"))
    assert len(files) == 2
    for path, size in listed.items():  # the session tests check contents by sha256
        local = next(Path(f) for f in files if f.endswith(Path(path).name))
        assert local.stat().st_size == size > 0
    assert not list((tmp_path / "out").rglob("*.part"))
    # ArrowLeft goes up one folder
    second.press("ArrowLeft")
    nb.wait_kernel("print(picker.tree_path.split('/')[-1])", "sub-050")
    # a slow download, cancelled from the view: no partial file
    nb.kernel("picker.session.chunk_size = 64")
    _filter(tree, "ses-05", nb.wait_kernel)
    tree.get_by_role("treeitem", name="ses-05, folder").locator("input.lp-ft-check").click()
    nb.wait_kernel("print(picker.selected_paths[-1])", "files/primary/sub-050/ses-05")
    panel.get_by_label("Save to").fill(str(tmp_path / "cancelled"))
    panel.get_by_role("button", name="Download").click()
    nb.wait_kernel("print(picker.download_state)", "running", timeout=20)
    panel.get_by_role("button", name="Cancel").click()
    nb.wait_kernel("print(picker.download_state)", "cancelled", timeout=30)
    expect(panel.locator(".lp-sp-progress-text")).to_contain_text("Cancelled")
    assert not list((tmp_path / "cancelled").rglob("*.part"))


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_sleeper_job_progress_outputs_and_logs(notebook, emulator, tmp_path, fail):
    key, secret = emulator.credentials
    nb = notebook([
        "from labpanels import OsparcSession\n"
        "from labpanels.widgets import JobBuilder, OsparcJobProgress, OsparcResultViewer\n"
        "import ipywidgets as w\n"
        "osparc = OsparcSession()  # host, key and secret from OSPARC_API_* variables\n"
        "osparc.select_solver('simcore/services/comp/itis/sleeper', '2.0.2')\n"
        "open('number.txt', 'w').write('2')\n"
        "builder, progress, viewer = (JobBuilder(osparc), OsparcJobProgress(osparc),\n"
        "                             OsparcResultViewer(osparc))\n"
        "w.VBox([builder, progress, viewer])",
    ], name=f"sleeper-{fail}.ipynb", env={"OSPARC_API_HOST": emulator.osparc_url,
                                           "OSPARC_API_KEY": key, "OSPARC_API_SECRET": secret})
    panel = nb.panel
    seconds = 1 if fail else 40  # the success runs long enough to watch its log live
    nb.kernel(f"builder.set_inputs(input_1='number.txt', input_2={seconds}, input_3={fail})")
    panel.get_by_role("button", name="Submit").click()
    if not fail:
        expect(panel.get_by_text("[PROGRESS] 1/", exact=False).first).to_be_visible(
            timeout=20_000)
        assert nb.kernel("print(osparc.status()['state'])") == "STARTED"
    end = "FAILED" if fail else "SUCCESS"
    nb.wait_kernel("print(progress.state)", end, timeout=60)
    bar = panel.locator(".lp-osparc-progress", has_text=end).first
    expect(bar).to_be_visible()
    nb.wait_kernel("print(viewer.state)", end, timeout=30)
    if fail:
        expect(panel.get_by_text(nb.kernel("print(viewer.error)"), exact=False).first
               ).to_be_visible()
        expect(panel.locator(".lp-log-error").first).to_be_visible()
        nb.screenshot("osparc-failed-job", panel)
    else:
        assert nb.kernel("print(progress.progress)") == "100"
        assert nb.kernel("print(type(viewer.outputs['output_2']).__name__)") == "int"
        expect(panel.locator(".lp-grid-row", has_text="output_2").first).to_be_visible()
        expect(panel.get_by_text("[PROGRESS]", exact=False).first).to_be_visible()
        # the log's leading ISO stamps read as local times; the exact one stays on hover
        stamp = panel.locator("time.lp-log-time").first
        expect(stamp).to_be_visible()
        exact = stamp.get_attribute("datetime")
        assert "T" in exact and stamp.get_attribute("title") == exact
        assert "T" not in stamp.inner_text() and stamp.inner_text().count(":") == 2
        nb.screenshot("osparc-job", panel)
    nb.save()
    assert secret not in json.dumps(nb.saved_json())
