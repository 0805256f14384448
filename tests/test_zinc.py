"""labpanels' Zinc helper against the emulator: meshes, typed errors, the missing extra, and
the ScaffoldViewer panel's Python side (binary buffers, groups, view, exports)."""

from __future__ import annotations

import builtins
import struct
import subprocess
import sys

import pytest

from labpanels import zinc as zinc_module
from labpanels.demo.emulator.seed_scaffolds import DATA, heart_xml, stomach_xml
from labpanels.errors import InvalidArgument, LabpanelsError
from labpanels.sparc import SparcClient
from labpanels.zinc import (
    BadScaffoldFile,
    BadSegmentationFile,
    NoScaffoldError,
    SegmentationNotFound,
    ZincNotInstalled,
)
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.zinc_files import mesh_stats

pytest.importorskip("cmlibs.zinc", reason="labpanels' Zinc helper needs pip install "
                    "'labpanels[zinc]' (part of the test extra)")
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(emulator, tmp_path, monkeypatch):
    monkeypatch.delenv("PENNSIEVE_HOST", raising=False)
    config = tmp_path / "config.ini"
    config.write_text("[global]\ndefault_profile = emulator\n\n[emulator]\n"
                      f"pennsieve_profile_name = emulator\npennsieve_host = {emulator.url}\n")
    monkeypatch.chdir(tmp_path)
    return SparcClient(connect=False, config_file=str(config))


@pytest.fixture(scope="module")
def bladder(emulator):
    helper = zinc_module.ZincHelper(SparcClient(connect=False, config_file="").pennsieve)
    helper.pennsieve.host_api = emulator.url
    return helper.get_scaffold_mesh(208)


def test_seed_files_are_what_the_generator_writes():
    # the committed XML is this module's output (settings need scaffoldmaker: see regenerate)
    assert (DATA / "stomach_segmentation.xml").read_text(encoding="ISO-8859-1") == stomach_xml()
    assert (DATA / "heart_ventricles.xml").read_text(encoding="ISO-8859-1") == heart_xml()


def test_scaffold_mesh_groups_and_bounds(bladder):
    assert (bladder.kind, bladder.title) == ("scaffold", "3D Bladder 1")
    assert bladder.elements == 96 and bladder.triangle_count > 1000
    assert len(bladder.positions) == 12 * bladder.vertex_count
    assert len(bladder.triangles) % 12 == 0 and bladder.surface == (0, bladder.triangle_count)
    names = bladder.group_names()
    assert "urinary bladder" in names and "dome of the bladder" in names
    assert "marker" not in names
    indices = struct.unpack(f"<{len(bladder.triangles) // 4}I", bladder.triangles)
    assert max(indices) < bladder.vertex_count
    total = len(indices) // 3
    for group in bladder.groups:  # every range lies after the whole model, inside the buffer
        start, count = group["triangles"]
        assert count > 0 and start >= bladder.triangle_count and start + count <= total
    dome = next(g for g in bladder.groups if g["name"] == "dome of the bladder")
    whole = next(g for g in bladder.groups if g["name"] == "urinary bladder")
    assert dome["triangles"][1] < whole["triangles"][1]
    lo, hi = bladder.bounds
    assert hi[0] - lo[0] == pytest.approx(1.986, abs=0.01)  # the seed scaffold's length


def test_scaffold_exports_through_sparc_client(client, tmp_path):
    assert client.zinc is client.zinc and client.zinc.pennsieve is client.pennsieve
    vtk = client.zinc.get_scaffold_as_vtk(208, tmp_path / "out")
    assert [p.name for p in vtk] == ["scaffold_root.vtk", "scaffold_root_marker.vtk"]
    stats = mesh_stats(vtk[0])
    assert (stats["points"], stats["cells"]) == (194, 96)
    stl = client.zinc.get_scaffold_as_stl(208, tmp_path / "out")
    assert stl.name == "scaffold_zinc_graphics.stl" and mesh_stats(stl)["cells"] > 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.ini", "out"]  # no downloads left


def test_segmentation_vtk_mesh_and_analysis(client, tmp_path):
    path = client.zinc.get_mbf_vtk(209, "stomach_segmentation.xml", tmp_path / "seg.vtk")
    assert mesh_stats(path)["points"] == 194
    mesh = client.zinc.get_mbf_mesh(209, "stomach_segmentation.xml")
    assert mesh.kind == "segmentation" and mesh.triangle_count == 0 and mesh.line_count > 100
    assert mesh.group_names() == ["Axon", "body of stomach", "fundus of stomach",
                                  "Myenteric plexus", "pyloric antrum"]
    assert client.zinc.list_segmentations(209) == ["stomach_segmentation.xml",
                                                   "truncated_tracing.xml"]
    result = client.zinc.analyse(DATA / "heart_ventricles.xml", "heart")
    assert result["status_code"] == 0 and result["match_percentage"] == 100.0
    assert not (DATA / "heart_ventricles.exf").exists()  # written to a temporary folder


def test_typed_errors(client, tmp_path):
    with pytest.raises(NoScaffoldError, match="dataset 202 has no scaffold settings file"):
        client.zinc.get_scaffold_as_vtk(202)
    with pytest.raises(NoScaffoldError):
        client.zinc.get_scaffold_mesh(999999)
    with pytest.raises(SegmentationNotFound, match="no MBF XML file named 'nope.xml'"):
        client.zinc.get_mbf_vtk(209, "nope.xml")
    with pytest.raises(BadSegmentationFile, match="truncated_tracing.xml is not an MBF XML"):
        client.zinc.get_mbf_mesh(209, "truncated_tracing.xml")
    with pytest.raises(ValueError):  # sparc.client's type for a file that is not MBF XML
        client.zinc.analyse(DATA / "truncated_tracing.xml", "stomach")
    with pytest.raises(InvalidArgument, match="dataset_id"):
        client.zinc.get_scaffold_as_vtk("207")
    bad = {"scaffold_settings": {"scaffoldPackage": {"scaffoldTypeName": "3D Teapot 1"}}}
    with pytest.raises(BadScaffoldFile, match="no scaffold type '3D Teapot 1'"):
        zinc_module.scaffold_settings_mesh(bad)
    with pytest.raises(BadScaffoldFile, match="not a scaffold settings file"):
        zinc_module.scaffold_settings_mesh({"name": "dataset_description"})
    assert issubclass(NoScaffoldError, LabpanelsError)
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("*.xml"))


def test_without_the_extra_a_typed_error_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith(("cmlibs", "scaffoldmaker", "mbfxml2ex")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(zinc_module, "_LIBS", None)
    monkeypatch.setattr(builtins, "__import__", refuse)
    assert zinc_module.zinc_available() is False
    with pytest.raises(ZincNotInstalled, match=r"pip install 'labpanels\[zinc\]'") as info:
        zinc_module.mbf_file_mesh(DATA / "heart_ventricles.xml")
    assert isinstance(info.value, ImportError) and isinstance(info.value, LabpanelsError)


def test_importing_labpanels_sparc_loads_no_cmlibs():
    code = ("import sys, labpanels.sparc; "
            "print(sorted(m for m in sys.modules if m.startswith(('cmlibs', 'scaffoldmaker'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- the panel
def test_viewer_panel_buffers_groups_view_and_exports(client, bladder, tmp_path):
    from labpanels.widgets import ScaffoldViewer

    with pytest.raises(TypeError, match="unknown keyword"):
        ScaffoldViewer(client, colour="red")
    with pytest.raises(TypeError, match="ZincHelper"):
        ScaffoldViewer(object())
    viewer = ScaffoldViewer(client, mesh=bladder, output_location=str(tmp_path))
    try:
        assert viewer.kind == "scaffold" and viewer.positions == bladder.positions
        state = viewer.get_state()
        assert isinstance(state["positions"], (bytes, memoryview))  # a binary buffer
        assert viewer.summary["groups"] == len(bladder.groups)
        with pytest.raises(InvalidArgument, match="did you mean 'dome of the bladder'"):
            viewer.select_group("dome")
        assert viewer.select_group("dome of the bladder") == viewer.selected_group
        assert viewer.rotate(yaw=350, pitch=-200) == (20.0, -90.0)
        assert viewer.zoom_by(2) == 2.0
        viewer.reset_view()
        assert (viewer.yaw, viewer.pitch, viewer.zoom, viewer.selected_group) == (30, -20, 1, "")
        with pytest.raises(InvalidArgument, match="open a dataset"):
            viewer.export_vtk()
        viewer.close()
        viewer = ScaffoldViewer(client, dataset_id=208, output_location=str(tmp_path))
        assert viewer.wait_loaded(60) == "3D Bladder 1"
        files = viewer.export_vtk()
        assert [p.name for p in files] == ["scaffold_root.vtk", "scaffold_root_marker.vtk"]
        assert viewer.export_stl().name == "scaffold_zinc_graphics.stl"
        assert viewer.exported == [str(p) for p in files] + [str(tmp_path /
                                                                "scaffold_zinc_graphics.stl")]
        viewer.close()
        viewer = ScaffoldViewer(client, dataset_id=209, dataset_file="stomach_segmentation.xml")
        viewer.wait_loaded(60)
        assert viewer.kind == "segmentation" and viewer.outline[1] > 0
        with pytest.raises(InvalidArgument, match="STL export is for scaffolds"):
            viewer.export_stl()
        viewer.close()
        viewer = ScaffoldViewer(client, dataset_id=202)
        with pytest.raises(RuntimeError, match="no scaffold settings file"):
            viewer.wait_loaded(60)
        assert viewer.message_kind == "error"
    finally:
        viewer.close()
