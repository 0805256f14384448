"""Synthetic patient records, one CSV per demo organization.

The files are committed (``generate.py`` rewrites them deterministically) and ship
inside the package, so nodes read them without generating anything at run time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DATA_DIR", "SLUGS", "data_path", "load_csv", "slugify"]

DATA_DIR = Path(__file__).resolve().parent

#: Organizations with a data set, by slug.
SLUGS: tuple[str, ...] = ("cantabria", "lifelines", "gazel", "phy24", "ght", "hermes")


def slugify(name: str) -> str:
    """Lowercase letters and digits only: ``"PHY-24"`` -> ``"phy24"``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def data_path(slug: str) -> Path:
    """Path of the CSV of an organization, given its slug (or its name)."""
    key = slugify(slug)
    if key not in SLUGS:
        raise ValueError(f"No demo data set {slug!r}; known: {', '.join(SLUGS)}")
    return DATA_DIR / f"{key}.csv"


def load_csv(slug: str) -> pd.DataFrame:
    """The records of an organization as a DataFrame."""
    import pandas as pd

    return pd.read_csv(data_path(slug), dtype={"patient_id": str})
