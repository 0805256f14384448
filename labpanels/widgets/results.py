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

from .assets import asset
from .common import Message, friendly, vantage6_session
from .progress import task_status
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


class ResultViewer(w.VBox):
    """Results of a task of the current collaboration: pick one (newest first; the last
    task created through the session is picked by itself), read its results per
    organization and combined, save them as CSV, and read the logs of failed runs.

    Plain methods: :meth:`show`, :meth:`refresh_tasks`, :meth:`csv`, :meth:`show_log`,
    :meth:`download_csv`; :attr:`table` is the combined DataFrame.
    """

    def __init__(self, session: Any, task: Any = None, *, follow: bool = True,
                 **kwargs: Any) -> None:
        self.session = vantage6_session(session)
        self.follow = follow
        self.task_id: int | None = None
        self.frame = _empty_frame()
        self.failed: list[dict] = []
        self.picker = w.Dropdown(options=[], layout=w.Layout(width="100%"))
        refresh = w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="auto"))
        refresh.on_click(lambda _: self._safely(self._reload))
        self.status = w.Label()
        self.tabs = w.Tab()
        self.download = Download(self.csv, on_error=self._error)
        self.failures = Table(
            columns=[column("organization", "Organization", width="minmax(140px, 2fr)"),
                     column("node", "Node", width="minmax(140px, 2fr)"),
                     column("status", "Status", kind="status", width="110px"),
                     column("error", "Error", width="minmax(200px, 4fr)")],
            height=120, sort_by="organization", empty_text="No failed runs")
        self.log_view = LogView(empty_text="Choose a failed run to read its log")
        self.failure_box = w.VBox([w.Label("Failed runs (choose one to read its log)"),
                                   self.failures, self.log_view],
                                  layout=w.Layout(display="none"))
        self.message = Message()
        super().__init__([
            w.HBox([w.Label("Task", layout=w.Layout(width="60px")), self.picker, refresh],
                   layout=w.Layout(width="100%")),
            self.status, self.tabs, self.download, self.failure_box, self.message,
        ], **kwargs)
        self.add_class("lp-panel")
        self.add_class("lp-results")
        self._quiet = False
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self.picker.observe(self._picked, names=["value"])
        self.failures.observe(self._failure_picked, names=["selected"])
        self.session.observe(self._collaboration_changed, names=["collaboration", "logged_in"])
        self.session.observe(self._last_task, names=["last_task"])
        if self.session.logged_in and self.session.collaboration:
            self._safely(self.refresh_tasks)
        if task is not None:
            self._safely(self.show, task)

    # -- reading -------------------------------------------------------------------------
    @property
    def table(self) -> Any:
        """The combined results (every organization) as a DataFrame."""
        return self.frame

    def csv(self) -> str:
        """The combined results as CSV text (what Download CSV saves).

        Text that a spreadsheet would run as a formula (starting with =, +, -, @) is
        prefixed with a quote: names and values come from servers."""
        return self.frame.map(_inert).to_csv(index=False)

    def refresh_tasks(self) -> list[dict]:
        """Read the current collaboration's tasks (newest first) into the picker."""
        collab = self.session.collaboration
        tasks = ([t for t in self.session.tasks(collab, user_created=True)
                  if t.get("parent_id") is None]
                 if collab and self.session.logged_in else [])
        options = [(f"{t['id']} · {t.get('name') or 'unnamed'} · {t.get('status') or ''}",
                    t["id"]) for t in tasks]
        self._quiet = True
        try:
            self.picker.options = options
            ids = [t["id"] for t in tasks]
            self.picker.value = self.task_id if self.task_id in ids else None
        finally:
            self._quiet = False
        return tasks

    def show(self, task: Any, *, wait: bool = False) -> Any:
        """Show the results of ``task`` (id or dict); with ``wait``, first wait until it
        finished. Return the combined DataFrame."""
        task_id = int(task["id"] if isinstance(task, dict) else task)
        self._generation += 1
        generation = self._generation
        if task_id != self.task_id:
            self._clear()
        self.task_id = task_id
        if task_id not in [v for _, v in self.picker.options]:
            self.refresh_tasks()
        self._quiet = True
        try:
            if task_id in [v for _, v in self.picker.options]:
                self.picker.value = task_id
        finally:
            self._quiet = False
        if wait:
            self.session.wait(task_id)
        finished = self._load(task_id)
        if not finished:
            self._start(self._wait_then_load, task_id, generation)
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

    def close(self) -> None:
        """Stop following the session and close the panel."""
        self._generation += 1  # a waiting load gives up
        with contextlib.suppress(ValueError):
            self.session.unobserve(self._collaboration_changed,
                                   names=["collaboration", "logged_in"])
            self.session.unobserve(self._last_task, names=["last_task"])
        super().close()

    def join(self, timeout: float | None = None) -> None:
        """Wait for background loads (after following a new task) to end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            alive = [t for t in self._threads if t.is_alive()]
            if not alive:
                return
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("the results are still loading")
            alive[0].join(left)

    # -- loading -------------------------------------------------------------------------
    def _load(self, task_id: int) -> bool:
        progress = self.session.progress(task_id)
        frame = self.session.results(task_id)
        failed = self.session.failed_runs(task_id) if progress["failed"] else []
        if task_id != self.task_id:
            return True  # another task was picked meanwhile
        self.frame = frame
        self.failed = failed
        self._draw_tables(frame)
        self._draw_failures(failed)
        runs = progress["runs"]
        done = sum(r["status"] == "completed" for r in runs)
        if progress["finished"]:
            text = f"Task {task_id} {task_status(progress, task_id)}: {len(frame)} result row(s)"
            if failed:
                text += f"; {len(failed)} run(s) failed"
        else:
            text = (f"Task {task_id} is {progress['status']} ({done} of {len(runs)} runs "
                    "done): results appear here when it finishes")
        self.status.value = text
        self.download.filename = f"task-{task_id}-results.csv"
        self.download.disabled = frame.empty
        self.message.clear()
        return progress["finished"]

    def _wait_then_load(self, task_id: int, generation: int) -> None:
        try:
            while generation == self._generation:
                try:
                    self.session.wait(task_id, timeout=15)
                except TimeoutError:
                    continue  # still running: look again, unless another task was picked
                if generation == self._generation:
                    self._load(task_id)
                return
        except Exception as exc:
            if generation == self._generation:
                self._error(exc)

    def _draw_tables(self, frame: Any) -> None:
        old = list(self.tabs.children)
        columns, rows = frame_rows(frame)
        combined = Table(columns=columns, key="_row", height=200, selectable="none",
                         empty_text="No results (yet)")
        combined.set_rows(rows)
        children, titles = [combined], ["All organizations"]
        if "organization" in frame.columns and len(frame):
            for org in dict.fromkeys(frame["organization"]):
                mine = frame[frame["organization"] == org].drop(columns=["organization"])
                cols, org_rows = frame_rows(mine)
                table = Table(columns=cols, key="_row", height=160, selectable="none")
                table.set_rows(org_rows)
                children.append(table)
                titles.append(str(org))
        self.tabs.children = children
        self.tabs.titles = titles
        self.tabs.selected_index = 0
        for widget in old:
            widget.close()

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
    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name="labpanels-results",
                                  daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _safely(self, action: Callable[..., Any], *args: Any) -> None:
        with self.message.reporting():
            action(*args)

    def _error(self, exc: Exception) -> None:
        self.message.show(friendly(exc), "error")

    def _reload(self) -> None:
        self.refresh_tasks()
        if self.task_id is not None:
            self.show(self.task_id)

    def _picked(self, change: Any) -> None:
        if not self._quiet and change["new"] is not None and change["new"] != self.task_id:
            self._safely(self.show, change["new"])

    def _failure_picked(self, change: Any) -> None:
        if change["new"]:
            with contextlib.suppress(ValueError):
                self.show_log(change["new"][0])

    def _clear(self) -> None:
        self.frame = _empty_frame()
        self.failed = []
        self._draw_tables(self.frame)
        self._draw_failures([])
        self.status.value = ""
        self.download.disabled = True

    def _collaboration_changed(self, _change: Any) -> None:
        collab = self.session.collaboration
        self.task_id = None
        self._clear()
        if collab and self.session.logged_in:
            self._safely(self.refresh_tasks)
        else:
            self.picker.options = []

    def _last_task(self, change: Any) -> None:
        task = change["new"]
        if not self.follow or not task:
            return
        if task.get("collaboration_id") not in (None, (self.session.collaboration or {})
                                                .get("id")):
            return

        def follow() -> None:
            with self.message.reporting():
                self.show(task)

        self._start(follow)


def _empty_frame() -> Any:
    import pandas as pd

    return pd.DataFrame(columns=["organization", "organization_id", "run_id", "result"])


def _inert(value: object) -> object:
    """Text a spreadsheet would take for a formula, made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
