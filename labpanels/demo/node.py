"""A simulated vantage6 node: the real node protocol, Python functions instead of containers.

It authenticates with its API key, keeps a socket.io connection (so the server shows it
online) and pings like a real node, picks up its open runs on ``sync``, on ``new_task``
and by polling as a fallback, runs the requested function of a shipped algorithm on its
organization's CSV file, and reports back the way a real node does: the start, then one
PATCH with result, log, status and finish time, the result encrypted for the task's
initiating organization when the collaboration is encrypted.

Run one node: ``python -m labpanels.demo.node NODE.json``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import queue
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import socketio

from ..errors import LabpanelsError
from ..http import HttpClient
from ..paging import iter_vantage6
from ..vantage6 import encryption
from . import runlog
from .container_client import ContainerClient

__all__ = ["SimulatedNode", "main"]

log = logging.getLogger("labpanels.node")
DATA_DIR = Path(__file__).with_name("data")
#: the database labels every simulated node has (one CSV file, as "default")
DATABASES = ("default",)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _jwt_subject(token: str) -> int:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["sub"])


class SimulatedNode:
    """One node of one organization in one collaboration."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        data: str,
        private_key: str | None = None,
        *,
        poll_interval: float = 10.0,
        ping_interval: float = 30.0,
        workers: int = 8,
        data_file: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.data_file = Path(data_file) if data_file else DATA_DIR / f"{data}.csv"
        self.private_key = encryption.load_private_key(Path(private_key)) if private_key else None
        self.poll_interval = poll_interval
        self.ping_interval = ping_interval
        self.http = HttpClient(api_url, timeout=(5, 30), on_unauthorized=self._reauthenticate)
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                   reconnection_delay_max=3)
        self.changed = threading.Condition()  # notified on every run status event
        self._wanted: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._seen: set[int] = set()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="run")
        self._authenticating = False
        self.refresh_token: str | None = None
        self._register_handlers()

    # -- identity -------------------------------------------------------------
    def authenticate(self) -> None:
        """Log in with the API key and learn who this node is."""
        self.http.session.headers.pop("Authorization", None)
        tokens = self.http.post("token/node", json={"api_key": self.api_key})
        self._use_tokens(tokens)
        self.id = _jwt_subject(self.token)
        me = self.http.get(f"node/{self.id}")
        self.name = me["name"]
        self.organization_id = me["organization"]["id"]
        self.collaboration_id = me["collaboration"]["id"]
        self.encrypted = bool(self.http.get(f"collaboration/{self.collaboration_id}")["encrypted"])
        if self.encrypted:
            self._publish_public_key()

    def _use_tokens(self, tokens: dict) -> None:
        self.token = tokens["access_token"]
        self.refresh_token = tokens.get("refresh_token", getattr(self, "refresh_token", None))
        self.http.session.headers["Authorization"] = f"Bearer {self.token}"
        self.sio.connection_headers = {"Authorization": f"Bearer {self.token}"}

    def _publish_public_key(self) -> None:
        """Upload the organization's public key if the server's differs, as nodes do."""
        if self.private_key is None:
            raise RuntimeError(f"{self.name}: the collaboration is encrypted but no key is set")
        mine = encryption.public_key_b64(self.private_key)
        org = self.http.get(f"organization/{self.organization_id}")
        if org.get("public_key") != mine:
            self.http.patch(f"organization/{self.organization_id}", json={"public_key": mine})

    def _reauthenticate(self, _error: object = None) -> bool:
        """On a 401: renew the access token with the refresh token (cheap), else log in."""
        if self._authenticating:
            return False
        self._authenticating = True
        try:
            if self.refresh_token:
                self.http.session.headers["Authorization"] = f"Bearer {self.refresh_token}"
                try:
                    self._use_tokens(self.http.post("token/refresh"))
                    return True
                except LabpanelsError:
                    pass
            self.authenticate()
            return True
        except LabpanelsError:
            return False
        finally:
            self._authenticating = False

    def _start(self) -> None:
        """Log in and connect, waiting out a server that is not up yet."""
        delay = 0.5
        while not self._stop.is_set():
            try:
                self.authenticate()
                self._connect_socket()
                return
            except (LabpanelsError, socketio.exceptions.ConnectionError) as exc:
                log.warning("node start: %s; trying again in %.1f s", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)

    # -- socket.io ------------------------------------------------------------
    def _register_handlers(self) -> None:
        ns = "/tasks"

        @self.sio.on("sync", namespace=ns)
        def _sync(*_: Any) -> None:
            self._request(None)

        @self.sio.on("new_task", namespace=ns)
        def _new_task(data: dict) -> None:
            self._request(int(data["id"]))

        def _status(*_: Any) -> None:
            with self.changed:
                self.changed.notify_all()

        self.sio.on("status_update", _status, namespace=ns)
        self.sio.on("algorithm_status_change", _status, namespace=ns)

        def _token_problem(*_: Any) -> None:
            log.warning("%s: server refused the socket token; logging in again", self.name)
            threading.Thread(target=self._reconnect_fresh, daemon=True).start()

        self.sio.on("expired_token", _token_problem, namespace=ns)
        self.sio.on("invalid_token", _token_problem, namespace=ns)

    def _connect_socket(self) -> None:
        self.sio.connect(
            self.http.origin,
            headers={"Authorization": f"Bearer {self.token}"},
            namespaces=["/tasks"],
            transports=["websocket"],
            wait_timeout=10,
        )

    def _reconnect_fresh(self) -> None:
        try:
            self.sio.disconnect()
            self._reauthenticate()
            self._connect_socket()
        except Exception as exc:  # the polling loop keeps the node working meanwhile
            log.warning("%s: reconnect failed: %s", self.name, exc)

    def _emit_status(self, run: dict, task: dict, status: str) -> None:
        if not self.sio.connected:
            return
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            self.sio.emit("algorithm_status_change", {
                "run_id": run["id"], "task_id": task["id"], "status": status,
                "collaboration_id": self.collaboration_id, "node_id": self.id,
                "organization_id": self.organization_id,
                "parent_id": (task.get("parent") or {}).get("id"),
            }, namespace="/tasks")

    # -- the work loop --------------------------------------------------------
    def _request(self, task_id: int | None) -> None:
        """Ask the loop to fetch open runs: of one task, or all (``None``)."""
        self._wanted.put(task_id)

    def serve(self) -> None:
        """Run until :meth:`shutdown`: stay online, pick up runs, execute them."""
        self._start()
        last_ping = time.monotonic()
        self._request(None)
        while not self._stop.is_set():
            try:
                wanted = {self._wanted.get(timeout=self.poll_interval)}
            except queue.Empty:
                wanted = {None}  # the fallback poll also keeps last_seen fresh
            while not self._wanted.empty():
                wanted.add(self._wanted.get())
            if self._stop.is_set():
                return
            try:
                for task_id in ({None} if None in wanted else wanted):
                    self._pick_up(task_id)
            except LabpanelsError as exc:
                log.warning("%s: cannot fetch runs: %s", self.name, exc)
            if time.monotonic() - last_ping >= self.ping_interval and self.sio.connected:
                with contextlib.suppress(socketio.exceptions.SocketIOError):
                    self.sio.emit("ping", namespace="/tasks")
                last_ping = time.monotonic()

    def _pick_up(self, task_id: int | None) -> None:
        params = {"state": "open", "node_id": self.id, "include": "task"}
        if task_id is not None:
            params["task_id"] = task_id
        for run in iter_vantage6(self.http, "run", params):
            if run["id"] not in self._seen:
                self._seen.add(run["id"])
                self._pool.submit(self._execute, run)

    def shutdown(self) -> None:
        """Stop picking up work and disconnect (the server marks the node offline)."""
        self._stop.set()
        self._wanted.put(None)
        with contextlib.suppress(Exception):
            self.sio.disconnect()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- running one algorithm ------------------------------------------------
    def _execute(self, run: dict) -> None:
        task = run.get("task") or {}
        if "image" not in task:
            task = self.http.get(f"task/{run['task']['id']}")
        try:
            self.http.patch(f"run/{run['id']}", json={"started_at": _now(), "status": "active"})
        except LabpanelsError as exc:  # killed or finished meanwhile
            log.info("%s: run %s not started: %s", self.name, run["id"], exc)
            return
        self._emit_status(run, task, "active")
        client = ContainerClient(
            node_http=self.http, task=task, organization_id=self.organization_id,
            collaboration_id=self.collaboration_id, encrypted=self.encrypted,
            private_key=self.private_key, changed=self.changed,
        )
        body: dict[str, Any]
        with runlog.capture() as output:
            try:
                payload = self._open_input(run["input"])
                print(f"{self.name}: {task['image']} {payload.get('method')}"
                      f"(kwargs={json.dumps(payload.get('kwargs', {}))})")
                result = self._run_function(task["image"], payload, client,
                                            task.get("databases"))
                body = {"status": "completed",
                        "result": self._seal_result(json.dumps(result).encode(), task)}
            except Exception as exc:
                status = _failure_status(exc)
                print(f"Error: {_describe(exc)}")
                print(algorithm_traceback(exc), end="")
                body = {"status": status}
            finally:
                client.close()
        body.update(log=output.getvalue(), finished_at=_now())
        try:
            self.http.patch(f"run/{run['id']}", json=body)
        except LabpanelsError as exc:
            log.warning("%s: could not report run %s: %s", self.name, run["id"], exc)
            return
        self._emit_status(run, task, body["status"])

    def _open_input(self, value: str) -> dict:
        raw = (encryption.decrypt(value, self.private_key) if self.encrypted
               else base64.b64decode(value))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or "method" not in payload:
            raise ValueError("the task input has no 'method'")
        return payload

    def _run_function(self, image: str, payload: dict, client: ContainerClient,
                      databases: list | None = None) -> Any:
        from .algorithms import dispatch

        # like a real node: a task for a database label this node does not have fails
        for db in databases or []:
            label = db.get("label") if isinstance(db, dict) else db
            if label not in DATABASES:
                raise ValueError(f"this node has no database labelled {label!r}; its "
                                 f"databases: {', '.join(DATABASES)}")

        return dispatch(
            image, payload["method"], list(payload.get("args") or []),
            dict(payload.get("kwargs") or {}), load_data=self._load_data, client=client,
        )

    def _load_data(self) -> Any:
        import pandas as pd

        return pd.read_csv(self.data_file)

    def _seal_result(self, payload: bytes, task: dict) -> str:
        if not self.encrypted:
            return base64.b64encode(payload).decode()
        init_org = (task.get("init_org") or {}).get("id")
        if init_org is None:
            init_org = self.http.get(f"task/{task['id']}")["init_org"]["id"]
        public = self.http.get(f"organization/{init_org}")["public_key"]
        return encryption.encrypt(payload, public)


ALGORITHMS_DIR = Path(__file__).resolve().with_name("algorithms")


def algorithm_traceback(exc: BaseException) -> str:
    """The traceback a container's log would show: the algorithm's own frames (its files
    under ``labpanels/demo/algorithms``), not the node simulator's that called it."""
    tb = traceback.TracebackException.from_exception(exc)
    frames = [f for f in tb.stack if Path(f.filename).resolve().is_relative_to(ALGORITHMS_DIR)]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.StackSummary.from_list(frames).format()
    lines += list(tb.format_exception_only())
    return "".join(lines)


def _failure_status(exc: Exception) -> str:
    from .algorithms import UnknownImage

    return "non-existing Docker image" if isinstance(exc, UnknownImage) else "failed"


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if isinstance(exc, (ValueError, LookupError)) else f"{type(exc).__name__}: {text}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``python -m labpanels.demo.node NODE.json``."""
    args = argv if argv is not None else sys.argv[1:]
    config = json.loads(Path(args[0]).read_text())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    node = SimulatedNode(
        config["api_url"], config["api_key"], config["data"], config.get("private_key"),
        poll_interval=config.get("poll_interval", 10.0),
        ping_interval=config.get("ping_interval", 30.0),
        data_file=config.get("data_file"),
    )
    signal.signal(signal.SIGTERM, lambda *_: node.shutdown())
    signal.signal(signal.SIGINT, lambda *_: node.shutdown())
    try:
        node.serve()
    finally:
        node.shutdown()


if __name__ == "__main__":
    main()
