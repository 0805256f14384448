"""Result charts: the ``ui_visualizations`` an algorithm store declares for a function,
applied to a task's results, as the data the result viewer draws.

A declaration (the store's shape) is ``{"name", "description", "type", "schema"}``:

- ``table``: ``schema {"location": [keys], "columns": [names]}``: the value at
  ``location`` in each result is a table (a list of records; a dict of equal-length
  lists, a dict of scalars and a plain value are read as tables too); ``columns`` picks
  and orders its columns (all of them, in the order first seen, when not declared).
- ``line``: ``schema {"location", "x", "y", "y_axis_min", "y_axis_max"}``: the value at
  ``location`` is a table of points; one line per result (organization).

A result is per run: one per organization for a federated function, one for a central
one. :func:`build_charts` turns declarations and results into one chart per declaration:

``{"type", "name", "description", "columns", "rows", "group", "problems"}`` and for a
line also ``"x", "y", "y_min", "y_max"``. ``columns`` are sent once and ``rows`` are
lists in their order. With several results the first column is the organization
(``group`` names it; one line per value of it); with one result there is no such
column and ``group`` is None. What could not be read (a missing key, a missing column,
values that are not numbers) is a sentence in ``problems``, never an exception.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import LabpanelsError
from ..formatting import plural
from .table import jsonable

__all__ = ["SUPPORTED", "LocationError", "build_chart", "build_charts", "locate",
           "read_declaration", "records", "where"]

#: the visualization types drawn (the 4.x UI draws these two too)
SUPPORTED = ("table", "line")

#: the name of the column that says whose result a row is, when there are several
ORGANIZATION = "organization"


class LocationError(LabpanelsError, KeyError):
    """A declared location is not in a result: the message says which key and what
    the result holds there instead."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def where(location: Iterable[Any]) -> str:
    """A location as a reader sees it: ``result["per_org"][0]``."""
    return "result" + "".join(f"[{json.dumps(k) if isinstance(k, str) else k}]"
                              for k in location)


def locate(value: Any, location: Iterable[Any]) -> Any:
    """The part of ``value`` (a decoded result) at ``location`` (keys of dicts, or
    indexes of lists given as numbers or digits); the whole value for ``[]``.

    Raises :class:`LocationError` naming the key that is missing and what is there."""
    path = list(location or [])
    here = value
    for depth, key in enumerate(path):
        at = where(path[:depth])
        if isinstance(here, Mapping):
            if key in here:
                here = here[key]
                continue
            if str(key) in here:
                here = here[str(key)]
                continue
            keys = ", ".join(map(str, list(here)[:12])) or "nothing"
            raise LocationError(f"{at} has no key {key!r} (it has: {keys})")
        if isinstance(here, list):
            index = _index(key)
            if index is None:
                raise LocationError(f"{at} is a list, so {key!r} cannot be looked up "
                                    "in it (give a position: 0, 1, …)")
            if not -len(here) <= index < len(here):
                raise LocationError(f"{at} is a list of {len(here)}: no position {index}")
            here = here[index]
            continue
        raise LocationError(f"{at} is {_kind(here)}, so {key!r} cannot be looked up in it")
    return here


def records(value: Any, name: str = "value") -> list[dict] | None:
    """``value`` as a table (a list of records), or None when it is not one.

    A list of records stays; a dict of equal-length lists is read by column; another
    dict is one record; a list of scalars or one scalar becomes a column ``name``."""
    if isinstance(value, list):
        if all(isinstance(v, Mapping) for v in value):
            return [dict(v) for v in value]
        if not any(isinstance(v, (Mapping, list)) for v in value):
            return [{name: v} for v in value]
        return None
    if isinstance(value, Mapping):
        if not value:
            return []
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == len(value):  # columns: a table when they are equally long
            if len({len(v) for v in lists}) != 1:
                return None
            keys = list(value)
            return [dict(zip(keys, row, strict=True)) for row in zip(*lists, strict=True)]
        return [dict(value)]
    if value is None:
        return None
    return [{name: value}]


def read_declaration(declaration: Mapping[str, Any]) -> dict:
    """A declaration's ``type``, ``name``, ``description``, ``schema`` (read when it
    is stored as JSON text) and ``location``; what is wrong with it is in ``problems``."""
    problems: list[str] = []
    kind = str(declaration.get("type") or "").strip().lower()
    name = str(declaration.get("name") or declaration.get("display_name") or "").strip()
    schema: Any = declaration.get("schema") or {}
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            problems.append("its schema is not JSON")
            schema = {}
    if not isinstance(schema, Mapping):
        problems.append("its schema is not an object")
        schema = {}
    location = schema.get("location") or []
    if isinstance(location, (str, int)):
        location = [location]
    if not isinstance(location, list):
        problems.append("its location is not a list of keys")
        location = []
    if kind not in SUPPORTED:
        problems.append(f"a {kind or 'untyped'!r} visualization is not drawn here "
                        f"(only {' and '.join(SUPPORTED)})")
    return {"type": kind, "name": name or (kind.capitalize() if kind else "Visualization"),
            "description": str(declaration.get("description") or ""),
            "schema": dict(schema), "location": location, "problems": problems}


def build_charts(visualizations: Iterable[Mapping[str, Any]],
                 items: list[Mapping[str, Any]]) -> list[dict]:
    """One chart per declaration for ``items`` (``session.results(task, as_frame=False)``:
    ``{organization, organization_id, run_id, result}`` per run)."""
    return [build_chart(vis, items) for vis in visualizations]


def build_chart(declaration: Mapping[str, Any], items: list[Mapping[str, Any]]) -> dict:
    """The chart of one declaration (see the module's docstring for its shape)."""
    if not isinstance(declaration, Mapping):
        return _chart({"type": "", "name": "Visualization", "description": ""},
                      problems=[f"a visualization is a dict, not {_kind(declaration)}"])
    decl = read_declaration(declaration)
    problems = list(decl["problems"])
    if decl["type"] not in SUPPORTED:
        return _chart(decl, problems=problems)
    schema, location = decl["schema"], decl["location"]
    group = ORGANIZATION if len(items) > 1 else None
    tables: list[tuple[str, list[dict]]] = []
    for item in items:
        label = _label(item)
        result = item.get("result")
        prefix = f"{label}: " if group else ""
        if result is None:
            problems.append(f"{prefix}the run gave no result")
            continue
        try:
            value = locate(result, location)
        except LocationError as exc:
            problems.append(f"{prefix}{exc}")
            continue
        recs = records(value, str(location[-1]) if location else "value")
        if recs is None:
            problems.append(f"{prefix}{where(location)} is {_kind(value)}, not a table "
                            "(a list of records, or a dict of columns)")
            continue
        tables.append((label, recs))
    if decl["type"] == "table":
        return _table(decl, schema, tables, group, problems)
    return _line(decl, schema, tables, group, problems)


# -- the two kinds ----------------------------------------------------------------------
def _table(decl: dict, schema: Mapping, tables: list[tuple[str, list[dict]]],
           group: str | None, problems: list[str]) -> dict:
    declared = [str(c) for c in schema.get("columns") or []]
    if declared:
        columns = declared
        kept = []
        for label, recs in tables:
            held = _keys(recs)
            missing = [c for c in declared if c not in held]
            if missing and recs:
                prefix = f"{label}: " if group else ""
                problems.append(f"{prefix}no column {', '.join(map(repr, missing))} in "
                                f"{where(decl['location'])} (it has: "
                                f"{', '.join(held) or 'nothing'})")
            if len(missing) < len(declared):  # rows without any declared column: left out
                kept.append((label, recs))
        tables = kept
    else:
        columns = _keys([r for _, recs in tables for r in recs])
    rows = [[label] * bool(group) + [_cell(r.get(c)) for c in columns]
            for label, recs in tables for r in recs]
    if group:
        group = _free(ORGANIZATION, columns)
        columns = [group, *columns]
    return _chart(decl, columns=columns, rows=rows, group=group, problems=problems)


def _line(decl: dict, schema: Mapping, tables: list[tuple[str, list[dict]]],
          group: str | None, problems: list[str]) -> dict:
    x, y = schema.get("x"), schema.get("y")
    for axis, key in (("x", x), ("y", y)):
        if not isinstance(key, str) or not key:
            problems.append(f"the line chart declares no {axis!r} column")
    extra = {"x": str(x or ""), "y": str(y or ""),
             "y_min": _number(schema.get("y_axis_min")),
             "y_max": _number(schema.get("y_axis_max"))}
    if problems and not (isinstance(x, str) and x and isinstance(y, str) and y):
        return _chart(decl, problems=problems, **extra)
    rows = []
    for label, recs in tables:
        prefix = f"{label}: " if group else ""
        held = _keys(recs)
        missing = [k for k in (x, y) if k not in held]
        if missing:
            problems.append(f"{prefix}no column {', '.join(map(repr, missing))} in "
                            f"{where(decl['location'])} (it has: {', '.join(held) or 'nothing'})")
            continue
        skipped = 0
        for rec in recs:
            value = _number(rec.get(y))
            if value is None:
                skipped += 1
            rows.append([label] * bool(group) + [_cell(rec.get(x)), value])
        if skipped:
            are = "is not a number" if skipped == 1 else "are not numbers"
            problems.append(f"{prefix}{plural(skipped, 'value')} of {y!r} {are} "
                            "(left out of the line)")
    columns = [extra["x"], extra["y"]]
    if group:
        group = _free(ORGANIZATION, columns)
        columns = [group, *columns]
    return _chart(decl, columns=columns, rows=rows, group=group, problems=problems, **extra)


# -- helpers ----------------------------------------------------------------------------
def _chart(decl: Mapping, *, columns: list[str] | None = None, rows: list | None = None,
           group: str | None = None, problems: list[str] | None = None, **extra: Any) -> dict:
    return {"type": decl["type"], "name": decl["name"], "description": decl["description"],
            "columns": columns or [], "rows": rows or [], "group": group,
            "problems": problems or [], **extra}


def _label(item: Mapping[str, Any]) -> str:
    if item.get("organization"):
        return str(item["organization"])
    if item.get("organization_id") is not None:
        return f"organization {item['organization_id']}"
    return f"run {item.get('run_id', '?')}"


def _keys(recs: Iterable[Mapping]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in recs:
        for key in rec:
            seen[str(key)] = None
    return list(seen)


def _free(name: str, taken: list[str]) -> str:
    """``name``, or a variant of it the table does not use already."""
    return name if name not in taken else f"{name} (run)"


def _cell(value: Any) -> Any:
    """A table cell: a number, text, a boolean or None; nested values as JSON text."""
    value = jsonable(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _index(key: Any) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and key.lstrip("-").isdigit():
        return int(key)
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return "a dict"
    return type(value).__name__
