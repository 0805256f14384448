"""PennsieveSession against the local discover/zipit emulator (and a scripted stub server)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

import labpanels
from labpanels.demo.emulator import start_emulator
from labpanels.errors import BadRequest, NotFound, PermissionDenied
from labpanels.pennsieve import (
    DatasetUnavailable,
    DownloadCancelled,
    DownloadError,
    IntegrityError,
    Page,
    PennsieveSession,
    UnsafePathError,
    ZipitError,
    safe_path,
)
from labpanels.pennsieve.download import (
    check_zip,
    filename_from_disposition,
    partial_path,
    safe_name,
)
from labpanels.pennsieve.session import path_from_uri
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.httpstub import (
    Received,
    Reply,
    stub_fixture,  # noqa: F401 (fixtures)
)

pytestmark = pytest.mark.timeout(60)
T = 20


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def session(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    s.sent = []  # every response the session received: (method, url, Range header, status)

    def record(response, *args, **kwargs):
        req = response.request
        s.sent.append((req.method, req.url, req.headers.get("Range"), response.status_code))

    s.http.session.hooks["response"].append(record)
    yield s
    s.close()


def emulator_bytes(emulator, dataset_id: int, version: int, path: str) -> bytes:
    """A file's content fetched with plain requests, independently of labpanels."""
    manifest = requests.post(
        f"{emulator.pennsieve_url}/datasets/{dataset_id}/versions/{version}/files/download-manifest",
        json={"paths": [path]},
        timeout=T,
    ).json()
    (entry,) = manifest["data"]
    return requests.get(entry["url"], timeout=T).content


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_monotonic(events: list[dict]) -> None:
    for key in ("bytes_done", "files_done"):
        values = [e[key] for e in events]
        assert values == sorted(values), f"{key} went backwards: {values}"


# --------------------------------------------------------------------------- search
def test_search_filters_order_and_paging(session):
    vagus = session.search_datasets("vagus")
    assert isinstance(vagus, Page) and vagus.total == 1 and [d["id"] for d in vagus] == [201]
    tagged = session.search_datasets(tags=["stomach", "spinal cord"])
    assert sorted(d["id"] for d in tagged) == [202, 203]
    assert [d["id"] for d in session.search_datasets(embargo=True)] == [205]
    assert session.search_datasets(embargo=False).total == 7
    org = session.search_datasets(organization="University of Auckland")
    assert [d["id"] for d in org] == [202]
    by_name = session.search_datasets(order_by="name", order_direction="asc")
    names = [d["name"] for d in by_name]
    assert names == sorted(names, key=str.lower) and by_name.total == 8
    assert session.search_datasets(order_by="size", order_direction="desc")[0]["id"] == 204
    second = session.search_datasets(order_by="name", order_direction="asc", limit=2, offset=2)
    assert (second.total, second.limit, second.offset, len(second)) == (8, 2, 2, 2)
    assert [d["name"] for d in second] == names[2:4] and second.next_offset == 4
    last = session.search_datasets(order_by="name", order_direction="asc", limit=2, offset=6)
    assert len(last) == 2 and last.next_offset is None and not last.has_next
    assert last.raw["totalCount"] == 8  # the server's page, untouched
    with pytest.raises(BadRequest, match="orderBy"):
        session.search_datasets(order_by="nonsense")
    assert "invalid orderBy" in session.last_error and session.busy is False


def test_iter_and_all_datasets_fetch_pages_lazily(session):
    it = session.iter_datasets(order_by="name", order_direction="asc", page_size=2)
    assert session.sent == []  # nothing is fetched before iteration starts
    first = next(it)
    assert len(session.sent) == 1 and "limit=2" in session.sent[0][1]
    rest = list(it)
    assert len(session.sent) == 4  # 8 datasets in pages of 2
    assert [first["id"], *[d["id"] for d in rest]] == [
        d["id"] for d in session.all_datasets(order_by="name", order_direction="asc")
    ]
    frame = session.datasets_frame(tags=["rat"])
    assert list(frame.columns)[:3] == ["id", "name", "version"] and len(frame) == 2
    assert sorted(frame["id"]) == [201, 205]


def test_dataset_details_versions_and_clear_errors(session):
    busy = []
    session.observe(lambda change: busy.append(change["new"]), names="busy")
    ds = session.get_dataset(201)
    assert ds["version"] == 2 and ds["fileCount"] == 13 and busy == [True, False]
    assert session.get_dataset(201, version=1)["version"] == 1
    assert [v["version"] for v in session.versions(201)] == [1, 2]
    with pytest.raises(DatasetUnavailable, match="206 is no longer published"):
        session.get_dataset(206)
    with pytest.raises(NotFound):
        session.get_dataset(999)
    assert "999" in session.last_error
    session.get_dataset(202)
    assert session.last_error == ""  # a success clears it
    picked = session.select_dataset(203, version=1)
    assert session.dataset == picked and picked["version"] == 1
    assert session.root_folder() == "packages"
    session.select_dataset(203)
    assert session.root_folder() == "files" and session.dataset["version"] == 2
    assert {"tag": "rat", "count": 2} in session.tags()


def test_browse_a_deep_folder_of_dataset_204_page_by_page(session):
    session.select_dataset(204)
    folder = "files/primary/sub-042/ses-07"
    session.sent.clear()
    page = session.browse(path=folder, limit=10, offset=95)
    assert page.total == 100 and [f["name"] for f in page] == [
        f"trace-{i:03d}.csv" for i in range(96, 101)
    ]
    assert page.next_offset is None
    entries = session.iter_folder(path=folder, page_size=25)
    head = [next(entries) for _ in range(30)]
    assert len(session.sent) == 3  # one page for 10 at offset 95, then two pages of 25
    tail = list(entries)
    assert [e["name"] for e in head + tail] == [f"trace-{i:03d}.csv" for i in range(1, 101)]
    assert all(e["type"] == "File" and e["path"].startswith(folder + "/") for e in head + tail)
    assert len(session.sent) == 5  # 100 entries in 4 pages: nothing else was listed
    for method, url, _, status in session.sent:
        assert method == "GET" and "/files/browse?" in url and status == 200
        assert "path=files%2Fprimary%2Fsub-042%2Fses-07" in url
    root = session.browse(204, "")
    assert [(f["type"], f["name"]) for f in root] == [
        ("Directory", "files"),
        ("File", "manifest.json"),
    ]
    info = session.file_info(204, f"{folder}/trace-099.csv")
    assert info["size"] == page[3]["size"] and "url" not in info


def test_search_files_and_records(session):
    csv = session.search_files(file_type="csv", dataset_id=201)
    assert csv.total == 8 and {f["fileType"] for f in csv} == {"CSV"}
    session.sent.clear()
    traces = list(session.iter_files("099", dataset_id=204, page_size=10, max_items=25))
    assert len(traces) == 25 and len(session.sent) == 3
    records = session.search_records("subject", dataset_id=204, limit=5, offset=95)
    assert records.total == 100 and len(records) == 5
    frame = session.records_frame("subject", dataset_id=201)
    assert len(frame) == 6 and {"datasetId", "model", "subjectId", "species"} <= set(frame.columns)


# --------------------------------------------------------------------------- downloads
def test_download_files_and_folders_verified_with_progress(session, emulator, tmp_path):
    session.select_dataset(201)
    events: list[dict] = []
    saved = session.download(
        ["files/primary/sub-01", "files/docs/figure1.png"], tmp_path, on_progress=events.append
    )
    assert files_under(tmp_path) == [
        "files/docs/figure1.png",
        "files/primary/sub-01/heart_rate.csv",
    ]
    assert sorted(saved) == sorted(tmp_path / p for p in files_under(tmp_path))
    for rel in files_under(tmp_path):
        expected = emulator_bytes(emulator, 201, 2, rel)
        assert sha((tmp_path / rel).read_bytes()) == sha(expected)
    assert_monotonic(events)
    total = sum((tmp_path / p).stat().st_size for p in files_under(tmp_path))
    assert events[0]["bytes_done"] == 0 and events[0]["files_total"] == 2
    assert events[-1] == {
        "bytes_done": total,
        "bytes_total": total,
        "files_done": 2,
        "files_total": 2,
        "current": "figure1.png",
    }
    assert session.download_progress == events[-1]
    one = session.download_file("files/subjects.csv", tmp_path / "flat")
    assert one == tmp_path / "flat" / "subjects.csv"
    assert one.read_bytes() == emulator_bytes(emulator, 201, 2, "files/subjects.csv")
    with pytest.raises(DownloadError, match="folder of 6 files"):
        session.download_file("files/primary", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()  # refused before any byte was written
    rooted = session.download(["files/primary"], tmp_path / "rooted", root_path="files/primary")
    assert sorted(p.relative_to(tmp_path / "rooted").parts[0] for p in rooted) == [
        f"sub-0{i}" for i in range(1, 7)
    ]


def test_a_folder_too_large_for_one_manifest_is_fetched_in_parts(session, tmp_path):
    folders = list(session.iter_folder(201, "files/primary"))
    total = sum(f["size"] for f in folders)
    assert len(folders) == 6 and all(f["type"] == "Directory" for f in folders)
    # a server whose limit takes about half of the folder at a time
    with start_emulator(max_download_mb=total * 0.6 / 1e6) as small:
        strict = PennsieveSession(small.pennsieve_url)
        sent: list[str] = []
        strict.http.session.hooks["response"].append(
            lambda r, *a, **k: sent.append(f"{r.request.method} {r.status_code} "
                                           f"{r.request.url.split('?')[0].rsplit('/', 1)[-1]}"))
        with pytest.raises(PermissionDenied, match="too large"):
            strict.manifest(["files/primary"], 201)  # refused in one piece
        sent.clear()
        saved = strict.download(["files/primary"], tmp_path, dataset_id=201,
                                root_path="files/primary")
        strict.close()
    assert sorted({p.relative_to(tmp_path).parts[0] for p in saved}) == sorted(
        f["name"] for f in folders)
    assert sum(p.stat().st_size for p in saved) == total and len(set(saved)) == len(saved)
    asked = [line for line in sent if line.endswith("download-manifest")]
    assert asked[0] == "POST 403 download-manifest"  # then in parts that fit
    assert asked.count("POST 200 download-manifest") >= 2 and asked[-1].startswith("POST 200")
    assert "GET 200 browse" in sent  # the folder's contents, to split it
    with_limit = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in saved}
    whole = session.download(["files/primary"], tmp_path / "whole", dataset_id=201,
                             root_path="files/primary")
    assert {p.relative_to(tmp_path / "whole").as_posix(): p.read_bytes()
            for p in whole} == with_limit


def test_download_from_search_hits_and_selection(session, emulator, tmp_path):
    hits = session.search_files("morphology", dataset_id=203).items  # v4 layout: 203/2/files/...
    assert path_from_uri(hits[0]["uri"], 203, 2) == "files/primary/morphology.csv"
    (saved,) = session.download(hits, tmp_path)
    assert saved == tmp_path / "files/primary/morphology.csv"
    assert saved.read_bytes() == emulator_bytes(emulator, 203, 2, "files/primary/morphology.csv")
    session.select_dataset(202)
    browse = session.browse(path="files/primary/sub-M01").items
    chosen = session.select_files([e for e in browse if e["type"] == "File"])
    assert chosen == ["files/primary/sub-M01/contractions.csv"] == session.selected_files
    session.select_files("files/README.md", add=True)
    assert len(session.download(dest=tmp_path / "sel")) == 2
    session.clear_selection()
    with pytest.raises(ValueError, match="nothing to download"):
        session.download(dest=tmp_path / "none")


def test_interrupted_download_leaves_no_partial_file(emulator, tmp_path):
    session = PennsieveSession(emulator.pennsieve_url, chunk_size=4096)
    path = "files/primary/sub-01/heart_rate.csv"
    events = []

    def interrupt(info):
        events.append(info)
        if info["bytes_done"] >= 8192:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.download(path, tmp_path, dataset_id=201, on_progress=interrupt)
    assert 8192 <= events[-1]["bytes_done"] < events[-1]["bytes_total"]  # stopped mid-body
    assert files_under(tmp_path) == []  # neither the file nor its .part
    assert session.last_error == "interrupted" and session.busy is False

    def cancel(info):
        if info["bytes_done"] >= 4096:
            session.cancel()

    with pytest.raises(DownloadCancelled):
        session.download(path, tmp_path, dataset_id=201, on_progress=cancel)
    assert files_under(tmp_path) == []


def test_interrupted_download_resumes_with_a_range_request(emulator, tmp_path):
    session = PennsieveSession(emulator.pennsieve_url, chunk_size=4096)
    ranges = []
    session.http.session.hooks["response"].append(
        lambda r, *a, **k: ranges.append((r.request.headers.get("Range"), r.status_code))
    )
    path = "files/primary/sub-01/heart_rate.csv"
    target = tmp_path / "files/primary/sub-01/heart_rate.csv"

    def interrupt(info):
        if info["bytes_done"] >= 12288:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.download(path, tmp_path, dataset_id=201, on_progress=interrupt, keep_partial=True)
    part = partial_path(target)
    assert not target.exists() and part.stat().st_size >= 12288  # kept for a resume
    kept = part.stat().st_size
    ranges.clear()
    events = []
    session.download(path, tmp_path, dataset_id=201, on_progress=events.append)
    assert (f"bytes={kept}-", 206) in ranges  # only the missing bytes were asked for
    assert target.read_bytes() == emulator_bytes(emulator, 201, 2, path)
    assert not part.exists() and events[-1]["bytes_done"] == target.stat().st_size
    assert_monotonic(events)


@pytest.fixture
def small_chunks(session):
    """Read the body in 8 KiB pieces, so a cut-off body still delivers what came before."""
    session.chunk_size = 8192
    return session


def fake_manifest(session, monkeypatch, entries: list[dict]) -> None:
    """Replace only the session's manifest request (the rest of the session stays real)."""

    def fetch(dataset_id, version, paths, root_path):
        return {"header": {"count": len(entries), "size": 0}, "data": entries}

    monkeypatch.setattr(session, "_fetch_manifest", fetch)


BLOB = bytes(range(256)) * 512  # 128 KiB


def ranged_server(honour_range: bool, cut_every_time: bool = False):
    def answer(request: Received) -> Reply:
        header = request.headers.get("Range")
        start = int(header.split("=")[1].rstrip("-")) if header else 0
        if header and honour_range and not cut_every_time:
            body = BLOB[start:]
            content_range = f"bytes {start}-{len(BLOB) - 1}/{len(BLOB)}"
            return Reply(206, body=body, headers={"Content-Range": content_range})
        if header and not cut_every_time:
            return Reply(200, body=BLOB)  # ignores Range: the whole object again
        # announce the whole object, send 40%, close the connection
        return Reply(200, body=BLOB[: len(BLOB) * 4 // 10], content_length=len(BLOB))

    return answer


def test_connection_lost_mid_body_is_resumed(session, small_chunks, stub, monkeypatch, tmp_path):
    stub.route("GET", "/blob.bin", ranged_server(honour_range=True))
    fake_manifest(
        session,
        monkeypatch,
        [
            {
                "fileName": "blob.bin",
                "path": ["files"],
                "url": f"{stub.url}/blob.bin",
                "size": len(BLOB),
                "sha256": sha(BLOB),
            }
        ],
    )
    events = []
    (saved,) = session.download(
        "files/blob.bin", tmp_path, dataset_id=201, on_progress=events.append
    )
    assert saved.read_bytes() == BLOB
    gets = stub.requests("GET", "/blob.bin")
    assert len(gets) == 2 and gets[0].headers.get("Range") is None
    resumed_at = int(gets[1].headers["Range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= len(BLOB) * 4 // 10  # from what had reached the disk
    assert_monotonic(events)
    assert files_under(tmp_path) == ["files/blob.bin"]


def test_server_ignoring_range_restarts_cleanly(session, small_chunks, stub, monkeypatch, tmp_path):
    stub.route("GET", "/blob.bin", ranged_server(honour_range=False))
    entry = {"fileName": "blob.bin", "path": [], "url": f"{stub.url}/blob.bin", "size": len(BLOB)}
    fake_manifest(session, monkeypatch, [entry])
    events = []
    (saved,) = session.download("blob.bin", tmp_path, dataset_id=201, on_progress=events.append)
    assert saved.read_bytes() == BLOB and stub.count("GET", "/blob.bin") == 2
    assert_monotonic(events)  # the restart does not make the count go backwards
    assert events[-1]["bytes_done"] == len(BLOB)


def test_download_that_keeps_failing_leaves_no_partial_file(
    session, small_chunks, stub, monkeypatch, tmp_path
):
    stub.route("GET", "/blob.bin", ranged_server(honour_range=True, cut_every_time=True))
    entry = {"fileName": "blob.bin", "path": [], "url": f"{stub.url}/blob.bin", "size": len(BLOB)}
    fake_manifest(session, monkeypatch, [entry])
    with pytest.raises(DownloadError, match="failed after 4 attempts"):
        session.download("blob.bin", tmp_path, dataset_id=201)
    assert stub.count("GET", "/blob.bin") == 4
    assert files_under(tmp_path) == [] and "blob.bin" in session.last_error


def test_size_and_checksum_mismatches_are_refused(session, stub, monkeypatch, tmp_path):
    stub.route("GET", "/blob.bin", Reply(200, body=BLOB))
    url = f"{stub.url}/blob.bin"
    wrong_sha = {"fileName": "a.bin", "path": [], "url": url, "size": len(BLOB), "sha256": "0" * 64}
    fake_manifest(session, monkeypatch, [wrong_sha])
    with pytest.raises(IntegrityError, match="SHA-256"):
        session.download("a.bin", tmp_path, dataset_id=201)
    too_small = {"fileName": "b.bin", "path": [], "url": url, "size": len(BLOB) - 1}
    fake_manifest(session, monkeypatch, [too_small])
    with pytest.raises(IntegrityError, match="more than the announced"):
        session.download("b.bin", tmp_path, dataset_id=201)
    assert files_under(tmp_path) == []


# --------------------------------------------------------------------------- path safety
@pytest.mark.parametrize(
    "name",
    [
        "../../etc/x",
        "../x",
        "..",
        "files/../../x",
        "/etc/passwd",
        "\\server\\share",
        "a\\..\\b",
        "C:evil.txt",
        "x\x00y",
        "bad\nname",
        "",
        ".",
        "a//b",
        "a/./b",
    ],
)
def test_safe_path_refuses_escapes(tmp_path, name):
    with pytest.raises(UnsafePathError):
        safe_path(tmp_path, name)


def test_safe_path_accepts_plain_names_and_refuses_symlink_escapes(tmp_path):
    assert safe_path(tmp_path, "files/primary", "a.csv") == tmp_path / "files/primary/a.csv"
    assert safe_path(tmp_path, "..hidden", "ünï cøde (1).txt").name == "ünï cøde (1).txt"
    assert safe_name("...") == "..."
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside the target folder"):
        safe_path(tmp_path, "link", "x")
    with pytest.raises(UnsafePathError):
        safe_name("a/b")


@pytest.mark.parametrize(
    ("file_name", "dirs"),
    [("../../etc/x", []), ("x", ["..", ".."]), ("x", ["/etc"]), ("x\x00.csv", ["files"])],
)
def test_download_refuses_a_malicious_manifest_before_writing(
    session, emulator, monkeypatch, tmp_path, file_name, dirs
):
    real = requests.post(
        f"{emulator.pennsieve_url}/datasets/201/versions/2/files/download-manifest",
        json={"paths": ["files/subjects.csv"]},
        timeout=T,
    ).json()["data"][0]
    evil = {**real, "fileName": file_name, "path": dirs}
    fake_manifest(session, monkeypatch, [real, evil])
    dest = tmp_path / "target"
    dest.mkdir()
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(UnsafePathError):
        session.download("files/subjects.csv", dest, dataset_id=201)
    assert files_under(dest) == []  # not even the harmless first file
    assert sorted(os.listdir(tmp_path)) == before
    assert "unsafe file name" in session.last_error


def test_zipit_file_name_is_checked(session, stub, tmp_path):
    session.zipit_url = f"{stub.url}/zipit"
    stub.route(
        "POST",
        "/zipit/discover",
        Reply(200, body=b"x", headers={"Content-Disposition": 'attachment; filename="../evil"'}),
    )
    with pytest.raises(UnsafePathError):
        session.download_zip(["files/a"], tmp_path, dataset_id=201, version=2)
    assert files_under(tmp_path) == []
    assert filename_from_disposition("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.zip") == (
        "résumé.zip"
    )


# --------------------------------------------------------------------------- zipit
def test_several_files_as_one_zip(session, emulator, tmp_path):
    session.select_dataset(201)
    paths = ["files/subjects.csv", "files/docs/figure1.png", "files/primary/sub-02"]
    events = []
    archive = session.download_zip(
        paths, tmp_path, archive_name="selection", on_progress=events.append
    )
    assert archive == tmp_path / "selection.zip" and files_under(tmp_path) == ["selection.zip"]
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names == [
            "files/subjects.csv",
            "files/docs/figure1.png",
            "files/primary/sub-02/heart_rate.csv",
        ]
        for name in names:
            assert zf.read(name) == emulator_bytes(emulator, 201, 2, name)
    assert_monotonic(events)
    assert events[-1]["bytes_done"] == archive.stat().st_size and events[-1]["files_done"] == 1
    renamed = session.download_zip(paths[:2], tmp_path, name="mine.zip")
    assert renamed.name == "mine.zip" and check_zip(renamed) == 2
    raw = session.download_zip(["files/subjects.csv"], tmp_path / "one")
    assert raw.name == "subjects.csv"  # one file: zipit sends the file itself
    assert raw.read_bytes() == emulator_bytes(emulator, 201, 2, "files/subjects.csv")


@pytest.mark.parametrize(
    ("paths", "dataset_id", "status", "error"),
    [
        (["files/does-not-exist"], 201, 500, "no data to download"),
        (["files/primary"], 204, 500, "there was an error creating the zip"),
    ],
)
def test_zipit_errors_are_detected(session, tmp_path, paths, dataset_id, status, error):
    with pytest.raises(ZipitError) as caught:
        session.download_zip(paths, tmp_path, dataset_id=dataset_id)
    assert caught.value.status == status and caught.value.error.startswith(error)
    assert files_under(tmp_path) == []  # the !ERROR.txt was not saved as data
    assert session.last_error.startswith("zipit refused the download")


def test_zip_with_an_error_entry_is_refused(tmp_path, stub):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("files/a.csv", "a,b\n")
        zf.writestr("!ERROR.txt", '{"status": 500, "error": "could not read files/b.csv"}')
    stub.route(
        "POST",
        "/zipit/discover",
        Reply(
            200,
            body=buf.getvalue(),
            headers={
                "Content-Type": "application/zip",
                "Content-Disposition": 'attachment; filename="pennsieve-data.zip"',
            },
        ),
    )
    session = PennsieveSession(f"{stub.url}/discover")
    assert session.zipit_url == f"{stub.url}/zipit/discover"
    with pytest.raises(ZipitError, match="could not read files/b.csv"):
        session.download_zip(["files/a.csv", "files/b.csv"], tmp_path, dataset_id=1, version=1)
    assert files_under(tmp_path) == []


# --------------------------------------------------------------------------- package
def test_lazy_top_level_export_keeps_import_light():
    assert labpanels.PennsieveSession is PennsieveSession
    assert "PennsieveSession" in dir(labpanels)
    code = (
        "import sys, labpanels; "
        "heavy = [m for m in ('pandas', 'traitlets', 'requests') if m in sys.modules]; "
        "assert not heavy, heavy; "
        "labpanels.PennsieveSession; assert 'pandas' not in sys.modules; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    with pytest.raises(AttributeError):
        labpanels.NoSuchThing  # noqa: B018
