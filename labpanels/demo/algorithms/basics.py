"""Image ``ghcr.io/vantage6/algorithm-basics``: what a real node runs for the server's
``POST /column`` requests (``vantage6.common.globals.BASIC_PROCESSING_IMAGE`` in
vantage6 4.15.2). The user interface sends ``{"method": "column_headers"}`` and reads
the run's result as the list of the database's column names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labpanels.demo.algorithms.tools import data

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["column_headers"]


@data(1)
def column_headers(df: pd.DataFrame) -> list[str]:
    """The names of the columns of this node's database."""
    return [str(c) for c in df.columns]
