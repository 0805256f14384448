"""OsparcSession against the local o²S²PARC API v0 emulator (jobs run 10x faster)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

import labpanels
from labpanels.errors import AuthenticationError, Conflict, RequestTimeout
from labpanels.osparc import (
    JobFailedError,
    JobTimeout,
    MissingCredentials,
    OsparcSession,
    resolve_credentials,
)
from labpanels.pennsieve import UnsafePathError
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(60)
SLEEPER = "simcore/services/comp/itis/sleeper"
CSV_SUMMARY = "simcore/services/comp/labpanels/csv-summary"
ENV_NAMES = (
    "OSPARC_API_HOST",
    "OSPARC_API_BASE_URL",
    "OSPARC_API_KEY",
    "OSPARC_API_SECRET",
    "O2SPARC_HOST",
    "O2SPARC_USERNAME",
    "O2SPARC_PASSWORD",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def osparc(emulator):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.02)
    s.sent = []  # (method, path, body) of every request, API and object store alike

    def record(response, *args, **kwargs):
        req = response.request
        path = requests.utils.urlparse(req.url).path
        s.sent.append((req.method, path, req.body))

    for client in (s.http, s.storage_http):
        client.session.hooks["response"].append(record)
    s.select_solver(SLEEPER, "2.0.2")
    yield s
    s.close()


def count(session, method: str, fragment: str) -> int:
    return sum(1 for m, path, _ in session.sent if m == method and fragment in path)


def number_file(tmp_path: Path, text: str, name: str = "number.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- catalogue
def test_profile_solvers_releases_and_ports(osparc):
    assert osparc.profile()["login"] == "ada.lovelace@example.org"
    latest = {s["id"]: s["version"] for s in osparc.solvers()}
    assert latest == {SLEEPER: "2.0.2", CSV_SUMMARY: "1.0.0"}
    assert len(osparc.solvers(all_releases=True)) == 3
    assert [s["version"] for s in osparc.solver_releases(CSV_SUMMARY)] == ["0.9.0", "1.0.0"]
    assert osparc.get_solver(CSV_SUMMARY)["version"] == "1.0.0"
    assert osparc.solver["id"] == SLEEPER and osparc.solver["version"] == "2.0.2"
    assert [p["key"] for p in osparc.input_ports()] == ["input_1", "input_2", "input_3"]
    assert [p["key"] for p in osparc.output_ports()] == ["output_1", "output_2"]
    interval = next(p for p in osparc.ports() if p["key"] == "input_2")
    assert interval["content_schema"]["type"] == "integer"
    assert interval["content_schema"]["default"] == 2
    assert [p["key"] for p in osparc.ports(f"{CSV_SUMMARY}:0.9.0")][:2] == ["input_1", "input_2"]


# --------------------------------------------------------------------------- jobs
def test_sleeper_job_progress_outputs_files_and_logs(osparc, tmp_path):
    job = osparc.submit({"input_1": number_file(tmp_path, "5"), "input_2": 3, "input_3": False})
    assert osparc.job["id"] == job["id"] and job["state"] == "PUBLISHED"
    inspects_before = count(osparc, "POST", ":inspect")
    ticks = []
    final = osparc.wait(job, on_progress=ticks.append)
    assert final["state"] == "SUCCESS" and final["errors"] is None
    progress = [t["progress"] for t in ticks]
    assert progress == sorted(progress) and progress[-1] == 100 and len(set(progress)) >= 3
    # one :inspect per tick: wait() follows the session's poller, which may have had one
    # request under way when the count was taken
    assert abs(count(osparc, "POST", ":inspect") - inspects_before - len(ticks)) <= 1
    assert osparc.job["state"] == "SUCCESS" and osparc.job["progress"] == 100

    outputs = osparc.outputs(job)
    assert type(outputs["output_2"]) is int and 1 <= outputs["output_2"] <= 9  # not 4.0
    out_file = outputs["output_1"]
    assert out_file["filename"] == "single_number.txt"
    saved = osparc.download_output("output_1", tmp_path / "out", job)
    assert saved == tmp_path / "out" / "single_number.txt"
    assert 1 <= int(saved.read_text()) <= 9
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == out_file["checksum"]
    everything = osparc.download_outputs(job, tmp_path / "all")
    assert everything["output_2"] == outputs["output_2"]
    assert everything["output_1"].read_text() == saved.read_text()

    logs = osparc.logs(job)
    assert list(logs) == ["sleeper_2.0.2.logs"]
    lines = osparc.log_lines(job)
    assert any(line.endswith("Will sleep for 4 seconds") for line in lines)  # (3 + 5) // 2
    assert [line.split(" ", 1)[1] for line in lines if "[PROGRESS]" in line] == [
        f"[PROGRESS] {i}/4..." for i in range(1, 5)
    ]
    (unpacked,) = osparc.save_logs(job, tmp_path / "logs")
    assert unpacked.read_text() == logs["sleeper_2.0.2.logs"]


def test_log_lines_arrive_while_the_job_runs(osparc, tmp_path):
    job = osparc.submit({"input_1": number_file(tmp_path, "5"), "input_2": 3, "input_3": False})
    streamed, state_at_first_progress = [], None
    for line in osparc.stream_log(job):
        if line.startswith("[PROGRESS]") and state_at_first_progress is None:
            state_at_first_progress = osparc.status(job)["state"]
        streamed.append(line)
    assert state_at_first_progress == "STARTED"  # read live, not after the end
    assert osparc.status(job)["state"] == "SUCCESS"  # the stream ends with the job
    assert [m for m in streamed if m.startswith("[PROGRESS]")] == [
        f"[PROGRESS] {i}/4..." for i in range(1, 5)
    ]
    assert streamed == [line.split(" ", 1)[1] for line in osparc.log_lines(job)]


def test_one_log_reader_at_a_time_and_a_silent_stream_times_out(osparc, tmp_path):
    job = osparc.submit({"input_1": number_file(tmp_path, "5"), "input_2": 4, "input_3": False})
    first = osparc.stream_log(job)
    assert next(first)  # the first reader holds the stream open
    with pytest.raises(Conflict, match="already being read elsewhere"):
        next(osparc.stream_log(job))
    first.close()
    osparc.wait(job)

    slow = osparc.submit({"input_1": number_file(tmp_path, "9"), "input_2": 9, "input_3": False})
    with pytest.raises(RequestTimeout, match=r"no answer within 0\.05 s"):
        for _line in osparc.stream_log(slow, quiet_timeout=0.05):
            pass  # the sleeper is silent for a (scaled) second between progress lines
    osparc.stop(slow)


def test_failed_job_reports_its_error_and_log(osparc, tmp_path):
    job = osparc.submit({"input_1": number_file(tmp_path, "1"), "input_2": 1, "input_3": True})
    final = osparc.wait(job)
    assert final["state"] == "FAILED"
    assert final["errors"][0]["msg"] == "Failing after sleep as requested"
    with pytest.raises(JobFailedError) as caught:
        osparc.outputs(job)
    assert caught.value.state == "FAILED" and caught.value.job_id == job["id"]
    assert caught.value.errors[0]["msg"] == "Failing after sleep as requested"
    assert "FAILED: Failing after sleep as requested" in osparc.last_error
    log = osparc.logs(job)["sleeper_2.0.2.logs"]
    assert "[PROGRESS] 1/1..." in log and "Failing after sleep as requested" in log


def test_outputs_keep_the_servers_types_and_inputs_are_sent_as_given(osparc, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("group,value\n" + "".join(f"{'ab'[i % 2]},{i}\n" for i in range(1, 11)))
    osparc.select_solver(CSV_SUMMARY)
    job = osparc.submit({"input_1": table, "input_2": "value"})
    created = next(body for m, path, body in osparc.sent if m == "POST" and path.endswith("/jobs"))
    values = json.loads(created)["values"]
    assert values["input_2"] == "value" and values["input_1"]["filename"] == "table.csv"
    assert osparc.wait(job)["state"] == "SUCCESS"
    results = osparc.outputs(job)
    assert results["output_3"] == 10 and type(results["output_3"]) is int
    assert results["output_4"] == 1 and type(results["output_4"]) is int
    report = json.loads(osparc.download_output(results["output_2"], tmp_path / "r").read_text())
    assert report["columns"][0]["mean"] == 5.5

    osparc.select_solver(SLEEPER, "2.0.2")
    osparc.submit({"input_2": 1, "input_3": False}, start=False)
    sent = json.loads(
        [body for m, path, body in osparc.sent if m == "POST" and path.endswith("/jobs")][-1]
    )
    assert sent == {"values": {"input_2": 1, "input_3": False}}  # 1 stays 1, False stays False
    assert osparc.status()["state"] == "NOT_STARTED"


def test_upload_is_skipped_when_the_server_has_the_file(osparc, tmp_path):
    data = os.urandom(200 * 1024)  # new content each run: 4 parts of 64 KiB
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    first = osparc.upload(path)
    assert first["checksum"] == hashlib.sha256(data).hexdigest() and first["e_tag"].endswith("-4")
    assert count(osparc, "POST", "/v0/files/content") == 1
    assert count(osparc, "PUT", "/s3/") == 4
    assert count(osparc, "POST", ":complete") == 1
    osparc.sent.clear()
    again = osparc.upload(path)
    assert again["id"] == first["id"]
    assert count(osparc, "GET", "/v0/files:search") == 1
    assert count(osparc, "POST", "/v0/files/content") == count(osparc, "PUT", "/s3/") == 0
    renamed = tmp_path / "other-name.bin"
    renamed.write_bytes(data)
    assert osparc.upload(renamed)["id"] != first["id"]  # same bytes, another name: uploaded
    number = number_file(tmp_path, "2")
    osparc.upload(number)
    osparc.sent.clear()
    osparc.submit({"input_1": number, "input_2": 0}, start=False)
    assert count(osparc, "POST", "/v0/files/content") == count(osparc, "PUT", "/s3/") == 0


def test_stop_timeout_and_a_transient_error_while_waiting(osparc, emulator, tmp_path):
    slow = osparc.submit({"input_1": number_file(tmp_path, "1"), "input_2": 200})
    with pytest.raises(JobTimeout, match="after 0.2 s"):
        osparc.wait(slow, timeout=0.2)
    stopped = osparc.stop(slow)
    assert stopped["state"] == "ABORTED" and stopped["stopped_at"]
    assert osparc.job["state"] == "ABORTED"
    with pytest.raises(JobFailedError, match="ABORTED"):
        osparc.outputs(slow)

    job = osparc.submit({"input_1": number_file(tmp_path, "1"), "input_2": 1})
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"path": "/v0/solvers/simcore", "status": 503, "times": 1},
        timeout=10,
    )
    assert osparc.wait(job)["state"] == "SUCCESS"  # one 503 on :inspect is ridden out


def test_my_jobs(osparc, tmp_path):
    job = osparc.submit({"input_1": number_file(tmp_path, "1"), "input_2": 0}, start=False)
    mine = osparc.my_jobs()
    assert job["id"] in {j["id"] for j in mine} and osparc.jobs == mine
    of_sleeper = osparc.my_jobs(osparc.solver)
    assert all("sleeper" in j["runner_name"] for j in of_sleeper)
    assert osparc.my_jobs(f"{CSV_SUMMARY}:0.9.0") == []
    frame = osparc.jobs_frame()
    assert list(frame.columns) == ["id", "solver", "version", "created_at"]
    assert SLEEPER in set(frame["solver"])
    osparc.delete(job)
    assert job["id"] not in {j["id"] for j in osparc.my_jobs()}


# --------------------------------------------------------------------------- credentials
def test_credentials_from_the_environment_and_their_precedence(emulator, monkeypatch):
    key, secret = emulator.credentials
    monkeypatch.setenv("OSPARC_API_HOST", emulator.osparc_url)
    monkeypatch.setenv("OSPARC_API_KEY", key)
    monkeypatch.setenv("OSPARC_API_SECRET", secret)
    s = OsparcSession()
    assert s.url == emulator.osparc_url and s.credentials_source.startswith("OSPARC_API_KEY")
    assert s.profile()["id"] > 0

    for name in ("OSPARC_API_HOST", "OSPARC_API_KEY", "OSPARC_API_SECRET"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("O2SPARC_HOST", emulator.osparc_url)
    monkeypatch.setenv("O2SPARC_USERNAME", key)
    monkeypatch.setenv("O2SPARC_PASSWORD", secret)
    s = OsparcSession()
    assert s.credentials_source.startswith("O2SPARC") and s.profile()["login"]

    monkeypatch.setenv("OSPARC_API_KEY", "wrong-key")  # osparc's names beat sparc.client's
    monkeypatch.setenv("OSPARC_API_SECRET", "wrong-secret")
    with pytest.raises(AuthenticationError):
        OsparcSession().profile()
    assert OsparcSession(key=key, secret=secret).profile()["login"]  # arguments beat both

    env = {"OSPARC_API_KEY": "k", "O2SPARC_PASSWORD": "s", "OSPARC_API_BASE_URL": "http://h"}
    partial = resolve_credentials(environ=env)
    assert (partial.key, partial.secret, partial.url) == (None, None, "http://h")
    assert resolve_credentials(environ={}).url == "https://api.osparc.io"
    assert "s3cr3t" not in repr(resolve_credentials("http://h", "k", "s3cr3t"))


def test_wrong_or_missing_credentials_are_clear_and_the_secret_stays_hidden(emulator):
    secret = "very-secret-value-42"
    s = OsparcSession(emulator.osparc_url, "someone", secret)
    with pytest.raises(AuthenticationError) as caught:
        s.profile()
    assert caught.value.status == 401
    assert "refused API key 'someone'" in str(caught.value)
    assert secret not in str(caught.value) and secret not in s.last_error
    assert secret not in repr(s)
    traits = json.dumps({k: v for k, v in s.trait_values().items()}, default=str)
    assert secret not in traits
    s.login(*emulator.credentials)
    assert s.last_error == "" and s.profile()["login"]
    with pytest.raises(MissingCredentials, match="OSPARC_API_KEY"):
        OsparcSession(emulator.osparc_url).solvers()
    with pytest.raises(MissingCredentials):
        OsparcSession(emulator.osparc_url, key="only-a-key")


def test_lazy_top_level_export():
    assert labpanels.OsparcSession is OsparcSession


def test_server_given_names_cannot_escape_the_target_folder(osparc, monkeypatch, tmp_path):
    stored = osparc.upload(number_file(tmp_path, "7", "seven.txt"))
    dest = tmp_path / "dest"
    with pytest.raises(UnsafePathError):
        osparc.download_file({**stored, "filename": "../../evil.txt"}, dest)
    assert not (tmp_path / "evil.txt").exists() and not dest.exists()

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("fine.logs", "ok\n")
        zf.writestr("../../escaped.logs", "gotcha\n")

    @contextmanager
    def crafted_zip(job):
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
            yield archive

    monkeypatch.setattr(osparc, "_log_zip", crafted_zip)
    with pytest.raises(UnsafePathError):
        osparc.save_logs({"id": "x", "solver": SLEEPER, "version": "2.0.2"}, dest)
    assert not dest.exists() and not (tmp_path.parent / "escaped.logs").exists()
    assert osparc.logs({"id": "x", "solver": SLEEPER, "version": "2.0.2"})["fine.logs"] == "ok\n"
