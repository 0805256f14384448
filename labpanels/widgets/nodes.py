"""NodeStatusTable: the nodes of the current collaboration, kept current by live events."""

from __future__ import annotations

from typing import Any

from ..errors import LabpanelsError
from .common import vantage6_session
from .table import Table, TableRows, column

__all__ = ["NodeStatusTable", "NodeRows", "node_row", "COLUMNS"]

COLUMNS = [
    column("organization", "Organization", width="minmax(140px, 2fr)"),
    column("name", "Node", width="minmax(160px, 3fr)"),
    column("status", "Status", kind="status", width="minmax(96px, 110px)"),
    column("last_seen", "Last seen", kind="ago", width="minmax(96px, 120px)"),
]


def node_row(node: dict) -> dict:
    """A table row for a node: "never seen" when it never connected."""
    status = node.get("status") or "offline"
    if status != "online" and not node.get("last_seen"):
        status = "never seen"
    return {"id": node["id"], "organization": node.get("organization"),
            "name": node.get("name"), "status": status, "last_seen": node.get("last_seen"),
            "collaboration_id": node.get("collaboration_id")}


class NodeRows:
    """Keeps ``target`` (a :class:`TableRows`) showing the nodes of the session's current
    collaboration: read again when the collaboration or the login changes (on the
    panel's worker, never on the thread that changed the session), changed row by row
    (patches) when the session's live node status changes. Used by NodeStatusTable and
    by CollaborationBrowser's node grid."""

    def __init__(self, panel: Any, session: Any, target: TableRows) -> None:
        self.panel = panel
        self.session = session
        self.target = target
        panel.follow(session, self._collaboration_changed, ["collaboration", "logged_in"],
                     background=True)
        panel.follow(session, self._status_changed, "node_status")

    def refresh(self) -> None:
        """Read the nodes of the current collaboration again."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            self.target.set_rows([])
            return
        rows = [node_row(n) for n in self.session.nodes(collab)]
        if self.panel.closed or (self.session.collaboration or {}).get("id") != collab["id"]:
            return  # closed, or another collaboration was chosen meanwhile
        self.target.set_rows(rows)

    def _collaboration_changed(self, _change: Any) -> None:
        if not self.session.collaboration or not self.session.logged_in:
            self.target.set_rows([])  # logged out or no collaboration: no old nodes
            return
        try:
            self.refresh()
        except LabpanelsError:
            # shown by the panel that changed the collaboration; the old rows would lie
            self.target.set_rows([])

    def _status_changed(self, change: Any) -> None:
        if not self.session.collaboration:
            return
        shown = {r["id"]: r for r in self.target.rows}
        changed = []
        for node_id, node in (change["new"] or {}).items():
            if node_id in shown:
                row = {**shown[node_id], **{k: v for k, v in node_row(
                    {**shown[node_id], **node}).items() if v is not None}}
                if row != shown[node_id]:
                    changed.append(row)
        self.target.update_rows(changed)


class NodeStatusTable(Table):
    """Nodes of the session's current collaboration: organization, online / offline /
    never seen, last seen. Sort by a column header, filter with the box; changes arrive
    from the server's live events without a refresh click, one row at a time."""

    def __init__(self, session: Any, **kwargs: Any) -> None:
        kwargs.setdefault("columns", COLUMNS)
        kwargs.setdefault("sort_by", "organization")
        kwargs.setdefault("empty_text", "Choose a collaboration to see its nodes")
        kwargs.setdefault("selectable", "none")
        kwargs.setdefault("label", "Nodes")
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self._nodes = NodeRows(self, self.session, TableRows(self, "rows", self.key))
        if self.session.logged_in and self.session.collaboration:
            self.refresh()

    def refresh(self) -> None:
        """Read the nodes of the current collaboration again."""
        self._nodes.refresh()
