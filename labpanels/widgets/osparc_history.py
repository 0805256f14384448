"""OsparcJobHistory: a solver's past o²S²PARC jobs (state, created / started / stopped,
filter by state, search); re-open one to see its inputs, outputs and log; re-run it with
the same inputs.

The rows come from the session's ``history`` (:meth:`OsparcSession.solver_jobs`), the job
shown from the session's ``job`` (:meth:`OsparcSession.reopen` makes a past job the
current one, so the progress bar and the result viewer show it too). One anywidget
(``osparc_history.js``); every click is a method.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from traitlets import Dict, HasTraits, List, Unicode

from ..errors import LabpanelsError
from ..osparc.session import DONE_STATES, JobNotFinished, OsparcSession
from .assets import asset
from .base import Panel
from .osparc_jobs import log_level, settle, shown_value, value_cells

__all__ = ["OsparcJobHistory", "JobShown", "output_rows", "input_rows", "HISTORY_COLUMNS",
           "MAX_LOG_LINES"]

#: the history grid's columns (rows are lists in this order)
HISTORY_COLUMNS = ["id", "state", "created_at", "started_at", "stopped_at", "elapsed", "error"]
#: log lines a panel keeps for one job (the rest are counted, not shown)
MAX_LOG_LINES = 5000


def output_rows(job: Mapping[str, Any] | None) -> list[list[str]]:
    """A job record's outputs as [name, type, value] rows (files by their name)."""
    return [[str(name), *value_cells(value)]
            for name, value in ((job or {}).get("outputs") or {}).items()]


def input_rows(job: Mapping[str, Any] | None) -> list[list[str]]:
    """A job record's inputs (when known) as [name, value] rows."""
    return [[str(k), shown_value(v)] for k, v in ((job or {}).get("inputs") or {}).items()]


class JobShown(HasTraits):
    """What a panel shows of the session's current job when it is the one it opened:
    state, error, inputs, outputs and (once it ended) its log, read on the panel's worker
    (``js/lib/jobdetail.js`` draws these traits)."""

    shown_id = Unicode("").tag(sync=True)
    shown_state = Unicode("").tag(sync=True)
    shown_error = Unicode("").tag(sync=True)
    shown_note = Unicode("").tag(sync=True)
    inputs_rows = List().tag(sync=True)
    outputs_rows = List().tag(sync=True)
    log_rows = List().tag(sync=True)
    log_note = Unicode("No job opened").tag(sync=True)

    session: OsparcSession

    def _init_shown(self) -> None:
        self._shown_lock = threading.RLock()
        self._log_of: tuple[str, str] | None = None  # (job id, state) whose log is shown
        self.follow(self.session, self._session_job, "job")

    def _session_job(self, change: dict) -> None:
        job = change["new"]
        if job and job.get("id") == self.shown_id:
            self._show_job(job)

    def _show_job(self, job: Mapping[str, Any]) -> None:
        """Render a record of the session (cheap; the log is read on the worker)."""
        with self._shown_lock:
            job_id, state = str(job.get("id")), str(job.get("state") or "")
            if job_id != self.shown_id:
                self.shown_id, self._log_of = job_id, None
                self.log_rows, self.log_note = [], "No log yet"
            self.shown_state = state
            self.shown_error = str(job.get("error") or "")
            self.shown_note = str(job.get("outputs_note") or "")
            self.inputs_rows = input_rows(job)
            self.outputs_rows = output_rows(job if state == "SUCCESS" else None)
            if state in DONE_STATES and self._log_of != (job_id, state):
                self._log_of = (job_id, state)
                self.later(self._load_log, job_id, state)
            elif state not in DONE_STATES:
                self.log_note = f"The job is {state}: its log comes when it ends"

    def _show_latest(self, record: Mapping[str, Any]) -> None:
        """Show a job, then its state as the session knows it now (a change published
        before the panel showed it is not missed)."""
        self._show_job(record)
        self._show_job(self.session.job_record(record))

    def _load_log(self, job_id: str, state: str) -> None:
        try:
            lines = self.session.log_lines(job_id)
            note = "" if lines else "No log lines"
        except JobNotFinished:
            lines, note = [], "The server has no log for this job yet"
        with self._shown_lock:
            if (self.shown_id, self.shown_state) != (job_id, state):
                return  # another job is shown now
            if len(lines) > MAX_LOG_LINES:
                note = f"The last {MAX_LOG_LINES} of {len(lines)} lines"
                lines = lines[-MAX_LOG_LINES:]
            self.log_rows = [[log_level(line), line] for line in lines]
            self.log_note = note

    def wait_shown(self, timeout: float | None = 30.0) -> str:
        """Wait until the job shown ended and its log was read (or the panel is idle);
        returns its state."""
        def ready() -> bool | None:
            done = self.shown_state in DONE_STATES and self._log_of == (
                self.shown_id, self.shown_state)
            return True if done or not self.shown_id else None

        settle(self, ready, timeout)
        self.join(timeout)
        return self.shown_state


class OsparcJobHistory(JobShown, Panel):
    """A solver release's past jobs: state, created / started / stopped (relative times,
    exact in a tooltip), filter by state and search; :meth:`reopen` shows a job's inputs,
    outputs and log, :meth:`rerun` creates a new job with the same inputs.

    Traits: ``solver_id``, ``version``, ``releases`` ([value, label] pairs: every solver
    release), ``rows`` (the jobs shown, lists in :data:`HISTORY_COLUMNS` order),
    ``state_filter`` ("" for all), ``query``, ``counts`` (jobs per state), ``shown_*``,
    ``inputs_rows``, ``outputs_rows``, ``log_rows`` (the job re-opened).
    """

    _esm = asset("osparc_history.js")
    _css = asset("osparc_history.css")

    solver_id = Unicode("").tag(sync=True)
    version = Unicode("").tag(sync=True)
    releases = List().tag(sync=True)
    rows = List().tag(sync=True)
    state_filter = Unicode("").tag(sync=True)
    query = Unicode("").tag(sync=True)
    counts = Dict().tag(sync=True)

    ACTIONS = frozenset({"refresh", "choose_solver", "filter", "reopen", "rerun"})
    SLOW_ACTIONS = frozenset({"refresh", "choose_solver", "reopen", "rerun"})  # server reads

    def __init__(self, session: OsparcSession, solver: Any = None, version: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self._init_shown()
        self.follow(session, lambda _c: self._render(), "history")
        self.follow(session, self._job_row, "job")
        with self.reporting():
            self._list_releases()
            chosen = solver if solver is not None else session.solver
            if chosen:
                ref = chosen if version is None else (chosen, version)
                self.choose_solver(*session._solver_ref(ref))

    # -- listing ------------------------------------------------------------------------
    def _list_releases(self) -> None:
        releases = sorted(self.session.solvers(all_releases=True),
                          key=lambda s: (str(s.get("title") or s["id"]), str(s["version"])))
        self.releases = [[f"{s['id']}:{s['version']}",
                          f"{s.get('title') or s['id'].rsplit('/', 1)[-1]} {s['version']}"]
                         for s in releases]

    def choose_solver(self, key: str, version: str | None = None) -> list[dict]:
        """Show the jobs of this solver release (``key`` may be ``"key:version"``)."""
        if version is None and ":" in key:
            key, version = key.rsplit(":", 1)
        if version is None:
            version = str(self.session.get_solver(key)["version"])
        self.solver_id, self.version = key, version
        return self.refresh()

    def refresh(self) -> list[dict]:
        """List the solver release's jobs again (every page); returns them all."""
        if not self.solver_id:
            raise LabpanelsError("no solver chosen: call choose_solver(key, version)")
        jobs = self.session.solver_jobs(self.solver_id, self.version)
        self._render()
        return jobs

    def filter(self, state: str | None = None, text: str | None = None) -> list[dict]:
        """Show only jobs in ``state`` ("" for all) whose id, state, error or inputs
        contain ``text``; returns the jobs shown."""
        if state is not None:
            wanted = str(state).upper()
            known = set(self.counts) | set(DONE_STATES) | {"NOT_STARTED", "STARTED", "PENDING",
                                                            "PUBLISHED", ""}
            if wanted not in known:
                raise ValueError(f"unknown state {state!r}: use one of "
                                 f"{', '.join(sorted(k for k in known if k))} or '' for all")
            self.state_filter = wanted
        if text is not None:
            self.query = str(text)
        self._render()
        return self.visible()

    def _mine(self) -> list[dict]:
        """The session's history of the chosen release, the current job as it is now."""
        current = self.session.job or {}
        jobs = []
        for job in self.session.history:
            if (job.get("solver"), job.get("version")) != (self.solver_id, self.version):
                continue
            jobs.append(dict(current) if current.get("id") == job.get("id") else job)
        return jobs

    def visible(self) -> list[dict]:
        """The jobs that pass the state filter and the search, newest first."""
        needle = self.query.strip().lower()
        out = []
        for job in self._mine():
            if self.state_filter and job.get("state") != self.state_filter:
                continue
            text = " ".join([str(job.get("id")), str(job.get("state")), str(job.get("error")),
                             json.dumps(job.get("inputs") or {}, default=str)]).lower()
            if needle and needle not in text:
                continue
            out.append(job)
        return out

    def _render(self) -> None:
        mine = self._mine()
        counts: dict[str, int] = {}
        for job in mine:
            counts[str(job.get("state"))] = counts.get(str(job.get("state")), 0) + 1
        self.counts = counts
        self.rows = [[str(j.get("id")), str(j.get("state") or ""), j.get("created_at"),
                      j.get("started_at"), j.get("stopped_at"), j.get("elapsed"),
                      str(j.get("error") or "")] for j in self.visible()]

    def _job_row(self, change: dict) -> None:
        job = change["new"] or {}
        if any(row[0] == job.get("id") for row in self.rows):
            self._render()  # the current job changed: its row shows it as it is now

    # -- a job ---------------------------------------------------------------------------
    def reopen(self, job_id: str) -> dict:
        """Make a past job the session's current one and show its inputs, outputs and
        log here (the other panels show it too); returns its record."""
        record = self.session.reopen(str(job_id))
        self._show_latest(record)
        self._render()
        return record

    def rerun(self, job_id: str | None = None) -> dict:
        """A new job with the inputs of ``job_id`` (the one re-opened by default); it is
        listed, shown here and becomes the session's current job."""
        target = job_id or self.shown_id
        if not target:
            raise LabpanelsError("no job to run again: re-open one first")
        record = self.session.rerun(str(target))
        self._show_latest(record)
        self.session.solver_jobs(self.solver_id, self.version)
        self._render()
        self.show_message(f"Started job {record['id']} with the inputs of {target}", "ok")
        return record
