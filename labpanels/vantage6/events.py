"""Live events from the vantage6 server (socket.io, namespace ``/tasks``), and the one
worker thread that does what they call for.

:class:`LiveEvents` is a background connection that tells the session when nodes come
online or go offline and when runs change, so panels update without polling. Its first
connection is made in a thread of its own (never blocking the kernel) and tried again
with :func:`labpanels.waiting.poll` until it succeeds; after that python-socketio's own
reconnection brings it back after a server restart, with the session's current access
token.

:class:`Worker` runs follow-up reads off the event thread: an event handler only updates
state and hands the worker a job, so a slow server never holds up the events.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import socketio

from ..waiting import Stopped, poll

__all__ = ["LiveEvents", "Worker"]

log = logging.getLogger("labpanels.vantage6.events")
NAMESPACE = "/tasks"
#: events the server sends to users, in the order they matter to a panel
RUN_EVENTS = ("status_update", "algorithm_status_change", "new_task")
NODE_EVENTS = ("node-online", "node-offline")


class LiveEvents:
    """One socket.io client; ``handler(event, data)`` is called for every event."""

    def __init__(self, origin: str, token: Callable[[], str],
                 handler: Callable[[str, dict], None],
                 on_state: Callable[[bool], None] | None = None) -> None:
        self.origin = origin
        self._token = token
        self._handler = handler
        self._on_state = on_state or (lambda connected: None)
        self._closed = threading.Event()
        self.client = socketio.Client(
            reconnection=True, reconnection_attempts=0, reconnection_delay=0.5,
            reconnection_delay_max=5, logger=False, engineio_logger=False,
        )
        self._register()

    def _register(self) -> None:
        client = self.client

        @client.on("connect", namespace=NAMESPACE)
        def _connected() -> None:
            self._on_state(True)

        @client.on("disconnect", namespace=NAMESPACE)
        def _disconnected(*_: Any) -> None:
            if self._closed.is_set():
                return  # closed on purpose: nothing to reconnect with
            self._on_state(False)
            # socket.io's reconnection sends these headers: keep them current
            client.connection_headers = self._headers()

        for event in (*RUN_EVENTS, *NODE_EVENTS):
            client.on(event, self._relay(event), namespace=NAMESPACE)

        for event in ("expired_token", "invalid_token"):
            client.on(event, self._token_refused, namespace=NAMESPACE)

    def _relay(self, event: str) -> Callable[[Any], None]:
        def relay(data: Any = None) -> None:
            try:
                self._handler(event, data if isinstance(data, dict) else {})
            except Exception:  # a broken observer must not kill the event thread
                log.exception("handling %s failed", event)
        return relay

    def _token_refused(self, *_: Any) -> None:
        # the server keeps the socket open but ignores us: connect anew with a fresh token
        threading.Thread(target=self._reconnect, name="vantage6-events-token",
                         daemon=True).start()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}"}

    def start(self) -> None:
        """Connect in the background; try again until connected or closed."""
        threading.Thread(target=self._connect, name="vantage6-events", daemon=True).start()

    def _try_connect(self) -> bool | None:
        if self._closed.is_set() or self.client.connected:
            return True
        try:
            self.client.connect(self.origin, headers=self._headers(),
                                namespaces=[NAMESPACE], transports=["websocket"],
                                wait_timeout=10)
            return True
        except socketio.exceptions.ConnectionError as exc:
            log.debug("event connection failed: %s", exc)
            return None
        except Exception as exc:  # anything else: try again, never end the thread
            log.debug("event connection failed: %s: %s", type(exc).__name__, exc)
            return None

    def _connect(self) -> None:
        """The first connection (socket.io reconnects by itself only once connected)."""
        with contextlib.suppress(Stopped):
            poll(self._try_connect, first=0.5, factor=2.0, cap=5.0, stop=self._closed,
                 what="the live event connection")
        if self._closed.is_set():
            self._disconnect()  # closed while connecting

    def _reconnect(self) -> None:
        self._disconnect()
        self._connect()

    def token_changed(self) -> None:
        """Use the renewed token at the next reconnect."""
        self.client.connection_headers = self._headers()

    @property
    def connected(self) -> bool:
        """True while the socket is up."""
        return self.client.connected

    def close(self) -> None:
        """Disconnect for good, without waiting: from now on no event or state change is
        passed on, and the socket closes in the background (websocket-client waits up to
        3 s for the server's answer to its close frame, which this server does not send)."""
        self._closed.set()
        self._handler = lambda _event, _data: None
        self._on_state = lambda _connected: None
        threading.Thread(target=self._disconnect, name="vantage6-events-close",
                         daemon=True).start()

    def _disconnect(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()


class Worker:
    """One thread that runs jobs in the order they were given, each key at most once in
    the queue (a job asked for again while it waits is not queued twice), and calls
    ``tick()`` when idle; ``tick`` returns the seconds until it wants to run again.

    A job's exception is logged and does not end the thread. :meth:`stop` ends the
    thread and waits for it (a job under way finishes first)."""

    def __init__(self, name: str, tick: Callable[[], float] | None = None) -> None:
        self._jobs: dict[Hashable, Callable[[], None]] = {}
        self._cond = threading.Condition()
        self._tick = tick or (lambda: 3600.0)
        self.stopped = threading.Event()
        self._busy = False
        self._tick_asked = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: Hashable, job: Callable[[], None]) -> None:
        """Queue ``job`` unless a job with ``key`` is queued already."""
        with self._cond:
            if self.stopped.is_set() or key in self._jobs:
                return
            self._jobs[key] = job
            self._cond.notify()

    def wake(self) -> None:
        """Run ``tick`` soon, after the job under way or queued first (e.g. when what it
        watches changed)."""
        with self._cond:
            self._tick_asked = True
            self._cond.notify()

    def idle(self) -> bool:
        """True when no job waits or runs."""
        with self._cond:
            return not self._jobs and not self._busy

    def _run(self) -> None:
        next_tick = time.monotonic()
        while not self.stopped.is_set():
            with self._cond:
                if not self._jobs and not self._tick_asked:
                    self._cond.wait(max(0.0, next_tick - time.monotonic()))
                if self.stopped.is_set():
                    return
                asked, self._tick_asked = self._tick_asked, False
                job = None
                if self._jobs:
                    key = next(iter(self._jobs))
                    job = self._jobs.pop(key)
                self._busy = True
            try:
                if job is not None:
                    job()
                if job is None or asked or time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + max(0.05, self._tick())
            except Exception:  # one failed job must not end the worker
                log.exception("background job failed")
            finally:
                with self._cond:
                    self._busy = False

    def stop(self, timeout: float = 10.0) -> None:
        """Drop queued jobs, end the thread and wait for it (not when called from it)."""
        self.stopped.set()
        with self._cond:
            self._jobs.clear()
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()
