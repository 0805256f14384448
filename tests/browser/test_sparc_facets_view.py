"""The dataset picker's portal parts in JupyterLab: filter by two facets and watch the
counts change, copy a citation, preview a CSV (table and plot) and an image before any
download."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser
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
    expect(grid.locator(".lp-grid-row")).to_have_count(5, timeout=20_000)
    expect(_count(facets, "anatomy", "heart")).to_have_text("2")
    expect(_count(facets, "anatomy", "stomach")).to_have_text("1")
    expect(_count(facets, "sex", "Female")).to_have_text("3")
    # one facet: a click
    facets.get_by_role("checkbox", name=re.compile(f"^{RAT}")).check()
    nb.wait_kernel("print(picker.facet_filters)", str({"species": [RAT]}))
    expect(grid.locator(".lp-grid-row")).to_have_count(3)
    expect(_count(facets, "anatomy", "stomach")).to_have_count(0)  # no rat stomach
    expect(_count(facets, "sex", "Female")).to_have_text("2")
    # a second facet: the keyboard (Space on the focused checkbox)
    heart = facets.get_by_role("checkbox", name=re.compile("^heart"))
    heart.focus()
    heart.press(" ")
    nb.wait_kernel("print(sorted(picker.facet_filters))", str(["anatomy", "species"]))
    expect(grid.locator(".lp-grid-row")).to_have_count(2)
    expect(_count(facets, "species", RAT)).to_have_text("2")
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
