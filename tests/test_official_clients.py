"""The official clients against the emulator: osparc 0.8.5, and sparc-client 0.4.1 (osparc 0.5.0).

Each client runs in a cached side environment of its own (``ensure_venv``: the two pin
incompatible osparc versions), executes a script from ``tests/official_clients/`` against
the emulator and prints a JSON report that these tests check.  Building an environment the
first time takes about a minute (sparc-client pulls ~380 MB); later runs reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from labpanels.demo.venvs import ensure_venv
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.side_envs import OSPARC_REQUIREMENTS, SPARC_REQUIREMENTS

HERE = Path(__file__).parent / "official_clients"
SCRIPT_TIMEOUT = 180


def run_script(python: Path, script: str, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [str(python), str(HERE / script)],
        env={**os.environ, **env, "PYTHONNOUSERSITE": "1"},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def osparc_085_report(emulator, tmp_path_factory) -> dict:
    python = ensure_venv("osparc085", OSPARC_REQUIREMENTS)
    key, secret = emulator.credentials
    env = {
        "OSPARC_API_HOST": emulator.osparc_url,
        "OSPARC_API_KEY": key,
        "OSPARC_API_SECRET": secret,
        "WORKDIR": str(tmp_path_factory.mktemp("osparc085")),
    }
    return run_script(python, "osparc_085_flow.py", env)


@pytest.fixture(scope="module")
def sparc_report(emulator, tmp_path_factory) -> dict:
    python = ensure_venv("sparcclient041", SPARC_REQUIREMENTS)
    work = tmp_path_factory.mktemp("sparcclient")
    config = work / "sparc-config.ini"
    key, secret = emulator.credentials
    config.write_text(
        "[global]\ndefault_profile = emulator\n\n[emulator]\npennsieve_profile_name = emulator\n"
        f"o2sparc_host = {emulator.osparc_url}\no2sparc_username = {key}\n"
        f"o2sparc_password = {secret}\n"
    )
    env = {"EMULATOR_URL": emulator.url, "SPARC_CONFIG": str(config), "WORKDIR": str(work)}
    for name in ("O2SPARC_HOST", "O2SPARC_USERNAME", "O2SPARC_PASSWORD"):
        env[name] = ""  # sparc.client prefers these over the INI; empty = unset for it
    return run_script(python, "sparc_client_flow.py", env)


# --------------------------------------------------------------------------- osparc 0.8.5
@pytest.mark.timeout(900)
def test_osparc_085_profile_solvers_ports(osparc_085_report):
    r = osparc_085_report
    assert r["osparc_version"] == "0.8.5"
    assert r["profile"]["id"] > 0 and r["profile"]["login"] == "ada.lovelace@example.org"
    assert r["solver"] == {"id": "simcore/services/comp/itis/sleeper", "version": "2.0.2",
                           "title": "sleeper"}  # fmt: skip
    assert r["csv_summary_latest"] == "1.0.0" and r["releases"] == ["0.9.0", "1.0.0"]
    assert len(r["all_solvers"]) == 3
    assert [(p["key"], p["kind"]) for p in r["ports"]] == [
        ("input_1", "input"),
        ("input_2", "input"),
        ("input_3", "input"),
        ("output_1", "output"),
        ("output_2", "output"),
    ]
    assert r["ports"][1]["schema"] == {
        "title": "Sleep interval",
        "type": "integer",
        "description": "Choose an amount of time to sleep",
        "default": 2,
    }
    assert r["bad_credentials"]["status"] == 401
    assert set(r["bad_credentials"]["body"]) == {"errors", "support_id"}


@pytest.mark.timeout(900)
def test_osparc_085_uploads(osparc_085_report):
    up = osparc_085_report["upload"]
    assert up["filename"] == "input.txt"
    assert up["checksum"] == hashlib.sha256(b"3").hexdigest()
    assert up["e_tag"] == hashlib.md5(b"3").hexdigest()
    assert up["again_same_id"] is True  # files:search found it: no second upload
    multi = osparc_085_report["multipart"]
    assert multi["size"] > 3 * 64 * 1024  # several 64 KiB parts
    assert multi["e_tag"].endswith("-4") and len(multi["checksum"]) == 64
    assert osparc_085_report["search"] == [multi["id"]]


@pytest.mark.timeout(900)
def test_osparc_085_sleeper_success(osparc_085_report):
    job = osparc_085_report["sleeper_ok"]
    assert job["start_state"] == "PUBLISHED" and job["state"] == "SUCCESS"
    assert job["progress"] == 100 and job["errors"] == []
    assert job["progress_seen"] == sorted(job["progress_seen"])
    assert job["name"].startswith("solvers/simcore%2Fservices%2Fcomp%2Fitis%2Fsleeper/releases/")
    outputs = job["outputs"]
    assert outputs["output_1"]["file"] == "single_number.txt"
    assert 1 <= int(outputs["output_1"]["content"]) <= 9 and 1 <= outputs["output_2"] <= 9
    (log,) = job["logs"].values()
    assert list(job["logs"]) == ["sleeper_2.0.2.logs"]
    assert "Will sleep for 3 seconds" in log
    assert [line.split(" ", 1)[1] for line in log.splitlines() if "[PROGRESS]" in line] == [
        "[PROGRESS] 1/3...",
        "[PROGRESS] 2/3...",
        "[PROGRESS] 3/3...",
    ]
    assert osparc_085_report["jobs_listed"] >= 2
    assert osparc_085_report["stopped"] == "ABORTED"


@pytest.mark.timeout(900)
def test_osparc_085_log_stream(osparc_085_report):
    stream = osparc_085_report["log_stream"]
    assert stream["status"] == 200 and stream["content_type"].startswith("application/x-ndjson")
    assert stream["state_at_first_line"] == "STARTED" and stream["state_after"] == "SUCCESS"
    assert {tuple(sorted(e)) for e in stream["entries"]} == {
        ("job_id", "log_level", "messages", "node_id")}  # JobLog, as the spec has it
    assert all(e["job_id"] == stream["job_id"] for e in stream["entries"])
    messages = [m for e in stream["entries"] for m in e["messages"]]
    (logfile,) = stream["logfile"].values()
    assert messages == [line.split(" ", 1)[1] for line in logfile.splitlines()]
    assert any(m.startswith("[PROGRESS]") for m in messages)


@pytest.mark.timeout(900)
def test_osparc_085_sleeper_failure(osparc_085_report):
    job = osparc_085_report["sleeper_fail"]
    assert job["state"] == "FAILED"
    assert job["errors"][0]["msg"] == "Failing after sleep as requested"
    assert job["outputs_error"] == 409  # no outputs for a failed job
    assert "Failing after sleep as requested" in job["logs"]["sleeper_2.0.2.logs"]
    assert "[PROGRESS] 2/2..." in job["logs"]["sleeper_2.0.2.logs"]


@pytest.mark.timeout(900)
def test_osparc_085_csv_summary(osparc_085_report):
    job = osparc_085_report["csv_summary"]
    assert job["state"] == "SUCCESS"
    out = job["outputs"]
    assert out["output_3"] == 20000 and out["output_4"] == 2
    report = json.loads(out["output_2"]["content"])
    x = next(c for c in report["columns"] if c["column"] == "x")
    assert x["mean"] == 9999.5 and x["min"] == 0 and x["max"] == 19999
    assert report["skipped_columns"] == ["label"]
    assert out["output_1"]["content"].splitlines()[1].startswith("x,20000,0,9999.5,")


@pytest.mark.timeout(900)
def test_osparc_085_lists_a_solvers_past_jobs_page_by_page(osparc_085_report):
    h = osparc_085_report["job_history"]
    assert h["len"] == len(h["ids"]) == h["page_total"] > 20  # two pages of 20 followed
    assert len(set(h["ids"])) == len(h["ids"])
    assert h["names"] == ["solvers/simcore%2Fservices%2Fcomp%2Fitis%2Fsleeper/releases/2.0.2"]
    assert h["page_sizes"] == [5, 5] and h["pages_disjoint"]
    assert h["next_link"].endswith("limit=5&offset=5")
    # the emulator's seeded past jobs are there, finished, with their logs
    assert h["oldest_state"] == "SUCCESS" and h["oldest_stopped"]
    (log,) = h["oldest_logs"].values()
    assert "Will sleep for" in log and log.rstrip().endswith("Service finished successfully")


@pytest.mark.timeout(900)
def test_osparc_085_lists_clones_and_runs_a_study(osparc_085_report):
    st = osparc_085_report["studies"]
    assert st["titles"] == ["Two sleepers in a row", "Wait, then summarise a table"]
    assert st["page"]["total"] == 2 and st["page"]["items"] == 1
    assert st["page"]["next"].endswith("limit=1&offset=1")
    assert st["got"]["title"] == "Two sleepers in a row"
    assert st["ports"] == [
        {"kind": "input", "title": "Number"},
        {"kind": "input", "title": "Sleep interval"},
        {"kind": "input", "title": "Fail at the end"},
        {"kind": "output", "title": "Random number"},
        {"kind": "output", "title": "Last sleep interval"},
    ]
    clone = st["clone"]
    assert clone["is_new"] and clone["title"] == "Two sleepers in a row (Copy)"
    assert "Two sleepers in a row (Copy)" in st["after_clone"]
    job = st["job"]
    assert job["runner_name"] == f"studies/{clone['uid']}"
    assert job["name"] == f"studies/{clone['uid']}/jobs/{job['id']}"
    assert st["start_state"] == "PUBLISHED" and st["state"] == "SUCCESS"
    assert "STARTED" in st["states_seen"]
    assert st["progress_seen"] == sorted(st["progress_seen"]) and st["progress_seen"][-1] == 100
    res = st["results"]
    assert res["Random number"]["file"] == "single_number.txt"
    assert 1 <= int(res["Random number"]["content"]) <= 9 and 1 <= res["Last sleep interval"] <= 9
    assert sorted(st["logs"]) == ["sleeper_1", "sleeper_2"]
    # the first sleeper read the uploaded "3" with a 1 s interval: (1 + 3) // 2
    assert "Will sleep for 2 seconds" in st["logs"]["sleeper_1"]
    second = st["logs"]["sleeper_2"]
    assert "Will sleep for" in second and second.rstrip().endswith("finished successfully")
    failed = st["failed"]
    assert failed["state"] == "FAILED"
    assert failed["errors"][0]["msg"] == "Failing after sleep as requested"
    assert failed["errors"][0]["loc"][0] == "sleeper 2"
    assert st["bad_input"]["status"] == 422
    assert st["bad_input"]["body"]["errors"][0]["loc"] == ["body", "values", "Nope"]
    assert st["deleted_then_inspect"] == 404


# --------------------------------------------------------------------------- sparc-client 0.4.1
@pytest.mark.timeout(900)
def test_sparc_client_pennsieve_search(sparc_report):
    r = sparc_report
    assert r["modules"] == ["metadata", "o2sparc", "pennsieve"]
    assert r["list_datasets"] == {"totalCount": 1, "limit": 2, "ids": [201]}
    assert r["by_name"] == sorted(r["by_name"], key=str.lower) and len(r["by_name"]) == 8
    assert r["tagged"] == [202, 203]
    assert r["bad_order"] is None  # the 400 is swallowed by pennsieve2, as with the real service
    assert r["list_records"] == {"totalCount": 7, "n": 5, "models": ["researcher"]}
    assert r["subjects_201"] == 6
    names = {f["name"] for f in r["list_files"]}
    assert names == {"heart_rate.csv"} and len(r["list_files"]) == 3
    assert all(f["fileType"] == "CSV" and f["datasetVersion"] == 2 for f in r["list_files"])
    assert r["list_filenames"] == ["files/primary/morphology.csv"]  # v4 URI layout 203/2/files/...
    assert r["manifest_files"] == ["s3://prd-sparc-discover50-use1/201/manifest.json"]


@pytest.mark.timeout(900)
def test_sparc_client_downloads_and_passthrough(sparc_report):
    r = sparc_report
    one = r["download_one"]
    assert one["status"] == 200 and one["content_type"] == "application/octet-stream"
    assert one["disposition"] == 'attachment; filename="heart_rate.csv"'
    assert one["size"] == r["list_files"][0]["size"]
    assert one["first_line"] == "time_s,heart_rate_bpm,stim_current_mA"
    two = r["download_two"]
    assert two["content_type"] == "application/zip"
    assert two["names"] == [
        "files/primary/sub-01/heart_rate.csv",
        "files/primary/sub-02/heart_rate.csv",
    ]
    assert two["sizes"] == sorted(f["size"] for f in r["list_files"][:2])
    # a root file has no "files/" in its URI: sparc.client sends "" and saves zipit's error file
    assert r["download_error_body"] == {"status": 500, "error": "no data to download", "info": ""}
    browse = r["get_browse_absolute"]
    assert browse["limit"] == 2 and [f["name"] for f in browse["files"]] == [
        "files",
        "manifest.json",
    ]
    rel = r["get_browse_relative"]
    assert rel["totalCount"] == 100 and [f["name"] for f in rel["files"]] == [
        "sub-001",
        "sub-002",
        "sub-003",
    ]
    manifest = r["post_manifest"]
    assert manifest["header"]["count"] == 2
    assert [(d["fileName"], d["path"]) for d in manifest["data"]] == [
        ("summary.csv", ["files", "derivative"]),
        ("figure1.png", ["files", "docs"]),
    ]


@pytest.mark.timeout(900)
def test_sparc_client_o2sparc_sleeper(sparc_report):
    r = sparc_report
    assert r["osparc_client_version"] == "0.5.0"
    assert r["profile"] == "ada.lovelace@example.org"
    ok = r["sleeper_ok"]
    assert ok["final_progress"] == 1.0
    assert ok["progress_seen"] == sorted(ok["progress_seen"])
    assert ok["results"]["output_1"]["path_name"] == "single_number.txt"
    assert 1 <= int(ok["results"]["output_1"]["content"]) <= 9
    assert isinstance(ok["results"]["output_2"], float)  # osparc 0.5.0 turns integers into floats
    log = ok["log_files"]["sleeper_2.0.2.logs"]
    assert "Will sleep for 4 seconds" in log and "[PROGRESS] 4/4..." in log  # (3 + 5) // 2
    fail = r["sleeper_fail"]
    assert fail["results_error"] == {"type": "ApiException", "status": 409}
    assert "Failing after sleep as requested" in fail["log_files"]["sleeper_2.0.2.logs"]


@pytest.mark.timeout(900)
def test_sparc_client_o2sparc_csv_summary(sparc_report):
    res = sparc_report["csv_summary"]["results"]
    assert res["output_3"] == 20.0 and res["output_4"] == 1.0
    assert res["output_1"]["path_name"] == "summary.csv"
    lines = res["output_1"]["content"].splitlines()
    assert lines[1].startswith("weight_g,20,0,302.5,")
    report = json.loads(res["output_2"]["content"])
    assert report["columns"][0]["median"] == 302.5 and report["rows"] == 20
