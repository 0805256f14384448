"""``PennsieveSession``: the public Pennsieve discover API and zipit, as traits and methods.

Nothing here needs an account: discover's public endpoints are open. The session
defaults to the real service (``https://api.pennsieve.io/discover`` and
``https://api.pennsieve.io/zipit/discover``); give it another discover URL (for instance
the local emulator's ``.pennsieve_url``) and zipit follows, at ``<host>/zipit/discover``.

Panels observe the traits; everything a panel does is also a plain method::

    s = PennsieveSession()
    page = s.search_datasets("vagus", order_by="date")       # one page: .items, .total
    s.select_dataset(page[0]["id"])
    s.browse(path="files/primary")                            # one folder page
    s.download(["files/primary/sub-01"], "data/", on_progress=print)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from traitlets import Dict, List

from ..errors import ApiError, InvalidArgument, LabpanelsError, PermissionDenied
from ..http import DEFAULT_TIMEOUT, HttpClient, Timeout
from ..state import SessionState
from .download import (
    CHUNK_SIZE,
    DownloadError,
    Tracker,
    download_url,
    safe_path,
    zipit_download,
)
from .metadata import MetadataSearch
from .portal import PortalMethods, doi_resolver_for, scicrunch_for

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import requests

__all__ = [
    "PennsieveSession",
    "Page",
    "DatasetUnavailable",
    "DISCOVER_URL",
    "ZIPIT_URL",
    "path_from_uri",
]

DISCOVER_URL = "https://api.pennsieve.io/discover"
ZIPIT_URL = "https://api.pennsieve.io/zipit/discover"

PathLike = str | Path
Selection = str | Mapping[str, Any] | Iterable[str | Mapping[str, Any]]


class DatasetUnavailable(ApiError):
    """410: the dataset (version) was unpublished; ``body`` is the tombstone."""


@dataclass
class Page:
    """One page of a ``limit``/``offset`` collection: ``items`` and the server's ``total``."""

    items: list[dict]
    total: int
    limit: int
    offset: int
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        after = self.offset + len(self.items)
        return after if self.items and after < self.total else None

    @property
    def has_next(self) -> bool:
        return self.next_offset is not None

    def __iter__(self) -> Iterator[dict]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return self.items[index]

    def to_frame(self, columns: list[str] | None = None) -> pandas.DataFrame:
        """The items as a pandas DataFrame (``columns`` picks and orders them)."""
        import pandas as pd

        frame = pd.DataFrame(self.items)
        if columns is not None:
            frame = frame.reindex(columns=columns)
        return frame


def path_from_uri(uri: str, dataset_id: int, version: int | None = None) -> str:
    """The dataset-relative path of an ``s3://bucket/{id}/[{version}/]path`` URI.

    Handles both layouts (publishing 5.0 ``{id}/files/...`` and v4 ``{id}/{version}/...``),
    unlike sparc.client, which keeps whatever follows the first ``files``.
    """
    parts = urlsplit(uri)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "s3":  # a plain path was given
        segments = [s for s in uri.split("/") if s]
    if segments and segments[0] == str(dataset_id):
        segments = segments[1:]
        if version is not None and segments and segments[0] == str(version):
            segments = segments[1:]
    if not segments:
        raise InvalidArgument(f"no file path in {uri!r}")
    return "/".join(segments)


def _zipit_for(discover_url: str) -> str:
    base = discover_url.rstrip("/")
    if base.endswith("/discover"):
        base = base[: -len("/discover")]
    else:
        parts = urlsplit(base)
        base = f"{parts.scheme}://{parts.netloc}"
    return f"{base}/zipit/discover"


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the unset ones; booleans spelled as the API wants them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == [] or value == "":
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out


class PennsieveSession(PortalMethods, SessionState):
    """Search, browse and download public Pennsieve (SPARC) datasets.

    Traits (for panels): ``busy`` while a call runs, ``last_error`` (the message of the
    last failure, cleared by the next call), ``dataset`` (the selected dataset version),
    ``selected_files`` (dataset-relative paths) and ``download_progress``
    (``bytes_done, bytes_total, files_done, files_total, current``).

    ``url`` is the discover API (default: the real one); ``zipit_url`` defaults to
    ``<host>/zipit/discover`` next to it. ``timeout`` (connect, read) applies to every
    request and to every read of a download; ``chunk_size`` is how much a download reads
    and writes at a time.

    The SPARC portal's extras (:mod:`.portal`): ``scicrunch_url`` and ``scicrunch_key``
    for the metadata index and its facets (``session.metadata``; the key defaults to
    ``$SCICRUNCH_API_KEY``), ``doi_url`` for citations; both default to the real
    services for the real discover API and to the same host otherwise.
    """

    dataset = Dict(allow_none=True, default_value=None, help="the selected dataset (DTO)")
    selected_files = List(help="dataset-relative paths chosen for download")
    download_progress = Dict(help="bytes_done, bytes_total, files_done, files_total, current")

    def __init__(
        self,
        url: str = DISCOVER_URL,
        *,
        zipit_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = 2,
        chunk_size: int = CHUNK_SIZE,
        scicrunch_url: str | None = None,
        scicrunch_key: str | None = None,
        doi_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.http = HttpClient(url, timeout=timeout, retries=retries)
        self.metadata = MetadataSearch(scicrunch_url or scicrunch_for(url), api_key=scicrunch_key,
                                       timeout=timeout, retries=retries)
        self.doi_url = (doi_url or doi_resolver_for(url)).rstrip("/")
        self.chunk_size = chunk_size
        self.zipit_url = zipit_url or _zipit_for(url)
        self._latest: dict[int, dict] = {}
        self._cancel = threading.Event()

    # ------------------------------------------------------------------ plumbing
    @property
    def url(self) -> str:
        """The discover API base URL."""
        return self.http.base_url

    @property
    def zipit_url(self) -> str:
        """The zipit endpoint (``.../zipit/discover``)."""
        return self._zipit_url

    @zipit_url.setter
    def zipit_url(self, value: str) -> None:
        value = value.rstrip("/")
        self._zipit_url = value if value.endswith("/discover") else f"{value}/discover"


    def _get(self, route: str, **params: Any) -> Any:
        with self.working():
            return self.http.get(route, params=_params(**params) or None)

    def _page(self, route: str, key: str, params: dict[str, Any]) -> Page:
        body = self._get(route, **params)
        items = body.get(key) or []
        return Page(
            items=items,
            total=int(body.get("totalCount", len(items))),
            limit=int(body.get("limit", params.get("limit") or 0)),
            offset=int(body.get("offset", params.get("offset") or 0)),
            raw=body,
        )

    def _iter(
        self, path: str, key: str, params: dict[str, Any], page_size: int, max_items: int | None
    ) -> Iterator[dict]:
        offset, given = int(params.pop("offset", 0) or 0), 0
        while True:
            page = self._page(path, key, {**params, "limit": page_size, "offset": offset})
            for item in page.items:
                if max_items is not None and given >= max_items:
                    return
                given += 1
                yield item
            if page.next_offset is None:
                return
            offset = page.next_offset

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()
        self.metadata.close()

    def __enter__(self) -> PennsieveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PennsieveSession({self.url!r})"

    # ------------------------------------------------------------------ datasets
    def search_datasets(
        self,
        query: str | None = None,
        *,
        tags: list[str] | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        embargo: bool | None = None,
        order_by: str | None = None,
        order_direction: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> Page:
        """One page of datasets matching text, tags (any of), organization and embargo.

        ``order_by`` is one of name, date, size, relevance; ``order_direction`` asc or desc.
        """
        return self._page(
            "search/datasets",
            "datasets",
            self._dataset_filters(
                query, tags, organization, organization_id, embargo, order_by, order_direction
            )
            | {"limit": limit, "offset": offset},
        )

    def iter_datasets(
        self,
        query: str | None = None,
        *,
        tags: list[str] | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        embargo: bool | None = None,
        order_by: str | None = None,
        order_direction: str | None = None,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> Iterator[dict]:
        """Every matching dataset, fetching pages lazily as the caller iterates."""
        params = self._dataset_filters(
            query, tags, organization, organization_id, embargo, order_by, order_direction
        )
        return self._iter("search/datasets", "datasets", params, page_size, max_items)

    def all_datasets(self, query: str | None = None, **filters: Any) -> list[dict]:
        """Every matching dataset as a list (see :meth:`iter_datasets` for the filters)."""
        return list(self.iter_datasets(query, **filters))

    def datasets_frame(self, query: str | None = None, **filters: Any) -> pandas.DataFrame:
        """Every matching dataset as a DataFrame with the columns a table shows first."""
        import pandas as pd

        rows = [
            {
                "id": d.get("id"),
                "name": d.get("name"),
                "version": d.get("version"),
                "organization": d.get("organizationName"),
                "files": d.get("fileCount"),
                "size": d.get("size"),
                "tags": ", ".join(d.get("tags") or []),
                "embargo": d.get("embargo"),
                "published": d.get("versionPublishedAt"),
                "doi": d.get("doi"),
            }
            for d in self.iter_datasets(query, **filters)
        ]
        return pd.DataFrame(rows)

    @staticmethod
    def _dataset_filters(
        query, tags, organization, organization_id, embargo, order_by, order_direction
    ) -> dict[str, Any]:
        if isinstance(tags, str):
            tags = [tags]
        return _params(
            query=query,
            tags=list(tags) if tags else None,
            organization=organization,
            organizationId=organization_id,
            embargo=embargo,
            orderBy=order_by,
            orderDirection=order_direction,
        )

    def get_dataset(self, dataset_id: int, version: int | None = None) -> dict:
        """A dataset's details: the latest version, or ``version``."""
        path = f"datasets/{int(dataset_id)}"
        if version is not None:
            path += f"/versions/{int(version)}"
        with self.working():
            try:
                dto = self.http.get(path)
            except ApiError as exc:
                raise self._unavailable(exc, dataset_id) from None
        if version is None:
            self._latest[int(dataset_id)] = dto
        return dto

    def versions(self, dataset_id: int) -> list[dict]:
        """Every published version of a dataset (oldest first)."""
        with self.working():
            try:
                return list(self.http.get(f"datasets/{int(dataset_id)}/versions"))
            except ApiError as exc:
                raise self._unavailable(exc, dataset_id) from None

    @staticmethod
    def _unavailable(exc: ApiError, dataset_id: int) -> ApiError:
        if exc.status != 410:
            return exc
        body = exc.body if isinstance(exc.body, dict) else {}
        status = body.get("status", "unpublished")
        return DatasetUnavailable(
            410,
            exc.method,
            exc.url,
            f"dataset {dataset_id} is no longer published ({status})",
            exc.body,
        )

    def select_dataset(self, dataset: int | Mapping[str, Any], version: int | None = None) -> dict:
        """Make a dataset (id or DTO) the current one; clears the file selection."""
        dataset_id = int(dataset["id"]) if isinstance(dataset, Mapping) else int(dataset)
        if version is None and isinstance(dataset, Mapping) and "version" in dataset:
            version = dataset["version"]
        dto = self.get_dataset(dataset_id, version)
        self.selected_files = []
        self.dataset = dto
        return dto

    def _resolve(self, dataset_id: int | None, version: int | None) -> tuple[int, int]:
        current = self.dataset
        if dataset_id is None:
            if not current:
                raise LabpanelsError(
                    "no dataset selected: pass dataset_id or call select_dataset() first"
                )
            dataset_id = int(current["id"])
        dataset_id = int(dataset_id)
        if version is None:
            if current and int(current["id"]) == dataset_id:
                version = int(current["version"])
            else:
                dto = self._latest.get(dataset_id) or self.get_dataset(dataset_id)
                version = int(dto["version"])
        return dataset_id, int(version)

    def root_folder(self, dataset_id: int | None = None, version: int | None = None) -> str:
        """Where the data lives: ``files`` (schema 4.0 and later) or ``packages`` (older)."""
        dataset_id, version = self._resolve(dataset_id, version)
        current = self.dataset
        if current and int(current["id"]) == dataset_id and int(current["version"]) == version:
            dto = current
        else:
            dto = self.get_dataset(dataset_id, version)
        try:
            schema = float(dto.get("pennsieveSchemaVersion") or "4.0")
        except ValueError:
            schema = 4.0
        return "files" if schema >= 4.0 else "packages"

    def tags(self) -> list[dict]:
        """Every tag with its number of datasets (``[{"tag", "count"}]``)."""
        return list(self._get("tags"))

    # ------------------------------------------------------------------ files
    def browse(
        self,
        dataset_id: int | None = None,
        path: str = "",
        version: int | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> Page:
        """One page of a folder (directories first); ``path`` is dataset-relative."""
        dataset_id, version = self._resolve(dataset_id, version)
        return self._page(
            f"datasets/{dataset_id}/versions/{version}/files/browse",
            "files",
            {"path": path.strip("/") or None, "limit": limit, "offset": offset},
        )

    def iter_folder(
        self,
        dataset_id: int | None = None,
        path: str = "",
        version: int | None = None,
        *,
        page_size: int = 100,
    ) -> Iterator[dict]:
        """Every entry of one folder, one page per request, fetched as the caller iterates."""
        dataset_id, version = self._resolve(dataset_id, version)
        return self._iter(
            f"datasets/{dataset_id}/versions/{version}/files/browse",
            "files",
            {"path": path.strip("/") or None},
            page_size,
            None,
        )

    def file_info(self, dataset_id: int | None, path: str, version: int | None = None) -> dict:
        """Metadata of one file (no download URL); ``path`` as browse returns it or a URI."""
        dataset_id, version = self._resolve(dataset_id, version)
        return self._get(f"datasets/{dataset_id}/versions/{version}/files", path=path)

    def search_files(
        self,
        query: str | None = None,
        *,
        file_type: str | None = None,
        dataset_id: int | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> Page:
        """One page of files whose name matches ``query`` (``file_type`` e.g. ``csv``)."""
        return self._page(
            "search/files",
            "files",
            _params(
                query=query,
                fileType=file_type,
                datasetId=dataset_id,
                organization=organization,
                organizationId=organization_id,
            )
            | {"limit": limit, "offset": offset},
        )

    def iter_files(
        self,
        query: str | None = None,
        *,
        file_type: str | None = None,
        dataset_id: int | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        page_size: int = 100,
        max_items: int | None = None,
    ) -> Iterator[dict]:
        """Every matching file, page by page as the caller iterates."""
        params = _params(
            query=query,
            fileType=file_type,
            datasetId=dataset_id,
            organization=organization,
            organizationId=organization_id,
        )
        return self._iter("search/files", "files", params, page_size, max_items)

    def search_records(
        self,
        model: str | None = None,
        *,
        dataset_id: int | None = None,
        organization: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> Page:
        """One page of metadata records (``model`` e.g. ``subject``, ``researcher``)."""
        return self._page(
            "search/records",
            "records",
            _params(model=model, datasetId=dataset_id, organization=organization)
            | {"limit": limit, "offset": offset},
        )

    def iter_records(
        self,
        model: str | None = None,
        *,
        dataset_id: int | None = None,
        organization: str | None = None,
        page_size: int = 100,
        max_items: int | None = None,
    ) -> Iterator[dict]:
        """Every matching record, page by page as the caller iterates."""
        params = _params(model=model, datasetId=dataset_id, organization=organization)
        return self._iter("search/records", "records", params, page_size, max_items)

    def records_frame(self, model: str | None = None, **filters: Any) -> pandas.DataFrame:
        """Matching records as a DataFrame: dataset, version, model, then the properties."""
        import pandas as pd

        rows = [
            {
                "datasetId": r.get("datasetId"),
                "version": r.get("version"),
                "model": r.get("model"),
                **(r.get("properties") or {}),
            }
            for r in self.iter_records(model, **filters)
        ]
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ selection
    def select_files(self, files: Selection, *, add: bool = False) -> list[str]:
        """Set (or ``add`` to) ``selected_files``; accepts paths, browse entries, search hits."""
        paths = self._paths(files, None)[0]
        chosen = [*self.selected_files, *paths] if add else paths
        self.selected_files = list(dict.fromkeys(chosen))
        return list(self.selected_files)

    def clear_selection(self) -> None:
        """Empty ``selected_files``."""
        self.selected_files = []

    def _paths(
        self, files: Selection | None, version: int | None
    ) -> tuple[list[str], int | None, int | None]:
        """(dataset-relative paths, dataset id, version) named by a selection."""
        if files is None:
            files = list(self.selected_files)
        if isinstance(files, str | Mapping):
            files = [files]
        paths: list[str] = []
        dataset_id: int | None = None
        for item in files:
            if isinstance(item, Mapping):
                item_id = item.get("datasetId")
                item_version = item.get("datasetVersion", item.get("version"))
                if item_id is not None:
                    if dataset_id is not None and int(item_id) != dataset_id:
                        raise InvalidArgument("the files come from more than one dataset")
                    dataset_id = int(item_id)
                if item_version is not None:
                    version = int(item_version)
                if item.get("path"):
                    paths.append(str(item["path"]).strip("/"))
                elif item.get("uri") and item_id is not None:
                    paths.append(path_from_uri(str(item["uri"]), int(item_id), version))
                else:
                    raise InvalidArgument(f"cannot tell which file {dict(item)!r} names")
            else:
                paths.append(str(item).strip("/"))
        if not paths or any(not p for p in paths):
            raise InvalidArgument("nothing to download: give file or folder paths")
        return paths, dataset_id, version

    # ------------------------------------------------------------------ downloads
    def cancel(self) -> None:
        """Ask a running download to stop after its current chunk (it raises
        :class:`~labpanels.pennsieve.download.DownloadCancelled`, leaving no partial file)."""
        self._cancel.set()

    def manifest(
        self,
        paths: Selection,
        dataset_id: int | None = None,
        version: int | None = None,
        *,
        root_path: str | None = None,
    ) -> dict:
        """The download manifest of files and folders: ``{header:{count,size}, data:[...]}``."""
        names, found_id, version = self._paths(paths, version)
        dataset_id, version = self._resolve(dataset_id or found_id, version)
        with self.working():
            return self._fetch_manifest(dataset_id, version, names, root_path)

    def _fetch_manifest(
        self, dataset_id: int, version: int, paths: list[str], root_path: str | None
    ) -> dict:
        body: dict[str, Any] = {"paths": paths}
        if root_path is not None:
            body["rootPath"] = root_path.strip("/")
        return self.http.post(
            f"datasets/{dataset_id}/versions/{version}/files/download-manifest", json=body
        )

    def _manifest_entries(
        self, dataset_id: int, version: int, paths: list[str], root_path: str | None
    ) -> list[dict]:
        """The manifest's files for ``paths``. A selection the server refuses as too large
        is asked for in parts: halves of a list, a folder's contents, down to one file."""
        try:
            return self._fetch_manifest(dataset_id, version, paths, root_path).get("data") or []
        except PermissionDenied as exc:
            if "too large" not in exc.message.lower():
                raise
            if len(paths) > 1:
                middle = len(paths) // 2
                entries = (self._manifest_entries(dataset_id, version, paths[:middle], root_path)
                           + self._manifest_entries(dataset_id, version, paths[middle:], root_path))
                unique = {(tuple(e.get("path") or ()), e.get("fileName")): e for e in entries}
                return list(unique.values())
            try:
                inside = [str(e["path"]) for e in self.iter_folder(dataset_id, paths[0], version)
                          if e.get("path")]
            except ApiError:
                inside = []  # not a folder
            if not inside:  # one file (or an empty folder) over the limit: nothing to split
                raise exc from None
            return self._manifest_entries(dataset_id, version, inside, root_path)

    def _progress_callback(self, on_progress: Callable[[dict], Any] | None):
        def report(info: dict) -> None:
            self.download_progress = info
            if on_progress is not None:
                on_progress(info)

        return report

    def download(
        self,
        files: Selection | None = None,
        dest: PathLike = ".",
        *,
        dataset_id: int | None = None,
        version: int | None = None,
        root_path: str | None = None,
        on_progress: Callable[[dict], Any] | None = None,
        overwrite: bool = True,
        keep_partial: bool = False,
    ) -> list[Path]:
        """Download files and whole folders into ``dest``, keeping the dataset's layout.

        ``files``: dataset-relative paths (``files/primary/sub-01``), browse entries or
        search hits; default ``selected_files``. ``root_path`` is cut from the saved paths.
        Each file is streamed in constant memory, checked (size, SHA-256 when published)
        and renamed into place; ``on_progress(dict)`` gets the same dict as the
        ``download_progress`` trait. Every server-given name is checked before anything is
        written. ``keep_partial=True`` leaves a broken file's ``.part`` for the next call
        to resume; ``overwrite=False`` skips files already there.
        """
        return self._download(
            files, dest, dataset_id, version, root_path, on_progress, overwrite, keep_partial
        )

    def _download(
        self,
        files: Selection | None,
        dest: PathLike,
        dataset_id: int | None,
        version: int | None,
        root_path: str | None,
        on_progress: Callable[[dict], Any] | None,
        overwrite: bool,
        keep_partial: bool,
        single: bool = False,
    ) -> list[Path]:
        names, found_id, version = self._paths(files, version)
        dataset_id, version = self._resolve(dataset_id or found_id, version)
        dest = Path(dest)
        self._cancel.clear()
        with self.working():
            entries = self._manifest_entries(dataset_id, version, names, root_path)
            if not entries:
                raise DownloadError(f"nothing to download at {', '.join(names)}")
            if single and len(entries) != 1:
                raise DownloadError(f"{names[0]} is a folder of {len(entries)} files, not a file")
            # every name is checked before the first byte is written
            targets = [
                safe_path(dest, *[str(p) for p in (e.get("path") or [])], str(e["fileName"]))
                for e in entries
            ]
            if len(set(targets)) != len(targets):
                raise DownloadError("two files of the selection would be saved under one name")
            total = sum(int(e.get("size") or 0) for e in entries)
            tracker = Tracker(
                len(entries), total, self._progress_callback(on_progress), self._cancel
            )
            tracker.report()
            saved: list[Path] = []
            for entry, target in zip(entries, targets, strict=True):
                if not overwrite and target.exists():
                    tracker.start_file(target.name)
                    tracker.finish_file(int(entry.get("size") or target.stat().st_size))
                    saved.append(target)
                    continue
                saved.append(
                    download_url(
                        self.http,
                        entry["url"],
                        target,
                        size=entry.get("size"),
                        sha256=entry.get("sha256"),
                        tracker=tracker,
                        keep_partial=keep_partial,
                        chunk_size=self.chunk_size,
                    )
                )
            return saved

    def download_file(
        self,
        path: str | Mapping[str, Any],
        dest: PathLike = ".",
        *,
        dataset_id: int | None = None,
        version: int | None = None,
        on_progress: Callable[[dict], Any] | None = None,
        keep_partial: bool = False,
    ) -> Path:
        """Download one file into the folder ``dest`` under its own name."""
        names, found_id, version = self._paths(path, version)
        folder = names[0].rsplit("/", 1)[0] if "/" in names[0] else None
        (saved,) = self._download(
            path,
            dest,
            dataset_id or found_id,
            version,
            folder,
            on_progress,
            True,
            keep_partial,
            single=True,
        )
        return saved

    def download_zip(
        self,
        files: Selection | None = None,
        dest: PathLike = ".",
        *,
        dataset_id: int | None = None,
        version: int | None = None,
        name: str | None = None,
        archive_name: str | None = None,
        on_progress: Callable[[dict], Any] | None = None,
        verify: bool = True,
    ) -> Path:
        """Several files and folders as one zip from zipit, saved in the folder ``dest``.

        The file is named ``name``, else as zipit names it (``<archive_name>.zip``,
        ``<folder>.zip``, ``pennsieve-data.zip``). When the selection is one single file
        zipit sends that file itself, not a zip. zipit's in-band errors (HTTP 200 with an
        ``!ERROR.txt``) raise :class:`~labpanels.pennsieve.download.ZipitError`.
        """
        path, _ = self._zipit(
            files,
            dest,
            dataset_id=dataset_id,
            version=version,
            name=name,
            archive_name=archive_name,
            on_progress=on_progress,
            verify=verify,
        )
        return path

    def _zipit(
        self,
        files: Selection | None,
        dest: PathLike,
        *,
        dataset_id: int | None = None,
        version: int | None = None,
        name: str | None = None,
        archive_name: str | None = None,
        on_progress: Callable[[dict], Any] | None = None,
        verify: bool = True,
    ) -> tuple[Path, requests.Response]:
        names, found_id, version = self._paths(files, version)
        dataset_id, version = self._resolve(dataset_id or found_id, version)
        data: dict[str, Any] = {"datasetId": dataset_id, "version": version, "paths": names}
        if archive_name and len(names) > 1:
            data["archiveName"] = archive_name
        self._cancel.clear()
        with self.working():
            tracker = Tracker(1, None, self._progress_callback(on_progress), self._cancel)
            return zipit_download(
                self.http,
                self.zipit_url,
                data,
                dest,
                name=name,
                tracker=tracker,
                verify=verify,
                chunk_size=self.chunk_size,
            )
