"""``OsparcSession``: run o²S²PARC solvers (computational services) from a notebook.

Credentials, in order of precedence (a key and its secret always come from the same place):

1. the ``url``, ``key`` and ``secret`` arguments;
2. ``OSPARC_API_KEY`` / ``OSPARC_API_SECRET``, host ``OSPARC_API_HOST`` (or
   ``OSPARC_API_BASE_URL``): the names the ``osparc`` client reads;
3. ``O2SPARC_USERNAME`` / ``O2SPARC_PASSWORD``, host ``O2SPARC_HOST``: the names
   ``sparc.client`` reads;
4. host ``https://api.osparc.io`` when none is named.

Empty variables count as unset. The secret lives only in the HTTP session's auth: it is
never put in a trait, a log line, an error message or ``repr``.

Typical use::

    s = OsparcSession()                                  # credentials from the environment
    s.select_solver("simcore/services/comp/itis/sleeper", "2.0.2")
    job = s.submit({"input_1": Path("number.txt"), "input_2": 3})
    s.wait(job, on_progress=lambda st: print(st["progress"]))
    s.outputs(job)        # {"output_1": {...File...}, "output_2": 4}: the server's own types
    s.log_lines(job)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import requests
from traitlets import Dict, List

from ..errors import ApiError, AuthenticationError, Conflict, ConnectionFailed, LabpanelsError
from ..errors import ServerError as _ServerError
from ..http import DEFAULT_TIMEOUT, HttpClient, Timeout, body_error
from ..paging import iter_osparc
from ..pennsieve.download import download_url, safe_name, safe_path
from ..state import SessionState

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "OsparcSession",
    "Credentials",
    "resolve_credentials",
    "MissingCredentials",
    "JobFailedError",
    "JobNotFinished",
    "JobTimeout",
    "OSPARC_URL",
    "DONE_STATES",
    "error_text",
]

OSPARC_URL = "https://api.osparc.io"
#: states after which a job never changes again
DONE_STATES = frozenset({"SUCCESS", "FAILED", "ABORTED"})
_HASH_BLOCK = 1024 * 1024


def error_text(errors: Iterable[Any] | None) -> str:
    """A server's error entries (``{"msg": ...}`` dicts or plain values) as one line."""
    return "; ".join(
        str(e.get("msg", e)) if isinstance(e, Mapping) else str(e) for e in errors or ()
    )


class MissingCredentials(LabpanelsError):
    """No API key/secret was given or found in the environment."""


class JobFailedError(LabpanelsError):
    """The job ended FAILED or ABORTED; ``errors`` holds the server's error entries."""

    def __init__(self, job_id: str, state: str, errors: list | None) -> None:
        self.job_id = job_id
        self.state = state
        self.errors = list(errors or [])
        detail = error_text(self.errors)
        reason = f": {detail}" if detail else ""
        super().__init__(f"job {job_id} {state}{reason} (its log: logs(job))")


class JobNotFinished(LabpanelsError):
    """The job has not finished yet, so it has no outputs or log zip."""


class JobTimeout(LabpanelsError):
    """``wait`` gave up; the job keeps running on the server."""


@dataclass(frozen=True)
class Credentials:
    """Where to connect and with what; ``repr`` hides the secret."""

    url: str
    key: str | None
    secret: str | None
    source: str

    def __repr__(self) -> str:
        hidden = "***" if self.secret else None
        return (
            f"Credentials(url={self.url!r}, key={self.key!r}, secret={hidden!r}, "
            f"source={self.source!r})"
        )


def resolve_credentials(
    url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Apply the precedence documented in this module: arguments, ``OSPARC_API_*``,
    ``O2SPARC_*``, then the default host."""
    env = os.environ if environ is None else environ

    def first(*names: str) -> str | None:
        return next((env[n] for n in names if env.get(n)), None)

    host = url or first("OSPARC_API_HOST", "OSPARC_API_BASE_URL", "O2SPARC_HOST") or OSPARC_URL
    if key and secret:
        return Credentials(host, key, secret, "arguments")
    if key or secret:
        raise MissingCredentials("give both key and secret (or neither, to read the environment)")
    for source, (k, s) in (
        ("OSPARC_API_KEY/OSPARC_API_SECRET", ("OSPARC_API_KEY", "OSPARC_API_SECRET")),
        ("O2SPARC_USERNAME/O2SPARC_PASSWORD", ("O2SPARC_USERNAME", "O2SPARC_PASSWORD")),
    ):
        if env.get(k) and env.get(s):
            return Credentials(host, env[k], env[s], source)
    return Credentials(host, None, None, "none")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _is_file_value(value: Any) -> bool:
    return isinstance(value, Mapping) and "id" in value and "filename" in value


class OsparcSession(SessionState):
    """Solvers, jobs, uploads and results of the o²S²PARC public API (v0).

    Traits (for panels): ``busy``, ``last_error``, ``solver`` (the selected solver
    release), ``job`` (the current job with ``state``/``progress``), ``jobs`` (my jobs).
    """

    solver = Dict(allow_none=True, default_value=None, help="the selected solver release")
    job = Dict(allow_none=True, default_value=None, help="the current job and its status")
    jobs = List(help="my jobs, as my_jobs() last listed them")

    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        poll_interval: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        creds = resolve_credentials(url, key, secret)
        self.http = HttpClient(creds.url, timeout=timeout)
        # presigned object-store URLs get no API credentials (S3 refuses a second auth)
        self.storage_http = HttpClient(creds.url, timeout=timeout)
        self.credentials_source = creds.source
        self.api_key = creds.key
        if creds.key and creds.secret:
            self.http.session.auth = (creds.key, creds.secret)
        self.poll_interval = poll_interval

    # ------------------------------------------------------------------ plumbing
    @property
    def url(self) -> str:
        """The API host (``https://api.osparc.io`` by default)."""
        return self.http.base_url

    def __repr__(self) -> str:
        return f"OsparcSession({self.url!r}, key={self.api_key!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()
        self.storage_http.close()

    def __enter__(self) -> OsparcSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.http.session.auth is None:
            raise MissingCredentials(
                "no o²S²PARC API key/secret: pass key= and secret=, call login(), or set "
                "OSPARC_API_KEY/OSPARC_API_SECRET (or O2SPARC_USERNAME/O2SPARC_PASSWORD)"
            )
        with self.working():
            try:
                return self.http.call(method, path, **kwargs)
            except AuthenticationError as exc:
                raise AuthenticationError(
                    exc.status,
                    exc.method,
                    exc.url,
                    f"o²S²PARC at {self.url} refused API key {self.api_key!r} and its secret "
                    f"({exc.message})",
                    exc.body,
                ) from None

    def login(self, key: str, secret: str) -> dict:
        """Use these credentials from now on and check them; return the profile."""
        if not key or not secret:
            raise MissingCredentials("both an API key and an API secret are needed")
        self.http.session.auth = (key, secret)
        self.api_key = key
        self.credentials_source = "login"
        return self.profile()

    def profile(self) -> dict:
        """My user profile (``login``, names, ``role``, groups)."""
        return self._call("GET", "/v0/me")

    # ------------------------------------------------------------------ solvers
    def solvers(self, *, all_releases: bool = False) -> list[dict]:
        """The latest release of every solver, or every release with ``all_releases``."""
        return list(self._call("GET", "/v0/solvers/releases" if all_releases else "/v0/solvers"))

    def solver_releases(self, key: str) -> list[dict]:
        """Every release of one solver."""
        return list(self._call("GET", f"/v0/solvers/{quote(key, safe='')}/releases"))

    def get_solver(self, key: str, version: str | None = None) -> dict:
        """One solver release (the latest when ``version`` is None)."""
        tail = "latest" if version is None else f"releases/{version}"
        return self._call("GET", f"/v0/solvers/{quote(key, safe='')}/{tail}")

    def select_solver(self, key: str | Mapping[str, Any], version: str | None = None) -> dict:
        """Make a solver release the current one (``solver`` trait) and return it."""
        if isinstance(key, Mapping):
            key, version = str(key["id"]), version or key.get("version")
        solver = self.get_solver(key, version)
        self.solver = solver
        return solver

    def _solver_ref(self, solver: Any) -> tuple[str, str]:
        if solver is None:
            solver = self.solver
            if not solver:
                raise LabpanelsError("no solver selected: pass solver= or call select_solver()")
        if isinstance(solver, Mapping):
            return str(solver["id"]), str(solver["version"])
        if isinstance(solver, tuple) and len(solver) == 2:
            return str(solver[0]), str(solver[1])
        if isinstance(solver, str) and ":" in solver:
            key, version = solver.rsplit(":", 1)
            return key, version
        raise ValueError(f"not a solver: {solver!r} (give a dict, (key, version) or 'key:version')")

    @staticmethod
    def _release_path(key: str, version: str) -> str:
        return f"/v0/solvers/{quote(key, safe='')}/releases/{version}"

    def ports(self, solver: Any = None) -> list[dict]:
        """The solver's input and output ports (``key``, ``kind``, ``content_schema``)."""
        key, version = self._solver_ref(solver)
        body = self._call("GET", f"{self._release_path(key, version)}/ports")
        return list(body.get("items") or [])

    def input_ports(self, solver: Any = None) -> list[dict]:
        """The solver's input ports."""
        return [p for p in self.ports(solver) if p.get("kind") == "input"]

    def output_ports(self, solver: Any = None) -> list[dict]:
        """The solver's output ports."""
        return [p for p in self.ports(solver) if p.get("kind") == "output"]

    # ------------------------------------------------------------------ files
    def find_file(self, sha256: str, filename: str | None = None) -> dict | None:
        """A file the server already holds with this SHA-256 (and name, if given)."""
        for item in iter_osparc(
            self._checked_http(), "/v0/files:search", {"sha256_checksum": sha256}
        ):
            if filename is None or item.get("filename") == filename:
                return item
        return None

    def _checked_http(self) -> HttpClient:
        if self.http.session.auth is None:
            self._call("GET", "/v0/me")  # raises MissingCredentials
        return self.http

    def upload(self, path: str | os.PathLike) -> dict:
        """Upload a file (or reuse the server's copy with the same checksum and name).

        Uses the multipart protocol: search by SHA-256, ask for upload links, PUT each
        part to its presigned URL (no API credentials), then complete; on failure the
        upload is aborted. Memory holds one part at a time. Returns the server's File.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file to upload: {path}")
        with self.working():
            checksum = _sha256(path)
            existing = self.find_file(checksum, path.name)
            if existing is not None:
                return existing
            size = path.stat().st_size
            client_file = {"filename": path.name, "filesize": size, "sha256_checksum": checksum}
            plan = self._call("POST", "/v0/files/content", json=client_file)
            schema = plan["upload_schema"]
            links = schema.get("links") or {}
            try:
                parts = self._put_parts(path, size, schema)
                return self._call(
                    "POST",
                    links.get("complete_upload") or f"/v0/files/{plan['file_id']}:complete",
                    json={"client_file": client_file, "uploaded_parts": {"parts": parts}},
                )
            except BaseException:
                abort = links.get("abort_upload") or f"/v0/files/{plan['file_id']}:abort"
                with contextlib.suppress(LabpanelsError):  # the original error matters more
                    self.http.post(abort, json={"client_file": client_file}, timeout=10)
                raise

    def _put_parts(self, path: Path, size: int, schema: Mapping[str, Any]) -> list[dict]:
        chunk = int(schema.get("chunk_size") or size or 1)
        urls = list(schema.get("urls") or [])
        needed = max(1, math.ceil(size / chunk))
        if len(urls) < needed:
            raise LabpanelsError(
                f"the server gave {len(urls)} upload URLs for {needed} parts of {path.name}"
            )
        parts = []
        with open(path, "rb") as fh:
            for number, url in enumerate(urls[:needed], start=1):
                data = fh.read(chunk)
                response = self.storage_http.request(
                    "PUT", url, data=data, headers={"Content-Type": "application/octet-stream"}
                )
                etag = response.headers.get("ETag", "").strip().strip('"')
                if not etag:
                    raise LabpanelsError(f"part {number} of {path.name}: no ETag in the answer")
                parts.append({"number": number, "e_tag": etag})
        return parts

    def download_file(
        self,
        file: Mapping[str, Any] | str,
        dest: str | os.PathLike = ".",
        *,
        filename: str | None = None,
    ) -> Path:
        """Download a server file (a File dict or its id) into the folder ``dest``.

        Streamed to disk, SHA-256-checked when the File carries one, renamed into place.
        """
        if isinstance(file, Mapping):
            file_id, name = str(file["id"]), filename or str(file.get("filename") or file["id"])
            checksum = str(file.get("checksum") or "")
        else:
            file_id, name, checksum = str(file), filename or str(file), ""
        target = safe_path(dest, safe_name(name))
        sha = (
            checksum
            if len(checksum) == 64 and all(c in "0123456789abcdefABCDEF" for c in checksum)
            else None
        )
        with self.working():
            self._checked_http()
            return download_url(self.http, f"/v0/files/{file_id}/content", target, sha256=sha)

    # ------------------------------------------------------------------ jobs
    def _job_ref(self, job: Any) -> tuple[str, str, str]:
        """(solver key, version, job id) of a job dict, a status dict or a bare id."""
        current = self.job or {}
        if job is None:
            if not current:
                raise LabpanelsError("no current job: pass job= or submit() one first")
            job = current
        if isinstance(job, Mapping):
            job_id = str(job.get("id") or job.get("job_id"))
            if job.get("solver") and job.get("version"):
                return str(job["solver"]), str(job["version"]), job_id
            runner = str(job.get("runner_name") or "")
            if runner.startswith("solvers/") and "/releases/" in runner:
                key, version = runner[len("solvers/") :].split("/releases/", 1)
                return unquote(key), version.strip("/"), job_id
            if current.get("id") == job_id and current.get("solver"):
                return str(current["solver"]), str(current["version"]), job_id
            key, version = self._solver_ref(None)
            return key, version, job_id
        job_id = str(job)
        if current.get("id") == job_id and current.get("solver"):
            return str(current["solver"]), str(current["version"]), job_id
        key, version = self._solver_ref(None)
        return key, version, job_id

    def _job_path(self, job: Any) -> tuple[str, str, str, str]:
        key, version, job_id = self._job_ref(job)
        return f"{self._release_path(key, version)}/jobs/{job_id}", key, version, job_id

    def _remember(self, key: str, version: str, job_id: str, fields: Mapping[str, Any]) -> dict:
        base = dict(self.job) if self.job and self.job.get("id") == job_id else {}
        base.update({**fields, "id": job_id, "solver": key, "version": version})
        self.job = base
        return base

    def submit(self, inputs: Mapping[str, Any], solver: Any = None, *, start: bool = True) -> dict:
        """Create (and start) a job; ``pathlib.Path`` values are uploaded first.

        Other values go to the server unchanged: no coercion of numbers, booleans or
        strings. Returns the job (also the ``job`` trait) with its first status.
        """
        key, version = self._solver_ref(solver)
        with self.working():
            values: dict[str, Any] = {}
            for name, value in inputs.items():
                if isinstance(value, Path):
                    values[name] = self.upload(value)
                else:
                    values[name] = dict(value) if isinstance(value, Mapping) else value
            created = self._call(
                "POST", f"{self._release_path(key, version)}/jobs", json={"values": values}
            )
            job = self._remember(
                key, version, str(created["id"]), {**created, "state": "NOT_STARTED", "progress": 0}
            )
            if start:
                return self.start(job)
            return job

    def start(self, job: Any = None) -> dict:
        """Start a created job; returns the job with its status."""
        path, key, version, job_id = self._job_path(job)
        status = self._call("POST", f"{path}:start")
        return self._remember(key, version, job_id, status)

    def status(self, job: Any = None) -> dict:
        """The job's status (one ``:inspect`` request); updates the ``job`` trait."""
        path, key, version, job_id = self._job_path(job)
        status = self._call("POST", f"{path}:inspect")
        self._remember(key, version, job_id, status)
        return status

    def wait(
        self,
        job: Any = None,
        *,
        on_progress: Callable[[dict], Any] | None = None,
        poll_interval: float | None = None,
        timeout: float | None = 600.0,
    ) -> dict:
        """Poll until the job ends (one ``:inspect`` per tick); return its final status.

        ``on_progress(status)`` is called after every tick. A FAILED or ABORTED job is
        returned, not raised: check ``status["state"]`` (:meth:`outputs` raises for it).
        Brief network or 5xx trouble is tolerated for three ticks in a row.
        ``timeout`` raises :class:`JobTimeout` (the job keeps running; None waits forever).
        """
        interval = self.poll_interval if poll_interval is None else poll_interval
        deadline = None if timeout is None else time.monotonic() + timeout
        failures = 0
        while True:
            try:
                status = self.status(job)
                failures = 0
            except (ConnectionFailed, _ServerError):
                failures += 1
                if failures > 3:
                    raise
                status = None
            if status is not None:
                if on_progress is not None:
                    on_progress(status)
                if status.get("state") in DONE_STATES:
                    return status
            if deadline is not None and time.monotonic() + interval > deadline:
                _, _, job_id = self._job_ref(job)
                state = status.get("state") if status else "unknown"
                message = f"job {job_id} still {state} after {timeout:g} s"
                self.last_error = message
                raise JobTimeout(message)
            time.sleep(interval)

    def stop(self, job: Any = None) -> dict:
        """Stop a running job (it ends ABORTED); returns its status."""
        path, key, version, job_id = self._job_path(job)
        status = self._call("POST", f"{path}:stop")
        self._remember(key, version, job_id, status)
        return status

    def delete(self, job: Any = None) -> None:
        """Delete a job and its results from the server."""
        path, _, _, job_id = self._job_path(job)
        self._call("DELETE", path)
        if self.job and self.job.get("id") == job_id:
            self.job = None

    def _explain_conflict(self, job: Any, exc: ApiError) -> LabpanelsError:
        status = self.status(job)
        state = str(status.get("state"))
        if state in ("FAILED", "ABORTED"):
            return JobFailedError(str(status.get("job_id")), state, status.get("errors"))
        if state not in DONE_STATES:
            return JobNotFinished(f"job {status.get('job_id')} is {state}: {exc.message}")
        return exc

    def outputs(self, job: Any = None) -> dict:
        """The job's results with the server's own types (an integer stays an int).

        File outputs are File dicts (see :meth:`download_output`). A failed job raises
        :class:`JobFailedError` carrying its errors, an unfinished one :class:`JobNotFinished`.
        """
        path, _, _, _ = self._job_path(job)
        try:
            body = self._call("GET", f"{path}/outputs")
        except Conflict as exc:
            error = self._explain_conflict(job, exc)
            self.last_error = str(error)
            raise error from None
        return dict(body.get("results") or {})

    def download_output(
        self, output: str | Mapping[str, Any], dest: str | os.PathLike = ".", job: Any = None
    ) -> Path:
        """Download one file output (its port name, or the File dict) into ``dest``."""
        value = self.outputs(job)[output] if isinstance(output, str) else output
        if not _is_file_value(value):
            raise ValueError(f"output {output!r} is not a file: {value!r}")
        return self.download_file(value, dest)

    def download_outputs(self, job: Any = None, dest: str | os.PathLike | None = None) -> dict:
        """Every output: files downloaded (into ``dest``, default a new temporary folder)
        and given as their Path, other values unchanged."""
        results = self.outputs(job)
        folder = (
            Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="osparc-outputs-"))
        )
        out: dict[str, Any] = {}
        for name, value in results.items():
            if _is_file_value(value):
                port_dir = folder / name  # two outputs may share a file name
                out[name] = self.download_file(value, port_dir)
            else:
                out[name] = value
        return out

    # ------------------------------------------------------------------ logs
    @contextmanager
    def _log_zip(self, job: Any) -> Iterator[zipfile.ZipFile]:
        path, _, _, job_id = self._job_path(job)
        self._checked_http()
        with self.working(), tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            try:
                response = self.http.request(
                    "GET", f"{path}/outputs/logfile", headers={"Accept": "*/*"}, stream=True
                )
            except ApiError as exc:
                if exc.status == 404:
                    raise JobNotFinished(f"job {job_id} has no log yet: {exc.message}") from None
                raise
            with response:
                for block in response.iter_content(_HASH_BLOCK):
                    spool.write(block)
            spool.seek(0)
            try:
                archive = zipfile.ZipFile(spool)
            except zipfile.BadZipFile:
                raise LabpanelsError(f"the log of job {job_id} is not a zip archive") from None
            with archive:
                yield archive

    def stream_log(self, job: Any = None, *, quiet_timeout: float = 120.0) -> Iterator[str]:
        """The job's log lines as the solver writes them, until the job ends.

        Reads the server's NDJSON log stream (one reader per job at a time: a second gets
        :class:`~labpanels.errors.Conflict`). A stream silent for ``quiet_timeout`` seconds
        raises :class:`~labpanels.errors.RequestTimeout`. Once the job ended,
        :meth:`log_lines` reads the complete log file.
        """
        path, _, _, job_id = self._job_path(job)
        http = self._checked_http()
        timeout = (DEFAULT_TIMEOUT[0], quiet_timeout)
        try:
            response = http.request(
                "GET", f"{path}/logstream", headers={"Accept": "application/x-ndjson"},
                stream=True, timeout=timeout,
            )
        except Conflict as exc:
            raise Conflict(exc.status, exc.method, exc.url,
                           f"the log of job {job_id} is already being read elsewhere (the "
                           "server allows one reader at a time)", exc.body) from None
        with response:
            lines = response.iter_lines()
            while True:
                try:
                    raw = next(lines)
                except StopIteration:
                    return
                except requests.RequestException as exc:
                    raise body_error(exc, "GET", response.url, timeout) from None
                if raw.strip():
                    yield from _log_messages(raw, job_id)

    def logs(self, job: Any = None) -> dict[str, str]:
        """The job's log zip, unpacked in memory: ``{file name: text}``."""
        with self._log_zip(job) as archive:
            return {
                info.filename: archive.read(info).decode("utf-8", "replace")
                for info in archive.infolist()
                if not info.is_dir()
            }

    def log_lines(self, job: Any = None) -> list[str]:
        """Every line of every log file of the job, in order."""
        return [line for text in self.logs(job).values() for line in text.splitlines()]

    def save_logs(self, job: Any = None, dest: str | os.PathLike = ".") -> list[Path]:
        """Unpack the job's log zip into ``dest`` (entry names are checked: no escape)."""
        saved = []
        with self._log_zip(job) as archive:
            members = [
                (info, safe_path(dest, info.filename))
                for info in archive.infolist()
                if not info.is_dir()
            ]
            for info, target in members:
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as out:
                    while block := src.read(_HASH_BLOCK):
                        out.write(block)
                saved.append(target)
        return saved

    # ------------------------------------------------------------------ listing
    def my_jobs(self, solver: Any = None, *, max_items: int | None = None) -> list[dict]:
        """My jobs (of one solver release, or of all); sets the ``jobs`` trait."""
        if solver is None:
            route = "/v0/solvers/-/releases/-/jobs/page"
        else:
            key, version = self._solver_ref(solver)
            route = f"{self._release_path(key, version)}/jobs/page"
        http = self._checked_http()
        found: list[dict] = []
        with self.working():
            for item in iter_osparc(http, route, limit=50):
                found.append(item)
                if max_items is not None and len(found) >= max_items:
                    break
        self.jobs = found
        return found

    def jobs_frame(self, solver: Any = None) -> pandas.DataFrame:
        """My jobs as a DataFrame (id, solver, version, created_at)."""
        import pandas as pd

        rows = []
        for job in self.my_jobs(solver):
            runner = str(job.get("runner_name") or "")
            key, _, version = runner.removeprefix("solvers/").partition("/releases/")
            rows.append(
                {
                    "id": job.get("id"),
                    "solver": unquote(key),
                    "version": version,
                    "created_at": job.get("created_at"),
                }
            )
        return pd.DataFrame(rows, columns=["id", "solver", "version", "created_at"])


def _log_messages(raw: bytes, job_id: str) -> list[str]:
    """The messages of one NDJSON line of a log stream (a JobLog, or an ErrorGet)."""
    try:
        entry = json.loads(raw)
    except ValueError:
        raise LabpanelsError(
            f"the log stream of job {job_id} sent a line that is not JSON: {raw[:80]!r}"
        ) from None
    if not isinstance(entry, Mapping):
        raise LabpanelsError(f"the log stream of job {job_id} sent {type(entry).__name__}")
    if "messages" not in entry and entry.get("errors"):
        raise LabpanelsError(
            f"the log stream of job {job_id} reported: {error_text(entry['errors'])}"
        )
    return [str(m) for m in entry.get("messages") or []]
