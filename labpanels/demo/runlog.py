"""Per-run log capture for algorithms that run in threads of one node process.

``print`` and :mod:`logging` output of the thread that runs an algorithm is collected
into that run's log, as a container's output would be, while other threads keep
writing to the real console.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["capture"]

_local = threading.local()
_installed = False
_lock = threading.Lock()


class _ThreadStream(io.TextIOBase):
    def __init__(self, fallback: io.TextIOBase) -> None:
        self._fallback = fallback

    def write(self, text: str) -> int:
        buffer = getattr(_local, "buffer", None)
        return (buffer or self._fallback).write(text)

    def flush(self) -> None:
        buffer = getattr(_local, "buffer", None)
        (buffer or self._fallback).flush()


class _ThreadHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        buffer = getattr(_local, "buffer", None)
        if buffer is not None:
            buffer.write(self.format(record) + "\n")


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        sys.stdout = _ThreadStream(sys.stdout)
        sys.stderr = _ThreadStream(sys.stderr)
        handler = _ThreadHandler(logging.INFO)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
        _installed = True


@contextmanager
def capture() -> Iterator[io.StringIO]:
    """Collect this thread's printed and logged output into the yielded buffer."""
    _install()
    buffer = io.StringIO()
    previous = getattr(_local, "buffer", None)
    _local.buffer = buffer
    try:
        yield buffer
    finally:
        _local.buffer = previous
