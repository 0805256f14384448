"""Deterministic seed data: published datasets, their files and metadata records.

Everything is generated at start-up from fixed seeds (same bytes every run); the
100,000-file dataset is synthesised lazily (see :class:`~.tree.SyntheticTraces`).

Datasets (ids chosen to look like discover ids):

=====  =====================================================  ==========================
id     content                                                layout
=====  =====================================================  ==========================
201    heart-rate response to vagus nerve stimulation (CSV),  v5 (``s3://bucket/201/…``),
       2 versions, PNG figure, readme, JSON metadata          schema 5.0
202    gastric motility imaging: PNG frames + CSV             v5, schema 5.0
203    spinal interneuron morphology, 2 versions              **older layout**: v1 schema
                                                              3.0 (root ``packages/``),
                                                              v2 schema 4.0; URIs
                                                              ``s3://bucket/203/{v}/…``
204    100,000 voltage traces in nested folders (synthetic)   v5, schema 5.0
205    embargoed dataset (``EMBARGO_SUCCEEDED``)               v5
206    unpublished dataset (tombstone, 410)                   —
=====  =====================================================  ==========================
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import struct
import zlib
from dataclasses import dataclass, field

from .tree import FileNode, StaticTree, SyntheticTraces

__all__ = ["Dataset", "DatasetVersion", "Seed", "build_seed", "png_bytes"]

BUCKET_V5 = "prd-sparc-discover50-use1"
BUCKET_V4 = "pennsieve-prod-discover-publish-use1"
BUCKET_EMBARGO = "pennsieve-prod-discover-embargo-use1"


# --------------------------------------------------------------------------- content helpers
def png_bytes(width: int, height: int, pixel) -> bytes:
    """An 8-bit RGB PNG; ``pixel(x, y) -> (r, g, b)``."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type: none
        for x in range(width):
            raw.extend(bytes(pixel(x, y)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def _viridis_like(t: float) -> tuple[int, int, int]:
    t = min(max(t, 0.0), 1.0)
    return (int(68 + 185 * t**1.5), int(1 + 230 * t), int(84 + 120 * math.sin(math.pi * t)))


def _csv(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def _json(obj) -> bytes:
    return (json.dumps(obj, indent=2) + "\n").encode()


# --------------------------------------------------------------------------- model
@dataclass
class DatasetVersion:
    dataset: Dataset
    version: int
    tree: StaticTree
    schema_version: str
    bucket: str
    migrated: bool  # v5 layout: keys "{id}/files/..." (no version segment)
    published_at: str
    status: str = "PUBLISH_SUCCEEDED"
    doi: str = ""
    description: str | None = None
    revision: int | None = None

    @property
    def key_prefix(self) -> str:
        did = self.dataset.id
        return f"{did}/" if self.migrated else f"{did}/{self.version}/"

    def uri(self, path: str = "") -> str:
        return f"s3://{self.bucket}/{self.key_prefix}{path}"

    def s3_version(self, path: str) -> str:
        import hashlib

        return hashlib.sha1(f"{self.dataset.id}/{self.version}/{path}".encode()).hexdigest()[:32]

    @property
    def root(self) -> str:
        """Top folder of the data: ``files`` for schema >= 4.0, ``packages`` before."""
        return "files" if float(self.schema_version) >= 4.0 else "packages"


@dataclass
class Dataset:
    id: int
    name: str
    description: str
    tags: list[str]
    owner: dict
    organization: str
    organization_id: int
    license: str
    contributors: list[dict]
    created_at: str
    versions: list[DatasetVersion] = field(default_factory=list)
    embargo: bool = False
    embargo_release_date: str | None = None
    unpublished: bool = False
    dataset_type: str = "research"
    external_publications: list[dict] = field(default_factory=list)
    readme: str = ""

    @property
    def latest(self) -> DatasetVersion:
        return self.versions[-1]

    def get_version(self, v: int) -> DatasetVersion | None:
        for dv in self.versions:
            if dv.version == v:
                return dv
        return None


@dataclass
class Seed:
    datasets: dict[int, Dataset]
    records: list[dict]

    def visible(self) -> list[Dataset]:
        return [d for d in self.datasets.values() if not d.unpublished]


# --------------------------------------------------------------------------- builders
def _manifest_json(ds: Dataset, dv: DatasetVersion):
    def producer():
        head = {
            "datePublished": dv.published_at[:10],
            "pennsieveDatasetId": ds.id,
            "version": dv.version,
            "name": ds.name,
            "description": dv.description or ds.description,
            "creator": {
                "first_name": ds.owner["firstName"],
                "last_name": ds.owner["lastName"],
                "orcid": ds.owner["orcid"],
                "middle_initial": None,
                "degree": None,
            },
            "contributors": [
                {
                    "first_name": c["firstName"],
                    "last_name": c["lastName"],
                    "orcid": c.get("orcid"),
                    "middle_initial": c.get("middleInitial"),
                    "degree": c.get("degree"),
                }
                for c in ds.contributors
            ],
            "sourceOrganization": ds.organization,
            "keywords": ds.tags,
            "license": ds.license,
            "@id": dv.doi,
            "publisher": "The University of Pennsylvania",
            "@context": "http://schema.org/",
            "@type": "Dataset",
            "schemaVersion": "http://schema.org/version/3.7/",
            "pennsieveSchemaVersion": dv.schema_version,
        }
        text = json.dumps(head, indent=2)
        yield (text[:-2] + ',\n  "files": [').encode()
        first = True
        for f in dv.tree.iter_files(""):
            if f.path == "manifest.json":
                continue
            ft = f.kind[0]
            entry = {
                "path": f.path,
                "size": f.size,
                "fileType": ft,
                "sourcePackageId": f.source_package_id,
            }
            yield (("\n    " if first else ",\n    ") + json.dumps(entry)).encode()
            first = False
        yield b"\n  ]\n}\n"

    return producer


def _finish_version(
    ds: Dataset, dv_args: dict, files: list[FileNode], mounts=None, with_manifest: bool = True
) -> DatasetVersion:
    dv = DatasetVersion(dataset=ds, tree=StaticTree(files, mounts), **dv_args)
    if with_manifest:
        manifest = FileNode("manifest.json", _manifest_json(ds, dv), dv.published_at)
        dv.tree = StaticTree([*files, manifest], mounts)
    ds.versions.append(dv)
    return dv


_PEOPLE = [
    ("Amara", "Okafor", "0000-0002-1825-0097", "Ph.D."),
    ("Lukas", "Brenner", "0000-0001-5109-3700", "M.D."),
    ("Mei", "Tanaka", "0000-0003-4141-5926", "Ph.D."),
    ("Sofia", "Marquez", "0000-0002-7183-4567", "B.S."),
    ("Jonas", "Lindqvist", "0000-0001-9032-1122", "M.S."),
    ("Priya", "Raman", "0000-0003-2718-2818", "Ph.D."),
]


def _person(i: int) -> dict:
    f, last, orcid, degree = _PEOPLE[i % len(_PEOPLE)]
    return {
        "firstName": f,
        "middleInitial": None,
        "lastName": last,
        "degree": degree,
        "orcid": orcid,
    }


def _readme(title: str, body: str) -> bytes:
    return f"# {title}\n\n{body.strip()}\n".encode()


def _heart_rate_dataset() -> Dataset:
    ds = Dataset(
        id=201,
        name="Heart rate response to vagus nerve stimulation in rats",
        description=(
            "Beat-to-beat heart rate of six anaesthetised rats recorded before, during and after "
            "cervical vagus nerve stimulation at three intensities."
        ),
        tags=["vagus nerve stimulation", "heart rate", "rat", "autonomic nervous system"],
        owner=_person(0),
        organization="SPARC Consortium",
        organization_id=367,
        license="Creative Commons Attribution",
        contributors=[_person(0), _person(1), _person(3)],
        created_at="2023-03-14T09:26:53.589793Z",
        external_publications=[{"doi": "10.1113/JP282345", "relationshipType": "IsDescribedBy"}],
    )
    ds.readme = (
        "Six Sprague-Dawley rats were stimulated at 0.5, 1.0 and 2.0 mA (20 Hz, 200 us pulses). "
        "Heart rate was derived from ECG R-R intervals.\n\n"
        "* `files/primary/sub-XX/heart_rate.csv`: time (s), heart rate (bpm), "
        "stimulation current (mA)\n"
        "* `files/derivative/summary.csv`: mean heart rate per subject and condition\n"
        "* `files/docs/figure1.png`: mean response"
    )

    def build(version: int) -> list[FileNode]:
        rng = random.Random(201 * 100 + 1)  # same recordings in both versions
        n_sub = 4 if version == 1 else 6
        files: list[FileNode] = []
        summary = []
        for s in range(1, 7):
            baseline = rng.uniform(330, 390)
            rows = []
            for t10 in range(0, 3000):  # 300 s at 10 Hz
                t = t10 / 10
                if 100 <= t < 130:
                    current = 0.5
                elif 160 <= t < 190:
                    current = 1.0
                elif 220 <= t < 250:
                    current = 2.0
                else:
                    current = 0.0
                drop = 18 * current * (1 - math.exp(-((t % 30) if current else 0) / 4))
                hr = baseline - drop + rng.gauss(0, 3.5)
                rows.append([f"{t:.1f}", f"{hr:.2f}", f"{current:.1f}"])
            if s > n_sub:
                continue
            files.append(
                FileNode(
                    f"files/primary/sub-{s:02d}/heart_rate.csv",
                    _csv(["time_s", "heart_rate_bpm", "stim_current_mA"], rows),
                )
            )
            for c in ("0.0", "0.5", "1.0", "2.0"):
                vals = [float(r[1]) for r in rows if r[2] == c]
                summary.append([f"sub-{s:02d}", c, f"{sum(vals) / len(vals):.2f}", len(vals)])
        files.append(
            FileNode(
                "files/derivative/summary.csv",
                _csv(["subject", "stim_current_mA", "mean_heart_rate_bpm", "n_samples"], summary),
            )
        )
        files.append(
            FileNode(
                "files/docs/figure1.png",
                png_bytes(
                    96,
                    64,
                    lambda x, y: _viridis_like(0.5 + 0.45 * math.sin(x / 9) * math.cos(y / 7)),
                ),
            )
        )
        files.append(FileNode("files/README.md", _readme(ds.name, ds.readme)))
        files.append(
            FileNode(
                "files/dataset_description.json",
                _json(
                    {
                        "name": ds.name,
                        "description": ds.description,
                        "keywords": ds.tags,
                        "subjects": n_sub,
                        "species": "Rattus norvegicus",
                        "funding": "OT2OD000000",
                    }
                ),
            )
        )
        files.append(
            FileNode(
                "files/subjects.csv",
                _csv(
                    ["subject_id", "species", "sex", "age_weeks", "weight_g"],
                    [
                        [f"sub-{s:02d}", "Rattus norvegicus", "MF"[s % 2], 10 + s, 280 + 7 * s]
                        for s in range(1, n_sub + 1)
                    ],
                ),
            )
        )
        if version == 2:
            files.append(
                FileNode(
                    "files/CHANGES.md",
                    _readme("Changes", "Version 2 adds subjects sub-05 and sub-06."),
                )
            )
        return files

    for v, date in ((1, "2023-03-14T09:26:53.589793Z"), (2, "2024-02-01T15:02:11.120000Z")):
        _finish_version(
            ds,
            dict(
                version=v,
                schema_version="5.0",
                bucket=BUCKET_V5,
                migrated=True,
                published_at=date,
                doi=f"10.26275/vns{v}-hr0{v}",
            ),
            build(v),
        )
    return ds


def _gastric_dataset() -> Dataset:
    ds = Dataset(
        id=202,
        name="Gastric motility imaging in mice after feeding",
        description=(
            "Time-lapse ultrasound frames of the mouse stomach and contraction amplitude "
            "measurements during the first hour after a meal."
        ),
        tags=["stomach", "gastric motility", "mouse", "imaging"],
        owner=_person(2),
        organization="University of Auckland",
        organization_id=412,
        license="Creative Commons Attribution",
        contributors=[_person(2), _person(4)],
        created_at="2022-09-30T11:00:00.000000Z",
    )
    ds.readme = (
        "Three mice, eight frames each (PNG, 48x48), plus contraction measurements.\n\n"
        "* `files/primary/sub-M0X/frames/frame-0N.png`\n* `files/primary/sub-M0X/contractions.csv`"
    )
    rng = random.Random(202)
    files = [
        FileNode("files/README.md", _readme(ds.name, ds.readme)),
        FileNode(
            "files/dataset_description.json",
            _json({"name": ds.name, "keywords": ds.tags, "subjects": 3}),
        ),
    ]
    all_rows = []
    for m in range(1, 4):
        for f in range(1, 9):
            cx, cy, r = 24 + rng.uniform(-3, 3), 24 + rng.uniform(-3, 3), 12 + 3 * math.sin(f)

            def pix(x, y, cx=cx, cy=cy, r=r, f=f):
                d = math.hypot(x - cx, y - cy)
                v = 0.85 * math.exp(-((d - r) ** 2) / 6) + 0.1 * ((x * 7 + y * 13 + f) % 5) / 5
                g = int(255 * min(v, 1))
                return (g, g, g)

            files.append(
                FileNode(
                    f"files/primary/sub-M0{m}/frames/frame-{f:02d}.png", png_bytes(48, 48, pix)
                )
            )
        rows = []
        for minute in range(60):
            amp = 0.4 + 0.3 * math.sin(minute / 6 + m) + rng.gauss(0, 0.05)
            freq = 3.0 + 0.2 * m + rng.gauss(0, 0.1)
            rows.append([minute, f"{amp:.3f}", f"{freq:.2f}"])
            all_rows.append([f"sub-M0{m}", minute, f"{amp:.3f}", f"{freq:.2f}"])
        files.append(
            FileNode(
                f"files/primary/sub-M0{m}/contractions.csv",
                _csv(["minute", "amplitude_mm", "frequency_cpm"], rows),
            )
        )
    files.append(
        FileNode(
            "files/derivative/all_contractions.csv",
            _csv(["subject", "minute", "amplitude_mm", "frequency_cpm"], all_rows),
        )
    )
    means = [[m, *(f"{sum(float(r[k]) for r in all_rows if r[1] == m) / 3:.3f}" for k in (2, 3))]
             for m in range(60)]  # a TSV: mean amplitude and frequency over the hour
    files.append(FileNode("files/derivative/mean_motility.tsv", _csv(
        ["minute", "mean_amplitude_mm", "mean_frequency_cpm"], means).replace(b",", b"\t")))
    _finish_version(
        ds,
        dict(
            version=1,
            schema_version="5.0",
            bucket=BUCKET_V5,
            migrated=True,
            published_at="2022-10-03T08:15:00.000000Z",
            doi="10.26275/gm7x-ab12",
        ),
        files,
    )
    return ds


def _legacy_dataset() -> Dataset:
    ds = Dataset(
        id=203,
        name="Spinal cord interneuron morphology (legacy layout)",
        description="Soma and dendrite measurements of 40 traced spinal interneurons.",
        tags=["spinal cord", "neuron morphology", "cat"],
        owner=_person(5),
        organization="SPARC Consortium",
        organization_id=367,
        license="Open Data Commons Attribution License",
        contributors=[_person(5)],
        created_at="2019-06-12T10:00:00.000000Z",
    )
    ds.readme = "Measurements of traced interneurons (soma area, dendrite length, branch points)."
    rng = random.Random(203)
    rows = [
        [
            f"cell-{c:02d}",
            f"{rng.uniform(180, 420):.1f}",
            f"{rng.uniform(800, 3200):.0f}",
            rng.randint(4, 30),
        ]
        for c in range(1, 41)
    ]
    table = _csv(["cell", "soma_area_um2", "dendrite_length_um", "branch_points"], rows)
    v1 = [
        FileNode("packages/morphology.csv", table, "2019-06-12T10:00:00Z"),
        FileNode(
            "packages/README.txt", f"{ds.name}\n\n{ds.readme}\n".encode(), "2019-06-12T10:00:00Z"
        ),
    ]
    _finish_version(
        ds,
        dict(
            version=1,
            schema_version="3.0",
            bucket=BUCKET_V4,
            migrated=False,
            published_at="2019-06-12T10:00:00.000000Z",
            doi="10.26275/lg01-0001",
        ),
        v1,
    )
    v2 = [
        FileNode("files/primary/morphology.csv", table, "2020-11-02T10:00:00Z"),
        FileNode("files/docs/README.md", _readme(ds.name, ds.readme), "2020-11-02T10:00:00Z"),
        FileNode(
            "files/docs/example_cell.png",
            png_bytes(
                40,
                40,
                lambda x, y: (
                    (255, 255, 255)
                    if abs((x - 20) ** 2 + (y - 20) ** 2 - 80) < 20 or x == y
                    else (20, 20, 40)
                ),
            ),
            "2020-11-02T10:00:00Z",
        ),
    ]
    _finish_version(
        ds,
        dict(
            version=2,
            schema_version="4.0",
            bucket=BUCKET_V4,
            migrated=False,
            published_at="2020-11-02T10:00:00.000000Z",
            doi="10.26275/lg02-0002",
        ),
        v2,
    )
    return ds


def _large_dataset() -> Dataset:
    ds = Dataset(
        id=204,
        name="Large-scale intracellular voltage traces (100,000 recordings)",
        description="Voltage traces of 100 subjects x 10 sessions x 100 electrodes, one CSV each.",
        tags=["electrophysiology", "large dataset", "voltage traces"],
        owner=_person(4),
        organization="SPARC Consortium",
        organization_id=367,
        license="Creative Commons Attribution",
        contributors=[_person(4), _person(2)],
        created_at="2024-05-20T12:00:00.000000Z",
    )
    ds.readme = "Traces live in `files/primary/sub-NNN/ses-NN/trace-NNN.csv` (time_s, voltage_mV)."
    files = [
        FileNode("files/README.md", _readme(ds.name, ds.readme)),
        FileNode(
            "files/dataset_description.json",
            _json({"name": ds.name, "subjects": 100, "sessions": 10, "traces": 100}),
        ),
        FileNode(
            "files/docs/electrode_map.png",
            png_bytes(32, 32, lambda x, y: _viridis_like(((x // 4) * 8 + y // 4) / 64)),
        ),
    ]
    mounts = {"files/primary": SyntheticTraces("files/primary", created_at="2024-05-20T12:00:00Z")}
    _finish_version(
        ds,
        dict(
            version=1,
            schema_version="5.0",
            bucket=BUCKET_V5,
            migrated=True,
            published_at="2024-05-20T12:00:00.000000Z",
            doi="10.26275/big1-0100",
        ),
        files,
        mounts,
    )
    return ds


def _embargoed_dataset() -> Dataset:
    ds = Dataset(
        id=205,
        name="Bladder afferent activity (embargoed)",
        description="Pelvic nerve recordings during bladder filling; released after embargo.",
        tags=["bladder", "pelvic nerve", "rat"],
        owner=_person(1),
        organization="SPARC Consortium",
        organization_id=367,
        license="Creative Commons Attribution",
        contributors=[_person(1)],
        created_at="2025-01-10T10:00:00.000000Z",
        embargo=True,
        embargo_release_date="2027-01-10",
    )
    files = [FileNode("files/primary/recording.csv", _csv(["t", "v"], [[0, 1], [1, 2]]))]
    _finish_version(
        ds,
        dict(
            version=1,
            schema_version="5.0",
            bucket=BUCKET_EMBARGO,
            migrated=True,
            published_at="2025-01-10T10:00:00.000000Z",
            doi="10.26275/emb1-0001",
            status="EMBARGO_SUCCEEDED",
        ),
        files,
    )
    return ds


def _unpublished_dataset() -> Dataset:
    ds = Dataset(
        id=206,
        name="Withdrawn pilot recordings",
        description="Withdrawn by the authors.",
        tags=["pilot"],
        owner=_person(3),
        organization="SPARC Consortium",
        organization_id=367,
        license="Creative Commons Attribution",
        contributors=[_person(3)],
        created_at="2021-01-01T00:00:00.000000Z",
        unpublished=True,
    )
    _finish_version(
        ds,
        dict(
            version=1,
            schema_version="4.0",
            bucket=BUCKET_V5,
            migrated=True,
            published_at="2021-01-01T00:00:00.000000Z",
            doi="10.26275/wdr1-0001",
            status="UNPUBLISHED",
        ),
        [],
        with_manifest=False,
    )
    return ds


def _records(datasets: dict[int, Dataset]) -> list[dict]:
    out: list[dict] = []
    import uuid

    for ds in datasets.values():
        if ds.unpublished:
            continue
        v = ds.latest.version
        for i, c in enumerate(ds.contributors):
            out.append(
                {
                    "datasetId": ds.id,
                    "version": v,
                    "model": "researcher",
                    "properties": {
                        "firstName": c["firstName"],
                        "lastName": c["lastName"],
                        "hasORCIDId": f"https://orcid.org/{c['orcid']}",
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"researcher/{ds.id}/{i}")),
                    },
                }
            )
    rng = random.Random(7)
    for ds_id, n, species in (
        (201, 6, "Rattus norvegicus"),
        (202, 3, "Mus musculus"),
        (204, 100, "Rattus norvegicus"),
    ):
        ds = datasets[ds_id]
        for s in range(1, n + 1):
            out.append(
                {
                    "datasetId": ds_id,
                    "version": ds.latest.version,
                    "model": "subject",
                    "properties": {
                        "subjectId": f"sub-{s:02d}",
                        "species": species,
                        "sex": rng.choice(["Male", "Female"]),
                        "ageCategory": "adult",
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"subj/{ds_id}/{s}")),
                    },
                }
            )
    for c in range(1, 41):
        out.append(
            {
                "datasetId": 203,
                "version": 2,
                "model": "sample",
                "properties": {
                    "sampleId": f"cell-{c:02d}",
                    "type": "interneuron",
                    "anatomicalLocation": "lumbar spinal cord",
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sample/203/{c}")),
                },
            }
        )
    return out


def build_seed() -> Seed:
    from .seed_scaffolds import scaffold_datasets  # scaffolds and segmentations: 207-209

    datasets = {}
    for ds in (
        _heart_rate_dataset(),
        _gastric_dataset(),
        _legacy_dataset(),
        _large_dataset(),
        _embargoed_dataset(),
        _unpublished_dataset(),
        *scaffold_datasets(),
    ):
        datasets[ds.id] = ds
    return Seed(datasets=datasets, records=_records(datasets))
