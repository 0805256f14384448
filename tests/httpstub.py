"""A small scriptable HTTP server on 127.0.0.1 for testing the HTTP core.

Each test scripts the answers per ``(method, path)``: a sequence of :class:`Reply`
objects (the last one repeats) or a function of the received :class:`Received`
request. Every request is logged so tests can count attempts.

Fixtures: ``stub`` (a server of the test's own) and ``client`` (an ``HttpClient`` on it,
fast backoff); import them with
``from tests.httpstub import stub_fixture, stub_client_fixture  # noqa: F401``.
"""

from __future__ import annotations

import json as jsonlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from labpanels.http import HttpClient


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    #: seconds to wait before sending anything
    delay: float = 0.0
    #: seconds to wait between the headers and the body
    body_delay: float = 0.0
    #: announce this Content-Length instead of the real one (to truncate a body)
    content_length: int | None = None

    def payload(self) -> tuple[bytes, str]:
        if self.json is not None:
            return jsonlib.dumps(self.json).encode(), "application/json"
        body = self.body.encode() if isinstance(self.body, str) else self.body
        return body, "text/plain; charset=utf-8"


@dataclass
class Received:
    """One request the stub received."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


Script = list[Reply] | Callable[[Received], Reply]


class StubServer:
    """A ThreadingHTTPServer on a free port whose answers each test scripts."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Script] = {}
        self.log: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # client went away
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # cut scripted delays short
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- scripting -------------------------------------------------------------
    def route(self, method: str, path: str, *replies: Reply | Callable[[Received], Reply]) -> None:
        """Answer ``method path`` with ``replies`` in turn (the last repeats), or a function."""
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            self.routes[(method.upper(), path)] = replies[0]
        else:
            self.routes[(method.upper(), path)] = list(replies)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Received]:
        """The logged requests, optionally only those for ``method`` and/or ``path``."""
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method.upper())
                and (path is None or r.path == path)
            ]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return len(self.requests(method, path))

    def _answer(self, received: Received) -> Reply:
        with self._lock:
            self.log.append(received)
            script = self.routes.get((received.method, received.path))
            if script is None:
                missing = f"no route for {received.method} {received.path}"
                return Reply(404, json={"detail": missing})
            if callable(script):
                pass
            elif len(script) > 1:
                return script.pop(0)
            else:
                return script[0]
        return script(received)

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _make_handler(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            body = self._read_body()
            parts = urlsplit(self.path)
            received = Received(
                method=self.command,
                target=self.path,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers=dict(self.headers.items()),
                body=body,
            )
            reply = stub._answer(received)
            stub.wait(reply.delay)
            payload, content_type = reply.payload()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                length_header = reply.content_length
                self.send_header(
                    "Content-Length", str(len(payload) if length_header is None else length_header)
                )
                self.end_headers()
                self.wfile.flush()
                stub.wait(reply.body_delay)
                if self.command != "HEAD":
                    self.wfile.write(payload)
                self.wfile.flush()
            except OSError:
                pass  # the client gave up (timeout test)
            self.close_connection = True

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():  # trailers
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()  # CRLF after each chunk
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler


def closed_port() -> int:
    """A local port nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="stub")
def stub_fixture() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


@pytest.fixture(name="client")
def stub_client_fixture(stub: StubServer) -> Iterator[HttpClient]:
    http = HttpClient(stub.url, timeout=3.0, backoff=0.01)
    yield http
    http.close()
