"""TaskList: the current collaboration's tasks as the vantage6 UI lists them, and more.

Every task of the collaboration (all pages), newest first, searchable by name or id and
filtered by status; created and finished times; a status that follows the session's
``task_state`` (kept current by live events: no Refresh needed). Opening a task shows
the task → runs per organization → subtasks → their runs tree, each run's log on
demand, and the actions: kill, repeat (a form for the task builder, through
:meth:`TaskList.on_repeat`) and downloads of the input and the results as JSON or CSV.

One anywidget (``js/task_list.js``). Python keeps the traits, the view draws them and
sends each click as an action naming a public method, so a notebook can do everything
the view does: :meth:`search`, :meth:`filter_status`, :meth:`open_task`, :meth:`show_log`,
:meth:`kill`, :meth:`repeat`, :meth:`download`, :meth:`refresh`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from traitlets import Dict, Int, List, Unicode

from ..errors import InvalidArgument, PermissionDenied
from ..vantage6 import task_records
from ..vantage6.columns import is_column_request
from ..vantage6.session import FINISHED, error_line
from ..vantage6.task_records import STATUS_GROUPS, status_group
from .assets import asset
from .base import Panel
from .common import follow_reachability, vantage6_session
from .results import error_lines
from .table import TableRows, _rows_trait, column, jsonable

__all__ = ["TaskList", "COLUMNS", "matches", "write_atomic", "WATCH_LIMIT"]

COLUMNS = [
    column("id", "Task", "number", "minmax(58px, 72px)"),
    column("name", "Name", width="minmax(150px, 3fr)", wrap=True),
    column("status", "Status", "status", "minmax(112px, 1.2fr)"),
    column("created_at", "Created", "time", "minmax(132px, 1.3fr)"),
    column("finished_at", "Finished", "time", "minmax(132px, 1.3fr)"),
    column("runs", "Runs", width="minmax(64px, 76px)"),
]

#: at most this many unfinished tasks of a listing are watched (kept live) at once
WATCH_LIMIT = 50

_WHAT = ("input", "results")
_FORMATS = {"json": "application/json", "csv": "text/csv"}


def matches(row: Mapping[str, Any], query: str = "", status: str = "all") -> bool:
    """Whether a task row passes the list's search and status filter (js/task_list.js's
    ``matchTask`` says the same): a query of digits matches that task id or names that
    contain it, ``#12`` only task 12, other text names that contain it (any case);
    ``status`` is a group of :data:`STATUS_GROUPS`."""
    if status != "all" and status_group(row.get("status")) != status:
        return False
    q = (query or "").strip().lower()
    if not q:
        return True
    number = q[1:] if q.startswith("#") else q
    if number.isdigit() and str(row.get("id")) == str(int(number)):
        return True
    if q.startswith("#") and number.isdigit():
        return False
    return q in str(row.get("name") or "").lower()


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed
    over it at the end: a reader never sees half a file, and a failure leaves what was
    there before. Returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


class TaskList(Panel):
    """The tasks of the session's current collaboration.

    Traits the view draws: ``task_rows`` (id, name, status, created_at, finished_at,
    runs; sent as column names once and rows as lists), ``columns``, ``query`` and
    ``status_filter`` (one of :data:`STATUS_GROUPS`), ``title``, ``opened`` (the open
    task's id), ``detail`` (its id, name, status, image, description, times,
    ``can_kill``), ``tree_rows`` (the task → runs → subtasks tree, see
    :func:`labpanels.vantage6.task_records.tree_nodes`), ``log_run``/``log_title``/
    ``log_lines``/``log_highlight`` (the chosen run's log), ``message``/``message_kind``.
    """

    _esm = asset("task_list.js")
    _css = asset("task_list.css")

    #: the methods the view may call by an action message
    ACTIONS = frozenset({"search", "filter_status", "open_task", "show_log", "kill", "repeat",
                         "download", "refresh"})
    #: they read the server: on the panel's worker, never the kernel's message thread
    SLOW_ACTIONS = ACTIONS - {"search", "filter_status"}

    columns = List(Dict()).tag(sync=True)
    task_rows = _rows_trait("columns", None)
    query = Unicode("", help="the search text: a task id or part of a name").tag(sync=True)
    status_filter = Unicode("all", help="one of STATUS_GROUPS").tag(sync=True)
    title = Unicode("").tag(sync=True)
    empty_text = Unicode("Choose a collaboration to see its tasks").tag(sync=True)
    opened = Int(None, allow_none=True).tag(sync=True)
    detail = Dict().tag(sync=True)
    tree_rows = _rows_trait(None, None)
    log_run = Int(None, allow_none=True).tag(sync=True)
    log_title = Unicode("").tag(sync=True)
    log_lines = List(Unicode()).tag(sync=True)
    log_highlight = List(Int()).tag(sync=True)

    def __init__(self, session: Any, **kwargs: Any) -> None:
        kwargs.setdefault("columns", COLUMNS)
        self.check_options(kwargs)
        self.session = vantage6_session(session)
        self._lock = threading.RLock()
        self._rows = None  # set below, once the widget exists
        self._finished: dict[int, str] = {}  # task id -> end time read from its runs
        self._info: dict | None = None  # the open task: its server row and subtasks
        self._reading_children = False
        self._repeat_callbacks: list[Callable[[dict], Any]] = []
        self.last_repeat: dict | None = None
        super().__init__(**kwargs)
        self._rows = TableRows(self, "task_rows")
        self._tree = TableRows(self, "tree_rows")
        self.add_class("lp-task-list-host")
        self.on_close(self._repeat_callbacks.clear)
        # drawing from the session's state needs no request: on the changing thread
        self.follow(self.session, self._state_changed, "task_state")
        # reading the task list is a request: on the panel's worker
        self.follow(self.session, self._collaboration_changed, ["collaboration", "logged_in"],
                    background=True)
        follow_reachability(self, self.session)
        self._draw_title()
        if self.session.logged_in and self.session.collaboration:
            self.attempt(self.refresh)

    # -- what is shown ---------------------------------------------------------------------
    @property
    def rows(self) -> list[dict]:
        """Every task row of the collaboration (before search and filter)."""
        return list(self.task_rows)

    @property
    def shown(self) -> list[dict]:
        """The rows the list shows now: searched, filtered, newest first."""
        rows = [r for r in self.task_rows if matches(r, self.query, self.status_filter)]
        return sorted(rows, key=lambda r: r["id"], reverse=True)

    @property
    def counts(self) -> dict[str, int]:
        """How many rows matching the search each status group holds (the chips)."""
        found = [r for r in self.task_rows if matches(r, self.query)]
        counts = {group: 0 for group in STATUS_GROUPS}
        counts["all"] = len(found)
        for row in found:
            counts[status_group(row.get("status"))] += 1
        return counts

    @property
    def tree(self) -> list[dict]:
        """The open task's tree nodes, in display order."""
        return list(self.tree_rows)

    @property
    def entry(self) -> dict | None:
        """The open task's ``session.task_state`` entry."""
        return (self.session.task_state or {}).get(self.opened) if self.opened else None

    # -- actions (each also a click in the view) ---------------------------------------------
    def refresh(self) -> list[dict]:
        """Read the collaboration's tasks (every page) into the session's ``task_state``
        and keep its unfinished ones current (the newest :data:`WATCH_LIMIT`); return the
        rows. The end times of finished tasks are read in the background."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            self._clear()
            return []
        entries = self.session.refresh_tasks(collab)
        if self.closed or (self.session.collaboration or {}).get("id") != collab["id"]:
            return []
        running = [e for e in entries if not e["finished"]][:WATCH_LIMIT]
        for entry in running:
            self.session.watch(entry["id"])
        self._draw_rows(replace=True)
        if any(e["finished"] and not e.get("finished_at") and e["id"] not in self._finished
               for e in entries):
            self.later(self._read_finished_times, collab["id"])
        return self.rows

    def search(self, query: str) -> list[dict]:
        """Show the tasks whose id is ``query`` or whose name contains it (``#12``: only
        task 12); "" shows every task. Returns the rows shown."""
        if not isinstance(query, str):
            raise InvalidArgument(f"search for text (a name or an id), not {query!r}")
        self.query = query
        return self.shown

    def filter_status(self, status: str) -> list[dict]:
        """Show only the tasks of one status group: all, running (pending, initializing,
        active), completed, failed or killed. Returns the rows shown."""
        group = str(status or "").strip().lower()
        if group not in STATUS_GROUPS:
            raise InvalidArgument(f"no status filter {status!r}; choose one of "
                                  + ", ".join(STATUS_GROUPS))
        self.status_filter = group
        return self.shown

    def open_task(self, task: int | Mapping[str, Any] | None) -> list[dict]:
        """Open ``task`` (id or row): its details and its task → runs → subtasks tree,
        kept current by the session; ``None`` closes it. Returns the tree nodes (the
        runs arrive a moment later when the task was not followed yet).

        (Not ``open``: that name is ipywidgets' own, it opens the widget's comm.)"""
        if task is None:
            with self._lock:
                self.opened = None
                self._info = None
                self._clear_detail()
            return []
        task_id = _task_id(task)
        row = self.session.task(task_id)
        children = task_records.subtasks(self.session, task_id)
        with self._lock:
            if self.opened != task_id:
                self._clear_log()
            self._info = {"id": task_id, "row": row, "children": children}
            self.opened = task_id
        self.session.watch(task_id)
        self._draw_detail()
        return self.tree

    def show_log(self, run_id: int) -> dict:
        """Show the log of run ``run_id`` of the open task (or its subtasks), its error
        line marked; return the run with its log."""
        run_id = int(run_id)
        if not any(n["kind"] == "run" and n["ref"] == run_id for n in self.tree_rows):
            raise InvalidArgument(f"run {run_id} is not a run of the open task")
        run = task_records.run_log(self.session, run_id)
        lines = run["log"].splitlines()
        where = f"Run {run_id} · {run['organization'] or '?'}"
        if run["node"]:
            where += f" · node {run['node']}"
        where += f" · {run['status']}"
        if run["task_id"] != self.opened:
            where += f" · subtask {run['task_id']}"
        with self.hold_sync():
            self.log_title = where
            self.log_lines = lines
            self.log_highlight = error_lines(lines, error_line(run["log"]))
            self.log_run = run_id
        return run

    def kill(self, task: int | Mapping[str, Any] | None = None) -> None:
        """Ask the nodes to stop ``task`` (the open one by default) and its subtasks.

        Raises InvalidArgument when it already ended, and PermissionDenied, in words,
        when your role may not stop tasks here (vantage6 lets collaboration
        administrators do it)."""
        task_id = self._task_ref(task)
        entry = (self.session.task_state or {}).get(task_id)
        if entry and entry.get("finished"):
            raise InvalidArgument(f"task {task_id} already ended ({entry['status']}): there "
                                  "is nothing to kill")
        try:
            self.session.kill(task_id)
        except PermissionDenied as exc:
            raise PermissionDenied(
                exc.status, exc.method, exc.url,
                f"you may not kill task {task_id}: your role on this server does not allow "
                "stopping tasks in this collaboration (a collaboration administrator can)",
                exc.body) from None
        # the server marks the runs "killed by user" at once; no event says so: read soon
        self.session.watch(task_id, poll=0.5)
        self.show_message(f"Task {task_id}: the nodes were told to stop it.", "ok")

    def repeat(self, task: int | Mapping[str, Any] | None = None) -> dict:
        """The form that sends ``task`` (the open one by default) again, for the task
        builder: ``{image, method, arguments, organizations, databases, name,
        description, collaboration}`` (arguments: the keyword arguments; databases:
        labels; organizations: ids). Each :meth:`on_repeat` callback gets it."""
        task_id = self._task_ref(task)
        form = task_records.repeat_form(self.session, task_id)
        self.last_repeat = form
        for callback in list(self._repeat_callbacks):
            callback(dict(form))
        where = "in the task builder" if self._repeat_callbacks else "(call on_repeat to " \
            "send it to a task builder)"
        self.show_message(f"Task {task_id}'s form is ready {where}: {form['method']} of "
                          f"{form['image']}.", "ok")
        return form

    def on_repeat(self, callback: Callable[[dict], Any], remove: bool = False) -> None:
        """Call ``callback(form)`` whenever a task is repeated (``remove=True`` stops it)."""
        if remove:
            self._repeat_callbacks[:] = [c for c in self._repeat_callbacks if c != callback]
        elif callback not in self._repeat_callbacks:
            self._repeat_callbacks.append(callback)

    def export(self, what: str = "results", fmt: str = "json",
               task: int | Mapping[str, Any] | None = None) -> str:
        """``task``'s (the open one by default) input or results as JSON or CSV text.

        The input: one record per run (organization, method, args, kwargs; an
        ``error`` where it cannot be read); the results: one per organization, the
        CSV as the result viewer tabulates them. CSV cells a spreadsheet would run
        as a formula are made plain text."""
        what, fmt = _check_kind(what, fmt)
        task_id = self._task_ref(task)
        if what == "input":
            records = task_records.task_input(self.session, task_id)
            if fmt == "json":
                return json.dumps(jsonable(records), indent=2, allow_nan=False) + "\n"
            return _input_csv(records)
        if fmt == "json":
            items = self.session.results(task_id, as_frame=False)
            return json.dumps(jsonable(items), indent=2, allow_nan=False) + "\n"
        from .results import _inert

        return self.session.results(task_id).map(_inert).to_csv(index=False)

    def download(self, what: str = "results", fmt: str = "json",
                 task: int | Mapping[str, Any] | None = None, *,
                 path: str | os.PathLike | None = None) -> str:
        """Save :meth:`export`'s text: the browser gets it as a file
        ``task-<id>-<what>.<fmt>``; with ``path`` (a folder, or a file name) it is also
        written there atomically. Returns the file's name (its full path with ``path``)."""
        what, fmt = _check_kind(what, fmt)
        task_id = self._task_ref(task)
        text = self.export(what, fmt, task_id)
        filename = f"task-{task_id}-{what}.{fmt}"
        data = text.encode("utf-8")
        self.send({"type": "file", "filename": filename, "mime": _FORMATS[fmt]}, [data])
        if path is None:
            return filename
        target = Path(path)
        if target.is_dir() or str(path).endswith(os.sep):
            target = target / filename
        return str(write_atomic(target, data))

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait for the panel's background work, and until the open task's runs are
        in its tree (TimeoutError after ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        super().join(timeout)
        while self.opened and not self.closed and not any(
                n["kind"] == "run" for n in self.tree_rows):
            entry = self.entry or {}
            if entry.get("finished") and not entry.get("runs"):
                break
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the runs of task {self.opened} are still not shown "
                                   f"after {timeout:g} s")
            self.session.wait_for_event(0.1)

    # -- the view's messages ----------------------------------------------------------------
    def dispatch(self, content: Mapping[str, Any], buffers: list | None = None) -> bool:
        if content.get("name") in self.SLOW_ACTIONS:
            self.show_message("")  # the last action's message: not about this one
        return super().dispatch(content, buffers)

    # -- drawing ------------------------------------------------------------------------------
    def _task_ref(self, task: int | Mapping[str, Any] | None) -> int:
        if task is None:
            if not self.opened:
                raise InvalidArgument("open a task first, or give its id")
            return int(self.opened)
        return _task_id(task)

    def _row(self, entry: Mapping[str, Any]) -> dict:
        finished = bool(entry.get("finished"))
        ended = entry.get("finished_at") or (self._finished.get(entry["id"]) if finished
                                             else "") or ""
        total = int(entry.get("total") or 0)
        return {"id": entry["id"], "name": entry.get("name") or "",
                "status": entry.get("status") or "pending",
                "created_at": entry.get("created_at") or "", "finished_at": ended,
                "runs": f"{entry.get('done', 0)}/{total}" if total else ""}

    def _entries(self) -> list[dict]:
        collab = (self.session.collaboration or {}).get("id")
        if collab is None or not self.session.logged_in:
            return []
        return [e for e in (self.session.task_state or {}).values()
                if e.get("collaboration_id") == collab and e.get("parent_id") is None
                and not is_column_request(e)]  # the server's own requests for column names

    def _draw_rows(self, replace: bool = False) -> None:
        with self._lock:
            if self._rows is None or self.closed:
                return
            rows = [self._row(e) for e in self._entries()]
            shown = {r["id"]: r for r in self._rows.rows}
            if replace or not shown.keys() <= {r["id"] for r in rows}:
                if rows != list(self._rows.rows):
                    self._rows.set_rows(rows)
            else:
                changed = [r for r in rows if shown.get(r["id"]) != jsonable(r)]
                self._rows.update_rows(changed)
            self._draw_title()

    def _draw_title(self) -> None:
        collab = self.session.collaboration if self.session.logged_in else None
        if not collab:
            title = "Tasks"
            empty = ("Log in to see your tasks" if not self.session.logged_in
                     else "Choose a collaboration to see its tasks")
        else:
            title = f"Tasks of {collab['name']}"
            empty = f"No tasks in {collab['name']} yet"
        if (title, empty) != (self.title, self.empty_text):
            with self.hold_sync():
                self.title = title
                self.empty_text = empty

    def _draw_detail(self) -> None:
        with self._lock:
            info, task_id = self._info, self.opened
            if not info or info["id"] != task_id or self.closed:
                return
            row = info["row"]
            entry = self.entry or {}
            status = entry.get("status") or row.get("status") or "pending"
            finished = bool(entry.get("finished")) if entry else status in FINISHED
            runs = entry.get("runs") or []
            known = {task_id} | {c["id"] for c in info["children"]}
            unknown = {r["task_id"] for r in runs} - known
            root = {"id": task_id, "name": entry.get("name") or row.get("name"),
                    "status": status, "finished_at": entry.get("finished_at")
                    or row.get("finished_at")}
            nodes = task_records.tree_nodes(root, runs, info["children"])
            total = int(entry.get("total") or 0)
            detail = {
                "id": task_id, "name": root["name"] or "", "status": status,
                "created_at": entry.get("created_at") or row.get("created_at") or "",
                "finished_at": (root["finished_at"] or self._finished.get(task_id) or "")
                if finished else "",
                "image": row.get("image") or "",
                "description": task_records.clean_description(row.get("description")),
                "runs": (f"{entry.get('done', 0)} of {total} runs finished" if total
                         else "reading its runs…" if not finished else "no runs"),
                "failed": int(entry.get("failed") or 0),
                "subtasks": len(info["children"]), "finished": finished,
                "can_kill": not finished,
            }
            with self.hold_sync():
                if detail != self.detail:
                    self.detail = detail
                if jsonable(nodes) != list(self._tree.rows):
                    self._tree.set_rows(nodes)
        if unknown and not self._reading_children:  # a subtask appeared: read the tree
            self._reading_children = True
            self.later(self._read_children, task_id)

    def _read_children(self, task_id: int) -> None:
        try:
            children = task_records.subtasks(self.session, task_id)
        finally:
            self._reading_children = False
        with self._lock:
            if self._info and self._info["id"] == task_id:
                self._info = {**self._info, "children": children}
        self._draw_detail()

    def _read_finished_times(self, collaboration: int) -> None:
        times = task_records.finished_times(self.session, collaboration)
        with self._lock:
            self._finished.update(times)
        if (self.session.collaboration or {}).get("id") == collaboration:
            self._draw_rows()
            self._draw_detail()

    def _clear_log(self) -> None:
        with self.hold_sync():
            self.log_run = None
            self.log_title = ""
            self.log_lines = []
            self.log_highlight = []

    def _clear_detail(self) -> None:
        with self.hold_sync():
            self.detail = {}
            self._tree.set_rows([])
            self._clear_log()

    def _clear(self) -> None:
        with self._lock:
            self.opened = None
            self._info = None
            self._finished.clear()
            if self._rows is not None:
                self._rows.set_rows([])
            self._clear_detail()
            self._draw_title()

    # -- reactions ----------------------------------------------------------------------------
    def _state_changed(self, _change: Any) -> None:
        self._draw_rows()
        if self.opened:
            self._draw_detail()

    def _collaboration_changed(self, _change: Any) -> None:
        self._clear()
        self.show_message("")
        if self.session.collaboration and self.session.logged_in:
            self.refresh()


def _task_id(task: int | str | Mapping[str, Any]) -> int:
    value = task.get("id") if isinstance(task, Mapping) else task
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not value.strip().lstrip("#").isdigit()):
        raise InvalidArgument(f"{task!r} is not a task id")
    return int(str(value).strip().lstrip("#"))


def _check_kind(what: str, fmt: str) -> tuple[str, str]:
    what, fmt = str(what).lower(), str(fmt).lower()
    if what not in _WHAT:
        raise InvalidArgument(f"download the task's input or results, not {what!r}")
    if fmt not in _FORMATS:
        raise InvalidArgument(f"download as json or csv, not {fmt!r}")
    return what, fmt


def _input_csv(records: list[dict]) -> str:
    """One row per run: who, the method, each keyword argument in its own column
    (lists and objects as JSON), positional arguments as JSON, or why it is unreadable."""
    from .results import _inert

    names: dict[str, None] = {}
    for rec in records:
        for key in rec.get("kwargs") or {}:
            names[str(key)] = None
    has_args = any(rec.get("args") for rec in records)
    has_error = any(rec.get("error") for rec in records)
    header = ["task_id", "run_id", "organization_id", "organization", "method", *names]
    header += ["args"] if has_args else []
    header += ["error"] if has_error else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for rec in records:
        kwargs = rec.get("kwargs") or {}
        cells = [rec.get("task_id"), rec.get("run_id"), rec.get("organization_id"),
                 rec.get("organization"), rec.get("method")]
        cells += [_cell(kwargs.get(n)) for n in names]
        if has_args:
            cells.append(_cell(rec.get("args") or []) if "error" not in rec else "")
        if has_error:
            cells.append(rec.get("error") or "")
        writer.writerow([_inert(c) if c is not None else "" for c in cells])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(jsonable(value))
    return value
