"""Studies of the emulated o²S²PARC (``/v0/studies``), as ``osparc-api-openapi.json`` states them.

A study (an o²S²PARC project) here is a small pipeline of the emulator's own solvers:

* **parameters**: its input ports (``GET /v0/studies/{id}/ports``, ``kind: input``), each a
  node with a UUID, a label and a value; a study job takes its inputs **by label**
  (``JobInputs.values``), as the api-server matches them to the project's input nodes;
* **steps**: solver runs, their inputs constants, parameters or an earlier step's output;
* **probes**: its output ports, each reading one step output; a job's outputs
  (``POST .../outputs``) are ``{probe label: value}``.

Creating a job copies the study with the inputs applied (200 ``Job`` named
``studies/{study_id}/jobs/{job_id}``, ``runner_name`` ``studies/{study_id}``, no URLs);
``:start`` (202, 200 when started already), ``:inspect`` and ``:stop`` answer ``JobStatus``;
``.../outputs/log-links`` answers ``JobLogsMap`` with one presigned link per step that ran
(the step's log as text, named after the step's label) [inf: the real links come from
director-v2]. Cloning (``:clone``, 201) gives a study with new node ids.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .common import base_url, utcnow_iso
from .jobs import SOLVERS, FileStore, Job, JobContext, JobFailed, JobRunner, Port, Run, Solver
from .osparc import STUDY_LOGS_BUCKET, Problem, error, invalid

__all__ = ["Param", "Step", "Probe", "Study", "StudyJob", "StudyService", "seed_studies",
           "FromParam", "FromStep", "STUDY_LOGS_BUCKET"]

_NS = uuid.UUID("6f1b1c3e-7d0a-4c7e-9a55-5b2f3f4c0d11")  # seeded studies' stable ids


@dataclass(frozen=True)
class FromParam:
    """A step input taken from the study parameter with this label."""

    label: str


@dataclass(frozen=True)
class FromStep:
    """A step input taken from an earlier step's output."""

    step: str  # the step's label
    output: str


@dataclass
class Param:
    """An input node of the study: one input port."""

    id: str
    label: str
    type: str  # integer, number, boolean, string or file
    description: str
    value: Any = None

    def port(self) -> Port:
        kind = "data:*/*" if self.type == "file" else self.type
        return Port(self.label, "input", kind, self.label, self.description, self.value)

    def content_schema(self) -> dict:
        return self.port().content_schema()


@dataclass
class Step:
    """A computational node: one solver run with its inputs."""

    id: str
    label: str
    solver: Solver
    inputs: dict[str, Any]  # port -> constant, FromParam or FromStep


@dataclass
class Probe:
    """An output node of the study: one output port reading a step's output."""

    id: str
    label: str
    type: str
    description: str
    source: FromStep

    def content_schema(self) -> dict:
        kind = "string" if self.type == "file" else self.type
        return {"title": self.label, "type": kind, "description": self.description}


@dataclass
class Study:
    uid: str
    title: str
    description: str
    params: list[Param]
    steps: list[Step]
    probes: list[Probe]
    hidden: bool = False
    created_at: str = field(default_factory=utcnow_iso)

    def dto(self) -> dict:
        return {"uid": self.uid, "title": self.title, "description": self.description}

    def ports(self) -> list[dict]:
        items = [{"key": p.id, "kind": "input", "content_schema": p.content_schema()}
                 for p in self.params]
        items += [{"key": p.id, "kind": "output", "content_schema": p.content_schema()}
                  for p in self.probes]
        return items

    def copy(self, uid: str, title: str, description: str, hidden: bool) -> Study:
        """A clone: same pipeline, new node ids (steps are referred to by label)."""
        new = copy.copy(self)
        new.uid, new.title, new.description, new.hidden = uid, title, description, hidden
        new.created_at = utcnow_iso()
        new.params = [Param(str(uuid.uuid4()), p.label, p.type, p.description,
                            copy.deepcopy(p.value)) for p in self.params]
        new.steps = [Step(str(uuid.uuid4()), s.label, s.solver, dict(s.inputs))
                     for s in self.steps]
        new.probes = [Probe(str(uuid.uuid4()), p.label, p.type, p.description, p.source)
                      for p in self.probes]
        return new


@dataclass
class StudyJob(Run):
    """A job created from a study: a copy of it with the inputs applied, run step by step."""

    id: str
    study: Study  # the copy: later edits of the study do not change the job
    values: dict  # parameter label -> value
    created_at: str
    runs: list[tuple[Step, Job]] = field(default_factory=list)

    @property
    def progress(self) -> int:
        if self.state in ("SUCCESS", "FAILED"):
            return 100  # what the platform reports for an ended pipeline
        steps = len(self.study.steps) or 1
        finished = sum(1 for _, run in self.runs if run.state == "SUCCESS")
        running = sum(run.progress for _, run in self.runs if run.state != "SUCCESS") / 100
        return int(100 * min(steps, finished + running) / steps)

    def outputs(self) -> dict:
        """``{probe label: value}``: what the steps wrote (None where nothing was)."""
        runs = {step.label: run for step, run in self.runs}
        results = {}
        for probe in self.study.probes:
            run = runs.get(probe.source.step)
            outs = run.outputs if run is not None and run.state == "SUCCESS" else None
            results[probe.label] = (outs or {}).get(probe.source.output)
        return results


class _StepFailed(Exception):
    def __init__(self, step: Step, message: str, kind: str = "RuntimeError") -> None:
        super().__init__(message)
        self.step, self.kind = step, kind


def _log_name(step: Step) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", step.label).strip("_") or step.id


class StudyService:
    """The ``/v0/studies`` routes of :class:`~.osparc.OsparcService` (its helpers: pages,
    value coercion, signed URLs)."""

    def __init__(self, api: Any, runner: JobRunner) -> None:
        self.api = api
        self.runner = runner
        self.studies: dict[str, Study] = {}
        self.jobs: dict[str, StudyJob] = {}

    # ------------------------------------------------------------------ routing
    async def endpoint(self, request: Request) -> Response:
        rest = request.path_params["rest"]
        method = request.method
        if rest in ("", "/"):
            if method != "GET":
                return error(405, "Method Not Allowed")
            limit, offset = self.api._page_params(request)
            items = [s.dto() for s in self.studies.values() if not s.hidden]
            return JSONResponse(self.api._page(request, items, limit, offset))
        m = re.fullmatch(r"/([^/:]+)(:clone|/ports|/jobs(?:/([^/:]+)(:[a-z]+|/outputs"
                         r"|/outputs/log-links|/metadata)?)?)?", rest)
        if not m:
            return error(404, f"Not found: {request.url.path}")
        study = self._study(m.group(1))
        tail, job_id, sub = m.group(2) or "", m.group(3), m.group(4) or ""
        if tail == "" and method == "GET":
            return JSONResponse(study.dto())
        if tail == ":clone" and method == "POST":
            return await self._clone(request, study)
        if tail == "/ports" and method == "GET":
            items = study.ports()
            return JSONResponse({"items": items, "total": len(items)})
        if tail == "/jobs" and method == "POST":
            return await self._create_job(request, study)
        if job_id is None:
            return error(405, "Method Not Allowed")
        job = self._job(study, job_id)
        if sub == "" and method == "DELETE":
            await job.cancel()
            del self.jobs[job.id]
            return Response(status_code=204)
        if sub.startswith(":") and method == "POST":
            return await self.api.job_action(job, sub[1:], lambda: job.launch(self._drive(job)))
        if sub == "/outputs" and method == "POST":
            return JSONResponse({"job_id": job.id, "results": self._results(job)})
        if sub == "/outputs/log-links" and method == "GET":
            return JSONResponse({"log_links": self._log_links(request, job)})
        if sub == "/metadata" and method in ("GET", "PUT"):
            if method == "PUT":
                job.metadata = await self.api._body_object(request, "metadata")
            return JSONResponse({"job_id": job.id, "metadata": job.metadata, "url": None})
        return error(405, "Method Not Allowed")

    def _study(self, study_id: str) -> Study:
        _uuid(study_id, "study_id")
        study = self.studies.get(study_id)
        if study is None:
            raise Problem(error(404, f"Study with id {study_id} not found"))
        return study

    def _job(self, study: Study, job_id: str) -> StudyJob:
        _uuid(job_id, "job_id")
        job = self.jobs.get(job_id)
        if job is None or job.study.uid != study.uid:
            raise Problem(error(404, f"Job {job_id} of study {study.uid} does not exist"))
        return job

    # ------------------------------------------------------------------ studies
    async def _clone(self, request: Request, study: Study) -> Response:
        body: dict = {}
        if await request.body():
            raw = await self.api._json(request)
            if raw is not None and not isinstance(raw, dict):
                return invalid(["body"], "Input should be a valid dictionary", "dict_type")
            body = raw or {}
        hidden = request.query_params.get("hidden", "false").lower() in ("true", "1")
        title = body.get("title") or f"{study.title} (Copy)"
        description = body.get("description")
        clone = study.copy(str(uuid.uuid4()), str(title),
                           study.description if description is None else str(description),
                           hidden)
        self.studies[clone.uid] = clone
        return JSONResponse(clone.dto(), status_code=201)

    def add(self, study: Study) -> Study:
        self.studies[study.uid] = study
        return study

    # ------------------------------------------------------------------ jobs
    async def _create_job(self, request: Request, study: Study) -> Response:
        values = await self.api._body_object(request, "values")
        params = {p.label: p for p in study.params}
        chosen = {}
        for label, value in values.items():
            if label not in params:
                return invalid(["body", "values", label],
                               f"study {study.uid} has no input '{label}'; its inputs are "
                               f"{', '.join(params) or 'none'}")
            chosen[label] = self.api._coerce(params[label].port(), value,
                                             ["body", "values", label])
        job_id = str(uuid.uuid4())
        copy_ = study.copy(study.uid, study.title, study.description, True)
        for p in copy_.params:
            if p.label in chosen:
                p.value = chosen[p.label]
        now = utcnow_iso()
        job = StudyJob(job_id, copy_, {p.label: p.value for p in copy_.params}, now,
                       submitted_at=now)
        self.jobs[job_id] = job
        return JSONResponse(self.job_dto(job), status_code=200)

    def job_dto(self, job: StudyJob) -> dict:
        study_name = f"studies/{job.study.uid}"
        checksum = hashlib.sha256(json.dumps(job.values, sort_keys=True, default=str)
                                  .encode()).hexdigest()
        return {"id": job.id, "name": f"{study_name}/jobs/{job.id}", "inputs_checksum": checksum,
                "created_at": job.created_at, "runner_name": study_name, "url": None,
                "runner_url": None, "outputs_url": None}

    async def _drive(self, job: StudyJob) -> None:
        run: Job | None = None
        try:
            await job.queue(self.runner.settings.time_scale)
            for step in job.study.steps:
                inputs = self._step_inputs(job, step)
                now = utcnow_iso()
                run = Job(str(uuid.uuid4()), step.solver, inputs, created_at=now,
                          submitted_at=now, state="STARTED", started_at=now)
                job.runs.append((step, run))
                ctx = JobContext(self.runner, run)
                ctx.log(f"Starting {step.label}: {step.solver.key}:{step.solver.version}")
                try:
                    run.outputs = await step.solver.run(ctx)
                except JobFailed as e:
                    run.state, run.stopped_at = "FAILED", utcnow_iso()
                    raise _StepFailed(step, str(e)) from None
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # a bug in a solver body: the platform reports it
                    ctx.log(f"Unexpected error: {e!r}", 40)
                    run.state, run.stopped_at = "FAILED", utcnow_iso()
                    raise _StepFailed(step, str(e), type(e).__name__) from None
                run.state, run.progress, run.stopped_at = "SUCCESS", 100, utcnow_iso()
                ctx.log(f"{step.label} finished successfully")
            job.state = "SUCCESS"
        except asyncio.CancelledError:
            job.state = "ABORTED"
            if run is not None and run.state == "STARTED":
                run.state, run.stopped_at = "ABORTED", utcnow_iso()
                run.logs.append((utcnow_iso(), 30, "Job was stopped by the user"))
        except _StepFailed as e:
            job.state = "FAILED"
            job.errors = [{"loc": [e.step.label, e.step.solver.short_name], "msg": str(e),
                           "type": e.kind, "ctx": {}}]
        finally:
            job.stopped_at = utcnow_iso()

    def _step_inputs(self, job: StudyJob, step: Step) -> dict:
        outputs = {s.label: run.outputs or {} for s, run in job.runs}
        inputs = {}
        for port, source in step.inputs.items():
            if isinstance(source, FromParam):
                inputs[port] = job.values.get(source.label)
            elif isinstance(source, FromStep):
                inputs[port] = outputs.get(source.step, {}).get(source.output)
            else:
                inputs[port] = copy.deepcopy(source)
        return inputs

    def _results(self, job: StudyJob) -> dict:
        results = job.outputs()
        for label, value in results.items():
            if isinstance(value, dict) and value.get("id") in self.runner.store.files:
                results[label] = self.runner.store.files[value["id"]].dto()
        return results

    def _log_links(self, request: Request, job: StudyJob) -> list[dict]:
        links = []
        for step, run in job.runs:
            if not run.logs:
                continue
            key = f"{job.id}/{_log_name(step)}.log"
            links.append({"node_name": _log_name(step),
                          "download_link": self.api.signer.url(base_url(request),
                                                               STUDY_LOGS_BUCKET, key)})
        return links

    def log_text(self, key: str) -> bytes | None:
        """The text of one step's log (``{job id}/{node name}.log``), or None."""
        job_id, _, name = key.partition("/")
        job = self.jobs.get(job_id)
        if job is None:
            return None
        for step, run in job.runs:
            if f"{_log_name(step)}.log" == name:
                return "".join(f"{ts} {msg}\n" for ts, _, msg in run.logs).encode()
        return None


def _uuid(value: str, name: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise Problem(invalid(["path", name], "Input should be a valid UUID",
                              "uuid_parsing")) from None


# --------------------------------------------------------------------------- seed
def _sid(*names: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(names)))


def seed_studies(store: FileStore, solvers: list[Solver] = SOLVERS) -> list[Study]:
    """Two studies built from the emulator's solvers, with stable ids:

    * **Two sleepers in a row**: a sleeper, then a second one reading the first's number;
      inputs Number (a file), Sleep interval, Fail at the end; outputs Random number
      (a file) and Last sleep interval.
    * **Wait, then summarise a table**: a sleeper, then csv-summary; inputs Table (a
      file), Columns, Wait; outputs Summary table, Summary report, Rows, Numeric columns.
    """
    by_name = {(s.key, s.version): s for s in solvers}
    sleeper = by_name[("simcore/services/comp/itis/sleeper", "2.0.2")]
    summary = by_name[("simcore/services/comp/labpanels/csv-summary", "1.0.0")]
    number = store.add_bytes("study-number.txt", b"2").dto()
    zero = store.add_bytes("study-zero.txt", b"0").dto()
    rows = "dose_mg,response,group\n" + "".join(
        f"{d},{round(0.8 * d + (d % 3) * 0.5, 2)},{'ab'[d % 2]}\n" for d in range(5, 105, 5))
    table = store.add_bytes("study-doses.csv", rows.encode()).dto()

    one = "two-sleepers"
    sleepers = Study(
        _sid(one), "Two sleepers in a row",
        "A sleeper, then a second sleeper that reads the number the first one wrote.",
        params=[
            Param(_sid(one, "number"), "Number", "file",
                  "A text file with one integer (the first sleeper's input file)", number),
            Param(_sid(one, "interval"), "Sleep interval", "integer",
                  "Seconds each sleeper adds to its sleep", 2),
            Param(_sid(one, "fail"), "Fail at the end", "boolean",
                  "Make the second sleeper fail after it slept", False),
        ],
        steps=[
            Step(_sid(one, "s1"), "sleeper 1", sleeper,
                 {"input_1": FromParam("Number"), "input_2": FromParam("Sleep interval"),
                  "input_3": False}),
            Step(_sid(one, "s2"), "sleeper 2", sleeper,
                 {"input_1": FromStep("sleeper 1", "output_1"),
                  "input_2": FromParam("Sleep interval"), "input_3": FromParam("Fail at the end")}),
        ],
        probes=[
            Probe(_sid(one, "out1"), "Random number", "file",
                  "The file the second sleeper wrote", FromStep("sleeper 2", "output_1")),
            Probe(_sid(one, "out2"), "Last sleep interval", "integer",
                  "The random interval the second sleeper drew", FromStep("sleeper 2", "output_2")),
        ],
    )
    two = "wait-then-summarise"
    summarise = Study(
        _sid(two), "Wait, then summarise a table",
        "A sleeper waits, then csv-summary computes statistics of every numeric column.",
        params=[
            Param(_sid(two, "table"), "Table", "file", "A CSV file with a header row", table),
            Param(_sid(two, "columns"), "Columns", "string",
                  "Comma-separated column names (empty: every numeric column)", ""),
            Param(_sid(two, "wait"), "Wait", "integer", "Seconds to wait first (doubled)", 2),
        ],
        steps=[
            Step(_sid(two, "s1"), "wait", sleeper,
                 {"input_1": zero, "input_2": FromParam("Wait"), "input_3": False}),
            Step(_sid(two, "s2"), "summary", summary,
                 {"input_1": FromParam("Table"), "input_2": FromParam("Columns")}),
        ],
        probes=[
            Probe(_sid(two, "out1"), "Summary table", "file", "One row per column",
                  FromStep("summary", "output_1")),
            Probe(_sid(two, "out2"), "Summary report", "file", "The statistics as JSON",
                  FromStep("summary", "output_2")),
            Probe(_sid(two, "out3"), "Rows", "integer", "Data rows in the table",
                  FromStep("summary", "output_3")),
            Probe(_sid(two, "out4"), "Numeric columns", "integer", "Columns summarised",
                  FromStep("summary", "output_4")),
        ],
    )
    return [sleepers, summarise]
