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

The ``job`` trait is the one state of the current job that panels show (see
:meth:`OsparcSession.follow_job`): the session polls a running job itself, one poller per
job, and every panel renders the same dict, so they never disagree about it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import queue
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import requests
from traitlets import Dict, List

from ..errors import (
    ApiError,
    AuthenticationError,
    Conflict,
    InvalidArgument,
    LabpanelsError,
    NetworkError,
    RateLimited,
)
from ..errors import ServerError as _ServerError
from ..http import DEFAULT_TIMEOUT, HttpClient, Timeout, body_error
from ..paging import iter_osparc
from ..pennsieve.download import download_url, safe_name, safe_path
from ..state import SessionState
from ..waiting import Stopped, poll, retry
from .history import INPUTS_KEY, HistoryAndStudies, InputsUnknown

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
    "InputsUnknown",
    "INPUTS_KEY",
]

OSPARC_URL = "https://api.osparc.io"
#: states after which a job never changes again
DONE_STATES = frozenset({"SUCCESS", "FAILED", "ABORTED"})
_HASH_BLOCK = 1024 * 1024
#: failures after which the poller asks again (with growing pauses) instead of giving up
_TRANSIENT = (NetworkError, RateLimited, _ServerError)
#: what a job resource (as created or listed) brings to the ``job`` record
_RESOURCE_KEYS = ("name", "runner_name", "inputs_checksum", "created_at", "url", "runner_url",
                  "outputs_url")


def error_text(errors: Iterable[Any] | None) -> str:
    """A server's error entries (``{"msg": ...}`` dicts or plain values) as one line."""
    return "; ".join(
        str(e.get("msg", e)) if isinstance(e, Mapping) else str(e) for e in errors or ()
    )


def _parse_time(value: Any) -> datetime | None:
    """A server timestamp (ISO 8601, with or without zone: UTC then) or None."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


class _NotWanted(Exception):
    """A poller's job is no longer the current one and nobody waits for it."""


class _Tracked:
    """What the session knows of one job; :meth:`record` is what ``job`` shows of it."""

    def __init__(self, job_id: str, key: str, version: str, study: str = "") -> None:
        self.job_id, self.key, self.version, self.study = job_id, key, version, study
        self.inputs: dict | None = None  # what the job was created with, when known
        self.inputs_read = False  # its metadata was read for them
        self.resource: dict = {}  # the job as created or listed
        self.status: dict = {}  # the server's last JobStatus
        self.running_progress: int | None = None  # the last progress seen before the end
        self.outputs: dict | None = None
        self.outputs_note = ""
        self.outputs_tried = False
        self.poll_error = ""
        self.thread: threading.Thread | None = None
        self.waiters = 0
        self.listeners: list[Callable[[Any], None]] = []

    @property
    def path(self) -> str:
        """The job's resource path: under its study or its solver release."""
        if self.study:
            return f"/v0/studies/{self.study}/jobs/{self.job_id}"
        return f"/v0/solvers/{quote(self.key, safe='')}/releases/{self.version}/jobs/{self.job_id}"

    @property
    def state(self) -> str:
        return str(self.status.get("state") or "UNKNOWN")

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES

    def learn(self, job: Mapping[str, Any]) -> None:
        self.resource.update({k: job[k] for k in _RESOURCE_KEYS if job.get(k) is not None})

    def take(self, status: Mapping[str, Any]) -> None:
        """A new status from the server (a finished job's status never changes again)."""
        if self.done:
            return
        self.status = {**self.status, **status}
        if not self.done:
            self.running_progress = _as_int(self.status.get("progress"))

    def record(self) -> dict:
        """The job's state as every panel shows it (a new dict each time)."""
        s = self.status
        state, done = self.state, self.done
        reported = _as_int(s.get("progress"))
        if not done:
            progress = reported
        elif state == "SUCCESS":
            progress = 100
        elif reported is not None and reported < 100:
            progress = reported
        else:  # servers report 100 for a failed pipeline: the last progress seen is the truth
            progress = self.running_progress
        errors = list(s.get("errors") or [])
        detail = error_text(errors)
        if state == "FAILED":
            error = detail or "no message from the server; see its log"
            note = f"the job failed: {error}"
        elif state == "ABORTED":
            error = detail or "stopped before it finished"
            note = f"the job was stopped: {detail}" if detail else "the job was stopped before " \
                "it finished"
        else:
            error = ""
            if state == "SUCCESS":
                if self.outputs is None:
                    note = self.outputs_note or "the outputs have not been read yet"
                else:
                    note = "" if self.outputs else "the job returned no outputs"
            elif state == "NOT_STARTED":
                note = "the job has not been started"
            else:
                note = f"the job is {state}: its outputs come when it ends"
        return {
            **self.resource,
            "id": self.job_id,
            "job_id": self.job_id,
            "solver": self.key,
            "version": self.version,
            "study": self.study,
            "inputs": dict(self.inputs) if self.inputs is not None else None,
            "state": state,
            "done": done,
            "progress": progress,
            "submitted_at": s.get("submitted_at"),
            "started_at": s.get("started_at"),
            "stopped_at": s.get("stopped_at"),
            "elapsed": self.elapsed(),
            "errors": errors,
            "error": error,
            "outputs": dict(self.outputs) if self.outputs is not None else None,
            "outputs_note": note,
            "polling": self.thread is not None and not done,
            "poll_error": self.poll_error,
        }

    def elapsed(self) -> float | None:
        """Seconds the job ran (from the server's timestamps): stopped (or now, while it
        runs) minus started (or submitted, before it started); None before it is sent."""
        if self.state in ("NOT_STARTED", "UNKNOWN"):
            return None
        s = self.status
        start = _parse_time(s.get("started_at")) or _parse_time(s.get("submitted_at"))
        if start is None:
            return None
        end = _parse_time(s.get("stopped_at"))
        if end is None:
            if self.done:
                return None
            end = datetime.now(timezone.utc)
        return max(0.0, (end - start).total_seconds())


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


class OsparcSession(HistoryAndStudies, SessionState):
    """Solvers, jobs, uploads and results of the o²S²PARC public API (v0).

    Traits (for panels): ``busy``, ``last_error``, ``solver`` (the selected solver
    release), ``job`` (the current job's state, below), ``jobs`` (my jobs), ``history``
    (a solver's past jobs, :meth:`solver_jobs`), ``study_list`` and ``study`` (see
    :mod:`labpanels.osparc.history`: studies, study jobs, reopen and rerun).

    ``job`` is the one state of the current job (the one submitted, started or followed
    last), a new dict at every change, polled by the session while the job runs:

    - ``id`` (also ``job_id``), ``solver``, ``version`` (empty for a study job),
      ``study`` (the study of a study job, else ""), ``inputs`` (what the job was created
      with, when known, else None) and the job's own fields (``name``, ``runner_name``,
      ``created_at`` ...);
    - ``state``: the server's word (NOT_STARTED, PUBLISHED, PENDING, STARTED, SUCCESS,
      FAILED, ABORTED ...) and ``done`` (the job will not change again);
    - ``progress``: 0-100; 100 for SUCCESS; for a FAILED or ABORTED job the progress it
      had reached (the server reports 100 for a failed job), None when never seen;
    - ``submitted_at``, ``started_at``, ``stopped_at``: the server's timestamps, and
      ``elapsed``: seconds from them (stopped, or now, minus started, or submitted);
    - ``errors`` (the server's entries), ``error`` (why it failed or stopped, one line);
    - ``outputs`` (the results once it succeeded, else None) and ``outputs_note`` (why
      there are none: "the job failed: ...");
    - ``polling`` (the session is checking it) and ``poll_error`` (the last failed check).
    """

    solver = Dict(allow_none=True, default_value=None, help="the selected solver release")
    job = Dict(allow_none=True, default_value=None, help="the current job's state (one dict "
                                                           "every panel shows)")
    jobs = List(help="my jobs, as my_jobs() last listed them")
    history = List(help="a solver release's jobs as records (newest first), as "
                        "solver_jobs() last listed them")
    study_list = List(help="my studies, as studies() last listed them")
    study = Dict(allow_none=True, default_value=None, help="the selected study and its ports")

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
        self._jobs_lock = threading.RLock()
        self._tracked: dict[str, _Tracked] = {}
        self._closing = threading.Event()

    # ------------------------------------------------------------------ plumbing
    @property
    def url(self) -> str:
        """The API host (``https://api.osparc.io`` by default)."""
        return self.http.base_url

    def __repr__(self) -> str:
        return f"OsparcSession({self.url!r}, key={self.api_key!r})"

    def close(self) -> None:
        """Stop polling jobs and close pooled connections (the jobs go on on the server;
        the session can still be used)."""
        closing = self._closing
        closing.set()
        with self._jobs_lock:
            self._closing = threading.Event()  # for pollers started after this
            threads = [t.thread for t in self._tracked.values() if t.thread is not None]
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(2.0)
        self.http.close()
        self.storage_http.close()

    def __enter__(self) -> OsparcSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call the user made: ``busy`` while it runs, its failure in ``last_error``."""
        with self.working():
            return self._send(method, path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request with the credentials' errors worded; for background polls too,
        which must not flip ``busy`` or clear ``last_error`` at every tick."""
        if self.http.session.auth is None:
            raise MissingCredentials(
                "no o²S²PARC API key/secret: pass key= and secret=, call login(), or set "
                "OSPARC_API_KEY/OSPARC_API_SECRET (or O2SPARC_USERNAME/O2SPARC_PASSWORD)"
            )
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
        raise InvalidArgument(
            f"not a solver: {solver!r} (give a dict, (key, version) or 'key:version')")

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
        else:
            job_id = str(job)
        with self._jobs_lock:
            tracked = self._tracked.get(job_id)
        if tracked is not None:
            return tracked.key, tracked.version, job_id
        if current.get("id") == job_id and current.get("solver"):
            return str(current["solver"]), str(current["version"]), job_id
        key, version = self._solver_ref(None)
        return key, version, job_id

    def _job_path(self, job: Any) -> tuple[str, str, str, str]:
        tracked = self._track(job)
        return tracked.path, tracked.key, tracked.version, tracked.job_id

    def _track(self, job: Any) -> _Tracked:
        """The session's record keeping for ``job`` (created on first use): a solver job,
        or a study job (a dict with ``study`` or a ``runner_name`` ``studies/<id>``)."""
        if job is None:
            job = self.job or None
            if not job:
                raise LabpanelsError("no current job: pass job= or submit() one first")
        study = _study_of(job)
        if study:
            key, version, job_id = "", "", _job_id_of(job)
        else:
            with self._jobs_lock:
                known = self._tracked.get(_job_id_of(job)) if job is not None else None
            if known is not None:
                key, version, job_id = known.key, known.version, known.job_id
            else:
                key, version, job_id = self._job_ref(job)
        with self._jobs_lock:
            tracked = self._tracked.get(job_id)
            if tracked is None:
                tracked = self._tracked[job_id] = _Tracked(job_id, key, version, study)
            if isinstance(job, Mapping):
                tracked.learn(job)
            return tracked

    def _publish(self, tracked: _Tracked, *, make_current: bool = False) -> dict:
        """Rebuild the job's record; it becomes ``job`` when the job is the current one
        (or is made current, or no job is). Call with ``_jobs_lock`` held: every change
        of ``job`` is made in order, and observers see them in that order."""
        record = tracked.record()
        current = (self.job or {}).get("id")
        shown = make_current or current == tracked.job_id or not current
        if shown and self._tracked.get(tracked.job_id) is tracked:
            self.job = dict(record)
        return record

    def _observe(self, tracked: _Tracked, status: Mapping[str, Any], *,
                 make_current: bool = False) -> dict:
        """Take a status from the server: read the outputs once the job succeeded (so
        the record that says SUCCESS holds them), publish, tell the waiters."""
        with self._jobs_lock:
            tracked.take(status)
            tracked.poll_error = ""
            fetch = tracked.state == "SUCCESS" and not tracked.outputs_tried
            tracked.outputs_tried = tracked.outputs_tried or fetch
        if fetch:
            try:
                body = self._call("POST" if tracked.study else "GET", f"{tracked.path}/outputs")
                outputs, note = dict(body.get("results") or {}), ""
            except LabpanelsError as exc:
                outputs, note = None, f"the outputs could not be read: {exc}"
            with self._jobs_lock:
                tracked.outputs, tracked.outputs_note = outputs, note
        with self._jobs_lock:
            record = self._publish(tracked, make_current=make_current)
            listeners = list(tracked.listeners)
        for listener in listeners:
            listener(dict(status))
        return record

    def submit(self, inputs: Mapping[str, Any], solver: Any = None, *, start: bool = True) -> dict:
        """Create (and start) a job; ``pathlib.Path`` values are uploaded first.

        Other values go to the server unchanged: no coercion of numbers, booleans or
        strings. The job becomes the current one (the ``job`` trait); a started job is
        polled by the session until it ends. Returns its record (what ``job`` holds).
        """
        key, version = self._solver_ref(solver)
        with self.working():
            values = self._upload_values(inputs)
            created = self._call(
                "POST", f"{self._release_path(key, version)}/jobs", json={"values": values}
            )
            job = {**created, "id": str(created["id"]), "solver": key, "version": version}
            return self._created(job, values, start)

    def _created(self, job: dict, values: dict, start: bool) -> dict:
        """A job the server just created: remember its inputs (here and in the job's
        metadata, for a later rerun), make it current, start it if asked."""
        tracked = self._track(job)
        with self._jobs_lock:
            tracked.inputs = dict(values)
            tracked.take({"job_id": job["id"], "state": "NOT_STARTED", "progress": 0})
            record = self._publish(tracked, make_current=True)
        self._save_inputs(tracked, values)
        if start:
            return self.start(record)
        return record

    def start(self, job: Any = None) -> dict:
        """Start a created job; it becomes the current one and is polled until it ends.
        Returns its record."""
        tracked = self._track(job)
        status = self._call("POST", f"{tracked.path}:start")
        record = self._observe(tracked, status, make_current=True)
        self._ensure_polling(tracked)
        return record

    def status(self, job: Any = None) -> dict:
        """The job's status (one ``:inspect`` request), as the server sends it. Updates
        the job's record (``job``, when it is the current one)."""
        tracked = self._track(job)
        with self.working():
            return self._inspect(tracked)

    def _inspect(self, tracked: _Tracked) -> dict:
        status = self._send("POST", f"{tracked.path}:inspect")  # the poller: quiet
        self._observe(tracked, status)
        return status

    def follow_job(self, job: Any = None) -> dict:
        """Make ``job`` (a job dict or id) the current one: ask its status now and, while
        it runs, poll it in the background, so ``job`` (and every panel) stays up to date.
        Returns its record."""
        tracked = self._track(job)
        try:
            status = self._call("POST", f"{tracked.path}:inspect")
        except LabpanelsError as exc:
            with self._jobs_lock:
                tracked.poll_error = str(exc)
                self._publish(tracked, make_current=True)
            if isinstance(exc, _TRANSIENT):
                self._ensure_polling(tracked)
            raise
        record = self._observe(tracked, status, make_current=True)
        self._ensure_polling(tracked)
        return record

    def job_record(self, job: Any = None) -> dict:
        """What the session knows of ``job`` (the current one by default), in the shape
        of ``job``, without asking the server."""
        tracked = self._track(job)
        with self._jobs_lock:
            return tracked.record()

    # -- the one poller per job ---------------------------------------------------------
    def _wanted(self, tracked: _Tracked) -> bool:
        """Keep polling: the job is tracked and current, or someone waits for it."""
        if self._tracked.get(tracked.job_id) is not tracked:
            return False
        return tracked.waiters > 0 or (self.job or {}).get("id") == tracked.job_id

    def _ensure_polling(self, tracked: _Tracked, interval: float | None = None) -> None:
        """Start the job's poller unless it runs, the job ended or nobody wants it."""
        with self._jobs_lock:
            if tracked.thread is not None or tracked.done or not self._wanted(tracked):
                return
            thread = threading.Thread(
                target=self._poll_job,
                args=(tracked, interval or self.poll_interval, self._closing),
                name=f"labpanels-osparc-job-{tracked.job_id[:8]}",
                daemon=True,
            )
            tracked.thread = thread
            self._publish(tracked)  # polling: True
            thread.start()

    def _poll_job(self, tracked: _Tracked, interval: float, closing: threading.Event) -> None:
        """One ``:inspect`` per ``interval`` until the job ends (or nobody wants it, or the
        session closes). A network or 5xx failure is retried with growing pauses (up to
        10 s) for as long as the job is wanted; any other failure ends the polling."""

        def attempt() -> bool | None:
            with self._jobs_lock:
                if tracked.done:
                    return True
                if not self._wanted(tracked):
                    raise _NotWanted
            self._inspect(tracked)
            return True if tracked.done else None

        def tick() -> bool | None:
            return retry(attempt, attempts=1_000_000, retry_on=_TRANSIENT, first=interval,
                         factor=2.0, cap=max(interval, 10.0), stop=closing,
                         on_retry=lambda _n, exc: self._poll_failed(tracked, exc))

        failure: BaseException | None = None
        try:
            poll(tick, first=interval, factor=1.0, cap=interval, stop=closing)
        except (_NotWanted, Stopped):
            pass
        except Exception as exc:  # reported in the record and to the waiters
            failure = exc
        with self._jobs_lock:
            if tracked.thread is threading.current_thread():
                tracked.thread = None
            if failure is not None:
                tracked.poll_error = str(failure)
            self._publish(tracked)  # polling: False
            listeners = list(tracked.listeners)
            again = (failure is None and not closing.is_set() and not tracked.done
                     and tracked.waiters > 0)
        if failure is None and closing.is_set():
            failure = LabpanelsError(f"the session was closed while job {tracked.job_id} "
                                     "was followed")
        if failure is not None:
            for listener in listeners:
                listener(failure)
        elif again:  # a waiter came while this poller was leaving
            self._ensure_polling(tracked, interval)

    def _poll_failed(self, tracked: _Tracked, exc: BaseException) -> None:
        with self._jobs_lock:
            tracked.poll_error = f"{exc} (asking again)"
            self._publish(tracked)
            listeners = list(tracked.listeners)
        for listener in listeners:
            listener(exc)

    def wait(
        self,
        job: Any = None,
        *,
        on_progress: Callable[[dict], Any] | None = None,
        poll_interval: float | None = None,
        timeout: float | None = 600.0,
    ) -> dict:
        """Wait until the job ends; return its final status (as the server sends it).

        Follows the session's one poller of the job (started if none runs, with
        ``poll_interval``); ``on_progress(status)`` is called with every status it reads.
        A FAILED or ABORTED job is returned, not raised: check ``status["state"]``
        (:meth:`outputs` raises for it). Brief network or 5xx trouble is tolerated for
        three checks in a row. ``timeout`` raises :class:`JobTimeout` (the job keeps
        running on the server; None waits forever).
        """
        tracked = self._track(job)
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        with self._jobs_lock:
            ended = tracked.done
            if not ended:
                tracked.listeners.append(inbox.put)
                tracked.waiters += 1
        if ended:  # ended already: one question, as for a job never seen
            status = self._inspect(tracked)
            if on_progress is not None:
                on_progress(status)
            return status
        deadline = None if timeout is None else time.monotonic() + timeout
        failures = 0
        try:
            self._ensure_polling(tracked, poll_interval)
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    item = inbox.get(timeout=left)
                except queue.Empty:
                    message = f"job {tracked.job_id} still {tracked.state} after {timeout:g} s"
                    self._report(message)
                    raise JobTimeout(message) from None
                if isinstance(item, BaseException):
                    failures += 1
                    if failures > 3 or not isinstance(item, _TRANSIENT):
                        raise item
                    continue
                failures = 0
                if on_progress is not None:
                    on_progress(item)
                if item.get("state") in DONE_STATES:
                    return item
        finally:
            with self._jobs_lock:
                tracked.listeners.remove(inbox.put)
                tracked.waiters -= 1

    def stop(self, job: Any = None) -> dict:
        """Stop a running job (it ends ABORTED); returns its status."""
        tracked = self._track(job)
        status = self._call("POST", f"{tracked.path}:stop")
        self._observe(tracked, status)
        return status

    def delete(self, job: Any = None) -> None:
        """Delete a job and its results from the server."""
        path, _, _, job_id = self._job_path(job)
        self._call("DELETE", path)
        with self._jobs_lock:
            self._tracked.pop(job_id, None)  # its poller, if any, ends at its next check
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
        tracked = self._track(job)
        path, job_id = tracked.path, tracked.job_id
        if tracked.study:  # the server answers even for an unfinished study job: ask first
            self._check_succeeded(tracked)
        try:
            body = self._call("POST" if tracked.study else "GET", f"{path}/outputs")
        except Conflict as exc:
            error = self._explain_conflict(job, exc)
            self._report(str(error))
            raise error from None
        results = dict(body.get("results") or {})
        with self._jobs_lock:
            tracked = self._tracked.get(job_id)
            if tracked is not None and tracked.state == "SUCCESS":
                tracked.outputs, tracked.outputs_tried = dict(results), True
                self._publish(tracked)
        return results

    def _check_succeeded(self, tracked: _Tracked) -> None:
        if not tracked.done:
            self.status(tracked.job_id)
        state = tracked.state
        if state in ("FAILED", "ABORTED"):
            error: LabpanelsError = JobFailedError(tracked.job_id, state,
                                                   tracked.status.get("errors"))
        elif state != "SUCCESS":
            error = JobNotFinished(f"job {tracked.job_id} is {state}: it has no outputs yet")
        else:
            return
        self._report(str(error))
        raise error

    def download_output(
        self, output: str | Mapping[str, Any], dest: str | os.PathLike = ".", job: Any = None
    ) -> Path:
        """Download one file output (its port name, or the File dict) into ``dest``."""
        value = self.outputs(job)[output] if isinstance(output, str) else output
        if not _is_file_value(value):
            raise InvalidArgument(f"output {output!r} is not a file: {value!r}")
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

    def stream_log(self, job: Any = None, *, quiet_timeout: float = 120.0,
                   on_open: Callable[[Callable[[], None]], Any] | None = None
                   ) -> Iterator[str]:
        """The job's log lines as the solver writes them, until the job ends.

        Reads the server's NDJSON log stream (one reader per job at a time: a second gets
        :class:`~labpanels.errors.Conflict`). A stream silent for ``quiet_timeout`` seconds
        raises :class:`~labpanels.errors.RequestTimeout`. Once the job ended,
        :meth:`log_lines` reads the complete log file. ``on_open(end)`` is called once the
        stream is open with a function that ends it from another thread (the reader then
        stops quietly): what a panel calls when it closes.
        """
        path, _, _, job_id = self._job_path(job)
        if self._track(job).study:
            raise InvalidArgument("a study job has no live log stream in the o²S²PARC API: "
                                  "its step logs come when it ends (logs(job))")
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
        ended = threading.Event()

        def end() -> None:
            ended.set()
            with contextlib.suppress(Exception):
                response.raw.shutdown()  # wakes a read blocked in another thread
            with contextlib.suppress(Exception):
                response.close()

        with response:
            if on_open is not None:
                on_open(end)
            lines = response.iter_lines()
            while not ended.is_set():
                try:
                    raw = next(lines)
                except StopIteration:
                    return
                except (requests.RequestException, OSError, ValueError, AttributeError) as exc:
                    if ended.is_set():
                        return
                    if not isinstance(exc, requests.RequestException):
                        raise
                    raise body_error(exc, "GET", response.url, timeout) from None
                if raw.strip() and not ended.is_set():
                    yield from _log_messages(raw, job_id)

    def logs(self, job: Any = None) -> dict[str, str]:
        """The job's log zip, unpacked in memory: ``{file name: text}``; for a study job,
        one log per step that ran: ``{node name: text}``."""
        tracked = self._track(job)
        if tracked.study:
            return self._study_logs(tracked)
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
        """Unpack the job's log zip into ``dest`` (entry names are checked: no escape);
        a study job's step logs are saved as ``<node name>.log``."""
        saved = []
        tracked = self._track(job)
        if tracked.study:
            for name, text in self._study_logs(tracked).items():
                target = safe_path(dest, safe_name(f"{name}.log"))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                saved.append(target)
            return saved
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


def _job_id_of(job: Any) -> str:
    if isinstance(job, Mapping):
        return str(job.get("id") or job.get("job_id"))
    return str(job)


def _study_of(job: Any) -> str:
    """The study id of a study job's dict (``study``, or ``runner_name`` "studies/<id>")."""
    if not isinstance(job, Mapping):
        return ""
    if job.get("study"):
        return str(job["study"])
    runner = str(job.get("runner_name") or "")
    if runner.startswith("studies/"):
        return runner[len("studies/"):].strip("/")
    return ""
