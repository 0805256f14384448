"""ScaffoldViewer: an organ scaffold or an MBF segmentation in 3-D, with its annotated groups.

The model comes from the Zinc helper (:class:`labpanels.zinc.ZincHelper`, or a
:class:`labpanels.sparc.SparcClient`'s ``zinc``): a scaffold generated from a dataset's
``*settings.json``, or a segmentation's contours and traces. The view draws it with WebGL
(a 2-D canvas where WebGL is missing): drag or arrow keys rotate, the wheel or +/- zoom,
0 resets; the group list (filterable by name) or a click on a surface highlights a group;
VTK and STL export buttons call the helper's exports. Vertices and indices travel as
binary buffers (float32, uint32), never as JSON. One anywidget (``scaffold_viewer.js``);
every click is a method.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from traitlets import Bool, Bytes, Dict, Float, Int, List, Unicode

from ..errors import InvalidArgument
from ..waiting import poll
from ..zinc import SceneMesh, ZincHelper
from .assets import asset
from .base import Panel

__all__ = ["ScaffoldViewer", "DEFAULT_VIEW", "ROTATE_STEP", "ZOOM_STEP"]

#: the view a model opens in (and ``reset_view`` returns to): yaw, pitch (degrees), zoom
DEFAULT_VIEW = (30.0, -20.0, 1.0)
#: degrees one arrow key turns; factor one +/- zooms
ROTATE_STEP = 15.0
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.2, 20.0


def _helper(zinc: Any) -> ZincHelper:
    helper = getattr(zinc, "zinc", zinc)  # a SparcClient gives its helper
    if not isinstance(helper, ZincHelper):
        raise TypeError("ScaffoldViewer needs a labpanels.zinc.ZincHelper or a "
                        f"labpanels.sparc.SparcClient, not {type(zinc).__name__}")
    return helper


class ScaffoldViewer(Panel):
    """A scaffold or segmentation in 3-D with its groups; export it as VTK or STL.

    ``ScaffoldViewer(client, dataset_id=207)`` opens a dataset's scaffold,
    ``ScaffoldViewer(client, dataset_id=209, dataset_file="stomach_segmentation.xml")`` a
    segmentation (loaded on the panel's worker: :meth:`wait_loaded` waits for it).
    """

    _esm = asset("scaffold_viewer.js")
    _css = asset("scaffold_viewer.css")

    kind = Unicode("").tag(sync=True)  # "scaffold", "segmentation" or "" (nothing open)
    title = Unicode("").tag(sync=True)
    dataset_id = Int(None, allow_none=True).tag(sync=True)
    dataset_file = Unicode("").tag(sync=True)
    positions = Bytes(b"").tag(sync=True)
    triangles = Bytes(b"").tag(sync=True)
    lines = Bytes(b"").tag(sync=True)
    surface = List([0, 0]).tag(sync=True)
    outline = List([0, 0]).tag(sync=True)
    groups = List().tag(sync=True)
    summary = Dict().tag(sync=True)
    selected_group = Unicode("").tag(sync=True)
    yaw = Float(DEFAULT_VIEW[0]).tag(sync=True)
    pitch = Float(DEFAULT_VIEW[1]).tag(sync=True)
    zoom = Float(DEFAULT_VIEW[2]).tag(sync=True)
    loading = Bool(False).tag(sync=True)
    output_location = Unicode(".").tag(sync=True)
    exported = List().tag(sync=True)

    ACTIONS = frozenset({"select_group", "reset_view", "zoom_by", "rotate", "export_vtk",
                         "export_stl"})
    SLOW_ACTIONS = frozenset({"export_vtk", "export_stl"})  # they build files

    def __init__(self, zinc: Any, dataset_id: int | None = None,
                 dataset_file: str | None = None, *, mesh: SceneMesh | None = None,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        self.helper = _helper(zinc)
        super().__init__(**kwargs)
        if mesh is not None:
            self.show_mesh(mesh)
        elif dataset_id is not None:
            self.loading = True
            if dataset_file:
                self.later(self.open_segmentation, dataset_id, dataset_file)
            else:
                self.later(self.open_scaffold, dataset_id)

    # -- opening -----------------------------------------------------------------------
    def open_scaffold(self, dataset_id: int) -> SceneMesh:
        """Generate the dataset's scaffold and show it."""
        with self._loading(f"Generating the scaffold of dataset {dataset_id}…"):
            mesh = self.helper.get_scaffold_mesh(dataset_id)
            self.show_mesh(mesh, dataset_id=dataset_id)
        return mesh

    def open_segmentation(self, dataset_id: int, dataset_file: str) -> SceneMesh:
        """Load the dataset's MBF XML segmentation ``dataset_file`` and show it."""
        with self._loading(f"Loading {dataset_file} of dataset {dataset_id}…"):
            mesh = self.helper.get_mbf_mesh(dataset_id, dataset_file)
            self.show_mesh(mesh, dataset_id=dataset_id, dataset_file=dataset_file)
        return mesh

    def _loading(self, text: str):
        import contextlib

        @contextlib.contextmanager
        def scope():
            self.loading = True
            self.show_message(text)
            try:
                yield
            finally:
                self.loading = False

        return scope()

    def show_mesh(self, mesh: SceneMesh, *, dataset_id: int | None = None,
                  dataset_file: str | None = None) -> None:
        """Show a :class:`~labpanels.zinc.SceneMesh` (the view resets)."""
        with self.hold_sync():
            self.kind, self.title = mesh.kind, mesh.title
            self.dataset_id = None if dataset_id is None else int(dataset_id)
            self.dataset_file = dataset_file or ""
            self.selected_group = ""
            self.positions, self.triangles, self.lines = (mesh.positions, mesh.triangles,
                                                          mesh.lines)
            self.surface, self.outline = list(mesh.surface), list(mesh.outline)
            self.groups = [dict(g) for g in mesh.groups]
            self.summary = mesh.summary()
            self.yaw, self.pitch, self.zoom = DEFAULT_VIEW
            self.exported = []
        s = self.summary
        parts = [f"{s['vertices']:,} vertices"]
        if s["triangles"]:
            parts.append(f"{s['triangles']:,} triangles")
        if s["lines"]:
            parts.append(f"{s['lines']:,} line segments")
        self.show_message(f"{mesh.title}: {', '.join(parts)}, {s['groups']} groups", "ok")

    def clear(self, loading: str = "") -> None:
        """Show no model (its buffers are released); ``loading`` names the one on its way
        (the view says it is loading)."""
        with self.hold_sync():
            self.kind, self.title, self.dataset_id, self.dataset_file = "", "", None, ""
            self.positions, self.triangles, self.lines = b"", b"", b""
            self.surface, self.outline, self.groups, self.summary = [0, 0], [0, 0], [], {}
            self.selected_group, self.exported = "", []
            self.yaw, self.pitch, self.zoom = DEFAULT_VIEW
            self.loading = bool(loading)
            self.message, self.message_kind = loading, "info"

    def wait_loaded(self, timeout: float = 60.0) -> str:
        """Wait until the model asked for in the constructor is shown (or failed);
        return its title. Raises the failure's message as :class:`RuntimeError`."""
        poll(lambda: True if (not self.loading and (self.kind or self.message_kind == "error"))
             else None, timeout=timeout, first=0.05, cap=0.5, stop=self.stopping,
             what="the scaffold viewer's model")
        if not self.kind:
            raise RuntimeError(self.message)
        return self.title

    # -- the view -------------------------------------------------------------------------
    def group_names(self) -> list[str]:
        """Names of the model's annotated groups, as listed."""
        return [str(g["name"]) for g in self.groups]

    def select_group(self, name: str = "") -> str:
        """Highlight the group called ``name`` (``""`` shows the whole model again)."""
        name = str(name or "")
        if name and name not in self.group_names():
            close = [g for g in self.group_names() if name.lower() in g.lower()][:3]
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise InvalidArgument(f"this model has no group called {name!r}{hint}")
        self.selected_group = name
        return name

    def rotate(self, yaw: float = 0.0, pitch: float = 0.0) -> tuple[float, float]:
        """Turn the model by ``yaw`` (about the vertical) and ``pitch`` degrees."""
        with self.hold_sync():
            self.yaw = (self.yaw + float(yaw)) % 360.0
            self.pitch = max(-90.0, min(90.0, self.pitch + float(pitch)))
        return self.yaw, self.pitch

    def zoom_by(self, factor: float) -> float:
        """Zoom in (factor > 1) or out (< 1)."""
        factor = float(factor)
        if not factor > 0:
            raise InvalidArgument(f"zoom factor must be positive, not {factor!r}")
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        return self.zoom

    def reset_view(self) -> None:
        """Back to the opening view (and no group highlighted)."""
        with self.hold_sync():
            self.yaw, self.pitch, self.zoom = DEFAULT_VIEW
            self.selected_group = ""

    # -- exports ----------------------------------------------------------------------------
    def _source(self) -> int:
        if self.dataset_id is None:
            raise InvalidArgument("nothing to export: open a dataset's scaffold or "
                                  "segmentation first")
        return int(self.dataset_id)

    def _folder(self, output_location: str | os.PathLike | None) -> Path:
        return Path(output_location if output_location is not None else self.output_location)

    def export_vtk(self, output_location: str | os.PathLike | None = None) -> list[Path]:
        """Write the model as VTK (the helper's ``get_scaffold_as_vtk`` or ``get_mbf_vtk``)
        into ``output_location`` (default: the panel's ``output_location``)."""
        dataset_id, folder = self._source(), self._folder(output_location)
        if self.kind == "segmentation":
            target = folder / (Path(self.dataset_file).stem + ".vtk")
            files = [self.helper.get_mbf_vtk(dataset_id, self.dataset_file, target)]
        else:
            files = self.helper.get_scaffold_as_vtk(dataset_id, folder)
        self._exported(files)
        return files

    def export_stl(self, output_location: str | os.PathLike | None = None) -> Path:
        """Write the scaffold's surfaces as STL (the helper's ``get_scaffold_as_stl``)."""
        dataset_id, folder = self._source(), self._folder(output_location)
        if self.kind != "scaffold":
            raise InvalidArgument("STL export is for scaffolds: a segmentation's contours "
                                  "have no surface (export it as VTK)")
        path = self.helper.get_scaffold_as_stl(dataset_id, folder)
        self._exported([path])
        return path

    def _exported(self, files: list[Path]) -> None:
        self.exported = [*self.exported, *(str(p) for p in files)]
        self.show_message("Wrote " + ", ".join(str(p) for p in files), "ok")
