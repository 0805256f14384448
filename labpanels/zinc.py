"""Organ scaffolds and MBF segmentations: sparc.client's Zinc helper on the CMLibs libraries.

``ZincHelper`` has the methods of ``sparc.client.zinchelper.ZincHelper`` (0.4.1) with the
same names, arguments and files written, built on the same libraries (``cmlibs.zinc``,
``scaffoldmaker``, ``mbfxml2ex``, ``cmlibs.exporter``, ``cmlibs.utils``), which come with
the optional extra ``pip install 'labpanels[zinc]'``::

    from labpanels.sparc import SparcClient
    client = SparcClient(connect=False, config_file="config.ini")
    client.zinc.get_scaffold_as_vtk(207, "out")        # out/scaffold_root.vtk (+ _marker)
    client.zinc.get_scaffold_as_stl(207, "out")        # out/scaffold_zinc_graphics.stl
    client.zinc.get_mbf_vtk(209, "stomach_segmentation.xml", "seg.vtk")
    client.zinc.analyse("stomach_segmentation.xml", ["stomach"])

The scaffold is found as sparc.client finds it (discover's file search for the dataset's
JSON files, query ``.*settings.json``), downloaded through zipit and generated with
scaffoldmaker. Deliberate differences:

* errors are typed (:class:`NoScaffoldError`, :class:`BadScaffoldFile`,
  :class:`SegmentationNotFound`, :class:`BadSegmentationFile`, :class:`ZincNotInstalled`)
  instead of ``RuntimeError``/``AssertionError``/a VTK writer that only prints;
* the settings file is the search hit whose name ends in ``settings.json`` and the
  segmentation the hit named ``dataset_file`` (sparc.client takes the first hit, whatever
  its name);
* every call works on a fresh Zinc region (sparc.client reuses one, so a second call on
  the same helper adds to the first one's model), downloads into a temporary folder
  (not the working directory) and ``analyse`` writes its ``.exf`` there too;
* the export methods return the paths they wrote (sparc.client returns None);
* the scaffold's annotation groups and markers stay alive while it is exported, so
  ``get_scaffold_as_vtk`` also writes ``scaffold_root_marker.vtk`` (sparc.client drops the
  ScaffoldPackage that owns them first: its VTK has the same mesh and no marker file).

:meth:`ZincHelper.get_scaffold_mesh` and :meth:`ZincHelper.get_mbf_mesh` give a
:class:`SceneMesh` (float32 vertices, uint32 triangle and line indices, per-group ranges)
for :class:`labpanels.widgets.ScaffoldViewer`.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument, LabpanelsError

if TYPE_CHECKING:  # pragma: no cover
    from .sparc import PennsieveService

__all__ = [
    "ZincHelper", "SceneMesh", "ZincError", "ZincNotInstalled", "NoScaffoldError",
    "BadScaffoldFile", "SegmentationNotFound", "BadSegmentationFile", "ORGANS",
    "INSTALL_HINT", "scaffold_settings_mesh", "mbf_file_mesh", "zinc_available",
    "scaffold_file_kind", "looks_like_mbf", "file_mesh",
]

INSTALL_HINT = "pip install 'labpanels[zinc]'"
#: organs ``analyse`` knows, as sparc.client names them (scaffoldmaker's term modules)
ORGANS = ("bladder", "body", "brainstem", "colon", "esophagus", "heart", "lung", "muscle",
          "nerve", "smallintestine", "stellate", "stomach")
SETTINGS_QUERY = ".*settings.json"  # sparc.client's query, sent unchanged
SEARCH_LIMIT = 100
#: points per side of a tessellated face or line element in a SceneMesh
RESOLUTION = 4


class ZincError(LabpanelsError):
    """A scaffold or segmentation could not be made; the message says why."""


class ZincNotInstalled(ZincError, ImportError):
    """The CMLibs libraries (the ``zinc`` extra) are not installed."""


class NoScaffoldError(ZincError):
    """The dataset has no ``*settings.json`` scaffold file (or does not exist)."""


class BadScaffoldFile(ZincError, ValueError):
    """The settings file is not a scaffoldmaker settings file, or it does not generate."""


class SegmentationNotFound(ZincError):
    """The dataset has no MBF XML file of that name."""


class BadSegmentationFile(ZincError, ValueError):
    """The file is not a readable MBF XML segmentation (ValueError, as in sparc.client)."""


# --------------------------------------------------------------------------- the libraries
_LIBS: SimpleNamespace | None = None


def zinc_available() -> bool:
    """True when the CMLibs libraries of the ``zinc`` extra can be imported."""
    try:
        _libs()
    except ZincNotInstalled:
        return False
    return True


def _libs() -> SimpleNamespace:
    """The CMLibs modules, imported on first use; ZincNotInstalled says how to get them."""
    global _LIBS
    if _LIBS is not None:
        return _LIBS
    try:
        import mbfxml2ex.exceptions as mbf_exceptions
        from cmlibs.exporter.stl import ArgonSceneExporter as STLExporter
        from cmlibs.exporter.vtk import ArgonSceneExporter as VTKExporter
        from cmlibs.utils.zinc.field import field_exists, find_coordinate_fields, get_group_list
        from cmlibs.zinc.context import Context
        from cmlibs.zinc.field import Field
        from mbfxml2ex.app import read_xml
        from mbfxml2ex.zinc import load, write_ex
        from scaffoldmaker import scaffolds
        from scaffoldmaker.utils.exportvtk import ExportVtk
    except ImportError as exc:
        raise ZincNotInstalled(
            f"scaffolds and segmentations need the CMLibs libraries ({exc.name or exc} is "
            f"missing): {INSTALL_HINT}") from None
    _LIBS = SimpleNamespace(
        Context=Context, Field=Field, STLExporter=STLExporter, VTKExporter=VTKExporter,
        ExportVtk=ExportVtk, field_exists=field_exists, get_group_list=get_group_list,
        find_coordinate_fields=find_coordinate_fields, read_xml=read_xml, load=load,
        write_ex=write_ex, scaffolds=scaffolds, mbf_exceptions=mbf_exceptions)
    return _LIBS


def _organ_terms() -> dict[str, Any]:
    import importlib

    _libs()
    return {organ: getattr(importlib.import_module(f"scaffoldmaker.annotation.{organ}_terms"),
                           f"get_{organ}_term") for organ in ORGANS}


# --------------------------------------------------------------------------- scaffolds
def _scaffold_package(settings: Any, source: str) -> Any:
    """The ScaffoldPackage of a settings document (dict or JSON text)."""
    libs = _libs()
    if isinstance(settings, (str, bytes)):
        try:
            settings = json.loads(settings)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadScaffoldFile(f"{source} is not JSON: {exc}") from None
    package = settings.get("scaffold_settings") if isinstance(settings, dict) else None
    package = package.get("scaffoldPackage") if isinstance(package, dict) else None
    if not isinstance(package, dict):
        raise BadScaffoldFile(f"{source} has no scaffold_settings.scaffoldPackage: it is not "
                              "a scaffold settings file")
    name = package.get("scaffoldTypeName")
    if libs.scaffolds.Scaffolds().findScaffoldTypeByName(name) is None:
        raise BadScaffoldFile(f"{source}: scaffoldmaker has no scaffold type {name!r}")
    try:
        return libs.scaffolds.Scaffolds_decodeJSON(json.loads(json.dumps(package)))
    except Exception as exc:  # scaffoldmaker raises whatever its settings code raises
        raise BadScaffoldFile(f"{source}: the scaffold settings do not load: {exc}") from None


@dataclass
class _Model:
    """A Zinc region with the context that must outlive it, and a title."""

    context: Any
    region: Any
    title: str
    package: Any = None  # the ScaffoldPackage: its annotation groups live as long as it does


def _new_model(title: str) -> _Model:
    context = _libs().Context("labpanels")
    return _Model(context, context.getDefaultRegion(), title)


def _generate(settings: Any, source: str) -> _Model:
    """A fresh Zinc region holding the scaffold of ``settings``."""
    package = _scaffold_package(settings, source)
    model = _new_model(package.getScaffoldType().getName())
    model.package = package
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # scaffoldmaker prints progress
            package.generate(model.region)
    except Exception as exc:
        raise BadScaffoldFile(f"{source}: the scaffold does not generate: {exc}") from None
    return model


def _coordinates(region: Any) -> Any:
    libs = _libs()
    fm = region.getFieldmodule()
    coordinates = fm.findFieldByName("coordinates").castFiniteElement()
    if coordinates.isValid():
        return coordinates
    found = libs.find_coordinate_fields(region)
    if not found:
        raise ZincError("the model has no coordinate field")
    return found[0]


def _write_stl(region: Any, folder: Path) -> Path:
    """sparc.client's STL export: boundary surfaces of the coordinates into
    ``scaffold_<region>.stl`` (``scaffold_zinc_graphics.stl`` for the root region)."""
    libs = _libs()
    scene = region.getScene()
    surfaces = scene.createGraphicsSurfaces()
    surfaces.setBoundaryMode(surfaces.BOUNDARY_MODE_BOUNDARY)
    fm = region.getFieldmodule()
    coordinates = fm.findFieldByName("coordinates")
    if not coordinates.isValid():
        iterator = fm.createFielditerator()
        candidate = iterator.next()
        while candidate.isValid() and not coordinates.isValid():
            if libs.field_exists(fm, candidate.getName(), "FiniteElement", 3):
                coordinates = candidate
            candidate = iterator.next()
    surfaces.setCoordinateField(coordinates)
    before = set(folder.glob("scaffold_*.stl"))
    libs.STLExporter(str(folder), "scaffold").export_stl_from_scene(scene)
    written = sorted(set(folder.glob("scaffold_*.stl")) - before) or sorted(
        folder.glob("scaffold_*.stl"), key=lambda p: p.stat().st_mtime)[-1:]
    if not written:
        raise ZincError(f"the STL export wrote nothing into {folder}")
    return written[0]


# --------------------------------------------------------------------------- segmentations
def _read_mbf(path: Path, source: str) -> Any:
    libs = _libs()
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    try:
        return libs.read_xml(str(path))
    except (libs.mbf_exceptions.MBFXMLException, libs.mbf_exceptions.MBFXMLFormat,
            libs.mbf_exceptions.MBFDataException) as exc:
        raise BadSegmentationFile(f"{source} is not an MBF XML file: {exc}") from None
    except (KeyError, ValueError, AttributeError, IndexError) as exc:
        raise BadSegmentationFile(f"{source}: malformed MBF XML ({type(exc).__name__}: "
                                  f"{exc})") from None


def _segmentation_model(data: Any, source: str) -> _Model:
    model = _new_model(source)
    try:
        _libs().load(model.region, data, None)
    except Exception as exc:  # mbfxml2ex's own data errors
        raise BadSegmentationFile(f"{source}: the segmentation does not load: {exc}") from None
    return model


# --------------------------------------------------------------------------- meshes
@dataclass
class SceneMesh:
    """A model tessellated for drawing: what :class:`~labpanels.widgets.ScaffoldViewer`
    sends to the browser as binary buffers.

    ``positions`` are float32 x, y, z triples; ``triangles`` and ``lines`` uint32 vertex
    indices. The first ``surface[1]`` triangles (``outline[1]`` lines) are the whole
    model; then each group's own, at ``groups[i]["triangles"] = [start, count]`` (in
    triangles) and ``groups[i]["lines"]`` (in line segments).
    """

    kind: str  # "scaffold" or "segmentation"
    title: str
    positions: bytes
    triangles: bytes
    lines: bytes
    surface: tuple[int, int]
    outline: tuple[int, int]
    groups: list[dict] = field(default_factory=list)
    bounds: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0, 0, 0),) * 2
    elements: int = 0

    @property
    def vertex_count(self) -> int:
        return len(self.positions) // 12

    @property
    def triangle_count(self) -> int:
        """Triangles of the whole model (group copies not counted)."""
        return self.surface[1]

    @property
    def line_count(self) -> int:
        return self.outline[1]

    def group_names(self) -> list[str]:
        return [g["name"] for g in self.groups]

    def summary(self) -> dict[str, Any]:
        """Counts, bounds and groups as plain JSON (the viewer's text alternative)."""
        return {"kind": self.kind, "title": self.title, "vertices": self.vertex_count,
                "triangles": self.triangle_count, "lines": self.line_count,
                "elements": self.elements, "groups": len(self.groups),
                "bounds": [list(self.bounds[0]), list(self.bounds[1])]}


class _Tessellator:
    """Evaluates coordinates on a grid in each face (2-D) or along each line (1-D)."""

    def __init__(self, region: Any, resolution: int) -> None:
        self.fm = region.getFieldmodule()
        self.coordinates = _coordinates(region)
        self.components = self.coordinates.getNumberOfComponents()
        self.cache = self.fm.createFieldcache()
        self.n = max(1, int(resolution))
        self.positions = array("f")
        self._faces: dict[int, int] = {}  # face identifier -> first vertex
        self._lines: dict[int, int] = {}

    def _point(self, element: Any, xi: list[float]) -> None:
        self.cache.setMeshLocation(element, xi)
        _, x = self.coordinates.evaluateReal(self.cache, self.components)
        x = list(x) if isinstance(x, (list, tuple)) else [x]
        self.positions.extend((x + [0.0, 0.0, 0.0])[:3])

    def face_triangles(self, face: Any) -> list[int]:
        n = self.n
        first = self._faces.get(face.getIdentifier())
        if first is None:
            first = self._faces[face.getIdentifier()] = len(self.positions) // 3
            for j in range(n + 1):
                for i in range(n + 1):
                    self._point(face, [i / n, j / n])
        out: list[int] = []
        for j in range(n):
            for i in range(n):
                a = first + j * (n + 1) + i
                b, c, d = a + 1, a + n + 1, a + n + 2
                out += (a, b, d, a, d, c)
        return out

    def line_segments(self, element: Any) -> list[int]:
        n = self.n
        first = self._lines.get(element.getIdentifier())
        if first is None:
            first = self._lines[element.getIdentifier()] = len(self.positions) // 3
            for i in range(n + 1):
                self._point(element, [i / n])
        return [v for i in range(n) for v in (first + i, first + i + 1)]


def _elements(mesh: Any) -> list[Any]:
    out = []
    iterator = mesh.createElementiterator()
    element = iterator.next()
    while element.isValid():
        out.append(element)
        element = iterator.next()
    return out


def _boundary_faces(elements: list[Any]) -> list[Any]:
    """The faces used by exactly one of ``elements`` (the boundary of that set)."""
    uses: dict[int, int] = {}
    faces: dict[int, Any] = {}
    for element in elements:
        for number in range(1, element.getNumberOfFaces() + 1):
            face = element.getFaceElement(number)
            if face.isValid():
                key = face.getIdentifier()
                uses[key] = uses.get(key, 0) + 1
                faces[key] = face
    return [faces[k] for k in sorted(faces) if uses[k] == 1]


def _model_mesh(model: _Model, kind: str, resolution: int = RESOLUTION) -> SceneMesh:
    libs = _libs()
    region, title = model.region, model.title
    fm = region.getFieldmodule()
    tess = _Tessellator(region, resolution)
    meshes = {d: fm.findMeshByDimension(d) for d in (1, 2, 3)}
    top = next((d for d in (3, 2, 1) if meshes[d].getSize() > 0), 0)
    triangles, lines = array("I"), array("I")
    groups: list[dict] = []

    def surface_of(elements: list[Any], dimension: int) -> list[int]:
        faces = _boundary_faces(elements) if dimension == 3 else elements
        return [v for face in faces for v in tess.face_triangles(face)]

    if top >= 2:
        triangles.extend(surface_of(_elements(meshes[top]), top))
    elif top == 1:
        lines.extend(v for e in _elements(meshes[1]) for v in tess.line_segments(e))
    surface, outline = (0, len(triangles) // 3), (0, len(lines) // 2)

    for group in libs.get_group_list(fm):
        name = group.getName()
        if name == "marker":
            continue
        tri: list[int] = []
        seg: list[int] = []
        for dimension in (3, 2):
            if dimension > top:
                continue
            mesh_group = group.getMeshGroup(meshes[dimension])
            if mesh_group.isValid() and mesh_group.getSize() > 0:
                tri = surface_of(_elements(mesh_group), dimension)
                break
        if top == 1:
            mesh_group = group.getMeshGroup(meshes[1])
            if mesh_group.isValid() and mesh_group.getSize() > 0:
                seg = [v for e in _elements(mesh_group) for v in tess.line_segments(e)]
        if not tri and not seg:
            continue
        groups.append({"name": name,
                       "triangles": [len(triangles) // 3, len(tri) // 3],
                       "lines": [len(lines) // 2, len(seg) // 2]})
        triangles.extend(tri)
        lines.extend(seg)
    groups.sort(key=lambda g: g["name"].lower())
    xyz = tess.positions
    if len(xyz):
        lo = tuple(min(xyz[i::3]) for i in range(3))
        hi = tuple(max(xyz[i::3]) for i in range(3))
    else:
        lo = hi = (0.0, 0.0, 0.0)
    if not all(math.isfinite(v) for v in (*lo, *hi)):
        raise ZincError(f"{title}: the model's coordinates are not finite")
    return SceneMesh(kind=kind, title=title, positions=xyz.tobytes(), triangles=triangles.tobytes(),
                     lines=lines.tobytes(), surface=surface, outline=outline, groups=groups,
                     bounds=(lo, hi), elements=meshes[top].getSize() if top else 0)


def scaffold_settings_mesh(settings: Any, resolution: int = RESOLUTION,
                           source: str = "settings") -> SceneMesh:
    """The mesh of a scaffold settings document (dict, JSON text, or a file path)."""
    if isinstance(settings, Path):
        source, settings = settings.name, settings.read_bytes()
    return _model_mesh(_generate(settings, source), "scaffold", resolution)


def mbf_file_mesh(path: str | os.PathLike, resolution: int = RESOLUTION) -> SceneMesh:
    """The mesh (lines and groups) of a local MBF XML segmentation file."""
    path = Path(path)
    return _model_mesh(_segmentation_model(_read_mbf(path, path.name), path.name),
                       "segmentation", resolution)


def scaffold_file_kind(name: str) -> str:
    """From a file name: ``scaffold`` for a ``*settings.json``, ``segmentation`` for an
    ``.xml`` (MBF segmentations are XML), else ``""``."""
    lowered = str(name).lower()
    if lowered.endswith("settings.json"):
        return "scaffold"
    if lowered.endswith(".xml"):
        return "segmentation"
    return ""


def looks_like_mbf(data: bytes) -> bool:
    """True when XML bytes start like an MBF Bioscience file (an ``<mbf>`` root or its
    namespace): other XML is no segmentation."""
    head = bytes(data[:4096]).lower()
    return b"<mbf" in head or b"mbfbioscience.com" in head


def file_mesh(name: str, data: bytes, resolution: int = RESOLUTION) -> SceneMesh:
    """The mesh of a file's bytes, by its name: a scaffold settings file (JSON, usually
    ``*settings.json``) or an MBF XML segmentation (``*.xml``). Anything else, or a
    file that is not what its name says, raises :class:`BadScaffoldFile` or
    :class:`BadSegmentationFile`; without the ``zinc`` extra :class:`ZincNotInstalled`."""
    name = Path(str(name)).name
    kind = "scaffold" if name.lower().endswith(".json") else scaffold_file_kind(name)
    if kind == "scaffold":
        return scaffold_settings_mesh(bytes(data), resolution, source=name)
    if kind == "segmentation":
        _libs()
        if not looks_like_mbf(data):
            raise BadSegmentationFile(f"{name} is not an MBF XML segmentation")
        with tempfile.TemporaryDirectory(prefix="labpanels-zinc-") as folder:
            path = Path(folder) / name
            path.write_bytes(bytes(data))
            return mbf_file_mesh(path, resolution)
    raise BadScaffoldFile(f"{name} is neither a scaffold settings file (JSON) nor an MBF "
                          "XML segmentation (*.xml)")


# --------------------------------------------------------------------------- the helper
class ZincHelper:
    """sparc.client's ``ZincHelper``: scaffolds and MBF segmentations of a dataset.

    ``pennsieve`` is the :class:`~labpanels.sparc.PennsieveService` used for the file
    search and downloads (a new one, configured from ``PENNSIEVE_HOST``, when omitted,
    as sparc.client makes its own).
    """

    def __init__(self, pennsieve: PennsieveService | None = None) -> None:
        if pennsieve is None:
            from .sparc import PennsieveService

            pennsieve = PennsieveService(connect=False)
        self._pennsieveService = pennsieve
        self._allOrgan: dict[str, Any] | None = None

    @property
    def pennsieve(self) -> PennsieveService:
        """The Pennsieve service the helper searches and downloads through."""
        return self._pennsieveService

    # -- files ---------------------------------------------------------------------
    def download_files(self, limit: int = 10, offset: int = 0, file_type: str | None = None,
                       query: str | None = None, organization: str | None = None,
                       organization_id: int | None = None,
                       dataset_id: int | None = None) -> str:
        """Download the files the search finds into the working directory (one file by
        its name, several as a zip named after the first); return the first's name."""
        files = self.pennsieve.list_files(limit, offset, file_type, query, organization,
                                          organization_id, dataset_id)
        if not files:
            raise NoScaffoldError(f"dataset {dataset_id}: no {file_type or ''} file matches "
                                  f"{query!r}".replace("  ", " "))
        self.pennsieve.download_file(files)
        return str(files[0]["name"])

    def _find(self, dataset_id: int, file_type: str, query: str, wanted) -> dict | None:
        files = self.pennsieve.list_files(limit=SEARCH_LIMIT, file_type=file_type, query=query,
                                          dataset_id=dataset_id)
        return next((f for f in files if wanted(str(f.get("name", "")))), None)

    def _fetch(self, info: dict, folder: str) -> Path:
        target = Path(folder) / Path(str(info["name"])).name
        self.pennsieve.download_file(info, str(target))
        return target

    def get_scaffold_settings(self, dataset_id: int) -> dict:
        """The dataset's scaffold settings document (its ``*settings.json``)."""
        _check_id(dataset_id)
        info = self._find(dataset_id, "Json", SETTINGS_QUERY,
                          lambda n: n.lower().endswith("settings.json"))
        if info is None:
            raise NoScaffoldError(f"dataset {dataset_id} has no scaffold settings file "
                                  "(*settings.json)")
        with tempfile.TemporaryDirectory(prefix="labpanels-zinc-") as folder:
            raw = self._fetch(info, folder).read_bytes()
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadScaffoldFile(f"{info['name']} is not JSON: {exc}") from None
        _scaffold_package(document, str(info["name"]))  # checks it is a scaffold
        document.setdefault("_labpanels_source", str(info["name"]))
        return document

    def _scaffold_model(self, dataset_id: int) -> _Model:
        settings = self.get_scaffold_settings(dataset_id)
        return _generate(settings, settings.get("_labpanels_source", f"dataset {dataset_id}"))

    # -- sparc.client's methods ------------------------------------------------------------
    def get_scaffold_as_vtk(self, dataset_id: int,
                            output_location: str | os.PathLike | None = None) -> list[Path]:
        """Generate the dataset's scaffold and write it as VTK into ``output_location``
        (default: the working directory): ``scaffold_root.vtk`` and, when the scaffold has
        markers, ``scaffold_root_marker.vtk``. Returns the files written."""
        libs = _libs()
        model = self._scaffold_model(dataset_id)
        folder = _folder(output_location)
        libs.VTKExporter(str(folder), "scaffold").export_from_scene(model.region.getScene())
        written = [folder / "scaffold_root.vtk", folder / "scaffold_root_marker.vtk"]
        return [p for p in written if p.exists()]

    def get_scaffold_as_stl(self, dataset_id: int,
                            output_location: str | os.PathLike | None = None) -> Path:
        """Generate the dataset's scaffold and write its boundary surfaces as STL into
        ``output_location`` (``scaffold_zinc_graphics.stl``). Returns the file."""
        model = self._scaffold_model(dataset_id)
        return _write_stl(model.region, _folder(output_location))

    def get_mbf_vtk(self, dataset_id: int, dataset_file: str,
                    output_file: str | os.PathLike | None = None) -> Path:
        """Convert the dataset's MBF XML segmentation ``dataset_file`` to VTK
        (``output_file``, default: its name with ``.vtk``). Returns the file."""
        libs = _libs()
        model = self._mbf_model(dataset_id, dataset_file)
        target = Path(output_file) if output_file is not None else Path(
            os.path.splitext(dataset_file)[0] + ".vtk")
        target.parent.mkdir(parents=True, exist_ok=True)
        libs.ExportVtk(model.region, "MBF XML VTK export.").writeFile(str(target))
        if not target.is_file() or target.stat().st_size == 0:  # ExportVtk only prints
            raise ZincError(f"{dataset_file}: the VTK export failed (nothing written)")
        return target

    def analyse(self, input_data_file_name: str | os.PathLike, organs: str | list[str],
                species: str | None = None) -> dict[str, Any]:
        """How well a local MBF XML file's groups map to scaffoldmaker's terms for
        ``organs``: the dict sparc.client returns (``message``, ``status_code``,
        ``match_percentage``, ``recognized_groups``, ``unrecognized_groups`` ...)."""
        libs = _libs()
        if self._allOrgan is None:
            self._allOrgan = _organ_terms()
        organs = [organs] if isinstance(organs, str) else list(organs)
        get_terms = []
        for organ in organs:
            organ = str(organ).lower()
            if organ not in self._allOrgan:
                return {"message": f"The {organ} organ is not handled by the mapping tool."}
            get_terms.append(self._allOrgan[organ])
        name = str(input_data_file_name)
        data = _read_mbf(Path(name), name)
        with tempfile.TemporaryDirectory(prefix="labpanels-zinc-") as folder:
            exf = Path(folder) / (Path(name).stem + ".exf")
            try:
                libs.write_ex(str(exf), data)
            except libs.mbf_exceptions.MBFXMLException as exc:
                raise BadSegmentationFile(f"{name}: {exc}") from None
            model = _new_model(name)
            model.region.readFile(str(exf))
        fm = model.region.getFieldmodule()
        coordinates = fm.findFieldByName("coordinates").castFiniteElement()
        if not coordinates.isValid() or coordinates.getNumberOfComponents() != 3:
            return {"message": "Analysis failed: The file does not contain a valid 3D "
                               "coordinates field.", "status_code": 2}
        group_names = [g.getName() for g in libs.get_group_list(fm)]
        nodes = fm.findNodesetByFieldDomainType(libs.Field.DOMAIN_TYPE_NODES)
        has_nodes = False
        for group_name in group_names:
            group = fm.findFieldByName(group_name).castGroup()
            if group.isValid() and group.getNodesetGroup(nodes).getSize() > 0:
                has_nodes = True
                break
        if not has_nodes:
            return {"message": "Analysis failed: The groups in the file contain no geometric "
                               "data (nodes).", "status_code": 3}
        unrecognized = self.get_groups_not_in_scaffoldmaker(group_names, get_terms, species)
        recognized = [g for g in group_names if g not in unrecognized and g != "marker"]
        total = len(group_names) - (1 if "marker" in group_names else 0)
        percentage = (len(recognized) / total) * 100 if total > 0 else 0
        message = (f"The data file {name} has a {percentage:.2f}% match for the given "
                   "organ(s).")
        if unrecognized:
            message += f" Unrecognized groups: {', '.join(unrecognized)}."
        return {"message": message, "status_code": 0, "total_groups": total,
                "recognized_groups_count": len(recognized), "match_percentage": percentage,
                "recognized_groups": recognized, "unrecognized_groups": unrecognized}

    @staticmethod
    def get_groups_not_in_scaffoldmaker(group_names: list[str], get_terms: list[Any],
                                        species: str | None = None) -> list[str]:
        """The group names none of ``get_terms`` knows (``marker`` skipped; ``UBERON_123``
        style names looked up as ``UBERON:123``), as sparc.client computes them."""
        missing: list[str] = []
        for group in group_names:
            if group == "marker":
                continue
            match = re.search(r"\/*([a-zA-Z]+)_*(\d+)", group)
            if match and len(match.groups()) == 2:
                group = f"{match.groups()[0].upper()}:{match.groups()[1]}"
            for get_term in get_terms:
                try:
                    get_term(group)
                except NameError:
                    if group not in missing:
                        missing.append(group)
                else:
                    if group in missing:
                        missing.remove(group)
                    break
        return missing

    def get_workflow_project_files(self, dataset_id: int) -> list[dict]:
        """The dataset's ``map-client-workflow.proj`` files (search hits)."""
        hits = self.pennsieve.list_files(limit=200, dataset_id=dataset_id,
                                         file_type="GenericData",
                                         query="map-client-workflow.proj")
        return [f for f in hits if f["name"] == "map-client-workflow.proj"]

    def get_exf_files(self, dataset_id: int) -> list[dict]:
        """The dataset's ``.exf`` files (search hits)."""
        hits = self.pennsieve.list_files(limit=200, dataset_id=dataset_id,
                                         file_type="GenericData", query=".exf")
        return [f for f in hits if f["name"].endswith(".exf")]

    # -- for the viewer ------------------------------------------------------------------
    def _mbf_model(self, dataset_id: int, dataset_file: str) -> _Model:
        _check_id(dataset_id)
        if not dataset_file or not str(dataset_file).strip():
            raise InvalidArgument("dataset_file: give the MBF XML file's name")
        wanted = Path(str(dataset_file)).name.lower()
        info = self._find(dataset_id, "XML", str(dataset_file),
                          lambda n: n.lower() == wanted)
        if info is None:
            raise SegmentationNotFound(f"dataset {dataset_id} has no MBF XML file named "
                                       f"{dataset_file!r}")
        with tempfile.TemporaryDirectory(prefix="labpanels-zinc-") as folder:
            data = _read_mbf(self._fetch(info, folder), str(dataset_file))
        return _segmentation_model(data, str(dataset_file))

    def get_scaffold_mesh(self, dataset_id: int, resolution: int = RESOLUTION) -> SceneMesh:
        """The dataset's scaffold tessellated for drawing (see :class:`SceneMesh`)."""
        return _model_mesh(self._scaffold_model(dataset_id), "scaffold", resolution)

    def get_mbf_mesh(self, dataset_id: int, dataset_file: str,
                     resolution: int = RESOLUTION) -> SceneMesh:
        """The dataset's MBF XML segmentation as lines and groups (see :class:`SceneMesh`)."""
        return _model_mesh(self._mbf_model(dataset_id, dataset_file), "segmentation",
                           resolution)

    def list_segmentations(self, dataset_id: int) -> list[str]:
        """Names of the dataset's XML files (MBF segmentations are XML)."""
        _check_id(dataset_id)
        hits = self.pennsieve.list_files(limit=SEARCH_LIMIT, file_type="XML", query="xml",
                                         dataset_id=dataset_id)
        return [str(f["name"]) for f in hits]


def _check_id(dataset_id: Any) -> None:
    if isinstance(dataset_id, bool) or not isinstance(dataset_id, int) or dataset_id < 0:
        raise InvalidArgument(f"dataset_id must be a dataset number, not {dataset_id!r}")


def _folder(location: str | os.PathLike | None) -> Path:
    folder = Path("." if location is None else location)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise InvalidArgument(f"output_location {folder} is not a folder")
    return folder
