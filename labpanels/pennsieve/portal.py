"""What the SPARC portal adds to discover, as methods of :class:`PennsieveSession`:
the metadata index's facets (:meth:`~PortalMethods.facet_search`), a dataset's
citation (:meth:`~PortalMethods.citation`) and file previews
(:meth:`~PortalMethods.preview`).

The services sit next to discover: the real ones are SciCrunch
(``https://api.scicrunch.io/elastic/v1``) and doi.org; for any other discover URL (the
local emulator) they are ``<host>/elastic/v1`` and ``<host>/doi`` on the same host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ApiError, InvalidArgument, LabpanelsError, NetworkError
from ..formatting import plural
from .citation import CSL_ACCEPT, apa, bibtex, csl_from_dataset
from .metadata import SCICRUNCH_URL, FacetSearch
from .preview import Preview, PreviewError, build_preview, read_start, size_text

if TYPE_CHECKING:  # pragma: no cover
    from .metadata import MetadataSearch

__all__ = ["PortalMethods", "scicrunch_for", "doi_resolver_for", "DOI_URL"]

DOI_URL = "https://doi.org"
REAL_HOST = "api.pennsieve.io"


def _origin(discover_url: str) -> str:
    parts = urlsplit(discover_url)
    return f"{parts.scheme}://{parts.netloc}"


def scicrunch_for(discover_url: str) -> str:
    """SciCrunch's Elasticsearch for the real discover API, else ``<host>/elastic/v1``."""
    if urlsplit(discover_url).hostname == REAL_HOST:
        return SCICRUNCH_URL
    return f"{_origin(discover_url)}/elastic/v1"


def doi_resolver_for(discover_url: str) -> str:
    """doi.org for the real discover API, else ``<host>/doi``."""
    if urlsplit(discover_url).hostname == REAL_HOST:
        return DOI_URL
    return f"{_origin(discover_url)}/doi"


class PortalMethods:
    """Facets, citations and previews; mixed into :class:`PennsieveSession`."""

    metadata: MetadataSearch
    doi_url: str

    # ------------------------------------------------------------------ facets
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
        """Datasets of the SPARC metadata index matching text, tags and facet values, and
        each facet's values with counts (see :class:`~.metadata.MetadataSearch`).

        ``filters``: ``{"species": ["Rattus norvegicus"], "anatomy": ["heart"]}``; the
        keys are ``labpanels.pennsieve.metadata.FACETS``' (type, anatomy, species,
        approach, sex, age, consortium).
        """
        with self.working():
            return self.metadata.facet_search(query, filters, tags=tags, order_by=order_by,
                                              limit=limit, offset=offset)

    def facets(
        self,
        query: str | None = None,
        filters: Mapping[str, Iterable[str] | str] | None = None,
        *,
        tags: Iterable[str] | None = None,
    ) -> list[dict]:
        """Only the facets' values and counts for a search (no datasets)."""
        return self.facet_search(query, filters, tags=tags, limit=0).facets

    # ------------------------------------------------------------------ citation
    def citation(self, dataset_id: int | None = None, version: int | None = None) -> dict:
        """How to cite a dataset version: ``apa`` (APA 7 text), ``bibtex``, ``doi``,
        ``csl`` (the DOI metadata) and ``source`` (``doi``: from the DOI resolver;
        ``discover``: built from the dataset's own record when the resolver could not
        answer)."""
        dataset_id, version = self._resolve(dataset_id, version)
        current = self.dataset
        if current and int(current["id"]) == dataset_id and int(current["version"]) == version:
            dto = current
        else:
            dto = self.get_dataset(dataset_id, version)
        doi = str(dto.get("doi") or "")
        csl, source = None, "doi"
        if doi:
            try:  # one try, outside working(): the fallback below is not a failure
                response = self.http.request("GET", f"{self.doi_url}/{doi}",
                                             headers={"Accept": CSL_ACCEPT}, retry=False)
                csl = response.json()
            except (ApiError, NetworkError, ValueError):
                csl = None
        if not isinstance(csl, dict) or not csl.get("title"):
            csl, source = csl_from_dataset(dto), "discover"
        return {"doi": doi, "apa": apa(csl), "bibtex": bibtex(csl), "csl": csl,
                "source": source}

    # ------------------------------------------------------------------ previews
    def preview(
        self,
        path: str | Mapping[str, Any],
        dataset_id: int | None = None,
        version: int | None = None,
        *,
        max_bytes: int = 64 * 1024,
        max_rows: int = 20,
        image_max_bytes: int = 5_000_000,
    ) -> Preview:
        """Look at one file without downloading it: a CSV/TSV's first ``max_rows`` rows
        (and a plot of its numeric columns over a time-like first column), an image's
        bytes and size, a text file's start.

        Tables and text are read from the first ``max_bytes`` only (an HTTP Range
        request); images are read whole up to ``image_max_bytes`` (larger ones raise
        :class:`~.preview.PreviewError`).
        """
        names, found_id, version = self._paths(path, version)
        if len(names) != 1:
            raise InvalidArgument("preview one file at a time")
        dataset_id, version = self._resolve(dataset_id or found_id, version)
        with self.working():
            entry = self._manifest_entry(dataset_id, version, names[0])
            try:
                return build_preview(self.http, entry, names[0], max_bytes=max_bytes,
                                     max_rows=max_rows, image_max_bytes=image_max_bytes)
            except LabpanelsError:
                raise
            except (ValueError, UnicodeError) as exc:
                raise PreviewError(f"{names[0]} cannot be read: {exc}") from None

    def file_bytes(
        self,
        path: str | Mapping[str, Any],
        dataset_id: int | None = None,
        version: int | None = None,
        *,
        max_bytes: int = 5_000_000,
    ) -> bytes:
        """The whole of one small file (a scaffold's settings, a segmentation) without
        saving it: a file larger than ``max_bytes`` raises
        :class:`~.preview.PreviewError` (before any byte of it is read when its size is
        known)."""
        names, found_id, version = self._paths(path, version)
        if len(names) != 1:
            raise InvalidArgument("read one file at a time")
        if max_bytes <= 0:
            raise InvalidArgument("max_bytes must be positive")
        dataset_id, version = self._resolve(dataset_id or found_id, version)
        name = names[0].rsplit("/", 1)[-1]
        with self.working():
            entry = self._manifest_entry(dataset_id, version, names[0])
            size = entry.get("size")
            limit = size_text(max_bytes)
            too_large = PreviewError(f"{name} is too large to open here ("
                                     + (f"{size_text(int(size))}; up to {limit}"
                                        if size is not None else f"over {limit}") + ")")
            if size is not None and int(size) > max_bytes:
                raise too_large
            data, _total, partial = read_start(self.http, str(entry["url"]), max_bytes)
            if partial:
                raise too_large
            return data

    def _manifest_entry(self, dataset_id: int, version: int, name: str) -> dict:
        """The download manifest's entry of one file (PreviewError for a folder or none)."""
        manifest = self._fetch_manifest(dataset_id, version, [name], None)
        entries = manifest.get("data") or []
        if len(entries) != 1 or "/".join(
                [*(entries[0].get("path") or []), str(entries[0].get("fileName"))]) != name:
            what = "nothing" if not entries else f"a folder of {plural(len(entries), 'file')}"
            raise PreviewError(f"{name} is {what}, not a file")
        return entries[0]
