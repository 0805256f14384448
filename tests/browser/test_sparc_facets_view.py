"""The dataset picker's portal parts in JupyterLab: filter by two facets and watch the
counts change, copy a citation, preview a CSV (table and plot) and an image before any
download, and a scaffold in the 3-D viewer drawn inside the picker (a group picked by
name)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from labpanels.zinc import zinc_available
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser
SETTINGS = "files/derivative/scaffold/Scaffold_Creator-settings.json"
# Canvas pixels that differ from its corner (the background): the model was drawn
DRAWN_PIXELS = """
const canvas = panel.node.querySelector('.lp-sp-preview .lp-sv-canvas');
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const copy = document.createElement('canvas');
copy.width = canvas.width; copy.height = canvas.height;
const g = copy.getContext('2d');
g.drawImage(canvas, 0, 0);
const data = g.getImageData(0, 0, copy.width, copy.height).data;
const far = (i) => Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1])
  + Math.abs(data[i + 2] - data[2]) > 24;
let n = 0;
for (let i = 0; i < data.length; i += 4) if (far(i)) n += 1;
return [n, copy.width * copy.height];
"""
RAT = "Rattus norvegicus"
APA = ("Okafor, A., Brenner, L., & Marquez, S. (2024). Heart rate response to vagus nerve "
       "stimulation in rats (Version 2) [Data set]. Pennsieve Discover. "
       "https://doi.org/10.26275/vns2-hr02")


def _count(facets, facet: str, value: str):
    group = facets.locator(f"fieldset.lp-sp-facet[data-key='{facet}']")
    return group.locator("label", has_text=value).locator(".lp-sp-count")


def test_facets_citation_and_previews(notebook, emulator):
    nb = notebook([
        "from labpanels import PennsieveSession\n"
        "from labpanels.widgets import DatasetPicker\n"
        f"picker = DatasetPicker(PennsieveSession({emulator.pennsieve_url!r}))\n"
        "picker.search('')\n"
        "picker",
    ], name="facets.ipynb")
    panel = nb.panel
    facets = panel.locator(".lp-sp-facets")
    grid = panel.get_by_role("grid", name="Datasets")
    expect(grid.locator(".lp-grid-row")).to_have_count(8, timeout=20_000)
    expect(_count(facets, "anatomy", "heart")).to_have_text("3")
    expect(_count(facets, "anatomy", "stomach")).to_have_text("2")
    expect(_count(facets, "anatomy", "spinal cord")).to_have_text("1")
    expect(_count(facets, "sex", "Female")).to_have_text("3")
    # one facet: a click
    facets.get_by_role("checkbox", name=re.compile(f"^{RAT}")).check()
    nb.wait_kernel("print(picker.facet_filters)", str({"species": [RAT]}))
    expect(grid.locator(".lp-grid-row")).to_have_count(6)
    expect(_count(facets, "anatomy", "stomach")).to_have_text("1")
    expect(_count(facets, "anatomy", "spinal cord")).to_have_count(0)  # no rat spinal cord
    expect(_count(facets, "sex", "Female")).to_have_text("2")
    # a second facet: the keyboard (Space on the focused checkbox)
    heart = facets.get_by_role("checkbox", name=re.compile("^heart"))
    heart.focus()
    heart.press(" ")
    nb.wait_kernel("print(sorted(picker.facet_filters))", str(["anatomy", "species"]))
    expect(grid.locator(".lp-grid-row")).to_have_count(3)
    expect(_count(facets, "species", RAT)).to_have_text("3")
    expect(_count(facets, "sex", "Female")).to_have_text("1")
    expect(heart).to_be_focused()  # the redraw keeps the focus where it was
    expect(heart).to_be_checked()
    nb.screenshot("sparc-facets", panel)

    # the dataset page: its citation, copied
    grid.locator(".lp-grid-row", has_text="Heart rate response").first.click()
    nb.wait_kernel("print((picker.dataset or {}).get('id'))", "201", timeout=20)
    cite = panel.locator(".lp-sp-cite-text")
    expect(cite).to_have_text(APA, timeout=20_000)
    expect(panel.locator(".lp-sp-people li").first).to_contain_text("Amara Okafor")
    expect(panel.locator(".lp-sp-version-list li")).to_have_count(2)
    context = nb.page.context
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        panel.get_by_role("button", name="Copy citation").click()
        expect(panel.locator(".lp-sp-copied")).to_have_text("Copied to the clipboard")
        assert nb.evaluate("return await navigator.clipboard.readText();") == APA
    finally:
        context.clear_permissions()
    panel.get_by_label("Citation style").select_option("bibtex")
    expect(cite).to_contain_text("@misc{okafor2024heart,")

    # previews before any download: a CSV (table and plot), then an image
    nb.kernel("picker.open_folder('files/primary/sub-01')")
    tree = panel.locator(".lp-filetree")
    tree.locator(".lp-ft-row[data-path$='heart_rate.csv'] .lp-ft-previewable").click()
    preview = panel.get_by_role("region", name="File preview")
    expect(preview.locator(".lp-sp-table tbody tr")).to_have_count(20, timeout=20_000)
    expect(preview.locator(".lp-sp-table thead th")).to_have_text(
        ["time_s", "heart_rate_bpm", "stim_current_mA"])
    expect(preview.locator("svg.lp-sp-plot")).to_have_count(2)
    path = preview.locator("path.lp-sp-line").first.get_attribute("d")
    assert path.startswith("M") and path.count("L") > 100
    expect(preview.get_by_role("img", name=re.compile("^heart_rate_bpm over time_s"))) \
        .to_be_visible()
    preview.scroll_into_view_if_needed()
    nb.screenshot("sparc-preview", preview)
    # at 360 px the facets, the dataset page and the preview wrap: nothing reaches past
    # the panel outside the boxes that scroll on purpose
    overflow = nb.evaluate(
        "const root = panel.node.querySelector('.lp-sparc-picker');"
        "root.style.width = '360px';"
        "await new Promise((r) => requestAnimationFrame(() => r()));"
        "const edge = root.getBoundingClientRect().right + 1;"
        "const wide = [...root.querySelectorAll('.lp-sp-facets *, .lp-sp-page *, "
        ".lp-sp-preview *')].filter((e) => !e.closest('.lp-sp-table-scroll, option, select')"
        " && e.getClientRects().length && e.getBoundingClientRect().right > edge)"
        ".map((e) => e.outerHTML.slice(0, 80));"
        "root.style.width = ''; return wide;")
    assert overflow == [], overflow
    nb.kernel("picker.open_folder('files/docs')")
    row = tree.locator(".lp-ft-row[data-path$='figure1.png']")
    row.focus()
    row.press("Enter")  # Enter on a file previews it
    image = preview.get_by_role("img", name="figure1.png, 96 × 64 px")
    expect(image).to_be_visible(timeout=20_000)
    nb.wait_kernel("print(picker.preview['kind'])", "image")
    assert nb.evaluate("const img = panel.node.querySelector('img.lp-sp-image');"
                       "await img.decode(); return [img.naturalWidth, img.naturalHeight];") \
        == [96, 64]
    nb.screenshot("sparc-preview-image", preview)
    assert nb.kernel("print(picker.downloaded, picker.download_state)") == "[] idle"

    # a scaffold: dataset 207 (a rat heart, in the filtered grid) opens in the 3-D viewer
    # drawn inside the picker; a group is picked by name
    if not zinc_available():  # the kernel runs in this environment
        pytest.skip("the scaffold preview needs pip install 'labpanels[zinc]' (test extra)")
    grid.locator(".lp-grid-row", has_text="Rat heart scaffold").click()
    nb.wait_kernel("print((picker.dataset or {}).get('id'))", "207", timeout=20)
    nb.kernel("picker.open_folder('files/derivative/scaffold')")
    tree.locator(f".lp-ft-row[data-path='{SETTINGS}'] .lp-ft-previewable").click()
    viewer = preview.locator(".lp-scaffold-viewer")
    expect(viewer.locator(".lp-sv-title")).to_have_text("Scaffold: 3D Heart 1", timeout=90_000)
    expect(preview.locator(".lp-sp-preview-summary")).to_have_text(
        "3D Heart 1: scaffold generated from all 8.6 kB of the file, in the 3-D viewer below")
    nb.wait_kernel("print(picker.viewer.kind, picker.preview['state'])", "scaffold ready")
    assert viewer.get_attribute("data-renderer") == "webgl"
    drawn, total = nb.evaluate(DRAWN_PIXELS)
    assert drawn > total // 50, (drawn, total)  # the heart covers part of the canvas
    groups = viewer.get_by_role("list", name="Annotated groups").get_by_role("button")
    assert groups.count() == int(nb.kernel("print(len(picker.viewer.groups))")) > 20
    find = viewer.get_by_label("Find a group")
    find.fill("right ventricle myo")
    expect(groups).to_have_count(1)
    find.press("Enter")
    nb.wait_kernel("print(picker.viewer.selected_group)", "right ventricle myocardium")
    expect(viewer.get_by_role("button", name="right ventricle myocardium")) \
        .to_have_attribute("aria-pressed", "true")
    expect(viewer.locator(".lp-sv-summary")).to_contain_text(
        "Highlighted: right ventricle myocardium")
    preview.scroll_into_view_if_needed()
    nb.screenshot("sparc-scaffold-preview", preview)
    # one viewer, referenced by the picker: closing the picker closes it
    assert nb.kernel("v = picker.viewer; picker.close(); print(v.closed)") == "True"
