"""CollaborationBrowser: collaborations → organizations (name, country) → nodes."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .base import PanelBase
from .common import Message, follow_reachability, vantage6_session
from .nodes import NodeStatusTable
from .table import Table, column

__all__ = ["CollaborationBrowser"]


class CollaborationBrowser(PanelBase, w.VBox):
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
        refresh.on_click(lambda _: self.attempt(self.refresh))
        super().__init__([
            w.HBox([w.Label("Collaborations"), refresh]), self.collaborations,
            self.summary, w.Label("Organizations"), self.organizations,
            w.Label("Nodes"), self.nodes, self.message], **kwargs)
        self.add_class("lp-panel")
        self.follow(self.collaborations, self._picked, "selected")
        # reading collaborations and organizations are requests: on the panel's worker
        self.follow(self.session, self._logged_in, "logged_in", background=True)
        self.follow(self.session, self._current, "collaboration", background=True)
        self.follow(self.session, self._nodes_changed, "node_status")
        follow_reachability(self, self.session)
        if self.session.logged_in:
            self.attempt(self.refresh)

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
    def _picked(self, change: Any) -> None:
        if change["new"]:
            self.attempt(self.select, change["new"][0])

    def _logged_in(self, _change: Any) -> None:
        for table in (self.collaborations, self.organizations, self.nodes):
            table.set_rows([])
        self.collaborations.selected = []
        self.summary.value = ""
        self.message.clear()
        if self.session.logged_in:
            self.refresh()

    def _current(self, _change: Any) -> None:
        collab = self.session.collaboration
        if not collab:
            self.organizations.set_rows([])
            self.summary.value = ""
            return
        if self.collaborations.selected != [collab["id"]]:
            self.collaborations.selected = [collab["id"]]
        self._show(collab)

    def _show(self, collab: dict) -> None:
        organizations = self.session.organizations(collab)
        if (self.session.collaboration or {}).get("id") != collab["id"]:
            return  # another collaboration was chosen meanwhile
        self.organizations.set_rows(organizations)
        self._summarize()

    def _summarize(self) -> None:
        collab = self.session.collaboration
        if not collab:
            return
        # from the session's node status (what the node table shows, without its delay)
        nodes = [n for n in (self.session.node_status or {}).values()
                 if n.get("collaboration_id") == collab["id"]]
        if not nodes:
            return  # not read yet
        online = sum(n.get("status") == "online" for n in nodes)
        lock = "encrypted (load your organization's key to send tasks)" if collab[
            "encrypted"] else "not encrypted"
        self.summary.value = (f"{collab['name']}: {lock}; {online} of {len(nodes)} nodes "
                              "online")
        row = self.collaborations.row(collab["id"])
        if row:
            new = {**row, "online": f"{online} of {len(nodes)}",
                   "_class": "" if online == len(nodes) else "partial"}
            if new != row:
                self.collaborations.update_rows([new])

    def _nodes_changed(self, _change: Any) -> None:
        self._summarize()
