"""A small TCP proxy for tests: forwards 127.0.0.1 traffic to a server and can lose the
answer to chosen requests, as a dropped connection does.

``drop_answer_to = b"POST /api/task "`` makes the proxy forward such a request, read the
server's answer (so the server finished its work), throw it away and close the client's
connection. ``refuse = True`` closes every new connection at once (an unreachable
server). Threads only, 127.0.0.1 only, at most ``max_connections`` at a time; it stops
itself after ``lifetime`` seconds if :meth:`close` is never called.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_port: int, *, max_connections: int = 64,
                 lifetime: float = 300.0) -> None:
        self.target = ("127.0.0.1", target_port)
        self.drop_answer_to: bytes | None = None
        self.refuse = False
        self.dropped = 0  # answers thrown away
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._timer = threading.Timer(lifetime, self.close)
        self._timer.daemon = True
        self._timer.start()
        self._accepting = threading.Thread(target=self._accept, name="tcpproxy", daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refuse or not self._slots.acquire(blocking=False):
                client.close()
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets.update(socks)

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            self._slots.release()
            return
        upstream.settimeout(None)
        self._track(client, upstream)
        lose = threading.Event()  # the request under way is one whose answer is lost
        back = threading.Thread(target=self._answers, args=(upstream, client, lose),
                                daemon=True)
        back.start()
        try:
            while not self._closed.is_set():
                data = client.recv(65536)
                if not data:
                    break
                if self.drop_answer_to and data.startswith(self.drop_answer_to):
                    lose.set()
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            back.join(10)
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._sockets.discard(client)
                self._sockets.discard(upstream)
            self._slots.release()

    def _answers(self, upstream: socket.socket, client: socket.socket,
                 lose: threading.Event) -> None:
        try:
            while not self._closed.is_set():
                data = upstream.recv(65536)
                if not data:
                    break
                if lose.is_set():  # the server answered: lose it, cut the client off
                    self.dropped += 1
                    break
                client.sendall(data)
        except OSError:
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting, cut every connection and end every thread."""
        self._closed.set()
        self._timer.cancel()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
