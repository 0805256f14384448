"""CollaborationBrowser: collaborations → organizations (name, country) → nodes."""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as w

from .common import Message, vantage6_session
from .nodes import NodeStatusTable
from .table import Table, column

__all__ = ["CollaborationBrowser"]


class CollaborationBrowser(w.VBox):
    """Pick a collaboration (it becomes the session's current one for every panel) and
    see whether it is encrypted, its organizations and how many of its nodes are online.
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = vantage6_session(session)
        self.collaborations = Table(
            columns=[column("name", "Collaboration", width="minmax(160px, 2fr)"),
                     column("encrypted", "Encrypted", width="100px"),
                     column("online", "Nodes online", width="120px")],
            sort_by="name", height=150, empty_text="Log in to see your collaborations")
        self.organizations = Table(
            columns=[column("name", "Organization", width="minmax(160px, 2fr)"),
                     column("country", "Country", width="minmax(100px, 1fr)")],
            sort_by="name", height=150, selectable="none",
            empty_text="Choose a collaboration")
        self.nodes = NodeStatusTable(self.session, height=170)
        self.summary = w.Label()
        self.message = Message()
        refresh = w.Button(description="Refresh", icon="refresh",
                           layout=w.Layout(width="auto"))
        refresh.on_click(lambda _: self._safely(self.refresh))
        super().__init__([
            w.HBox([w.Label("Collaborations"), refresh]), self.collaborations,
            self.summary, w.Label("Organizations"), self.organizations,
            w.Label("Nodes"), self.nodes, self.message], **kwargs)
        self.add_class("lp-panel")
        self.collaborations.observe(self._picked, names=["selected"])
        self.session.observe(self._logged_in, names=["logged_in"])
        self.session.observe(self._current, names=["collaboration"])
        self.session.observe(self._nodes_changed, names=["node_status"])
        self._lock = threading.Lock()
        if self.session.logged_in:
            self._safely(self.refresh)

    # -- actions ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read collaborations and their node counts again."""
        collabs = self.session.collaborations()
        nodes = self.session.nodes()
        rows = []
        for c in collabs:
            mine = [n for n in nodes if n["collaboration_id"] == c["id"]]
            online = sum(n["status"] == "online" for n in mine)
            rows.append({"id": c["id"], "name": c["name"],
                         "encrypted": "yes" if c["encrypted"] else "no",
                         "online": f"{online} of {len(mine)}",
                         "_class": "" if online == len(mine) else "partial"})
        self.collaborations.set_rows(rows)
        if self.session.collaboration:
            self._show(self.session.collaboration)

    def select(self, collaboration: int | str) -> dict:
        """Make ``collaboration`` (id or name) the current one."""
        return self.session.select(collaboration)

    # -- reactions ---------------------------------------------------------------------
    def _safely(self, action: Any, *args: Any) -> None:
        with self.message.reporting():
            action(*args)

    def _picked(self, change: Any) -> None:
        if change["new"]:
            self._safely(self.select, change["new"][0])

    def _logged_in(self, change: Any) -> None:
        if change["new"]:
            self._safely(self.refresh)
        else:
            for table in (self.collaborations, self.organizations, self.nodes):
                table.set_rows([])
            self.summary.value = ""

    def _current(self, change: Any) -> None:
        if change["new"]:
            self._safely(self._show, change["new"])
            if self.collaborations.selected != [change["new"]["id"]]:
                self.collaborations.selected = [change["new"]["id"]]

    def _show(self, collab: dict) -> None:
        self.organizations.set_rows(self.session.organizations(collab))
        self._summarize()

    def _summarize(self) -> None:
        collab = self.session.collaboration
        if not collab:
            return
        nodes = [r for r in self.nodes.rows]
        online = sum(r["status"] == "online" for r in nodes)
        lock = "encrypted (load your organization's key to send tasks)" if collab[
            "encrypted"] else "not encrypted"
        self.summary.value = (f"{collab['name']}: {lock}; {online} of {len(nodes)} nodes "
                              "online")
        row = self.collaborations.row(collab["id"])
        if row:
            self.collaborations.update_rows([{**row, "online": f"{online} of {len(nodes)}",
                                              "_class": "" if online == len(nodes)
                                              else "partial"}])

    def _nodes_changed(self, _change: Any) -> None:
        self._summarize()
