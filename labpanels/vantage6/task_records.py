"""What the task list needs to know about a task beyond ``session.task_state``: its
input (decoded, decrypted where the loaded key can), its subtask tree, its runs' logs,
when finished tasks ended, and the form to repeat it.

Every function takes a :class:`~labpanels.vantage6.session.Vantage6Session` and uses
only its public methods (``fetch``, ``fetch_one``, ``task``, ``children``,
``open_results``, ``organization_name``): no HTTP of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidArgument, LabpanelsError
from .session import FAILED, FINISHED, task_status

__all__ = ["STATUS_GROUPS", "status_group", "task_status", "task_input", "finished_times",
           "run_log", "repeat_form", "subtasks", "tree_nodes", "clean_description"]

#: the task list's status filter: group -> what it holds ("all" holds every status)
STATUS_GROUPS = ("all", "running", "completed", "failed", "killed")

_MARKER = "labpanels-submission:"


def status_group(status: str | None) -> str:
    """The filter group of a task or run status: running (pending, initializing,
    active), completed, killed (killed by user) or failed (every other failure)."""
    if status == "completed":
        return "completed"
    if status == "killed by user":
        return "killed"
    if status in FAILED:
        return "failed"
    return "running"


def clean_description(text: str | None) -> str:
    """A task's description without the line labpanels adds to recognise a submission."""
    lines = (text or "").splitlines()
    kept = [line for line in lines if not line.startswith(_MARKER)]
    return "\n".join(kept).rstrip()


def _decode_input(session: Any, run: Mapping[str, Any]) -> dict:
    """One run's input as ``{"method", "args", "kwargs"}``, or ``{"error": why}``."""
    value = run.get("input")
    if not value:
        return {"error": "the run has no input"}
    try:
        (raw,) = session.open_results([{"id": run.get("id"), "result": value}])
    except LabpanelsError as exc:
        text = str(exc).replace("this result is", "this input is").replace(
            "task results:", "the input:")
        return {"error": text}
    if raw is None:
        return {"error": "the run has no input"}
    try:
        payload = json.loads(raw)
    except ValueError:
        return {"error": "the input is not JSON (not sent by a vantage6 4.x client)"}
    if not isinstance(payload, Mapping):
        return {"error": "the input is not a {method, args, kwargs} object"}
    return {"method": payload.get("method"), "args": list(payload.get("args") or []),
            "kwargs": dict(payload.get("kwargs") or {})}


def task_input(session: Any, task: int) -> list[dict]:
    """The input of each run of ``task`` (its own runs, by organization id): task_id,
    run_id, organization_id, organization, then method, args and kwargs, or ``error``
    when it cannot be read (encrypted for another organization, or no key loaded)."""
    rows = []
    for run in sorted(session.fetch("run", task_id=int(task)),
                      key=lambda r: ((r.get("organization") or {}).get("id") or 0, r["id"])):
        org_id = (run.get("organization") or {}).get("id")
        row = {"task_id": int(task), "run_id": run["id"], "organization_id": org_id,
               "organization": session.organization_name(org_id) if org_id else None}
        row.update(_decode_input(session, run))
        rows.append(row)
    return rows


def finished_times(session: Any, collaboration: int) -> dict[int, str]:
    """Task id -> when its last run ended, for every task of ``collaboration`` whose
    runs have all finished (one read of the collaboration's runs, every page)."""
    ends: dict[int, list[str | None]] = {}
    done: dict[int, bool] = {}
    for run in session.fetch("run", collaboration_id=int(collaboration)):
        task_id = (run.get("task") or {}).get("id")
        if task_id is None:
            continue
        ends.setdefault(task_id, []).append(run.get("finished_at"))
        done[task_id] = done.get(task_id, True) and run.get("status") in FINISHED
    return {t: max(e for e in times if e) for t, times in ends.items()
            if done[t] and any(times)}


def run_log(session: Any, run: int) -> dict:
    """One run with its log: id, task_id, organization, node, status, log."""
    raw = session.fetch_one(f"run/{int(run)}")
    org_id = (raw.get("organization") or {}).get("id")
    node = raw.get("node") if isinstance(raw.get("node"), Mapping) else {}
    return {"id": raw["id"], "task_id": (raw.get("task") or {}).get("id"),
            "organization_id": org_id,
            "organization": session.organization_name(org_id) if org_id else None,
            "node": node.get("name"), "status": raw.get("status"),
            "log": raw.get("log") or ""}


def repeat_form(session: Any, task: int) -> dict:
    """What the task builder needs to send ``task`` again: ``{image, method, arguments,
    organizations, databases, name, description, collaboration}`` (arguments are the
    keyword arguments, databases their labels, organizations sorted ids).

    Raises InvalidArgument when no run's input can be read (encrypted for other
    organizations, or no key loaded) or when it holds positional arguments, which
    the builder's form does not."""
    task_id = int(task)
    raw = session.fetch_one(f"task/{task_id}")
    inputs = task_input(session, task_id)
    readable = [i for i in inputs if "error" not in i]
    if not readable:
        why = inputs[0]["error"] if inputs else "it has no runs"
        raise InvalidArgument(f"task {task_id} cannot be repeated: its input cannot be read "
                              f"({why})")
    first = readable[0]
    if first["args"]:
        raise InvalidArgument(f"task {task_id} was sent with positional arguments "
                              f"{first['args']!r}, which the task builder cannot hold: "
                              "repeat it with session.create_task(...)")
    databases = [str(d.get("label")) for d in raw.get("databases") or []
                 if isinstance(d, Mapping) and d.get("label")]
    collaboration = raw.get("collaboration")
    return {
        "image": raw.get("image") or "",
        "method": first["method"] or "",
        "arguments": dict(first["kwargs"]),
        "organizations": sorted({i["organization_id"] for i in inputs
                                 if i["organization_id"] is not None}),
        "databases": databases or ["default"],
        "name": raw.get("name") or "",
        "description": clean_description(raw.get("description")),
        "collaboration": collaboration.get("id") if isinstance(collaboration, Mapping)
        else collaboration,
    }


def subtasks(session: Any, task: int) -> list[dict]:
    """The subtasks ``task`` created (recursively, oldest first): id, name, parent_id,
    init_org_id (the organization whose run created it), status."""
    return [{k: c.get(k) for k in ("id", "name", "parent_id", "init_org_id", "status")}
            for c in session.children(int(task))]


def tree_nodes(task: Mapping[str, Any], runs: list[Mapping[str, Any]],
               children: list[Mapping[str, Any]]) -> list[dict]:
    """The task → runs → subtasks → runs tree as flat nodes in display order.

    ``task`` is a ``task_state`` entry (or a row with id, name, status), ``runs`` the
    runs of the task and its subtasks (``task_state`` runs: id, task_id, organization,
    node, status, started_at, finished_at), ``children`` as :func:`subtasks` gives them.
    A subtask hangs under the run of the organization that created it (its
    ``init_org_id``), else under its parent task. Each node: id ("task-12", "run-40"),
    parent (a node id or None), level, kind ("task" or "run"), ref (the task or run
    id), task_id, label, status, organization, node, started_at, finished_at."""
    by_task: dict[int, list[Mapping]] = {}
    for run in runs:
        by_task.setdefault(int(run["task_id"]), []).append(run)
    kids: dict[int, list[Mapping]] = {}
    for child in children:
        kids.setdefault(int(child["parent_id"]), []).append(child)
    nodes: list[dict] = []
    placed: set[int] = set()

    def add_task(row: Mapping, parent: str | None, level: int, root: bool) -> None:
        task_id = int(row["id"])
        if task_id in placed:
            return
        placed.add(task_id)
        own = sorted(by_task.get(task_id, []),
                     key=lambda r: (str(r.get("organization") or ""), r["id"]))
        status = row.get("status") if root or not own else task_status(own)
        name = row.get("name") or ""
        key = f"task-{task_id}"
        nodes.append({"id": key, "parent": parent, "level": level, "kind": "task",
                      "ref": task_id, "task_id": task_id,
                      "label": f"{'Task' if root else 'Subtask'} {task_id}"
                               + (f": {name}" if name else ""),
                      "status": status or "pending", "organization": None, "node": None,
                      "started_at": None, "finished_at": row.get("finished_at") or None})
        under_run: dict[int, list[Mapping]] = {}
        loose = []
        run_orgs = {r.get("organization_id") for r in own}
        for child in sorted(kids.get(task_id, []), key=lambda c: c["id"]):
            if child.get("init_org_id") in run_orgs:
                under_run.setdefault(child["init_org_id"], []).append(child)
            else:
                loose.append(child)
        for run in own:
            run_key = f"run-{run['id']}"
            org = run.get("organization") or f"organization {run.get('organization_id')}"
            nodes.append({"id": run_key, "parent": key, "level": level + 1, "kind": "run",
                          "ref": int(run["id"]), "task_id": task_id, "label": str(org),
                          "status": run.get("status") or "pending",
                          "organization": run.get("organization"), "node": run.get("node"),
                          "started_at": run.get("started_at"),
                          "finished_at": run.get("finished_at")})
            for child in under_run.pop(run.get("organization_id"), []):
                add_task(child, run_key, level + 2, False)
        for child in loose:
            add_task(child, key, level + 1, False)

    add_task(task, None, 0, True)
    return nodes
