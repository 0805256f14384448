"""The SPARC metadata index (SciCrunch's Elasticsearch) and DOI metadata, for the seed.

======================================  ===================================================
``GET|POST /elastic/v1/{index}/_search``  SciCrunch's Elasticsearch pass-through (real:
                                        ``https://api.scicrunch.io``); index
                                        ``SPARC_Algolia_pr``. GET takes ``from``, ``size``
                                        and ``q``; POST a query body (:mod:`.esquery`)
``GET /doi/{prefix}/{suffix}``          DOI content negotiation (real: ``https://doi.org``):
                                        CSL-JSON for ``Accept:
                                        application/vnd.citationstyles.csl+json``
======================================  ===================================================

One document per visible seed dataset (its latest version), ``_id`` the dataset id as
text, carrying the portal's facet fields (``item.types.name``,
``anatomy.organ.category.name`` / ``anatomy.organ.name``,
``organisms.primary.species.name``, ``item.modalities.keyword``,
``attributes.subject.sex.value``, ``attributes.subject.ageCategory.value``,
``supportingAwards.consortium.name``) and ``item.name``, ``item.description``,
``item.keywords``, ``item.curie`` (``DOI:...``), ``contributors``, ``pennsieve``
(identifier, version, dates, organization, size and file count). The facet values of the
seed datasets are in :data:`FACETS`; a dataset may carry its own as a ``facets`` dict
attribute (same keys), other datasets get only their type.

SciCrunch wants an ``apikey`` header; the emulator answers without one (sparc.client
sends none once its URL no longer names api.scicrunch.io) and refuses a wrong one (401).
"""

from __future__ import annotations

import json
import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .common import Settings, base_url
from .esquery import QueryError, search
from .seed import Dataset, Seed

__all__ = ["ScicrunchService", "FACETS", "documents", "csl_json"]

INDEX = "SPARC_Algolia_pr"
PUBLISHER = "Pennsieve Discover"
CSL_TYPES = ("application/vnd.citationstyles.csl+json", "application/citeproc+json")

_UBERON = {
    "heart": "UBERON:0000948",
    "vagus nerve": "UBERON:0001759",
    "stomach": "UBERON:0000945",
    "spinal cord": "UBERON:0002240",
    "urinary bladder": "UBERON:0001255",
}
_TAXON = {
    "Rattus norvegicus": "NCBITaxon:10116",
    "Mus musculus": "NCBITaxon:10090",
    "Felis catus": "NCBITaxon:9685",
}

#: facet values of the seed datasets: organs are (name, category) pairs
FACETS: dict[int, dict] = {
    201: {"types": ["Experimental"], "organs": [("heart", "heart"),
                                                 ("vagus nerve", "nervous system")],
          "species": ["Rattus norvegicus"], "modalities": ["electrophysiology", "physiology"],
          "sex": ["Female", "Male"], "age": ["adult"], "consortium": ["SPARC"],
          "award": "OT2OD023848", "subjects": 6},
    202: {"types": ["Experimental"], "organs": [("stomach", "stomach")],
          "species": ["Mus musculus"], "modalities": ["imaging", "ultrasound"],
          "sex": ["Male"], "age": ["adult"], "consortium": ["SPARC"],
          "award": "OT2OD025340", "subjects": 3},
    203: {"types": ["Experimental"], "organs": [("spinal cord", "spinal cord")],
          "species": ["Felis catus"], "modalities": ["anatomy", "microscopy"],
          "sex": ["Female"], "age": ["young adult"], "consortium": ["SPARC"],
          "award": "OT2OD024899", "subjects": 2},
    204: {"types": ["Experimental"], "organs": [("heart", "heart")],
          "species": ["Rattus norvegicus"], "modalities": ["electrophysiology"],
          "sex": ["Male"], "age": ["adult"], "consortium": ["SPARC"],
          "award": "OT2OD030536", "subjects": 100},
    205: {"types": ["Experimental"], "organs": [("urinary bladder", "urinary bladder")],
          "species": ["Rattus norvegicus"], "modalities": ["electrophysiology"],
          "sex": ["Female"], "age": ["adult"], "consortium": ["SPARC"],
          "award": "OT2OD023873", "subjects": 8},
    # the organ scaffolds and the segmentation (seed_scaffolds.py): scaffolds have no subjects
    207: {"types": ["Scaffold"], "organs": [("heart", "heart")],
          "species": ["Rattus norvegicus"], "modalities": ["anatomy"],
          "consortium": ["SPARC"], "award": "OT2OD030541", "subjects": 0},
    208: {"types": ["Scaffold"], "organs": [("urinary bladder", "urinary bladder")],
          "species": ["Rattus norvegicus"], "modalities": ["anatomy"],
          "consortium": ["SPARC"], "award": "OT2OD030541", "subjects": 0},
    209: {"types": ["Experimental"], "organs": [("stomach", "stomach")],
          "species": ["Rattus norvegicus"], "modalities": ["anatomy", "microscopy"],
          "sex": ["Male"], "age": ["adult"], "consortium": ["SPARC"],
          "award": "OT2OD025340", "subjects": 2},
}


def _facets_of(ds: Dataset) -> dict:
    own = getattr(ds, "facets", None)
    if isinstance(own, dict):
        return own
    if ds.id in FACETS:
        return FACETS[ds.id]
    kind = "Scaffold" if any("scaffold" in t.lower() for t in ds.tags) else "Experimental"
    return {"types": [kind], "consortium": ["SPARC"]}


def _contributor(c: dict, contact: bool) -> dict:
    first, last = c.get("firstName") or "", c.get("lastName") or ""
    out = {
        "first": {"name": first},
        "last": {"name": last},
        "name": f"{last}, {first}".strip(", "),
        "contactPerson": contact,
    }
    if c.get("middleInitial"):
        out["middle"] = {"name": c["middleInitial"]}
    if c.get("orcid"):
        out["curie"] = f"ORCID:{c['orcid']}"
    if c.get("degree"):
        out["degree"] = c["degree"]
    return out


def document(ds: Dataset) -> dict:
    """The index document of a dataset's latest version."""
    dv = ds.latest
    f = _facets_of(ds)
    ts = lambda iso: {"timestamp": iso}  # noqa: E731
    source = {
        "item": {
            "name": ds.name,
            "description": dv.description or ds.description,
            "readme": {"description": ds.readme},
            "keywords": [{"keyword": t} for t in ds.tags],
            "types": [{"name": t} for t in f.get("types", [])],
            "modalities": [{"keyword": m} for m in f.get("modalities", [])],
            "curie": f"DOI:{dv.doi}",
            "version": {"keyword": "1.2.3"},
            "published": {"status": dv.status, "boolean": not ds.embargo},
            "statistics": {"subjects": {"count": f.get("subjects", 0)}},
        },
        "pennsieve": {
            "identifier": str(ds.id),
            "version": {"identifier": str(dv.version)},
            "uri": dv.uri(),
            "firstPublishedAt": ts(ds.versions[0].published_at),
            "versionPublishedAt": ts(dv.published_at),
            "organization": {"name": ds.organization, "identifier": str(ds.organization_id)},
            "owner": {"first": {"name": ds.owner["firstName"]},
                      "last": {"name": ds.owner["lastName"]}},
            "embargo": ds.embargo,
            "size": dv.tree.total_size,
            "fileCount": dv.tree.file_count,
            "license": ds.license,
        },
        "anatomy": {"organ": [
            {"name": name, "curie": _UBERON.get(name, ""), "category": {"name": category}}
            for name, category in f.get("organs", [])
        ]},
        "organisms": {"primary": [
            {"species": {"name": s, "curie": _TAXON.get(s, "")}} for s in f.get("species", [])
        ]},
        "attributes": {"subject": {
            "sex": [{"value": v} for v in f.get("sex", [])],
            "ageCategory": [{"value": v} for v in f.get("age", [])],
        }},
        "supportingAwards": [
            {"consortium": {"name": name}, "identifier": f.get("award", "")}
            for name in f.get("consortium", [])
        ],
        "contributors": [
            _contributor(c, i == 0) for i, c in enumerate(ds.contributors)
        ],
        "dates": {"created": ts(ds.created_at), "updated": [ts(dv.published_at)]},
        "distributions": {"current": {"uri": dv.uri()}},
    }
    return {"_id": str(ds.id), "_source": source}


def documents(seed: Seed) -> list[dict]:
    """Every visible dataset's document, in id order."""
    return [document(ds) for _, ds in sorted(seed.datasets.items()) if not ds.unpublished]


def csl_json(ds: Dataset, version: int) -> dict | None:
    """DataCite's CSL-JSON for one version's DOI (None when the version does not exist)."""
    dv = ds.get_version(version)
    if dv is None:
        return None
    date = [int(p) for p in dv.published_at[:10].split("-")]
    return {
        "type": "dataset",
        "id": f"https://doi.org/{dv.doi}",
        "categories": list(ds.tags),
        "author": [
            {"family": c["lastName"], "given": c["firstName"]} for c in ds.contributors
        ],
        "issued": {"date-parts": [date]},
        "abstract": dv.description or ds.description,
        "DOI": dv.doi,
        "publisher": PUBLISHER,
        "title": ds.name,
        "URL": f"https://discover.pennsieve.io/datasets/{ds.id}/version/{dv.version}",
        "version": str(dv.version),
        "copyright": ds.license,
    }


def es_error(status: int, kind: str, reason: str) -> JSONResponse:
    """Elasticsearch's error body."""
    cause = {"type": kind, "reason": reason}
    return JSONResponse({"error": {"root_cause": [cause], **cause}, "status": status},
                        status_code=status)


class ScicrunchService:
    def __init__(self, seed: Seed, settings: Settings) -> None:
        self.seed = seed
        self.settings = settings
        self._docs: list[dict] | None = None
        # a document's size sums every file of its dataset (dataset 204: a manifest of
        # 100,000 entries), seconds of work: done on a thread of its own, so that the
        # emulator starts at once, and ready (the sizes cached) for the first request
        self._indexing = threading.Thread(target=self._index, daemon=True,
                                          name="emulator-metadata-index")
        self._indexing.start()

    def _index(self) -> None:
        self._docs = documents(self.seed)

    @property
    def docs(self) -> list[dict]:
        """The index (waits for the thread making it, the first time)."""
        if self._docs is None:
            self._indexing.join()
        if self._docs is None:  # the thread failed: make it here, with its error
            self._docs = documents(self.seed)
        return self._docs

    def _refused(self, request: Request) -> Response | None:
        key = request.headers.get("apikey")
        if key is not None and key != self.settings.api_key:
            return es_error(401, "security_exception", "invalid API key")
        return None

    async def search(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        index = request.path_params["index"]
        if index != INDEX:
            return es_error(404, "index_not_found_exception", f"no such index [{index}]")
        body: dict = {}
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return es_error(400, "json_parse_exception", "the request body is not JSON")
            if not isinstance(body, dict):
                return es_error(400, "parsing_exception", "request body must be an object")
        q = request.query_params
        try:
            for name in ("from", "size"):
                if q.get(name):
                    body[name] = int(q[name])
        except ValueError:
            return es_error(400, "number_format_exception", f"For input string: \"{q[name]}\"")
        if q.get("q"):
            body["query"] = {"query_string": {"query": q["q"]}}
        try:
            return JSONResponse(search(self.docs, body, INDEX))
        except QueryError as exc:
            return es_error(400, exc.kind, exc.reason)

    async def doi(self, request: Request) -> Response:
        doi = f"{request.path_params['prefix']}/{request.path_params['suffix']}".lower()
        accept = request.headers.get("accept", "")
        for ds in self.seed.datasets.values():
            for dv in ds.versions:
                if dv.doi.lower() != doi:
                    continue
                if not any(t in accept for t in CSL_TYPES):
                    # a browser is sent to the landing page, as doi.org does
                    return Response(status_code=302, headers={
                        "Location": f"{base_url(request)}/discover/datasets/doi/{dv.doi}"})
                return JSONResponse(csl_json(ds, dv.version),
                                    media_type="application/vnd.citationstyles.csl+json")
        return JSONResponse({"status": 404, "title": "The resource you are looking for "
                             "doesn't exist."}, status_code=404)

    def routes(self) -> list[Route]:
        return [
            Route("/elastic/v1/{index}/_search", self.search, methods=["GET", "POST"]),
            Route("/doi/{prefix}/{suffix:path}", self.doi),
        ]
