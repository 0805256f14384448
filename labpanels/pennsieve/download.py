"""Streaming downloads to disk: safe names, constant memory, verification, atomic rename, resume.

Every download writes into a hidden temporary file *in the target folder*
(``.<name>.part``) and renames it over the final name only once its size (and SHA-256,
when the server published one) checked out, so a reader never sees a half-written file.
A connection that drops mid-body is resumed with ``Range: bytes=<done>-`` when the
server answers 206, and restarted from zero when it ignores the range. On any failure
the temporary file is removed, unless the caller asked to keep it for a later resume.

Names that come from a server go through :func:`safe_path` before anything touches the
disk: ``..``, absolute paths, drive letters, backslashes, NUL and control characters
are refused with :class:`UnsafePathError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import requests

from ..errors import ApiError, LabpanelsError, NetworkError
from ..http import HttpClient
from ..waiting import Stopped, retry

__all__ = [
    "CHUNK_SIZE",
    "DownloadError",
    "DownloadCancelled",
    "IntegrityError",
    "UnsafePathError",
    "ZipitError",
    "Tracker",
    "safe_name",
    "safe_path",
    "partial_path",
    "download_url",
    "zipit_error",
    "filename_from_disposition",
    "check_zip",
    "zipit_download",
]

#: bytes read from the socket and written to disk at a time (a read cut short by a dropped
#: connection loses what it had gathered, so this stays moderate)
CHUNK_SIZE = 256 * 1024
#: at most this much of an error body is read into memory
_ERROR_BODY_LIMIT = 64 * 1024

ProgressCallback = Callable[[dict], Any]


# --------------------------------------------------------------------------- errors
class UnsafePathError(LabpanelsError, ValueError):
    """A file name from a server would land outside the target folder (or is not a name)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"refusing unsafe file name {name!r}: {reason}")


class DownloadError(LabpanelsError):
    """A download could not be completed."""


class DownloadCancelled(DownloadError):
    """The download was cancelled (``cancel()``); nothing partial was left behind."""


class IntegrityError(DownloadError):
    """The downloaded bytes do not match the size or checksum the server announced."""


class ZipitError(LabpanelsError):
    """zipit answered HTTP 200 with an ``!ERROR.txt`` file instead of data."""

    def __init__(self, status: int | None, error: str, info: str = "") -> None:
        self.status = status
        self.error = error
        self.info = info
        detail = f" ({info})" if info else ""
        super().__init__(f"zipit refused the download: {error}{detail} [status {status}]")


# --------------------------------------------------------------------------- names
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_name(name: str) -> str:
    """``name`` if it is one plain path component, else :class:`UnsafePathError`."""
    if not isinstance(name, str):
        raise UnsafePathError(repr(name), "not a string")
    if name in ("", ".", ".."):
        raise UnsafePathError(name, "empty or a relative reference")
    if "\x00" in name:
        raise UnsafePathError(name, "contains NUL")
    if _CONTROL.search(name):
        raise UnsafePathError(name, "contains control characters")
    if "/" in name or "\\" in name:
        raise UnsafePathError(name, "contains a path separator")
    if _DRIVE.match(name):
        raise UnsafePathError(name, "looks like a drive letter")
    return name


def safe_path(root: str | os.PathLike, *parts: str) -> Path:
    """``root / parts...``, refusing anything that could escape ``root``.

    Each part may hold several ``/``-separated components (as manifest paths do); every
    component must be a plain name (see :func:`safe_name`), absolute paths are refused,
    and the resolved result (symbolic links included) must stay inside ``root``.
    """
    components: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise UnsafePathError(repr(part), "not a string")
        if part.startswith(("/", "\\")) or _DRIVE.match(part):
            raise UnsafePathError(part, "absolute path")
        if "\x00" in part:
            raise UnsafePathError(part, "contains NUL")
        pieces = part.split("/")
        for piece in pieces:
            try:
                safe_name(piece)
            except UnsafePathError as exc:
                raise UnsafePathError(part, exc.reason) from None
        components.extend(pieces)
    if not components:
        raise UnsafePathError("", "empty path")
    base = Path(root).resolve()
    target = base.joinpath(*components)
    if not target.resolve().is_relative_to(base):
        raise UnsafePathError("/".join(components), "resolves outside the target folder")
    return target


def partial_path(dest: Path) -> Path:
    """The temporary file a download of ``dest`` writes to (same folder, hidden)."""
    return dest.with_name(f".{dest.name}.part")


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.IGNORECASE)


def filename_from_disposition(header: str | None) -> str | None:
    """The file name of a ``Content-Disposition`` header (not yet checked for safety)."""
    if not header:
        return None
    star = _FILENAME_STAR.search(header)
    if star:
        return unquote(star.group(2).strip(), encoding=star.group(1) or "utf-8")
    plain = _FILENAME.search(header)
    if not plain:
        return None
    value = plain.group(1) if plain.group(1) is not None else plain.group(2).strip()
    return unquote(value.replace('\\"', '"'))


# --------------------------------------------------------------------------- progress
@dataclass
class Tracker:
    """Counts bytes and files for one download call and reports them.

    ``bytes_done`` never goes backwards: when a server ignores a resume request and the
    file restarts from zero, the count holds until the new bytes pass the old mark.
    """

    files_total: int
    bytes_total: int | None
    callback: ProgressCallback | None = None
    cancel_event: threading.Event | None = None
    files_done: int = 0
    current: str = ""
    _base: int = 0  # bytes of finished files
    _file_done: int = 0  # bytes of the current file on disk
    _file_mark: int = 0  # most bytes of the current file ever reported

    @property
    def bytes_done(self) -> int:
        return self._base + max(self._file_done, self._file_mark)

    def as_dict(self) -> dict:
        return {
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "files_done": self.files_done,
            "files_total": self.files_total,
            "current": self.current,
        }

    def report(self) -> None:
        if self.callback is not None:
            self.callback(self.as_dict())

    def check(self) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            raise DownloadCancelled(f"download of {self.current or 'files'} cancelled")

    def start_file(self, name: str, already: int = 0) -> None:
        self.current = name
        self._file_done = self._file_mark = already
        self.report()

    def file_bytes(self, done: int) -> None:
        self._file_done = done
        self._file_mark = max(self._file_mark, done)
        self.check()
        self.report()

    def finish_file(self, size: int) -> None:
        self._base += size
        self._file_done = self._file_mark = 0
        self.files_done += 1
        self.report()


# --------------------------------------------------------------------------- streaming
class _Interrupted(Exception):
    """The body stopped early; ``done`` bytes are safely on disk."""

    def __init__(self, done: int, reason: str) -> None:
        self.done = done
        self.reason = reason
        super().__init__(reason)


_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _hash_file(path: Path, limit: int | None = None) -> Any:
    digest = hashlib.sha256()
    remaining = limit
    with open(path, "rb") as fh:
        while remaining is None or remaining > 0:
            block = fh.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not block:
                break
            digest.update(block)
            if remaining is not None:
                remaining -= len(block)
    return digest


def _describe(exc: BaseException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return text[:200] or type(exc).__name__


class _Receiver:
    """One file's transfer: request, append or restart, hash as the bytes arrive."""

    def __init__(
        self,
        http: HttpClient,
        url: str,
        part: Path,
        size: int | None,
        want_hash: bool,
        tracker: Tracker | None,
        headers: Mapping[str, str] | None,
        chunk_size: int,
    ) -> None:
        self.http = http
        self.url = url
        self.part = part
        self.size = size
        self.tracker = tracker
        self.headers = dict(headers or {})
        self.chunk_size = chunk_size
        self.want_hash = want_hash
        self.digest = hashlib.sha256() if want_hash else None
        self.done = 0
        self.ranged = 0  # how many resumed requests the server honoured

    def adopt(self, existing: int) -> None:
        """Continue from ``existing`` bytes already in the part file."""
        self.done = existing
        if self.want_hash:
            self.digest = _hash_file(self.part, existing)

    def restart(self) -> None:
        self.done = 0
        self.digest = hashlib.sha256() if self.want_hash else None

    def fetch(self) -> None:
        headers = {"Accept": "*/*", **self.headers}
        if self.done:
            headers["Range"] = f"bytes={self.done}-"
        try:
            response = self.http.request("GET", self.url, headers=headers, stream=True)
        except NetworkError as exc:
            raise _Interrupted(self.done, exc.reason) from None
        except ApiError as exc:
            if exc.status == 416 and self.done and self.size == self.done:
                return  # everything was already there
            raise
        with response:
            if self.done and response.status_code == 206:
                match = _RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != self.done:
                    self.restart()  # an unexpected slice: start over rather than guess
                    response.close()
                    raise _Interrupted(0, "the server sent an unexpected range")
                self.ranged += 1
                mode = "ab"
            else:
                if self.done:
                    self.restart()  # the server ignored Range: the body is the whole file
                mode = "wb"
            if self.size is None:
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit():
                    self.size = self.done + int(length)
            self._write(response, mode)
        if self.size is not None and self.done < self.size:
            raise _Interrupted(self.done, f"the body ended after {self.done} of {self.size} bytes")

    def _write(self, response: requests.Response, mode: str) -> None:
        try:
            self.done = _write_body(
                response, self.part, mode, self.done, self.size, self.digest, self.tracker,
                self.chunk_size,
            )  # fmt: skip
        except _Interrupted as exc:
            self.done = exc.done  # what reached the disk before the break
            raise


def _write_body(
    response: requests.Response,
    part: Path,
    mode: str,
    done: int,
    size: int | None,
    digest: Any,
    tracker: Tracker | None,
    chunk_size: int,
    prefix: bytes = b"",
) -> int:
    """Append the body to ``part``; return the bytes on disk or raise :class:`_Interrupted`.

    ``prefix`` holds body bytes already read from the response (they are written first).
    """
    with open(part, mode) as fh:
        if prefix:
            fh.write(prefix)
            done += len(prefix)
        chunks = response.iter_content(chunk_size)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return done
            except requests.RequestException as exc:
                fh.flush()
                raise _Interrupted(done, _describe(exc)) from None
            if not chunk:
                continue
            fh.write(chunk)
            if digest is not None:
                digest.update(chunk)
            done += len(chunk)
            if size is not None and done > size:
                raise IntegrityError(f"{part.name}: received more than the announced {size} bytes")
            if tracker is not None:
                tracker.file_bytes(done)


def download_url(
    http: HttpClient,
    url: str,
    dest: str | os.PathLike,
    *,
    size: int | None = None,
    sha256: str | None = None,
    tracker: Tracker | None = None,
    keep_partial: bool = False,
    attempts: int = 4,
    headers: Mapping[str, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Path:
    """Stream ``url`` into ``dest``, verified and atomically renamed; return ``dest``.

    ``size`` and ``sha256`` (hex) are checked when given (``size`` defaults to the
    response's ``Content-Length``). A body that breaks off is resumed with a Range
    request (or restarted) up to ``attempts`` times in all. A ``.<name>.part`` file left
    by an earlier call with ``keep_partial=True`` is resumed. On failure the partial
    file is deleted unless ``keep_partial`` is true (it never is for a checksum mismatch).
    """
    dest = Path(dest)
    part = partial_path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    receiver = _Receiver(http, url, part, size, bool(sha256), tracker, headers, chunk_size)
    keep = False
    try:
        existing = part.stat().st_size if part.exists() else 0
        if existing and (size is None or existing <= size):
            receiver.adopt(existing)
        if tracker is not None:
            tracker.start_file(dest.name, receiver.done)
            tracker.check()
        try:
            retry(receiver.fetch, attempts=attempts, retry_on=(_Interrupted,), first=0.2,
                  cap=1.0, stop=tracker.cancel_event if tracker is not None else None)
        except _Interrupted as exc:
            keep = keep_partial
            expected = f" of {receiver.size}" if receiver.size is not None else ""
            raise DownloadError(
                f"download of {dest.name} failed after {attempts} attempts: "
                f"{exc.reason} ({receiver.done}{expected} bytes received)"
            ) from None
        except Stopped:
            raise DownloadCancelled(f"download of {dest.name} cancelled") from None
        if not part.exists():  # an empty body writes nothing
            part.touch()
        actual = part.stat().st_size
        if receiver.size is not None and actual != receiver.size:
            raise IntegrityError(
                f"{dest.name}: {actual} bytes on disk, the server announced {receiver.size}"
            )
        if sha256:
            got = receiver.digest.hexdigest() if receiver.digest else ""
            if got.lower() != sha256.lower():
                raise IntegrityError(f"{dest.name}: SHA-256 {got} does not match {sha256}")
        os.replace(part, dest)
        if tracker is not None:
            tracker.finish_file(actual)
        return dest
    except (DownloadCancelled, KeyboardInterrupt):
        keep = keep_partial
        raise
    finally:
        if not keep:
            _unlink(part)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- zipit
def zipit_error(response: requests.Response) -> ZipitError | None:
    """The :class:`ZipitError` a zipit response stands for, or None when it carries data.

    zipit reports failures as HTTP 200 with ``Content-Disposition: ...filename="!ERROR.txt"``
    and a JSON body ``{"status", "error", "info"}``. Reads the body only for such a file.
    """
    error, _ = _peek_error(response)
    return error


def _peek_error(response: requests.Response) -> tuple[ZipitError | None, bytes]:
    """(error, bytes read from the body): the bytes must be kept when it is data."""
    name = filename_from_disposition(response.headers.get("Content-Disposition"))
    ctype = response.headers.get("Content-Type", "").lower()
    if name == "!ERROR.txt":
        raw = response.raw.read(_ERROR_BODY_LIMIT, decode_content=True)
        error = _parse_error_body(raw, strict=False)
        return error, raw
    if name is None and ctype.startswith("text/plain"):
        # no file name at all: zipit's error shape without its header (a proxy dropped it?)
        raw = response.raw.read(_ERROR_BODY_LIMIT, decode_content=True)
        return _parse_error_body(raw, strict=True), raw
    return None, b""


def _parse_error_body(raw: bytes, strict: bool) -> ZipitError | None:
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and ("error" in body or "status" in body):
        status = body.get("status")
        return ZipitError(
            int(status) if isinstance(status, int | float) else None,
            str(body.get("error") or "unknown error"),
            str(body.get("info") or ""),
        )
    if strict:
        return None  # plain text that is not zipit's error shape: a real text file
    return ZipitError(None, " ".join(text.split())[:300] or "empty error file")


def check_zip(path: Path) -> int:
    """Verify a downloaded zip (CRCs, no zipit error entry); return its number of files."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise IntegrityError(f"{path.name}: entry {bad!r} is corrupt")
            for info in archive.infolist():
                if info.filename.rsplit("/", 1)[-1] == "!ERROR.txt":
                    raw = archive.read(info)[:_ERROR_BODY_LIMIT]
                    raise _parse_error_body(raw, strict=False) or ZipitError(None, "!ERROR.txt")
            return sum(1 for info in archive.infolist() if not info.is_dir())
    except zipfile.BadZipFile as exc:
        raise IntegrityError(f"{path.name} is not a valid zip archive: {exc}") from None


def zipit_download(
    http: HttpClient,
    url: str,
    data: Mapping[str, Any],
    dest_dir: str | os.PathLike,
    *,
    name: str | None = None,
    tracker: Tracker | None = None,
    attempts: int = 3,
    verify: bool = True,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[Path, requests.Response]:
    """POST ``{"data": data}`` to zipit and stream the answer into ``dest_dir``.

    Returns the saved file (a zip, or the raw file when the selection is one file) and
    the (consumed) response. zipit errors raise :class:`ZipitError` and leave nothing on
    disk. zipit streams without a length, so a broken transfer cannot resume: it is
    restarted from scratch (the request only reads) up to ``attempts`` times.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    if name is not None:
        safe_name(name)

    def attempt() -> tuple[Path, requests.Response]:
        # a NetworkError (no answer) or an _Interrupted (a body cut short) is tried again
        response = http.request(
            "POST", url, json={"data": dict(data)}, headers={"Accept": "*/*"}, stream=True
        )
        part: Path | None = None
        done = False
        try:
            with response:
                error, prefix = _peek_error(response)
                if error is not None:
                    raise error
                server_name = filename_from_disposition(response.headers.get("Content-Disposition"))
                filename = name or server_name or "pennsieve-data.zip"
                dest = safe_path(dest_dir, safe_name(filename))
                part = partial_path(dest)
                length = response.headers.get("Content-Length")
                size = int(length) if length and length.isdigit() else None
                if tracker is not None:
                    tracker.start_file(dest.name)
                got = _write_body(response, part, "wb", 0, size, None, tracker, chunk_size, prefix)
                if size is not None and got != size:
                    raise _Interrupted(got, f"the body ended after {got} of {size} bytes")
            ctype = response.headers.get("Content-Type", "").lower()
            if verify and (ctype.startswith("application/zip") or dest.suffix == ".zip"):
                check_zip(part)
            os.replace(part, dest)
            done = True
            if tracker is not None:
                tracker.finish_file(got)
            return dest, response
        finally:
            if part is not None and not done:
                _unlink(part)

    try:
        return retry(attempt, attempts=attempts, retry_on=(NetworkError, _Interrupted),
                     first=0.2, cap=1.0,
                     stop=tracker.cancel_event if tracker is not None else None)
    except _Interrupted as exc:
        raise DownloadError(
            f"zipit download failed after {attempts} attempts: {exc.reason}"
        ) from None
    except Stopped:
        raise DownloadCancelled("zipit download cancelled") from None
