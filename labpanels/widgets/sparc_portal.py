"""The DatasetPicker's portal parts: facets, the dataset page (contributors, citation,
versions) and file previews. A mixin of :class:`~.sparc_picker.DatasetPicker`: its traits
are the picker's, its methods are actions of the picker's one view.

* Facets come from the SPARC metadata index (``session.facet_search``). With no value
  ticked the results grid lists discover's search and the facets show its counts; once
  a value is ticked the grid lists the index's matches (AND across facets, OR within
  one) and every facet's counts follow. If the index cannot be reached the search still
  works and ``facets_note`` says why the facets are missing.
* The dataset page: ``page`` holds description, contributors, the citation (APA text and
  BibTeX, formatted from the DOI metadata) and every version.
* Previews: ``preview_file(path)`` reads the start of a table or text, or a whole small
  image (``session.preview``); ``preview`` holds what the view draws, and an image's
  bytes travel to the view as a binary buffer (message ``type: "preview-image"``).
  A scaffold settings file or an MBF XML segmentation opens in a 3-D viewer drawn
  inside the picker (:mod:`.sparc_scaffold`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from traitlets import Dict, HasTraits, List, Unicode

from ..pennsieve.metadata import FACETS, FacetSearch
from ..pennsieve.preview import Preview
from ..zinc import scaffold_file_kind
from .common import friendly
from .sparc_scaffold import ScaffoldPreview

__all__ = ["PortalPicker", "CITATION_STYLES"]

CITATION_STYLES = [["apa", "APA"], ["bibtex", "BibTeX"]]
_FACET_KEYS = [f.key for f in FACETS]


def _people(dto: Mapping[str, Any]) -> list[dict]:
    out = []
    for c in dto.get("contributors") or []:
        name = " ".join(str(c.get(k) or "") for k in ("firstName", "middleInitial", "lastName")
                        if c.get(k)).strip()
        if name:
            out.append({"name": name, "degree": str(c.get("degree") or ""),
                        "orcid": str(c.get("orcid") or "")})
    return out


class PortalPicker(ScaffoldPreview, HasTraits):
    """Facets, dataset page and previews (scaffolds too) for the dataset picker (a mixin)."""

    facets = List().tag(sync=True)  # [{key, label, values: [{value, count, selected}]}]
    facet_filters = Dict().tag(sync=True)  # {facet key: [values]}: the ticked values
    facets_note = Unicode("").tag(sync=True)
    page = Dict().tag(sync=True)  # description, contributors, citation, versions
    citation_style = Unicode("apa").tag(sync=True)
    citation_styles = List(default_value=CITATION_STYLES).tag(sync=True)
    preview = Dict().tag(sync=True)  # Preview.to_dict() + state, error
    preview_image = None  # the last image's bytes (Python side)

    portal_actions = frozenset({"toggle_facet", "set_facets", "clear_facets",
                                "choose_citation_style", "preview_file", "close_preview",
                                "resend_preview"})
    portal_slow = frozenset({"toggle_facet", "set_facets", "clear_facets", "preview_file"})

    # -- facets ----------------------------------------------------------------------
    def _chosen(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.facet_filters.items() if v}

    def toggle_facet(self, key: str, value: str, selected: bool | None = None) -> Any:
        """Tick (or untick) one value of a facet and search again from the first page."""
        if key not in _FACET_KEYS:
            raise ValueError(f"unknown facet {key!r}: one of {', '.join(_FACET_KEYS)}")
        chosen = self._chosen()
        values = chosen.get(key, [])
        on = value not in values if selected is None else bool(selected)
        values = [v for v in values if v != value] + ([value] if on else [])
        if values:
            chosen[key] = values
        else:
            chosen.pop(key, None)
        return self.set_facets(chosen)

    def set_facets(self, filters: Mapping[str, Iterable[str] | str] | None = None) -> Any:
        """Replace the ticked facet values (``{"species": ["Rattus norvegicus"]}``) and
        search again from the first page; returns the page."""
        chosen: dict[str, list[str]] = {}
        for key, values in (filters or {}).items():
            if key not in _FACET_KEYS:
                raise ValueError(f"unknown facet {key!r}: one of {', '.join(_FACET_KEYS)}")
            values = [values] if isinstance(values, str) else list(values or [])
            if values:
                chosen[key] = [str(v) for v in dict.fromkeys(values)]
        self.facet_filters = chosen
        return self._fetch(0)

    def clear_facets(self) -> Any:
        """Untick every facet value and search again."""
        return self.set_facets({})

    def facet_counts(self, key: str) -> dict[str, int]:
        """``{value: count}`` of one facet as shown."""
        for facet in self.facets:
            if facet["key"] == key:
                return {v["value"]: v["count"] for v in facet["values"]}
        raise KeyError(key)

    def _faceted_page(self, args: Mapping[str, Any], offset: int) -> FacetSearch | None:
        """With values ticked: the index's page (the grid lists it). Without: None, after
        refreshing the counts for discover's search. Counts that cannot be had leave a
        note, never a failed search."""
        chosen = self._chosen()
        try:
            if chosen:
                found = self.session.facet_search(
                    args.get("query"), chosen, tags=args.get("tags"),
                    order_by=args.get("order_by") or "relevance", limit=self.page_size,
                    offset=offset)
            else:
                found = self.session.facet_search(args.get("query"), tags=args.get("tags"),
                                                  limit=0)
        except Exception as exc:  # noqa: BLE001 - the facets are an extra: say why they are gone
            self.facets = []
            self.facets_note = f"Facets unavailable: {friendly(exc)}"
            if chosen:
                raise
            return None
        self.facets = [dict(f, values=[dict(v) for v in f["values"]]) for f in found.facets]
        self.facets_note = ""
        return found if chosen else None

    # -- dataset page -------------------------------------------------------------------
    def _page_for(self, dto: Mapping[str, Any], versions: list[dict]) -> dict:
        rows = []
        for v in sorted(versions, key=lambda v: int(v.get("version") or 0), reverse=True):
            rows.append({
                "version": v.get("version"),
                "published": str(v.get("versionPublishedAt") or "")[:10],
                "doi": str(v.get("doi") or ""),
                "files": v.get("fileCount"),
                "size": v.get("size"),
                "current": v.get("version") == dto.get("version"),
            })
        page = {
            "description": str(dto.get("description") or ""),
            "contributors": _people(dto),
            "versions": rows,
            "citation": {},
        }
        try:
            page["citation"] = self.session.citation(int(dto["id"]), int(dto["version"]))
            page["citation"].pop("csl", None)
        except Exception as exc:  # noqa: BLE001 - the page shows why
            page["citation"] = {"error": f"No citation: {friendly(exc)}"}
        return page

    def choose_citation_style(self, style: str) -> str:
        """Show the citation as ``apa`` or ``bibtex``; returns its text."""
        if style not in [s for s, _ in CITATION_STYLES]:
            raise ValueError("style must be apa or bibtex")
        self.citation_style = style
        return self.citation_text()

    def citation_text(self, style: str | None = None) -> str:
        """The open dataset's citation in ``style`` (default: the one shown)."""
        citation = (self.page or {}).get("citation") or {}
        return str(citation.get(style or self.citation_style) or "")

    # -- previews -----------------------------------------------------------------------
    def preview_file(self, path: str, max_rows: int = 20) -> Preview | None:
        """Look at a file of the open dataset before downloading it (table, plot, image,
        text); the ``preview`` trait shows it. Returns the preview (None if it failed:
        ``preview["error"]`` says why).

        A scaffold settings file (``*settings.json``) or an MBF XML segmentation opens in
        the picker's 3-D viewer instead (:meth:`preview_scaffold`): None is returned at
        once and ``viewer`` shows the model when it is built (:meth:`join` waits)."""
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        path = str(path).strip("/")
        if scaffold_file_kind(path):
            self.preview_scaffold(path)
            return None
        self._drop_scaffold()
        return self._read_preview(path, max_rows)

    def _read_preview(self, path: str, max_rows: int = 20) -> Preview | None:
        name = path.rsplit("/", 1)[-1]
        self.preview = {"path": path, "name": name, "state": "loading",
                        "summary": f"Reading the start of {name}…"}
        try:
            result = self.session.preview(path, max_rows=max_rows)
        except Exception as exc:  # noqa: BLE001 - shown in the preview box
            if not self.stopping.is_set():
                self.preview = {"path": path, "name": name, "state": "error",
                                "error": friendly(exc)}
            return None
        if self.stopping.is_set():
            return result
        self.preview_image = result.data if result.kind == "image" else None
        self.preview = {**result.to_dict(), "state": "ready"}
        self.resend_preview()
        return result

    def resend_preview(self) -> None:
        """Send the previewed image's bytes to the view again (a view drawn anew asks)."""
        if self.preview_image and self.preview.get("state") == "ready" \
                and not self.stopping.is_set():
            self.send({"type": "preview-image", "path": self.preview.get("path"),
                       "mime": self.preview.get("mime")}, [self.preview_image])

    def close_preview(self) -> None:
        """Hide the preview (a scaffold's model is released, one being built dropped)."""
        self._drop_scaffold()
        self.preview = {}
        self.preview_image = None
