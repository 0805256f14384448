"""Table: a virtualized, sortable, filterable table that renders every cell as text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import anywidget
from traitlets import Bool, Dict, Int, List, Unicode

from .assets import asset
from .base import PanelBase

__all__ = ["Table", "column"]


def column(key: str, label: str | None = None, kind: str = "text", width: str | None = None,
           *, wrap: bool = False) -> dict:
    """A column description: ``kind`` is text, status (a coloured chip), ago (relative
    time from an ISO timestamp, "never" when empty) or bytes. A ``wrap`` column breaks
    long text over the row's lines (give the table a ``row_height`` for them)."""
    spec = {"key": key, "label": label or key.replace("_", " ").capitalize(), "kind": kind}
    if width:
        spec["width"] = width
    if wrap:
        spec["wrap"] = True
    return spec


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


class Table(PanelBase, anywidget.AnyWidget):
    """Rows of dicts shown as a table; ``selected`` holds the keys of selected rows.

    Only visible rows are drawn, so tens of thousands of rows stay smooth;
    :meth:`update_rows` redraws only the rows it is given. A misspelt option
    (``Table(colums=...)``) raises TypeError.
    """

    _esm = asset("table.js")
    _css = asset("table.css")

    columns = List(Dict()).tag(sync=True)
    rows = List(Dict()).tag(sync=True)
    key = Unicode("id").tag(sync=True)
    selectable = Unicode("single").tag(sync=True)  # none, single or multi
    selected = List().tag(sync=True)
    filter_text = Unicode("").tag(sync=True)
    sort_by = Unicode("").tag(sync=True)
    sort_desc = Bool(False).tag(sync=True)
    height = Int(300).tag(sync=True)
    row_height = Int(28, help="pixels per row (more for wrapped columns)").tag(sync=True)
    empty_text = Unicode("Nothing to show").tag(sync=True)

    def set_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Replace every row."""
        self.rows = [_jsonable(dict(r)) for r in rows]

    def update_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Change or add the given rows (matched by ``key``); the browser redraws only them.

        The full list is updated here without re-sending it, so a page reload still
        shows current rows; in the browser the patch is applied to the widget's model
        (``initialize`` in table.js), so every view of the table, also one displayed
        later, shows it.
        """
        changed = [_jsonable(dict(r)) for r in rows]
        if not changed:
            return
        index = {row.get(self.key): i for i, row in enumerate(self.rows)}
        current = list(self.rows)
        for row in changed:
            at = index.get(row.get(self.key))
            if at is None:
                current.append(row)
            else:
                current[at] = row
        # store the value without a change event, which would send every row again
        self._trait_values["rows"] = current
        self.send({"type": "patch", "rows": changed})

    def row(self, key: Any) -> dict | None:
        """The row whose key is ``key``."""
        return next((r for r in self.rows if r.get(self.key) == key), None)
