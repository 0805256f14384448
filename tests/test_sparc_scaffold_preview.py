"""DatasetPicker's scaffold previews: a scaffold settings file or an MBF XML segmentation of
the open dataset opens in a ScaffoldViewer the picker owns (one child anywidget, referenced
by model id), built on the picker's worker; a second preview replaces the first; other
files, files too large, and a missing ``zinc`` extra give a message; close() closes it."""

from __future__ import annotations

import builtins

import pytest
from ipywidgets.widgets import widget as widget_module

from labpanels import zinc as zinc_module
from labpanels.demo.emulator.seed_scaffolds import DATA, SETTINGS_PATH
from labpanels.pennsieve import PennsieveSession
from labpanels.widgets import DatasetPicker, ScaffoldViewer
from labpanels.widgets.sparc_scaffold import NEEDS_ZINC
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.lifecycle import open_widgets

pytestmark = pytest.mark.timeout(120)
HEART_XML = "files/primary/sub-rat01/heart_ventricles.xml"
VENTRICLES = ["interventricular septum", "left ventricle myocardium",
              "right ventricle myocardium"]
needs_zinc = pytest.mark.skipif(not zinc_module.zinc_available(),
                                reason="needs pip install 'labpanels[zinc]' (the test extra)")


@pytest.fixture
def pennsieve(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    yield s
    s.close()


def act(panel, name: str, **args) -> None:
    """What a click in the view sends, then wait for the picker's worker."""
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])
    panel.join(90)


def _new_models(before: set) -> list[str]:
    return sorted(w._model_name for key, w in widget_module._instances.items()
                  if key not in before)


@needs_zinc
def test_scaffold_and_segmentation_open_in_the_pickers_viewer(pennsieve):
    DatasetPicker(pennsieve).close()  # anything made once per process exists now
    widgets, before = open_widgets(), set(widget_module._instances)
    picker = DatasetPicker(pennsieve)
    picker.open_dataset(207)
    assert picker.viewer is None  # made at the first scaffold preview, not before
    act(picker, "preview_file", path=SETTINGS_PATH)
    p = picker.preview
    assert (p["state"], p["kind"], p["viewer"], p["title"]) == ("ready", "scaffold", True,
                                                                "3D Heart 1")
    viewer = picker.viewer
    assert isinstance(viewer, ScaffoldViewer) and not viewer.loading
    assert (viewer.kind, viewer.title, viewer.dataset_id) == ("scaffold", "3D Heart 1", 207)
    vertices = viewer.summary["vertices"]
    assert vertices > 1000 and len(viewer.positions) == 12 * vertices
    assert viewer.summary["triangles"] > 1000 and viewer.surface[1] > 0
    groups = viewer.group_names()
    assert {"left ventricle myocardium", "right ventricle myocardium", "epicardium"} <= set(
        groups) and len(groups) > 20  # the heart's annotation groups
    assert p["summary"] == ("3D Heart 1: scaffold generated from all 8.6 kB of the file, in "
                            "the 3-D viewer below")
    assert viewer.message.startswith("3D Heart 1: ") and f"{len(groups)} groups" in \
        viewer.message
    viewer.select_group("left ventricle myocardium")
    # one widget reference in the picker's state; the mesh travels in the viewer's buffers
    state = picker.get_state()
    assert state["viewer"] == f"anywidget:{viewer.model_id}"
    assert "positions" not in state
    assert not [k for k, v in state.items() if isinstance(v, bytes | memoryview)]
    # a saved notebook holds the two panels (and their layouts): four widget models
    assert _new_models(before) == ["AnyModel", "AnyModel", "LayoutModel", "LayoutModel"]

    # the second preview replaces the first in the same viewer: a segmentation's lines
    act(picker, "preview_file", path=HEART_XML)
    assert picker.viewer is viewer and picker.preview["state"] == "ready"
    assert (viewer.kind, viewer.title, viewer.dataset_file) == (
        "segmentation", "heart_ventricles.xml", "heart_ventricles.xml")
    assert viewer.summary["lines"] > 100 and viewer.summary["triangles"] == 0
    assert viewer.group_names() == VENTRICLES and viewer.selected_group == ""
    assert viewer.outline == [0, viewer.summary["lines"]] and len(viewer.lines) % 8 == 0
    assert open_widgets() - widgets == 4

    # one asked for while another waits: only the last one is built and shown
    picker.preview_file(SETTINGS_PATH)
    picker.preview_file(HEART_XML)
    assert picker.preview["state"] == "loading"  # at once: the work is on the worker
    picker.join(90)
    assert viewer.kind == "segmentation" and picker.preview["name"] == "heart_ventricles.xml"

    # another kind of file: the ordinary preview, and the viewer lets its model go
    act(picker, "preview_file", path="files/README.md")
    assert picker.preview["kind"] == "text" and not picker.preview.get("viewer")
    assert viewer.kind == "" and viewer.positions == b"" and viewer.groups == []

    picker.close()
    assert viewer.closed and viewer.comm is None
    assert open_widgets() == widgets


@needs_zinc
def test_files_that_are_no_scaffold_or_too_large_give_a_message(pennsieve):
    with DatasetPicker(pennsieve) as picker:
        picker.open_dataset(207)
        act(picker, "preview_file", path="files/README.md")
        assert picker.preview["kind"] == "text"  # no scaffold: no viewer made
        # a JSON file that is no scaffold settings file
        picker.preview_scaffold("manifest.json")
        picker.join(60)
        p = picker.preview
        assert p["state"] == "error" and p["name"] == "manifest.json"
        assert "not a scaffold settings file" in p["error"]
        assert picker.viewer is not None and picker.viewer.kind == ""
        # the whole file is read, so there is a limit
        picker.preview_scaffold(SETTINGS_PATH, max_bytes=4000)
        picker.join(60)
        assert picker.preview["error"] == ("Scaffold_Creator-settings.json is too large to "
                                           "open here (8.6 kB; up to 4.0 kB)")
        # a damaged MBF export
        picker.open_dataset(209)
        act(picker, "preview_file", path="files/primary/sub-R02/truncated_tracing.xml")
        p = picker.preview
        assert p["state"] == "error" and p["kind"] == "segmentation"
        assert p["error"].startswith("truncated_tracing.xml") and "MBF XML" in p["error"]
        # and the good one next to it
        act(picker, "preview_file", path="files/primary/sub-R01/stomach_segmentation.xml")
        assert picker.preview["state"] == "ready" and picker.viewer.kind == "segmentation"
        assert picker.viewer.summary["lines"] > 0
        act(picker, "close_preview")
        assert picker.preview == {} and picker.viewer.kind == ""


def test_xml_that_is_not_mbf_is_no_segmentation():
    assert zinc_module.looks_like_mbf((DATA / "stomach_segmentation.xml").read_bytes())
    assert not zinc_module.looks_like_mbf(b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.'
                                          b'org/2000/svg"/>')
    assert [zinc_module.scaffold_file_kind(n) for n in (
        "a/Scaffold_Creator-settings.json", "X.XML", "manifest.json", "t.csv")] == [
        "scaffold", "segmentation", "", ""]


def test_without_the_zinc_extra_the_preview_says_how_to_get_it(pennsieve, monkeypatch):
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith(("cmlibs", "scaffoldmaker", "mbfxml2ex")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(zinc_module, "_LIBS", None)
    monkeypatch.setattr(builtins, "__import__", refuse)
    with DatasetPicker(pennsieve) as picker:
        picker.open_dataset(207)
        act(picker, "preview_file", path=SETTINGS_PATH)
        p = picker.preview
        assert (p["state"], p["kind"]) == ("error", "scaffold")
        assert p["error"] == NEEDS_ZINC and "pip install 'labpanels[zinc]'" in p["error"]
        assert picker.viewer is None  # nothing drawn, nothing made
