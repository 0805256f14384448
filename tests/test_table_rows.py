"""Table without a browser: rows travel as names once + lists, patches hold only the
changed rows, and Python keeps seeing dicts."""

from __future__ import annotations

import datetime as dt

import pytest

from labpanels.widgets import Table
from labpanels.widgets.table import column, rows_from_wire, rows_to_wire, wire_keys


def _sent(widget) -> list[dict]:
    messages: list[dict] = []
    widget.send = lambda content, buffers=None: messages.append(content)
    return messages


def test_rows_sync_as_lists_with_their_names_once():
    t = Table(columns=[column("name"), column("size", kind="bytes")])
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    t.set_rows([{"id": 1, "name": "a", "size": 3, "_class": "failed"},
                {"id": 2, "name": "b", "seen": when, "size": float("nan")}])
    wire = t.get_state()["rows"]
    assert wire["keys"] == ["name", "size", "id", "_class", "seen"]  # columns, key, others
    assert wire["data"] == [["a", 3, 1, "failed", None],
                            ["b", None, 2, None, "2026-01-01T00:00:00+00:00"]]
    assert t.rows[1]["seen"] == "2026-01-01T00:00:00+00:00"  # still dicts in Python
    assert rows_from_wire(wire)[0] == {"name": "a", "size": 3, "id": 1, "_class": "failed",
                                      "seen": None}
    t.close()


def test_update_rows_sends_only_the_changed_rows_as_lists():
    t = Table(columns=[column("name")], key="uid")
    t.set_rows({"uid": i, "name": f"row {i}"} for i in range(1000))
    sent = _sent(t)
    t.update_rows([{"uid": 7, "name": "seven"}, {"uid": 1000, "name": "new", "x": 1}])
    assert sent == [{"type": "patch", "table": "rows", "keys": ["uid", "name", "x"],
                     "rows": [[7, "seven", None], [1000, "new", 1]]}]
    assert t.row(7) == {"uid": 7, "name": "seven"} and len(t.rows) == 1001
    t.update_rows([])
    assert len(sent) == 1  # nothing to send
    t.close()


def test_wire_helpers_and_options():
    rows = [{"id": 1, "b": 2}, {"a": 3, "id": 4}]
    assert wire_keys(rows, [column("a")]) == ["a", "id", "b"]
    assert rows_from_wire(rows_to_wire(rows)) == [{"id": 1, "b": 2, "a": None},
                                                  {"id": 4, "b": None, "a": 3}]
    assert rows_from_wire([{"id": 1}]) == [{"id": 1}]
    with pytest.raises(TypeError, match="colums"):
        Table(colums=[])
    t = Table(label="Nodes", selectable="multi", row_height=40)
    state = t.get_state()
    assert state["label"] == "Nodes" and state["row_height"] == 40
    assert state["rows"] == {"keys": ["id"], "data": []}
    t.close()
