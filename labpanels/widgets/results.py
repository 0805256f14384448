"""ResultViewer: a task's results as tables (all organizations, and each one), a CSV
download, and the failed runs with their logs, the error line marked.

One anywidget (``js/results.js``): Python reads the session and keeps the traits below;
the view draws them (the task list, the status line, the failed runs above the results,
the chosen run's log, one tab per organization) and sends what is clicked as an action,
which is a call of a public method. The CSV goes to the browser in a message, never as a
trait, so it is never saved with the notebook.

Result charts: the function's ``ui_visualizations`` (from ``session.visualizations(task)``,
or set by the notebook author as :attr:`ResultViewer.visualizations`) are applied to the
results in Python (``charts.py``) and drawn by the view as tables and SVG line charts
(``js/lib/chart.js``). SVG and PNG files are made by the view, from what it draws, with the
theme's colours written into them: :meth:`ResultViewer.export_chart` asks the view for one
and writes it when the browser answers (the view must be displayed; CSV needs no browser).
"""

from __future__ import annotations

import itertools
import operator
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Int, List, Unicode, observe

from ..errors import InvalidArgument, LabpanelsError
from ..formatting import plural
from .assets import asset
from .base import Panel
from .charts import build_charts
from .common import follow_reachability, friendly, vantage6_session
from .table import jsonable as _jsonable

__all__ = ["ResultViewer", "error_lines", "frame_rows", "status_kind"]

#: the files a chart is saved as: SVG and PNG drawn by the view, CSV of its rows
CHART_FORMATS = ("svg", "png", "csv")

_HIDDEN_COLUMNS = ("organization_id", "run_id")

#: the columns of ``ResultViewer.failed_rows``: the error first, what to read first
FAILED_COLUMNS = ("id", "error", "organization", "node", "status", "task_id")

_KINDS = {"completed": "ok", "active": "running", "initializing": "running",
          "pending": "waiting", "": "idle"}


def status_kind(status: str | None) -> str:
    """The theme's status kind of a vantage6 task or run status."""
    status = status or ""
    if status in _KINDS:
        return _KINDS[status]
    return "error"  # failed, crashed, killed by user, start failed, ...


def error_lines(lines: list[str], error: str) -> list[int]:
    """Index of the line that ``error`` (as ``failed_runs()`` gives it) comes from."""
    error = (error or "").strip()
    if not error:
        return []
    stripped = [line.strip() for line in lines]
    for i, text in enumerate(stripped):  # failed_runs() prefers the "Error:" line
        if text.startswith("Error:") and text[6:].strip() == error:
            return [i]
    for i in reversed(range(len(lines))):  # else the last line that says so
        if stripped[i] == error:
            return [i]
    return [i for i in reversed(range(len(lines))) if error in lines[i]][:1]


def frame_rows(df: Any) -> tuple[list[str], list[list]]:
    """Column names (sent once) and rows as lists for a results DataFrame."""
    shown = [c for c in df.columns if c not in _HIDDEN_COLUMNS]
    rows = [[_jsonable(v) for v in rec]
            for rec in df[shown].itertuples(index=False, name=None)]
    return [str(c) for c in shown], rows


class ResultViewer(Panel):
    """Results of a task of the current collaboration: pick one (newest first; the last
    task created through the session is picked by itself), read its results per
    organization and combined, save them as CSV, and read the logs of failed runs.

    The task list and the status line are drawn from ``session.task_state``, so they
    say what the progress bar says, without a Refresh; the results are read when the
    session says they are ready. Plain methods: :meth:`show`, :meth:`refresh_tasks`,
    :meth:`csv`, :meth:`show_log`, :meth:`download_csv`; :attr:`table` is the combined
    DataFrame, :attr:`failed` the failed runs (with their logs).

    Traits the view draws: ``tasks`` (``[id, name, status, kind]`` per top-level task,
    newest first), ``task_id``, ``status_text``/``status_kind``, ``failed_rows`` (lists
    in the order of ``FAILED_COLUMNS``), ``log_run``/``log_title``/``log_lines``/
    ``log_highlight``, ``columns``/``rows`` (the combined results), ``tab_titles`` and
    ``tab`` (0: every organization, then one per organization), ``filename`` and
    ``can_download``, and ``charts`` (one per declared visualization, see below).

    Charts: :attr:`visualizations` holds the declarations of the shown task's function
    (the store's ``ui_visualizations``: ``table`` and ``line``), read from
    ``session.visualizations(task)`` when the task's results are read. A notebook author
    may set it (or pass ``visualizations=[...]``): then those are drawn for every task.
    ``charts`` holds what the view draws, one dict per declaration:
    ``{type, name, description, columns, rows, group, problems}`` (+ ``x, y, y_min,
    y_max`` for a line): the columns once, the rows as lists; with several results
    the first column (``group``, "organization") says whose row it is and a line chart
    draws one line per organization. What could not be read is a sentence in
    ``problems``. :meth:`reset_visualizations` goes back to the session's declarations.
    :meth:`chart_frame` gives a chart's rows as a DataFrame;
    :meth:`export_chart` saves one as SVG, PNG (made by the view) or CSV;
    :meth:`download_chart` is the view's Save buttons.
    """

    _esm = asset("results.js")
    _css = asset("results.css")

    task_id = Int(None, allow_none=True).tag(sync=True)
    tasks = List().tag(sync=True)
    status_text = Unicode("").tag(sync=True)
    status_kind = Unicode("idle").tag(sync=True)
    failed_rows = List().tag(sync=True)
    log_run = Int(None, allow_none=True).tag(sync=True)
    log_title = Unicode("").tag(sync=True)
    log_lines = List(Unicode()).tag(sync=True)
    log_highlight = List(Int()).tag(sync=True)
    columns = List(Unicode()).tag(sync=True)
    rows = List().tag(sync=True)
    tab_titles = List(Unicode(), ["All organizations"]).tag(sync=True)
    tab = Int(0).tag(sync=True)
    filename = Unicode("results.csv").tag(sync=True)
    can_download = Bool(False).tag(sync=True)
    charts = List().tag(sync=True)
    visualizations = List(Dict())

    #: what the view may ask for: an action names one of these public methods
    ACTIONS = frozenset({"show", "show_log", "download_csv", "refresh_tasks", "select_tab",
                         "download_chart"})
    #: they read the server: on the panel's worker, not the kernel's message thread
    SLOW_ACTIONS = frozenset({"show", "refresh_tasks"})

    def __init__(self, session: Any, task: Any = None, *, follow: bool = True,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        self.session = vantage6_session(session)
        self.follow_last = follow
        self.frame = _empty_frame()
        self.failed: list[dict] = []
        self._loaded: tuple | None = None  # (task id, results state, failed count) drawn
        self._drawn_lock = threading.RLock()
        self._items: list[dict] = []  # the shown task's results, as the session gives them
        self._items_task: int | None = None  # the task they are of
        self._declared: tuple[int, list[dict], str] | None = None  # task, declarations, problem
        self._filling = False  # the viewer (not the author) sets ``visualizations``
        self._pinned = False  # the author set ``visualizations``: used for every task
        self._views: dict[str, float] = {}  # the views drawn in a browser: id -> since
        self._exports: dict[int, tuple[Future, Path, threading.Timer]] = {}
        self._export_ids = itertools.count(1)
        super().__init__(**kwargs)
        self.add_class("lp-results")
        self.on_close(self._cancel_exports)
        self.follow(self.session, self._state_changed, "task_state")
        # reading the task list is a request: on the panel's worker
        self.follow(self.session, self._collaboration_changed, ["collaboration", "logged_in"],
                    background=True)
        self.follow(self.session, self._last_task, "last_task")
        follow_reachability(self, self.session)
        if self.session.logged_in and self.session.collaboration:
            self.attempt(self.refresh_tasks)
        if task is not None:
            self.attempt(self.show, task)

    # -- reading -------------------------------------------------------------------------
    @property
    def table(self) -> Any:
        """The combined results (every organization) as a DataFrame."""
        return self.frame

    @property
    def entry(self) -> dict | None:
        """The shown task's ``session.task_state`` entry."""
        return (self.session.task_state or {}).get(self.task_id) if self.task_id else None

    def csv(self) -> str:
        """The combined results as CSV text (what Download CSV saves).

        Text that a spreadsheet would run as a formula (starting with =, +, -, @) is
        prefixed with a quote: names and values come from servers."""
        return self.frame.map(_inert).to_csv(index=False)

    def refresh_tasks(self) -> list[dict]:
        """Read the current collaboration's tasks (newest first) into the session's
        ``task_state``, which the task list shows."""
        collab = self.session.collaboration
        tasks = (self.session.refresh_tasks(collab)
                 if collab and self.session.logged_in else [])
        self._draw_tasks()
        return tasks

    def show(self, task: Any, *, wait: bool = False) -> Any:
        """Show the results of ``task`` (id or dict); with ``wait``, first wait until it
        finished. Return the combined DataFrame (empty while the task runs: the results
        appear by themselves when it finishes)."""
        task_id = int(task["id"] if isinstance(task, dict) else task)
        self._select(task, task_id)
        if wait:
            self.session.wait(task_id)
        # the session reads the task's runs in the background: give it a moment, so a
        # finished task's results are here when this returns
        self._settle(lambda e: e["finished"] or e["total"] > 0, 5.0)
        entry = self.entry
        if entry and entry["finished"]:
            self._settle(lambda e: e["results"] not in ("", "loading"), 30.0)
            self._load(task_id)
        return self.frame

    def show_log(self, run_id: int) -> None:
        """Show the log of failed run ``run_id`` with its error line marked."""
        run_id = int(run_id)
        run = next((r for r in self.failed if r["id"] == run_id), None)
        if run is None:
            raise ValueError(f"run {run_id} is not one of this task's failed runs")
        where = f"{run.get('organization')} · node {run.get('node') or '?'} · {run['status']}"
        if run["task_id"] != self.task_id:
            where += f" · subtask {run['task_id']}"
        lines = (run.get("log") or "").splitlines()
        with self.hold_sync():
            self.log_title = where
            self.log_lines = lines
            self.log_highlight = error_lines(lines, run.get("error", ""))
            self.log_run = run_id

    def select_tab(self, index: int) -> None:
        """Show tab ``index``: 0 every organization, then one per organization."""
        index = int(index)
        if not 0 <= index < len(self.tab_titles):
            raise ValueError(f"no tab {index}; there are {len(self.tab_titles)}")
        self.tab = index

    def download_csv(self) -> str:
        """Send the CSV to the browser to save (as the button does); return it."""
        text = self.csv()
        self.send({"type": "file", "filename": self.filename, "mime": "text/csv"},
                  [text.encode("utf-8")])
        return text

    # -- charts ----------------------------------------------------------------------------
    def reset_visualizations(self) -> list[dict]:
        """Draw what the session declares for each task again (after
        :attr:`visualizations` was set by hand); return the shown task's declarations."""
        with self._drawn_lock:
            self._pinned = False
            self._declared = None
            task_id = self.task_id
        declared, problem = self._declarations(task_id) if task_id else ([], "")
        with self._drawn_lock:
            if task_id != self.task_id:
                return declared
            if declared and not self._items and self._items_task == task_id:
                self._items = self._read_items(task_id)
            self._fill_visualizations(declared)
            self._draw_charts()
        if problem:
            self.show_message(problem, "error")
        return declared

    def chart_frame(self, index: int) -> Any:
        """The rows of chart ``index`` (as ``charts[index]`` holds them) as a DataFrame."""
        import pandas as pd

        chart = self._chart(index)
        return pd.DataFrame(chart["rows"], columns=chart["columns"])

    def export_chart(self, index: int, path: str | Path, format: str = "svg", *,
                     timeout: float = 30.0) -> Future:
        """Save chart ``index`` to ``path`` as ``"svg"``, ``"png"`` or ``"csv"``; return a
        Future of the path.

        SVG and PNG are made by the view from the chart it draws (the theme's colours
        written into the file), so the viewer must be displayed: the file is written when
        the browser answers, which is after the running cell has finished (read
        ``future.result()`` in a later cell). CSV (the chart's rows) is written at once.
        The Future fails with TimeoutError when no answer came within ``timeout``."""
        chart, fmt = self._chart(index), _chart_format(format)
        target = Path(path)
        future: Future = Future()
        future.set_running_or_notify_cancel()
        if fmt == "csv":
            target.write_text(self.chart_frame(index).map(_inert).to_csv(index=False),
                              encoding="utf-8")
            future.set_result(target)
            return future
        _drawn_as_svg(chart, index)
        view = self._view(index)
        request = next(self._export_ids)
        timer = threading.Timer(timeout, self._export_timeout, (request, index, timeout))
        timer.daemon = True
        self._exports[request] = (future, target, timer)
        timer.start()
        self.send({"type": "export", "id": request, "index": int(index), "format": fmt,
                   "view": view})
        return future

    def download_chart(self, index: int, format: str = "svg", view: str = "") -> str:
        """Save chart ``index`` in the browser as a file (what its Save buttons do);
        return the file name. ``view``: only that view saves it (the button's own)."""
        chart, fmt = self._chart(index), _chart_format(format)
        name = _slug(chart["name"]) or f"chart-{index}"
        filename = f"task-{self.task_id}-{name}.{fmt}" if self.task_id else f"{name}.{fmt}"
        if fmt == "csv":
            text = self.chart_frame(index).map(_inert).to_csv(index=False)
            self.send({"type": "file", "filename": filename, "mime": "text/csv"},
                      [text.encode("utf-8")])
            return filename
        _drawn_as_svg(chart, index)
        self.send({"type": "export", "index": int(index), "format": fmt, "save": True,
                   "filename": filename, "view": str(view or "")})
        return filename

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait until the shown task finished and its results are drawn (TimeoutError
        after ``timeout``), and for the panel's background work."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.task_id and not self.closed and not (
                self._loaded and self._loaded[0] == self.task_id
                and (self.entry or {}).get("finished")):
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the results of task {self.task_id} are still not "
                                   f"shown after {timeout:g} s")
            time.sleep(0.05)
        super().join(None if deadline is None else max(0.1, deadline - time.monotonic()))

    # -- actions from the view -----------------------------------------------------------
    def on_view_message(self, content: Mapping[str, Any], buffers: list) -> None:
        if content.get("type") == "view":  # a view was drawn in a browser, or removed
            self._view_seen(content)
        elif content.get("type") == "exported":  # a file export_chart asked for
            self._exported(content, buffers)

    # -- loading -------------------------------------------------------------------------
    def _select(self, task: Any, task_id: int) -> None:
        """Make ``task_id`` the shown task (the session keeps it current)."""
        with self._drawn_lock:
            if task_id != self.task_id:
                self.task_id = task_id
                self._clear()
        if self.session.logged_in:
            self.session.watch(task if isinstance(task, dict) and "name" in task else task_id)
        self._draw_tasks()
        self._draw_status()

    def _settle(self, ready: Callable[[dict], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.closed:
            entry = self.entry
            if entry is None or ready(entry):
                return
            self.session.wait_for_event(0.1)

    def _load(self, task_id: int) -> None:
        """Read the finished task's results (from the session's memory once it fetched
        them) and its failed runs with their logs; draw them."""
        entry = (self.session.task_state or {}).get(task_id) or {}
        key = (task_id, entry.get("results"), entry.get("failed"))
        problem: Exception | None = None
        try:
            frame = self.session.results(task_id)
        except LabpanelsError as exc:  # e.g. encrypted and no key: say so, show the rest
            frame, problem = _empty_frame(), exc
        failed = self.session.failed_runs(task_id) if entry.get("failed") else []
        declared, chart_problem = self._declarations(task_id)
        items = self._read_items(task_id) if declared and problem is None else []
        with self._drawn_lock:
            if task_id != self.task_id or self.closed:
                return  # another task was picked meanwhile
            self.frame = frame
            self.failed = failed
            self._items, self._items_task = items, task_id
            with self.hold_sync():  # failures, log, tables and charts in one message
                self._draw_failures(failed)
                self._draw_tables(frame)
                self.filename = f"task-{task_id}-results.csv"
                self.can_download = not frame.empty
                self._fill_visualizations(declared)
                self._draw_charts()
            self._loaded = key
        self._draw_status()
        if problem is not None:
            self.report(problem)
        elif chart_problem:
            self.show_message(chart_problem, "error")
        elif not str(entry.get("results") or "").startswith("error"):
            self.show_message("")

    def _load_if_ready(self) -> None:
        task_id, entry = self.task_id, self.entry
        if not task_id or not entry or not entry["finished"]:
            return
        if entry["results"] in ("", "loading"):
            return  # the session is fetching them: it says when they are ready
        if self._loaded == (task_id, entry["results"], entry["failed"]):
            return
        self._load(task_id)

    def _draw_status(self) -> None:
        task_id, entry = self.task_id, self.entry
        kind = "idle"
        if not task_id:
            text = ""
        elif entry is None:
            text, kind = f"Task {task_id}: reading it…", "waiting"
        else:
            status = entry["status"] or "pending"
            kind = status_kind(status)
            if not entry["finished"]:
                text = (f"Task {task_id} is {status} ({entry['done']} of {entry['total']} "
                        "runs done): results appear here when it finishes")
            elif str(entry["results"]).startswith("error"):
                text = (f"Task {task_id} {status}: the results could not be read "
                        f"({entry['results'][len('error: '):]})")
                kind = "error"
            elif entry["results"] in ("", "loading") or not (
                    self._loaded and self._loaded[0] == task_id):
                text = f"Task {task_id} {status}: reading the results…"
            else:
                text = f"Task {task_id} {status}: {plural(len(self.frame), 'result row')}"
                if entry["failed"]:
                    text += f"; {plural(entry['failed'], 'run')} failed"
        if (text, kind) != (self.status_text, self.status_kind):
            with self.hold_sync():
                self.status_text = text
                self.status_kind = kind

    def _draw_tasks(self) -> None:
        collab = (self.session.collaboration or {}).get("id")
        entries = [e for e in (self.session.task_state or {}).values()
                   if e.get("parent_id") is None
                   and e.get("collaboration_id") in (collab, None) and collab is not None
                   and (e.get("collaboration_id") is not None or e["id"] == self.task_id)]
        entries.sort(key=lambda e: e["id"], reverse=True)
        tasks = [[e["id"], e.get("name") or "unnamed", e.get("status") or "",
                  status_kind(e.get("status"))] for e in entries]
        with self._drawn_lock:
            if tasks != self.tasks:
                self.tasks = tasks

    def _draw_tables(self, frame: Any) -> None:
        """The combined results; the view draws one tab of them per organization."""
        columns, rows = frame_rows(frame)
        titles = ["All organizations"]
        if "organization" in frame.columns and len(frame):
            titles += [str(org) for org in dict.fromkeys(frame["organization"])]
        self.columns = columns
        self.rows = rows
        self.tab_titles = titles
        self.tab = 0

    def _draw_failures(self, failed: list[dict]) -> None:
        self.failed_rows = [[_jsonable(r.get(k)) for k in FAILED_COLUMNS] for r in failed]
        if failed:  # first the log that says what went wrong, not "a sibling failed"
            telling = [r for r in failed if any(line.strip().startswith("Error:")
                                                for line in (r.get("log") or "").splitlines())]
            self.show_log((telling or failed)[0]["id"])
        else:
            self.log_run = None
            self.log_title = ""
            self.log_lines = []
            self.log_highlight = []

    def _declarations(self, task_id: int) -> tuple[list[dict], str]:
        """The visualizations to draw for ``task_id`` (the author's, or the session's for
        the task's function) and a sentence when the session could not say."""
        if self._pinned:
            return [dict(v) for v in self.visualizations], ""
        if self._declared and self._declared[0] == task_id:
            return self._declared[1], self._declared[2]
        method = getattr(self.session, "visualizations", None)
        found: Any = []
        problem = ""
        if callable(method):
            try:
                found = method(task_id)
            except Exception as exc:  # the store may be away: the tables still show
                problem = f"The charts declared for this task could not be read: {friendly(exc)}"
                found = []
        declared = [dict(v) for v in found or [] if isinstance(v, Mapping)]
        if not problem:
            self._declared = (task_id, declared, problem)
        return declared, problem

    def _read_items(self, task_id: int) -> list[dict]:
        """The task's results per run, as dicts (the charts read them by location)."""
        try:
            return list(self.session.results(task_id, as_frame=False) or [])
        except LabpanelsError:  # the tables already say why
            return []

    def _fill_visualizations(self, declared: list[dict]) -> None:
        if self._pinned:
            return
        self._filling = True
        try:
            self.visualizations = declared
        finally:
            self._filling = False

    def _draw_charts(self) -> None:
        with self._drawn_lock:
            shown = self._items_task is not None and self._items_task == self.task_id
            charts = build_charts(self.visualizations, self._items) if shown else []
            if charts != self.charts:
                self.charts = charts

    @observe("visualizations")
    def _visualizations_set(self, _change: Any) -> None:
        if self._filling:
            return
        self._pinned = True  # the author's: drawn for every task from now on
        task_id = self.task_id
        loaded = bool(task_id and self._loaded and self._loaded[0] == task_id)
        if loaded and self.visualizations and not self._items:
            self.later(self._items_for_charts, task_id)  # not read yet: off this thread
        else:
            self._draw_charts()

    def _items_for_charts(self, task_id: int) -> None:
        items = self._read_items(task_id)
        with self._drawn_lock:
            if task_id != self.task_id:
                return
            self._items, self._items_task = items, task_id
            self._draw_charts()

    def _chart(self, index: int) -> dict:
        charts = self.charts
        try:
            at = operator.index(index) if not isinstance(index, bool) else -1
        except TypeError:
            at = -1
        if not 0 <= at < len(charts):
            raise InvalidArgument(f"no chart {index!r}: there are {len(charts)} "
                                  "(one per declared visualization, counted from 0)")
        return charts[at]

    def _view(self, index: int) -> str:
        """The id of the view that draws the charts (the one drawn last)."""
        if not self._views:
            raise LabpanelsError(
                f"chart {index} is drawn in the browser: display the viewer (e.g. as a "
                "cell's output) before saving it as SVG or PNG; format='csv' needs no browser")
        return max(self._views, key=self._views.get)

    def _view_seen(self, content: dict) -> None:
        view = str(content.get("view") or "")
        if not view:
            return
        if content.get("drawn"):
            self._views[view] = time.monotonic()
        else:
            self._views.pop(view, None)

    def _exported(self, content: dict, buffers: list) -> None:
        pending = self._exports.pop(_int(content.get("id")), None)
        if pending is None:
            return  # another view answered first, or it timed out
        future, target, timer = pending
        timer.cancel()
        if content.get("error") or not buffers:
            future.set_exception(LabpanelsError(
                f"the browser could not make the file: {content.get('error') or 'no data'}"))
            return
        try:
            target.write_bytes(bytes(buffers[0]))
        except OSError as exc:
            future.set_exception(exc)
        else:
            future.set_result(target)

    def _export_timeout(self, request: int, index: int, timeout: float) -> None:
        pending = self._exports.pop(request, None)
        if pending is not None and not pending[0].done():
            pending[0].set_exception(TimeoutError(
                f"the browser did not send chart {index} within {timeout:g} s: display the "
                "viewer; the browser answers once the running cell has finished"))

    def _cancel_exports(self) -> None:
        pending, self._exports = self._exports, {}
        for future, _target, timer in pending.values():
            timer.cancel()
            if not future.done():
                future.set_exception(LabpanelsError("the result viewer was closed"))

    # -- reactions -----------------------------------------------------------------------
    def _clear(self) -> None:
        self.frame = _empty_frame()
        self.failed = []
        self._loaded = None
        self._items, self._items_task = [], None
        with self.hold_sync():
            self._draw_failures([])
            self._draw_tables(self.frame)
            self._fill_visualizations([])
            self._draw_charts()
            self.status_text = ""
            self.status_kind = "idle"
            self.can_download = False

    def _state_changed(self, _change: Any) -> None:
        self._draw_tasks()
        self._draw_status()
        entry = self.entry
        if entry and entry["finished"] and entry["results"] not in ("", "loading") and \
                self._loaded != (self.task_id, entry["results"], entry["failed"]):
            self.later(self._load_if_ready)  # results and logs: off the changing thread

    def _collaboration_changed(self, _change: Any) -> None:
        with self._drawn_lock:
            self.task_id = None
            self._clear()
            self.show_message("")
        self._draw_tasks()
        if self.session.collaboration and self.session.logged_in:
            self.refresh_tasks()

    def _last_task(self, change: Any) -> None:
        task = change["new"]
        if not self.follow_last or not task:
            return
        if task.get("collaboration_id") not in (None, (self.session.collaboration or {})
                                                .get("id")):
            return
        self._select(task, int(task["id"]))
        self._state_changed(None)


def _empty_frame() -> Any:
    import pandas as pd

    return pd.DataFrame(columns=["organization", "organization_id", "run_id", "result"])


def _chart_format(fmt: str) -> str:
    text = str(fmt or "").lower().lstrip(".")
    if text not in CHART_FORMATS:
        raise InvalidArgument(f"a chart is saved as {', '.join(CHART_FORMATS)}, not {fmt!r}")
    return text


def _drawn_as_svg(chart: dict, index: int) -> None:
    if chart["type"] == "table":
        raise InvalidArgument(f"chart {index} ({chart['name']!r}) is a table, not a picture: "
                              "save it with format='csv'")
    if chart["type"] != "line":
        raise InvalidArgument(f"chart {index} ({chart['name']!r}) is not drawn: "
                              f"{'; '.join(chart['problems'])}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _inert(value: object) -> object:
    """Text a spreadsheet would take for a formula, made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
