"""OsparcSession's job history and studies against the emulator (jobs run 10x faster):
a solver's past jobs over every page, reopen and rerun with the same inputs, and studies
listed, cloned and run as jobs polled like solver jobs (one poller per job)."""

from __future__ import annotations

import json
import threading

import pytest

from labpanels.errors import InvalidArgument, LabpanelsError, NotFound
from labpanels.osparc import (
    INPUTS_KEY,
    InputsUnknown,
    JobFailedError,
    JobNotFinished,
    OsparcSession,
)
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(90)
SLEEPER = "simcore/services/comp/itis/sleeper"
POLLER = "labpanels-osparc-job-"
TWO_SLEEPERS = "Two sleepers in a row"
SUMMARISE = "Wait, then summarise a table"


@pytest.fixture
def osparc(emulator):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.03)
    s.sent = []

    def record(response, *args, **kwargs):
        s.sent.append((response.request.method, response.request.path_url))

    s.http.session.hooks["response"].append(record)
    yield s
    s.close()


def study_named(session: OsparcSession, title: str) -> dict:
    return next(s for s in session.studies() if s["title"] == title)


# --------------------------------------------------------------------------- history
def test_solver_jobs_reads_every_page_with_states_newest_first(osparc):
    for _ in range(3):  # created, never started
        osparc.submit({"input_2": 1}, (SLEEPER, "2.0.2"), start=False)
    pages_before = sum(1 for m, p in osparc.sent if "/jobs/page" in p)
    osparc.sent.clear()
    listed = osparc.solver_jobs(SLEEPER, "2.0.2")
    assert osparc.history == listed and len(listed) >= 6
    created = [j["created_at"] for j in listed]
    assert created == sorted(created, reverse=True)
    states = {j["state"] for j in listed}
    assert {"SUCCESS", "FAILED", "NOT_STARTED"} <= states  # the seeded past jobs and ours
    failed = next(j for j in listed if j["state"] == "FAILED")
    assert failed["error"] == "Failing after sleep as requested"
    assert failed["started_at"] and failed["stopped_at"] and failed["elapsed"] > 0
    assert all(j["solver"] == SLEEPER and j["version"] == "2.0.2" for j in listed)
    assert pages_before == 0 and sum(1 for m, p in osparc.sent if "/jobs/page" in p) == 1
    inspected = sum(1 for m, p in osparc.sent if p.endswith(":inspect"))
    assert inspected == len(listed)
    # an ended job is never asked again; pages of 2 are all followed
    osparc.sent.clear()
    again = osparc.solver_jobs((SLEEPER, "2.0.2"), states=["success", "FAILED"])
    assert {j["state"] for j in again} == {"SUCCESS", "FAILED"}
    assert sum(1 for m, p in osparc.sent if p.endswith(":inspect")) == sum(
        1 for j in listed if j["state"] not in ("SUCCESS", "FAILED", "ABORTED"))
    assert osparc.job is not None and osparc.job["state"] == "NOT_STARTED"  # ours, not history's


def test_solver_jobs_follows_the_pages_links(osparc, monkeypatch):
    import labpanels.osparc.history as history

    original = history.iter_osparc
    monkeypatch.setattr(history, "iter_osparc",
                        lambda http, path, limit=50: original(http, path, limit=2))
    listed = osparc.solver_jobs(f"{SLEEPER}:2.0.2")
    pages = [p for m, p in osparc.sent if "/jobs/page" in p]
    assert len(pages) == -(-len(listed) // 2) and len({j["id"] for j in listed}) == len(listed)


def test_reopen_a_past_job_shows_its_outputs_and_log_and_rerun_repeats_its_inputs(osparc):
    past = next(j for j in osparc.solver_jobs(SLEEPER, "2.0.2") if j["state"] == "SUCCESS"
                and j["created_at"] < "2099")
    assert past["outputs"] is None  # the listing reads no outputs
    record = osparc.reopen(past["id"])
    assert osparc.job["id"] == past["id"] == record["id"] and record["state"] == "SUCCESS"
    assert set(record["outputs"]) == {"output_1", "output_2"}
    assert record["outputs"]["output_1"]["filename"] == "single_number.txt"
    assert record["inputs"]["input_1"]["filename"] == "history-number.txt"
    assert not record["polling"]  # ended: no poller
    lines = osparc.log_lines(past)
    assert lines[-1].endswith("Service finished successfully")
    again = osparc.rerun(past)
    assert again["id"] != past["id"] and osparc.job["id"] == again["id"]
    assert again["inputs"] == record["inputs"]
    final = osparc.wait(again)
    assert final["state"] == "SUCCESS"
    sent = json.loads(osparc._call("GET", f"{osparc._track(again).path}/metadata")
                      ["metadata"][INPUTS_KEY])
    assert sent == record["inputs"]


def test_a_job_created_elsewhere_cannot_be_rerun_and_says_why(osparc, emulator):
    import requests

    base = f"{emulator.osparc_url}/v0/solvers/{SLEEPER.replace('/', '%2F')}/releases/2.0.2/jobs"
    other = requests.post(base, json={"values": {"input_2": 1}}, auth=emulator.credentials,
                          timeout=10).json()
    with pytest.raises(InputsUnknown, match="not created through labpanels"):
        osparc.rerun({**other, "solver": SLEEPER, "version": "2.0.2"})
    assert "not created through labpanels" in osparc.last_error


# --------------------------------------------------------------------------- studies
def test_studies_list_select_and_clone(osparc):
    studies = osparc.studies()
    assert osparc.study_list == studies
    assert {TWO_SLEEPERS, SUMMARISE} <= {s["title"] for s in studies}
    chosen = osparc.select_study(study_named(osparc, SUMMARISE))
    assert osparc.study == chosen
    inputs = [p["content_schema"]["title"] for p in chosen["ports"] if p["kind"] == "input"]
    outputs = [p["content_schema"]["title"] for p in chosen["ports"] if p["kind"] == "output"]
    assert inputs == ["Table", "Columns", "Wait"]
    assert outputs == ["Summary table", "Summary report", "Rows", "Numeric columns"]
    clone = osparc.clone_study(title="My summary")
    assert clone["title"] == "My summary" and clone["uid"] != chosen["uid"]
    assert clone in osparc.study_list and clone in osparc.studies()
    assert [p["content_schema"]["title"] for p in osparc.study_ports(clone)] == inputs + outputs
    with pytest.raises(InvalidArgument, match="not a study id"):
        osparc.get_study("nope")
    with pytest.raises(NotFound):
        osparc.get_study("00000000-0000-0000-0000-000000000000")


def test_run_study_polls_one_job_to_its_outputs_and_step_logs(osparc, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,b,name\n1,2,x\n3,5,y\n5,8,z\n")
    study = study_named(osparc, SUMMARISE)
    job = osparc.run_study(study, {"Table": table, "Wait": 0, "Columns": "a,b"})
    assert osparc.job["id"] == job["id"] and job["study"] == study["uid"]
    assert job["inputs"]["Table"]["filename"] == "t.csv"  # the Path was uploaded
    pollers = [t.name for t in threading.enumerate() if t.name.startswith(POLLER)]
    assert pollers == [f"{POLLER}{job['id'][:8]}"]
    final = osparc.wait(job)
    assert final["state"] == "SUCCESS" and osparc.job["state"] == "SUCCESS"
    outputs = osparc.job["outputs"]  # read once, when it succeeded
    assert outputs["Rows"] == 3 and outputs["Numeric columns"] == 2
    assert outputs["Summary table"]["filename"] == "summary.csv"
    assert osparc.outputs(job) == outputs
    logs = osparc.logs(job)
    assert list(logs) == ["wait", "summary"]
    assert "Summarised 2 columns over 3 rows" in logs["summary"]
    saved = osparc.save_logs(job, tmp_path / "logs")
    assert sorted(p.name for p in saved) == ["summary.log", "wait.log"]
    with pytest.raises(InvalidArgument, match="no live log stream"):
        next(osparc.stream_log(job))
    again = osparc.rerun(job)
    assert again["study"] == study["uid"] and again["inputs"] == job["inputs"]
    assert osparc.wait(again)["state"] == "SUCCESS"


def test_a_failed_study_job_raises_with_its_error_and_an_unfinished_one_has_no_outputs(osparc):
    study = study_named(osparc, TWO_SLEEPERS)
    created = osparc.study_job(study, {"Fail at the end": True, "Sleep interval": 0})
    assert created["state"] == "NOT_STARTED" and not created["polling"]
    with pytest.raises(JobNotFinished):
        osparc.outputs(created)
    with pytest.raises(JobNotFinished):
        osparc.logs(created)
    osparc.start(created)
    assert osparc.wait(created)["state"] == "FAILED"
    record = osparc.job
    assert record["error"] == "Failing after sleep as requested"
    assert record["outputs_note"] == "the job failed: Failing after sleep as requested"
    with pytest.raises(JobFailedError, match="Failing after sleep"):
        osparc.outputs(created)
    assert "Failing after sleep as requested" in osparc.logs(created)["sleeper_2"]


def test_study_inputs_are_checked_by_the_server(osparc):
    study = study_named(osparc, TWO_SLEEPERS)
    with pytest.raises(LabpanelsError, match="has no input 'Nope'"):
        osparc.study_job(study, {"Nope": 1})
    with pytest.raises(LabpanelsError, match="valid integer"):
        osparc.study_job(study, {"Sleep interval": "soon"})
    with pytest.raises(LabpanelsError, match="no study selected"):
        OsparcSession(osparc.url, "k", "s").study_job()


def test_stopping_a_running_study_job(osparc):
    job = osparc.run_study(study_named(osparc, TWO_SLEEPERS), {"Sleep interval": 60})
    osparc.stop(job)
    assert osparc.wait(job)["state"] == "ABORTED"
    assert osparc.job["error"] == "stopped before it finished"
