"""Image ``harbor2.vantage6.ai/demo/average``: the mean of one numeric column.

Each node shares only the sum and the number of its non-missing values; the central
function adds them up, so the pooled mean equals the mean over all records together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from labpanels.demo.algorithms.tools import (
    algorithm_client,
    data,
    require_numeric,
    run_partials,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["central_average", "partial_average"]


@data(1)
def partial_average(df: pd.DataFrame, column_name: str) -> dict[str, Any]:
    """Sum and count of the non-missing values of ``column_name`` at this node."""
    values = require_numeric(df, column_name).dropna()
    return {"sum": float(values.sum()), "count": int(len(values))}


@algorithm_client
def central_average(
    client: Any, column_name: str, organizations: Iterable[int] | None = None
) -> dict[str, Any]:
    """Mean of ``column_name`` over all (or the given) organizations' records."""
    results = run_partials(
        client,
        "partial_average",
        {"column_name": column_name},
        organizations,
        description=f"Sum and count of '{column_name}'",
    )
    total = sum(float(r["sum"]) for r in results)
    count = sum(int(r["count"]) for r in results)
    if count == 0:
        where = ("its one organization" if len(results) == 1
                 else f"any of the {len(results)} organizations")
        raise ValueError(
            f"Column '{column_name}' has no values at {where}, so there is no average to compute"
        )
    return {"average": total / count, "count": count, "organizations": len(results)}
