"""Pennsieve (SPARC) public data: the discover API and zipit.

:class:`PennsieveSession` searches, browses and downloads; :mod:`.download` holds the
streaming engine (safe names, verification, atomic rename, resume) and its errors.
"""

from .download import (
    DownloadCancelled,
    DownloadError,
    IntegrityError,
    UnsafePathError,
    ZipitError,
    safe_path,
)
from .session import DISCOVER_URL, ZIPIT_URL, DatasetUnavailable, Page, PennsieveSession

__all__ = [
    "PennsieveSession",
    "Page",
    "DISCOVER_URL",
    "ZIPIT_URL",
    "DatasetUnavailable",
    "DownloadError",
    "DownloadCancelled",
    "IntegrityError",
    "UnsafePathError",
    "ZipitError",
    "safe_path",
]
