"""labpanels.sparc.SparcClient runs sparc.client's tutorial flow against the emulator."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from labpanels.errors import AuthenticationError, BadRequest, NotFound
from labpanels.osparc import JobFailedError
from labpanels.pennsieve import ZipitError
from labpanels.sparc import SparcClient
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(60)
SLEEPER = "simcore/services/comp/itis/sleeper"


@pytest.fixture
def client(emulator, tmp_path, monkeypatch):
    for name in ("O2SPARC_HOST", "O2SPARC_USERNAME", "O2SPARC_PASSWORD", "PENNSIEVE_HOST"):
        monkeypatch.delenv(name, raising=False)
    key, secret = emulator.credentials
    config = tmp_path / "config.ini"
    config.write_text(
        "[global]\ndefault_profile = emulator\n\n[emulator]\npennsieve_profile_name = emulator\n"
        f"pennsieve_host = {emulator.url}\no2sparc_host = {emulator.osparc_url}\n"
        f"o2sparc_username = {key}\no2sparc_password = {secret}\n"
    )
    monkeypatch.chdir(tmp_path)
    return SparcClient(connect=False, config_file=str(config))


def test_pennsieve_search_methods_return_sparc_client_shapes(client):
    assert client.module_names == ["metadata", "o2sparc", "pennsieve"]
    pennsieve = client.pennsieve
    assert pennsieve.get_profile() == "emulator"
    page = pennsieve.list_datasets(limit=2, query="vagus nerve", embargo=False)
    assert set(page) == {"limit", "offset", "totalCount", "datasets"}
    assert (page["totalCount"], page["limit"], [d["id"] for d in page["datasets"]]) == (1, 2, [201])
    by_name = pennsieve.list_datasets(limit=10, order_by="name", order_direction="asc")
    names = [d["name"] for d in by_name["datasets"]]
    assert names == sorted(names, key=str.lower) and len(names) == 8
    assert sorted(d["id"] for d in pennsieve.list_datasets(tags=["stomach"])["datasets"]) == [202]
    with pytest.raises(BadRequest, match="orderBy"):  # sparc.client returns None here
        pennsieve.list_datasets(order_by="nonsense")
    records = pennsieve.list_records(limit=5, model="researcher", organization="SPARC Consortium")
    assert records["totalCount"] == 7 and len(records["records"]) == 5
    assert pennsieve.list_records(model="subject", dataset_id=201)["totalCount"] == 6
    files = pennsieve.list_files(dataset_id=201, query="heart_rate", file_type="csv", limit=3)
    assert isinstance(files, list) and [f["name"] for f in files] == ["heart_rate.csv"] * 3
    assert all(f["fileType"] == "CSV" and f["datasetVersion"] == 2 for f in files)
    assert pennsieve.list_filenames(dataset_id=203, file_type="csv") == [
        "files/primary/morphology.csv"
    ]
    assert pennsieve.list_filenames(dataset_id=201, query="manifest") == ["manifest.json"]


def test_pennsieve_downloads_and_passthrough(client, emulator, tmp_path):
    pennsieve = client.pennsieve
    files = pennsieve.list_files(dataset_id=201, query="heart_rate", file_type="csv", limit=3)
    response = pennsieve.download_file(files[0], output_name=str(tmp_path / "one.csv"))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="heart_rate.csv"'
    content = (tmp_path / "one.csv").read_bytes()
    assert len(content) == files[0]["size"]
    assert content.startswith(b"time_s,heart_rate_bpm,stim_current_mA\n")
    pennsieve.download_file(files[:2])  # several files: a zip named download.gz, as before
    with zipfile.ZipFile(tmp_path / "download.gz") as zf:
        assert sorted(zf.namelist()) == [
            "files/primary/sub-01/heart_rate.csv",
            "files/primary/sub-02/heart_rate.csv",
        ]
    # the root manifest.json (no "files/" in its URI) downloads; sparc.client saved an error
    (manifest,) = pennsieve.list_files(dataset_id=201, query="manifest", file_type="json")
    pennsieve.download_file(manifest, output_name="manifest.json")
    assert json.loads(Path("manifest.json").read_text())["pennsieveDatasetId"] == 201
    missing = {**files[0], "uri": "s3://prd-sparc-discover50-use1/201/files/nope.csv"}
    with pytest.raises(ZipitError, match="no data to download"):
        pennsieve.download_file(missing, output_name="nope.csv")
    assert not Path("nope.csv").exists()  # zipit's error is not saved as the file
    with pytest.raises(ValueError, match="one dataset"):
        pennsieve.download_file([files[0], {**files[1], "datasetId": 202}])

    browse = pennsieve.get(
        f"{emulator.url}/discover/datasets/201/versions/2/files/browse", params={"limit": 2}
    )
    assert browse["limit"] == 2 and [f["name"] for f in browse["files"]] == [
        "files",
        "manifest.json",
    ]
    rel = pennsieve.get(
        "/discover/datasets/204/versions/1/files/browse",
        params={"path": "files/primary", "limit": 3},
    )
    assert rel["totalCount"] == 100 and [f["name"] for f in rel["files"]] == [
        "sub-001",
        "sub-002",
        "sub-003",
    ]
    posted = pennsieve.post(
        "/discover/datasets/201/versions/2/files/download-manifest",
        json={"paths": ["/files/derivative", "files/docs/figure1.png"]},
    )
    assert [(d["fileName"], d["path"]) for d in posted["data"]] == [
        ("summary.csv", ["files", "derivative"]),
        ("figure1.png", ["files", "docs"]),
    ]
    with pytest.raises(NotFound):
        pennsieve.get("/discover/datasets/999")
    pennsieve.host_api = emulator.url  # sparc.client's way of re-pointing still works
    assert pennsieve.list_datasets(limit=1)["totalCount"] == 8


def run_job(solver, inputs: dict) -> tuple[str, list[float]]:
    job_id = solver.submit_job(inputs)
    progress = []
    deadline = time.monotonic() + 30
    while not solver.job_done(job_id):
        progress.append(solver.get_job_progress(job_id))
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return job_id, progress


def test_o2sparc_sleeper_flow(client, tmp_path):
    o2 = client.o2sparc
    assert o2.get_profile() == "ada.lovelace@example.org"
    solver = o2.get_solver(SLEEPER, "2.0.2")
    number = tmp_path / "number.txt"
    number.write_text("5")
    job_id, progress = run_job(solver, {"input_1": number, "input_2": 3, "input_3": False})
    assert progress == sorted(progress) and all(0.0 <= p <= 1.0 for p in progress)
    assert solver.get_job_progress(job_id) == 1.0
    results = solver.get_results(job_id)
    assert results["output_1"].name == "single_number.txt"
    assert 1 <= int(results["output_1"].read_text()) <= 9
    assert type(results["output_2"]) is int  # sparc.client (osparc 0.5.0) gives a float
    logs = solver.get_job_log(job_id)
    text = (Path(logs.name) / "sleeper_2.0.2.logs").read_text()
    assert "Will sleep for 4 seconds" in text and "[PROGRESS] 4/4..." in text
    logs.cleanup()


def test_o2sparc_failed_job_is_not_reported_as_done(client, tmp_path):
    solver = client.o2sparc.get_solver(SLEEPER, "2.0.2")
    number = tmp_path / "number.txt"
    number.write_text("1")
    with pytest.raises(JobFailedError, match="Failing after sleep as requested") as caught:
        run_job(solver, {"input_1": number, "input_2": 1.0, "input_3": 1})
    job_id = caught.value.job_id
    assert caught.value.state == "FAILED"
    with pytest.raises(JobFailedError):
        solver.get_results(job_id)
    logs = solver.get_job_log(job_id)
    assert (
        "Failing after sleep as requested" in (Path(logs.name) / "sleeper_2.0.2.logs").read_text()
    )
    logs.cleanup()
    with pytest.raises(FileNotFoundError):
        solver.submit_job({"input_1": tmp_path / "absent.txt"})


def test_o2sparc_wrong_credentials(client, emulator):
    with pytest.raises(AuthenticationError, match="refused API key 'nobody'"):
        client.o2sparc.set_profile("nobody", "nothing")
    key, secret = emulator.credentials
    assert client.o2sparc.set_profile(key, secret) == "ada.lovelace@example.org"
