"""Virtual file trees for the emulated Pennsieve datasets.

A tree answers the questions the discover API asks of a published dataset version:
what a directory holds (paged, directories first), what one file looks like, which
files lie under a path, and how big everything is.  File contents are produced on
demand by a callable, so a tree of 100,000 files costs no disk and little memory.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

__all__ = ["FileNode", "DirNode", "StaticTree", "SyntheticTraces", "file_kind"]

# extension -> (fileType, packageType, icon), as the discover API names them
_KINDS = {
    "csv": ("CSV", "CSV", "Tabular"),
    "tsv": ("TSV", "Tabular", "Tabular"),
    "png": ("PNG", "Image", "Image"),
    "jpg": ("JPEG", "Image", "Image"),
    "json": ("Json", "Unsupported", "JSON"),
    "md": ("Markdown", "Unsupported", "Text"),
    "txt": ("Text", "Text", "Text"),
    "xml": ("XML", "Unsupported", "XML"),
}
CHUNK = 64 * 1024


def file_kind(name: str) -> tuple[str, str, str]:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _KINDS.get(ext, ("GenericData", "Unsupported", "Generic"))


def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]


def _coalesce(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Regroup a producer's (possibly tiny) pieces into blocks of about ``CHUNK`` bytes."""
    buf = bytearray()
    for piece in pieces:
        buf += piece
        if len(buf) >= CHUNK:
            yield bytes(buf)
            buf.clear()
    if buf:
        yield bytes(buf)


@dataclass
class FileNode:
    """One file; ``path`` is relative to the dataset version's root (``files/...``)."""

    path: str
    producer: Callable[[], Iterable[bytes]] | bytes
    created_at: str = "2024-01-01T00:00:00Z"
    known_size: int | None = None
    _sha256: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def kind(self) -> tuple[str, str, str]:
        return file_kind(self.name)

    @property
    def size(self) -> int:
        if self.known_size is None:
            if isinstance(self.producer, bytes):
                self.known_size = len(self.producer)
            else:
                self.known_size = sum(len(c) for c in self.producer())
        return self.known_size

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.producer, bytes):
            return _chunks(self.producer)
        return _coalesce(self.producer())

    def read(self) -> bytes:
        return b"".join(self.chunks())

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            h = hashlib.sha256()
            for c in self.chunks():
                h.update(c)
            self._sha256 = h.hexdigest()
        return self._sha256

    @property
    def source_package_id(self) -> str:
        digest = hashlib.sha1(self.path.encode()).hexdigest()
        return (
            f"N:package:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        )


@dataclass
class DirNode:
    path: str
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


class StaticTree:
    """Files listed explicitly, plus optional synthetic sub-trees mounted at a directory."""

    def __init__(self, files: Iterable[FileNode], mounts: dict[str, SyntheticTraces] | None = None):
        self.files: dict[str, FileNode] = {f.path: f for f in files}
        self.mounts = dict(mounts or {})
        self._subdirs: dict[str, set[str]] = {"": set()}
        self._dir_files: dict[str, list[str]] = {"": []}
        self._sizes: dict[str, int] = {}
        self._counts: dict[str, int] = {}
        for path in self.files:
            self._add_dirs(_parent(path))
            self._dir_files.setdefault(_parent(path), []).append(path)
        for mount in self.mounts:
            self._add_dirs(mount)
        for lst in self._dir_files.values():
            lst.sort()

    def _add_dirs(self, d: str) -> None:
        while d:
            self._subdirs.setdefault(d, set())
            self._dir_files.setdefault(d, [])
            parent = _parent(d)
            self._subdirs.setdefault(parent, set()).add(d)
            d = parent

    # sizes ---------------------------------------------------------------
    def dir_size(self, d: str) -> int:
        if d not in self._sizes:
            mount = self.mounts.get(d)
            total = mount.total_size() if mount else 0
            total += sum(self.files[p].size for p in self._dir_files.get(d, ()))
            total += sum(self.dir_size(s) for s in self._subdirs.get(d, ()))
            self._sizes[d] = total
        return self._sizes[d]

    def dir_count(self, d: str) -> int:
        if d not in self._counts:
            mount = self.mounts.get(d)
            total = mount.file_count() if mount else 0
            total += len(self._dir_files.get(d, ()))
            total += sum(self.dir_count(s) for s in self._subdirs.get(d, ()))
            self._counts[d] = total
        return self._counts[d]

    @property
    def total_size(self) -> int:
        return self.dir_size("")

    @property
    def file_count(self) -> int:
        return self.dir_count("")

    # lookups ---------------------------------------------------------------
    def _mount_of(self, path: str) -> tuple[str, SyntheticTraces] | None:
        for mount, provider in self.mounts.items():
            if path.startswith(mount + "/"):
                return mount, provider
        return None

    def is_dir(self, path: str) -> bool:
        if path in self._subdirs:
            return True
        found = self._mount_of(path)
        return bool(found) and found[1].is_dir(path[len(found[0]) + 1 :])

    def node(self, path: str) -> FileNode | DirNode | None:
        path = path.strip("/")
        if path in self.files:
            return self.files[path]
        if path in self._subdirs:
            return DirNode(path, self.dir_size(path))
        found = self._mount_of(path)
        if found:
            return found[1].node(path[len(found[0]) + 1 :])
        return None

    def list_dir(
        self, path: str, offset: int, limit: int
    ) -> tuple[int, list[FileNode | DirNode]] | None:
        """Children of ``path`` (directories first, by name), or None if no such directory."""
        path = path.strip("/")
        found = self._mount_of(path)
        if found and path not in self._subdirs:
            return found[1].list_dir(path[len(found[0]) + 1 :], offset, limit)
        if path not in self._subdirs:
            return None
        if path in self.mounts:
            return self.mounts[path].list_dir("", offset, limit)
        dirs = sorted(self._subdirs[path])
        files = self._dir_files.get(path, [])
        entries: list[FileNode | DirNode] = []
        for p in (dirs + files)[offset : offset + limit] if limit > 0 else []:
            entries.append(DirNode(p, self.dir_size(p)) if p in self._subdirs else self.files[p])
        return len(dirs) + len(files), entries

    def iter_files(self, prefix: str = "") -> Iterator[FileNode]:
        """Every file at ``prefix`` (a file path) or beneath it (a directory path)."""
        prefix = prefix.strip("/")
        if prefix in self.files:
            yield self.files[prefix]
            return
        found = self._mount_of(prefix)
        if found:
            yield from found[1].iter_files(prefix[len(found[0]) + 1 :])
            return
        if prefix and prefix not in self._subdirs:
            return
        start = prefix + "/" if prefix else ""
        for p in sorted(self.files):
            if p.startswith(start):
                yield self.files[p]
        for mount, provider in sorted(self.mounts.items()):
            if not start or mount.startswith(start) or mount == prefix:
                yield from provider.iter_files("")


class SyntheticTraces:
    """``sub-NNN/ses-NN/trace-NNN.csv`` voltage traces, synthesised on demand.

    Sizes follow from a closed formula (fixed-width CSV rows), so directory sizes and
    listings never need the contents.
    """

    HEADER = b"time_s,voltage_mV\n"
    ROW = 14  # "0.000,+1.2345\n"

    def __init__(
        self,
        mount: str,
        subjects: int = 100,
        sessions: int = 10,
        traces: int = 100,
        created_at: str = "2024-01-01T00:00:00Z",
    ):
        self.mount = mount
        self.subjects, self.sessions, self.traces = subjects, sessions, traces
        self.created_at = created_at

    # naming
    def _sub(self, s: int) -> str:
        return f"sub-{s:03d}"

    def _ses(self, k: int) -> str:
        return f"ses-{k:02d}"

    def _trace(self, i: int) -> str:
        return f"trace-{i:03d}.csv"

    def rows(self, s: int, k: int, i: int) -> int:
        return 40 + (s * 31 + k * 7 + i * 13) % 21

    def file_size(self, s: int, k: int, i: int) -> int:
        return len(self.HEADER) + self.ROW * self.rows(s, k, i)

    def content(self, s: int, k: int, i: int) -> Iterator[bytes]:
        amp = 1 + s % 5
        freq = 5 + k
        phase = i * 0.1
        lines = [self.HEADER.decode()]
        for j in range(self.rows(s, k, i)):
            t = j * 0.005
            v = amp * math.sin(2 * math.pi * freq * t + phase)
            lines.append(f"{t:.3f},{v:+.4f}\n")
        yield "".join(lines).encode()

    @cache  # noqa: B019 - one provider per dataset, lives as long as the app
    def session_size(self, s: int, k: int) -> int:
        return sum(self.file_size(s, k, i) for i in range(1, self.traces + 1))

    @cache  # noqa: B019
    def subject_size(self, s: int) -> int:
        return sum(self.session_size(s, k) for k in range(1, self.sessions + 1))

    def total_size(self) -> int:
        return sum(self.subject_size(s) for s in range(1, self.subjects + 1))

    def file_count(self) -> int:
        return self.subjects * self.sessions * self.traces

    # parsing relative paths
    def _parse(self, rel: str) -> tuple[int, ...] | None:
        parts = [p for p in rel.split("/") if p]
        out: list[int] = []
        for depth, part in enumerate(parts):
            try:
                if depth == 0 and part.startswith("sub-") and len(part) == 7:
                    n, hi = int(part[4:]), self.subjects
                elif depth == 1 and part.startswith("ses-") and len(part) == 6:
                    n, hi = int(part[4:]), self.sessions
                elif (
                    depth == 2
                    and part.startswith("trace-")
                    and part.endswith(".csv")
                    and len(part) == 13
                ):
                    n, hi = int(part[6:9]), self.traces
                else:
                    return None
            except ValueError:
                return None
            if not 1 <= n <= hi:
                return None
            out.append(n)
        return tuple(out)

    def _file(self, s: int, k: int, i: int) -> FileNode:
        path = f"{self.mount}/{self._sub(s)}/{self._ses(k)}/{self._trace(i)}"
        return FileNode(
            path, lambda: self.content(s, k, i), self.created_at, self.file_size(s, k, i)
        )

    def is_dir(self, rel: str) -> bool:
        idx = self._parse(rel)
        return idx is not None and len(idx) < 3

    def node(self, rel: str) -> FileNode | DirNode | None:
        idx = self._parse(rel)
        if idx is None:
            return None
        if len(idx) == 3:
            return self._file(*idx)
        if len(idx) == 2:
            return DirNode(f"{self.mount}/{rel.strip('/')}", self.session_size(*idx))
        if len(idx) == 1:
            return DirNode(f"{self.mount}/{rel.strip('/')}", self.subject_size(idx[0]))
        return DirNode(self.mount, self.total_size())

    def list_dir(
        self, rel: str, offset: int, limit: int
    ) -> tuple[int, list[FileNode | DirNode]] | None:
        idx = self._parse(rel)
        if idx is None or len(idx) == 3:
            return None
        base = f"{self.mount}/{rel.strip('/')}".rstrip("/")
        if len(idx) == 0:
            total = self.subjects
            rng = range(offset + 1, min(total, offset + max(limit, 0)) + 1)
            items = [DirNode(f"{base}/{self._sub(s)}", self.subject_size(s)) for s in rng]
        elif len(idx) == 1:
            total = self.sessions
            rng = range(offset + 1, min(total, offset + max(limit, 0)) + 1)
            items = [DirNode(f"{base}/{self._ses(k)}", self.session_size(idx[0], k)) for k in rng]
        else:
            total = self.traces
            rng = range(offset + 1, min(total, offset + max(limit, 0)) + 1)
            items = [self._file(idx[0], idx[1], i) for i in rng]
        return total, items

    def iter_files(self, rel: str) -> Iterator[FileNode]:
        idx = self._parse(rel)
        if idx is None:
            return
        subs = [idx[0]] if len(idx) >= 1 else range(1, self.subjects + 1)
        for s in subs:
            sess = [idx[1]] if len(idx) >= 2 else range(1, self.sessions + 1)
            for k in sess:
                trs = [idx[2]] if len(idx) == 3 else range(1, self.traces + 1)
                for i in trs:
                    yield self._file(s, k, i)
