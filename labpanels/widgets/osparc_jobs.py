"""o²S²PARC panels: JobBuilder (a solver's form), OsparcJobProgress (a live bar with Stop)
and OsparcResultViewer (outputs with their types, filterable logs, the error of a failed
job). They render the session's ``job`` (:class:`~labpanels.osparc.OsparcSession` polls it,
one poller per job): a job submitted in the builder is followed by the bar and shown by
the viewer, and all of them show the same state. Every click is also a method.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Float, Int, List, Unicode

from ..errors import LabpanelsError
from ..formatting import plural
from ..osparc.session import DONE_STATES, JobNotFinished, OsparcSession
from ..waiting import Stopped, poll
from .assets import asset
from .base import Panel, PanelBase
from .common import friendly
from .osparc_form import InvalidInputs, PortField, PortForm, files_in, port_kind, same_kind

__all__ = [
    "JobBuilder",
    "OsparcJobProgress",
    "OsparcResultViewer",
    "InvalidInputs",
    "port_kind",
    "log_level",
    "value_type",
    "progress_text",
    "shown_value",
    "value_cells",
    "settle",
]


# --------------------------------------------------------------------------- helpers
def value_type(value: Any) -> str:
    """The server type of an output value: file, integer, number, boolean, string..."""
    if isinstance(value, Mapping) and "id" in value and "filename" in value:
        return "file"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def shown_value(value: Any) -> str:
    """A job's input or output value as a table shows it: a file by its name, text as
    it is, anything else as JSON."""
    if isinstance(value, Mapping) and "filename" in value:
        return str(value.get("filename"))
    return value if isinstance(value, str) else json.dumps(value)


def value_cells(value: Any) -> list[str]:
    """An output value's [type, value] cells: ``file (text/plain)`` and its name for a
    file, the server type and :func:`shown_value` otherwise."""
    kind = value_type(value)
    if kind == "file":
        kind = f"file ({value.get('content_type') or '?'})"
    return [kind, shown_value(value)]


def settle(panel: PanelBase, ready: Callable[[], bool | None],
           timeout: float | None) -> bool:
    """Wait until ``ready()`` is true (asked less and less often, up to every 0.25 s), for
    at most ``timeout`` seconds or until the panel closes; True when it was reached."""
    try:
        poll(ready, timeout=timeout, first=0.02, factor=1.5, cap=0.25, stop=panel.stopping)
    except (Stopped, TimeoutError):
        return False
    return True


_LEVEL_TOKEN = re.compile(r"\b(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b")
_ERROR_WORDS = re.compile(
    r"\b(error|errors|exception|traceback|fail|failed|failing|failure|fatal|critical)\b",
    re.IGNORECASE,
)
_WARNING_WORDS = re.compile(
    r"\b(warn|warning|warnings|deprecated|skipped|skipping|stopped|aborted|retrying|does not)\b",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def log_level(line: str) -> str:
    """DEBUG, INFO, WARNING or ERROR, inferred from a log line's text."""
    token = _LEVEL_TOKEN.search(line)
    if token:
        name = token.group(1)
        return {"WARN": "WARNING", "CRITICAL": "ERROR", "FATAL": "ERROR"}.get(name, name)
    if _ERROR_WORDS.search(line):
        return "ERROR"
    if _WARNING_WORDS.search(line):
        return "WARNING"
    return "INFO"


def progress_text(state: str, progress: int | None) -> str:
    """What the bar says of a job's progress: ``40 %``, ``failed at 40 %``, ``stopped at
    10 %`` (or ``failed`` when its progress before the end is not known)."""
    if not state:
        return ""
    if state == "SUCCESS":
        return "100 %"
    word = {"FAILED": "failed", "ABORTED": "stopped"}.get(state)
    if word:
        return word if progress is None else f"{word} at {progress} %"
    return f"{progress or 0} %"


# --------------------------------------------------------------------------- JobBuilder
class JobBuilder(PortForm, Panel):
    """Choose a solver and version, fill the form its input ports describe, submit.

    Nothing is sent until every field is valid; one click submits one job (the button
    is locked meanwhile) and the job becomes the session's ``job`` for the other panels.
    One anywidget (``osparc_builder.js``): the view draws ``form`` (one field per input
    port) and sends actions; ``field_errors`` holds each field's message. Traits:
    ``submitting``, ``job`` (the last job submitted here, as the session's ``job`` shows
    it while it is the current one), ``solver_id``, ``version``, ``versions``, ``files``
    (the working folder's files offered to file ports).
    """

    _esm = asset("osparc_builder.js")
    _css = asset("osparc_builder.css")

    submitting = Bool(False).tag(sync=True)
    job = Dict(allow_none=True, default_value=None)
    solver_options = List().tag(sync=True)  # [id, label] pairs
    solver_id = Unicode("").tag(sync=True)
    versions = List(Unicode()).tag(sync=True)
    version = Unicode("").tag(sync=True)
    about = Unicode("").tag(sync=True)
    files = List(Unicode()).tag(sync=True)

    ACTIONS = frozenset({"choose_solver", "refresh", "refresh_files", "set_inputs",
                         "submit_form", "upload"})

    def __init__(self, session: OsparcSession, *, workdir: str | Path = ".", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.workdir = Path(workdir).resolve()
        self.fields: dict[str, PortField] = {}
        self._solvers: list[dict] = []
        self._choosing = False
        self._shown: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._form_lock = threading.RLock()  # one thread at a time builds the form
        self._thread: threading.Thread | None = None
        self.follow(session, self._session_solver, "solver")
        self.follow(session, self._session_job, "job")
        self.attempt(self.refresh)

    # -- solvers ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the solvers and the folder's files again; rebuild the current solver's form
        (values already typed are kept)."""
        self._solvers = self.session.solvers()
        self.solver_options = [
            [s["id"], f"{s.get('title') or s['id'].rsplit('/', 1)[-1]} — {s['id']}"]
            for s in sorted(self._solvers, key=lambda s: str(s.get("title", s["id"])))
        ]
        current = self.session.solver
        if current:
            self.choose_solver(current["id"], current["version"])
        elif self.solver_options:
            self.choose_solver(self.solver_options[0][0])

    def choose_solver(self, key: str, version: str | None = None) -> dict:
        """Make a solver release current (the latest when no version) and build its form."""
        releases = sorted(
            {str(r["version"]) for r in self.session.solver_releases(key)},
            key=_version_key,
            reverse=True,
        )
        version = version or (releases[0] if releases else None)
        with self._form_lock:
            self._choosing = True  # the session's observer leaves the form to this call
            try:
                solver = self.session.select_solver(key, version)
            finally:
                self._choosing = False
            self._show_solver(solver, releases)
        return solver

    def _show_solver(self, solver: Mapping[str, Any], releases: list[str] | None = None) -> None:
        with self._form_lock:
            self._show_solver_now(solver, releases)

    def _show_solver_now(self, solver: Mapping[str, Any], releases: list[str] | None) -> None:
        key, version = str(solver["id"]), str(solver["version"])
        if key not in [k for k, _ in self.solver_options]:
            self.solver_options = [*self.solver_options, [key, key]]
        if releases is not None:
            self.versions = releases or [version]
        elif self.solver_id != key:
            self.versions = [version]
        if version not in self.versions:
            self.versions = [*self.versions, version]
        self.solver_id, self.version = key, version
        self.about = str(solver.get("description") or "")
        self._build_form(self.session.input_ports(solver))
        self._shown = (key, version)

    def _build_form(self, ports: list[dict]) -> None:
        self.files = files_in(self.workdir)
        # what was typed survives a refresh of the same port
        self._set_fields({str(p["key"]): PortField(p, self.workdir)
                          for p in ports if p.get("kind", "input") == "input"},
                         keep=lambda before, field: (same_kind(before, field)
                                                     and before.schema == field.schema))
        self.show_message("", "info")

    def refresh_files(self) -> None:
        """List the working folder's files again for every file field."""
        self.files = files_in(self.workdir)

    # -- inputs ----------------------------------------------------------------------
    def _form_owner(self) -> str:
        return self._solver_name()

    def upload(self, key: str, name: str, buffers: list | None = None) -> Path:
        """Keep a file uploaded in the view (its bytes in the message) for port ``key``."""
        if key not in self.fields or self.fields[key].kind != "file":
            raise ValueError(f"{key} is not a file input of {self._solver_name()}")
        if not buffers:
            raise ValueError("the upload carried no bytes")
        target = self.fields[key].save_upload(name, bytes(buffers[0]))
        self.refresh_files()
        self._publish()
        return target

    def submit(self) -> dict:
        """Check the form, then create and start one job; returns it (also ``session.job``)."""
        with self._lock:
            if self.submitting:
                raise LabpanelsError("a submission is already under way")
            self.submitting = True
        return self._submit()

    def _submit(self) -> dict:
        """Submit (``submitting`` is already True: this call owns the submission)."""
        try:
            try:
                inputs = self.values()
            except InvalidInputs as exc:
                self.show_message(friendly(exc), "error")
                raise
            self.show_message("Submitting…")
            job = self.session.submit(inputs)
            current = self.session.job or {}  # newer than ``job`` when the poller was quick
            self.job = dict(current if current.get("id") == job["id"] else job)
            # no state word here: the progress bar and the viewer show the job's state
            self.show_message(f"Submitted job {job['id']}", "ok")
            return job
        finally:
            self.submitting = False

    def submit_form(self, values: Mapping[str, Any] | None = None) -> threading.Thread | None:
        """What the Submit button does: take the values the view holds, then submit on a
        thread of its own (a second click while one is sent is ignored)."""
        with self._lock:
            if self.submitting:
                return None
            self.submitting = True
        try:
            if values:
                self.set_inputs(**{k: v for k, v in values.items() if k in self.fields})
        except Exception:
            self.submitting = False
            raise

        def work() -> None:
            try:
                with self.reporting():
                    self._submit()
            finally:
                self.submitting = False

        self._thread = self.start(work, name="labpanels-osparc-submit")
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a submission started by the button; True when none is running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    # -- reactions --------------------------------------------------------------------
    def _solver_name(self) -> str:
        solver = self.session.solver or {}
        return str(solver.get("title") or solver.get("id") or "the solver")

    def _session_solver(self, change: dict) -> None:
        if self._choosing:  # choose_solver on this thread builds the form itself
            return
        self.later(self._follow_solver)  # the ports are read from the server: not here

    def _follow_solver(self) -> None:
        """Build the form of the session's solver now (the latest, however many came)."""
        with self._form_lock:
            solver = self.session.solver
            if solver and self._shown != (solver["id"], solver["version"]):
                self._show_solver_now(solver, None)

    def _session_job(self, change: dict) -> None:
        new = change["new"]
        if new and self.job and new.get("id") == self.job.get("id"):
            self.job = dict(new)  # the job submitted here, as the session knows it now


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-+]", version))


# --------------------------------------------------------------------------- progress
class OsparcJobProgress(Panel):
    """A live bar for the session's current o²S²PARC job: progress, state, elapsed time
    and Stop.

    It renders ``session.job`` and nothing else: the session polls the job (one poller
    per job), so the bar, the result viewer and the session always show the same state.
    A failed job shows the progress it had reached (``failed at 40 %``) and its error.
    ``job`` (a job dict or id) makes that job the session's current one.
    """

    _esm = asset("osparc_progress.js")
    _css = asset("osparc_progress.css")

    job_id = Unicode("").tag(sync=True)
    solver_label = Unicode("").tag(sync=True)
    state = Unicode("").tag(sync=True)
    progress = Int(0).tag(sync=True)
    progress_text = Unicode("").tag(sync=True)
    elapsed = Float(0.0).tag(sync=True)
    running = Bool(False).tag(sync=True)
    stop_sent = Bool(False, help="Stop was clicked and the server has not answered yet").tag(
        sync=True)
    status = Dict().tag(sync=False)

    ACTIONS = frozenset({"stop", "refresh"})

    def __init__(self, session: OsparcSession, job: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self._derived = False  # the message says what the job's state says (not an action)
        PanelBase.follow(self, session, self._job_changed, "job")
        if job is not None:
            with self.reporting():
                self.follow_job(job)
        self._render(session.job)

    def follow(self, source: Any, handler: Callable[[dict], None] | None = None,
               names: Any = None, *, background: bool = False) -> Any:
        """With one argument (a job dict or id): :meth:`follow_job`. Otherwise
        :meth:`PanelBase.follow` (observe ``names`` of ``source`` until the panel closes)."""
        if handler is None and names is None:
            return self.follow_job(source)
        return super().follow(source, handler, names, background=background)

    def follow_job(self, job: Any) -> dict:
        """Make ``job`` the session's current job (every panel shows it; the session
        polls it while it runs); returns its state."""
        return self.session.follow_job(job)

    def refresh(self) -> dict:
        """Ask the server for the job's status once (the bar shows it)."""
        if not self.job_id:
            raise LabpanelsError("no job to follow: submit one or pass job=")
        return self.session.status(self.job_id)

    def stop(self) -> dict:
        """Stop the job on the server (it ends ABORTED)."""
        if not self.job_id:
            raise LabpanelsError("no job to stop")
        self.stop_sent = True
        try:
            return self.session.stop(self.job_id)
        finally:
            self.stop_sent = False

    def wait(self, timeout: float | None = None) -> str:
        """Wait until the job ended (or the session stopped checking it); returns the
        state shown."""

        def settled() -> bool | None:
            job = self.status
            if not job or self.state in DONE_STATES or "polling" not in job:
                return True  # no job, an ended one, or one the session does not follow
            return True if not job["polling"] and job.get("poll_error") else None

        settle(self, settled, timeout)
        return self.state

    # -- rendering the session's job -------------------------------------------------
    def _job_changed(self, change: dict) -> None:
        self._render(change["new"])

    def _render(self, job: Mapping[str, Any] | None) -> None:
        if not job:
            self.status = {}
            self.job_id = self.solver_label = self.progress_text = ""
            self.progress, self.elapsed, self.running, self.stop_sent = 0, 0.0, False, False
            self.state = ""
            self._say("", "info")
            return
        job = dict(job)
        state = str(job.get("state") or "")
        progress = job.get("progress")
        job_id = str(job.get("id") or job.get("job_id") or "")
        if job_id != self.job_id:
            self._say("", "info")  # nothing said of the job before applies to this one
        self.status = job
        self.job_id = job_id
        solver = str(job.get("solver") or "")
        self.solver_label = (f"{solver.rsplit('/', 1)[-1]} {job.get('version') or ''}".strip()
                             if solver else "")
        self.progress = int(progress) if progress is not None else 0
        self.progress_text = progress_text(state, progress)
        self.elapsed = float(job.get("elapsed") or 0.0)
        self.running = bool(state) and state not in DONE_STATES
        self.state = state  # last: an observer of state sees the rest already
        error = str(job.get("error") or "")
        if state == "SUCCESS":
            self._say("Finished", "ok")
        elif state in DONE_STATES:
            self._say(f"{state}: {error}" if error else state, "error")
        elif job.get("poll_error"):
            self._say(f"Not up to date: {job['poll_error']}", "error")
        elif self._derived:
            self._say("", "info")

    def _say(self, text: str, kind: str) -> None:
        super().show_message(text, kind)
        self._derived = True

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show one line under the bar (what an action says stays until the job changes)."""
        super().show_message(text, kind)
        self._derived = False

    def on_view_message(self, content: Mapping[str, Any], buffers: list) -> None:
        if content.get("type") == "stop":  # the message of earlier views
            self.dispatch({"type": "action", "name": "stop"})


# --------------------------------------------------------------------------- results
OUTPUT_COLUMNS = ["name", "title", "type", "value"]


class OsparcResultViewer(Panel):
    """A finished job's outputs (name, server type, value; files downloadable) and its
    log, filterable by level and text, with the error of a failed job shown first.

    Renders ``session.job`` (its state, error and outputs come from there, so it agrees
    with the bar): while a job runs its log lines arrive live (the server's log stream;
    ``live_log=False`` turns that off), and when it ends the complete log file replaces
    them, read on the panel's own worker thread. Traits: ``state``, ``error`` (why the
    job failed), ``outputs`` (values with the server's own types), ``log`` (every line:
    ``n``, ``time``, ``level``, ``text``), ``levels`` and ``query`` (the log filters),
    ``error_line`` (index into ``log``; -1 when none).

    One anywidget (``osparc_viewer.js``). The log travels to the browser as append
    messages carrying only the new lines (``log_append``: ``start`` and rows of
    ``[level, text]``), applied once per model in the view module's ``initialize``: a
    live log of n lines costs about its own size on the wire, not n²/2.
    """

    _esm = asset("osparc_viewer.js")
    _css = asset("osparc_viewer.css")

    heading = Unicode("No job yet").tag(sync=True)
    state = Unicode("").tag(sync=True)
    error = Unicode("").tag(sync=True)
    outputs = Dict()
    output_rows = List().tag(sync=True)  # rows as lists, in OUTPUT_COLUMNS order
    outputs_empty = Unicode("No job yet").tag(sync=True)
    selected_outputs = List(Unicode()).tag(sync=True)
    dest = Unicode("").tag(sync=True)
    log = List()
    levels = List(Unicode(), default_value=list(LEVELS)).tag(sync=True)
    query = Unicode("").tag(sync=True)
    error_line = Int(-1).tag(sync=True)
    log_empty = Unicode("No log yet").tag(sync=True)
    log_key = Unicode("").tag(sync=True)  # names this model's log store in the page
    log_epoch = Int(0)  # which log the lines sent belong to (a new job: a new epoch)

    ACTIONS = frozenset({"load", "download", "filter_log", "select_outputs"})
    SLOW_ACTIONS = frozenset({"load", "download"})  # they read the server

    def __init__(self, session: OsparcSession, job: Any = None, *, live_log: bool = True,
                 **kwargs: Any) -> None:
        # in the state the widget opens with: the view module's initialize() names the
        # log store by it before any later update arrives
        kwargs.setdefault("log_key", uuid.uuid4().hex)
        super().__init__(**kwargs)
        self.session = session
        self.live_log = live_log
        self._job: dict = {}  # the session's job as last shown
        self._current = ""  # its id
        self._loaded: tuple[str, str] | None = None  # (job id, state) whose log is shown
        self._live = ""  # the id of the job whose log is read live
        self._end_stream: Callable[[], None] | None = None
        self._titles: dict[tuple[str, str], dict[str, str]] = {}
        self._show_lock = threading.RLock()  # status, outputs and log change together
        self._load_lock = threading.Lock()  # one log load at a time
        self.on_close(self._stop_stream)
        self.follow(session, self._job_changed, "job")
        if job is not None:
            with self.reporting():
                session.follow_job(job)
        if session.job:
            self._show(session.job)

    # -- messages from the view -----------------------------------------------------------
    def on_view_message(self, content: Mapping[str, Any], buffers: list) -> None:
        if content.get("type") == "log_sync":
            self._log_sync(int(content.get("epoch", -1)), int(content.get("have", 0)))

    # -- the log on the wire ---------------------------------------------------------------
    def _send_log(self, start: int, entries: list[dict]) -> None:
        if entries and self.comm is not None:
            self.send({"type": "log_append", "epoch": self.log_epoch, "start": start,
                       "rows": [[e["level"], e["text"]] for e in entries]})

    def _reset_log(self, entries: list[dict]) -> None:
        """Replace the whole log (a new job, or the log file replacing other lines)."""
        self.log_epoch += 1
        self.log = entries
        if self.comm is not None:
            self.send({"type": "log_reset", "epoch": self.log_epoch})
        self._send_log(0, entries)

    def _append_log(self, texts: list[str]) -> None:
        """Add live lines: only they travel to the browser."""
        start = len(self.log)
        new = [{"n": start + i, "time": "", "level": log_level(t), "text": t}
               for i, t in enumerate(texts)]
        self.log = self.log + new
        self._send_log(start, new)

    def _log_sync(self, epoch: int, have: int) -> None:
        """A view's model (new, or out of step) has ``have`` lines of log ``epoch``."""
        with self._show_lock:
            if epoch == self.log_epoch and have == len(self.log):
                return
            if epoch == self.log_epoch and 0 <= have < len(self.log):
                self._send_log(have, self.log[have:])
                return
            if self.comm is not None:
                self.send({"type": "log_reset", "epoch": self.log_epoch})
            self._send_log(0, self.log)

    # -- loading -----------------------------------------------------------------------
    def load(self, job: Any = None) -> dict:
        """Show ``job`` (the session's current job by default; another becomes the
        current one) and read its log now, once it has ended; returns its state."""
        target = job if job is not None else (self.session.job or None)
        if not target:
            raise LabpanelsError("no job to show: submit one or pass job=")
        record = self.session.follow_job(target)
        self._show(record)
        if record.get("state") in DONE_STATES:
            self._load_log(str(record.get("id")), force=True)
        return record

    def _job_changed(self, change: dict) -> None:
        if change["new"]:
            self._show(change["new"])

    def _show(self, job: Mapping[str, Any]) -> None:
        """Render the session's job: cheap (no request), on whichever thread changed it;
        what needs the server is queued on the panel's worker."""
        job = dict(job)
        job_id = _job_id(job)
        state = str(job.get("state") or "")
        with self._show_lock:
            if job_id != self._current:  # another job: start afresh
                self._stop_stream()
                self._current, self._loaded, self._live = job_id, None, ""
                self.error, self.outputs, self.error_line = "", {}, -1
                self.output_rows, self.selected_outputs = [], []
                self._reset_log([])
                self.log_empty = "No log yet"
            self._job = job
            self.state = state
            self._show_state(job)
            done = state in DONE_STATES
            solver = (str(job.get("solver") or ""), str(job.get("version") or ""))
            if all(solver) and solver not in self._titles:
                self._titles[solver] = {}  # asked once; filled in on the worker
                self.later(self._read_titles, solver)
            if done and self._loaded != (job_id, state):
                self.later(self._load_log, job_id)
            elif not done and self.live_log and self._live != job_id:
                self._live = job_id
                self.start(self._read_live_log, job, job_id,
                           name=f"labpanels-osparc-log-{job_id[:8]}")

    def _show_state(self, job: Mapping[str, Any]) -> None:
        job_id, state = _job_id(job), str(job.get("state") or "")
        if state in DONE_STATES:
            self.heading = f"Job {job_id}: {state}"
        else:
            self.heading = f"Job {job_id} is {state}: results appear when it ends"
        if state in DONE_STATES and state != "SUCCESS":
            self.error = str(job.get("error") or "no message from the server; see the log below")
        else:
            self.error = ""
        self._show_outputs(job)
        if job.get("poll_error"):
            self.show_message(f"Not up to date: {job['poll_error']}", "error")
        elif self.message.startswith("Not up to date"):
            self.show_message("", "info")

    @property
    def error_text(self) -> str:
        """The banner of a failed job (``Job FAILED: …``; "" otherwise)."""
        return f"Job {self.state}: {self.error}" if self.error else ""

    def _show_outputs(self, job: Mapping[str, Any]) -> None:
        results = job.get("outputs") if job.get("state") == "SUCCESS" else None
        if not results:
            note = str(job.get("outputs_note") or "")
            self.outputs = {}
            self.output_rows = []
            self.outputs_empty = f"No outputs: {note}" if note else "No outputs"
            return
        titles = self._titles.get((str(job.get("solver")), str(job.get("version")))) or {}
        self.outputs = dict(results)
        rows = [[name, titles.get(name, ""), *value_cells(value)]
                for name, value in results.items()]
        if rows != self.output_rows:
            self.output_rows = rows

    @property
    def output_table(self) -> list[dict]:
        """The outputs as the table shows them (name, title, type, value)."""
        return [dict(zip(OUTPUT_COLUMNS, row, strict=True)) for row in self.output_rows]

    def _read_titles(self, solver: tuple[str, str]) -> None:
        """The output ports' titles of a solver (once per solver), then the rows again."""
        try:
            titles = {
                str(p["key"]): str((p.get("content_schema") or {}).get("title", ""))
                for p in self.session.output_ports(solver)
            }
        except LabpanelsError:
            return  # only titles: the outputs show without them
        with self._show_lock:
            self._titles[solver] = titles
            if (str(self._job.get("solver")), str(self._job.get("version"))) == solver:
                self._show_outputs(self._job)

    def _load_log(self, job_id: str, force: bool = False) -> None:
        """Read the ended job's whole log file (on the worker; ``load`` calls it too)."""
        with self._load_lock:
            job = self._job
            state = str(job.get("state") or "")
            if job_id != self._current or state not in DONE_STATES:
                return  # another job is shown now
            if self._loaded == (job_id, state) and not force:
                return
            try:
                raw = self.session.log_lines(job)
                empty = "No log lines"
            except JobNotFinished:
                raw, empty = [], "The server has no log for this job yet"
            entries = []
            for n, line in enumerate(raw):
                match = _TIMESTAMP.match(line)
                text = line[match.end() :] if match else line
                entries.append({"n": n, "time": match.group(1) if match else "",
                                "level": log_level(text), "text": line})
            with self._show_lock:
                if job_id != self._current:
                    return
                self._loaded = (job_id, state)
                self.log_empty = empty
                self.error_line = self._find_error_line(entries)
                old = self.log
                same = (len(old) <= len(entries) and all(
                    a["text"] == b["text"] and a["level"] == b["level"]
                    for a, b in zip(old, entries, strict=False)))
                if same and old:  # the live lines are the file's first: send the rest only
                    self.log = entries
                    self._send_log(len(old), entries[len(old):])
                else:
                    self._reset_log(entries)

    def _read_live_log(self, job: Any, job_id: str) -> None:
        """Read the running job's log stream (on a thread of its own) into ``log``."""

        def still_live() -> bool:
            return (not self.stopping.is_set() and self._current == job_id
                    and self._loaded is None)

        pending: list[str] = []
        flushed = time.monotonic()
        received = 0

        def flush() -> None:
            with self._show_lock:
                if still_live() and pending:
                    self._append_log(list(pending))
            pending.clear()

        def read() -> bool | None:
            nonlocal flushed, received
            if not still_live():
                return True
            for text in self.session.stream_log(job, on_open=self._stream_opened):
                if not still_live():
                    return True
                received += 1
                pending.append(text)
                if time.monotonic() - flushed > 0.2:  # one message per 0.2 s, not per line
                    flush()
                    flushed = time.monotonic()
            flush()
            # a job that has not started yet has an empty stream: ask again, less and
            # less often (up to every 10 s), until it has one
            return True if received or not still_live() else None

        try:
            poll(read, first=0.5, factor=2.0, cap=10.0, stop=self.stopping)
        except Stopped:
            return
        except LabpanelsError as exc:
            if still_live():
                self.log_empty = (f"No live log ({friendly(exc)}); the full log "
                                  "appears when the job ends")

    def _stream_opened(self, end: Callable[[], None]) -> None:
        self._end_stream = end
        if self.stopping.is_set():
            end()

    def _stop_stream(self) -> None:
        end, self._end_stream = self._end_stream, None
        if end is not None:
            end()

    def _find_error_line(self, entries: list[dict]) -> int:
        if self.state == "SUCCESS":
            return -1
        wanted = [part.strip().lower() for part in self.error.split(";") if part.strip()]
        for entry in reversed(entries):
            if any(part in entry["text"].lower() for part in wanted):
                return int(entry["n"])
        errors = [e for e in entries if e["level"] == "ERROR"]
        return int(errors[-1]["n"]) if errors else -1

    # -- filters --------------------------------------------------------------------------
    def filter_log(
        self, levels: Iterable[str] | None = None, text: str | None = None
    ) -> list[dict]:
        """Show only lines of ``levels`` (INFO, WARNING, ERROR, DEBUG) containing ``text``
        (the view filters the lines it holds: nothing is sent again)."""
        if levels is not None:
            chosen = [lv.upper() for lv in levels]
            bad = [lv for lv in chosen if lv not in LEVELS]
            if bad:
                raise ValueError(f"unknown level {', '.join(bad)}: use {', '.join(LEVELS)}")
            self.levels = [lv for lv in LEVELS if lv in chosen]
        if text is not None:
            self.query = str(text)
        return self.visible_log()

    def visible_log(self) -> list[dict]:
        """The log lines that pass the level and text filters."""
        needle = self.query.strip().lower()
        return [
            e
            for e in self.log
            if e["level"] in self.levels and (not needle or needle in e["text"].lower())
        ]

    def level_counts(self) -> dict[str, int]:
        """How many lines of each level the log has."""
        return {lv: sum(e["level"] == lv for e in self.log) for lv in LEVELS}

    def select_outputs(self, names: Iterable[str]) -> list[str]:
        """Choose outputs (by name) for :meth:`download`."""
        known = [r[0] for r in self.output_rows]
        self.selected_outputs = [str(n) for n in names if str(n) in known]
        return list(self.selected_outputs)

    # -- downloads ---------------------------------------------------------------------
    def download(
        self, names: Iterable[str] | None = None, dest: str | Path | None = None
    ) -> list[Path]:
        """Download file outputs (the selected ones, else all) into ``dest``
        (default ``./osparc-outputs/<job id>/<output name>/``)."""
        if not self.outputs:
            raise LabpanelsError("no outputs to download (has the job succeeded?)")
        chosen = (
            list(names) if names is not None
            else (list(self.selected_outputs) or list(self.outputs))
        )
        files = {
            n: self.outputs[n]
            for n in chosen
            if n in self.outputs and value_type(self.outputs[n]) == "file"
        }
        if not files:
            raise LabpanelsError("none of the chosen outputs is a file")
        if dest is None and self.dest.strip():
            dest = self.dest.strip()
        job_id = self._loaded[0] if self._loaded else "job"
        root = Path(dest) if dest is not None else Path("osparc-outputs") / job_id
        saved = [self.session.download_output(value, root / name) for name, value in files.items()]
        self.show_message(f"Saved {plural(len(saved), 'file')} in {root}", "ok")
        return saved


def _job_id(job: Any) -> str:
    if isinstance(job, Mapping):
        return str(job.get("id") or job.get("job_id"))
    return str(job)
