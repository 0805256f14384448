"""Live events from the vantage6 server (socket.io, namespace ``/tasks``).

A background connection that tells the session when nodes come online or go offline
and when runs change, so panels update without polling. It connects in a thread of its
own (never blocking the kernel), reconnects by itself after a server restart, and uses
the session's current access token at every (re)connect.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import socketio

__all__ = ["LiveEvents"]

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
            # a reconnect sends these headers: keep them current
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
        # the server keeps the socket open but ignores us: reconnect with a fresh token
        threading.Thread(target=self._reconnect, daemon=True).start()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}"}

    def start(self) -> None:
        """Connect in the background; retry until connected or closed."""
        threading.Thread(target=self._connect_loop, name="vantage6-events", daemon=True).start()

    def _connect_loop(self) -> None:
        delay = 0.5
        while not self._closed.is_set() and not self.client.connected:
            try:
                self.client.connect(self.origin, headers=self._headers(),
                                    namespaces=[NAMESPACE], transports=["websocket"],
                                    wait_timeout=10)
                return
            except socketio.exceptions.ConnectionError as exc:
                log.debug("event connection failed: %s", exc)
                self._closed.wait(delay)
                delay = min(delay * 2, 5.0)

    def _reconnect(self) -> None:
        self._disconnect()
        self._connect_loop()

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
