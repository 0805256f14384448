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


def job_history(solvers: osparc.SolversApi, key: str, version: str) -> dict:
    """A solver's past jobs through the paginated iterator (pages of 20, ``links.next``)."""
    for _ in range(18):  # jobs created, never started: more than one page in all
        solvers.create_job(key, version, osparc.JobInputs({"input_2": 1}))
    pages = solvers.iter_jobs(key, version)
    listed = list(pages)
    first = solvers.list_jobs_paginated(key, version, limit=5, offset=0)
    second = solvers.list_jobs_paginated(key, version, limit=5, offset=5)
    oldest = min(listed, key=lambda j: j.created_at)
    status = solvers.inspect_job(key, version, oldest.id)
    return {
        "len": len(pages),
        "ids": [j.id for j in listed],
        "names": sorted({j.runner_name for j in listed}),
        "page_total": first.total,
        "page_sizes": [len(first.items), len(second.items)],
        "pages_disjoint": not ({j.id for j in first.items} & {j.id for j in second.items}),
        "next_link": first.links.next,
        "oldest_state": status.state,
        "oldest_stopped": status.stopped_at is not None,
        "oldest_logs": read_log(solvers.get_job_output_logfile(key, version, oldest.id)),
    }


def studies_flow(studies: osparc.StudiesApi, files: osparc.FilesApi, number, work: Path) -> dict:
    """List, get, clone a study; run a job of it with inputs; its outputs and logs."""
    listed = list(studies.iter_studies())
    page = studies.list_studies(limit=1, offset=0)
    study = next(s for s in listed if s.title == "Two sleepers in a row")
    got = studies.get_study(study.uid)
    ports = studies.list_study_ports(study.uid)
    clone = studies.clone_study(study.uid)
    after_clone = [s.title for s in studies.iter_studies()]
    job = studies.create_study_job(
        str(clone.uid),
        osparc.JobInputs({"Number": number, "Sleep interval": 1, "Fail at the end": False}),
    )
    started = studies.start_study_job(clone.uid, job.id)
    seen = []
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        status = studies.inspect_study_job(clone.uid, job.id)
        seen.append((status.state, status.progress))
        if status.stopped_at is not None:
            break
        time.sleep(0.05)
    outputs = studies.get_study_job_outputs(str(clone.uid), job.id)
    results = {}
    for name, value in outputs.results.items():
        if isinstance(value, osparc.File):
            path = files.download_file(value.id, destination_folder=work)
            results[name] = {"file": value.filename, "content": Path(path).read_text()}
        else:
            results[name] = value
    log_dir = studies.get_study_job_output_logfiles(str(clone.uid), job.id)
    logs = {p.name: p.read_text() for p in sorted(Path(log_dir).iterdir())}
    failing = studies.create_study_job(str(study.uid), osparc.JobInputs({"Fail at the end": True,
                                                                         "Sleep interval": 0}))
    studies.start_study_job(study.uid, failing.id)
    while True:
        failed = studies.inspect_study_job(study.uid, failing.id)
        if failed.stopped_at is not None or time.monotonic() > end:
            break
        time.sleep(0.05)
    try:
        studies.create_study_job(str(study.uid), osparc.JobInputs({"Nope": 1}))
        bad_input = None
    except osparc.ApiException as e:
        bad_input = {"status": e.status, "body": json.loads(e.body)}
    studies.delete_study_job(study.uid, failing.id)
    try:
        studies.inspect_study_job(study.uid, failing.id)
        deleted = None
    except osparc.ApiException as e:
        deleted = e.status
    return {
        "titles": sorted(s.title for s in listed),
        "page": {"total": page.total, "items": len(page.items), "next": page.links.next},
        "got": {"uid": str(got.uid), "title": got.title},
        "ports": [{"kind": p.kind, "title": (p.content_schema or {}).get("title")}
                  for p in ports.items],
        "clone": {"uid": str(clone.uid), "title": clone.title,
                  "is_new": str(clone.uid) != str(study.uid)},
        "after_clone": sorted(after_clone),
        "job": {"id": job.id, "name": job.name, "runner_name": job.runner_name},
        "start_state": started.state,
        "states_seen": sorted({s for s, _ in seen}),
        "progress_seen": [p for _, p in seen],
        "state": seen[-1][0],
        "results": results,
        "logs": logs,
        "failed": {"state": failed.state,
                   "errors": [e.to_dict() if hasattr(e, "to_dict") else e
                              for e in failed.errors or []]},
        "bad_input": bad_input,
        "deleted_then_inspect": deleted,
    }


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
    report["job_history"] = job_history(solvers, solver.id, solver.version)
    report["studies"] = studies_flow(osparc.StudiesApi(client), files, uploaded, work)

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
