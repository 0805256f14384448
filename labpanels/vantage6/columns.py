"""Column names from the nodes, as the vantage6 UI asks for them.

``POST /column`` (vantage6 4.x) answers with the columns a node shared in its
configuration, or creates a task with the server's basic processing image for one
organization, whose node answers ``{"method": "column_headers"}`` with the column names
of the chosen database. One request per organization; a node that is offline is not
asked, one that does not answer in time is reported (and its task killed), so the
caller gets every organization's answer or the reason it has none.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LabpanelsError
from ..formatting import subject
from . import encryption
from .errors import TaskValidationError

if TYPE_CHECKING:
    from .session import Vantage6Session

__all__ = ["read_columns", "summary", "is_column_request"]

#: what the 4.x server names the task it creates for ``POST /column``, and its image
#: (``vantage6.common.globals.BASIC_PROCESSING_IMAGE``)
COLUMN_TASK_NAME = "get_column_names"
COLUMN_TASK_IMAGE = "ghcr.io/vantage6/algorithm-basics"

_REQUEST = json.dumps({"method": "column_headers"}).encode()
_FAILED = frozenset({"failed", "start failed", "non-existing Docker image", "crashed",
                     "killed by user", "not allowed", "unknown error"})


def is_column_request(task: Mapping[str, Any]) -> bool:
    """True for a task the server made to ask a node for its column names (not a
    researcher's task: the task list leaves it out)."""
    image = str(task.get("image") or "").split("@")[0].rsplit(":", 1)[0]
    return task.get("name") == COLUMN_TASK_NAME and image == COLUMN_TASK_IMAGE


def summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line for a panel: ``columns from 3 of 4 nodes; HERMES: node offline``."""
    answered = sum(r["status"] == "ok" for r in rows)
    text = f"columns from {answered} of {len(rows)} node{'s' if len(rows) != 1 else ''}"
    problems = [f"{r['organization']}: {r['message']}" for r in rows if r["status"] != "ok"]
    return "; ".join([text, *problems])


def _shared(value: Any) -> list[str]:
    """Columns a node shared in its configuration (text, maybe comma separated)."""
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out += [c.strip() for c in item.split(",") if c.strip()]
    return out


def read_columns(
    session: Vantage6Session,
    collab: Mapping[str, Any],
    database: str,
    organizations: Sequence[int] | None,
    *,
    timeout: float,
    cache: dict[int, dict],
    wait: Callable[[float], None],
) -> dict:
    """The columns of ``database`` at ``organizations`` (default: every organization of
    ``collab``); ``cache`` holds earlier answers by organization id (and receives the
    new ones). See :meth:`Vantage6Session.columns` for the shape."""
    members = {o["id"]: o for o in session.fetch("organization", collaboration_id=collab["id"])}
    nodes = {n["organization"]["id"]: n
             for n in session.fetch("node", collaboration_id=collab["id"])}
    wanted = sorted(members) if organizations is None else [int(o) for o in organizations]
    outside = [o for o in wanted if o not in members]
    if outside:
        raise TaskValidationError(
            f"{subject('organization', outside)} not part of collaboration "
            f"{collab['name']}; its organizations are: "
            + ", ".join(f"{i} ({o['name']})" for i, o in sorted(members.items())))
    encrypted = bool(collab.get("encrypted"))
    rows: dict[int, dict] = {}
    pending: dict[int, int] = {}  # organization id -> task id
    for org_id in wanted:
        row = {"organization_id": org_id, "organization": members[org_id]["name"],
               "status": "ok", "columns": [], "message": "", "task_id": None,
               "cached": False}
        rows[org_id] = row
        if org_id in cache:
            row.update(cache[org_id], cached=True)
            continue
        node = nodes.get(org_id)
        if node is None:
            row.update(status="no node", message="no node is registered")
            continue
        if node.get("status") != "online":
            row.update(status="offline", message="node offline")
            continue
        if encrypted:
            if not session.key_loaded:
                raise TaskValidationError(
                    f"{collab['name']} is encrypted: load your organization's private key "
                    "first (session.load_private_key(path)) to ask the nodes for columns")
            public = members[org_id].get("public_key")
            if not public:
                row.update(status="failed", message="no public key on the server yet")
                continue
            sealed = encryption.encrypt(_REQUEST, public)
        else:
            sealed = base64.b64encode(_REQUEST).decode()
        try:
            answer = session.http.post("column", json={
                "collaboration_id": collab["id"], "db_label": database,
                "organizations": [{"id": org_id, "input": sealed}]})
        except LabpanelsError as exc:
            row.update(status="failed", message=session.describe_error(exc))
            continue
        if isinstance(answer, Mapping) and "columns" in answer:
            row["columns"] = _shared(answer["columns"])
            cache[org_id] = {"status": "ok", "columns": row["columns"], "message": ""}
        elif isinstance(answer, Mapping) and "id" in answer:
            row["task_id"] = int(answer["id"])
            pending[org_id] = row["task_id"]
        else:
            row.update(status="failed", message="the server's answer was not understood")
    deadline = time.monotonic() + timeout
    while pending:
        for org_id, task_id in list(pending.items()):
            status = session.http.get(f"task/{task_id}/status")["status"]
            if status == "completed":
                _read_answer(session, rows[org_id], task_id, cache)
                del pending[org_id]
            elif status in _FAILED:
                runs = session.fetch("run", task_id=task_id)
                from .session import error_line  # the one reading of a run's log

                reason = error_line(runs[0].get("log") if runs else "") or status
                rows[org_id].update(status="failed", message=f"the node failed: {reason}")
                del pending[org_id]
        if not pending:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            for org_id, task_id in pending.items():
                rows[org_id].update(status="timeout",
                                    message=f"no answer within {timeout:g} s")
                with contextlib.suppress(LabpanelsError):
                    session.http.post("kill/task", json={"id": task_id})
            break
        wait(min(0.25, left))
    ordered = [rows[o] for o in wanted]
    union: list[str] = []
    for row in ordered:
        union += [c for c in row["columns"] if c not in union]
    answered = [set(r["columns"]) for r in ordered if r["status"] == "ok"]
    common = [c for c in union if answered and all(c in a for a in answered)]
    return {"collaboration_id": collab["id"], "database": database, "columns": union,
            "common": common, "organizations": ordered,
            "answered": len(answered), "asked": len(ordered), "message": summary(ordered)}


def _read_answer(session: Vantage6Session, row: dict, task_id: int,
                 cache: dict[int, dict]) -> None:
    """The completed column task's result (a list of names) into ``row``."""
    try:
        results = session.fetch("result", task_id=task_id)
        raw = session.open_results(results)
        value = json.loads(raw[0]) if raw and raw[0] else None
    except (LabpanelsError, ValueError) as exc:
        row.update(status="failed", message=f"the answer could not be read: {exc}")
        return
    if isinstance(value, str):  # some images send the list as JSON text
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        row.update(status="failed", message="the node's answer is not a list of column names")
        return
    row["columns"] = list(value)
    cache[row["organization_id"]] = {"status": "ok", "columns": list(value), "message": ""}
