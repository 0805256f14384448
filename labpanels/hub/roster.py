"""ClassRoster: the class as an instructor sees it, from an admin session.

Per learner (every user whose name starts with ``prefix``, ``learner`` by default): when
vantage6 last saw them (any request of theirs; ``never`` until they log in), whether their
live connection is up, how many tasks they created, how many run, how many failed and
why (each failed task's runs and their error lines, read once: a finished task does not
change), and whether they look stuck.

It is kept current without a Refresh click: the admin session's live events (a new task,
a run that changes) trigger a read at once (coalesced: at most one a second), and a
bounded poll every ``poll`` seconds catches what has no event (a learner logging in).
Each read is two requests (users, tasks) plus, for a failed task until its explanation is
final, the reads of its runs; the rows are always derived from the last read, never
patched by hand.

Root sees every learner; an organization admin sees the learners of their organization.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Mapping
from typing import Any

from traitlets import Dict, Float, Unicode

from ..errors import LabpanelsError
from ..state import SessionState
from ..vantage6.columns import is_column_request

__all__ = ["ClassRoster", "learner_row", "STUCK_AFTER"]

#: seconds an unfinished task may wait before its learner counts as stuck
STUCK_AFTER = 120.0
#: failed tasks explained per read (the rest in the next reads), to bound a read's cost
_EXPLAIN_PER_READ = 10
#: the error line vantage6 gives the other runs of a task when one run failed
_SIBLING = "because sibling run"


def _when(value: Any) -> dt.datetime | None:
    """A server timestamp (naive ISO means UTC) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _id(value: Any) -> int | None:
    return value.get("id") if isinstance(value, Mapping) else value


def learner_row(user: Mapping[str, Any], tasks: list[Mapping[str, Any]],
                failures: Mapping[int, list[dict]], *, now: dt.datetime,
                stuck_after: float = STUCK_AFTER) -> dict[str, Any]:
    """One learner's row from their user record, their tasks (newest first) and the
    explained failures (task id -> failed runs with ``organization`` and ``error``)."""
    from ..vantage6.session import FAILED, FINISHED

    seen = user.get("last_seen") or None
    failed = [t for t in tasks if t.get("status") in FAILED]
    running = [t for t in tasks if t.get("status") not in FINISHED]
    newest = tasks[0] if tasks else None
    errors = []
    for task in failed:
        for run in failures.get(task["id"], []):
            errors.append({"task_id": task["id"], "task": task.get("name") or "",
                           "organization": run.get("organization") or "",
                           "node": run.get("node") or "",
                           "status": run.get("status") or task.get("status"),
                           "error": run.get("error") or run.get("status") or ""})
        if task["id"] not in failures:
            errors.append({"task_id": task["id"], "task": task.get("name") or "",
                           "organization": "", "node": "", "status": task.get("status"),
                           "error": ""})  # not read yet
    # the algorithm's own error first: vantage6 marks the other runs of a failed task as
    # failed "because sibling run id=… failed", which says nothing about why
    errors.sort(key=lambda e: (-e["task_id"], not e["error"], _SIBLING in e["error"]))
    why = ""
    if newest is not None and newest.get("status") in FAILED:
        first = next((e for e in errors if e["task_id"] == newest["id"] and e["error"]), None)
        why = f"last task failed: {first['error']}" if first else "last task failed"
    waiting = [t for t in running
               if (_when(t.get("created_at")) or now) <= now - dt.timedelta(
                   seconds=stuck_after)]
    if seen is None:
        why = "not logged in yet"
    elif not why and waiting:
        minutes = int((now - _when(waiting[-1].get("created_at"))).total_seconds() // 60)
        why = f"a task has not finished for {minutes} min"
    last_error = next((e for e in errors if e["error"]), None)
    return {
        "learner": user.get("username"),
        "user_id": user.get("id"),
        "seen": seen,
        "connected": "online" if user.get("status") == "online" else (
            "offline" if seen else "never"),
        "tasks": len(tasks),
        "running": len(running),
        "failed": len(failed),
        "last_task": (newest or {}).get("name") or "",
        "last_status": (newest or {}).get("status") or "",
        "last_error": (f"{last_error['task']}: {last_error['organization']}: "
                       f"{last_error['error']}" if last_error else ""),
        "stuck": bool(why),
        "reason": why,
        "failures": errors,
    }


class ClassRoster(SessionState):
    """The learners of the class, kept current from ``session`` (an admin or root
    :class:`~labpanels.vantage6.Vantage6Session`, logged in).

    ``learners`` maps each learner's username to a row (see :func:`learner_row`).
    :meth:`refresh` reads once; with ``follow=True`` (the default) the roster follows the
    session's live events and polls every ``poll`` seconds until :meth:`close`.
    """

    learners = Dict(help="username -> {'learner', 'seen', 'connected', 'tasks', 'running', "
                         "'failed', 'last_task', 'last_status', 'last_error', 'stuck', "
                         "'reason', 'failures'}")
    updated_at = Unicode("", help="when the rows were read (UTC, ISO)")
    poll = Float(5.0, help="seconds between reads when no live event comes")

    def __init__(self, session: Any, *, prefix: str = "learner", poll: float = 5.0,
                 stuck_after: float = STUCK_AFTER, follow: bool = True) -> None:
        super().__init__()
        from ..widgets.common import vantage6_session

        if poll <= 0:
            raise ValueError("poll must be a positive number of seconds")
        self.session = vantage6_session(session)
        self.prefix = prefix
        self.poll = poll
        self.stuck_after = stuck_after
        self._failures: dict[int, list[dict]] = {}  # task id -> its failed runs, explained
        self._settled: set[int] = set()  # failed tasks whose explanation is final
        self._tries: dict[int, int] = {}  # reads of a finished task's explanation
        self._read_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.reads = 0  # how many reads were made (for tests and the benchmark)
        if follow:
            self._wake.set()  # the first read at once
            self.session.observe(self._event, names=["event_count", "logged_in"])
            self._thread = threading.Thread(target=self._run, name="labpanels-roster",
                                            daemon=True)
            self._thread.start()

    # -- reading ---------------------------------------------------------------------
    def refresh(self) -> dict[str, dict]:
        """Read the learners and their tasks now; return ``learners``."""
        with self.working(), self._read_lock:
            if not self.session.logged_in:
                self.learners = {}
                raise LabpanelsError("log the admin session in first")
            users = [u for u in self.session.fetch("user")
                     if self._is_learner(u.get("username") or "")]
            mine = {u["id"]: [] for u in users}
            for task in self.session.fetch("task", is_user_created=1):
                owner = _id(task.get("init_user"))
                if owner in mine and not is_column_request(task):  # the builder's, not theirs
                    mine[owner].append(task)
            for tasks in mine.values():
                tasks.sort(key=lambda t: t["id"], reverse=True)
            self._explain([t for tasks in mine.values() for t in tasks])
            now = dt.datetime.now(dt.timezone.utc)
            rows = {u["username"]: learner_row(u, mine[u["id"]], self._failures, now=now,
                                               stuck_after=self.stuck_after)
                    for u in users}
            self.reads += 1
            self.updated_at = now.replace(tzinfo=None).isoformat(timespec="seconds")
            if rows != self.learners:
                self.learners = rows
            return rows

    def _is_learner(self, username: str) -> bool:
        if username == "root":
            return False
        return username.startswith(self.prefix) if self.prefix else True

    def _explain(self, tasks: list[Mapping]) -> None:
        """Read the runs of failed tasks not explained for good yet (a few per read).

        A task counts as failed as soon as one run failed, while others may still run and
        a failed run's log may not be in yet: its explanation is read again at the next
        reads until every run finished and each failed one has its error line (or three
        reads after it finished)."""
        from ..vantage6.session import FAILED, FINISHED, error_line

        todo = [t for t in tasks if t.get("status") in FAILED and t["id"] not in self._settled]
        for task in sorted(todo, key=lambda t: t["id"], reverse=True)[:_EXPLAIN_PER_READ]:
            runs = self.session.runs(task["id"], include_children=True)
            failed = [{"organization": r.get("organization"), "node": r.get("node"),
                       "status": r.get("status"), "error": error_line(r.get("log"))}
                      for r in runs if r.get("status") in FAILED]
            self._failures[task["id"]] = failed
            if runs and all(r.get("status") in FINISHED for r in runs):
                tries = self._tries[task["id"]] = self._tries.get(task["id"], 0) + 1
                if all(f["error"] for f in failed) or tries >= 3:
                    self._settled.add(task["id"])

    # -- following ---------------------------------------------------------------------
    def _event(self, change: Mapping) -> None:
        if change["name"] == "logged_in" and not change["new"]:
            self.learners = {}
        self._wake.set()

    def _run(self) -> None:
        last = 0.0
        while not self._closed.is_set():
            woken = self._wake.wait(self.poll)
            if self._closed.is_set():
                return
            if woken:  # coalesce a burst of events into one read a second at most
                gap = 1.0 - (time.monotonic() - last)
                if gap > 0 and self._closed.wait(gap):
                    return
            self._wake.clear()
            last = time.monotonic()
            if self.session.logged_in:
                try:
                    self.refresh()
                except LabpanelsError:
                    pass  # reported in last_error
                except Exception as exc:  # odd server data: say so, keep following
                    self._report(f"reading the class failed: {type(exc).__name__}: {exc}")

    def wake(self) -> None:
        """Read again soon (as a live event does)."""
        self._wake.set()

    def stuck(self) -> list[dict]:
        """The rows of learners who look stuck, by name."""
        return [self.learners[name] for name in sorted(self.learners)
                if self.learners[name]["stuck"]]

    def close(self) -> None:
        """Stop following the session (the session itself stays logged in)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._wake.set()
        with contextlib.suppress(ValueError):
            self.session.unobserve(self._event, names=["event_count", "logged_in"])
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(10)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._closed.is_set()

    def __repr__(self) -> str:
        stuck = sum(r["stuck"] for r in self.learners.values())
        return f"<ClassRoster {len(self.learners)} learners, {stuck} stuck>"
