"""The 3-D scaffold viewer in JupyterLab: a rat heart scaffold generated from the emulator's
seed dataset 207, rotated and zoomed with keys, a group picked with a click and one chosen
by name (highlighted: the canvas shows the accent colour), exported as VTK; at 360 px
nothing is clipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser
pytest.importorskip("cmlibs.zinc", reason="the viewer's kernel needs pip install "
                    "'labpanels[zinc]' (part of the test extra)")

# Pixels of the canvas whose colour points the way the theme's accent does (shading scales
# a colour; the unselected model is a neutral grey on a neutral background).
ACCENT_PIXELS = """
const canvas = panel.node.querySelector('.lp-sv-canvas');
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const probe = document.createElement('span');
probe.style.color = 'var(--lp-accent)';
canvas.closest('.lp-scaffold-viewer').append(probe);
const swatch = document.createElement('canvas').getContext('2d');
swatch.fillStyle = getComputedStyle(probe).color;  // rgb() or color(srgb ...): painted as bytes
swatch.fillRect(0, 0, 1, 1);
const accent = [...swatch.getImageData(0, 0, 1, 1).data.slice(0, 3)];
probe.remove();
const copy = document.createElement('canvas');
copy.width = canvas.width; copy.height = canvas.height;
const g = copy.getContext('2d');
g.drawImage(canvas, 0, 0);
const data = g.getImageData(0, 0, copy.width, copy.height).data;
const unit = (r, gr, b) => { const l = Math.hypot(r, gr, b) || 1; return [r / l, gr / l, b / l]; };
const a = unit(...accent);
let n = 0;
for (let i = 0; i < data.length; i += 4) {
  if (Math.max(data[i], data[i + 1], data[i + 2]) < 30) continue;
  const p = unit(data[i], data[i + 1], data[i + 2]);
  if (Math.hypot(p[0] - a[0], p[1] - a[1], p[2] - a[2]) < 0.08) n += 1;
}
return n;
"""


def test_scaffold_viewer_rotates_picks_and_highlights_a_group(notebook, emulator, tmp_path):
    out = tmp_path / "export"
    nb = notebook([
        "import os\n"
        f"os.environ['PENNSIEVE_HOST'] = {emulator.url!r}\n"
        "from labpanels.sparc import SparcClient\n"
        "from labpanels.widgets import ScaffoldViewer\n"
        "client = SparcClient(connect=False, config_file='')\n"
        f"viewer = ScaffoldViewer(client, dataset_id=207, output_location={str(out)!r})\n"
        "viewer",
    ], name="scaffold.ipynb")
    panel = nb.panel
    nb.wait_kernel("print(viewer.wait_loaded(90))", "3D Heart 1", timeout=120)
    view = panel.locator(".lp-scaffold-viewer")
    expect(view.locator(".lp-sv-title")).to_have_text("Scaffold: 3D Heart 1", timeout=20_000)
    expect(view.locator(".lp-sv-summary")).to_contain_text("vertices")
    assert view.get_attribute("data-renderer") == "webgl"
    groups = view.get_by_role("list", name="Annotated groups").get_by_role("button")
    assert groups.count() == int(nb.kernel("print(len(viewer.groups))")) > 20  # text alternative

    canvas = view.locator("canvas.lp-sv-canvas")
    canvas.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "+"):
        canvas.press(key)
    nb.wait_kernel("print(viewer.yaw, viewer.pitch, viewer.zoom)", "60.0 -5.0 1.25")
    canvas.press("0")
    nb.wait_kernel("print(viewer.yaw, viewer.pitch, viewer.zoom)", "30.0 -20.0 1.0")

    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})  # a surface
    picked = nb.kernel("print(viewer.selected_group)")
    for _ in range(40):
        if picked:
            break
        picked = nb.kernel("import time; time.sleep(0.1); print(viewer.selected_group)")
    assert picked in nb.kernel("print('\\n'.join(viewer.group_names()))").splitlines()
    view.get_by_role("button", name="Show all").click()
    nb.wait_kernel("print(repr(viewer.selected_group))", "''")
    before = nb.evaluate(ACCENT_PIXELS)

    find = view.get_by_label("Find a group")
    find.fill("left ventricle myo")
    expect(groups).to_have_count(1)
    find.press("Enter")
    nb.wait_kernel("print(viewer.selected_group)", "left ventricle myocardium")
    chosen = view.get_by_role("button", name="left ventricle myocardium")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(view.locator(".lp-sv-summary")).to_contain_text("Highlighted: left ventricle myocardium")
    after = nb.evaluate(ACCENT_PIXELS)
    assert before < 50 and after > 500, (before, after)
    nb.screenshot("scaffold-viewer", panel.locator(".lp-scaffold-viewer"))

    view.get_by_role("button", name="Export VTK").click()
    nb.wait_kernel("print([os.path.basename(p) for p in viewer.exported])",
                   "['scaffold_root.vtk', 'scaffold_root_marker.vtk']", timeout=60)
    expect(view.get_by_role("list", name="Exported files")).to_contain_text("scaffold_root.vtk")
    assert (out / "scaffold_root.vtk").stat().st_size > 10_000

    overflow = nb.evaluate(
        "const root = panel.node.querySelector('.lp-scaffold-viewer');"
        "root.style.width = '360px';"
        "await new Promise((r) => setTimeout(r, 100));"
        "const edge = root.getBoundingClientRect().right + 1;"
        "const wide = [...root.querySelectorAll('*')].filter((e) => "
        "!e.closest('.lp-sv-groups') && e.getClientRects().length && "
        "(e.getBoundingClientRect().right > edge || (e.matches('label, button') && "
        "e.scrollWidth > e.clientWidth + 1))).map((e) => e.outerHTML.slice(0, 80));"
        "return wide;")
    assert overflow == [], overflow
    nb.screenshot("scaffold-viewer-360px", panel.locator(".lp-scaffold-viewer"))
