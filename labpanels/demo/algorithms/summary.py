"""Image ``harbor2.vantage6.ai/demo/summary``: descriptive statistics per column.

Numeric columns give count, missing, mean, (sample) standard deviation, min and max;
text columns give count, missing and how often each value occurs. Nodes share sums
and sums of squares, never records, and the central function pools them, so the mean
and standard deviation equal those of all records taken together.

Small cells are protected: a value seen fewer than ``min_count`` times at a node is
reported as ``"<5"`` (for ``min_count=5``) instead of its exact count. Pooled counts
that include such a cell stay approximate: ``"<5"`` when the pooled count is surely
below the threshold, otherwise a range such as ``"12-15"``. Note that this is primary
suppression only: a node's column total is still exact, so a single suppressed value
per column can be worked out by subtraction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from labpanels.demo.algorithms.tools import (
    algorithm_client,
    data,
    require_column,
    run_partials,
    to_json_number,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_MIN_COUNT", "central_summary", "partial_summary"]

DEFAULT_MIN_COUNT = 5


def _is_identifier(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith("_id")


def _check_min_count(min_count: object) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a whole number of at least 1, got {min_count!r}")
    return min_count


def _wanted_columns(df: pd.DataFrame, columns: str | Iterable[str] | None) -> list[str]:
    if columns is None:
        return [str(c) for c in df.columns if not _is_identifier(str(c))]
    if isinstance(columns, str):
        columns = [columns]
    wanted = list(dict.fromkeys(columns))
    for name in wanted:
        require_column(df, name)
    return wanted


def _numeric_partial(column: pd.Series) -> dict[str, Any]:
    values = column.dropna()
    as_float = values.astype("float64")
    return {
        "type": "numeric",
        "count": int(len(values)),
        "missing": int(len(column) - len(values)),
        "sum": float(as_float.sum()),
        "sum_sq": float((as_float * as_float).sum()),
        "min": to_json_number(values.min()) if len(values) else None,
        "max": to_json_number(values.max()) if len(values) else None,
    }


def _categorical_partial(column: pd.Series, min_count: int) -> dict[str, Any]:
    values = column.dropna().astype(str)
    counts: dict[str, int | str] = {}
    for value, n in sorted(values.value_counts().items()):
        counts[str(value)] = int(n) if n >= min_count else f"<{min_count}"
    return {
        "type": "categorical",
        "count": int(len(values)),
        "missing": int(len(column) - len(values)),
        "counts": counts,
    }


@data(1)
def partial_summary(
    df: pd.DataFrame,
    columns: str | list[str] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> dict[str, dict[str, Any]]:
    """Per-column sums (numeric) or value counts (text) at this node.

    ``columns`` defaults to every column except identifiers (``id``, ``*_id``).
    Value counts below ``min_count`` are reported as ``"<min_count"``.
    """
    from pandas.api.types import is_numeric_dtype

    min_count = _check_min_count(min_count)
    result: dict[str, dict[str, Any]] = {}
    for name in _wanted_columns(df, columns):
        column = df[name]
        if is_numeric_dtype(column):
            result[name] = _numeric_partial(column)
        else:
            result[name] = _categorical_partial(column, min_count)
    return result


def _pool_numeric(parts: list[dict[str, Any]]) -> dict[str, Any]:
    count = sum(int(p["count"]) for p in parts)
    total = sum(float(p["sum"]) for p in parts)
    total_sq = sum(float(p["sum_sq"]) for p in parts)
    mins = [p["min"] for p in parts if p.get("min") is not None]
    maxs = [p["max"] for p in parts if p.get("max") is not None]
    std = None
    if count >= 2:
        variance = (total_sq - total * total / count) / (count - 1)
        std = math.sqrt(max(variance, 0.0))
    return {
        "type": "numeric",
        "count": count,
        "missing": sum(int(p["missing"]) for p in parts),
        "mean": total / count if count else None,
        "std": std,
        "min": min(mins) if mins else None,
        "max": max(maxs) if maxs else None,
    }


def _pool_categorical(parts: list[dict[str, Any]], min_count: int) -> dict[str, Any]:
    exact: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for part in parts:
        for value, n in part["counts"].items():
            exact.setdefault(value, 0)
            hidden.setdefault(value, 0)
            if isinstance(n, str):
                hidden[value] += 1
            else:
                exact[value] += int(n)
    counts: dict[str, int | str] = {}
    for value in sorted(exact):
        k = hidden[value]
        if not k:
            counts[value] = exact[value]
            continue
        low, high = exact[value] + k, exact[value] + k * (min_count - 1)
        counts[value] = f"<{min_count}" if high < min_count else f"{low}-{high}"
    return {
        "type": "categorical",
        "count": sum(int(p["count"]) for p in parts),
        "missing": sum(int(p["missing"]) for p in parts),
        "counts": counts,
    }


@algorithm_client
def central_summary(
    client: Any,
    columns: str | list[str] | None = None,
    organizations: Iterable[int] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> dict[str, dict[str, Any]]:
    """Pooled per-column statistics over all (or the given) organizations.

    Numeric: count, missing, mean, std (sample), min, max. Text: count, missing and
    pooled value counts, with small cells kept approximate (see the module docstring).
    """
    min_count = _check_min_count(min_count)
    results = run_partials(
        client,
        "partial_summary",
        {"columns": columns, "min_count": min_count},
        organizations,
        description="Per-column summary statistics",
    )
    by_column: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        for name, stats in result.items():
            by_column.setdefault(name, []).append(stats)

    pooled: dict[str, dict[str, Any]] = {}
    for name, parts in by_column.items():
        kinds = {p["type"] for p in parts}
        if len(kinds) > 1:
            raise ValueError(
                f"Column '{name}' holds numbers at some organizations and text at others; "
                "it cannot be summarized across them"
            )
        if kinds == {"numeric"}:
            pooled[name] = _pool_numeric(parts)
        else:
            pooled[name] = _pool_categorical(parts, min_count)
    return pooled
