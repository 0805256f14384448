"""Table: a virtualized, sortable, filterable, keyboard-usable table (js/lib/grid.js).

Rows are dicts in Python. They travel to the browser as their column names once and
each row as a list (``{"keys": [...], "data": [[...], ...]}``), and a change of a few rows
travels as a patch message holding only them (:meth:`TableRows.update_rows`).
:class:`TableRows` does this for any list-of-rows trait, so a panel drawing several grids
in one view (the collaboration browser) sends its rows the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from traitlets import Bool, Dict, Int, List, Unicode

from .assets import asset
from .base import Panel

__all__ = ["Table", "TableRows", "column", "jsonable", "rows_to_wire", "rows_from_wire",
           "wire_keys"]


def column(key: str, label: str | None = None, kind: str = "text", width: str | None = None,
           *, wrap: bool = False) -> dict:
    """A column description: ``kind`` is text, number, status (a pill with the word),
    ago (relative time from an ISO timestamp, "never" when empty), time (local date and
    time from an ISO timestamp, empty when empty) or bytes. ``width`` is
    a CSS grid track ("110px", "minmax(140px, 2fr)"); its minimum is where the table
    starts to scroll sideways. A ``wrap`` column breaks long text over the row's lines
    (give the table a ``row_height`` for them)."""
    spec = {"key": key, "label": label or key.replace("_", " ").capitalize(), "kind": kind}
    if width:
        spec["width"] = width
    if wrap:
        spec["wrap"] = True
    return spec


def jsonable(value: Any) -> Any:
    """A cell as JSON: numbers, text, None (for NaN and infinities), lists and dicts of
    those; dates as ISO text, numpy scalars as Python numbers, anything else as text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def wire_keys(rows: Iterable[Mapping[str, Any]], columns: Iterable[Mapping[str, Any]] = (),
              key: str = "id") -> list[str]:
    """The column names sent once for ``rows``: the columns' keys in order, the row key,
    then every other key the rows hold, in the order first seen."""
    keys: dict[str, None] = {}
    for c in columns:
        keys[str(c["key"])] = None
    keys[key] = None
    for row in rows:
        for k in row:
            if k not in keys:
                keys[k] = None
    return list(keys)


def rows_to_wire(rows: list[Mapping[str, Any]], columns: Iterable[Mapping[str, Any]] = (),
                 key: str = "id") -> dict:
    """``{"keys": names, "data": [[cell, ...], ...]}``: names once, rows as lists."""
    keys = wire_keys(rows, columns, key)
    return {"keys": keys, "data": [[row.get(k) for k in keys] for row in rows]}


def rows_from_wire(value: Any) -> list[dict]:
    """Rows as dicts from :func:`rows_to_wire`'s form (a list of dicts is kept)."""
    if isinstance(value, Mapping):
        keys = list(value.get("keys") or [])
        return [dict(zip(keys, row, strict=False)) for row in value.get("data") or []]
    return list(value or [])


def _rows_trait(columns_trait: str | None = "columns", key_trait: str | None = "key") -> List:
    """A List of row dicts that syncs as :func:`rows_to_wire`'s lists."""

    def to_json(rows: list[dict], widget: Any) -> dict:
        columns = getattr(widget, columns_trait, ()) if columns_trait else ()
        key = getattr(widget, key_trait, "id") if key_trait else "id"
        return rows_to_wire(rows, columns if isinstance(columns, list) else (), key)

    def from_json(value: Any, _widget: Any) -> list[dict]:
        return rows_from_wire(value)

    return List(Dict()).tag(sync=True, to_json=to_json, from_json=from_json)


class TableRows:
    """The rows of one grid that a panel's view draws: the list-of-dicts trait ``name``
    of ``widget``. ``set_rows`` replaces them (one state update), ``update_rows`` sends
    only the changed rows as a patch message ``{"type": "patch", "table": name, "keys":
    [...], "rows": [[...]]}`` that the view applies to its model in ``initialize``."""

    def __init__(self, widget: Any, name: str, key: str = "id") -> None:
        self.widget = widget
        self.name = name
        self.key = key

    @property
    def rows(self) -> list[dict]:
        """The rows, as dicts (what the view shows, before its sort and filter)."""
        return getattr(self.widget, self.name)

    def set_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Replace every row."""
        setattr(self.widget, self.name, [jsonable(dict(r)) for r in rows])

    def update_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Change or add the given rows (matched by the key); the view redraws only them.

        The full list is updated here without a change event (which would send every
        row again), so a view displayed later and a page reload still show current rows.
        """
        changed = [jsonable(dict(r)) for r in rows]
        if not changed:
            return
        current = list(self.rows)
        index = {row.get(self.key): i for i, row in enumerate(current)}
        for row in changed:
            at = index.get(row.get(self.key))
            if at is None:
                index[row.get(self.key)] = len(current)
                current.append(row)
            else:
                current[at] = row
        self.widget._trait_values[self.name] = current
        keys = wire_keys(changed, (), self.key)
        self.widget.send({"type": "patch", "table": self.name, "keys": keys,
                          "rows": [[row.get(k) for k in keys] for row in changed]})

    def row(self, key: Any) -> dict | None:
        """The row whose key is ``key`` (None when there is none)."""
        return next((r for r in self.rows if r.get(self.key) == key), None)


class Table(Panel):
    """Rows of dicts shown as a table; ``selected`` holds the keys of selected rows.

    Only visible rows are drawn, so tens of thousands of rows stay smooth;
    :meth:`update_rows` sends and redraws only the rows it is given. Keyboard: Tab
    reaches the table, arrows/Page/Home/End move, Enter or Space selects, ArrowUp from
    the first row reaches the column buttons that sort. A misspelt option
    (``Table(colums=...)``) raises TypeError.
    """

    _esm = asset("table.js")
    _css = asset("table.css")

    columns = List(Dict()).tag(sync=True)
    rows = _rows_trait()
    key = Unicode("id").tag(sync=True)
    selectable = Unicode("single").tag(sync=True)  # none, single or multi
    selected = List().tag(sync=True)
    filter_text = Unicode("").tag(sync=True)
    sort_by = Unicode("").tag(sync=True)
    sort_desc = Bool(False).tag(sync=True)
    height = Int(300).tag(sync=True)
    row_height = Int(28, help="pixels per row (more for wrapped columns)").tag(sync=True)
    empty_text = Unicode("Nothing to show").tag(sync=True)
    label = Unicode("", help="what the table is, for screen readers").tag(sync=True)

    @property
    def _table(self) -> TableRows:
        return TableRows(self, "rows", self.key)

    def set_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Replace every row."""
        self._table.set_rows(rows)

    def update_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Change or add the given rows (matched by ``key``); the browser redraws only them.

        The full list is updated here without re-sending it, so a page reload still
        shows current rows; in the browser the patch is applied to the widget's model
        (``initialize`` in table.js), so every view of the table, also one displayed
        later, shows it.
        """
        self._table.update_rows(rows)

    def row(self, key: Any) -> dict | None:
        """The row whose key is ``key``."""
        return self._table.row(key)
