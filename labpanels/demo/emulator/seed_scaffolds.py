"""Seed datasets with organ scaffolds and MBF XML segmentations (sparc.client's Zinc helper).

=====  ======================================================  ==============================
id     content                                                 files read by the Zinc helper
=====  ======================================================  ==============================
207    rat heart scaffold + ventricle segmentation             ``Scaffold_Creator-settings.json``
                                                               (scaffoldmaker "3D Heart 1",
                                                               Rat 1), ``heart_ventricles.xml``
208    rat bladder scaffold                                    ``Scaffold_Creator-settings.json``
                                                               ("3D Bladder 1", Rat 1)
209    stomach segmentation (MBF XML contours, a nerve trace   ``stomach_segmentation.xml``;
       and a marker) + a truncated tracing                     ``truncated_tracing.xml`` (bad)
=====  ======================================================  ==============================

The settings files were made by scaffoldmaker and the XML files by this module; all are
committed under ``data/`` so the emulator needs no CMLibs. Regenerate them (needs the
``zinc`` extra) with::

    python -m labpanels.demo.emulator.seed_scaffolds
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from .seed import BUCKET_V5, Dataset, _finish_version, _person, _readme
from .tree import FileNode

__all__ = ["scaffold_datasets", "SCAFFOLDS", "SEGMENTATIONS", "DATA", "regenerate"]

DATA = Path(__file__).resolve().parent / "data"
#: dataset id -> (settings file in data/, scaffoldmaker type, parameter set)
SCAFFOLDS = {
    207: ("heart_rat_settings.json", "3D Heart 1", "Rat 1"),
    208: ("bladder_rat_settings.json", "3D Bladder 1", "Rat 1"),
}
#: data/ file -> (dataset id, path in the dataset)
SEGMENTATIONS = {
    "heart_ventricles.xml": (207, "files/primary/sub-rat01/heart_ventricles.xml"),
    "stomach_segmentation.xml": (209, "files/primary/sub-R01/stomach_segmentation.xml"),
    "truncated_tracing.xml": (209, "files/primary/sub-R02/truncated_tracing.xml"),
}
SETTINGS_PATH = "files/derivative/scaffold/Scaffold_Creator-settings.json"
ORGANIZATION = ("Auckland Bioengineering Institute", 515)


def _data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _dataset(ds_id: int, name: str, description: str, tags: list[str], owner: int,
             created: str, readme: str, files: list[FileNode], published: str,
             doi: str) -> Dataset:
    ds = Dataset(id=ds_id, name=name, description=description, tags=tags,
                 owner=_person(owner), organization=ORGANIZATION[0],
                 organization_id=ORGANIZATION[1], license="Creative Commons Attribution",
                 contributors=[_person(owner), _person(owner + 1)], created_at=created)
    ds.readme = readme
    files = [FileNode("files/README.md", _readme(name, readme)), *files]
    _finish_version(ds, dict(version=1, schema_version="5.0", bucket=BUCKET_V5, migrated=True,
                             published_at=published, doi=doi), files)
    return ds


def _segmentations(ds_id: int) -> list[FileNode]:
    return [FileNode(path, _data(name)) for name, (did, path) in SEGMENTATIONS.items()
            if did == ds_id]


def scaffold_datasets() -> list[Dataset]:
    """Datasets 207 (heart), 208 (bladder) and 209 (stomach segmentation)."""
    heart = _dataset(
        207, "Rat heart scaffold with ventricle segmentation",
        "An anatomical scaffold of the rat heart (scaffoldmaker 3D Heart 1, rat parameters) "
        "and an MBF XML segmentation of the ventricle walls traced on micro-CT slices.",
        ["heart", "scaffold", "segmentation", "Rattus norvegicus"], 1,
        "2023-02-14T09:00:00.000000Z",
        "* `files/derivative/scaffold/Scaffold_Creator-settings.json`: the scaffold's "
        "settings (generate it with scaffoldmaker)\n"
        "* `files/primary/sub-rat01/heart_ventricles.xml`: MBF XML contours",
        [FileNode(SETTINGS_PATH, _data(SCAFFOLDS[207][0])), *_segmentations(207)],
        "2023-03-01T10:00:00.000000Z", "10.26275/hr7s-0207")
    bladder = _dataset(
        208, "Rat urinary bladder scaffold",
        "An anatomical scaffold of the rat urinary bladder (scaffoldmaker 3D Bladder 1, rat "
        "parameters) for mapping bladder innervation data.",
        ["bladder", "scaffold", "Rattus norvegicus"], 3, "2023-05-02T09:00:00.000000Z",
        "* `files/derivative/scaffold/Scaffold_Creator-settings.json`: the scaffold's settings",
        [FileNode(SETTINGS_PATH, _data(SCAFFOLDS[208][0]))],
        "2023-05-20T10:00:00.000000Z", "10.26275/bl4d-0208")
    stomach = _dataset(
        209, "Stomach wall segmentation with a vagal afferent trace",
        "MBF XML segmentation of the rat stomach wall (fundus, body, pyloric antrum) with one "
        "traced vagal afferent fibre; a second tracing was truncated on export.",
        ["stomach wall", "segmentation", "Rattus norvegicus", "MBF XML"], 4,
        "2023-07-11T09:00:00.000000Z",
        "* `files/primary/sub-R01/stomach_segmentation.xml`: contours and an afferent trace\n"
        "* `files/primary/sub-R02/truncated_tracing.xml`: a damaged export (not valid XML)",
        _segmentations(209), "2023-08-01T10:00:00.000000Z", "10.26275/st0m-0209")
    return [heart, bladder, stomach]


# --------------------------------------------------------------------------- regeneration
def _settings_document(type_name: str, parameter_set: str) -> dict:
    from scaffoldmaker.scaffoldpackage import ScaffoldPackage
    from scaffoldmaker.scaffolds import Scaffolds, Scaffolds_JSONEncoder

    scaffold_type = Scaffolds().findScaffoldTypeByName(type_name)
    package = ScaffoldPackage(scaffold_type, defaultParameterSetName=parameter_set)
    document = {"scaffold_settings": {"scaffoldPackage": package, "deleteElementRanges": "",
                                      "displayAnnotationPoints": False, "displaySurfaces": True}}
    return json.loads(json.dumps(document, cls=Scaffolds_JSONEncoder))


def _point(x: float, y: float, z: float, d: float) -> str:
    return f'    <point x="{x:.2f}" y="{y:.2f}" z="{z:.2f}" d="{d:.2f}"/>'


def _ring(name: str, colour: str, cx: float, cy: float, z: float, rx: float, ry: float,
          n: int = 12) -> list[str]:
    lines = [f'  <contour name="{name}" color="{colour}" closed="true" shape="Contour">',
             "    <resolution>0.5</resolution>"]
    for k in range(n):
        a = 2 * math.pi * k / n
        lines.append(_point(cx + rx * math.cos(a), cy + ry * math.sin(a), z, 1.0))
    return [*lines, "  </contour>"]


def _mbf(body: list[str], appname: str) -> str:
    head = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
            '<mbf version="4.0" xmlns="http://www.mbfbioscience.com/2007/neurolucida" '
            'xmlns:nl="http://www.mbfbioscience.com/2007/neurolucida" '
            f'appname="{appname}" appversion="2023.1.1 (64-bit)">',
            "<description><![CDATA[labpanels emulator seed]]></description>",
            "<filefacts>", '  <sectionmanager currentsection="" sectioninterval="10" '
            'startingsection="1"/>', "</filefacts>"]
    return "\n".join([*head, *body, "</mbf>"]) + "\n"


def stomach_xml() -> str:
    """Contours of the stomach wall along a curved tube, a nerve trace and a marker."""
    body: list[str] = []
    parts = [("fundus of stomach", "#E07A5F", 0, 4), ("body of stomach", "#3D85C6", 4, 10),
             ("pyloric antrum", "#81B29A", 10, 14), ("Myenteric plexus", "#F2CC8F", 14, 15)]
    for name, colour, start, stop in parts:
        for s in range(start, stop):
            t = s / 14
            angle = math.pi * 0.9 * t
            cx, cy = 300 * math.cos(angle), 300 * math.sin(angle)
            radius = 140 * math.sin(math.pi * (0.15 + 0.8 * t)) + 30
            body += _ring(name, colour, cx, cy, 40.0 * s - 280, radius, radius * 0.8)
    body.append('  <tree color="#FFFF00" type="Axon" leaf="Normal">')
    for k in range(10):
        body.append(_point(-40 + 35 * k, 420 - 25 * k, -300 + 60 * k, 2.0))
    body += ["    <branch leaf=\"Normal\">",
             *[_point(275 + 20 * k, 195 + 30 * k, 240 + 15 * k, 1.5) for k in range(5)],
             "    </branch>", "  </tree>",
             '  <marker type="FilledCircle" color="#FF0000" name="Gastric vagal branch" '
             'varicosity="false">', _point(-40, 420, -300, 3.0), "  </marker>"]
    return _mbf(body, "Neurolucida 360")


def heart_xml() -> str:
    """Left and right ventricle walls and the septum as contours on 8 slices."""
    body: list[str] = []
    for s in range(8):
        z = 0.15 * s - 0.5
        shrink = 1 - s / 10
        body += _ring("left ventricle myocardium", "#C0392B", 0.1, 0, z, 0.45 * shrink,
                      0.4 * shrink)
        body += _ring("right ventricle myocardium", "#2E86C1", -0.45, 0.05, z, 0.3 * shrink,
                      0.45 * shrink, n=10)
        body += _ring("interventricular septum", "#7D3C98", -0.22, 0.02, z, 0.05, 0.3 * shrink,
                      n=8)
    return _mbf(body, "Vesselucida")


def regenerate() -> list[Path]:
    """Write the settings files (scaffoldmaker) and the XML files into ``data/``."""
    DATA.mkdir(exist_ok=True)
    written = []
    for file, type_name, parameter_set in SCAFFOLDS.values():
        path = DATA / file
        path.write_text(json.dumps(_settings_document(type_name, parameter_set), indent=1)
                        + "\n")
        written.append(path)
    texts = {"heart_ventricles.xml": heart_xml(), "stomach_segmentation.xml": stomach_xml()}
    full = stomach_xml()
    texts["truncated_tracing.xml"] = full[: full.index("</contour>", len(full) // 3)]
    for name, text in texts.items():
        (DATA / name).write_text(text, encoding="ISO-8859-1")
        written.append(DATA / name)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    for p in regenerate():
        print(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p, file=sys.stderr)
