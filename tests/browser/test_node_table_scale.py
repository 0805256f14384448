"""A 5,000-node table in the browser: only visible rows exist, one change redraws one row,
a filter keystroke filters the sorted rows without a round trip to the kernel."""

from __future__ import annotations

import pytest

from benchmarks.node_table import NODES, measure

pytestmark = pytest.mark.browser


def test_five_thousand_nodes_virtualized_and_patched_row_by_row(notebook):
    result = measure(notebook, updates=2)
    assert 0 < result["rows_drawn"] < 100  # not 5,000 elements
    assert result["rows_replaced_per_update"] == 1
    assert 0 < result["update_wire_bytes"] < 1024  # one row's patch, not the table
    assert 0 < result["rows_drawn_after_scroll"] < 100
    assert result["nodes"] == NODES
    # after scrolling to the middle, other rows are drawn and the first ones are gone
    assert not set(result["start_keys"]) & set(result["middle_keys"])
    # 250 organizations, 20 nodes each: "organization 01" matches 010-019, 200 nodes
    assert result["filter_counts"] == [f"{NODES} rows", "200 of 5000", "20 of 5000",
                                       f"{NODES} rows"]
    assert result["filter_next_sync_ms"] < 100
