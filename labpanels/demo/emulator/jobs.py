"""Solvers of the emulated o²S²PARC and the jobs that run them.

* ``simcore/services/comp/itis/sleeper`` 2.0.2 — ports and behaviour of the published
  service (``sleeper-2.0.2-metadata.yml``; its ``main.py`` as described in the reference):
  sleeps ``(input_2 + <int in input_1>) // 2`` seconds (random 1-9 when that is missing or
  negative), logs ``[PROGRESS] i/N...`` once a second, fails after sleeping when
  ``input_3`` is true, else outputs ``single_number.txt`` (random 1-9) and ``output_2``.
* ``simcore/services/comp/labpanels/csv-summary`` 1.0.0 (and an older 0.9.0): summary
  statistics of an uploaded CSV table.

Every simulated duration is multiplied by ``Settings.time_scale``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import math
import mimetypes
import os
import random
import statistics
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .common import Settings, utcnow_iso

__all__ = [
    "Port", "Solver", "SOLVERS", "Run", "Job", "JobRunner", "JobContext", "FileStore",
    "StoredFile", "JobFailed", "run_in_the_past", "seed_past_jobs", "cancel_all", "DONE_STATES",
    "log_name", "zip_logs",
]

#: states after which a job never changes again
DONE_STATES = ("SUCCESS", "FAILED", "ABORTED")


# --------------------------------------------------------------------------- files
@dataclass
class StoredFile:
    id: str
    filename: str
    size: int
    sha256: str
    e_tag: str
    content_type: str
    path: str

    def dto(self) -> dict:
        return {
            "id": self.id,
            "filename": self.filename,
            "content_type": self.content_type,
            "checksum": self.sha256,
            "e_tag": self.e_tag,
        }


class FileStore:
    """Files uploaded to or produced by the emulated o²S²PARC, kept on disk."""

    def __init__(self, data_dir: str | None):
        self.root = data_dir or tempfile.mkdtemp(prefix="labpanels-emulator-")
        os.makedirs(self.root, exist_ok=True)
        self.files: dict[str, StoredFile] = {}
        self.uploads: dict[str, dict] = {}  # pending multipart uploads

    def _dir(self, file_id: str) -> str:
        d = os.path.join(self.root, "files", file_id)
        os.makedirs(d, exist_ok=True)
        return d

    @staticmethod
    def guess_type(filename: str) -> str:
        return mimetypes.guess_type(filename)[0] or "application/octet-stream"

    def add_bytes(self, filename: str, data: bytes, file_id: str | None = None) -> StoredFile:
        file_id = file_id or str(uuid.uuid4())
        path = os.path.join(self._dir(file_id), "content")
        with open(path, "wb") as fh:
            fh.write(data)
        return self.register(file_id, filename, path)

    def register(
        self, file_id: str, filename: str, path: str, e_tag: str | None = None
    ) -> StoredFile:
        sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha.update(chunk)
                md5.update(chunk)
                size += len(chunk)
        stored = StoredFile(
            file_id,
            filename,
            size,
            sha.hexdigest(),
            e_tag or md5.hexdigest(),
            self.guess_type(filename),
            path,
        )
        self.files[file_id] = stored
        return stored

    def new_upload_path(self, file_id: str, part: int) -> str:
        return os.path.join(self._dir(file_id), f"part-{part:05d}")

    def read(self, file_id: str) -> bytes:
        with open(self.files[file_id].path, "rb") as fh:
            return fh.read()


# --------------------------------------------------------------------------- solvers
@dataclass
class Port:
    key: str
    kind: str  # "input" | "output"
    type: str  # "data:<mime>", "integer", "number", "boolean", "string"
    label: str
    description: str
    default: object = None
    file_name: str | None = None  # fileToKeyMap

    @property
    def is_file(self) -> bool:
        return self.type.startswith("data:")

    def content_schema(self) -> dict:
        if self.is_file:
            return {"type": "string", "title": self.label, "description": self.description}
        schema: dict = {"title": self.label, "type": self.type, "description": self.description}
        if self.default is not None:
            schema["default"] = self.default
        return schema


class JobFailed(Exception):
    """Raised by a solver body: the job ends FAILED with this message."""


@dataclass
class Solver:
    key: str
    version: str
    title: str
    description: str
    maintainer: str
    inputs: list[Port]
    outputs: list[Port]
    run: Callable[[JobContext], Awaitable[dict]]
    version_display: str | None = None

    @property
    def short_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


class JobContext:
    def __init__(self, runner: JobRunner, job: Job):
        self.runner = runner
        self.job = job
        self.rng = random.Random(f"{job.id}/{runner.settings.seed}")

    def log(self, message: str, level: int = 20) -> None:
        self.job.logs.append((utcnow_iso(), level, message))

    def progress(self, fraction: float) -> None:
        self.job.progress = max(self.job.progress, min(100, int(fraction * 100)))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.runner.settings.time_scale)

    def value(self, key: str):
        return self.job.inputs.get(key)

    def input_bytes(self, key: str) -> bytes | None:
        ref = self.job.inputs.get(key)
        if not isinstance(ref, dict) or ref.get("id") not in self.runner.store.files:
            return None
        return self.runner.store.read(ref["id"])

    def output_file(self, filename: str, data: bytes) -> dict:
        return self.runner.store.add_bytes(filename, data).dto()


async def _run_sleeper(ctx: JobContext) -> dict:
    raw = ctx.input_bytes("input_1")
    number = None
    if raw is not None:
        try:
            number = int(raw.decode().strip())
        except ValueError:
            ctx.log(f"input_1 does not hold an integer: {raw[:40]!r}", 30)
    interval = ctx.value("input_2")
    interval = 2 if interval is None else int(interval)
    seconds = (interval + number) // 2 if number is not None else -1
    if seconds < 0:
        seconds = ctx.rng.randint(1, 9)
    ctx.log(f"Will sleep for {seconds} seconds")
    for i in range(1, seconds + 1):
        await ctx.sleep(1)
        ctx.log(f"[PROGRESS] {i}/{seconds}...")
        ctx.progress(i / seconds)
    if ctx.value("input_3"):
        ctx.log("Failing after sleep as requested", 40)
        raise JobFailed("Failing after sleep as requested")
    single = ctx.rng.randint(1, 9)
    out2 = ctx.rng.randint(1, 9)
    ctx.log(f"Wrote {single} to single_number.txt and output_2={out2}")
    return {
        "output_1": ctx.output_file("single_number.txt", f"{single}".encode()),
        "output_2": out2,
    }


def _summarise(text: str, wanted: list[str]) -> tuple[list[dict], int, list[str]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows or not rows[0]:
        raise JobFailed("the table is empty")
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    if wanted:
        missing = [c for c in wanted if c not in header]
        if missing:
            raise JobFailed(f"columns not found: {', '.join(missing)}")
    stats, skipped = [], []
    for j, name in enumerate(header):
        if wanted and name not in wanted:
            continue
        values, blanks, numeric = [], 0, True
        for r in body:
            cell = r[j].strip() if j < len(r) else ""
            if cell == "" or cell.lower() in ("na", "nan", "null"):
                blanks += 1
                continue
            try:
                values.append(float(cell))
            except ValueError:
                numeric = False
                break
        if not numeric or not values:
            skipped.append(name)
            continue
        ordered = sorted(values)
        stats.append(
            {
                "column": name,
                "count": len(values),
                "missing": blanks,
                "mean": statistics.fmean(values),
                "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                "min": ordered[0],
                "q25": _quantile(ordered, 0.25),
                "median": _quantile(ordered, 0.5),
                "q75": _quantile(ordered, 0.75),
                "max": ordered[-1],
            }
        )
    if not stats:
        raise JobFailed("no numeric columns to summarise")
    return stats, len(body), skipped


def _quantile(ordered: list[float], q: float) -> float:
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


async def _run_csv_summary(ctx: JobContext) -> dict:
    raw = ctx.input_bytes("input_1")
    if raw is None:
        ctx.log("input_1 (a CSV file) is required", 40)
        raise JobFailed("input_1 (a CSV file) is required")
    columns = [c.strip() for c in str(ctx.value("input_2") or "").split(",") if c.strip()]
    ctx.log(f"Reading table ({len(raw)} bytes)")
    await ctx.sleep(0.5)
    ctx.progress(0.3)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        ctx.log("input_1 is not UTF-8 text", 40)
        raise JobFailed("input_1 is not UTF-8 text") from e
    try:
        stats, n_rows, skipped = _summarise(text, columns)
    except JobFailed as e:
        ctx.log(str(e), 40)
        raise
    for k, s in enumerate(stats, 1):
        ctx.log(
            f"[PROGRESS] {k}/{len(stats)}... {s['column']}: mean={s['mean']:.4g} sd={s['std']:.4g}"
        )
        ctx.progress(0.3 + 0.6 * k / len(stats))
        await ctx.sleep(0.2)
    if skipped:
        ctx.log(f"skipped non-numeric columns: {', '.join(skipped)}", 30)
    buf = io.StringIO()
    fields = ["column", "count", "missing", "mean", "std", "min", "q25", "median", "q75", "max"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for s in stats:
        w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in s.items()})
    report = {
        "rows": n_rows,
        "numeric_columns": len(stats),
        "skipped_columns": skipped,
        "columns": stats,
    }
    ctx.log(f"Summarised {len(stats)} columns over {n_rows} rows")
    return {
        "output_1": ctx.output_file("summary.csv", buf.getvalue().encode()),
        "output_2": ctx.output_file("summary.json", (json.dumps(report, indent=2) + "\n").encode()),
        "output_3": n_rows,
        "output_4": len(stats),
    }


_SLEEPER = Solver(
    key="simcore/services/comp/itis/sleeper",
    version="2.0.2",
    title="sleeper",
    description="A service which awaits for time to pass.",
    maintainer="info@itis.swiss",
    version_display="2.0.2",
    inputs=[
        Port(
            "input_1",
            "input",
            "data:text/plain",
            "File with int number",
            "Pick a file containing only one integer",
            file_name="single_number.txt",
        ),
        Port(
            "input_2", "input", "integer", "Sleep interval", "Choose an amount of time to sleep", 2
        ),
        Port(
            "input_3",
            "input",
            "boolean",
            "Fail after sleep",
            "If set to true will cause service to fail after it sleeps",
            False,
        ),
    ],
    outputs=[
        Port(
            "output_1",
            "output",
            "data:text/plain",
            "File containing one random integer",
            "Integer is generated in range [1-9]",
            file_name="single_number.txt",
        ),
        Port(
            "output_2",
            "output",
            "integer",
            "Random sleep interval",
            "Interval is generated in range [1-9]",
        ),
    ],
    run=_run_sleeper,
)


def _csv_summary(version: str) -> Solver:
    return Solver(
        key="simcore/services/comp/labpanels/csv-summary",
        version=version,
        title="CSV summary",
        description="Summary statistics (count, mean, sd, quartiles, min, max) of every numeric "
        "column of a CSV table.",
        maintainer="labpanels@example.org",
        version_display=version,
        inputs=[
            Port(
                "input_1",
                "input",
                "data:text/csv",
                "Table",
                "A CSV file with a header row",
                file_name="table.csv",
            ),
            Port(
                "input_2",
                "input",
                "string",
                "Columns",
                "Comma-separated column names to summarise (empty: all numeric columns)",
                "",
            ),
        ],
        outputs=[
            Port(
                "output_1",
                "output",
                "data:text/csv",
                "Summary table",
                "One row per column",
                file_name="summary.csv",
            ),
            Port(
                "output_2",
                "output",
                "data:application/json",
                "Summary report",
                "The statistics as JSON",
                file_name="summary.json",
            ),
            Port("output_3", "output", "integer", "Rows", "Number of data rows in the table"),
            Port(
                "output_4", "output", "integer", "Numeric columns", "Number of summarised columns"
            ),
        ],
        run=_run_csv_summary,
    )


SOLVERS: list[Solver] = [_SLEEPER, _csv_summary("0.9.0"), _csv_summary("1.0.0")]


# --------------------------------------------------------------------------- jobs
@dataclass(kw_only=True)
class Run:
    """What a solver job and a study job share: a state, its times and errors, and the
    task that drives it on the server's loop. A subclass has ``id`` and ``progress``."""

    id: str
    state: str = "NOT_STARTED"
    submitted_at: str = ""
    started_at: str | None = None
    stopped_at: str | None = None
    errors: list | None = None
    metadata: dict = field(default_factory=dict)
    task: asyncio.Task | None = None

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES

    def status(self) -> dict:
        """Its ``JobStatus``."""
        return {
            "job_id": self.id,
            "state": self.state,
            "progress": int(self.progress),
            "submitted_at": self.submitted_at,
            "started_at": self.started_at,
            "stopped_at": self.stopped_at,
            "errors": self.errors,
        }

    def launch(self, work: Coroutine) -> None:
        """Publish the job and drive it with ``work``, a task on the running loop."""
        self.state, self.submitted_at = "PUBLISHED", utcnow_iso()
        self.task = asyncio.get_running_loop().create_task(work)

    async def queue(self, scale: float) -> None:
        """PUBLISHED, then PENDING, then STARTED, as the platform's queue moves it on."""
        await asyncio.sleep(0.5 * scale)
        self.state = "PENDING"
        await asyncio.sleep(0.5 * scale)
        self.state, self.started_at = "STARTED", utcnow_iso()

    async def cancel(self) -> None:
        """Stop the job: cancel the task driving it and wait until it ended; a job that
        had not started (or not yet taken its first step) ends ABORTED here."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if not self.done:
            self.state, self.stopped_at = "ABORTED", utcnow_iso()


async def cancel_all(runs: Iterable[Run]) -> None:
    """Stop every job of ``runs`` that was started and may still run."""
    for run in list(runs):
        if run.task is not None:
            await run.cancel()


@dataclass
class Job(Run):
    id: str
    solver: Solver
    inputs: dict
    created_at: str
    progress: int = 0
    outputs: dict | None = None
    logs: list[tuple[str, int, str]] = field(default_factory=list)
    log_zip: bytes | None = None

    async def cancel(self) -> None:
        """Stop the job; its log zip is there afterwards, as for any job that ended."""
        await super().cancel()
        if self.log_zip is None:
            self.log_zip = zip_logs(self)


class JobRunner:
    def __init__(self, settings: Settings, store: FileStore):
        self.settings = settings
        self.store = store
        self.jobs: dict[str, Job] = {}

    def create(self, solver: Solver, inputs: dict) -> Job:
        now = utcnow_iso()
        job = Job(str(uuid.uuid4()), solver, inputs, created_at=now, submitted_at=now)
        self.jobs[job.id] = job
        return job

    def start(self, job: Job) -> None:
        job.launch(self._drive(job))

    async def _drive(self, job: Job) -> None:
        ctx = JobContext(self, job)
        try:
            await job.queue(self.settings.time_scale)
            ctx.log(f"Starting {job.solver.key}:{job.solver.version}")
            outputs = await job.solver.run(ctx)
            job.outputs = outputs
            job.progress = 100
            job.state = "SUCCESS"
            ctx.log("Service finished successfully")
        except asyncio.CancelledError:
            job.state = "ABORTED"
            ctx.log("Job was stopped by the user", 30)
        except JobFailed as e:
            job.state = "FAILED"
            job.progress = 100
            job.errors = [
                {
                    "loc": [job.solver.short_name, job.solver.version],
                    "msg": str(e),
                    "type": "RuntimeError",
                    "ctx": {},
                }
            ]
        except Exception as e:  # a bug in a solver body: report it like the platform would
            job.state = "FAILED"
            job.progress = 100
            ctx.log(f"Unexpected error: {e!r}", 40)
            job.errors = [
                {"loc": [job.solver.short_name], "msg": str(e), "type": type(e).__name__, "ctx": {}}
            ]
        finally:
            job.stopped_at = utcnow_iso()
            job.log_zip = zip_logs(job)


def log_name(job: Job) -> str:
    """The name of a solver job's log file in its log zip."""
    return f"{job.solver.short_name}_{job.solver.version}.logs"


def zip_logs(job: Job) -> bytes:
    """A solver job's log, zipped as the platform serves it once the job ended."""
    import zipfile

    text = "".join(f"{ts} {msg}\n" for ts, _, msg in job.logs)
    buf = io.BytesIO()
    stamp = datetime.now(timezone.utc).timetuple()[:6]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(log_name(job), date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text)
    return buf.getvalue()


# --------------------------------------------------------------------------- past jobs
class _PastContext(JobContext):
    """Runs a solver body at once on a simulated clock: sleeping advances the clock and
    log lines carry its time, so a job of the past has the log it would have had."""

    def __init__(self, runner: JobRunner, job: Job, now: datetime) -> None:
        super().__init__(runner, job)
        self.now = now

    def log(self, message: str, level: int = 20) -> None:
        self.job.logs.append((self.now.isoformat(), level, message))

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _run_now(coro):
    """The result of a coroutine that never suspends (a body on a simulated clock)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("a solver body waited on something other than its clock")


def run_in_the_past(runner: JobRunner, solver: Solver, inputs: dict, created: datetime) -> Job:
    """A job created at ``created`` that ran to its end, as the listing shows it later:
    real outputs in the file store, a log zip, the timestamps of its simulated run."""
    job = Job(str(uuid.uuid4()), solver, dict(inputs), created_at=created.isoformat(),
              submitted_at=(created + timedelta(seconds=1)).isoformat())
    ctx = _PastContext(runner, job, created + timedelta(seconds=2))
    job.state, job.started_at = "STARTED", ctx.now.isoformat()
    ctx.log(f"Starting {solver.key}:{solver.version}")
    try:
        job.outputs = _run_now(solver.run(ctx))
        job.state, job.progress = "SUCCESS", 100
        ctx.log("Service finished successfully")
    except JobFailed as e:
        job.state, job.progress = "FAILED", 100
        job.errors = [{"loc": [solver.short_name, solver.version], "msg": str(e),
                       "type": "RuntimeError", "ctx": {}}]
    job.stopped_at = ctx.now.isoformat()
    job.log_zip = zip_logs(job)
    # as labpanels keeps them when it creates a job (the API does not return a job's inputs)
    job.metadata = {"labpanels_inputs": json.dumps(inputs)}
    runner.jobs[job.id] = job
    return job


def seed_past_jobs(runner: JobRunner, solvers: list[Solver]) -> list[Job]:
    """A short history for the demo: sleeper 2.0.2 jobs that succeeded and one that
    failed (days and hours ago), and a csv-summary 1.0.0 job."""
    by_name = {(s.key, s.version): s for s in solvers}
    sleeper = by_name.get(("simcore/services/comp/itis/sleeper", "2.0.2"))
    summary = by_name.get(("simcore/services/comp/labpanels/csv-summary", "1.0.0"))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    store = runner.store
    done: list[Job] = []
    if sleeper is not None:
        three = store.add_bytes("history-number.txt", b"3").dto()
        for ago, interval, fail in ((timedelta(days=3, hours=2), 1, False),
                                    (timedelta(days=1, hours=5), 2, True),
                                    (timedelta(hours=2, minutes=14), 3, False)):
            inputs = {"input_1": three, "input_2": interval, "input_3": fail}
            done.append(run_in_the_past(runner, sleeper, inputs, now - ago))
    if summary is not None:
        rows = "x,y\n" + "".join(f"{i},{i * i}\n" for i in range(1, 11))
        table = store.add_bytes("history-table.csv", rows.encode()).dto()
        done.append(run_in_the_past(runner, summary, {"input_1": table, "input_2": ""},
                                    now - timedelta(hours=5, minutes=40)))
    return done
