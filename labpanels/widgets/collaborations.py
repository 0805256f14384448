"""CollaborationBrowser: collaborations → organizations (name, country) → nodes, in one
anywidget (js/collaborations.js draws the three grids from this panel's traits)."""

from __future__ import annotations

from typing import Any

from traitlets import Dict, Int, Unicode

from .assets import asset
from .base import Panel
from .common import follow_reachability, vantage6_session
from .nodes import COLUMNS as NODE_COLUMNS
from .nodes import NodeRows
from .table import TableRows, _rows_trait, column

__all__ = ["CollaborationBrowser", "ShownRows"]

COLLABORATION_COLUMNS = [
    column("name", "Collaboration", width="minmax(140px, 2fr)"),
    column("encrypted", "Encrypted", width="minmax(88px, 100px)"),
    column("online", "Nodes online", width="minmax(104px, 120px)"),
]
ORGANIZATION_COLUMNS = [
    column("name", "Organization", width="minmax(160px, 2fr)"),
    column("country", "Country", width="minmax(100px, 1fr)"),
]


class ShownRows(TableRows):
    """What one of the browser's grids shows, for code and tests: ``.rows`` (dicts),
    ``.row(key)``, ``.selected`` (the current collaboration's id, in the collaborations
    grid). ``closed``, ``followed`` and ``join`` are the browser's (the grid lives and
    ends with it), so ``dashboard.nodes`` can be treated like the panel it was."""

    @property
    def selected(self) -> list:
        if self.name != "collaboration_rows" or self.widget.current is None:
            return []
        return [self.widget.current]

    @property
    def closed(self) -> bool:
        return self.widget.closed

    @property
    def followed(self) -> int:
        return self.widget.followed

    def join(self, timeout: float | None = 30.0) -> None:
        self.widget.join(timeout)

    def refresh(self) -> None:
        """Read the rows again (the whole browser: collaborations, organizations, nodes)."""
        self.widget.refresh()

    def __repr__(self) -> str:
        return f"<{self.name} of {type(self.widget).__name__}: {len(self.rows)} rows>"


class CollaborationBrowser(Panel):
    """Pick a collaboration (it becomes the session's current one for every panel) and
    see whether it is encrypted, its organizations and how many of its nodes are online;
    the nodes' status changes live. One view draws it all; choosing a row (a click, or
    Enter with the keyboard) calls :meth:`select`, the Refresh button :meth:`refresh`.

    ``browser.collaborations``, ``.organizations`` and ``.nodes`` give the rows shown
    (``browser.nodes.rows``); ``browser.summary`` the line under the collaborations.
    """

    _esm = asset("collaborations.js")
    _css = asset("collaborations.css")
    #: the methods the view may call by an action message
    ACTIONS = frozenset({"select", "refresh"})

    collaboration_rows = _rows_trait(None, None)
    organization_rows = _rows_trait(None, None)
    node_rows = _rows_trait(None, None)
    columns = Dict().tag(sync=True)  # collaborations, organizations, nodes: column lists
    current = Int(None, allow_none=True).tag(sync=True)  # the current collaboration's id
    summary = Unicode("").tag(sync=True)
    empty_texts = Dict().tag(sync=True)
    heights = Dict().tag(sync=True)

    def __init__(self, session: Any, **kwargs: Any) -> None:
        kwargs.setdefault("columns", {"collaborations": COLLABORATION_COLUMNS,
                                      "organizations": ORGANIZATION_COLUMNS,
                                      "nodes": NODE_COLUMNS})
        kwargs.setdefault("empty_texts", {
            "collaborations": "Log in to see your collaborations",
            "organizations": "Choose a collaboration",
            "nodes": "Choose a collaboration to see its nodes"})
        kwargs.setdefault("heights", {"collaborations": 170, "organizations": 170,
                                      "nodes": 200})
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.collaborations = ShownRows(self, "collaboration_rows")
        self.organizations = ShownRows(self, "organization_rows")
        self.nodes = ShownRows(self, "node_rows")
        self._nodes = NodeRows(self, self.session, self.nodes)
        # reading collaborations and organizations are requests: on the panel's worker
        self.follow(self.session, self._logged_in, "logged_in", background=True)
        self.follow(self.session, self._current, "collaboration", background=True)
        self.follow(self.session, self._nodes_changed, "node_status")
        follow_reachability(self, self.session)
        if self.session.logged_in:
            self.attempt(self.refresh)
            if self.session.collaboration:
                self.current = self.session.collaboration["id"]

    # -- actions (also plain method calls) --------------------------------------------
    def refresh(self) -> None:
        """Read collaborations and their node counts again (and the current one's
        organizations and nodes)."""
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
            self._nodes.refresh()

    def select(self, collaboration: int | str) -> dict:
        """Make ``collaboration`` (id or name) the current one."""
        return self.session.select(collaboration)

    def _action_refresh(self) -> None:
        self.show_message("")  # the last message was about something else
        self.refresh()

    # -- reactions ---------------------------------------------------------------------
    def _logged_in(self, _change: Any) -> None:
        for table in (self.collaborations, self.organizations):
            table.set_rows([])
        self.current = None
        self.summary = ""
        self.message, self.message_kind = "", "info"
        if self.session.logged_in:
            self.refresh()

    def _current(self, _change: Any) -> None:
        collab = self.session.collaboration
        if not collab:
            self.current = None
            self.organizations.set_rows([])
            self.summary = ""
            return
        self.current = collab["id"]
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
        # from the session's node status (what the node grid shows, without its delay)
        nodes = [n for n in (self.session.node_status or {}).values()
                 if n.get("collaboration_id") == collab["id"]]
        if not nodes:
            return  # not read yet
        online = sum(n.get("status") == "online" for n in nodes)
        lock = "encrypted (load your organization's key to send tasks)" if collab[
            "encrypted"] else "not encrypted"
        self.summary = (f"{collab['name']}: {lock}; {online} of {len(nodes)} nodes "
                        "online")
        row = self.collaborations.row(collab["id"])
        if row:
            new = {**row, "online": f"{online} of {len(nodes)}",
                   "_class": "" if online == len(nodes) else "partial"}
            if new != row:
                self.collaborations.update_rows([new])

    def _nodes_changed(self, _change: Any) -> None:
        self._summarize()
