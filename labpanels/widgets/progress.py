"""JobProgress: one bar segment per run of a task (subtasks' runs after the parent's),
coloured by status, with the overall fraction, the task status and the elapsed time.

It only draws ``session.task_state``: the session keeps a watched task current (live
events, a poll without them), so the bar, the results panel and the task list say the
same thing at the same time, and the panel itself never reads from the server.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from typing import Any

from traitlets import Bool, Dict, Float, Int, List, Unicode

from ..formatting import plural
from ..vantage6.session import FINISHED
from .assets import asset
from .base import Panel
from .common import UNREACHABLE, vantage6_session

__all__ = ["JobProgress", "run_segments"]


def _when(value: str | None) -> dt.datetime | None:
    """An aware datetime from the server's ISO text (naive means UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def run_segments(runs: list[dict], task_id: int) -> list[dict]:
    """Bar segments for runs: the task's own runs first, then each subtask's, each group
    by organization. Only what the bar needs (no logs)."""
    order: dict[int, int] = {task_id: 0}
    for run in runs:
        order.setdefault(run["task_id"], len(order))
    ordered = sorted(runs, key=lambda r: (order[r["task_id"]], str(r.get("organization") or ""),
                                          r["id"]))
    return [{"id": r["id"], "task_id": r["task_id"], "subtask": r["task_id"] != task_id,
             "organization": r.get("organization") or f"organization {r.get('organization_id')}",
             "node": r.get("node") or "", "status": r.get("status") or "pending"}
            for r in ordered]


class JobProgress(Panel):
    """Progress of a task, drawn from ``session.task_state``: follows
    ``session.last_task`` unless given a task (or ``follow_last=False``). :meth:`show`
    picks a task (the session then keeps it current), :meth:`wait` blocks until every
    run finished. Its note (waiting, failed runs, server lost) is the panel's
    ``message``/``message_kind``; ``note``/``note_kind`` read the same."""

    _esm = asset("progress.js")
    _css = asset("progress.css")

    task_id = Int(0).tag(sync=True)
    title = Unicode("").tag(sync=True)
    status = Unicode("").tag(sync=True)
    segments = List(Dict()).tag(sync=True)
    counts = Dict().tag(sync=True)
    done = Int(0).tag(sync=True)
    total = Int(0).tag(sync=True)
    fraction = Float(0.0).tag(sync=True)
    finished = Bool(False).tag(sync=True)
    created_at = Unicode("").tag(sync=True)
    finished_at = Unicode("").tag(sync=True)
    elapsed = Float(0.0).tag(sync=True)
    follow_last = Bool(True, help="show each task created through the session")

    def __init__(self, session: Any, task: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.entry: dict | None = None
        self._lock = threading.RLock()
        self._finished = threading.Event()
        # drawing from the session's state needs no request: on the changing thread
        self.follow(self.session, self._state_changed, "task_state")
        self.follow(self.session, self._last_task, "last_task")
        self.follow(self.session, self._logged_in, "logged_in")
        if self.session.has_trait("server_reachable"):
            self.follow(self.session, self._state_changed, "server_reachable")
        if task is not None:
            self.follow_last = False
            self.show(task)
        elif self.session.last_task:
            self.show(self.session.last_task)
        else:
            self._empty()

    @property
    def note(self) -> str:
        """The panel's note under the bar (the ``message`` trait)."""
        return self.message

    @property
    def note_kind(self) -> str:
        """The note's kind: info, ok or error (``message_kind``)."""
        return self.message_kind

    # -- actions -------------------------------------------------------------------------
    def show(self, task: Any) -> None:
        """Show ``task`` (id or task dict); the session keeps it current from now on."""
        task_id = int(task["id"] if isinstance(task, dict) else task)
        with self._lock:
            self._finished.clear()
            self.entry = None
            self.task_id = task_id
            self.title = (f"Task {task_id}: {task['name']}" if isinstance(task, dict)
                          and task.get("name") else f"Task {task_id}")
            self.created_at = (task.get("created_at") or "") if isinstance(task, dict) else ""
            self.segments, self.counts = [], {}
            self.done = self.total = 0
            self.fraction, self.elapsed = 0.0, 0.0
            self.finished, self.finished_at = False, ""
            self.status = (task.get("status") or "pending") if isinstance(task, dict) else ""
            self.message, self.message_kind = "Reading the task's runs…", "info"
        if self.session.logged_in:
            self.session.watch(task if isinstance(task, dict) and "name" in task
                               else task_id)
        self._draw()

    def refresh(self) -> dict | None:
        """Draw the task as the session knows it now; return its ``task_state`` entry."""
        if not self.task_id:
            raise ValueError("no task to follow yet: call show(task_id)")
        self._draw()
        return self.entry

    def wait(self, timeout: float = 60.0) -> dict:
        """Block until every run finished (TimeoutError after ``timeout``); return the
        task's ``task_state`` entry."""
        if not self.task_id:
            raise ValueError("no task to wait for: call show(task_id)")
        deadline = time.monotonic() + timeout
        self._draw()
        while not self._finished.wait(0.1):
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {self.task_id} is still {self.status or 'pending'} "
                                   f"after {timeout:g} s")
            if self.closed:
                raise RuntimeError("the progress panel was closed")
        assert self.entry is not None
        return self.entry

    # -- drawing -------------------------------------------------------------------------
    def _empty(self, note: str = "No task yet: submit one, or call show(task_id).") -> None:
        with self._lock:
            self._finished.clear()
            self.entry = None
            self.task_id = 0
            self.title = self.status = self.created_at = self.finished_at = ""
            self.segments, self.counts = [], {}
            self.done = self.total = 0
            self.fraction, self.elapsed = 0.0, 0.0
            self.finished = False
            self.message, self.message_kind = note, "info"

    def _draw(self) -> None:
        with self._lock:
            task_id = self.task_id
            entry = (self.session.task_state or {}).get(task_id) if task_id else None
            if entry is None:
                return
            self.entry = entry
            segments = run_segments(entry["runs"], task_id)
            self.title = f"Task {task_id}: {entry['name']}" if entry.get("name") else \
                self.title
            self.created_at = entry.get("created_at") or self.created_at
            self.segments = segments
            self._count(segments)
            self.status = entry.get("status") or ""
            self.fraction = self.done / self.total if self.total else 0.0
            self.finished = bool(entry.get("finished"))
            self.finished_at = entry.get("finished_at") or "" if self.finished else ""
            self.elapsed = self._elapsed()
            failed = int(entry.get("failed") or 0)
            if getattr(self.session, "server_reachable", True) is False and not self.finished:
                self.message, self.message_kind = UNREACHABLE, "error"
            elif failed:
                self.message = (f"{plural(failed, 'run')} failed: see the results panel for "
                                "their logs")
                self.message_kind = "error"
            elif not segments and not self.finished:
                self.message = "Waiting for the server to create the runs…"
                self.message_kind = "info"
            else:
                self.message, self.message_kind = "", "info"
            if self.finished:
                self._finished.set()

    def _count(self, segments: list[dict]) -> None:
        counts = Counter(s["status"] for s in segments)
        self.counts = dict(counts)
        self.total = len(segments)
        self.done = sum(n for status, n in counts.items() if status in FINISHED)

    def _elapsed(self) -> float:
        start = _when(self.created_at)
        if start is None:
            return 0.0
        end = _when(self.finished_at) if self.finished else None
        return max(0.0, ((end or dt.datetime.now(dt.timezone.utc)) - start).total_seconds())

    # -- reactions -----------------------------------------------------------------------
    def _state_changed(self, _change: Any) -> None:
        self._draw()

    def _last_task(self, change: Any) -> None:
        if self.follow_last and change["new"]:
            self.show(change["new"])

    def _logged_in(self, change: Any) -> None:
        if not change["new"]:  # a new login starts with no task: nothing old is shown
            self._empty()
