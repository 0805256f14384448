"""Vantage6Dashboard: every vantage6 panel on one session, in tabs."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .base import PanelBase
from .collaborations import CollaborationBrowser
from .common import vantage6_session
from .login import LoginPanel
from .progress import JobProgress
from .results import ResultViewer
from .task_builder import TaskBuilder

__all__ = ["Vantage6Dashboard"]

TITLES = ("Log in", "Collaborations", "New task", "Results")


class Vantage6Dashboard(PanelBase, w.Tab):
    """Log in, pick a collaboration (its nodes included), build and follow a task, read
    its results. The panels share the session, so each also works on its own:
    ``dash.login``, ``dash.browser``, ``dash.builder``, ``dash.progress``,
    ``dash.results``. After a login the collaborations tab opens; after a submission
    the progress shows under the form.
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = vantage6_session(session)
        self.login = LoginPanel(self.session)
        self.browser = CollaborationBrowser(self.session)
        self.builder = TaskBuilder(self.session)
        self.progress = JobProgress(self.session)
        self.results = ResultViewer(self.session)
        task_tab = w.VBox([self.builder, w.Label("Progress of the last task"), self.progress])
        super().__init__([self.login, self.browser, task_tab, self.results], **kwargs)
        self.titles = TITLES
        self.add_class("lp-dashboard")
        self.selected_index = 1 if self.session.logged_in else 0
        self.follow(self.session, self._logged_in, "logged_in")

    @property
    def nodes(self) -> Any:
        """The node status table (inside the collaborations tab)."""
        return self.browser.nodes

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait until every panel has drawn what the session's last change asked for
        (panels read the server on their own worker threads)."""
        for panel in (self.login, self.browser, self.nodes, self.builder, self.progress,
                      self.results):
            panel.join(timeout)
        super().join(timeout)

    def show_tab(self, name: str) -> None:
        """Switch to a tab: "login", "collaborations", "task" or "results"."""
        tabs = {"login": 0, "collaborations": 1, "task": 2, "results": 3}
        if name not in tabs:
            raise ValueError(f"no tab {name!r}; the tabs are: {', '.join(tabs)}")
        self.selected_index = tabs[name]

    def _logged_in(self, change: Any) -> None:
        if change["new"] and self.selected_index == 0:
            self.selected_index = 1
        elif not change["new"]:
            self.selected_index = 0
