"""DatasetPicker: search SPARC (Pennsieve discover) datasets, browse one, download files.

One anywidget (``js/sparc_picker.js`` with the file tree of ``js/filetree.js``): Python
keeps the state and the logic; the view draws the traits and sends action messages
naming public methods (``search``, ``open_dataset``, ``open_folder``, ``select``,
``start_download``, ``cancel`` …), so every click is a call a notebook can make too.
Folders are read one page at a time as the user scrolls, so a dataset of 100,000 files
opens at once; folder rows travel as column names + lists in ``rows`` messages that the
view keeps per model. Downloads run in a thread and report progress in traits
(``download_percent``, ``download_progress``, ``download_state``).

Closing the picker releases everything it made: its observers of the session and its
threads (a running download is cancelled).
"""

from __future__ import annotations

import posixpath
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Float, HasTraits, Int, List, Unicode

from ..formatting import number, plural
from ..formatting import size as _size
from ..pennsieve.download import DownloadCancelled
from ..pennsieve.session import Page, PennsieveSession
from .assets import asset
from .base import Panel
from .sparc_portal import PortalPicker

__all__ = ["DatasetPicker", "FileTree", "dataset_row", "file_row",
           "DATASET_COLUMNS", "FILE_KEYS"]

Loader = Callable[[str, int, int], Page]

#: the columns of the search results grid (drawn by js/lib/grid.js)
DATASET_COLUMNS = [
    {"key": "name", "label": "Title", "width": "minmax(180px, 4fr)"},
    {"key": "size", "label": "Size", "kind": "bytes", "width": "minmax(70px, 1fr)"},
    {"key": "files", "label": "Files", "kind": "number", "width": "minmax(64px, 1fr)"},
    {"key": "tags", "label": "Tags", "width": "minmax(120px, 2fr)"},
    {"key": "id", "label": "Id", "kind": "number", "width": "minmax(48px, 0.6fr)"},
]
DATASET_KEYS = ["id", "name", "size", "files", "tags", "version"]
#: the fields of a folder row as they travel (each row a list in this order)
FILE_KEYS = ["path", "name", "dir", "size", "type"]
ORDERS = [["relevance", "relevance"], ["date", "newest"], ["name", "name"], ["size", "size"]]


def file_row(entry: Mapping[str, Any]) -> dict:
    """A tree row for a browse entry: path, name, dir, size, type."""
    is_dir = entry.get("type") == "Directory"
    path = str(entry.get("path") or entry.get("name") or "").strip("/")
    return {
        "path": path,
        "name": str(entry.get("name") or path.rsplit("/", 1)[-1]),
        "dir": is_dir,
        "size": entry.get("size"),
        "type": "" if is_dir else str(entry.get("fileType") or ""),
    }


def dataset_row(dataset: Mapping[str, Any]) -> dict:
    """A results-table row for a dataset: id, title, size, file count, tags, version."""
    return {
        "id": dataset.get("id"),
        "name": dataset.get("name") or "",
        "size": dataset.get("size"),
        "files": dataset.get("fileCount"),
        "tags": ", ".join(str(t) for t in dataset.get("tags") or []),
        "version": dataset.get("version"),
    }


def _bytes(value: float | None) -> str:
    return "?" if value is None else _size(value)


def _files(value: Any) -> str:
    return plural(value, "file") if isinstance(value, int) else "? files"


class FileTree(HasTraits):
    """One folder of a dataset at a time (the picker's ``tree``): rows, filters, selection.

    ``loader(path, offset, limit) -> Page`` reads one page of a folder; pages beyond the
    first are read when the view scrolls near the end (or by :meth:`more`). ``rows`` holds
    the loaded rows of the current folder; ``selected`` the chosen paths (any folder).
    ``send(message)`` gets the folder's rows (``type: "rows"``, as column names + lists).
    """

    path = Unicode("")
    root_label = Unicode("dataset")
    total = Int(0)
    loading = Bool(False)
    file_type = Unicode("")
    file_types = List(Unicode())
    name_filter = Unicode("")
    selected = List(Unicode())
    summary = Unicode("")
    empty_text = Unicode("Open a dataset to see its files")

    def __init__(self, loader: Loader | None = None, page_size: int = 200,
                 send: Callable[[dict], Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loader = loader
        self.page_size = page_size
        self.send = send or (lambda message: None)
        self.rows: list[dict] = []
        self.info: dict[str, dict] = {}  # what is known of each selected path
        self._lock = threading.RLock()
        self.observe(self._selection_changed, names=["selected"])
        self._summarize()

    # -- reading folders -------------------------------------------------------------
    def open_folder(self, path: str = "") -> list[dict]:
        """Show the folder ``path`` (dataset-relative): its first page is read."""
        if self.loader is None:
            raise RuntimeError("this tree has no loader")
        path = path.strip("/")
        with self._lock:
            self.loading = True
            try:
                page = self.loader(path, 0, self.page_size)
            finally:
                self.loading = False
            self.rows = [file_row(e) for e in page.items]
            self.total = page.total
            self.path = path
            self._learn_types(self.rows, reset=True)
            self.send_rows()
            self._summarize()
            return list(self.rows)

    def more(self, loaded: int | None = None) -> list[dict]:
        """Read the next page of the current folder; return its rows ([] at the end).
        ``loaded``: how many rows the asking view holds; a view that is behind gets
        every row again (no request)."""
        with self._lock:
            if loaded is not None and int(loaded) < len(self.rows):
                self.send_rows()
                return []
            if self.loader is None or len(self.rows) >= self.total or self.loading:
                return []
            offset = len(self.rows)
            self.loading = True
            try:
                page = self.loader(self.path, offset, self.page_size)
            finally:
                self.loading = False
            new = [file_row(e) for e in page.items]
            self.rows.extend(new)
            self.total = page.total if new else len(self.rows)
            self._learn_types(new, reset=False)
            self.send({"type": "rows", "path": self.path, "offset": offset, "reset": False,
                       "keys": FILE_KEYS, "rows": _lists(new)})
            return new

    def clear(self, label: str = "Open a dataset to see its files") -> None:
        """Show nothing (no dataset)."""
        with self._lock:
            self.rows, self.total, self.path = [], 0, ""
            self.file_types, self.file_type, self.name_filter = [], "", ""
            self.selected = []
            self.empty_text = label
            self.send_rows()

    def visible(self) -> list[dict]:
        """The loaded rows that pass the type and name filters (folders always pass the
        type filter, so one can still open them): the view's rule too."""
        kind = self.file_type.lower()
        name = self.name_filter.strip().lower()
        return [
            r
            for r in self.rows
            if (not name or name in r["name"].lower())
            and (not kind or r["dir"] or r["type"].lower() == kind)
        ]

    # -- selection -----------------------------------------------------------------
    def select(self, paths: Iterable[str | Mapping[str, Any]], add: bool = False) -> list[str]:
        """Choose paths (or rows); ``add`` keeps the current selection."""
        chosen: list[str] = list(self.selected) if add else []
        for item in paths:
            if isinstance(item, Mapping):
                row = file_row(item) if "type" in item and "dir" not in item else dict(item)
                self.info[row["path"]] = row
                chosen.append(row["path"])
            else:
                chosen.append(str(item).strip("/"))
        self.selected = list(dict.fromkeys(p for p in chosen if p))
        return list(self.selected)

    def selected_rows(self) -> list[dict]:
        """The selected paths with what is known of them (a bare path when never listed)."""
        return [
            dict(self.info.get(p) or {"path": p, "name": p.rsplit("/", 1)[-1]})
            for p in self.selected
        ]

    def selected_bytes(self) -> int | None:
        """Total size of the selection when every size is known."""
        sizes = [r.get("size") for r in self.selected_rows()]
        return None if any(s is None for s in sizes) else int(sum(sizes))

    # -- plumbing ------------------------------------------------------------------
    def send_rows(self) -> None:
        """Send every loaded row of the current folder (a view starts over with them)."""
        self.send({"type": "rows", "path": self.path, "offset": 0, "reset": True,
                   "keys": FILE_KEYS, "rows": _lists(self.rows)})

    def _learn_types(self, rows: list[dict], reset: bool) -> None:
        known = [] if reset else list(self.file_types)
        for r in rows:
            if r["type"] and r["type"] not in known:
                known.append(r["type"])
        self.file_types = sorted(known, key=str.lower)

    def _selection_changed(self, change: dict) -> None:
        by_path = {r["path"]: r for r in self.rows}
        for p in change["new"]:
            if p in by_path:
                self.info[p] = by_path[p]
        for p in set(self.info) - set(change["new"]):
            del self.info[p]
        self._summarize()

    def _summarize(self) -> None:
        n = len(self.selected)
        if not n:
            self.summary = "Nothing selected: tick files or folders to download them"
            return
        size = self.selected_bytes()
        amount = f" ({_bytes(size)})" if size is not None else ""
        self.summary = f"{n} selected{amount}"


def _lists(rows: Iterable[Mapping[str, Any]], keys: list[str] = FILE_KEYS) -> list[list]:
    return [[r.get(k) for k in keys] for r in rows]


#: FileTree trait -> the picker's synced trait that shows it
_TREE_TRAITS = {
    "path": "tree_path", "root_label": "tree_root", "total": "tree_total",
    "loading": "tree_loading", "file_type": "file_type", "file_types": "file_types",
    "name_filter": "name_filter", "selected": "selected_paths", "summary": "tree_summary",
    "empty_text": "tree_empty",
}


class DatasetPicker(PortalPicker, Panel):
    """Search public SPARC datasets, read one's details, tick files and download them.

    The SPARC portal's parts (:mod:`.sparc_portal`): facets (``facets``,
    ``facet_filters``, :meth:`toggle_facet`), the dataset page (``page``: contributors,
    citation, versions) and previews (:meth:`preview_file`, ``preview``); a scaffold
    settings file or an MBF XML segmentation opens in ``viewer``, a
    :class:`~.scaffold_viewer.ScaffoldViewer` drawn inside the picker
    (:mod:`.sparc_scaffold`).

    ``picker.selected`` is the selection (file dicts: path, name, size, type), for the
    code that follows; ``selected_paths`` the same as paths. Traits: ``dataset`` (the open
    dataset), ``results`` (the last search page), ``download_state`` (idle, running,
    done, cancelled, failed), ``download_percent`` (0-100), ``download_progress`` (bytes
    and files) and ``downloaded`` (the saved paths of the last download).
    """

    _esm = asset("sparc_picker.js")
    _css = asset("sparc_picker.css")

    dataset = Dict(allow_none=True, default_value=None)
    results = List()
    downloaded = List()
    # search
    query = Unicode("").tag(sync=True)
    tags_text = Unicode("").tag(sync=True)
    order_by = Unicode("relevance").tag(sync=True)
    orders = List(default_value=ORDERS).tag(sync=True)
    tag_options = List(Unicode()).tag(sync=True)
    dataset_columns = List(default_value=DATASET_COLUMNS).tag(sync=True)
    dataset_rows = Dict({"keys": DATASET_KEYS, "data": []}).tag(sync=True)
    results_empty = Unicode("Search to list datasets").tag(sync=True)
    page_text = Unicode("").tag(sync=True)
    has_previous = Bool(False).tag(sync=True)
    has_next = Bool(False).tag(sync=True)
    searching = Bool(False).tag(sync=True)
    # the open dataset
    dataset_id = Int(None, allow_none=True).tag(sync=True)
    details = Dict().tag(sync=True)  # title, facts (lines), description, warning
    versions = List(Int()).tag(sync=True)
    version = Int(None, allow_none=True).tag(sync=True)
    # its files (mirrors of ``tree``)
    tree_path = Unicode("").tag(sync=True)
    tree_root = Unicode("dataset").tag(sync=True)
    tree_total = Int(0).tag(sync=True)
    tree_loading = Bool(False).tag(sync=True)
    file_type = Unicode("").tag(sync=True)
    file_types = List(Unicode()).tag(sync=True)
    name_filter = Unicode("").tag(sync=True)
    selected_paths = List(Unicode()).tag(sync=True)
    tree_summary = Unicode("").tag(sync=True)
    tree_empty = Unicode("Open a dataset to see its files").tag(sync=True)
    tree_height = Int(300).tag(sync=True)
    tree_key = Unicode("").tag(sync=True)  # names this model's store of folder rows in the page
    # download
    dest = Unicode("").tag(sync=True)
    as_zip = Bool(False).tag(sync=True)
    download_state = Unicode("idle").tag(sync=True)
    download_percent = Float(0.0).tag(sync=True)
    download_progress = Dict()
    progress_text = Unicode("").tag(sync=True)

    ACTIONS = frozenset({
        "search", "next_page", "previous_page", "open_dataset", "open_folder", "more_files",
        "resend_files", "select", "filter_type", "filter_names", "start_download", "cancel",
    }) | PortalPicker.portal_actions
    SLOW_ACTIONS = frozenset({  # server requests: on the worker
        "search", "next_page", "previous_page", "open_dataset", "open_folder", "more_files",
    }) | PortalPicker.portal_slow

    def __init__(
        self,
        session: PennsieveSession,
        *,
        page_size: int = 20,
        folder_page_size: int = 200,
        **kwargs: Any,
    ) -> None:
        if "viewer" in kwargs:
            raise TypeError("DatasetPicker makes its own viewer (at the first scaffold preview)")
        # in the state the widget opens with: the view module's initialize() names the
        # store of folder rows by it before any later update arrives
        kwargs.setdefault("tree_key", uuid.uuid4().hex)
        super().__init__(**kwargs)
        self.session = session
        self.page_size = page_size
        self._offset = 0
        self._total = 0
        self._tags_loaded = False
        self._thread: threading.Thread | None = None
        self._shown: tuple[int, int] | None = None
        self._estimate: int | None = None
        self._opening = False
        self._show_lock = threading.RLock()  # one thread at a time shows a dataset
        self.tree = FileTree(self._load_folder, page_size=folder_page_size, send=self._send_rows)
        for name in _TREE_TRAITS:
            self._mirror({"name": name, "new": getattr(self.tree, name)})
        self.follow(self.tree, self._mirror, list(_TREE_TRAITS))
        self.follow(self.tree, self._tree_selected, "selected")
        self.follow(session, self._session_dataset, "dataset")
        self.follow(session, self._session_files, "selected_files")
        self.on_close(self.cancel)  # a closed picker's download stops
        if session.dataset:
            self.attempt(self._show_dataset, session.dataset)

    # -- messages ----------------------------------------------------------------------
    def _send_rows(self, message: dict) -> None:
        if not self.stopping.is_set():
            self.send(message)

    def _mirror(self, change: dict) -> None:
        if not self.stopping.is_set():
            setattr(self, _TREE_TRAITS[change["name"]], change["new"])

    # -- search ----------------------------------------------------------------------
    def search(
        self,
        query: str | None = None,
        *,
        tags: list[str] | str | None = None,
        order_by: str | None = None,
        offset: int = 0,
    ) -> Page:
        """Search datasets (the last query when ``query`` is None); shows one page.
        ``tags``: any of them (a list or comma-separated text)."""
        if query is not None:
            self.query = str(query)
        if tags is not None:
            self.tags_text = tags if isinstance(tags, str) else ",".join(tags)
        if order_by is not None:
            if order_by not in [o for o, _ in ORDERS]:
                raise ValueError(f"order_by must be one of {', '.join(o for o, _ in ORDERS)}")
            self.order_by = order_by
        return self._fetch(offset)

    def _query_args(self) -> dict[str, Any]:
        chosen = [t.strip() for t in self.tags_text.split(",") if t.strip()]
        return {"query": self.query.strip() or None, "tags": chosen or None,
                "order_by": self.order_by}

    def _fetch(self, offset: int) -> Page:
        self.searching = True
        try:
            args = self._query_args()
            faceted = self._faceted_page(args, offset)  # the index's page when faceted
            if faceted is not None:
                page = Page(faceted.items, faceted.total, faceted.limit, faceted.offset)
            else:
                page = self.session.search_datasets(**args, limit=self.page_size,
                                                    offset=offset)
        finally:
            self.searching = False
        self._offset, self._total = offset, page.total
        self.results = list(page.items)
        self.dataset_rows = {"keys": DATASET_KEYS,
                             "data": _lists((dataset_row(d) for d in page.items), DATASET_KEYS)}
        self.results_empty = "No dataset matches"
        shown = len(self.results)
        self.has_previous = offset > 0
        self.has_next = offset + shown < self._total
        self.page_text = (f"{offset + 1}–{offset + shown} of {self._total} datasets"
                          if shown else "")
        self._load_tags()
        return page

    @property
    def result_rows(self) -> list[dict]:
        """The search results as the grid shows them (id, name, size, files, tags, version)."""
        keys = self.dataset_rows["keys"]
        return [dict(zip(keys, row, strict=True)) for row in self.dataset_rows["data"]]

    def next_page(self) -> Page | None:
        """The next page of the last search (None at the end)."""
        if self._offset + self.page_size < self._total:
            return self._fetch(self._offset + self.page_size)
        return None

    def previous_page(self) -> Page | None:
        """The page before (None on the first)."""
        if self._offset > 0:
            return self._fetch(max(0, self._offset - self.page_size))
        return None

    def _load_tags(self) -> None:
        if self._tags_loaded:
            return
        self._tags_loaded = True
        try:  # only suggestions: a failure costs nothing
            self.tag_options = [str(t["tag"]) for t in self.session.tags() if t.get("tag")]
        except Exception:  # noqa: BLE001
            self._tags_loaded = False

    # -- one dataset -------------------------------------------------------------------
    def open_dataset(self, dataset_id: int | Mapping[str, Any],
                     version: int | None = None) -> dict:
        """Open a dataset (id or search result): details, versions, its top folder."""
        with self._show_lock:
            self._opening = True  # the session's observer leaves the showing to this call
            try:
                dto = self.session.select_dataset(dataset_id, version)
            finally:
                self._opening = False
            self._show_dataset(dto)
        return dto

    def _show_dataset(self, dto: dict) -> None:
        with self._show_lock:
            self._show_dataset_now(dto)

    def _show_dataset_now(self, dto: dict) -> None:
        if self.stopping.is_set():
            return
        self._shown = (int(dto["id"]), int(dto["version"]))
        self.dataset = dto
        self.dataset_id = int(dto["id"])
        self.details = _details(dto)
        every = self.session.versions(int(dto["id"]))
        versions = [int(v["version"]) for v in every if v.get("version") is not None]
        self.versions = sorted(set(versions) | {int(dto["version"])}, reverse=True)
        self.version = int(dto["version"])
        self.close_preview()
        self.tree.root_label = str(dto.get("name") or f"dataset {dto['id']}")[:60]
        self.tree.clear()
        self.tree.open_folder(self.session.root_folder())
        self.page = self._page_for(dto, every)

    def _load_folder(self, path: str, offset: int, limit: int) -> Page:
        return self.session.browse(path=path, limit=limit, offset=offset)

    def open_folder(self, path: str = "") -> list[dict]:
        """Show a folder of the open dataset (``files/primary/sub-050``); one page is read."""
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        return self.tree.open_folder(path)

    def more_files(self, loaded: int | None = None) -> list[dict]:
        """Read the next page of the folder shown (what scrolling near its end does)."""
        return self.tree.more(loaded)

    def resend_files(self) -> None:
        """Send the loaded rows of the folder shown again (a view drawn anew asks)."""
        self.tree.send_rows()

    def filter_type(self, file_type: str = "") -> list[dict]:
        """Show only files of one type (``CSV``, ``PNG``...; "" for all); returns the rows."""
        self.tree.file_type = file_type
        return self.tree.visible()

    def filter_names(self, text: str = "") -> list[dict]:
        """Show only rows whose name holds ``text`` ("" for all); returns the rows."""
        self.tree.name_filter = text
        return self.tree.visible()

    # -- selection ------------------------------------------------------------------------
    def select(
        self, paths: Iterable[str | Mapping[str, Any]] | str, add: bool = False
    ) -> list[dict]:
        """Choose files and folders (paths or rows) for download; returns ``selected``."""
        self.tree.select([paths] if isinstance(paths, str) else paths, add=add)
        return self.selected

    @property
    def selected(self) -> list[dict]:
        """The selection: one dict per file or folder (path, name, dir, size, type)."""
        return self.tree.selected_rows()

    # -- download -----------------------------------------------------------------------
    def default_dest(self) -> Path:
        """Where downloads go when no folder is given: ``./sparc-downloads/<dataset id>``."""
        ident = self.session.dataset["id"] if self.session.dataset else "unknown"
        return Path("sparc-downloads") / str(ident)

    def download(
        self,
        dest: str | Path | None = None,
        as_zip: bool = False,
        paths: Iterable[str] | None = None,
    ) -> list[Path]:
        """Download the selection (or ``paths``) into ``dest`` (the ``dest`` trait when
        None, then :meth:`default_dest`); return the saved files.

        As files, the folders below the selection's common folder are kept; ``as_zip``
        asks zipit for one archive. Blocks until done (the Download button runs this in
        a thread); :meth:`cancel` stops it and leaves no partial file.
        """
        chosen = list(paths) if paths is not None else list(self.tree.selected)
        if not chosen:
            raise ValueError("nothing selected: tick files or folders first")
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        if dest is None and self.dest.strip():
            dest = self.dest.strip()
        target = Path(dest) if dest is not None else self.default_dest()
        ident, version = int(self.session.dataset["id"]), int(self.session.dataset["version"])
        self._estimate = self.tree.selected_bytes() if paths is None else None
        self.download_progress = {}
        self.download_percent = 0.0
        self.download_state = "running"
        self._show_progress({})
        try:
            if as_zip:
                saved = [
                    self.session.download_zip(
                        chosen, target, dataset_id=ident, version=version,
                        archive_name=f"sparc-{ident}-v{version}", on_progress=self._on_progress,
                    )
                ]
            else:
                saved = self.session.download(
                    chosen, target, dataset_id=ident, version=version,
                    root_path=_common_folder(chosen), on_progress=self._on_progress,
                )
        except DownloadCancelled:
            self.download_state = "cancelled"
            self.progress_text = "Cancelled: no partial file was left behind"
            raise
        except BaseException:
            self.download_state = "failed"
            raise
        self.downloaded = [str(p) for p in saved]
        self.download_percent = 100.0
        self.download_state = "done"
        where = saved[0].parent if len(saved) == 1 else target
        self.progress_text = (
            f"Done: {plural(len(saved), 'file')}, "
            f"{_bytes(sum(p.stat().st_size for p in saved))} in {where}"
        )
        return saved

    def start_download(
        self, dest: str | Path | None = None, as_zip: bool | None = None
    ) -> threading.Thread:
        """Start :meth:`download` in a thread (what the Download button does); returns the
        thread. ``dest`` and ``as_zip`` are kept in the traits of that name. Closing the
        picker cancels it."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("a download is already running: cancel it or wait")
        if dest is not None:
            self.dest = str(dest)
        if as_zip is not None:
            self.as_zip = bool(as_zip)
        if not self.tree.selected:
            raise ValueError("nothing selected: tick files or folders first")
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        zipped = self.as_zip
        self.download_state = "running"  # at once: the button is locked from this click

        def work() -> None:
            try:
                with self.reporting():
                    saved = self.download(None, zipped)
                    self.show_message(f"Downloaded {plural(len(saved), 'file')}", "ok")
            finally:
                if self.download_state == "running":
                    self.download_state = "failed"

        self._thread = self.start(work, name="labpanels-sparc-download")
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a download started with the button; True when none is running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def cancel(self) -> None:
        """Stop the running download after its current chunk."""
        if self.download_state == "running":
            self.session.cancel()
            if not self.stopping.is_set():
                self.progress_text = "Cancelling…"

    def _on_progress(self, info: dict) -> None:
        self.download_progress = dict(info)
        total = info.get("bytes_total") or self._estimate
        done = info.get("bytes_done") or 0
        if total:
            self.download_percent = min(99.9, 100.0 * done / total)
        self._show_progress(info)

    def _show_progress(self, info: Mapping[str, Any]) -> None:
        total = info.get("bytes_total") or self._estimate
        current = info.get("current") or ""
        self.progress_text = (
            f"{_bytes(info.get('bytes_done', 0))} of {_bytes(total)} · "
            f"{number(info.get('files_done') or 0)} of {_files(info.get('files_total'))}"
            + (f" · {current}" if current else "")
        )

    # -- reactions ---------------------------------------------------------------------
    def _session_dataset(self, change: dict) -> None:
        if self._opening:  # open_dataset on this thread shows it itself
            return
        self.later(self._follow_dataset)  # reading folders is slow: on the panel's worker

    def _follow_dataset(self) -> None:
        """Show what the session has open now (the latest, however many changes came)."""
        with self._show_lock:
            dto = self.session.dataset
            if not dto:
                if self._shown is not None or self.dataset is not None:
                    self._shown, self.dataset, self.dataset_id = None, None, None
                    self.details, self.versions, self.version = {}, [], None
                    self.page = {}
                    self.close_preview()
                    self.tree.clear()
            elif self._shown != (int(dto["id"]), int(dto["version"])):
                self._show_dataset_now(dto)

    def _tree_selected(self, change: dict) -> None:
        if self.stopping.is_set():
            return
        if list(self.session.selected_files) != list(change["new"]):
            self.session.selected_files = list(change["new"])

    def _session_files(self, change: dict) -> None:
        if list(self.tree.selected) != list(change["new"]):
            self.tree.select(change["new"])


def _details(dto: Mapping[str, Any]) -> dict:
    """What the details box shows of a dataset: title, facts (one line each), description."""
    published = str(dto.get("versionPublishedAt") or "")[:10]
    owner = " ".join(str(dto.get(k) or "") for k in ("ownerFirstName", "ownerLastName"))
    facts = [
        f"Dataset {dto.get('id')} · version {dto.get('version')} · published "
        f"{published or '?'} · {_files(dto.get('fileCount'))} · {_bytes(dto.get('size'))}",
        f"DOI: {dto.get('doi') or '—'} · License: {dto.get('license') or '—'}",
        f"Organization: {dto.get('organizationName') or '—'} · Contact: {owner.strip() or '—'}",
        f"Tags: {', '.join(str(t) for t in dto.get('tags') or []) or '—'}",
    ]
    return {
        "title": str(dto.get("name") or ""),
        "facts": facts,
        "description": str(dto.get("description") or ""),
        "warning": "Embargoed: its files need an access request" if dto.get("embargo") else "",
        "files": dto.get("fileCount"),
        "size": dto.get("size"),
    }

def _common_folder(paths: list[str]) -> str | None:
    """The deepest folder holding every path (the root of the saved layout), or None."""
    parents = [posixpath.dirname(p.strip("/")) for p in paths]
    if any(not p for p in parents):
        return None
    common = posixpath.commonpath(parents)
    return common or None

