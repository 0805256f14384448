"""Flat, readable rows from vantage6's nested resources, and tables of results.

The server nests related resources (``{"organization": {"id": 2, "link": ...}}``) and
returns links where a reader wants names. These functions turn each resource into one
flat dict whose keys read well as DataFrame columns; pandas is imported only when a
DataFrame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["flat_node", "flat_run", "flat_task", "flat_collaboration", "flat_organization",
           "frame", "results_frame"]


def _id(value: Any) -> int | None:
    return value.get("id") if isinstance(value, Mapping) else value


def flat_collaboration(c: Mapping) -> dict:
    """id, name, encrypted."""
    return {"id": c["id"], "name": c["name"], "encrypted": bool(c.get("encrypted"))}


def flat_organization(o: Mapping) -> dict:
    """id, name, country, domain, has_public_key."""
    return {"id": o["id"], "name": o.get("name"), "country": o.get("country"),
            "domain": o.get("domain"), "has_public_key": bool(o.get("public_key"))}


def flat_node(n: Mapping, org_names: Mapping[int, str] | None = None) -> dict:
    """id, name, organization, status, last_seen, ... ("never" when never seen)."""
    org_id = _id(n.get("organization"))
    return {
        "id": n["id"], "name": n.get("name"),
        "organization_id": org_id, "organization": (org_names or {}).get(org_id),
        "collaboration_id": _id(n.get("collaboration")),
        "status": n.get("status") or "offline",
        "last_seen": n.get("last_seen"), "ip": n.get("ip"),
    }


def flat_task(t: Mapping) -> dict:
    """id, name, image, status, created_at, ..., parent_id, job_id."""
    return {
        "id": t["id"], "name": t.get("name"), "description": t.get("description"),
        "image": t.get("image"), "status": t.get("status"),
        "collaboration_id": _id(t.get("collaboration")), "study_id": _id(t.get("study")),
        "init_org_id": _id(t.get("init_org")), "init_user_id": _id(t.get("init_user")),
        "parent_id": _id(t.get("parent")), "job_id": t.get("job_id"),
        "created_at": t.get("created_at"), "finished_at": t.get("finished_at"),
    }


def flat_run(r: Mapping, org_names: Mapping[int, str] | None = None) -> dict:
    """id, task_id, organization, node, status, timestamps, log."""
    node = r.get("node") if isinstance(r.get("node"), Mapping) else {}
    org_id = _id(r.get("organization"))
    return {
        "id": r["id"], "task_id": _id(r.get("task")),
        "organization_id": org_id, "organization": (org_names or {}).get(org_id),
        "node_id": node.get("id"), "node": node.get("name"), "node_status": node.get("status"),
        "status": r.get("status"), "assigned_at": r.get("assigned_at"),
        "started_at": r.get("started_at"), "finished_at": r.get("finished_at"),
        "log": r.get("log"),
    }


def frame(rows: Iterable[Mapping], index: str | None = "id") -> Any:
    """A DataFrame of flat rows (index on ``index`` when present)."""
    import pandas as pd

    df = pd.DataFrame(list(rows))
    for column in ("last_seen", "assigned_at", "started_at", "finished_at", "created_at"):
        if column in df.columns:
            df[column] = pd.to_datetime(df[column], errors="coerce", utc=True, format="ISO8601")
    if index and index in df.columns:
        df = df.set_index(index)
    return df


def results_frame(results: list[Mapping]) -> Any:
    """One table of decoded results, labeled by organization.

    ``results`` holds dicts with ``organization``, ``organization_id``, ``run_id`` and
    the decoded ``result``. A dict of scalars becomes one row per organization; a list
    of records (or a dict of equal-length lists) becomes several rows per organization;
    anything else lands in a ``result`` column.
    """
    import pandas as pd

    parts = []
    for item in results:
        label = {"organization": item.get("organization"),
                 "organization_id": item.get("organization_id"), "run_id": item.get("run_id")}
        value = item.get("result")
        part = _records(value)
        if part is None:
            part = pd.DataFrame([{"result": value}])
        for key, val in reversed(label.items()):
            part.insert(0, key, val)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["organization", "organization_id", "run_id", "result"])
    return pd.concat(parts, ignore_index=True)


def _records(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, Mapping) and value:
        if all(not isinstance(v, (Mapping, list)) for v in value.values()):
            return pd.DataFrame([dict(value)])
        if all(isinstance(v, Mapping) for v in value.values()):  # {column: {stat: value}}
            return pd.DataFrame([{"key": k, **v} for k, v in value.items()])
        lengths = {len(v) for v in value.values() if isinstance(v, list)}
        if len(lengths) == 1 and all(isinstance(v, list) for v in value.values()):
            return pd.DataFrame(dict(value))
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return pd.DataFrame(list(value))
    return None
