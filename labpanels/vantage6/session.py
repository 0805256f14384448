"""Vantage6Session: one researcher's connection to a vantage6 4.x server.

Panels bind to its traits (``user``, ``collaboration``, ``node_status``, ``run_status``,
``busy``, ``last_error`` ...) and call its methods; notebooks call the same methods.
It reads every page of every collection, renews tokens without the caller noticing,
encrypts and decrypts in vantage6's wire format, validates a task before sending it
and never sends it twice, and follows tasks through the server's live events.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import datetime as dt
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from traitlets import Bool, Dict, Int, Unicode

from ..errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailed,
    LabpanelsError,
    NetworkError,
    NotFound,
    PermissionDenied,
)
from ..formatting import subject
from ..http import HttpClient
from ..paging import iter_vantage6
from ..state import SessionState
from . import catalogue, encryption, tables
from .errors import (
    AccountLocked,
    LoginFailed,
    MfaRequired,
    MfaSetupRequired,
    NotLoggedIn,
    ResultUnreadable,
    ServerUnreachable,
    TaskOutcomeUnknown,
    TaskValidationError,
)
from .tokens import TokenAuth, jwt_claims

if TYPE_CHECKING:
    from .events import Worker
    from .store import AlgorithmStore

log = logging.getLogger("labpanels.vantage6")

__all__ = ["Vantage6Session", "FINISHED", "FAILED", "strip_secrets", "SECRET_FIELDS"]

FAILED = frozenset({"failed", "start failed", "non-existing Docker image", "crashed",
                    "killed by user", "not allowed", "unknown error"})
FINISHED = FAILED | {"completed"}
_LOCK_AFTER = 5  # the server's default password_policy.max_failed_attempts

Ref = int | str | Mapping[str, Any]


class _Vantage6Http(HttpClient):
    """vantage6 answers 401 also for "You lack the permission to do that!": say so."""

    def _error(self, response: Any, method: str) -> ApiError:
        error = super()._error(response, method)
        if error.status == 401 and "permission" in error.message.lower():
            return PermissionDenied(
                401, error.method, error.url,
                f"your role on this server does not allow this ({error.message})", error.body)
        return error


def _api_url(url: str, port: int | None, api_path: str | None) -> str:
    """Join the official client's (host, port, api_path) triple, or keep a full URL."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if port is not None:
        url = f"{parts.scheme}://{parts.hostname}:{port}{parts.path}"
    if api_path is not None and not urlsplit(url).path.endswith(api_path.rstrip("/")):
        url = url + "/" + api_path.strip("/")
    elif api_path is None and not urlsplit(url).path:
        url = url + "/api"
    return url


class Vantage6Session(SessionState):
    """A researcher's session on one vantage6 server.

    ``Vantage6Session("http://127.0.0.1:7601/api")`` or, like the official client,
    ``Vantage6Session("http://127.0.0.1", port=7601, api_path="/api")``.
    """

    url = Unicode(help="base URL of the REST API")
    logged_in = Bool(False)
    user = Dict(allow_none=True, default_value=None, help="the logged-in user")
    organization = Dict(allow_none=True, default_value=None, help="the user's organization")
    collaboration = Dict(allow_none=True, default_value=None,
                         help="the current collaboration, shared by every panel")
    mfa_required = Bool(False, help="the server asked for a two-factor code")
    mfa_setup = Dict(allow_none=True, default_value=None,
                     help="first-time two-factor setup under way: {'username'} (the QR code "
                          "and secret travel only in the MfaSetupRequired exception)")
    key_loaded = Bool(False, help="an organization private key is loaded")
    live = Bool(False, help="the live event connection is up")
    node_status = Dict(help="node id -> node row, kept current by live events")
    run_status = Dict(help="run id -> {'status', 'task_id', ...}, kept current by live events")
    last_task = Dict(allow_none=True, default_value=None, help="the last task created here")
    pending_submission = Dict(allow_none=True, default_value=None,
                              help="a task submission whose answer was lost: {'marker', "
                                   "'name', 'collaboration_id', 'fingerprint', ...}; "
                                   "settled by check_pending()")
    event_count = Int(0, help="live events received (for panels that redraw on any change)")
    task_state = Dict(help="task id -> {'id', 'name', 'collaboration_id', 'parent_id', "
                           "'created_at', 'status', 'finished', 'runs', 'done', 'total', "
                           "'failed', 'results', 'finished_at'}: the one state of the tasks "
                           "every panel shows (see refresh_tasks and watch)")
    server_reachable = Bool(True, help="False once the server stopped answering (live "
                                       "connection lost and a short probe failed)")

    def __init__(self, url: str, *, port: int | None = None, api_path: str | None = None,
                 timeout: float | tuple[float, float] = (5.0, 60.0), live: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = _api_url(url, port, api_path)
        self.http = _Vantage6Http(self.url, timeout=timeout)
        self._auth: TokenAuth | None = None
        self._events = None
        self._want_live = live
        self._private_key = None
        self._org_names: dict[int, str] = {}
        self._changed = threading.Condition()
        self._create_lock = threading.Lock()
        self._failed_logins: dict[str, int] = {}
        self.page_size = 1000  # items per request when reading every page
        # -- the task state machinery (see "task state" below)
        self._state_lock = threading.RLock()
        self._worker: Worker | None = None
        self._watched: dict[int, float] = {}  # root task id -> poll interval (s)
        self._next_poll: dict[int, float] = {}  # root task id -> monotonic due time
        self._tree: dict[int, int] = {}  # task id (root or subtask) -> root task id
        self._settled: set[int] = set()  # roots read once more after they finished
        self._results_cache: dict[int, tuple[list[dict], Any]] = {}  # id -> (items, frame)
        self._version = 0  # bumped on every state change, under self._changed
        self._unreachable_since: float | None = None
        self._last_contact = time.monotonic()
        self._last_probe = 0.0
        # -- what the algorithm stores and the nodes told (per collaboration)
        self._store_lock = threading.RLock()
        self._store_clients: dict[str, AlgorithmStore] = {}  # store url -> client
        self._algorithm_cache: dict[int, list[catalogue.Algorithm]] = {}
        self._column_cache: dict[tuple[int, str], dict[int, dict]] = {}
        self._visualization_cache: dict[int, list[dict]] = {}

    def set_url(self, url: str) -> None:
        """Point a logged-out session at another server."""
        if self.logged_in:
            raise LabpanelsError("log out before changing the server")
        api = _api_url(url, None, None)
        if api != self.url:
            self.http.close()
            self.http = _Vantage6Http(api, timeout=self.http.timeout)
            self.url = api

    def __repr__(self) -> str:
        who = self.user["username"] if self.user else "not logged in"
        return f"<Vantage6Session {self.url} ({who})>"  # a URL with a password is refused

    # -- plumbing ----------------------------------------------------------------
    def describe_error(self, exc: LabpanelsError) -> str:
        """One sentence for ``last_error`` (the server's own message and status)."""
        return _sentence(exc)

    def _need_login(self) -> None:
        if not self.logged_in:
            raise NotLoggedIn("log in first: session.login(username, password)")

    def _get(self, path: str, **params: Any) -> Any:
        self._need_login()
        return self.http.get(path, params=params or None)

    def _all(self, path: str, **params: Any) -> list[dict]:
        self._need_login()
        clean = {k: v for k, v in params.items() if v is not None}
        return list(iter_vantage6(self.http, path, clean, per_page=self.page_size))

    def fetch(self, path: str, **params: Any) -> list[dict]:
        """Every item of any collection, as the server returns it (all pages), without
        secret fields (see :func:`strip_secrets`).

        For what the methods below do not cover, e.g. ``session.fetch("rule")``.
        ``None`` parameters are left out."""
        return strip_secrets(self._all(path, **params))

    def fetch_one(self, path: str) -> dict:
        """One resource as the server returns it, without secret fields, e.g.
        ``session.fetch_one("user/3")``."""
        return strip_secrets(self._get(path))

    # -- login -------------------------------------------------------------------
    def login(self, username: str, password: str, mfa_code: str | int | None = None) -> dict:
        """Log in; return the user. Raises LoginFailed, AccountLocked, MfaRequired or
        MfaSetupRequired (whose ``qr_uri``/``otp_secret`` are shown once, then forgotten).

        ``mfa_code`` must be the six digits of the authenticator app (spaces are
        allowed); anything else is refused before a request is sent."""
        with self.working():
            body: dict[str, Any] = {"username": username, "password": password}
            if mfa_code is not None and str(mfa_code).strip():
                body["mfa_code"] = _totp_code(mfa_code)
            if self.pending_submission and self.pending_submission.get("username") != username:
                self.pending_submission = None  # someone else's: not ours to settle
            self.http.session.auth = None
            try:
                answer = self.http.post("token/user", json=body)
            except AuthenticationError:
                raise self._login_refused(username, "mfa_code" in body) from None
            if not isinstance(answer, Mapping):
                raise LabpanelsError(
                    f"{self.url} is not a vantage6 server: it answered the login with "
                    f"{_snippet(answer)} instead of a token")
            if "qr_uri" in answer and "otp_secret" in answer:
                self.mfa_setup = {"username": username}
                self.mfa_required = True
                raise MfaSetupRequired(
                    "two-factor authentication is required: scan the QR code (or enter the "
                    "secret) in an authenticator app, then log in again with its code",
                    answer["qr_uri"], answer["otp_secret"])
            if "access_token" not in answer:
                message = str(answer.get("msg") or "")
                if "two-factor" in message.lower() or "authentication code" in message.lower():
                    self.mfa_required = True
                    raise MfaRequired("enter the six-digit code from your authenticator app")
                raise LabpanelsError(
                    f"{self.url} is not a vantage6 server: it answered the login without a "
                    f"token ({_snippet(strip_secrets(answer))})")
            self._failed_logins.pop(username, None)
            self.mfa_required = False
            self.mfa_setup = None
            self._auth = TokenAuth(self.http, answer["access_token"], answer.get("refresh_token"),
                                   on_change=self._token_renewed)
            self.http.session.auth = self._auth
            self.http.on_unauthorized = self._auth.renew_after_401
            try:
                user_id = int(jwt_claims(answer["access_token"])["sub"])
            except (KeyError, TypeError, ValueError):
                raise LabpanelsError(
                    f"{self.url} is not a vantage6 server: its login token does not name "
                    "the user") from None
            self.logged_in = True
            user = strip_secrets(self.http.get(f"user/{user_id}"))
            org = strip_secrets(self.http.get(f"organization/{user['organization']['id']}"))
            self._org_names[org["id"]] = org["name"]
            self.organization = org
            self.user = user
            self._set_reachable(True)
            self._start_worker()
            _warm_pandas()
            if self._want_live:
                self._start_live()
            return user

    def _login_refused(self, username: str, with_code: bool) -> LoginFailed:
        if with_code and self.mfa_required:
            return LoginFailed("the two-factor code was not accepted: codes change every "
                               "30 seconds, enter the current one")
        count = self._failed_logins.get(username, 0) + 1
        self._failed_logins[username] = count
        if count > _LOCK_AFTER:
            return AccountLocked(
                f"login refused {count} times in a row: after {_LOCK_AFTER} failed attempts "
                "vantage6 locks an account for some minutes (15 by default) and then refuses "
                "even the right password; the server does not say which this is. Wait, or "
                "ask an administrator to unlock it.")
        if count >= 3:
            return LoginFailed(
                f"wrong username or password — or, after {_LOCK_AFTER} failed attempts, the "
                "account is locked for some minutes (15 by default); the server does not say "
                "which")
        return LoginFailed("wrong username or password (or the account is locked after too "
                           "many attempts)")

    def logout(self) -> None:
        """Forget the tokens, stop live events and the background worker (the server
        keeps nothing to close), and empty ``task_state``."""
        self._stop_live()
        self._stop_worker()
        with self._state_lock:
            self._watched.clear()
            self._next_poll.clear()
            self._tree.clear()
            self._settled.clear()
            self._results_cache.clear()
            self.task_state = {}
        self.last_task = None
        self._bump()
        self._forget_stores()
        self._auth = None
        self.http.session.auth = None
        self.http.on_unauthorized = None
        self.logged_in = False
        self.user = None
        self.organization = None
        self.collaboration = None
        self.node_status = {}
        self.run_status = {}

    def close(self) -> None:
        """Log out and close connections."""
        self.logout()
        self.http.close()

    @property
    def token_renewals(self) -> int:
        """How many times the access token was renewed in this login."""
        return self._auth.refresh_count if self._auth else 0

    # -- live events ---------------------------------------------------------------
    def _start_live(self) -> None:
        from .events import LiveEvents

        self._stop_live()
        self._events = LiveEvents(self.http.origin, self._access_token, self._on_event,
                                  on_state=self._on_live_state)
        self._events.start()

    def _access_token(self) -> str:
        """The current access token ("" once logged out), for the live connection."""
        auth = self._auth
        return auth.access if auth is not None else ""

    def _stop_live(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None
        self.live = False

    def _token_renewed(self, _token: str) -> None:
        if self._events is not None:
            self._events.token_changed()

    def _on_live_state(self, connected: bool) -> None:
        self.live = connected
        if connected:  # catch up with what happened while disconnected
            self._last_contact = time.monotonic()
            self._set_reachable(True)
            self._submit("nodes", self._refresh_known_nodes)
        else:  # the server went away, or only the socket did: ask it (in the worker)
            self._submit("probe", self._probe)
        self._notify()

    def _refresh_known_nodes(self) -> None:
        with contextlib.suppress(LabpanelsError):
            if self.collaboration:
                self.nodes(self.collaboration)

    def _notify(self) -> None:
        self._bump()

    def _on_event(self, event: str, data: dict) -> None:
        if event in ("node-online", "node-offline") and "id" in data:
            status = "online" if event == "node-online" else "offline"
            row = dict(self.node_status.get(data["id"]) or
                       {"id": data["id"], "name": data.get("name"),
                        "organization_id": data.get("org_id")})
            row["status"] = status
            if status == "online":
                row["last_seen"] = dt.datetime.now(dt.timezone.utc).isoformat()
            self.node_status = {**self.node_status, data["id"]: row}
        elif event == "algorithm_status_change" and data.get("run_id"):
            self.run_status = {**self.run_status, data["run_id"]: {
                "status": data.get("status"), "task_id": data.get("task_id"),
                "organization_id": data.get("organization_id"), "node_id": data.get("node_id"),
                "parent_id": data.get("parent_id"), "job_id": data.get("job_id")}}
            self._track_run(data)
        elif event == "new_task" and data.get("id"):
            self._track_new_task(data)
        self.event_count += 1
        self._notify()

    def wait_for_event(self, timeout: float) -> bool:
        """Block until a live event or a state change arrives (True) or ``timeout``
        passes (False)."""
        with self._changed:
            return self._changed.wait(timeout)

    # -- task state -------------------------------------------------------------------
    # ``task_state`` is the one picture of the tasks that every panel renders. Entries are
    # replaced whole (never changed in place) so traitlets reports every change. Reads
    # that events call for run in ``self._worker``, never on the socket.io thread.
    def _start_worker(self) -> None:
        from .events import Worker

        self._stop_worker()
        self._worker = Worker("vantage6-session-worker", tick=self._tick)

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    def _submit(self, key: Any, job: Callable[[], None]) -> None:
        worker = self._worker
        if worker is not None:
            worker.submit(key, job)

    def _bump(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def _put_entry(self, entry: dict) -> None:
        with self._state_lock:
            self.task_state = {**self.task_state, entry["id"]: entry}
        self._bump()

    def _update_entry(self, task_id: int, **changes: Any) -> dict | None:
        with self._state_lock:
            entry = self.task_state.get(task_id)
            if entry is None:
                return None
            entry = {**entry, **changes}
            self.task_state = {**self.task_state, task_id: entry}
        self._bump()
        return entry

    @staticmethod
    def _base_entry(task: Mapping) -> dict:
        """An entry from a task row (flat or as the server sends it), runs not yet known."""
        row = task if "collaboration_id" in task else tables.flat_task(task)
        status = row.get("status") or "pending"
        return {"id": int(row["id"]), "name": row.get("name") or "",
                "image": row.get("image") or "",
                "collaboration_id": row.get("collaboration_id"),
                "parent_id": row.get("parent_id"), "created_at": row.get("created_at") or "",
                "status": status, "finished": status in FINISHED, "runs": [], "done": 0,
                "total": 0, "failed": 0, "results": "", "finished_at": ""}

    @staticmethod
    def _with_runs(entry: dict, runs: list[dict]) -> dict:
        """``entry`` with ``runs`` (own first, then subtasks') and what follows from them."""
        own = [r for r in runs if r["task_id"] == entry["id"]]
        runs = own + [r for r in runs if r["task_id"] != entry["id"]]
        finished = bool(own) and all(r["status"] in FINISHED for r in own)
        ends = [r["finished_at"] for r in runs if r.get("finished_at")]
        return {**entry, "runs": runs, "status": task_status(own) if own else entry["status"],
                "finished": finished, "done": sum(r["status"] in FINISHED for r in runs),
                "total": len(runs), "failed": sum(r["status"] in FAILED for r in runs),
                "finished_at": max(ends) if finished and ends else ""}

    def refresh_tasks(self, collaboration: Ref | None = None) -> list[dict]:
        """Read the top-level tasks users created in ``collaboration`` (the current one by
        default) into ``task_state``; return their entries, newest first.

        Tasks not watched carry the server's status; watched ones keep their runs."""
        with self.working():
            collab = self._collaboration(collaboration)
            rows = self._all("task", collaboration_id=collab["id"], is_user_created=1)
            with self._state_lock:
                state = dict(self.task_state)
                for task in rows:
                    fresh = self._base_entry(task)
                    known = state.get(fresh["id"])
                    if known is not None and (known["runs"] or fresh["id"] in self._watched):
                        fresh = {**known, "name": fresh["name"],
                                 "created_at": fresh["created_at"] or known["created_at"]}
                    elif known is not None:
                        fresh["results"] = known["results"]
                    state[fresh["id"]] = fresh
                self.task_state = state
            self._bump()
            ids = sorted((int(t["id"]) for t in rows), reverse=True)
            return [self.task_state[i] for i in ids]

    def watch(self, task: Ref, *, poll: float | None = None) -> dict:
        """Keep ``task`` current in ``task_state`` from now on and return its entry.

        Its runs (subtasks' included) are read once in the background, then live events
        keep them current; without live events, or when none come for a while, they are
        read again every ``poll`` seconds (2 without live events, 10 with). When every
        run finished, the results are fetched at once in the background, so
        :meth:`results` answers from memory."""
        self._need_login()
        task_id = _task_id(task)
        interval = poll if poll is not None else (10.0 if self.live else 2.0)
        with self._state_lock:
            entry = self.task_state.get(task_id)
            if entry is None:
                entry = (self._base_entry(task) if isinstance(task, Mapping) and "name" in task
                         else {**self._base_entry({"id": task_id, "status": "pending"}),
                               "finished": False})
                self.task_state = {**self.task_state, task_id: entry}
            first = task_id not in self._watched
            self._watched[task_id] = min(interval, self._watched.get(task_id, interval))
            self._tree.setdefault(task_id, task_id)
            self._next_poll[task_id] = min(self._next_poll.get(task_id, float("inf")),
                                           time.monotonic() + self._watched[task_id])
        self._bump()
        if self._worker is not None:
            self._worker.wake()
        if first:
            self._submit(("sync", task_id), lambda: self._sync(task_id, read_task=True))
        elif entry["finished"] and not entry["results"]:
            self._fetch_results_later(task_id)
        return entry

    def _sync(self, task_id: int, *, read_task: bool = False) -> None:
        """Read a watched task's runs (subtasks' included) into its entry (worker thread)."""
        if task_id not in self._watched:
            return
        worker = self._worker
        try:
            base = self._base_entry(self._get(f"task/{task_id}")) if read_task else None
            ids = [task_id] + [c["id"] for c in self.children(task_id)]
            rows = []
            for one in ids:
                rows += [_run_row(r) for r in self.runs(one)]
        except NetworkError:
            self._probe()
            return
        except LabpanelsError as exc:
            log.info("reading task %s failed: %s", task_id, exc)
            return
        self._contact()
        if worker is not self._worker or worker is None or worker.stopped.is_set():
            return  # logged out meanwhile
        with self._state_lock:
            entry = self.task_state.get(task_id)
            if entry is None:
                return
            if base is not None:
                entry = {**base, "results": entry["results"]}
            for child in ids[1:]:
                self._tree[child] = task_id
            known = {r["id"]: r for r in entry["runs"]}
            for row in rows:  # an event may have told us more than this read
                seen = known.get(row["id"]) or {}
                live = (self.run_status.get(row["id"]) or {}).get("status")
                for status in (seen.get("status"), live):
                    if status and _rank(status) > _rank(row["status"]):
                        row["status"] = status
                        if status in FINISHED and not row["finished_at"]:
                            row["finished_at"] = seen.get("finished_at") or _utcnow()
            entry = self._with_runs(entry, rows)
            self.task_state = {**self.task_state, task_id: entry}
            if entry["finished"]:
                self._settled.add(task_id)  # read after the end: nothing is missing
            self._next_poll[task_id] = time.monotonic() + self._watched.get(task_id, 10.0)
        self._bump()
        if entry["finished"] and not entry["results"]:
            self._fetch_results_later(task_id)

    def _fetch_results_later(self, task_id: int) -> None:
        self._update_entry(task_id, results="loading")
        self._submit(("results", task_id), lambda: self._fetch_results(task_id))

    def _fetch_results(self, task_id: int) -> None:
        """Fetch, open and tabulate a finished task's results into the cache (worker)."""
        entry = self.task_state.get(task_id)
        if entry is None:
            return
        try:
            items = self._read_results(task_id, [r for r in entry["runs"]
                                                 if r["task_id"] == task_id])
            frame = tables.results_frame(items)
        except NetworkError as exc:
            self._probe()
            self._update_entry(task_id, results=f"error: {_sentence(exc)}")
            return
        except LabpanelsError as exc:
            self._update_entry(task_id, results=f"error: {_sentence(exc)}")
            return
        self._contact()
        self._results_cache[task_id] = (items, frame)
        self._update_entry(task_id, results="ready")

    def _tick(self) -> float:
        """The worker's periodic duty: read watched tasks that had no news for their poll
        interval, and probe a server that stopped answering. Returns the next pause."""
        now = time.monotonic()
        if not self.server_reachable:
            self._probe()
            return 1.0
        due = [t for t, at in list(self._next_poll.items())
               if at <= now and t in self._watched
               and not (self.task_state.get(t) or {}).get("finished")]
        for task_id in due:
            self._sync(task_id)
        with self._state_lock:
            pending = [at for t, at in self._next_poll.items()
                       if not (self.task_state.get(t) or {}).get("finished")]
        return max(0.05, min(pending, default=now + 30.0) - time.monotonic())

    def _contact(self) -> None:
        """The server answered: note it (and that it is reachable)."""
        self._last_contact = time.monotonic()
        if not self.server_reachable:
            self._set_reachable(True)

    def _probe(self) -> bool:
        """Ask the server for its version with a short timeout; set ``server_reachable``."""
        self._last_probe = time.monotonic()
        try:
            self.http.request("GET", "version", timeout=(2.0, 3.0), retry=False)
            ok = True
        except NetworkError:
            ok = False
        except LabpanelsError:
            ok = True  # it answered, if oddly
        if ok:
            self._last_contact = time.monotonic()
        self._set_reachable(ok)
        return ok

    def _set_reachable(self, ok: bool) -> None:
        if ok:
            self._unreachable_since = None
        elif self._unreachable_since is None:
            self._unreachable_since = time.monotonic()
        if ok != self.server_reachable:
            self.server_reachable = ok
            if ok:  # catch up with what happened while it was away
                for task_id in list(self._watched):
                    if not (self.task_state.get(task_id) or {}).get("finished"):
                        self._submit(("sync", task_id), lambda t=task_id: self._sync(t))
        self._bump()

    def _root_of(self, task_id: int | None, parent_id: int | None) -> int | None:
        if task_id is None:
            return None
        root = self._tree.get(task_id)
        if root is None and parent_id is not None and parent_id in self._tree:
            root = self._tree[task_id] = self._tree[parent_id]
        return root

    def _track_run(self, data: Mapping) -> None:
        """An ``algorithm_status_change`` event (socket.io thread): update the entry, hand
        any reading to the worker."""
        root = self._root_of(data.get("task_id"), data.get("parent_id"))
        status = data.get("status")
        if root is None or not status:
            return
        self._last_contact = time.monotonic()
        with self._state_lock:
            entry = self.task_state.get(root)
            if entry is None:
                return
            runs = list(entry["runs"])
            was = entry["finished"]
            index = next((i for i, r in enumerate(runs) if r["id"] == data["run_id"]), None)
            if index is None or _rank(status) < _rank(runs[index]["status"]):
                known = index is not None
            else:
                known = True
                ended = runs[index]["finished_at"] or (
                    _utcnow() if status in FINISHED else None)
                runs[index] = {**runs[index], "status": status, "finished_at": ended}
                entry = self._with_runs(entry, runs)
                self.task_state = {**self.task_state, root: entry}
                self._next_poll[root] = time.monotonic() + self._watched.get(root, 10.0)
        self._bump()
        if not known:
            self._submit(("sync", root), lambda: self._sync(root))
        elif entry["finished"] and not was:
            # results first (someone is waiting for them), then the exact end times
            self._fetch_results_later(root)
            self._submit(("sync", root), lambda: self._sync(root))

    def _track_new_task(self, data: Mapping) -> None:
        """A ``new_task`` event: a subtask of a watched task joins its tree."""
        root = self._root_of(data.get("id"), data.get("parent_id"))
        if root is not None and root != data.get("id"):
            self._submit(("sync", root), lambda: self._sync(root))

    # -- references ------------------------------------------------------------------
    def _collaboration(self, ref: Ref | None) -> dict:
        if ref is None:
            if not self.collaboration:
                raise TaskValidationError("choose a collaboration first (session.select(...))")
            return dict(self.collaboration)
        if isinstance(ref, Mapping):
            return dict(ref) if "encrypted" in ref else self._collaboration(ref["id"])
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            current = self.collaboration
            if current and current.get("id") == int(ref) and "encrypted" in current:
                return dict(current)  # the chosen one, as read when it was chosen
            try:
                return self._get(f"collaboration/{int(ref)}", include="organizations")
            except NotFound:
                raise NotFound(404, "GET", self.http.url(f"collaboration/{ref}"),
                               f"no collaboration with id {ref} is visible to you") from None
        matches = [c for c in self._all("collaboration", name=ref, include="organizations")
                   if c["name"] == ref]
        if not matches:
            names = ", ".join(c["name"] for c in self._all("collaboration"))
            raise NotFound(404, "GET", self.http.url("collaboration"),
                           f"no collaboration called {ref!r}; yours are: {names}")
        return matches[0]

    def select(self, collaboration: Ref | None) -> dict | None:
        """Make ``collaboration`` (id, name or dict) the current one for every panel."""
        with self.working():
            self.collaboration = None if collaboration is None else self._collaboration(
                collaboration)
            return self.collaboration

    def organization_name(self, org_id: int) -> str:
        """The name of organization ``org_id`` (cached)."""
        if org_id not in self._org_names:
            self._org_names[org_id] = self._get(f"organization/{org_id}")["name"]
        return self._org_names[org_id]

    # -- reading ---------------------------------------------------------------------
    def collaborations(self, name: str | None = None, *, as_frame: bool = False) -> Any:
        """Collaborations you can see: id, name, encrypted."""
        rows = [tables.flat_collaboration(c) for c in self._all("collaboration", name=name)]
        return tables.frame(rows) if as_frame else rows

    def organizations(self, collaboration: Ref | None = None, *, as_frame: bool = False) -> Any:
        """Organizations, of one collaboration when given: id, name, country, ..."""
        params = {}
        if collaboration is not None:
            params["collaboration_id"] = self._collaboration(collaboration)["id"]
        raw = self._all("organization", **params)
        self._org_names.update({o["id"]: o["name"] for o in raw})
        rows = [tables.flat_organization(o) for o in raw]
        return tables.frame(rows) if as_frame else rows

    def nodes(self, collaboration: Ref | None = None, organization: int | None = None, *,
              status: str | None = None, as_frame: bool = False) -> Any:
        """Nodes with status (online/offline) and last seen, by collaboration/organization."""
        params: dict[str, Any] = {"organization_id": organization, "status": status}
        if collaboration is not None:
            collab = self._collaboration(collaboration)
            params["collaboration_id"] = collab["id"]
            self.organizations(collab)  # names for the rows
        raw = self._all("node", **params)
        rows = [tables.flat_node(n, self._org_names) for n in raw]
        for row in rows:
            if row["organization"] is None and row["organization_id"]:
                row["organization"] = self.organization_name(row["organization_id"])
        self.node_status = {**self.node_status, **{r["id"]: r for r in rows}}
        return tables.frame(rows) if as_frame else rows

    def studies(self, collaboration: Ref | None = None, *, as_frame: bool = False) -> Any:
        """Studies (subsets of a collaboration's organizations)."""
        params = {}
        if collaboration is not None:
            params["collaboration_id"] = self._collaboration(collaboration)["id"]
        rows = [{"id": s["id"], "name": s["name"],
                 "collaboration_id": (s.get("collaboration") or {}).get("id")}
                for s in self._all("study", **params)]
        return tables.frame(rows) if as_frame else rows

    def tasks(self, collaboration: Ref | None = None, *, parent: int | None = None,
              user_created: bool | None = None, name: str | None = None,
              as_frame: bool = False) -> Any:
        """Tasks, newest first: id, name, image, status, created_at, parent_id, ..."""
        params: dict[str, Any] = {"parent_id": parent, "name": name}
        if collaboration is not None:
            params["collaboration_id"] = self._collaboration(collaboration)["id"]
        if user_created is not None:
            params["is_user_created"] = int(user_created)
        rows = [tables.flat_task(t) for t in self._all("task", **params)]
        rows.sort(key=lambda r: r["id"], reverse=True)
        return tables.frame(rows) if as_frame else rows

    def task(self, task: Ref) -> dict:
        """One task as a flat row, with its current status."""
        return tables.flat_task(self._get(f"task/{_task_id(task)}"))

    def children(self, task: Ref) -> list[dict]:
        """The subtasks a central task created (recursively), oldest first."""
        found, queue = [], [_task_id(task)]
        while queue:
            kids = sorted(self.tasks(parent=queue.pop(0)), key=lambda r: r["id"])
            found.extend(kids)
            queue.extend(k["id"] for k in kids)
        return found

    def runs(self, task: Ref, *, include_children: bool = False,
             as_frame: bool = False) -> Any:
        """Runs of a task (one per organization): status, timestamps, node, organization, log."""
        ids = [_task_id(task)]
        if include_children:
            ids += [c["id"] for c in self.children(task)]
        rows = []
        for task_id in ids:
            for run in self._all("run", task_id=task_id):
                row = tables.flat_run(run, self._org_names)
                if row["organization"] is None and row["organization_id"]:
                    row["organization"] = self.organization_name(row["organization_id"])
                rows.append(row)
        return tables.frame(rows) if as_frame else rows

    def failed_runs(self, task: Ref) -> list[dict]:
        """The runs that failed (children included), each with node, organization, log and
        its most telling error line under ``error``."""
        failed = [r for r in self.runs(task, include_children=True) if r["status"] in FAILED]
        for run in failed:
            run["error"] = error_line(run["log"])
        return failed

    # -- algorithm store and columns --------------------------------------------------
    def _forget_stores(self) -> None:
        with self._store_lock:
            for client in self._store_clients.values():
                client.close()
            self._store_clients.clear()
            self._algorithm_cache.clear()
            self._column_cache.clear()
            self._visualization_cache.clear()

    def stores(self, collaboration: Ref | None = None) -> list[dict]:
        """The algorithm stores the collaboration (the current one by default) uses:
        ``[{"id", "name", "url", "collaboration_id"}]`` (``collaboration_id`` None: a
        store linked for every collaboration)."""
        from .store import store_row

        collab = self._collaboration(collaboration)
        return [store_row(s) for s in self._all("algorithmstore", collaboration_id=collab["id"])]

    def store(self, store: int | str | Mapping[str, Any] | None = None,
              collaboration: Ref | None = None) -> AlgorithmStore:
        """A client of one algorithm store (by id, URL or row; default: the first store of
        the collaboration), authenticated with this session's server token."""
        from .errors import AlgorithmStoreError
        from .store import AlgorithmStore

        self._need_login()
        if isinstance(store, Mapping):
            row = dict(store)
        elif isinstance(store, str) and "://" in store:
            row = {"url": store.rstrip("/"), "id": None, "name": ""}
        else:
            rows = self.stores(collaboration)
            if store is not None:
                rows = [r for r in rows if r["id"] == int(store)]
            if not rows:
                where = (f"with id {store}" if store is not None else
                         f"for collaboration {self._collaboration(collaboration)['name']}")
                raise AlgorithmStoreError(f"no algorithm store {where} is linked on this "
                                          "server")
            row = rows[0]
        with self._store_lock:
            client = self._store_clients.get(row["url"])
            if client is None:
                client = self._store_clients[row["url"]] = AlgorithmStore(
                    row["url"], self.url, self._auth, timeout=self.http.timeout,
                    id=row.get("id"), name=row.get("name") or "")
        return client

    def algorithms(self, collaboration: Ref | None = None, *,
                   refresh: bool = False) -> list[catalogue.Algorithm]:
        """The algorithms the collaboration's stores describe (every page of each), then
        those registered in code (:func:`catalogue.register`) for images no store
        describes. Read once per collaboration; ``refresh=True`` reads the stores again.
        Raises AlgorithmStoreError (or AlgorithmStoreUnreachable) when a store cannot be
        read."""
        self._need_login()
        collab = self._collaboration(collaboration)
        with self._store_lock:
            found = None if refresh else self._algorithm_cache.get(collab["id"])
        if found is None:
            found = []
            for row in self.stores(collab):
                found += self.store(row).algorithms()
            with self._store_lock:
                self._algorithm_cache[collab["id"]] = found
                self._visualization_cache.clear()
        known = {catalogue.bare_image(a.image) for a in found}
        return list(found) + [a for a in catalogue.registered()
                              if catalogue.bare_image(a.image) not in known]

    def algorithm(self, image: str, collaboration: Ref | None = None
                  ) -> catalogue.Algorithm | None:
        """The description of ``image`` (a tag or digest is ignored): from the
        collaboration's stores (read once, see :meth:`algorithms`), else registered in
        code; None when neither knows it."""
        name = catalogue.bare_image(image or "")
        if not name:
            return None
        return next((a for a in self.algorithms(collaboration)
                     if catalogue.bare_image(a.image) == name), None)

    def visualizations(self, task: Ref) -> list[dict]:
        """What the store declares for a task's results: the ``ui_visualizations`` of
        the function the task ran (``[{"name", "description", "type": "table"|"line",
        "schema": {...}}]``); ``[]`` when the image or function is not described or
        the task's input cannot be read."""
        task_id = _task_id(task)
        with self._store_lock:
            cached = self._visualization_cache.get(task_id)
        if cached is not None:
            return copy.deepcopy(cached)
        row = self._get(f"task/{task_id}")
        method = self._task_method(task_id)
        found: list[dict] = []
        if method:
            collab = (row.get("collaboration") or {}).get("id")
            algo = self.algorithm(row.get("image") or "", collab)
            fn = algo.function(method) if algo else None
            found = [dict(v) for v in fn.visualizations] if fn else []
        with self._store_lock:
            self._visualization_cache[task_id] = found
        return copy.deepcopy(found)

    def _task_method(self, task_id: int) -> str | None:
        """The method a task ran, from its first run's input (None if unreadable)."""
        runs = self._all("run", task_id=task_id)
        value = runs[0].get("input") if runs else None
        if not value:
            return None
        try:
            if encryption.is_envelope(value):
                if self._private_key is None:
                    return None
                raw = encryption.decrypt(value, self._private_key)
            else:
                raw = base64.b64decode(value)
            method = json.loads(raw).get("method")
        except (ValueError, TypeError, AttributeError, encryption.EncryptionError):
            return None
        return method if isinstance(method, str) else None

    def columns(self, collaboration: Ref | None = None, database: str = "default",
                organizations: Sequence[int] | None = None, *, timeout: float = 15.0,
                refresh: bool = False) -> dict:
        """The column names the nodes report for ``database`` (as the UI asks them:
        ``POST /column``, one request per organization), for ``organizations`` (default:
        every organization of the collaboration). Answers are kept per collaboration and
        database (``refresh=True`` asks again); an offline node is not asked, one that
        does not answer within ``timeout`` seconds is reported, never raised::

            {"collaboration_id", "database",
             "columns": [every column any node reported, in order],
             "common": [the columns every answering node reported],
             "organizations": [{"organization_id", "organization", "status": "ok" |
                                "offline" | "no node" | "timeout" | "failed",
                                "columns", "message", "task_id", "cached"}],
             "answered": 3, "asked": 4,
             "message": "columns from 3 of 4 nodes; HERMES_organization: node offline"}
        """
        from .columns import read_columns

        with self.working():
            self._need_login()
            if not isinstance(database, str) or not database.strip():
                raise TaskValidationError("give the database label, e.g. 'default'")
            collab = self._collaboration(collaboration)
            key = (collab["id"], database)
            with self._store_lock:
                if refresh:
                    self._column_cache.pop(key, None)
                cache = self._column_cache.setdefault(key, {})

            def wait(seconds: float) -> None:
                with self._changed:
                    self._changed.wait(seconds)

            return read_columns(self, collab, database, organizations, timeout=timeout,
                                cache=cache, wait=wait)

    # -- encryption ------------------------------------------------------------------
    def load_private_key(self, source: str | bytes | os.PathLike, *, check: bool = True) -> None:
        """Load your organization's private key (file path or PEM) for encrypted
        collaborations. With ``check``, refuse a key that does not match the public key
        the server holds for your organization. Nothing is uploaded."""
        with self.working():
            key = encryption.load_private_key(source)
            if check and self.organization:
                org = self._get(f"organization/{self.organization['id']}")
                server_key = org.get("public_key") or ""
                if server_key and server_key != encryption.public_key_b64(key):
                    raise encryption.EncryptionError(
                        f"this private key does not belong to {org['name']}: the server holds "
                        "a different public key for it")
            self._private_key = key
            self.key_loaded = True

    def upload_public_key(self) -> None:
        """Replace your organization's public key on the server with the loaded key's.

        Everything encrypted for the old key becomes unreadable for your organization:
        use this only when setting up encryption for the first time or on purpose."""
        with self.working():
            if self._private_key is None:
                raise encryption.EncryptionError("load a private key first")
            self._need_login()
            self.http.patch(f"organization/{self.organization['id']}",
                            json={"public_key": encryption.public_key_b64(self._private_key)})

    # -- tasks -------------------------------------------------------------------------
    def create_task(
        self,
        image: str,
        method: str,
        *,
        organizations: Sequence[int] | None = None,
        collaboration: Ref | None = None,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        databases: Sequence[Mapping[str, Any] | str] | None = None,
        name: str | None = None,
        description: str = "",
        study: int | None = None,
    ) -> dict:
        """Validate, then create a task (sent once, never retried).

        ``organizations`` defaults to every organization of the collaboration (or study)
        whose node is online. Raises TaskValidationError before sending anything when an
        organization is outside the collaboration or has no node, an argument is not
        JSON, or the collaboration is encrypted and no private key is loaded.
        """
        with self.working():
            self._need_login()
            collab = self._collaboration(collaboration)
            payload = self._check_form(collab, image, method, organizations, args, kwargs,
                                       study)
            form = _fingerprint(collab["id"], image, method, organizations, args, kwargs,
                                databases, study)
            if self.pending_submission:
                try:
                    earlier, earlier_form = self._settle_pending()
                except NetworkError as exc:
                    raise TaskOutcomeUnknown(
                        "the answer to an earlier submission was lost and the server still "
                        f"cannot be asked whether it created that task ({exc}); nothing "
                        "was sent: try again when it is reachable") from None
                if earlier is not None and earlier_form == form:
                    return earlier  # the same form was created then: not again
            body = self._task_body(collab, image, method, organizations, payload, databases,
                                   name, description, study)
            marker = uuid.uuid4().hex
            body["description"] = _with_marker(description, marker)
            if not self._create_lock.acquire(blocking=False):
                raise TaskValidationError("a task is being submitted already: wait for it")
            try:
                try:
                    task = self.http.post("task", json=body)
                except NetworkError as exc:
                    if isinstance(exc, ConnectionFailed) and exc.reason in _NEVER_SENT:
                        raise  # no connection was made: nothing reached the server
                    self.pending_submission = {
                        "marker": marker, "name": body["name"],
                        "collaboration_id": collab["id"], "fingerprint": form,
                        "username": (self.user or {}).get("username"),
                        "lost_at": time.time()}
                    raise TaskOutcomeUnknown(
                        f"the answer to creating task {body['name']!r} was lost "
                        f"({exc.reason}): the server may have created the task; labpanels "
                        "will check when it is reachable again (session.check_pending(), "
                        "or submit the same form again: it is not created twice)") from None
            finally:
                self._create_lock.release()
            row = tables.flat_task(task)
            self.watch(row)
            self.last_task = row
            return self.last_task

    def check_pending(self) -> dict | None:
        """Settle a submission whose answer was lost: ask the server for the task it
        carried (by its marker among your recent tasks of that collaboration).

        Returns the task when it was created (it becomes ``last_task`` and is watched),
        None when the server answers that it was not; either way ``pending_submission``
        is cleared. Raises NetworkError, keeping it, while the server cannot be asked."""
        with self.working():
            return self._settle_pending()[0]

    def _settle_pending(self) -> tuple[dict | None, str | None]:
        """check_pending's work; also returns the pending form's fingerprint."""
        pending = self.pending_submission
        if not pending:
            return None, None
        self._need_login()
        found = self._find_marked(pending)
        if found is None:
            # a request abandoned by its client may still be in the server's hands
            # for a moment: look once more before concluding it was not created
            left = pending.get("lost_at", 0) + _SETTLE_SECONDS - time.time()
            if left > 0:
                time.sleep(left)
                found = self._find_marked(pending)
        self.pending_submission = None
        if found is None:
            return None, pending.get("fingerprint")
        row = tables.flat_task(found)
        self.watch(row)
        self.last_task = row
        return row, pending.get("fingerprint")

    def _find_marked(self, pending: Mapping) -> dict | None:
        line = f"{_MARKER} {pending['marker']}"
        answer = self.http.get("task", params={
            "collaboration_id": pending["collaboration_id"], "name": pending["name"],
            "init_user_id": self.user["id"], "sort": "-id", "per_page": 50})
        for task in answer["data"]:
            if line in (task.get("description") or "").splitlines():
                return task
        return None

    def _check_form(self, collab: Mapping, image: Any, method: Any, organizations: Any,
                    args: Any, kwargs: Any, study: int | None) -> bytes:
        """What can be checked without asking the server; returns the input's JSON."""
        if not image or not isinstance(image, str):
            raise TaskValidationError("give the algorithm's image name")
        if not method or not isinstance(method, str):
            raise TaskValidationError("give the name of the function to run")
        if isinstance(args, (str, bytes, Mapping)) or not isinstance(args, Sequence):
            raise TaskValidationError("args must be a list of positional arguments")
        if kwargs is not None and not isinstance(kwargs, Mapping):
            raise TaskValidationError("kwargs must be a dict of keyword arguments")
        try:
            payload = json.dumps({"method": method, "args": list(args),
                                  "kwargs": dict(kwargs or {})}, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            reason = str(exc)
            if "Out of range float" in reason:
                reason = "NaN and infinity are not JSON numbers (use None for a missing value)"
            raise TaskValidationError(
                f"the arguments cannot be sent as JSON: {reason}") from None
        if organizations is not None:
            ids = []
            for org in organizations:
                value = org.get("id") if isinstance(org, Mapping) else org
                if isinstance(value, bool) or not isinstance(value, (int, str)) or (
                        isinstance(value, str) and not value.isdigit()):
                    raise TaskValidationError(f"{value!r} is not an organization id")
                ids.append(int(value))
            if not ids:
                raise TaskValidationError("choose at least one organization")
            members = _member_ids(collab)
            if study is None and members is not None:
                outside = [o for o in ids if o not in members]
                if outside:
                    names = {o["id"]: o.get("name") for o in collab["organizations"]}
                    raise TaskValidationError(
                        f"{subject('organization', outside)} not part of "
                        f"collaboration {collab['name']}; its organizations are: "
                        + ", ".join(f"{i} ({names[i]})" for i in sorted(members)))
        return payload

    def _task_body(self, collab, image, method, organizations, payload, databases, name,
                   description, study) -> dict:
        encrypted = bool(collab.get("encrypted"))
        if encrypted and self._private_key is None:
            raise TaskValidationError(
                f"{collab['name']} is encrypted: load your organization's private key first "
                "(session.load_private_key(path))")
        if _member_ids(collab) is None or encrypted:  # public keys: as the server has them now
            records = self._all("organization", collaboration_id=collab["id"])
        else:
            records = collab["organizations"]
        members = {o["id"]: o for o in records}
        self._org_names.update({i: o["name"] for i, o in members.items()})
        nodes = {n["organization"]["id"]: n
                 for n in self._all("node", collaboration_id=collab["id"])}
        if study is not None:
            allowed = {o["id"] for o in self._all("organization", study_id=study)}
        else:
            allowed = set(members)
        if organizations is None:
            organizations = sorted(i for i in allowed if nodes.get(i, {}).get("status") == "online")
            if not organizations:
                raise TaskValidationError(f"no organization in {collab['name']} has a node online")
        organizations = [int(o["id"] if isinstance(o, Mapping) else o) for o in organizations]
        outside = [o for o in organizations if o not in allowed]
        if outside:
            where = f"study {study}" if study is not None else f"collaboration {collab['name']}"
            raise TaskValidationError(
                f"{subject('organization', outside)} not part of {where}; "
                f"its organizations are: " + ", ".join(
                    f"{i} ({members[i]['name']})" for i in sorted(allowed) if i in members))
        nodeless = [o for o in organizations if o not in nodes]
        if nodeless:
            raise TaskValidationError(
                "no node is registered for " + ", ".join(members[o]["name"] for o in nodeless)
                + f" in {collab['name']}: the task could never run there")
        inputs = []
        for org_id in organizations:
            if encrypted:
                public = members[org_id].get("public_key")
                if not public:
                    raise TaskValidationError(
                        f"{members[org_id]['name']} has no public key on the server yet, so "
                        "nothing can be encrypted for it (its node uploads it when it starts)")
                sealed = encryption.encrypt(payload, public)
            else:
                sealed = base64.b64encode(payload).decode()
            inputs.append({"id": org_id, "input": sealed})
        dbs = [{"label": d} if isinstance(d, str) else dict(d)
               for d in (databases or [{"label": "default"}])]
        body = {"name": name or f"{method} ({dt.datetime.now():%Y-%m-%d %H:%M:%S})",
                "description": description, "image": image, "collaboration_id": collab["id"],
                "organizations": inputs, "databases": dbs}
        if study is not None:
            body["study_id"] = study
        return body

    def kill(self, task: Ref) -> None:
        """Ask the nodes to stop every run of ``task`` (and its subtasks)."""
        with self.working():
            self._need_login()
            self.http.post("kill/task", json={"id": _task_id(task)})

    def progress(self, task: Ref) -> dict:
        """A snapshot: the task's status and every run, subtasks' runs included."""
        task_id = _task_id(task)
        status = self._get(f"task/{task_id}/status")["status"]
        runs = self.runs(task_id, include_children=True)
        own = [r for r in runs if r["task_id"] == task_id]
        done = sum(r["status"] in FINISHED for r in runs)
        return {
            "task_id": task_id, "status": status, "runs": runs,
            "finished": bool(own) and all(r["status"] in FINISHED for r in own),
            "failed": [r for r in runs if r["status"] in FAILED],
            "fraction": done / len(runs) if runs else 0.0,
        }

    def wait(self, task: Ref, *, timeout: float | None = None, offline_timeout: float = 5.0,
             on_progress: Callable[[dict], None] | None = None, poll: float = 2.0) -> dict:
        """Wait until every run of ``task`` finished; return a :meth:`progress`-shaped
        snapshot (subtasks' runs included, without logs).

        It follows the task's entry in ``task_state`` (see :meth:`watch`): live events
        end it at once; without them the task is read every ``poll`` seconds. When the
        server stops answering (the live connection drops and a short probe fails) for
        ``offline_timeout`` seconds it raises ServerUnreachable: the task goes on on the
        server, wait again when it is back. With ``timeout`` it raises TimeoutError when
        the task is still running then. ``on_progress`` gets a snapshot whenever a run
        changes.
        """
        self._need_login()
        task_id = _task_id(task)
        self.watch(task_id, poll=poll)
        started = time.monotonic()
        deadline = None if timeout is None else started + timeout
        last_key = None
        try:
            while True:
                with self._changed:
                    seen = self._version
                entry = self.task_state.get(task_id)
                if entry is None:
                    raise NotLoggedIn("logged out while waiting")
                key = [(r["id"], r["status"]) for r in entry["runs"]]
                if on_progress and entry["runs"] and key != last_key:
                    on_progress(_snapshot(entry))
                last_key = key
                if entry["finished"] and entry["runs"] and (
                        entry["done"] == entry["total"] or task_id in self._settled):
                    return _snapshot(entry)
                now = time.monotonic()
                if self._suspect_unreachable(now, poll):
                    self._probe()
                    now = time.monotonic()
                if not self.server_reachable and self._unreachable_since is not None:
                    down = now - max(self._unreachable_since, started)
                    if down >= offline_timeout:
                        raise ServerUnreachable(
                            f"the server has not answered for {offline_timeout:g} s while "
                            f"waiting for task {task_id}; the task goes on on the server: "
                            "call wait() again when it is back")
                if deadline is not None and now > deadline:
                    raise TimeoutError(f"task {task_id} is still {entry['status']} after "
                                       f"{timeout:g} s")
                pause = 1.0 if deadline is None else max(0.0, min(1.0, deadline - now))
                with self._changed:
                    if self._version == seen:
                        self._changed.wait(pause)
        finally:
            with self._state_lock:  # back to the watch's usual pace
                if task_id in self._watched:
                    self._watched[task_id] = max(self._watched[task_id],
                                                 10.0 if self.live else 2.0)

    def _suspect_unreachable(self, now: float, poll: float) -> bool:
        """True when a probe is due: the live connection is down (or the server was
        unreachable), or nothing was heard for a while; at most one a second."""
        if now - self._last_probe < 1.0:
            return False
        if not self.server_reachable or (self._want_live and not self.live):
            return True
        return now - self._last_contact > max(2 * poll, 5.0) and not self.live

    def results(self, task: Ref, *, as_frame: bool = True) -> Any:
        """Decoded (and decrypted) results of a task, labeled by organization.

        A DataFrame by default (one row per organization for dict results); with
        ``as_frame=False`` a list of {organization, organization_id, run_id, result}.
        A watched task's results are fetched as soon as it finishes, so this returns
        them from memory (waiting for a fetch under way rather than starting another).
        """
        with self.working():
            task_id = _task_id(task)
            with self._changed:
                self._changed.wait_for(
                    lambda: (self.task_state.get(task_id) or {}).get("results") != "loading"
                    or self._worker is None, timeout=_seconds(self.http.timeout) + 5)
            cached = self._results_cache.get(task_id)
            if cached is None:
                runs = self.runs(task_id)
                items = self._read_results(task_id, runs)
                frame = tables.results_frame(items) if as_frame else None
                if runs and all(r["status"] in FINISHED for r in runs):
                    cached = self._results_cache[task_id] = (
                        items, frame if frame is not None else tables.results_frame(items))
                    self._update_entry(task_id, results="ready")
                else:
                    return frame if as_frame else items
            items, frame = cached
            return frame.copy() if as_frame else copy.deepcopy(items)

    def _read_results(self, task_id: int, runs: list[Mapping]) -> list[dict]:
        """The task's completed runs' results, opened, by organization."""
        by_id = {r["id"]: r for r in runs}
        done = []
        for res in self._all("result", task_id=task_id):
            run = by_id.get(res["run"]["id"] if isinstance(res.get("run"), Mapping)
                            else res["id"], {})
            if run.get("status") == "completed":
                done.append((run, res))
        values = self._decode_all([res for _, res in done])
        items = [{"organization": run.get("organization"),
                  "organization_id": run.get("organization_id"),
                  "run_id": run.get("id"), "result": value}
                 for (run, _), value in zip(done, values, strict=True)]
        items.sort(key=lambda i: i["organization_id"] or 0)
        return items

    def open_results(self, results: list[Mapping]) -> list[bytes | None]:
        """The raw bytes of result resources: decrypted (on every core) or base64-decoded.

        Raises ResultUnreadable when a result is encrypted and no key (or the wrong one)
        is loaded."""
        sealed = [i for i, r in enumerate(results) if encryption.is_envelope(r.get("result"))]
        opened: dict[int, bytes] = {}
        if sealed:
            if self._private_key is None:
                raise ResultUnreadable("this result is encrypted: load your organization's "
                                       "private key (session.load_private_key(path))")
            try:
                raws = encryption.decrypt_all([results[i]["result"] for i in sealed],
                                              self._private_key)
            except encryption.EncryptionError as exc:
                raise ResultUnreadable(f"task results: {exc}") from None
            opened = dict(zip(sealed, raws, strict=True))
        out: list[bytes | None] = []
        for i, res in enumerate(results):
            value = res.get("result")
            if i in opened:
                out.append(opened[i])
            elif not value:
                out.append(None)
            else:
                try:
                    out.append(base64.b64decode(value, validate=True))
                except binascii.Error:
                    raise ResultUnreadable(f"run {res.get('id')}: not base64") from None
        return out

    def _decode_all(self, results: list[Mapping]) -> list[Any]:
        """Open and JSON-decode result resources (text that is not JSON stays text)."""
        values = []
        for raw in self.open_results(results):
            if raw is None:
                values.append(None)
                continue
            try:
                values.append(json.loads(raw))
            except ValueError:
                values.append(raw.decode("utf-8", "replace"))
        return values


def _warm_pandas() -> None:
    """Import pandas in the background, so the first table does not wait for it."""
    import sys

    if "pandas" not in sys.modules:
        threading.Thread(target=_import_pandas, name="labpanels-import-pandas",
                         daemon=True).start()


def _import_pandas() -> None:
    with contextlib.suppress(ImportError):
        import pandas  # noqa: F401


def task_status(runs: Iterable[Mapping[str, Any]]) -> str:
    """A task's status from its own runs, by the server's rule: any failure wins (one
    kind of failure names it, mixed ones read "failed"); else active, initializing,
    pending; completed when every run completed; pending without runs."""
    statuses = [r.get("status") or "pending" for r in runs]
    failures = [s for s in statuses if s in FAILED]
    if failures:
        return failures[0] if len(set(failures)) == 1 else "failed"
    for status in ("active", "initializing", "pending"):
        if status in statuses:
            return status
    return "completed" if statuses else "pending"


#: fields a record from the server loses before it reaches a trait, a panel or a caller
SECRET_FIELDS = frozenset({
    "password", "otp_secret", "qr_uri", "api_key", "access_token", "refresh_token",
    "jwt_token", "reset_token", "secret", "private_key", "client_secret", "token",
})


def strip_secrets(value: Any) -> Any:
    """``value`` (a record, a list of them, nested) without :data:`SECRET_FIELDS`."""
    if isinstance(value, Mapping):
        return {k: strip_secrets(v) for k, v in value.items()
                if not (isinstance(k, str) and k.lower() in SECRET_FIELDS)}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def _totp_code(code: str | int) -> str:
    """Six digits (spaces dropped); LoginFailed, before anything is sent, otherwise."""
    text = f"{code:06d}" if isinstance(code, int) and not isinstance(code, bool) else str(code)
    text = "".join(text.split())
    if len(text) != 6 or not text.isdigit():
        raise LoginFailed("a two-factor code is the 6 digits your authenticator app shows "
                          "(e.g. 123 456); nothing was sent")
    return text


def _snippet(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return repr(text[:80] + ("…" if len(text) > 80 else "")) if text else "an empty body"


_MARKER = "labpanels-submission:"
#: reasons of a ConnectionFailed that mean no connection was made (nothing was sent)
_NEVER_SENT = frozenset({"connection refused", "name or service not known",
                         "temporary failure in name resolution", "no route to host"})
#: seconds after a lost answer before "not on the server" is taken to mean "not created"
_SETTLE_SECONDS = 3.0


def _with_marker(description: str | None, marker: str) -> str:
    """The user's description, then a line that identifies this one submission."""
    text = (description or "").rstrip()
    return f"{text}\n\n{_MARKER} {marker}" if text else f"{_MARKER} {marker}"


def _fingerprint(collaboration_id: int, image: str, method: str, organizations: Any,
                 args: Any, kwargs: Any, databases: Any, study: int | None) -> str:
    """One string for a task form (not its name or description): equal forms, equal
    strings."""
    orgs = None if organizations is None else sorted(
        int(o["id"] if isinstance(o, Mapping) else o) for o in organizations)
    dbs = [{"label": d} if isinstance(d, str) else dict(d)
           for d in (databases or [{"label": "default"}])]
    form = {"collaboration_id": collaboration_id, "image": image, "method": method,
            "organizations": orgs, "args": list(args), "kwargs": dict(kwargs or {}),
            "databases": dbs, "study": study}
    text = json.dumps(form, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _member_ids(collab: Mapping) -> set[int] | None:
    """The organization ids a collaboration record lists (None when it only links)."""
    orgs = collab.get("organizations")
    if isinstance(orgs, list) and all(isinstance(o, Mapping) and "id" in o for o in orgs):
        return {int(o["id"]) for o in orgs}
    return None


def _snapshot(entry: Mapping) -> dict:
    """The shape :meth:`Vantage6Session.progress` and ``wait`` return, from an entry."""
    runs = [dict(r) for r in entry["runs"]]
    return {"task_id": entry["id"], "status": entry["status"], "runs": runs,
            "finished": entry["finished"],
            "failed": [r for r in runs if r["status"] in FAILED],
            "fraction": entry["done"] / entry["total"] if entry["total"] else 0.0}


def _utcnow() -> str:
    """Now, as the server writes times (naive ISO, UTC): until a read brings its own."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()


def _seconds(timeout: float | tuple[float, float]) -> float:
    return float(sum(timeout)) if isinstance(timeout, tuple) else float(timeout)


_RANK = {"pending": 0, "initializing": 1, "active": 2}


def _rank(status: str | None) -> int:
    """How far a run's status is along (statuses only move forward)."""
    return 3 if status in FINISHED else _RANK.get(status or "", 0)


def _run_row(run: Mapping) -> dict:
    """A run as ``task_state`` holds it: no log."""
    return {k: run.get(k) for k in ("id", "task_id", "organization_id", "organization",
                                    "node", "status", "started_at", "finished_at")}


def _task_id(task: Ref) -> int:
    if isinstance(task, Mapping):
        return int(task["id"])
    return int(task)


def error_line(log: str | None) -> str:
    """The most telling line of a run's log: the ``Error:`` line, else the exception line."""
    lines = [line.strip() for line in (log or "").splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Error:"):
            return line[len("Error:"):].strip()
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line
    return lines[-1] if lines else ""


def _sentence(exc: LabpanelsError) -> str:
    if isinstance(exc, ApiError):
        return f"{exc.message} ({exc.status})"
    return str(exc)
