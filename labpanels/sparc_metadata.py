"""``client.metadata``: sparc.client's ``MetadataService`` (the SPARC metadata index).

Same attributes (``host_api``, ``algolia_api``, ``scicrunch_api_key``, ``profile_name``,
``default_headers``) and methods (``connect``, ``info``, ``get_profile``,
``set_profile``, ``close``, ``getURL``, ``postURL``, ``list_datasets``,
``search_datasets``) with the same results: the index's Elasticsearch JSON. Differences:

* errors raise (:class:`~labpanels.errors.ApiError` with the server's message,
  :class:`~labpanels.errors.NetworkError`) instead of returning the error body or
  failing on a non-JSON answer; a body that is not a JSON object raises
  :class:`~labpanels.errors.InvalidArgument` (sparc.client returns ``{"status": 400}``);
* ``list_datasets`` always sends ``from``/``size`` (sparc.client drops them, and the
  API key, once ``algolia_api`` no longer names api.scicrunch.io, so against any other
  host it lists the first 10 whatever ``limit`` says);
* the key goes in the ``apikey`` header of this service's requests only (sparc.client
  writes it into its class-wide ``default_headers``).

Configuration: ``scicrunch_api_key`` in the profile (as sparc.client), and, labpanels
only, ``scicrunch_host`` (or ``$SCICRUNCH_HOST``, which wins): the Elasticsearch base,
default ``https://api.scicrunch.io/elastic/v1``. Setting ``algolia_api`` works as well.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument
from .http import HttpClient
from .pennsieve.metadata import SCICRUNCH_URL, SPARC_INDEX

__all__ = ["MetadataService"]


class MetadataService:
    """``client.metadata``: list and search the SPARC datasets' metadata (SciCrunch)."""

    default_headers = {
        "Content-Type": "application/json",
        "Accept": "application/json; charset=utf-8",
    }

    def __init__(self, config: Mapping[str, Any] | None = None, connect: bool = False) -> None:
        config = config or {}
        host = (os.environ.get("SCICRUNCH_HOST") or config.get("scicrunch_host")
                or SCICRUNCH_URL).rstrip("/")
        self.host_api = host
        self.algolia_api = f"{host}/{SPARC_INDEX}/_search"
        self.scicrunch_api_key: str | None = config.get("scicrunch_api_key")
        self.profile_name: str | None = config.get("pennsieve_profile_name")
        self._http = HttpClient(self.algolia_api, headers=self.default_headers)

    def __repr__(self) -> str:
        return f"MetadataService({self.algolia_api!r})"

    # -- sparc.client's housekeeping ----------------------------------------------------
    def connect(self) -> str:
        """Nothing to open (REST calls); the host, as sparc.client returns it."""
        return self.host_api

    def info(self) -> str:
        """The Elasticsearch host."""
        return self.host_api

    def get_profile(self) -> str | None:
        """The API key in use."""
        return self.scicrunch_api_key

    def set_profile(self, api_key: str) -> str:
        """Use another API key."""
        self.scicrunch_api_key = api_key
        return self.scicrunch_api_key

    def close(self) -> None:
        """Close pooled connections (sparc.client has none to close)."""
        self._http.close()

    # -- requests ------------------------------------------------------------------------
    def _headers(self, headers: Mapping[str, str] | None) -> dict[str, str]:
        out = dict(self.default_headers if headers is None or not isinstance(headers, Mapping)
                   else headers)
        if self.scicrunch_api_key:
            out["apikey"] = self.scicrunch_api_key
        return out

    def getURL(self, url: str, headers: Mapping[str, str] | None = None) -> Any:  # noqa: N802
        """GET ``url``; the decoded JSON (Elasticsearch URL queries: ``?q=``, ``from``)."""
        return self._http.get(url, headers=self._headers(headers))

    def postURL(self, url: str, body: Mapping[str, Any] | str,  # noqa: N802
                headers: Mapping[str, str] | None = None) -> Any:
        """POST an Elasticsearch JSON query (a dict or its text) to ``url``."""
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError as exc:
                raise InvalidArgument(f"Bad JSON body - not a proper query string: {exc}") \
                    from None
        if not isinstance(body, Mapping):
            raise InvalidArgument("Bad JSON body - not a proper query string")
        return self._http.post(url, json=dict(body), headers=self._headers(headers))

    # -- search --------------------------------------------------------------------------
    def list_datasets(self, limit: int = 10, offset: int = 0) -> dict:
        """A page of the index: ``{"hits": {"total", "hits": [...]}, ...}``."""
        sep = "&" if "?" in self.algolia_api else "?"
        return self.getURL(f"{self.algolia_api}{sep}from={int(offset)}&size={int(limit)}")

    def search_datasets(self, query: str | Mapping[str, Any] = '{"query": { "match_all": {}}}'
                        ) -> dict:
        """Datasets matching an Elasticsearch query (JSON text or a dict)."""
        return self.postURL(self.algolia_api, body=query)
