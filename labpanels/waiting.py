"""The one way labpanels waits and tries again (outside HTTP, which ``urllib3.Retry`` does).

:func:`backoff` gives the pauses, :func:`retry` repeats an action that failed in a way
worth another try, :func:`poll` asks a question until it has an answer. Each pause can be
cut short by a :class:`threading.Event` (a panel's or a session's "closed"), so nothing
that waits outlives the object that started it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from .errors import LabpanelsError

__all__ = ["backoff", "retry", "poll", "Stopped"]

T = TypeVar("T")


class Stopped(LabpanelsError):
    """The ``stop`` event was set while waiting (the owner was closed)."""


def backoff(first: float = 0.2, factor: float = 2.0, cap: float = 5.0) -> Iterator[float]:
    """Pauses in seconds: ``first``, then ``factor`` times longer each time, at most
    ``cap``; endless."""
    delay = first
    while True:
        yield delay
        delay = min(delay * factor, cap)


def _pause(seconds: float, stop: threading.Event | None) -> None:
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise Stopped("stopped while waiting")


def retry(action: Callable[[], T], *, attempts: int,
          retry_on: tuple[type[BaseException], ...],
          first: float = 0.2, factor: float = 2.0, cap: float = 1.0,
          stop: threading.Event | None = None,
          on_retry: Callable[[int, BaseException], None] | None = None) -> T:
    """Call ``action`` up to ``attempts`` times in all, pausing between tries, while it
    raises one of ``retry_on``; the last failure is raised as it is. ``on_retry(n, exc)``
    runs before try ``n + 1``."""
    pauses = backoff(first, factor, cap)
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except retry_on as exc:
            if attempt >= attempts:
                raise
            if on_retry is not None:
                on_retry(attempt, exc)
            _pause(next(pauses), stop)
    raise AssertionError("unreachable")  # attempts < 1


def poll(check: Callable[[], T | None], *, timeout: float | None = None,
         first: float = 0.2, factor: float = 2.0, cap: float = 5.0,
         stop: threading.Event | None = None, what: str = "the condition") -> T:
    """Call ``check`` until it returns something other than None and return that; pause
    by :func:`backoff` in between. Raises TimeoutError after ``timeout`` seconds and
    :class:`Stopped` when ``stop`` is set."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for pause in backoff(first, factor, cap):
        value = check()
        if value is not None:
            return value
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{what} was not reached within {timeout:g} s")
            pause = min(pause, left)
        _pause(pause, stop)
    raise AssertionError("unreachable")
