"""A 5,000-node table in the browser: only visible rows exist, one change redraws one row."""

from __future__ import annotations

import pytest

from benchmarks.node_table import NODES, measure

pytestmark = pytest.mark.browser


def test_five_thousand_nodes_virtualized_and_patched_row_by_row(notebook):
    result = measure(notebook, updates=2)
    assert 0 < result["rows_drawn"] < 100  # not 5,000 elements
    assert result["rows_replaced_per_update"] == 1
    assert 0 < result["rows_drawn_after_scroll"] < 100
    assert result["nodes"] == NODES
    # after scrolling to the middle, other rows are drawn and the first ones are gone
    assert not set(result["start_keys"]) & set(result["middle_keys"])
