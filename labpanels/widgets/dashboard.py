"""Vantage6Dashboard: every vantage6 panel on one session, in tabs.

One anywidget (``js/dashboard.js``) that holds the six panels as widget references
(anywidget's ``WidgetTrait``: ``"anywidget:<model id>"`` on the wire) and draws the tabs
itself; each panel is drawn by its own view inside them (``host.getWidget``, anywidget
0.11's composition API, which marimo implements too; the widget manager otherwise). So a
saved notebook holds about a dozen widget models, not the 153 of the ipywidgets layout it
replaced. Repeating a task in the task list fills the builder and opens its tab.
Tested in JupyterLab, Notebook 7, voila and marimo (tests/browser/test_hosts.py).
"""

from __future__ import annotations

from typing import Any

from anywidget import WidgetTrait
from traitlets import Int, List, Unicode, validate

from .assets import asset
from .base import Panel
from .collaborations import CollaborationBrowser
from .common import vantage6_session
from .login import LoginPanel
from .progress import JobProgress
from .results import ResultViewer
from .task_builder import TaskBuilder
from .task_list import COLUMNS as TASK_COLUMNS
from .task_list import TaskList

__all__ = ["Vantage6Dashboard"]

TITLES = ("Log in", "Collaborations", "New task", "Tasks", "Results")
TABS = ("login", "collaborations", "task", "tasks", "results")
#: the task list's columns, its "Task" (id) column a little wider: at 360 px the
#: list's own 58 px cut its header with an ellipsis (tests/browser/test_narrow.py)
_TASK_COLUMNS = [dict(c, width="minmax(68px, 76px)") if c["key"] == "id" else dict(c)
                 for c in TASK_COLUMNS]


class Vantage6Dashboard(Panel):
    """Log in, pick a collaboration (its nodes included), build and follow a task, list
    the collaboration's tasks, read results. The panels share the session, so each also
    works on its own: ``dash.login``, ``dash.browser``, ``dash.builder``,
    ``dash.progress``, ``dash.tasks``, ``dash.results`` (and ``dash.nodes``, inside the
    browser). After a login the collaborations tab opens; the progress of the last task
    shows under the form; repeating a task in the task list fills the form and opens the
    "New task" tab (:meth:`repeat`). ``selected_index`` is the open tab (0 to 4, as
    ``titles``); :meth:`show_tab` opens one by name.
    """

    _esm = asset("dashboard.js")
    _css = asset("dashboard.css")

    login = WidgetTrait().tag(sync=True)
    browser = WidgetTrait().tag(sync=True)
    builder = WidgetTrait().tag(sync=True)
    progress = WidgetTrait().tag(sync=True)
    tasks = WidgetTrait().tag(sync=True)
    results = WidgetTrait().tag(sync=True)
    titles = List(Unicode(), list(TITLES)).tag(sync=True)
    selected_index = Int(0).tag(sync=True)

    #: what the view may ask for
    ACTIONS = frozenset({"show_tab"})

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.check_options(kwargs)
        for name in ("login", "browser", "builder", "progress", "tasks", "results"):
            if name in kwargs:
                raise TypeError(f"Vantage6Dashboard makes its own {name} panel")
        self.session = vantage6_session(session)
        panels = {"login": LoginPanel(self.session),
                  "browser": CollaborationBrowser(self.session),
                  "builder": TaskBuilder(self.session),
                  "progress": JobProgress(self.session),
                  "tasks": TaskList(self.session, columns=_TASK_COLUMNS),
                  "results": ResultViewer(self.session)}
        super().__init__(**panels, **kwargs)
        self.own(*panels.values())
        self.add_class("lp-dashboard")
        self.selected_index = 1 if self.session.logged_in else 0
        self.follow(self.session, self._logged_in, "logged_in")
        self.tasks.on_repeat(self.repeat)

    @validate("selected_index")
    def _valid_index(self, proposal: Any) -> int:
        index = int(proposal["value"])
        if not 0 <= index < len(TITLES):
            raise ValueError(f"no tab {index}: the tabs are 0 to {len(TITLES) - 1}")
        return index

    @property
    def nodes(self) -> Any:
        """The node status table (inside the collaborations tab)."""
        return self.browser.nodes

    @property
    def panels(self) -> tuple:
        """The six panels, in the order of the tabs (the progress after the builder)."""
        return (self.login, self.browser, self.builder, self.progress, self.tasks,
                self.results)

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait until every panel has drawn what the session's last change asked for
        (panels read the server on their own worker threads)."""
        for panel in (self.login, self.browser, self.nodes, self.builder, self.progress,
                      self.tasks, self.results):
            panel.join(timeout)
        super().join(timeout)

    def show_tab(self, name: str) -> None:
        """Switch to a tab: "login", "collaborations", "task", "tasks" or "results"."""
        if name not in TABS:
            raise ValueError(f"no tab {name!r}; the tabs are: {', '.join(TABS)}")
        self.selected_index = TABS.index(name)

    def repeat(self, form: Any) -> None:
        """Fill the builder with a task's form (what ``dash.tasks.repeat()`` gives) and
        open the "New task" tab; a form the builder cannot hold is said there."""
        self.builder.attempt(self.builder.repeat, form)
        self.show_tab("task")

    def _logged_in(self, change: Any) -> None:
        if change["new"] and self.selected_index == 0:
            self.selected_index = 1
        elif not change["new"]:
            self.selected_index = 0
