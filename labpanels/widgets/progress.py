"""JobProgress: one bar segment per run of a task (subtasks' runs after the parent's),
coloured by status, with the overall fraction, the task status and the elapsed time.

Live events move the bar: a run's new status is drawn at once, and a fresh snapshot
(``session.progress``) is read in a background thread, at most once per
``min_interval`` seconds however many events arrive. Without live events it polls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anywidget
from traitlets import Bool, Dict, Float, Int, List, Unicode

from ..vantage6.session import FAILED, FINISHED
from .assets import asset
from .common import friendly, vantage6_session

__all__ = ["JobProgress", "Refresher", "run_segments", "task_status"]


def _when(value: str | None) -> dt.datetime | None:
    """An aware datetime from the server's ISO text (naive means UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def task_status(snapshot: dict, task_id: int) -> str:
    """The task's status; once every run finished, the one its own runs say (the
    server's task status can lag behind its runs)."""
    if not snapshot["finished"]:
        return snapshot["status"] or ""
    own = [r["status"] for r in snapshot["runs"] if r["task_id"] == task_id]
    failures = [s for s in own if s in FAILED]
    if failures:
        return failures[0] if len(set(failures)) == 1 else "failed"
    return "completed"


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


class Refresher:
    """Calls ``action`` in a daemon thread when poked, at most once per ``min_interval``
    seconds (pokes in between are merged), and every ``poll()`` seconds when that
    returns a number."""

    def __init__(self, action: Callable[[], None], *, min_interval: float = 0.5,
                 poll: Callable[[], float | None] = lambda: None) -> None:
        self.action = action
        self.min_interval = min_interval
        self.poll = poll
        self.calls = 0
        self._wake = threading.Event()
        self._starting = threading.Lock()
        self._stopped = False
        self._last = 0.0
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Ask for a run of ``action`` soon."""
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._stopped = False
                self._thread = threading.Thread(target=self._loop, name="labpanels-refresh",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """End the thread."""
        self._stopped = True
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopped:
            woken = self._wake.wait(self.poll())
            if self._stopped:
                break
            if not woken and self.poll() is None:
                continue  # the task finished while waiting: sleep until poked
            pause = self._last + self.min_interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pokes arriving meanwhile are served by this one call
            self._wake.clear()
            self._last = time.monotonic()
            self.calls += 1
            with contextlib.suppress(Exception):  # the action reports its own failures
                self.action()


class JobProgress(anywidget.AnyWidget):
    """Progress of a task: follows ``session.last_task`` unless given a task (or
    ``follow=False``). :meth:`show` picks a task, :meth:`refresh` reads it now,
    :meth:`wait` blocks until every run finished."""

    _esm = asset("progress.js")
    _css = asset("panels.css")

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
    note = Unicode("").tag(sync=True)
    note_kind = Unicode("info").tag(sync=True)
    follow = Bool(True, help="show each task created through the session")

    def __init__(self, session: Any, task: Any = None, *, min_interval: float = 1.0,
                 poll: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.poll = poll
        self.snapshot: dict | None = None
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._refresher = Refresher(self._refresh_quietly, min_interval=min_interval,
                                    poll=self._poll_interval)
        self.session.observe(self._last_task, names=["last_task"])
        self.session.observe(self._run_status, names=["run_status"])
        self.session.observe(self._live, names=["live"])
        if task is not None:
            self.follow = False
            self.show(task)
        elif self.session.last_task:
            self.show(self.session.last_task)
        else:
            self.note = "No task yet: submit one, or call show(task_id)."

    # -- actions -------------------------------------------------------------------------
    def show(self, task: Any) -> None:
        """Follow ``task`` (id or task dict); the bar fills in from a background read."""
        task_id = int(task["id"] if isinstance(task, dict) else task)
        with self._lock:
            self.snapshot = None
            self._finished.clear()
            self.task_id = task_id
            self.title = (f"Task {task_id}: {task['name']}" if isinstance(task, dict)
                          and task.get("name") else f"Task {task_id}")
            self.created_at = (task.get("created_at") or "") if isinstance(task, dict) else ""
            self.segments, self.counts = [], {}
            self.done = self.total = 0
            self.fraction, self.elapsed = 0.0, 0.0
            self.finished, self.finished_at = False, ""
            self.status = (task.get("status") or "pending") if isinstance(task, dict) else ""
            self.note, self.note_kind = "Reading the task's runs…", "info"
        self._refresher.poke()

    def refresh(self) -> dict:
        """Read the task's progress now (in this thread) and draw it; return the snapshot."""
        task_id = self.task_id
        if not task_id:
            raise ValueError("no task to follow yet: call show(task_id)")
        if not self.created_at:
            task = self.session.task(task_id)
            if task_id == self.task_id:
                self.created_at = task.get("created_at") or ""
                self.title = f"Task {task_id}: {task['name']}" if task.get("name") else \
                    self.title
        snapshot = self.session.progress(task_id)
        self._apply(task_id, snapshot)
        return snapshot

    def wait(self, timeout: float = 60.0) -> dict:
        """Block until every run finished (TimeoutError after ``timeout``); the snapshot."""
        if not self.task_id:
            raise ValueError("no task to wait for: call show(task_id)")
        deadline = time.monotonic() + timeout
        self._refresher.poke()
        while not self._finished.wait(0.2):
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {self.task_id} is still {self.status or 'pending'} "
                                   f"after {timeout:g} s")
            if not self.session.live:
                self._refresher.poke()
        assert self.snapshot is not None
        return self.snapshot

    def close(self) -> None:
        """Stop following and close the widget."""
        self._refresher.stop()
        with contextlib.suppress(ValueError):
            self.session.unobserve(self._last_task, names=["last_task"])
            self.session.unobserve(self._run_status, names=["run_status"])
            self.session.unobserve(self._live, names=["live"])
        super().close()

    @property
    def refreshes(self) -> int:
        """How many snapshots were read in the background (for tests of the throttle)."""
        return self._refresher.calls

    # -- drawing -------------------------------------------------------------------------
    def _apply(self, task_id: int, snapshot: dict) -> None:
        with self._lock:
            if task_id != self.task_id:
                return  # another task was chosen meanwhile
            segments = run_segments(snapshot["runs"], task_id)
            self.snapshot = snapshot
            self.segments = segments
            self._count(segments)
            self.status = task_status(snapshot, task_id)
            self.fraction = float(snapshot["fraction"])
            self.finished = bool(snapshot["finished"])
            ends = [r["finished_at"] for r in snapshot["runs"] if r.get("finished_at")]
            self.finished_at = max(ends) if self.finished and ends else ""
            self.elapsed = self._elapsed()
            failed = len(snapshot["failed"])
            if not snapshot["runs"]:
                self.note, self.note_kind = "Waiting for the server to create the runs…", "info"
            elif failed:
                self.note = f"{failed} run(s) failed: see the results panel for their logs"
                self.note_kind = "error"
            else:
                self.note, self.note_kind = "", "info"
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
    def _refresh_quietly(self) -> None:
        if not self.task_id or not self.session.logged_in:
            return
        try:
            self.refresh()
        except Exception as exc:  # shown in the panel; the next event or poll retries
            self.note, self.note_kind = friendly(exc), "error"

    def _poll_interval(self) -> float | None:
        if not self.task_id or self.finished or not self.session.logged_in:
            return None
        return self.poll * (3 if self.session.live else 1)

    def _last_task(self, change: Any) -> None:
        if self.follow and change["new"]:
            self.show(change["new"])

    def _live(self, change: Any) -> None:
        if change["new"] and self.task_id and not self.finished:
            self._refresher.poke()  # catch up with what happened while disconnected

    def _run_status(self, change: Any) -> None:
        if not self.task_id:
            return
        new, old = change["new"] or {}, change["old"] or {}
        ours = {s["id"]: s for s in self.segments}
        mine = {self.task_id, *(s["task_id"] for s in self.segments)}
        touched = False
        for run_id, info in new.items():
            if old.get(run_id) == info:
                continue
            if run_id in ours or info.get("task_id") in mine or info.get("parent_id") in mine:
                touched = True
                if run_id in ours and info.get("status"):
                    ours[run_id] = {**ours[run_id], "status": info["status"]}
        if not touched:
            return
        with self._lock:
            segments = [ours.get(s["id"], s) for s in self.segments]
            if segments != self.segments:
                self.segments = segments
                self._count(segments)
                if segments:
                    self.fraction = self.done / self.total
        self._refresher.poke()
