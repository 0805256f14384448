"""Run the official ``osparc`` 0.8.5 client against the emulator; print one JSON report.

Runs in a side environment with only ``osparc==0.8.5`` installed.  The host and the
credentials come from the environment variables the client reads itself when
``osparc.ApiClient()`` gets no configuration: ``OSPARC_API_HOST``, ``OSPARC_API_KEY``,
``OSPARC_API_SECRET``.  ``WORKDIR`` is a scratch directory.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from pathlib import Path

import osparc

SLEEPER = "simcore/services/comp/itis/sleeper"
CSV_SUMMARY = "simcore/services/comp/labpanels/csv-summary"
DEADLINE_S = 60


def wait(solvers: osparc.SolversApi, key: str, version: str, job_id: str) -> tuple[object, list]:
    seen = []
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        status = solvers.inspect_job(key, version, job_id)
        seen.append((status.state, status.progress))
        if status.stopped_at is not None:
            return status, seen
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} still {seen[-1]} after {DEADLINE_S} s")


def read_log(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def main() -> int:
    work = Path(os.environ["WORKDIR"])
    report: dict = {"osparc_version": osparc.__version__}
    client = osparc.ApiClient()  # configured from OSPARC_API_HOST / _KEY / _SECRET
    users = osparc.UsersApi(client)
    profile = users.get_my_profile()
    report["profile"] = {"id": profile.id, "login": profile.login, "role": str(profile.role)}

    solvers = osparc.SolversApi(client)
    files = osparc.FilesApi(client)
    solver = solvers.get_solver_release(SLEEPER, "2.0.2")
    report["solver"] = {"id": solver.id, "version": solver.version, "title": solver.title}
    latest = solvers.get_solver(CSV_SUMMARY)
    report["csv_summary_latest"] = latest.version
    report["releases"] = sorted(s.version for s in solvers.list_solver_releases(CSV_SUMMARY))
    report["all_solvers"] = sorted(f"{s.id}:{s.version}" for s in solvers.list_solvers_releases())
    ports = solvers.list_solver_ports(solver.id, solver.version)
    report["ports"] = [
        {
            "key": p.key,
            "kind": p.kind,
            "schema": p.content_schema.to_dict()
            if hasattr(p.content_schema, "to_dict")
            else p.content_schema,
        }
        for p in ports
    ]

    # upload: search -> links -> part PUTs (quoted ETag) -> complete; twice = dedup
    input_file = work / "input.txt"
    input_file.write_text("3")
    uploaded = files.upload_file(input_file)
    again = files.upload_file(input_file)
    report["upload"] = {
        "id": uploaded.id,
        "filename": uploaded.filename,
        "checksum": uploaded.checksum,
        "e_tag": uploaded.e_tag,
        "again_same_id": again.id == uploaded.id,
    }

    # a multi-part upload (the emulator runs with small parts in this test)
    big = work / "table.csv"
    rows = ["x,y,label"] + [f"{i},{(i * 7) % 13 / 2},{'ab'[i % 2]}" for i in range(20000)]
    big.write_text("\n".join(rows) + "\n")
    big_file = files.upload_file(big)
    report["multipart"] = {
        "id": big_file.id,
        "size": big.stat().st_size,
        "checksum": big_file.checksum,
        "e_tag": big_file.e_tag,
    }
    report["search"] = [f.id for f in files._search_files(sha256_checksum=big_file.checksum)]

    def run(inputs: dict, key: str = solver.id, version: str = solver.version) -> dict:
        job = solvers.create_job(key, version, osparc.JobInputs(inputs))
        started = solvers.start_job(key, version, job.id)
        status, seen = wait(solvers, key, version, job.id)
        out = {
            "job_id": job.id,
            "name": job.name,
            "start_state": started.state,
            "state": status.state,
            "progress": status.progress,
            "states_seen": sorted({s for s, _ in seen}),
            "progress_seen": [p for _, p in seen],
            "errors": [e.to_dict() if hasattr(e, "to_dict") else e for e in (status.errors or [])],
        }
        try:
            outputs = solvers.get_job_outputs(key, version, job.id)
            res = {}
            for name, value in outputs.results.items():
                if isinstance(value, osparc.File):
                    path = files.download_file(value.id, destination_folder=work)
                    res[name] = {"file": value.filename, "content": Path(path).read_text()}
                else:
                    res[name] = value
            out["outputs"] = res
        except osparc.ApiException as e:
            out["outputs_error"] = e.status
        log_path = solvers.get_job_output_logfile(key, version, job.id)
        out["logs"] = read_log(log_path)
        return out

    report["sleeper_ok"] = run({"input_1": uploaded, "input_2": 3, "input_3": False})
    report["sleeper_fail"] = run({"input_1": uploaded, "input_2": 1, "input_3": True})
    report["csv_summary"] = run({"input_1": big_file}, CSV_SUMMARY, "1.0.0")
    report["jobs_listed"] = len(list(solvers.iter_jobs(solver.id, solver.version)))

    # following a running job's log (the generated API's NDJSON log stream)
    job = solvers.create_job(
        solver.id, solver.version, osparc.JobInputs({"input_1": uploaded, "input_2": 5})
    )
    solvers.start_job(solver.id, solver.version, job.id)
    stream = solvers.get_log_stream_without_preload_content(solver.id, solver.version, job.id)
    entries, state_at_first, pending = [], None, b""
    for chunk in stream.stream(1024):
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line.strip():
                entries.append(json.loads(line))
                if state_at_first is None:
                    state_at_first = solvers.inspect_job(solver.id, solver.version, job.id).state
    report["log_stream"] = {
        "job_id": job.id,
        "status": stream.status,
        "content_type": stream.headers.get("content-type"),
        "entries": entries,
        "state_at_first_line": state_at_first,
        "state_after": solvers.inspect_job(solver.id, solver.version, job.id).state,
        "logfile": read_log(solvers.get_job_output_logfile(solver.id, solver.version, job.id)),
    }

    # stopping a running job
    job = solvers.create_job(
        solver.id, solver.version, osparc.JobInputs({"input_1": uploaded, "input_2": 40})
    )
    solvers.start_job(solver.id, solver.version, job.id)
    report["stopped"] = solvers.stop_job(solver.id, solver.version, job.id).state

    bad = osparc.ApiClient(
        osparc.Configuration(host=os.environ["OSPARC_API_HOST"], username="wrong", password="wrong")
    )
    try:
        osparc.UsersApi(bad).get_my_profile()
        report["bad_credentials"] = None
    except osparc.ApiException as e:
        report["bad_credentials"] = {"status": e.status, "body": json.loads(e.body)}
    json.dump(report, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
