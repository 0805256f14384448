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
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from traitlets import Bool, Dict, Int, Unicode

from ..errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailed,
    LabpanelsError,
    NotFound,
    PermissionDenied,
)
from ..http import HttpClient
from ..paging import iter_vantage6
from ..state import SessionState
from . import encryption, tables
from .errors import (
    AccountLocked,
    LoginFailed,
    MfaRequired,
    MfaSetupRequired,
    NotLoggedIn,
    ResultUnreadable,
    ServerUnreachable,
    TaskValidationError,
)
from .tokens import TokenAuth, jwt_claims

__all__ = ["Vantage6Session", "FINISHED", "FAILED"]

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
                     help="first-time two-factor setup: {'qr_uri', 'otp_secret'}")
    key_loaded = Bool(False, help="an organization private key is loaded")
    live = Bool(False, help="the live event connection is up")
    node_status = Dict(help="node id -> node row, kept current by live events")
    run_status = Dict(help="run id -> {'status', 'task_id', ...}, kept current by live events")
    last_task = Dict(allow_none=True, default_value=None, help="the last task created here")
    event_count = Int(0, help="live events received (for panels that redraw on any change)")

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
        self._finished_runs: dict[int, list[dict]] = {}  # task id -> runs, once all finished

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
        return f"<Vantage6Session {self.url} ({who})>"

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
        """Every item of any collection, as the server returns it (all pages).

        For what the methods below do not cover, e.g. ``session.fetch("rule")``.
        ``None`` parameters are left out."""
        return self._all(path, **params)

    def fetch_one(self, path: str) -> dict:
        """One resource as the server returns it, e.g. ``session.fetch_one("user/3")``."""
        return self._get(path)

    # -- login -------------------------------------------------------------------
    def login(self, username: str, password: str, mfa_code: str | None = None) -> dict:
        """Log in; return the user. Raises LoginFailed, AccountLocked, MfaRequired or
        MfaSetupRequired (whose ``qr_uri``/``otp_secret`` are also in ``mfa_setup``)."""
        with self.working():
            body: dict[str, Any] = {"username": username, "password": password}
            if mfa_code:
                body["mfa_code"] = str(mfa_code).strip()
            self.http.session.auth = None
            try:
                answer = self.http.post("token/user", json=body)
            except AuthenticationError:
                raise self._login_refused(username, bool(mfa_code)) from None
            if "qr_uri" in answer:
                self.mfa_setup = {"qr_uri": answer["qr_uri"], "otp_secret": answer["otp_secret"]}
                self.mfa_required = True
                raise MfaSetupRequired(
                    "two-factor authentication is required: scan the QR code (or enter the "
                    "secret) in an authenticator app, then log in again with its code",
                    answer["qr_uri"], answer["otp_secret"])
            if "access_token" not in answer:
                self.mfa_required = True
                raise MfaRequired("enter the six-digit code from your authenticator app")
            self._failed_logins.pop(username, None)
            self.mfa_required = False
            self.mfa_setup = None
            self._auth = TokenAuth(self.http, answer["access_token"], answer.get("refresh_token"),
                                   on_change=self._token_renewed)
            self.http.session.auth = self._auth
            self.http.on_unauthorized = self._auth.renew_after_401
            user_id = int(jwt_claims(answer["access_token"])["sub"])
            self.logged_in = True
            user = self.http.get(f"user/{user_id}")
            org = self.http.get(f"organization/{user['organization']['id']}")
            self._org_names[org["id"]] = org["name"]
            self.organization = org
            self.user = user
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
                "even the right password. Wait, or ask an administrator to unlock it.")
        return LoginFailed("wrong username or password")

    def logout(self) -> None:
        """Forget the tokens and stop live events (the server keeps nothing to close)."""
        self._stop_live()
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
        self._events = LiveEvents(self.http.origin, lambda: self._auth.access, self._on_event,
                                  on_state=self._on_live_state)
        self._events.start()

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
            threading.Thread(target=self._refresh_known_nodes, daemon=True).start()
        self._notify()

    def _refresh_known_nodes(self) -> None:
        with contextlib.suppress(LabpanelsError):
            if self.collaboration:
                self.nodes(self.collaboration)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

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
        self.event_count += 1
        self._notify()

    def wait_for_event(self, timeout: float) -> bool:
        """Block until a live event arrives (True) or ``timeout`` passes (False)."""
        with self._changed:
            return self._changed.wait(timeout)

    # -- references ------------------------------------------------------------------
    def _collaboration(self, ref: Ref | None) -> dict:
        if ref is None:
            if not self.collaboration:
                raise TaskValidationError("choose a collaboration first (session.select(...))")
            return dict(self.collaboration)
        if isinstance(ref, Mapping):
            return dict(ref) if "encrypted" in ref else self._collaboration(ref["id"])
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            try:
                return self._get(f"collaboration/{int(ref)}")
            except NotFound:
                raise NotFound(404, "GET", self.http.url(f"collaboration/{ref}"),
                               f"no collaboration with id {ref} is visible to you") from None
        matches = [c for c in self._all("collaboration", name=ref) if c["name"] == ref]
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
            body = self._task_body(collab, image, method, organizations, args, kwargs,
                                   databases, name, description, study)
            if not self._create_lock.acquire(blocking=False):
                raise TaskValidationError("a task is being submitted already: wait for it")
            try:
                started = time.time()
                try:
                    task = self.http.post("task", json=body)
                except ConnectionFailed as exc:
                    found = self._find_created(body, started)
                    if found is None:
                        raise ConnectionFailed(exc.method, exc.url, exc.reason + "; the task "
                                               "was not created (check session.tasks())") from None
                    task = found
            finally:
                self._create_lock.release()
            self.last_task = tables.flat_task(task)
            return self.last_task

    def _task_body(self, collab, image, method, organizations, args, kwargs, databases, name,
                   description, study) -> dict:
        if not image or not isinstance(image, str):
            raise TaskValidationError("give the algorithm's image name")
        if not method or not isinstance(method, str):
            raise TaskValidationError("give the name of the function to run")
        members = {o["id"]: o for o in self._all("organization", collaboration_id=collab["id"])}
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
        if not organizations:
            raise TaskValidationError("choose at least one organization")
        outside = [o for o in organizations if o not in allowed]
        if outside:
            where = f"study {study}" if study is not None else f"collaboration {collab['name']}"
            raise TaskValidationError(
                f"organization(s) {', '.join(map(str, outside))} are not part of {where}; "
                f"its organizations are: " + ", ".join(
                    f"{i} ({members[i]['name']})" for i in sorted(allowed) if i in members))
        nodeless = [o for o in organizations if o not in nodes]
        if nodeless:
            raise TaskValidationError(
                "no node is registered for " + ", ".join(members[o]["name"] for o in nodeless)
                + f" in {collab['name']}: the task could never run there")
        try:
            payload = json.dumps({"method": method, "args": list(args),
                                  "kwargs": dict(kwargs or {})}, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise TaskValidationError(f"the arguments cannot be sent as JSON: {exc}") from None
        encrypted = bool(collab.get("encrypted"))
        if encrypted and self._private_key is None:
            raise TaskValidationError(
                f"{collab['name']} is encrypted: load your organization's private key first "
                "(session.load_private_key(path))")
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

    def _find_created(self, body: dict, since: float) -> dict | None:
        """After a failed POST: the task if the server did create it (so we never send
        it twice), else None. Gives up quietly when the server is still away."""
        try:
            for task in self.http.get("task", params={
                    "collaboration_id": body["collaboration_id"], "name": body["name"],
                    "init_user_id": self.user["id"], "per_page": 10})["data"]:
                if task["name"] == body["name"]:
                    return task
        except LabpanelsError:
            return None
        return None

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

    def wait(self, task: Ref, *, timeout: float | None = None, offline_timeout: float = 60.0,
             on_progress: Callable[[dict], None] | None = None, poll: float = 2.0) -> dict:
        """Wait until every run of ``task`` finished; return a :meth:`progress` snapshot.

        Live events wake it at once; without them it polls every ``poll`` seconds. If the
        server does not answer for ``offline_timeout`` seconds it raises
        ServerUnreachable (the task goes on on the server: wait again later). With
        ``timeout`` it raises TimeoutError when the task is still running then.
        ``on_progress`` gets a snapshot (subtasks' runs included) whenever a run changes.
        """
        self._need_login()
        task_id = _task_id(task)
        deadline = None if timeout is None else time.monotonic() + timeout
        unreachable_since: float | None = None
        last = None
        snapshot: dict | None = None
        fetched_at = 0.0
        while True:
            seen_events = self.event_count
            if snapshot is not None and not on_progress:
                # the nodes' own status events may already say every run finished: then
                # no request is needed before the results can be fetched
                known = self._finished_by_events(snapshot)
                if known is not None:
                    return known
                if self.live and time.monotonic() - fetched_at < poll:
                    # statuses arrive with the events; fetch only after a quiet ``poll``
                    # (some changes, such as a kill, come with no status event)
                    self.wait_for_event(poll)
                    continue
            try:
                # one request per wake-up unless someone watches subtasks' progress too
                snapshot = self.progress(task_id) if on_progress else self._own_progress(task_id)
                fetched_at = time.monotonic()
                unreachable_since = None
            except ConnectionFailed as exc:
                now = time.monotonic()
                unreachable_since = unreachable_since or now
                if now - unreachable_since > offline_timeout:
                    raise ServerUnreachable(
                        f"the server has not answered for {offline_timeout:g} s while waiting "
                        f"for task {task_id} ({exc.reason}); the task goes on on the server: "
                        "call wait() again when it is back") from None
                time.sleep(min(1.0, offline_timeout / 4))
                continue
            key = [(r["id"], r["status"]) for r in snapshot["runs"]]
            if on_progress and key != last:
                on_progress(snapshot)
            last = key
            if snapshot["finished"]:
                return snapshot
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"task {task_id} is still {snapshot['status']} after "
                                   f"{timeout:g} s")
            if self.event_count == seen_events:
                self.wait_for_event(poll if self.live else min(poll, 1.0))

    def _finished_by_events(self, snapshot: dict) -> dict | None:
        """The snapshot with live statuses applied, if they say every run finished."""
        runs = []
        for run in snapshot["runs"]:
            live = (self.run_status.get(run["id"]) or {}).get("status")
            runs.append({**run, "status": live} if live else run)
        if not runs or not all(r["status"] in FINISHED for r in runs):
            return None
        self._finished_runs[snapshot["task_id"]] = runs
        return {**snapshot, "runs": runs, "finished": True, "status": _task_status(runs),
                "failed": [r for r in runs if r["status"] in FAILED], "fraction": 1.0}

    def _own_progress(self, task_id: int) -> dict:
        runs = self.runs(task_id)
        finished = bool(runs) and all(r["status"] in FINISHED for r in runs)
        failed = [r for r in runs if r["status"] in FAILED]
        status = _task_status(runs)
        if finished:
            self._finished_runs[task_id] = runs
        return {"task_id": task_id, "status": status, "runs": runs, "finished": finished,
                "failed": failed,
                "fraction": sum(r["status"] in FINISHED for r in runs) / len(runs) if runs
                else 0.0}

    def results(self, task: Ref, *, as_frame: bool = True) -> Any:
        """Decoded (and decrypted) results of a task, labeled by organization.

        A DataFrame by default (one row per organization for dict results); with
        ``as_frame=False`` a list of {organization, organization_id, run_id, result}.
        """
        with self.working():
            task_id = _task_id(task)
            cached = self._finished_runs.get(task_id)
            runs = {r["id"]: r for r in (cached or self.runs(task_id))}
            done = []
            for res in self._all("result", task_id=task_id):
                run = runs.get(res["run"]["id"] if isinstance(res.get("run"), Mapping)
                               else res["id"], {})
                if run.get("status") == "completed":
                    done.append((run, res))
            values = self._decode_all([res for _, res in done])
            items = [{"organization": run.get("organization"),
                      "organization_id": run.get("organization_id"),
                      "run_id": run.get("id"), "result": value}
                     for (run, _), value in zip(done, values, strict=True)]
            items.sort(key=lambda i: i["organization_id"] or 0)
            return tables.results_frame(items) if as_frame else items

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


def _task_status(runs: list[dict]) -> str:
    """A task's status from its runs, by the server's rule (any failure wins)."""
    statuses = [r["status"] for r in runs]
    failures = [s for s in statuses if s in FAILED]
    if failures:
        return failures[0] if len(set(failures)) == 1 else "failed"
    for status in ("active", "initializing", "pending"):
        if status in statuses:
            return status
    return "completed" if statuses else "pending"


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
