"""ResultViewer: a task's results as tables (all organizations, and each one), a CSV
download, and the failed runs with their logs, the error line highlighted.

Also the two small front-end widgets it uses: :class:`Download` (the browser asks, Python
answers with the file in a message: the file is never widget state, so never saved in
the notebook) and :class:`LogView` (log lines as text, marked lines styled).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as w
from traitlets import Bool, Int, List, Unicode

from ..errors import LabpanelsError
from .assets import asset
from .base import PanelBase
from .common import Message, follow_reachability, vantage6_session
from .table import Table, column

__all__ = ["ResultViewer", "Download", "LogView", "error_lines", "frame_rows"]

_HIDDEN_COLUMNS = ("organization_id", "run_id")


class Download(anywidget.AnyWidget):
    """A button that saves what ``provider()`` returns as ``filename`` in the browser."""

    _esm = asset("download.js")
    _css = asset("panels.css")

    label = Unicode("Download CSV").tag(sync=True)
    filename = Unicode("results.csv").tag(sync=True)
    disabled = Bool(True).tag(sync=True)

    def __init__(self, provider: Callable[[], str | bytes], *, mime: str = "text/csv",
                 on_error: Callable[[Exception], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.provider = provider
        self.mime = mime
        self.on_error = on_error
        self.on_msg(self._on_message)

    def download(self) -> bytes:
        """Send the file to the browser (which saves it); return its bytes."""
        data = self.provider()
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self.send({"type": "file", "filename": self.filename, "mime": self.mime}, [raw])
        return raw

    def _on_message(self, _widget: Any, content: dict, _buffers: list) -> None:
        if content.get("type") != "download" or self.disabled:
            return
        try:
            self.download()
        except Exception as exc:  # reported by the panel, never a traceback
            if self.on_error:
                self.on_error(exc)


class LogView(anywidget.AnyWidget):
    """Lines of a log, shown as text; the lines in ``highlight`` are marked."""

    _esm = asset("logview.js")
    _css = asset("panels.css")

    title = Unicode("").tag(sync=True)
    lines = List(Unicode()).tag(sync=True)
    highlight = List(Int()).tag(sync=True)
    empty_text = Unicode("No log").tag(sync=True)

    def show(self, log: str | None, *, title: str = "", error: str = "") -> None:
        """Show ``log``, marking the line that holds ``error``."""
        lines = (log or "").splitlines()
        self.title = title
        self.lines = lines
        self.highlight = error_lines(lines, error)


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


def frame_rows(df: Any) -> tuple[list[dict], list[dict]]:
    """Table columns and rows for a results DataFrame (row key ``_row``)."""
    shown = [c for c in df.columns if c not in _HIDDEN_COLUMNS]
    columns = [column(str(c), str(c), width="minmax(160px, 2fr)" if c == "organization"
                      else None) for c in shown]
    rows = [{"_row": i, **{str(c): v for c, v in zip(shown, rec, strict=True)}}
            for i, rec in enumerate(df[shown].itertuples(index=False, name=None))]
    return columns, rows


class ResultViewer(PanelBase, w.VBox):
    """Results of a task of the current collaboration: pick one (newest first; the last
    task created through the session is picked by itself), read its results per
    organization and combined, save them as CSV, and read the logs of failed runs.

    The task list and the status line are drawn from ``session.task_state``, so they
    say what the progress bar says, without a Refresh; the results are read when the
    session says they are ready. Plain methods: :meth:`show`, :meth:`refresh_tasks`,
    :meth:`csv`, :meth:`show_log`, :meth:`download_csv`; :attr:`table` is the combined
    DataFrame.
    """

    def __init__(self, session: Any, task: Any = None, *, follow: bool = True,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        self.session = vantage6_session(session)
        self.follow_last = follow
        self.task_id: int | None = None
        self.frame = _empty_frame()
        self.failed: list[dict] = []
        self.picker = w.Dropdown(options=[], layout=w.Layout(width="100%"))
        refresh = w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="auto"))
        refresh.on_click(lambda _: self.attempt(self._reload))
        self.status = w.Label()
        self.tabs = w.Tab()
        self.download = Download(self.csv, on_error=self.report)
        # the error first, wrapped: what went wrong is the first thing to read
        self.failures = Table(
            columns=[column("error", "Error", width="minmax(220px, 5fr)", wrap=True),
                     column("organization", "Organization", width="minmax(140px, 2fr)"),
                     column("node", "Node", width="minmax(120px, 2fr)"),
                     column("status", "Status", kind="status", width="100px")],
            height=150, row_height=48, sort_by="organization", empty_text="No failed runs")
        self.log_view = LogView(empty_text="Choose a failed run to read its log")
        self.failure_box = w.VBox([w.Label("Failed runs (choose one to read its log)"),
                                   self.failures, self.log_view],
                                  layout=w.Layout(display="none"))
        self.message = Message()
        self._quiet = False
        self._loaded: tuple | None = None  # (task id, results state, failed count) drawn
        self._drawn_lock = threading.RLock()
        super().__init__([
            w.HBox([w.Label("Task", layout=w.Layout(width="60px")), self.picker, refresh],
                   layout=w.Layout(width="100%")),
            # failed runs above the (then empty) result tables, not below the fold
            self.status, self.failure_box, self.tabs, self.download, self.message,
        ], **kwargs)
        self.add_class("lp-panel")
        self.add_class("lp-results")
        self.follow(self.picker, self._picked, "value")
        self.follow(self.failures, self._failure_picked, "selected")
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
        ``task_state``, which the picker shows."""
        collab = self.session.collaboration
        tasks = (self.session.refresh_tasks(collab)
                 if collab and self.session.logged_in else [])
        self._draw_picker()
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
        run = next((r for r in self.failed if r["id"] == run_id), None)
        if run is None:
            raise ValueError(f"run {run_id} is not one of this task's failed runs")
        where = f"{run.get('organization')} · node {run.get('node') or '?'} · {run['status']}"
        if run["task_id"] != self.task_id:
            where += f" · subtask {run['task_id']}"
        self.log_view.show(run.get("log"), title=where, error=run.get("error", ""))
        if self.failures.selected != [run_id]:
            self.failures.selected = [run_id]

    def download_csv(self) -> str:
        """Send the CSV to the browser to save (as the button does); return it."""
        return self.download.download().decode("utf-8")

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

    # -- loading -------------------------------------------------------------------------
    def _select(self, task: Any, task_id: int) -> None:
        """Make ``task_id`` the shown task (the session keeps it current)."""
        with self._drawn_lock:
            if task_id != self.task_id:
                self.task_id = task_id
                self._clear()
        if self.session.logged_in:
            self.session.watch(task if isinstance(task, dict) and "name" in task else task_id)
        self._draw_picker()
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
        with self._drawn_lock:
            if task_id != self.task_id or self.closed:
                return  # another task was picked meanwhile
            self.frame = frame
            self.failed = failed
            self._draw_failures(failed)
            self._draw_tables(frame)
            self.download.filename = f"task-{task_id}-results.csv"
            self.download.disabled = frame.empty
            self._loaded = key
        self._draw_status()
        if problem is not None:
            self.report(problem)
        elif not str(entry.get("results") or "").startswith("error"):
            self.message.clear()

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
        if not task_id:
            self.status.value = ""
            return
        if entry is None:
            self.status.value = f"Task {task_id}: reading it…"
            return
        status = entry["status"] or "pending"
        if not entry["finished"]:
            text = (f"Task {task_id} is {status} ({entry['done']} of {entry['total']} runs "
                    "done): results appear here when it finishes")
        elif str(entry["results"]).startswith("error"):
            text = (f"Task {task_id} {status}: the results could not be read "
                    f"({entry['results'][len('error: '):]})")
        elif entry["results"] in ("", "loading") or not (
                self._loaded and self._loaded[0] == task_id):
            text = f"Task {task_id} {status}: reading the results…"
        else:
            text = f"Task {task_id} {status}: {len(self.frame)} result row(s)"
            if entry["failed"]:
                text += f"; {entry['failed']} run(s) failed"
        self.status.value = text

    def _draw_picker(self) -> None:
        collab = (self.session.collaboration or {}).get("id")
        entries = [e for e in (self.session.task_state or {}).values()
                   if e.get("parent_id") is None
                   and e.get("collaboration_id") in (collab, None) and collab is not None
                   and (e.get("collaboration_id") is not None or e["id"] == self.task_id)]
        entries.sort(key=lambda e: e["id"], reverse=True)
        options = [(f"{e['id']} · {e.get('name') or 'unnamed'} · {e.get('status') or ''}",
                    e["id"]) for e in entries]
        with self._drawn_lock:
            if options == list(self.picker.options) and self.picker.value == (
                    self.task_id if self.task_id in [v for _, v in options] else None):
                return
            self._quiet = True
            try:
                with self.picker.hold_sync():  # labels and choice in one message
                    if options != list(self.picker.options):
                        self.picker.options = options
                    ids = [v for _, v in options]
                    self.picker.value = self.task_id if self.task_id in ids else None
            finally:
                self._quiet = False

    def _draw_tables(self, frame: Any) -> None:
        """One table of every organization's results, then one per organization. The
        tables are reused (a widget made and closed at once fails in the browser)."""
        old = list(self.tabs.children)
        parts = [("All organizations", frame)]
        if "organization" in frame.columns and len(frame):
            parts += [(str(org), frame[frame["organization"] == org].drop(
                columns=["organization"])) for org in dict.fromkeys(frame["organization"])]
        children, titles = [], []
        for i, (title, part) in enumerate(parts):
            columns, rows = frame_rows(part)
            if i < len(old):
                table = old[i]
            else:
                table = self.own(Table(key="_row", height=200 if i == 0 else 160,
                                       selectable="none", empty_text="No results (yet)"))
            with table.hold_sync():
                table.columns = columns
                table.set_rows(rows)
            children.append(table)
            titles.append(title)
        if [id(c) for c in children] != [id(c) for c in old]:
            self.tabs.children = children
        self.tabs.titles = titles
        self.tabs.selected_index = 0
        for widget in old[len(children):]:
            self.disown(widget)

    def _draw_failures(self, failed: list[dict]) -> None:
        self.failures.set_rows({k: r.get(k) for k in ("id", "organization", "node", "status",
                                                      "error", "task_id")} for r in failed)
        self.failure_box.layout.display = "flex" if failed else "none"
        if failed:  # first the log that says what went wrong, not "a sibling failed"
            telling = [r for r in failed if any(line.strip().startswith("Error:")
                                                for line in (r.get("log") or "").splitlines())]
            self.show_log((telling or failed)[0]["id"])
        else:
            self.log_view.show("", title="")

    # -- reactions -----------------------------------------------------------------------
    def _reload(self) -> None:
        self.refresh_tasks()
        if self.task_id is not None:
            self._loaded = None
            self.show(self.task_id)

    def _picked(self, change: Any) -> None:
        if not self._quiet and change["new"] is not None and change["new"] != self.task_id:
            self.show(change["new"])

    def _failure_picked(self, change: Any) -> None:
        if change["new"]:
            with contextlib.suppress(ValueError):
                self.show_log(change["new"][0])

    def _clear(self) -> None:
        self.frame = _empty_frame()
        self.failed = []
        self._loaded = None
        self._draw_failures([])
        self._draw_tables(self.frame)
        self.status.value = ""
        self.download.disabled = True

    def _state_changed(self, _change: Any) -> None:
        self._draw_picker()
        self._draw_status()
        entry = self.entry
        if entry and entry["finished"] and entry["results"] not in ("", "loading") and \
                self._loaded != (self.task_id, entry["results"], entry["failed"]):
            self.later(self._load_if_ready)  # results and logs: off the changing thread

    def _collaboration_changed(self, _change: Any) -> None:
        with self._drawn_lock:
            self.task_id = None
            self._clear()
            self.message.clear()
        self._draw_picker()
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


def _inert(value: object) -> object:
    """Text a spreadsheet would take for a formula, made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
