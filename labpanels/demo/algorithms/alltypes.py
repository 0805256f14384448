"""Image ``harbor2.vantage6.ai/demo/alltypes``: a profile of one numeric column.

Its arguments use every type the vantage6 algorithm store knows (column, column list,
text, text list, whole number, list of whole numbers, number, list of numbers, true or
false, JSON, organization, list of organizations), so a task form can be tried on all
of them. The result holds a table (one row per organization) and a histogram that the
store declares as a table and a line chart.

Each node shares counts, sums, its minimum and maximum, and bin counts, never records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from labpanels.demo.algorithms.tools import (
    _organization_ids,
    algorithm_client,
    data,
    require_column,
    require_numeric,
    to_json_number,
)
from labpanels.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["central_profile", "partial_profile"]

BINS = (3, 5, 10)


def _check_bins(bins: object) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int) or bins not in BINS:
        raise ValueError(f"bins must be one of {', '.join(map(str, BINS))}, got {bins!r}")
    return bins


def _check_limits(limits: object) -> tuple[float, float]:
    if (not isinstance(limits, list | tuple) or len(limits) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in limits)):
        raise ValueError(f"limits must be two numbers [low, high], got {limits!r}")
    low, high = float(limits[0]), float(limits[1])
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"limits must be two finite numbers with low < high, got {limits!r}")
    return low, high


def _edges(bins: int, limits: tuple[float, float]) -> list[float]:
    low, high = limits
    return [low + (high - low) * i / bins for i in range(bins + 1)]


@data(1)
def partial_profile(
    df: pd.DataFrame,
    column: str,
    extra_columns: list[str] | None = None,
    bins: int = 5,
    limits: list[float] | None = None,
    thresholds: list[int] | None = None,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Count, sum, sum of squares, minimum, maximum and a histogram of ``column`` (times
    ``scale``) at this node; the number of values at or above each threshold; the number
    of non-missing values of each extra column."""
    bins = _check_bins(bins)
    low, high = _check_limits([0, 100] if limits is None else limits)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(
            scale):
        raise ValueError(f"scale must be a finite number, got {scale!r}")
    values = (require_numeric(df, column).dropna().astype("float64") * float(scale))
    edges = _edges(bins, (low, high))
    counts = [0] * bins
    for value in values:
        if low <= value <= high:
            counts[min(int((value - low) / (high - low) * bins), bins - 1)] += 1
    non_missing = {}
    for name in extra_columns or []:
        require_column(df, name)
        non_missing[name] = int(df[name].notna().sum())
    return {
        "count": int(len(values)),
        "sum": float(values.sum()),
        "sum_sq": float((values * values).sum()),
        "min": to_json_number(values.min()) if len(values) else None,
        "max": to_json_number(values.max()) if len(values) else None,
        "histogram": [{"value": (edges[i] + edges[i + 1]) / 2, "count": counts[i]}
                      for i in range(bins)],
        "above": [{"threshold": int(t), "count": int((values >= t).sum())}
                  for t in thresholds or []],
        "non_missing": non_missing,
    }


@algorithm_client
def central_profile(
    client: Any,
    column: str,
    extra_columns: list[str] | None = None,
    title: str = "Profile",
    tags: list[str] | None = None,
    bins: int = 5,
    limits: list[float] | None = None,
    thresholds: list[int] | None = None,
    scale: float = 1.0,
    cumulative: bool = False,
    options: dict[str, Any] | None = None,
    reference_organization: int | None = None,
    organizations: Iterable[int] | None = None,
) -> dict[str, Any]:
    """A profile of ``column`` over all (or the given) organizations: a table with one
    row per organization (count, mean, min, max) and a pooled histogram (cumulative on
    request). ``options`` may hold ``{"min_count": n}``: histogram counts below ``n``
    are reported as null. ``reference_organization``'s own mean is reported apart."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError(f"options must be a JSON object, got {options!r}")
    min_count = options.get("min_count", 0)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise ValueError(f"options.min_count must be a whole number >= 0, got {min_count!r}")
    ids = _organization_ids(client, organizations)
    if reference_organization is not None and reference_organization not in ids:
        raise ValueError(f"reference_organization {reference_organization!r} is not one of "
                         f"the organizations profiled: {ids}")
    kwargs = {"column": column, "extra_columns": list(extra_columns or []), "bins": bins,
              "limits": list(limits) if limits is not None else None,
              "thresholds": list(thresholds or []), "scale": scale}
    task = client.task.create(
        input_={"method": "partial_profile", "args": [], "kwargs": kwargs},
        organizations=ids, name="partial_profile",
        description=f"Profile of '{column}' at {plural(len(ids), 'organization')}")
    parts = list(client.wait_for_results(task["id"]))
    rows = []
    for org_id, part in zip(ids, parts, strict=True):
        row = {"organization": org_id, "count": part["count"],
               "mean": part["sum"] / part["count"] if part["count"] else None,
               "min": part["min"], "max": part["max"]}
        row.update({f"non_missing_{k}": v for k, v in part["non_missing"].items()})
        rows.append(row)
    count = sum(p["count"] for p in parts)
    total = sum(p["sum"] for p in parts)
    histogram, running = [], 0
    for i, first in enumerate(parts[0]["histogram"] if parts else []):
        n = sum(p["histogram"][i]["count"] for p in parts)
        running += n
        shown = running if cumulative else n
        histogram.append({"value": first["value"],
                          "count": shown if shown >= min_count else None})
    above = [{"threshold": first["threshold"],
              "count": sum(p["above"][i]["count"] for p in parts)}
             for i, first in enumerate(parts[0]["above"] if parts else [])]
    reference = None
    if reference_organization is not None:
        reference = rows[ids.index(reference_organization)]["mean"]
    return {
        "title": title, "tags": list(tags or []), "column": column, "count": count,
        "mean": total / count if count else None, "per_organization": rows,
        "histogram": histogram, "cumulative": bool(cumulative), "above": above,
        "reference_organization": reference_organization, "reference_mean": reference,
        "options": options,
    }
