"""Iterators over paginated collections, one per pagination style.

* vantage6: ``page``/``per_page`` query parameters, ``{"data": [...], "links": {"next"}}``
* Pennsieve: ``limit``/``offset`` with ``totalCount`` in the body
* o²S²PARC: ``limit``/``offset`` with ``{"items", "total", "links": {"next"}}``

Each yields items, requesting the next page only when the caller gets there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .errors import LabpanelsError, shown_url
from .http import HttpClient

__all__ = ["iter_vantage6", "iter_pennsieve", "iter_osparc"]


def iter_vantage6(
    http: HttpClient, path: str, params: Mapping[str, Any] | None = None, per_page: int = 1000
) -> Iterator[dict]:
    """Every item of a vantage6 collection, following ``links.next``."""
    query = {**(params or {}), "page": 1, "per_page": per_page}
    body = http.get(path, params=query)
    followed: set[str] = set()
    while True:
        if not isinstance(body, Mapping) or not isinstance(body.get("data", []), list):
            raise LabpanelsError(f"GET {shown_url(http.url(path))}: the answer is not a "
                                 "vantage6 list (no 'data' list in it)")
        yield from body.get("data", [])
        link = (body.get("links") or {}).get("next")
        if not link or not body.get("data") or link in followed:
            return
        followed.add(link)
        body = http.get(link)


def iter_pennsieve(
    http: HttpClient,
    path: str,
    items_key: str,
    params: Mapping[str, Any] | None = None,
    limit: int = 100,
) -> Iterator[dict]:
    """Every item of a Pennsieve ``limit``/``offset``/``totalCount`` collection."""
    offset = int((params or {}).get("offset", 0))
    while True:
        body = http.get(path, params={**(params or {}), "limit": limit, "offset": offset})
        items = body.get(items_key) or []
        yield from items
        offset += len(items)
        total = body.get("totalCount")
        if not items or (total is not None and offset >= int(total)):
            return


def iter_osparc(
    http: HttpClient, path: str, params: Mapping[str, Any] | None = None, limit: int = 50
) -> Iterator[dict]:
    """Every item of an o²S²PARC ``{"items", "total", "links"}`` page sequence."""
    offset = int((params or {}).get("offset", 0))
    body = http.get(path, params={**(params or {}), "limit": limit, "offset": offset})
    while True:
        items = body.get("items") or []
        yield from items
        offset += len(items)
        link = (body.get("links") or {}).get("next")
        total = body.get("total")
        if not items or (total is not None and offset >= int(total)):
            return
        if link:
            body = http.get(link)
        else:
            body = http.get(path, params={**(params or {}), "limit": limit, "offset": offset})
