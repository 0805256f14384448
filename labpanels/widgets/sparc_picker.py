"""DatasetPicker: search SPARC (Pennsieve discover) datasets, browse one, download files.

Everything a click does is also a method (``search``, ``open_dataset``, ``open_folder``,
``select``, ``download``). Folders are read one page at a time as the user scrolls, so a
dataset of 100,000 files opens at once; downloads run in a thread and report progress in
traits (``download_percent``, ``download_progress``, ``download_state``).

Closing the picker releases everything it made: its observers of the session, its
threads (a running download is cancelled) and every widget it created.
"""

from __future__ import annotations

import contextlib
import posixpath
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
from traitlets import Bool, Dict, Float, Int, List, Unicode

from ..pennsieve.download import DownloadCancelled
from ..pennsieve.session import Page, PennsieveSession
from .assets import asset
from .base import PanelBase
from .common import Message
from .table import Table, column

__all__ = ["DatasetPicker", "FileTree", "dataset_row", "file_row", "widget_tree", "close_tree",
           "dispatch_action",
           "ClosesTree"]

Loader = Callable[[str, int, int], Page]


def widget_tree(*roots: Any) -> list[w.Widget]:
    """Every widget reachable from ``roots``: children, and the widgets held in traits
    (a widget's ``layout`` and ``style`` are widgets of their own, with their own comm)."""
    seen: set[int] = set()
    found: list[w.Widget] = []
    stack = list(roots)
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        if not isinstance(item, w.Widget) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        for name in item.keys:
            value = getattr(item, name, None)
            if isinstance(value, w.Widget | list | tuple):
                stack.append(value)
    return found


def close_tree(*roots: Any) -> None:
    """Close ``roots`` and every widget under them (children, layouts, styles)."""
    for widget in widget_tree(*roots):
        with contextlib.suppress(Exception):
            widget.close()


class ClosesTree:
    """Mixin (before :class:`PanelBase`) for panels built of ipywidgets: ``close()`` also
    closes the layouts and styles of what the panel made, and the widgets it keeps in
    attributes while they are not shown (``PanelBase`` closes the shown children).
    :meth:`replace_children` swaps a container's children for new ones it owns, and
    closes what it made if the panel closed meanwhile (work on the panel's worker)."""

    def _widgets_held(self) -> list[w.Widget]:
        kept = [v for v in vars(self).values() if isinstance(v, w.Widget)]
        kept += list(getattr(self, "_owned", ()))
        kept += [getattr(self, n, None) for n in ("layout", "style")]
        return [x for x in widget_tree(*getattr(self, "children", ()), *kept) if x is not self]

    def close(self) -> None:
        before = self._widgets_held()
        super().close()  # type: ignore[misc]
        close_tree(*before, *self._widgets_held())  # and what a worker showed meanwhile

    def replace_children(self, container: w.Box, children: list[w.Widget],
                         keep: tuple[w.Widget, ...] = ()) -> bool:
        """Show ``children`` in ``container``, owned by the panel; close the ones shown
        before (except ``keep``). False (and ``children`` closed) if the panel is closed."""
        panel: Any = self
        with panel._life_lock:  # PanelBase's: close() cannot pass in between
            if panel.stopping.is_set():
                close_tree(*[c for c in children if c not in keep])
                return False
            old = [c for c in container.children if c not in children and c not in keep]
            container.children = children
            panel.own(*[c for c in children if c not in keep])
            for widget in old:
                panel.disown(widget, close=False)
        close_tree(*old)
        return True


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
    if value is None:
        return "?"
    units = ["B", "kB", "MB", "GB", "TB"]
    size, unit = float(value), 0
    while size >= 1000 and unit < len(units) - 1:
        size, unit = size / 1000, unit + 1
    return f"{int(size)} B" if unit == 0 else f"{size:.1f} {units[unit]}"


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


class FileTree(anywidget.AnyWidget):
    """One folder of a dataset: breadcrumbs, type and name filters, checkboxes.

    ``loader(path, offset, limit) -> Page`` reads one page of a folder; pages beyond the
    first are read when the view scrolls near the end (or by :meth:`more`). ``rows`` holds
    the loaded rows of the current folder; ``selected`` the chosen paths (any folder).
    """

    _esm = asset("filetree.js")
    _css = asset("panels.css")

    path = Unicode("").tag(sync=True)
    root_label = Unicode("dataset").tag(sync=True)
    total = Int(0).tag(sync=True)
    loading = Bool(False).tag(sync=True)
    file_type = Unicode("").tag(sync=True)
    file_types = List(Unicode()).tag(sync=True)
    name_filter = Unicode("").tag(sync=True)
    selected = List(Unicode()).tag(sync=True)
    summary = Unicode("").tag(sync=True)
    height = Int(320).tag(sync=True)
    empty_text = Unicode("Open a dataset to see its files").tag(sync=True)

    def __init__(self, loader: Loader | None = None, page_size: int = 200, **kwargs: Any):
        super().__init__(**kwargs)
        self.loader = loader
        self.page_size = page_size
        self.rows: list[dict] = []
        self.info: dict[str, dict] = {}  # what is known of each selected path
        self.on_error: Callable[[BaseException], Any] | None = None
        self._lock = threading.RLock()
        self.on_msg(self._on_message)
        self.observe(self._selection_changed, names=["selected"])

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
            self.path = path
            self.total = page.total
            self._learn_types(self.rows, reset=True)
            self._send_rows(reset=True)
            self._summarize()
            return list(self.rows)

    def more(self) -> list[dict]:
        """Read the next page of the current folder; return its rows ([] at the end)."""
        with self._lock:
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
            self.send({"type": "rows", "path": self.path, "offset": offset, "rows": new})
            return new

    def clear(self, label: str = "Open a dataset to see its files") -> None:
        """Show nothing (no dataset)."""
        with self._lock:
            self.rows, self.total, self.path = [], 0, ""
            self.file_types, self.file_type, self.name_filter = [], "", ""
            self.selected = []
            self.empty_text = label
            self._send_rows(reset=True)

    def visible(self) -> list[dict]:
        """The loaded rows that pass the type and name filters (folders always pass the
        type filter, so one can still open them)."""
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
    def _learn_types(self, rows: list[dict], reset: bool) -> None:
        known = [] if reset else list(self.file_types)
        for r in rows:
            if r["type"] and r["type"] not in known:
                known.append(r["type"])
        self.file_types = sorted(known, key=str.lower)

    def _send_rows(self, reset: bool) -> None:
        self.send(
            {"type": "rows", "path": self.path, "offset": 0, "reset": reset, "rows": self.rows}
        )

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

    def _on_message(self, _widget: Any, content: dict, _buffers: list) -> None:
        kind = content.get("type")
        try:
            if kind == "open":
                self.open_folder(str(content.get("path") or ""))
            elif kind == "more":
                if int(content.get("loaded", len(self.rows))) < len(self.rows):
                    self._send_rows(reset=True)  # that view is behind: give it every row
                else:
                    self.more()
            elif kind == "ready":
                self._send_rows(reset=True)
        except Exception as exc:  # shown by the panel, never as a traceback
            if self.on_error is None:
                raise
            self.on_error(exc)


class DatasetPicker(ClosesTree, PanelBase, w.VBox):
    """Search public SPARC datasets, read one's details, tick files and download them.

    ``picker.selected`` is the selection (file dicts: path, name, size, type), for the
    code that follows. Traits: ``dataset`` (the open dataset), ``results`` (the last
    search page), ``download_state`` (idle, running, done, cancelled, failed),
    ``download_percent`` (0-100), ``download_progress`` (bytes and files) and
    ``downloaded`` (the saved paths of the last download).
    """

    dataset = Dict(allow_none=True, default_value=None)
    results = List()
    download_state = Unicode("idle")
    download_percent = Float(0.0)
    download_progress = Dict()
    downloaded = List()

    def __init__(
        self,
        session: PennsieveSession,
        *,
        page_size: int = 20,
        folder_page_size: int = 200,
        **kwargs: Any,
    ) -> None:
        self.check_options(kwargs)
        self.session = session
        self.page_size = page_size
        self.query = w.Text(
            placeholder="Search datasets (words in title, description, tags)",
            continuous_update=False,
            layout=w.Layout(flex="1 1 auto"),
        )
        self.tag = w.Combobox(
            placeholder="tag (optional)", ensure_option=False, layout=w.Layout(width="200px")
        )
        self.order = w.Dropdown(
            options=[
                ("relevance", "relevance"),
                ("newest", "date"),
                ("name", "name"),
                ("size", "size"),
            ],
            value="relevance",
            layout=w.Layout(width="120px"),
        )
        search = w.Button(
            description="Search",
            icon="search",
            button_style="primary",
            layout=w.Layout(width="auto"),
        )
        self.prev_page = w.Button(
            description="◀", layout=w.Layout(width="36px"), tooltip="Previous results"
        )
        self.next_page = w.Button(
            description="▶", layout=w.Layout(width="36px"), tooltip="Next results"
        )
        self.page_label = w.Label()
        self.table = Table(
            columns=[
                column("name", "Title", width="minmax(220px, 4fr)"),
                column("size", "Size", "bytes", width="90px"),
                column("files", "Files", width="80px"),
                column("tags", "Tags", width="minmax(140px, 2fr)"),
                column("id", "Id", width="60px"),
            ],
            height=180,
            empty_text="Search to list datasets",
        )
        self.details = w.VBox(layout=w.Layout(padding="4px 0"))
        self.version = w.Dropdown(description="Version", layout=w.Layout(width="180px"))
        self.tree = FileTree(self._load_folder, page_size=folder_page_size)
        self.tree.on_error = self.report
        self.dest = w.Text(
            placeholder="./sparc-downloads/<dataset id>",
            description="Save to",
            layout=w.Layout(flex="1 1 auto"),
        )
        self.as_zip = w.Checkbox(
            value=False, description="as one zip", indent=False, layout=w.Layout(width="110px")
        )
        self.download_button = w.Button(
            description="Download",
            icon="download",
            button_style="primary",
            layout=w.Layout(width="auto"),
        )
        self.cancel_button = w.Button(
            description="Cancel", icon="stop", disabled=True, layout=w.Layout(width="auto")
        )
        self.bar = w.FloatProgress(min=0, max=100, value=0, layout=w.Layout(width="100%"))
        self.bar_text = w.Label()
        self.message = Message()
        super().__init__(
            [
                w.HBox([self.query, self.tag, self.order, search]),
                w.HBox([self.prev_page, self.next_page, self.page_label]),
                self.table,
                self.details,
                self.tree,
                w.HBox([self.dest, self.as_zip, self.download_button, self.cancel_button]),
                self.bar,
                self.bar_text,
                self.message,
            ],
            **kwargs,
        )
        self.add_class("lp-panel")
        self.add_class("lp-picker")
        self._query_args: dict[str, Any] = {}
        self._offset = 0
        self._total = 0
        self._tags_loaded = False
        self._thread: threading.Thread | None = None
        self._shown: tuple[int, int] | None = None
        self._estimate: int | None = None
        self._opening = False
        self._quiet_version = False
        self._searching = False
        self._show_lock = threading.RLock()  # one thread at a time shows a dataset
        self.own(self.version)  # shown only with a dataset's details
        search.on_click(lambda _: self._safely(self.search))
        self.query.observe(self._typed, names=["value"])  # Enter (or leaving the box)
        self.prev_page.on_click(lambda _: self._safely(self._turn, -1))
        self.next_page.on_click(lambda _: self._safely(self._turn, 1))
        self.download_button.on_click(lambda _: self._safely(self.start_download))
        self.cancel_button.on_click(lambda _: self.cancel())
        self.table.observe(self._picked, names=["selected"])
        self.version.observe(self._version_picked, names=["value"])
        self.tree.observe(self._tree_selected, names=["selected"])
        self.follow(session, self._session_dataset, "dataset")
        self.follow(session, self._session_files, "selected_files")
        self.on_close(self.cancel)  # a closed picker's download stops
        self._update_pager()
        self._show_details(None)
        if session.dataset:
            self._safely(self._show_dataset, session.dataset)

    # -- search ----------------------------------------------------------------------
    def search(
        self,
        query: str | None = None,
        *,
        tags: list[str] | str | None = None,
        order_by: str | None = None,
        offset: int = 0,
    ) -> Page:
        """Search datasets (the query box when ``query`` is None); shows one page."""
        if query is not None:
            self._searching = True  # setting the box must not search a second time
            try:
                self.query.value = query
            finally:
                self._searching = False
        if tags is not None:
            self.tag.value = tags if isinstance(tags, str) else ",".join(tags)
        if order_by is not None:
            self.order.value = order_by
        chosen = [t.strip() for t in self.tag.value.split(",") if t.strip()]
        self._query_args = {
            "query": self.query.value.strip() or None,
            "tags": chosen or None,
            "order_by": self.order.value,
        }
        return self._fetch(offset)

    def _fetch(self, offset: int) -> Page:
        page = self.session.search_datasets(**self._query_args, limit=self.page_size, offset=offset)
        self._offset, self._total = offset, page.total
        self.results = list(page.items)
        self.table.set_rows(dataset_row(d) for d in page.items)
        self.table.empty_text = "No dataset matches"
        self._update_pager()
        self._load_tags()
        return page

    def _turn(self, step: int) -> None:
        offset = max(0, self._offset + step * self.page_size)
        if offset < self._total:
            self._fetch(offset)

    def _update_pager(self) -> None:
        shown = len(self.results)
        self.prev_page.disabled = self._offset == 0
        self.next_page.disabled = self._offset + shown >= self._total
        self.page_label.value = (
            f"{self._offset + 1}–{self._offset + shown} of {self._total} datasets" if shown else ""
        )

    def _load_tags(self) -> None:
        if self._tags_loaded:
            return
        self._tags_loaded = True
        with contextlib.suppress(Exception):  # only suggestions: a failure costs nothing
            self.tag.options = tuple(str(t["tag"]) for t in self.session.tags() if t.get("tag"))

    # -- one dataset -------------------------------------------------------------------
    def open_dataset(self, dataset_id: int | Mapping[str, Any], version: int | None = None) -> dict:
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
        self._shown = (int(dto["id"]), int(dto["version"]))
        self.dataset = dto
        self._show_details(dto)
        versions = [
            int(v["version"])
            for v in self.session.versions(int(dto["id"]))
            if v.get("version") is not None
        ]
        options = sorted(set(versions) | {int(dto["version"])}, reverse=True)
        self._quiet_version = True
        try:
            self.version.options = [(f"v{v}", v) for v in options]
            self.version.value = int(dto["version"])
        finally:
            self._quiet_version = False
        self.tree.root_label = str(dto.get("name") or f"dataset {dto['id']}")[:60]
        self.tree.clear()
        self.tree.open_folder(self.session.root_folder())

    def _show_details(self, dto: Mapping[str, Any] | None) -> None:
        if not dto:
            self._replace_details([w.Label("Choose a dataset to see its details and files")])
            return
        published = str(dto.get("versionPublishedAt") or "")[:10]
        owner = " ".join(str(dto.get(k) or "") for k in ("ownerFirstName", "ownerLastName"))
        lines = [
            (str(dto.get("name") or ""), "lp-detail-title"),
            (
                f"Dataset {dto.get('id')} · version {dto.get('version')} · published "
                f"{published or '?'} · {_count(dto.get('fileCount'))} files · "
                f"{_bytes(dto.get('size'))}",
                "",
            ),
            (f"DOI: {dto.get('doi') or '—'} · License: {dto.get('license') or '—'}", ""),
            (
                f"Organization: {dto.get('organizationName') or '—'} · Contact: "
                f"{owner.strip() or '—'}",
                "",
            ),
            (f"Tags: {', '.join(str(t) for t in dto.get('tags') or []) or '—'}", ""),
            (str(dto.get("description") or ""), "lp-detail-text"),
        ]
        if dto.get("embargo"):
            lines.insert(1, ("Embargoed: its files need an access request", "lp-detail-warn"))
        labels = []
        for text, css in lines:
            label = w.Label(text)
            label.add_class("lp-wrap")
            if css:
                label.add_class(css)
            labels.append(label)
        self._replace_details([*labels, self.version])

    def _replace_details(self, children: list[w.Widget]) -> None:
        """Show ``children`` as the details; close the labels shown before (their
        layouts and styles too), never the version box, which the picker keeps."""
        self.replace_children(self.details, children, keep=(self.version,))

    def _load_folder(self, path: str, offset: int, limit: int) -> Page:
        return self.session.browse(path=path, limit=limit, offset=offset)

    def open_folder(self, path: str = "") -> list[dict]:
        """Show a folder of the open dataset (``files/primary/sub-050``); one page is read."""
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        return self.tree.open_folder(path)

    def filter_type(self, file_type: str = "") -> list[dict]:
        """Show only files of one type (``CSV``, ``PNG``...; "" for all); returns the rows."""
        self.tree.file_type = file_type
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

    @property
    def selected_paths(self) -> list[str]:
        """The selection as dataset-relative paths."""
        return list(self.tree.selected)

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
        """Download the selection (or ``paths``) into ``dest``; return the saved files.

        As files, the folders below the selection's common folder are kept; ``as_zip``
        asks zipit for one archive. Blocks until done (the Download button runs this in
        a thread); :meth:`cancel` stops it and leaves no partial file.
        """
        chosen = list(paths) if paths is not None else list(self.tree.selected)
        if not chosen:
            raise ValueError("nothing selected: tick files or folders first")
        if not self.session.dataset:
            raise ValueError("open a dataset first")
        if dest is None and self.dest.value.strip():
            dest = self.dest.value.strip()
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
                        chosen,
                        target,
                        dataset_id=ident,
                        version=version,
                        archive_name=f"sparc-{ident}-v{version}",
                        on_progress=self._on_progress,
                    )
                ]
            else:
                saved = self.session.download(
                    chosen,
                    target,
                    dataset_id=ident,
                    version=version,
                    root_path=_common_folder(chosen),
                    on_progress=self._on_progress,
                )
        except DownloadCancelled:
            self.download_state = "cancelled"
            self.bar_text.value = "Cancelled: no partial file was left behind"
            raise
        except BaseException:
            self.download_state = "failed"
            raise
        self.downloaded = [str(p) for p in saved]
        self.download_percent = 100.0
        self.bar.value = 100.0
        self.download_state = "done"
        where = saved[0].parent if len(saved) == 1 else target
        self.bar_text.value = (
            f"Done: {len(saved)} file(s), {_bytes(sum(p.stat().st_size for p in saved))} in {where}"
        )
        return saved

    def start_download(
        self, dest: str | Path | None = None, as_zip: bool | None = None
    ) -> threading.Thread:
        """Start :meth:`download` in a thread (what the button does); returns the thread.
        Closing the picker cancels it."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("a download is already running: cancel it or wait")
        zipped = self.as_zip.value if as_zip is None else as_zip
        if not self.tree.selected:
            raise ValueError("nothing selected: tick files or folders first")

        def work() -> None:
            self.download_button.disabled, self.cancel_button.disabled = True, False
            try:
                with self.reporting():
                    saved = self.download(dest, zipped)
                    self.show_message(f"Downloaded {len(saved)} file(s)", "ok")
            finally:
                self.download_button.disabled, self.cancel_button.disabled = False, True

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
            self.bar_text.value = "Cancelling…"

    def _on_progress(self, info: dict) -> None:
        self.download_progress = dict(info)
        total = info.get("bytes_total") or self._estimate
        done = info.get("bytes_done") or 0
        if total:
            self.download_percent = min(99.9, 100.0 * done / total)
        self._show_progress(info)

    def _show_progress(self, info: Mapping[str, Any]) -> None:
        self.bar.value = self.download_percent
        total = info.get("bytes_total") or self._estimate
        current = info.get("current") or ""
        self.bar_text.value = (
            f"{_bytes(info.get('bytes_done', 0))} of {_bytes(total)} · "
            f"{info.get('files_done', 0)} of {info.get('files_total', '?')} files"
            + (f" · {current}" if current else "")
        )

    # -- reactions ---------------------------------------------------------------------
    def _safely(self, action: Callable[..., Any], *args: Any) -> None:
        with self.reporting():
            action(*args)

    def _typed(self, _change: dict) -> None:
        if not self._searching:
            self._safely(self.search)

    def _picked(self, change: dict) -> None:
        if change["new"]:
            self._safely(self.open_dataset, change["new"][0])

    def _version_picked(self, change: dict) -> None:
        if self._quiet_version or change["new"] is None or not self.dataset:
            return
        if int(change["new"]) != int(self.dataset["version"]):
            self._safely(self.open_dataset, int(self.dataset["id"]), int(change["new"]))

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
                    self._shown, self.dataset = None, None
                    self._show_details(None)
                    self.tree.clear()
            elif self._shown != (int(dto["id"]), int(dto["version"])):
                self._show_dataset_now(dto)

    def _tree_selected(self, change: dict) -> None:
        if list(self.session.selected_files) != list(change["new"]):
            self.session.selected_files = list(change["new"])

    def _session_files(self, change: dict) -> None:
        if list(self.tree.selected) != list(change["new"]):
            self.tree.select(change["new"])


def _common_folder(paths: list[str]) -> str | None:
    """The deepest folder holding every path (the root of the saved layout), or None."""
    parents = [posixpath.dirname(p.strip("/")) for p in paths]
    if any(not p for p in parents):
        return None
    common = posixpath.commonpath(parents)
    return common or None


def dispatch_action(panel: Any, content: Mapping[str, Any], allowed: frozenset[str],
                    later: Iterable[str] = (), buffers: list | None = None) -> bool:
    """Run the action a view sent (``{"type": "action", "name": m, "args": {...}}``):
    only methods named in ``allowed``, with the args as keyword arguments; a failure
    becomes the panel's message. Methods in ``later`` run on the panel's worker (slow
    work off the kernel's message thread). Returns True when the action was known."""
    if content.get("type") != "action":
        return False
    name = str(content.get("name") or "")
    if name not in allowed:
        panel.show_message(f"unknown action {name!r}", "error")
        return False
    args = content.get("args") or {}
    if not isinstance(args, Mapping):
        panel.show_message(f"action {name!r}: its arguments are not named", "error")
        return False
    kwargs = {str(k): v for k, v in args.items()}
    if buffers:
        kwargs["buffers"] = list(buffers)
    method = getattr(panel, name)
    if name in set(later):
        panel.later(lambda: method(**kwargs))
    else:
        panel.attempt(lambda: method(**kwargs))
    return True
