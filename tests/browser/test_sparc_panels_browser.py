"""SPARC and o²S²PARC panels clicked through in a real browser against the local emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser


def _open_folder(tree, name: str) -> None:
    """Open a folder by name: filter the rows to it, then click it (rows are virtualized)."""
    tree.locator("input.lp-ft-name").fill(name)
    tree.locator(".lp-ft-folder", has_text=name).first.click()
    expect(tree.locator(".lp-ft-crumbs")).to_contain_text(name)
    tree.locator("input.lp-ft-name").fill("")


def test_picker_finds_opens_deep_folder_and_downloads(notebook, emulator, tmp_path):
    nb = notebook([
        "from labpanels import PennsieveSession\n"
        "from labpanels.widgets import DatasetPicker\n"
        f"picker = DatasetPicker(PennsieveSession({emulator.pennsieve_url!r}))\n"
        "picker",
    ], name="picker.ipynb")
    panel = nb.panel
    panel.get_by_placeholder("Search datasets (words in title, description, tags)").fill(
        "voltage traces")
    panel.get_by_role("button", name="Search").click()
    result = panel.locator(".lp-table-row", has_text="Large-scale intracellular voltage").first
    expect(result).to_be_visible()
    result.click()
    nb.wait_kernel("print((picker.dataset or {}).get('id'))", "204", timeout=20)
    tree = panel.locator(".lp-filetree")
    for folder in ("primary", "sub-050", "ses-05"):
        _open_folder(tree, folder)
    nb.wait_kernel("print(picker.tree.path.split('/')[-1])", "ses-05")
    # only the pages of the folders opened were read: the dataset has 100,004 files
    assert int(nb.kernel("print(len(picker.tree.rows))")) <= 200
    rows = tree.locator(".lp-ft-row[data-path$='.csv']")
    expect(rows.first).to_be_visible()
    chosen = [rows.nth(i).get_attribute("data-path") for i in range(2)]
    for i in range(2):
        rows.nth(i).locator("input.lp-ft-check").click()
    nb.wait_kernel("print(sorted(picker.selected_paths))", str(sorted(chosen)))
    nb.screenshot("dataset-picker", panel)
    panel.get_by_placeholder("./sparc-downloads/<dataset id>").fill(str(tmp_path / "out"))
    panel.get_by_role("button", name="Download").click()
    nb.wait_kernel("print(picker.download_state)", "done", timeout=60)
    assert float(nb.kernel("print(picker.download_percent)")) == 100.0
    listed = json.loads(nb.kernel("import json; print(json.dumps({r['path']: r['size'] "
                                  "for r in picker.selected}))"))
    files = json.loads(nb.kernel("print(json.dumps([str(p) for p in picker.downloaded]))"))
    assert len(files) == 2
    for path, size in listed.items():  # the session tests check contents by sha256
        local = next(Path(f) for f in files if f.endswith(Path(path).name))
        assert local.stat().st_size == size > 0
    assert not list((tmp_path / "out").rglob("*.part"))


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
    bar = panel.locator(".lp-panel", has_text=end).first
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
        expect(panel.locator(".lp-table-row", has_text="output_2").first).to_be_visible()
        expect(panel.get_by_text("[PROGRESS]", exact=False).first).to_be_visible()
        nb.screenshot("osparc-job", panel)
    nb.save()
    assert secret not in json.dumps(nb.saved_json())
