"""HTTP behaviour of the Pennsieve discover / zipit / o²S²PARC emulator, with plain requests."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import socket
import time
import zipfile

import pytest
import requests

from labpanels.demo.emulator import start_emulator
from tests.emulator_fixture import emulator_fixture  # noqa: F401

T = 20  # seconds: every request's timeout
SLEEPER = "simcore/services/comp/itis/sleeper"
SLEEPER_Q = "simcore%2Fservices%2Fcomp%2Fitis%2Fsleeper"
DTO_REQUIRED = {
    "id",
    "name",
    "description",
    "ownerFirstName",
    "ownerLastName",
    "ownerOrcid",
    "organizationName",
    "modelCount",
    "recordCount",
    "fileCount",
    "size",
    "license",
    "tags",
    "version",
    "uri",
    "arn",
    "status",
    "doi",
    "contributors",
    "createdAt",
    "updatedAt",
}
# the expected /ports answer for sleeper 2.0.2 (reference osparc.md §9)
SLEEPER_PORTS = {
    "total": 5,
    "items": [
        {
            "key": "input_1",
            "kind": "input",
            "content_schema": {
                "type": "string",
                "title": "File with int number",
                "description": "Pick a file containing only one integer",
            },
        },
        {
            "key": "input_2",
            "kind": "input",
            "content_schema": {
                "title": "Sleep interval",
                "type": "integer",
                "description": "Choose an amount of time to sleep",
                "default": 2,
            },
        },
        {
            "key": "input_3",
            "kind": "input",
            "content_schema": {
                "title": "Fail after sleep",
                "type": "boolean",
                "description": "If set to true will cause service to fail after it sleeps",
                "default": False,
            },
        },
        {
            "key": "output_1",
            "kind": "output",
            "content_schema": {
                "type": "string",
                "title": "File containing one random integer",
                "description": "Integer is generated in range [1-9]",
            },
        },
        {
            "key": "output_2",
            "kind": "output",
            "content_schema": {
                "title": "Random sleep interval",
                "type": "integer",
                "description": "Interval is generated in range [1-9]",
            },
        },
    ],
}
JOB_NAME = re.compile(r"^([^\s/]+/?){1,10}$")


@pytest.fixture(scope="module")
def http():
    with requests.Session() as s:
        yield s


def get(http, emu, route, **params):
    return http.get(emu.url + route, params=params, timeout=T)


# --------------------------------------------------------------------------- discover
def test_search_datasets_filters_order_and_paging(emulator, http):
    page = get(http, emulator, "/discover/search/datasets").json()
    assert page["limit"] == 10 and page["offset"] == 0 and page["totalCount"] == 8
    assert {d["id"] for d in page["datasets"]} == {201, 202, 203, 204, 205, 207, 208, 209}
    assert all(set(d) >= DTO_REQUIRED for d in page["datasets"])
    assert [
        d["id"]
        for d in get(http, emulator, "/discover/search/datasets", query="vagus").json()["datasets"]
    ] == [201]
    tagged = get(
        http, emulator, "/discover/search/datasets", tags=["stomach", "spinal cord"]
    ).json()
    assert sorted(d["id"] for d in tagged["datasets"]) == [202, 203]
    assert [
        d["id"]
        for d in get(http, emulator, "/discover/search/datasets", embargo="true").json()["datasets"]
    ] == [205]
    assert (
        get(http, emulator, "/discover/search/datasets", embargo="False").json()["totalCount"] == 7
    )
    by_name = get(
        http, emulator, "/discover/search/datasets", orderBy="name", orderDirection="asc"
    ).json()
    names = [d["name"] for d in by_name["datasets"]]
    assert names == sorted(names, key=str.lower)
    by_size = get(
        http, emulator, "/discover/search/datasets", orderBy="size", orderDirection="desc"
    )
    assert by_size.json()["datasets"][0]["id"] == 204
    second = get(
        http, emulator, "/discover/search/datasets", orderBy="name", limit=2, offset=2
    ).json()
    assert second["limit"] == 2 and second["offset"] == 2 and second["totalCount"] == 8
    assert [d["name"] for d in second["datasets"]] == sorted(names, reverse=True)[2:4]
    org = get(http, emulator, "/discover/search/datasets", organization="University of Auckland")
    assert [d["id"] for d in org.json()["datasets"]] == [202]
    bad = get(http, emulator, "/discover/search/datasets", orderBy="nonsense")
    assert bad.status_code == 400 and isinstance(bad.json(), str) and "orderBy" in bad.json()


def test_list_datasets_and_dataset_by_id(emulator, http):
    page = get(http, emulator, "/discover/datasets", ids=[201, 203]).json()
    assert sorted(d["id"] for d in page["datasets"]) == [201, 203]
    assert {d["id"]: d["version"] for d in page["datasets"]} == {201: 2, 203: 2}
    assert get(http, emulator, "/discover/datasets", ids="x").json() == "ids must be numbers"
    ds = get(http, emulator, "/discover/datasets/201").json()
    assert set(ds) >= DTO_REQUIRED
    assert ds["version"] == 2 and ds["fileCount"] == 13 and ds["pennsieveSchemaVersion"] == "5.0"
    assert ds["uri"] == "s3://prd-sparc-discover50-use1/201/"
    assert {m["modelName"]: m["count"] for m in ds["modelCount"]} == {"researcher": 3, "subject": 6}
    assert ds["recordCount"] == 9
    readme = http.get(ds["readme"], timeout=T)
    assert readme.status_code == 200 and readme.text.startswith("# Heart rate response")
    banner = http.get(ds["banner"], timeout=T)
    assert banner.content.startswith(b"\x89PNG\r\n\x1a\n")
    missing = get(http, emulator, "/discover/datasets/999")
    assert missing.status_code == 404 and missing.json() == "999"
    gone = get(http, emulator, "/discover/datasets/206")
    assert gone.status_code == 410
    assert set(gone.json()) == {"id", "version", "name", "tags", "status", "doi", "updatedAt"}
    assert gone.json()["status"] == "UNPUBLISHED"
    doi = get(http, emulator, "/discover/datasets/doi/10.26275/gm7x-ab12").json()
    assert doi["id"] == 202
    many = get(
        http, emulator, "/discover/datasets/doi", doi=["10.26275/gm7x-ab12", "10.26275/wdr1-0001"]
    )
    assert set(many.json()["published"]) == {"10.26275/gm7x-ab12"}
    assert set(many.json()["unpublished"]) == {"10.26275/wdr1-0001"}
    tags = get(http, emulator, "/discover/tags").json()
    assert {"tag": "rat", "count": 2} in tags


def test_versions_and_layouts(emulator, http):
    versions = get(http, emulator, "/discover/datasets/201/versions").json()
    assert isinstance(versions, list) and [v["version"] for v in versions] == [1, 2]
    assert versions[0]["fileCount"] < versions[1]["fileCount"]
    legacy = get(http, emulator, "/discover/datasets/203/versions").json()
    assert [(v["pennsieveSchemaVersion"], v["uri"]) for v in legacy] == [
        ("3.0", "s3://pennsieve-prod-discover-publish-use1/203/1/"),
        ("4.0", "s3://pennsieve-prod-discover-publish-use1/203/2/"),
    ]
    root_v1 = get(http, emulator, "/discover/datasets/203/versions/1/files/browse").json()
    assert [f["name"] for f in root_v1["files"]] == ["packages", "manifest.json"]
    v1_files = get(
        http, emulator, "/discover/datasets/203/versions/1/files/browse", path="packages"
    )
    assert {f["uri"] for f in v1_files.json()["files"]} == {
        "s3://pennsieve-prod-discover-publish-use1/203/1/packages/README.txt",
        "s3://pennsieve-prod-discover-publish-use1/203/1/packages/morphology.csv",
    }
    one = get(http, emulator, "/discover/datasets/201/versions/1").json()
    assert one["version"] == 1 and one["versionPublishedAt"] < versions[1]["versionPublishedAt"]
    assert get(http, emulator, "/discover/datasets/201/versions/9").status_code == 404


def test_browse_directories_first_sizes_and_paging(emulator, http):
    root = get(http, emulator, "/discover/datasets/201/versions/2/files/browse").json()
    assert root["limit"] == 100 and root["totalCount"] == 2
    assert [(f["type"], f["name"]) for f in root["files"]] == [
        ("Directory", "files"),
        ("File", "manifest.json"),
    ]
    files = get(
        http, emulator, "/discover/datasets/201/versions/2/files/browse", path="files"
    ).json()
    types = [f["type"] for f in files["files"]]
    assert types == sorted(types, key=lambda t: t != "Directory")
    assert root["files"][0]["size"] == sum(f["size"] for f in files["files"])
    csv_entry = next(f for f in files["files"] if f["name"] == "subjects.csv")
    assert csv_entry["fileType"] == "CSV" and csv_entry["path"] == "files/subjects.csv"
    assert csv_entry["uri"] == "s3://prd-sparc-discover50-use1/201/files/subjects.csv"
    assert {"packageType", "icon", "sourcePackageId", "createdAt", "s3Version"} <= set(csv_entry)
    paged = get(
        http,
        emulator,
        "/discover/datasets/201/versions/2/files/browse",
        path="/files/",
        limit=2,
        offset=1,
    ).json()
    assert paged["totalCount"] == files["totalCount"] and len(paged["files"]) == 2
    assert paged["files"] == files["files"][1:3]
    embargoed = get(http, emulator, "/discover/datasets/205/versions/1/files/browse")
    assert embargoed.status_code == 401 and embargoed.json() == "Dataset is under embargo"
    bearer = http.get(
        emulator.url + "/discover/datasets/205/versions/1/files/browse",
        timeout=T,
        headers={"Authorization": "Bearer abc"},
    )
    assert bearer.status_code == 403 and bearer.json() == "Dataset is under embargo"


def test_hundred_thousand_file_dataset(emulator, http):
    ds = get(http, emulator, "/discover/datasets/204").json()
    assert ds["fileCount"] == 100_004
    browse = "/discover/datasets/204/versions/1/files/browse"
    primary = get(http, emulator, browse, path="files/primary").json()
    assert primary["totalCount"] == 100 and len(primary["files"]) == 100
    assert primary["files"][0] == {
        "type": "Directory",
        "name": "sub-001",
        "path": "files/primary/sub-001",
        "size": primary["files"][0]["size"],
    }
    sessions = get(http, emulator, browse, path="files/primary/sub-001").json()
    assert sessions["totalCount"] == 10
    assert primary["files"][0]["size"] == sum(s["size"] for s in sessions["files"])
    traces = get(
        http, emulator, browse, path="files/primary/sub-042/ses-07", offset=95, limit=10
    ).json()
    assert traces["totalCount"] == 100 and [f["name"] for f in traces["files"]] == [
        f"trace-{i:03d}.csv" for i in range(96, 101)
    ]
    total = sum(f["size"] for f in get(http, emulator, browse, path="files").json()["files"])
    manifest_size = get(
        http, emulator, "/discover/datasets/204/versions/1/files", path="manifest.json"
    ).json()["size"]
    assert total + manifest_size == ds["size"]
    node = get(
        http,
        emulator,
        "/discover/datasets/204/versions/1/files",
        path="files/primary/sub-042/ses-07/trace-099.csv",
    ).json()
    body = http.post(
        emulator.url + "/discover/datasets/204/versions/1/files/download-manifest",
        json={"paths": [node["path"]]},
        timeout=T,
    ).json()
    content = http.get(body["data"][0]["url"], timeout=T).content
    assert len(content) == node["size"] == body["header"]["size"]
    lines = content.decode().splitlines()
    assert lines[0] == "time_s,voltage_mV" and len(lines) - 1 == (node["size"] - 18) // 14
    found = get(
        http, emulator, "/discover/search/files", datasetId=204, query="099", limit=3
    ).json()
    assert found["totalCount"] == 1000 and len(found["files"]) == 3
    too_big = get(http, emulator, "/discover/datasets/204/versions/1/download")
    assert (
        too_big.status_code == 403
        and too_big.json() == "Dataset is too large to download directly."
    )


def test_file_metadata_path_forms(emulator, http):
    url = "/discover/datasets/201/versions/2/files"
    forms = [
        "files/subjects.csv",
        "/files/subjects.csv",
        "201/files/subjects.csv",
        "s3://prd-sparc-discover50-use1/201/files/subjects.csv",
    ]
    nodes = [get(http, emulator, url, path=p).json() for p in forms]
    assert all(n == nodes[0] for n in nodes) and nodes[0]["type"] == "File"
    assert "url" not in nodes[0]
    legacy = get(
        http,
        emulator,
        "/discover/datasets/203/versions/2/files",
        path="203/2/files/primary/morphology.csv",
    )
    assert legacy.json()["name"] == "morphology.csv"
    missing = get(http, emulator, url, path="files/nope.csv")
    assert missing.status_code == 404 and missing.json() == "files/nope.csv"


def test_download_manifest_and_presigned_urls(emulator, http):
    url = emulator.url + "/discover/datasets/201/versions/2/files/download-manifest"
    body = http.post(
        url, json={"paths": ["/files/primary/sub-01", "files/docs/figure1.png"]}, timeout=T
    ).json()
    assert body["header"]["count"] == 2 == len(body["data"])
    assert body["header"]["size"] == sum(d["size"] for d in body["data"])
    assert [(d["fileName"], d["path"]) for d in body["data"]] == [
        ("heart_rate.csv", ["files", "primary", "sub-01"]),
        ("figure1.png", ["files", "docs"]),
    ]
    for item in body["data"]:
        got = http.get(item["url"], timeout=T)
        assert got.status_code == 200 and len(got.content) == item["size"]
    png = http.get(body["data"][1]["url"], timeout=T)
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    rooted = http.post(
        url, json={"paths": ["files/primary"], "rootPath": "files/primary"}, timeout=T
    ).json()
    assert rooted["header"]["count"] == 6
    assert sorted(d["path"] for d in rooted["data"]) == [[f"sub-0{i}"] for i in range(1, 7)]
    bad_root = http.post(
        url, json={"paths": ["files/docs"], "rootPath": "files/primary"}, timeout=T
    )
    assert bad_root.status_code == 400
    assert bad_root.json() == "if root path is specified, all paths must begin with root path"
    too_big = http.post(
        emulator.url + "/discover/datasets/204/versions/1/files/download-manifest",
        json={"paths": ["files/primary"]},
        timeout=T,
    )
    assert (
        too_big.status_code == 403 and too_big.json() == "requested files are too large to download"
    )
    tampered = body["data"][0]["url"].replace("X-Amz-Signature=", "X-Amz-Signature=0")
    denied = http.get(tampered, timeout=T)
    assert denied.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in denied.content


def test_whole_dataset_download_is_a_zip(emulator, http):
    with http.get(
        emulator.url + "/discover/datasets/201/versions/2/download",
        timeout=T,
        params={"downloadOrigin": "SPARC"},
        stream=True,
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert r.headers["content-disposition"] == (
            "attachment; filename=Pennsieve-dataset-201-version-2.zip"
        )
        assert "content-length" not in r.headers  # streamed
        data = r.content
    ds = get(http, emulator, "/discover/datasets/201/versions/2").json()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == ds["fileCount"]
        assert all(n.startswith("Pennsieve-dataset-201-version-2/") for n in names)
        assert sum(i.file_size for i in zf.infolist()) == ds["size"]
        readme = zf.read("Pennsieve-dataset-201-version-2/files/README.md").decode()
        assert readme.startswith("# Heart rate response")
        assert zf.testzip() is None
    meta = get(http, emulator, "/discover/datasets/201/versions/2/metadata").json()
    assert meta["pennsieveDatasetId"] == 201 and meta["version"] == 2
    assert len(meta["files"]) == ds["fileCount"] - 1


def test_search_files_and_records(emulator, http):
    a = get(http, emulator, "/discover/search/files", fileType="csv", datasetId=201).json()
    b = get(http, emulator, "/discover/search/files", fileType="CSV", datasetId=201).json()
    assert a == b and a["totalCount"] == 8 and a["limit"] == 10
    assert {f["fileType"] for f in a["files"]} == {"CSV"}
    manifest = get(
        http, emulator, "/discover/search/files", fileType="json", query="manifest"
    ).json()
    assert {f["datasetId"] for f in manifest["files"]} == {201, 202, 203, 204, 207, 208, 209}
    assert {
        "name",
        "datasetId",
        "datasetVersion",
        "size",
        "fileType",
        "packageType",
        "icon",
        "uri",
    } <= set(manifest["files"][0])
    recs = get(
        http,
        emulator,
        "/discover/search/records",
        model="subject",
        datasetId=204,
        limit=5,
        offset=95,
    ).json()
    assert recs["totalCount"] == 100 and len(recs["records"]) == 5
    assert all(
        r["model"] == "subject" and isinstance(r["properties"], dict) for r in recs["records"]
    )
    assert all(isinstance(v, str) for r in recs["records"] for v in r["properties"].values())


# --------------------------------------------------------------------------- zipit
def zipit(http, emu, data, **kw):
    return http.post(emu.url + "/zipit/discover", json={"data": data}, timeout=T, **kw)


def test_zipit_single_file_is_raw(emulator, http):
    r = zipit(http, emulator, {"datasetId": 201, "version": 2, "paths": ["files/subjects.csv"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="subjects.csv"'
    assert r.content.startswith(b"subject_id,species,sex,age_weeks,weight_g\n")
    node = get(
        http, emulator, "/discover/datasets/201/versions/2/files", path="files/subjects.csv"
    ).json()
    assert len(r.content) == node["size"]


def test_zipit_several_files_folder_and_form(emulator, http):
    r = zipit(
        http,
        emulator,
        {
            "datasetId": 201,
            "version": 2,
            "archiveName": "my-selection",
            "paths": ["files/subjects.csv", "files/docs/figure1.png"],
        },
    )
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="my-selection.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == ["files/subjects.csv", "files/docs/figure1.png"]
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    form = http.post(
        emulator.url + "/zipit/discover",
        timeout=T,
        data={
            "data": json.dumps(
                {
                    "datasetId": 204,
                    "version": 1,
                    "paths": ["files/primary/sub-003"],
                    "rootPath": "files/primary",
                }
            )
        },
    )
    assert form.headers["content-disposition"] == 'attachment; filename="sub-003.zip"'
    with zipfile.ZipFile(io.BytesIO(form.content)) as zf:
        names = zf.namelist()
        assert len(names) == 1000 and names[0] == "sub-003/ses-01/trace-001.csv"
    folder = zipit(http, emulator, {"datasetId": 201, "version": 2, "paths": ["files/primary"]})
    assert folder.headers["content-disposition"] == 'attachment; filename="files.zip"'


INVALID = "the request was invalid"
UNKNOWN = "there was an error creating the zip, please check the logs"
NOT_A_NUMBER = (
    "body.data.datasetId must be a `number` type, but the final value was: `NaN` "
    '(cast from the value `"foo"`).'
)


@pytest.mark.parametrize(
    ("data", "status", "error", "info"),
    [
        ({"version": 1, "paths": ["x"]}, 400, INVALID, "body.data.datasetId is a required field"),
        ({"datasetId": "foo", "version": 1, "paths": ["x"]}, 400, INVALID, NOT_A_NUMBER),
        (
            {"datasetId": 201, "version": 2, "paths": []},
            400,
            INVALID,
            "body.data.paths field must have at least 1 items,\n"
            "body.data.paths is a required field",
        ),
        (
            {"datasetId": 201, "version": 2, "paths": ["files/subjects.csv"], "archiveName": "a"},
            400,
            INVALID,
            "body.data.archiveName can only be specified when multiple paths are specified",
        ),
        ({"datasetId": 201, "version": 2, "paths": ["files/none"]}, 500, "no data to download", ""),
        (
            {"datasetId": 999, "version": 1, "paths": ["files/x"]},
            500,
            UNKNOWN,
            "Request failed with status code 404",
        ),
        (
            {"datasetId": 204, "version": 1, "paths": ["files/primary"]},
            500,
            UNKNOWN,
            "Request failed with status code 403",
        ),
    ],
)
def test_zipit_errors_are_http_200_error_files(emulator, http, data, status, error, info):
    r = zipit(http, emulator, data)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="!ERROR.txt"'
    assert r.headers["content-type"].startswith("text/plain")
    assert r.json() == {"status": status, "error": error, "info": info}
    assert r.text.startswith('{\n  "status"')  # pretty-printed like JSON.stringify(_, _, 2)


def test_zipit_archive_too_big_is_422_in_body(tmp_path):
    with start_emulator(max_archive_mb=0.1, log_path=tmp_path / "emu.log") as emu:
        r = requests.post(
            emu.zipit_url + "/discover",
            timeout=T,
            json={"data": {"datasetId": 201, "version": 2, "paths": ["files/primary"]}},
        )
        assert r.status_code == 200 and r.json()["status"] == 422
        assert r.json()["error"] == "archive is too big to download"
    assert not emu.running()


# --------------------------------------------------------------------------- o²S²PARC
def auth(emu):
    return emu.credentials


def api(http, emu, method, path, **kw):
    return http.request(method, emu.url + path, auth=auth(emu), timeout=T, **kw)


def test_osparc_auth_profile_and_meta(emulator, http):
    denied = http.get(emulator.url + "/v0/me", timeout=T)
    assert (
        denied.status_code == 401
        and denied.json()["errors"]
        and denied.json()["support_id"] is None
    )
    wrong = http.get(emulator.url + "/v0/me", auth=("a", "b"), timeout=T)
    assert wrong.status_code == 401 and set(wrong.json()) == {"errors", "support_id"}
    me = api(http, emulator, "GET", "/v0/me").json()
    assert me["id"] > 0 and me["login"] == "ada.lovelace@example.org" and me["role"] == "USER"
    meta = http.get(emulator.url + "/v0/meta", timeout=T).json()
    assert meta["version"] == "0.13.0" and meta["name"]


def test_osparc_solvers_and_ports(emulator, http):
    latest = {s["id"]: s["version"] for s in api(http, emulator, "GET", "/v0/solvers").json()}
    assert latest == {SLEEPER: "2.0.2", "simcore/services/comp/labpanels/csv-summary": "1.0.0"}
    assert len(api(http, emulator, "GET", "/v0/solvers/releases").json()) == 3
    raw = api(http, emulator, "GET", f"/v0/solvers/{SLEEPER}/releases/2.0.2").json()
    enc = api(http, emulator, "GET", f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2").json()
    assert raw == enc and raw["title"] == "sleeper" and raw["maintainer"]
    assert raw["url"].endswith(f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2")
    assert (
        api(http, emulator, "GET", f"/v0/solvers/{SLEEPER_Q}/latest").json()["version"] == "2.0.2"
    )
    releases = api(
        http,
        emulator,
        "GET",
        "/v0/solvers/simcore%2Fservices%2Fcomp%2Flabpanels%2Fcsv-summary/releases",
    )
    assert [s["version"] for s in releases.json()] == ["0.9.0", "1.0.0"]
    ports = api(http, emulator, "GET", f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2/ports").json()
    assert ports == SLEEPER_PORTS
    unknown = api(
        http, emulator, "GET", "/v0/solvers/simcore%2Fservices%2Fcomp%2Fnope/releases/1.0.0"
    )
    assert unknown.status_code == 404 and unknown.json()["errors"]


def upload_050(http, emu, name: str, data: bytes) -> dict:
    r = api(http, emu, "PUT", "/v0/files/content", files={"file": (name, data, "text/plain")})
    assert r.status_code == 200, r.text
    return r.json()


def test_osparc_upload_multipart_put_search_and_download(emulator, http):
    data = b"7"
    f = upload_050(http, emulator, "seven.txt", data)
    assert f["filename"] == "seven.txt" and f["checksum"] == hashlib.sha256(data).hexdigest()
    assert f["e_tag"] == hashlib.md5(data).hexdigest()
    found = api(
        http, emulator, "GET", "/v0/files:search", params={"sha256_checksum": f["checksum"]}
    ).json()
    assert set(found) == {"items", "total", "limit", "offset", "links"}
    assert found["total"] >= 1 and f["id"] in [x["id"] for x in found["items"]]
    assert set(found["links"]) == {"first", "last", "self", "next", "prev"}
    redirect = api(http, emulator, "GET", f"/v0/files/{f['id']}/content", allow_redirects=False)
    assert redirect.status_code == 307 and "/s3/" in redirect.headers["location"]
    got = http.get(redirect.headers["location"], timeout=T)
    assert (
        got.content == data
        and got.headers["content-disposition"] == 'attachment; filename="seven.txt"'
    )
    assert api(http, emulator, "GET", f"/v0/files/{f['id']}").json() == f
    missing = api(http, emulator, "GET", "/v0/files/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "not found" in missing.json()["errors"][0]


def test_osparc_upload_links_parts_complete_and_abort(emulator, http):
    data = bytes(range(256)) * 800  # 204,800 bytes -> 4 parts of 64 KiB
    sha = hashlib.sha256(data).hexdigest()
    links = api(
        http,
        emulator,
        "POST",
        "/v0/files/content",
        json={"filename": "blob.bin", "filesize": len(data), "sha256_checksum": sha},
    ).json()
    schema = links["upload_schema"]
    assert schema["chunk_size"] == 64 * 1024 and len(schema["urls"]) == 4
    assert schema["links"]["complete_upload"] == f"/v0/files/{links['file_id']}:complete"
    parts = []
    for n, url in enumerate(schema["urls"], start=1):
        chunk = data[(n - 1) * schema["chunk_size"] : n * schema["chunk_size"]]
        r = http.put(url, data=chunk, timeout=T)  # presigned: no auth
        assert r.status_code == 200
        etag = r.headers["ETag"]
        assert etag == f'"{hashlib.md5(chunk).hexdigest()}"'  # quoted, as S3 sends it
        parts.append({"number": n, "e_tag": json.loads(etag)})
    client_file = {"filename": "blob.bin", "filesize": len(data), "sha256_checksum": sha}
    wrong = [dict(parts[0], e_tag="0" * 32), *parts[1:]]
    bad = api(
        http,
        emulator,
        "POST",
        schema["links"]["complete_upload"],
        json={"client_file": client_file, "uploaded_parts": {"parts": wrong}},
    )
    assert bad.status_code == 409
    done = api(
        http,
        emulator,
        "POST",
        schema["links"]["complete_upload"],
        json={"client_file": client_file, "uploaded_parts": {"parts": parts}},
    ).json()
    assert done["id"] == links["file_id"] and done["checksum"] == sha
    assert done["e_tag"].endswith("-4")
    content = api(http, emulator, "GET", f"/v0/files/{done['id']}/content").content
    assert content == data
    other = api(
        http,
        emulator,
        "POST",
        "/v0/files/content",
        json={"filename": "x.txt", "filesize": 1, "sha256_checksum": sha},
    ).json()
    abort = api(
        http,
        emulator,
        "POST",
        other["upload_schema"]["links"]["abort_upload"],
        json={"client_file": client_file},
    )
    assert abort.status_code == 200 and abort.json() == {}
    assert http.put(other["upload_schema"]["urls"][0], data=b"x", timeout=T).status_code == 404
    bad_sha = api(
        http,
        emulator,
        "POST",
        "/v0/files/content",
        json={"filename": "x", "filesize": 1, "sha256_checksum": "nothex"},
    )
    assert (
        bad_sha.status_code == 422 and bad_sha.json()["errors"][0]["loc"][-1] == "sha256_checksum"
    )


def wait_done(http, emu, base, job_id, timeout=30.0) -> list[dict]:
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = api(http, emu, "POST", f"{base}/jobs/{job_id}:inspect").json()
        seen.append(status)
        if status["stopped_at"] is not None:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} not done: {seen[-1]}")


def test_osparc_sleeper_job_lifecycle(emulator, http):
    base = f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2"
    f = upload_050(http, emulator, "input.txt", b"3")
    created = api(
        http,
        emulator,
        "POST",
        f"{base}/jobs",
        json={"values": {"input_1": f, "input_2": 3, "input_3": False}},
    )
    assert created.status_code == 201
    job = created.json()
    assert JOB_NAME.match(job["name"]) and JOB_NAME.match(job["runner_name"])
    assert job["name"] == f"solvers/{SLEEPER_Q}/releases/2.0.2/jobs/{job['id']}"
    early = api(http, emulator, "GET", f"{base}/jobs/{job['id']}/outputs/logfile")
    assert (
        early.status_code == 404
        and "only available after the job is completed" in early.json()["errors"][0]
    )
    assert (
        api(http, emulator, "POST", f"{base}/jobs/{job['id']}:inspect").json()["state"]
        == "NOT_STARTED"
    )
    with http.get(
        emulator.url + f"{base}/jobs/{job['id']}/logstream",
        auth=auth(emulator),
        timeout=T,
        stream=True,
    ) as empty:
        assert empty.status_code == 200 and empty.text == ""
    start = api(http, emulator, "POST", f"{base}/jobs/{job['id']}:start")
    assert start.status_code == 202 and start.json()["state"] == "PUBLISHED"
    assert api(http, emulator, "POST", f"{base}/jobs/{job['id']}:start").status_code == 200
    with http.get(
        emulator.url + f"{base}/jobs/{job['id']}/logstream",
        auth=auth(emulator),
        timeout=T,
        stream=True,
    ) as stream:
        assert stream.headers["content-type"].startswith("application/x-ndjson")
        logs = [json.loads(line) for line in stream.iter_lines() if line]
    messages = [m for entry in logs for m in entry["messages"]]
    assert "Will sleep for 3 seconds" in messages
    assert [m for m in messages if m.startswith("[PROGRESS]")] == [
        "[PROGRESS] 1/3...",
        "[PROGRESS] 2/3...",
        "[PROGRESS] 3/3...",
    ]
    assert all(entry["job_id"] == job["id"] for entry in logs)
    seen = wait_done(http, emulator, base, job["id"])
    final = seen[-1]
    assert final["state"] == "SUCCESS" and final["progress"] == 100 and final["errors"] is None
    assert final["started_at"] and final["stopped_at"] >= final["started_at"]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)
    outputs = api(http, emulator, "GET", f"{base}/jobs/{job['id']}/outputs").json()
    assert outputs["job_id"] == job["id"] and set(outputs["results"]) == {"output_1", "output_2"}
    assert 1 <= outputs["results"]["output_2"] <= 9
    out_file = outputs["results"]["output_1"]
    assert out_file["filename"] == "single_number.txt"
    number = api(http, emulator, "GET", f"/v0/files/{out_file['id']}/content").text
    assert 1 <= int(number) <= 9
    assert hashlib.sha256(number.encode()).hexdigest() == out_file["checksum"]
    log = api(
        http, emulator, "GET", f"{base}/jobs/{job['id']}/outputs/logfile", allow_redirects=False
    )
    assert log.status_code == 307
    zipped = http.get(log.headers["location"], timeout=T)
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        assert zf.namelist() == ["sleeper_2.0.2.logs"]
        text = zf.read("sleeper_2.0.2.logs").decode()
    assert "[PROGRESS] 3/3..." in text and "Will sleep for 3 seconds" in text


def test_osparc_failing_stopped_and_invalid_jobs(emulator, http):
    base = f"/v0/solvers/{SLEEPER}/releases/2.0.2"
    f = upload_050(http, emulator, "one.txt", b"1")
    fail = api(
        http,
        emulator,
        "POST",
        f"{base}/jobs",
        json={"values": {"input_1": f, "input_2": 1.0, "input_3": 1}},
    ).json()
    api(http, emulator, "POST", f"{base}/jobs/{fail['id']}:start")
    final = wait_done(http, emulator, base, fail["id"])[-1]
    assert final["state"] == "FAILED"
    assert final["errors"][0]["msg"] == "Failing after sleep as requested"
    assert {"loc", "msg", "type"} <= set(final["errors"][0])
    refused = api(http, emulator, "GET", f"{base}/jobs/{fail['id']}/outputs")
    assert refused.status_code == 409 and refused.json()["errors"]
    log = api(http, emulator, "GET", f"{base}/jobs/{fail['id']}/outputs/logfile")
    with zipfile.ZipFile(io.BytesIO(log.content)) as zf:
        assert "Failing after sleep as requested" in zf.read("sleeper_2.0.2.logs").decode()

    slow = api(
        http, emulator, "POST", f"{base}/jobs", json={"values": {"input_1": f, "input_2": 200}}
    ).json()
    api(http, emulator, "POST", f"{base}/jobs/{slow['id']}:start")
    stopped = api(http, emulator, "POST", f"{base}/jobs/{slow['id']}:stop").json()
    assert stopped["state"] == "ABORTED" and stopped["stopped_at"]

    bad_type = api(http, emulator, "POST", f"{base}/jobs", json={"values": {"input_2": "soon"}})
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["loc"] == ["body", "values", "input_2"]
    unknown_file = api(
        http,
        emulator,
        "POST",
        f"{base}/jobs",
        json={
            "values": {
                "input_1": {"id": "00000000-0000-0000-0000-000000000000", "filename": "x.txt"}
            }
        },
    )
    assert unknown_file.status_code == 404
    assert api(http, emulator, "DELETE", f"{base}/jobs/{slow['id']}").status_code == 204
    assert api(http, emulator, "GET", f"{base}/jobs/{slow['id']}").status_code == 404


def test_osparc_csv_summary_solver(emulator, http):
    table = "group,value,weight\n" + "".join(f"{'ab'[i % 2]},{i},{i * 0.5}\n" for i in range(1, 11))
    f = upload_050(http, emulator, "table.csv", table.encode())
    base = "/v0/solvers/simcore%2Fservices%2Fcomp%2Flabpanels%2Fcsv-summary/releases/1.0.0"
    job = api(http, emulator, "POST", f"{base}/jobs", json={"values": {"input_1": f}}).json()
    api(http, emulator, "POST", f"{base}/jobs/{job['id']}:start")
    assert wait_done(http, emulator, base, job["id"])[-1]["state"] == "SUCCESS"
    results = api(http, emulator, "GET", f"{base}/jobs/{job['id']}/outputs").json()["results"]
    assert results["output_3"] == 10 and results["output_4"] == 2
    report = json.loads(
        api(http, emulator, "GET", f"/v0/files/{results['output_2']['id']}/content").text
    )
    value = next(c for c in report["columns"] if c["column"] == "value")
    assert (
        value["mean"] == 5.5 and value["min"] == 1 and value["max"] == 10 and value["median"] == 5.5
    )
    assert report["skipped_columns"] == ["group"]
    summary = api(http, emulator, "GET", f"/v0/files/{results['output_1']['id']}/content").text
    assert summary.splitlines()[0].startswith("column,count,missing,mean,std")


def test_osparc_job_listing_pages(emulator, http):
    f = upload_050(http, emulator, "two.txt", b"2")
    base = f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2"
    for _ in range(3):
        api(http, emulator, "POST", f"{base}/jobs", json={"values": {"input_1": f}})
    page = api(http, emulator, "GET", f"{base}/jobs/page", params={"limit": 2}).json()
    assert (
        page["limit"] == 2
        and page["offset"] == 0
        and page["total"] >= 3
        and len(page["items"]) == 2
    )
    nxt = http.get(page["links"]["next"], auth=auth(emulator), timeout=T).json()
    assert nxt["offset"] == 2 and nxt["items"][0]["id"] not in {j["id"] for j in page["items"]}
    mine = api(
        http, emulator, "GET", "/v0/solvers/-/releases/-/jobs/page", params={"limit": 50}
    ).json()
    assert mine["total"] >= page["total"]
    assert len(api(http, emulator, "GET", f"{base}/jobs").json()) <= 20
    bad = api(http, emulator, "GET", f"{base}/jobs/page", params={"limit": 500})
    assert bad.status_code == 422


def test_osparc_fault_injection_retry_after(emulator, http):
    http.post(
        emulator.url + "/_emulator/faults",
        json={"path": "/v0/me", "status": 503, "retry_after": 1},
        timeout=T,
    )
    first = api(http, emulator, "GET", "/v0/me")
    assert first.status_code == 503 and first.headers["Retry-After"] == "1"
    assert api(http, emulator, "GET", "/v0/me").status_code == 200


# --------------------------------------------------------------------------- process handle
def test_start_and_stop_handle(tmp_path):
    key = base64.b16encode(b"k").decode()
    with start_emulator(api_key=key, api_secret="s", log_path=tmp_path / "emu.log") as emu:
        assert emu.running() and emu.credentials == (key, "s")
        assert emu.pennsieve_url == emu.url + "/discover" and emu.zipit_url == emu.url + "/zipit"
        assert requests.get(emu.url + "/healthz", timeout=T).text == "ok"
        assert requests.get(emu.url + "/v0/me", auth=(key, "s"), timeout=T).status_code == 200
        port = emu.port
    assert not emu.running()
    with socket.socket() as sock:
        sock.settimeout(1)
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_shutting_the_emulator_down_stops_every_running_job(tmp_path):
    """The app's shutdown cancels the solver jobs and the study jobs that still run, and
    waits for them: none is left running (nor half-stopped) when it returns."""

    import httpx

    from labpanels.demo.emulator.app import create_app
    from labpanels.demo.emulator.common import Settings

    settings = Settings(data_dir=str(tmp_path))
    app = create_app(settings)
    osparc = app.state.osparc
    sleepers = next(s for s in osparc.studies.studies.values()
                    if s.title == "Two sleepers in a row")

    async def run() -> list:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=transport, base_url="http://emu",
                                         auth=(settings.api_key, settings.api_secret)) as client:
                base = f"/v0/solvers/{SLEEPER_Q}/releases/2.0.2/jobs"
                solver = (await client.post(base, json={"values": {"input_2": 500}})).json()
                assert (await client.post(f"{base}/{solver['id']}:start")).status_code == 202
                studies = f"/v0/studies/{sleepers.uid}/jobs"
                study = (await client.post(studies, json={"values": {"Sleep interval": 500}})
                         ).json()
                assert (await client.post(f"{studies}/{study['id']}:start")).status_code == 202
            jobs = [osparc.runner.jobs[solver["id"]], osparc.studies.jobs[study["id"]]]
            assert all(job.task is not None and not job.task.done() for job in jobs)
        # the app has shut down; the loop still runs, so nothing else could stop them
        return [(job.task.done(), job.state) for job in jobs]

    assert _run_apart(run()) == [(True, "ABORTED"), (True, "ABORTED")]


def _nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio accepted on ``listener`` (as uvicorn serves)."""
    import asyncio

    async def main() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    return _run_apart(main())


def test_emulator_connections_send_small_answers_at_once():
    """The emulator's (and the download benchmark's) listening socket gives every accepted
    connection TCP_NODELAY; a socket made with protocol 0, as before, did not."""
    from labpanels.demo.emulator.__main__ import listening_socket

    assert _nodelay_of_accepted(listening_socket("127.0.0.1", 0)) != 0
    plain = socket.socket()  # what the emulator used to make
    plain.bind(("127.0.0.1", 0))
    plain.listen(8)
    assert _nodelay_of_accepted(plain) == 0


def _run_apart(coroutine):
    """``asyncio.run`` on a thread of its own: in a whole test run, the browser tests'
    Playwright (sync API) keeps an event loop running on the main thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=120)
