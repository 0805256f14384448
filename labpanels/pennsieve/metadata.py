"""The SPARC metadata index (SciCrunch's Elasticsearch, index ``SPARC_Algolia_pr``).

It is what the SPARC portal's facets come from. :class:`MetadataSearch` sends raw
Elasticsearch requests (:meth:`~MetadataSearch.search`, :meth:`~MetadataSearch.list`)
and builds the portal's faceted search (:meth:`~MetadataSearch.facet_search`): values
ticked in one facet are alternatives (OR), facets combine with AND, and each facet's
counts are computed with every *other* facet's choice applied (so a count says how many
datasets the search would show with that value added). All of it is one request.

The index needs an API key (``apikey`` header); give it as ``api_key`` or in the
``SCICRUNCH_API_KEY`` environment variable. The key never appears in a repr.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument
from ..http import DEFAULT_TIMEOUT, HttpClient, Timeout

__all__ = [
    "SCICRUNCH_URL",
    "SPARC_INDEX",
    "FACETS",
    "Facet",
    "FacetSearch",
    "MetadataSearch",
    "facet_query",
    "dataset_summary",
]

SCICRUNCH_URL = "https://api.scicrunch.io/elastic/v1"
SPARC_INDEX = "SPARC_Algolia_pr"
ORDERS = ("relevance", "date", "name", "size")


@dataclass(frozen=True)
class Facet:
    """One of the portal's facets: ``key`` (ours), ``label`` and the index ``field``."""

    key: str
    label: str
    field: str

    @property
    def exact(self) -> str:
        """The field's keyword sub-field (exact values, for terms and aggregations)."""
        return f"{self.field}.aggregate"


#: the portal's facets, in its order (sparc-app-2 ``utils/algolia.ts``)
FACETS: tuple[Facet, ...] = (
    Facet("type", "Type", "item.types.name"),
    Facet("anatomy", "Anatomical structure", "anatomy.organ.category.name"),
    Facet("species", "Species", "organisms.primary.species.name"),
    Facet("approach", "Experimental approach", "item.modalities.keyword"),
    Facet("sex", "Sex", "attributes.subject.sex.value"),
    Facet("age", "Age category", "attributes.subject.ageCategory.value"),
    Facet("consortium", "Consortium", "supportingAwards.consortium.name"),
)
_BY_KEY = {f.key: f for f in FACETS}
TEXT_FIELDS = ["item.name", "item.description", "item.keywords.keyword",
               "pennsieve.organization.name"]


@dataclass
class FacetSearch:
    """One faceted search: a page of datasets and every facet's values with counts.

    ``items`` are dataset summaries shaped like discover's (id, name, description, size,
    fileCount, tags, version, doi, ...); ``facets`` a list of ``{key, label, field,
    values: [{value, count, selected}]}``; ``filters`` the choice that was applied.
    """

    items: list[dict]
    total: int
    limit: int
    offset: int
    facets: list[dict]
    filters: dict[str, list[str]]
    raw: dict = field(default_factory=dict, repr=False)

    def counts(self, key: str) -> dict[str, int]:
        """``{value: count}`` of one facet."""
        for facet in self.facets:
            if facet["key"] == key:
                return {v["value"]: v["count"] for v in facet["values"]}
        raise KeyError(key)

    @property
    def ids(self) -> list[int]:
        """The dataset ids of the page."""
        return [int(d["id"]) for d in self.items]


def _filters(filters: Mapping[str, Iterable[str] | str] | None) -> dict[str, list[str]]:
    """Facet choice checked and normalised: ``{facet key: [values]}``, empty ones dropped."""
    out: dict[str, list[str]] = {}
    for key, values in (filters or {}).items():
        if key not in _BY_KEY:
            raise InvalidArgument(
                f"unknown facet {key!r}: one of {', '.join(f.key for f in FACETS)}")
        chosen = [values] if isinstance(values, str) else [str(v) for v in values or []]
        chosen = list(dict.fromkeys(v for v in chosen if v))
        if chosen:
            out[key] = chosen
    return out


def _clause(key: str, values: list[str]) -> dict:
    return {"terms": {_BY_KEY[key].exact: list(values)}}


def facet_query(
    query: str | None = None,
    filters: Mapping[str, Iterable[str] | str] | None = None,
    *,
    tags: Iterable[str] | None = None,
    order_by: str = "relevance",
    limit: int = 10,
    offset: int = 0,
    facet_size: int = 100,
) -> dict:
    """The Elasticsearch body of a faceted search (see :class:`MetadataSearch`)."""
    chosen = _filters(filters)
    if order_by not in ORDERS:
        raise InvalidArgument(f"order_by must be one of {', '.join(ORDERS)}")
    if limit < 0 or offset < 0:
        raise InvalidArgument("limit and offset must not be negative")
    must: list[dict] = []
    text = (query or "").strip()
    if text:
        must.append({"multi_match": {"query": text, "fields": TEXT_FIELDS}})
    tag_list = [t for t in (tags or []) if t]
    if tag_list:
        must.append({"terms": {"item.keywords.keyword.aggregate": tag_list}})
    body: dict[str, Any] = {
        "from": offset,
        "size": limit,
        "query": {"bool": {"must": must}} if must else {"match_all": {}},
    }
    if chosen:
        body["post_filter"] = {"bool": {"filter": [_clause(k, v) for k, v in chosen.items()]}}
    aggs = {}
    for facet in FACETS:
        others = [_clause(k, v) for k, v in chosen.items() if k != facet.key]
        terms = {"terms": {"field": facet.exact, "size": facet_size,
                           "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        aggs[facet.key] = {"filter": {"bool": {"filter": others}} if others else
                           {"match_all": {}}, "aggs": {"values": terms}}
    body["aggs"] = aggs
    sort = {
        "date": [{"pennsieve.versionPublishedAt.timestamp": "desc"}],
        "name": [{"item.name.aggregate": "asc"}],
        "size": [{"pennsieve.size": "desc"}],
    }.get(order_by)
    if sort:
        body["sort"] = sort
    return body


def _first(values: Any, key: str) -> Any:
    return values[0].get(key) if isinstance(values, list) and values and \
        isinstance(values[0], dict) else None


def dataset_summary(hit: Mapping[str, Any]) -> dict:
    """A search hit as a dataset dict with discover's names (id, name, size, ...)."""
    src = hit.get("_source") or {}
    item, pen = src.get("item") or {}, src.get("pennsieve") or {}
    curie = str(item.get("curie") or "")
    return {
        "id": int(pen.get("identifier") or hit.get("_id")),
        "name": item.get("name") or "",
        "description": item.get("description") or "",
        "version": int((pen.get("version") or {}).get("identifier") or 0) or None,
        "size": pen.get("size"),
        "fileCount": pen.get("fileCount"),
        "tags": [k.get("keyword") for k in item.get("keywords") or [] if k.get("keyword")],
        "doi": curie[4:] if curie.upper().startswith("DOI:") else curie,
        "organizationName": (pen.get("organization") or {}).get("name"),
        "embargo": bool(pen.get("embargo")),
        "versionPublishedAt": (pen.get("versionPublishedAt") or {}).get("timestamp"),
        "types": [t.get("name") for t in item.get("types") or []],
        "species": [(o.get("species") or {}).get("name")
                    for o in (src.get("organisms") or {}).get("primary") or []],
        "organs": [o.get("name") for o in (src.get("anatomy") or {}).get("organ") or []],
        "score": hit.get("_score"),
    }


def _facets(aggregations: Mapping[str, Any], chosen: dict[str, list[str]]) -> list[dict]:
    out = []
    for facet in FACETS:
        buckets = ((aggregations.get(facet.key) or {}).get("values") or {}).get("buckets") or []
        counts = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        picked = chosen.get(facet.key, [])
        for value in picked:  # a ticked value stays listed, even at 0
            counts.setdefault(value, 0)
        values = [{"value": v, "count": n, "selected": v in picked} for v, n in counts.items()]
        out.append({"key": facet.key, "label": facet.label, "field": facet.field,
                    "values": values})
    return out


class MetadataSearch:
    """The SPARC metadata index: raw Elasticsearch requests and the portal's facets.

    ``url`` is SciCrunch's Elasticsearch base (default the real one; the emulator's is
    ``<emulator>/elastic/v1``), ``index`` the SPARC index, ``api_key`` the SciCrunch key
    (default ``$SCICRUNCH_API_KEY``).
    """

    def __init__(
        self,
        url: str = SCICRUNCH_URL,
        *,
        index: str = SPARC_INDEX,
        api_key: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = 2,
    ) -> None:
        self.http = HttpClient(url, timeout=timeout, retries=retries)
        self.index = index
        self.api_key = api_key if api_key is not None else os.environ.get("SCICRUNCH_API_KEY")

    @property
    def url(self) -> str:
        """The Elasticsearch base URL."""
        return self.http.base_url

    @url.setter
    def url(self, value: str) -> None:
        self.http.base_url = value

    @property
    def api_key(self) -> str | None:
        """The SciCrunch API key (sent as the ``apikey`` header)."""
        return self._api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self._api_key = value or None
        if self._api_key:
            self.http.session.headers["apikey"] = self._api_key
        else:
            self.http.session.headers.pop("apikey", None)

    @property
    def search_url(self) -> str:
        """``<url>/<index>/_search``."""
        return f"{self.url}/{self.index}/_search"

    def search(self, body: Mapping[str, Any] | None = None) -> dict:
        """POST an Elasticsearch query body; the response as the index sends it."""
        return self.http.post(self.search_url, json=dict(body or {"query": {"match_all": {}}}))

    def list(self, limit: int = 10, offset: int = 0, query: str | None = None) -> dict:
        """GET a page of documents (``from``/``size``; ``query`` in Lucene syntax)."""
        params: dict[str, Any] = {"from": int(offset), "size": int(limit)}
        if query:
            params["q"] = query
        return self.http.get(self.search_url, params=params)

    def facet_search(
        self,
        query: str | None = None,
        filters: Mapping[str, Iterable[str] | str] | None = None,
        *,
        tags: Iterable[str] | None = None,
        order_by: str = "relevance",
        limit: int = 10,
        offset: int = 0,
    ) -> FacetSearch:
        """Datasets matching text, tags (any) and facet values, with every facet's counts.

        ``filters``: ``{facet key: [values]}`` (keys of :data:`FACETS`: type, anatomy,
        species, approach, sex, age, consortium); values of one facet are alternatives.
        """
        chosen = _filters(filters)
        body = facet_query(query, chosen, tags=tags, order_by=order_by, limit=limit,
                           offset=offset)
        raw = self.search(body)
        hits = (raw.get("hits") or {})
        total = hits.get("total")
        total = int(total.get("value", 0)) if isinstance(total, dict) else int(total or 0)
        return FacetSearch(
            items=[dataset_summary(h) for h in hits.get("hits") or []],
            total=total,
            limit=limit,
            offset=offset,
            facets=_facets(raw.get("aggregations") or {}, chosen),
            filters=chosen,
            raw=raw,
        )

    def document(self, dataset_id: int) -> dict | None:
        """The index document (``_source``) of one dataset, or None."""
        raw = self.search({"query": {"ids": {"values": [str(int(dataset_id))]}}, "size": 1})
        hits = (raw.get("hits") or {}).get("hits") or []
        return hits[0].get("_source") if hits else None

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return f"MetadataSearch({self.url!r}, index={self.index!r}, api_key={key})"
