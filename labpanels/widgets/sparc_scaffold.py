"""The DatasetPicker's scaffold previews: a scaffold settings file (``*settings.json``)
or an MBF XML segmentation of the open dataset, drawn in 3-D inside the picker.

A mixin of :class:`~.sparc_portal.PortalPicker`. The 3-D view is a
:class:`~.scaffold_viewer.ScaffoldViewer`, a child anywidget the picker owns: the
``viewer`` trait holds it (``"anywidget:<model id>"`` on the wire) and the picker's view
draws it inside the preview box, as :class:`~.dashboard.Vantage6Dashboard` draws its
panels. It is made at the first scaffold preview, reused by the next ones and closed
with the picker, so a saved notebook holds two panels (four widget models), whatever
was previewed.

The file is read whole (the Zinc libraries need every byte; settings files are a few
kB), up to :data:`SCAFFOLD_MAX_BYTES`, and the mesh is built on the picker's worker
thread, never on the kernel's message thread; a later preview replaces one still being
built. XML that is not MBF gets the ordinary text preview.
"""

from __future__ import annotations

from typing import Any

from anywidget import WidgetTrait
from traitlets import HasTraits

from ..pennsieve.preview import PreviewError, size_text
from ..zinc import (
    ZincError,
    ZincNotInstalled,
    file_mesh,
    looks_like_mbf,
    scaffold_file_kind,
    zinc_available,
)
from .common import friendly

__all__ = ["ScaffoldPreview", "SCAFFOLD_MAX_BYTES", "NEEDS_ZINC"]

#: the largest scaffold or segmentation file a preview reads (bytes)
SCAFFOLD_MAX_BYTES = 5_000_000
NEEDS_ZINC = ("3-D previews of scaffolds and segmentations need the CMLibs libraries: "
              "pip install 'labpanels[zinc]'")


class ScaffoldPreview(HasTraits):
    """Scaffold and segmentation previews in a child :class:`ScaffoldViewer` (a mixin of
    a :class:`~.base.Panel` with ``session``, ``preview`` and ``_read_preview``)."""

    viewer = WidgetTrait().tag(sync=True)  # the ScaffoldViewer, once a scaffold was previewed

    _scaffold_token = 0  # which scaffold preview is the current one

    def preview_scaffold(self, path: str, max_bytes: int = SCAFFOLD_MAX_BYTES) -> None:
        """Open a scaffold settings file or an MBF XML segmentation of the open dataset in
        the picker's 3-D viewer (``viewer``). Returns at once: the file is read and the
        mesh built on the picker's worker (:meth:`join` waits); ``preview`` says how it
        went (``state``: loading, ready or error, with ``error`` saying why)."""
        dto = self.session.dataset
        if not dto:
            raise ValueError("open a dataset first")
        path = str(path).strip("/")
        name = path.rsplit("/", 1)[-1]
        kind = scaffold_file_kind(name) or "scaffold"  # any other file: is it a scaffold?
        token = self._next_scaffold()
        self.preview_image = None
        self.preview = {"path": path, "name": name, "kind": kind, "state": "loading",
                        "viewer": False, "summary": f"Reading {name}…"}
        self.later(self._build_scaffold, token, path, name, kind, int(dto["id"]),
                   int(dto["version"]), int(max_bytes))

    def _next_scaffold(self) -> int:
        with self._life_lock:
            self._scaffold_token += 1
            return self._scaffold_token

    def _stale(self, token: int) -> bool:
        return token != self._scaffold_token or self.stopping.is_set()

    def _build_scaffold(self, token: int, path: str, name: str, kind: str, dataset_id: int,
                        version: int, max_bytes: int) -> None:
        if self._stale(token):
            return  # a later preview (or close) replaced this one
        base = {"path": path, "name": name, "kind": kind}
        try:
            if not zinc_available():
                raise ZincNotInstalled(NEEDS_ZINC)
            data = self.session.file_bytes(path, dataset_id, version, max_bytes=max_bytes)
            if self._stale(token):
                return
            if kind == "segmentation" and not looks_like_mbf(data):
                self._read_preview(path)  # other XML: its text
                return
            viewer = self._scaffold_viewer()
            doing = ("Generating the scaffold of" if kind == "scaffold"
                     else "Loading the segmentation")
            viewer.clear(loading=f"{doing} {name}…")
            self.preview = {**base, "state": "loading", "viewer": True,
                            "summary": f"{doing} {name}…"}
            mesh = file_mesh(name, data)
            if self._stale(token):
                return
            viewer.show_mesh(mesh, dataset_id=dataset_id,
                             dataset_file=name if kind == "segmentation" else None)
            viewer.loading = False
            made = "generated from" if kind == "scaffold" else "read from"
            self.preview = {**base, "state": "ready", "viewer": True, "title": mesh.title,
                            "size": len(data),
                            "summary": f"{mesh.title}: {kind} {made} all {size_text(len(data))}"
                                       " of the file, in the 3-D viewer below"}
        except Exception as exc:  # noqa: BLE001 - shown in the preview box
            if self._stale(token):
                return
            if self.viewer is not None:
                self.viewer.clear()
            self.preview = {**base, "state": "error", "error": _sentence(exc)}

    def _scaffold_viewer(self) -> Any:
        """The picker's ScaffoldViewer, made (and owned) at the first call."""
        with self._life_lock:
            if self.viewer is not None:
                return self.viewer
            if self.stopping.is_set():
                raise RuntimeError("the picker is closed")
            from ..sparc import PennsieveService
            from ..zinc import ZincHelper
            from .scaffold_viewer import ScaffoldViewer

            helper = ZincHelper(PennsieveService.on_session(self.session))
            self.viewer = self.own(ScaffoldViewer(helper))
            return self.viewer

    def _drop_scaffold(self) -> None:
        """Forget the scaffold preview (one being built is dropped when it is done) and
        release the viewer's model."""
        self._next_scaffold()
        viewer = self.viewer
        if viewer is not None and (viewer.kind or viewer.loading) and not self.stopping.is_set():
            viewer.clear()


def _sentence(exc: BaseException) -> str:
    """The preview's message: the Zinc helper's and the preview's own sentences as they
    are (they start with the file's name, which keeps its case), others made friendly."""
    if isinstance(exc, ZincError | PreviewError) and str(exc):
        return str(exc)
    return friendly(exc)
