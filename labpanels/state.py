"""What every platform session shares with the panels: ``busy``, ``last_error`` and
``errors``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from traitlets import Bool, HasTraits, List, Unicode

from .errors import LabpanelsError

__all__ = ["SessionState", "MAX_ERRORS"]

#: how many failed calls' messages ``errors`` keeps (newest last)
MAX_ERRORS = 20


class SessionState(HasTraits):
    """Base of the sessions: panels show ``busy`` and ``last_error`` without asking.

    Calls in flight are counted: ``busy`` stays True until the last one ends, whichever
    thread runs it, and every failed call's message is reported (``last_error`` holds the
    newest, ``errors`` the recent ones)."""

    busy = Bool(False, help="True while at least one call is under way")
    last_error = Unicode("", help="the last failed call's message, as one sentence ('' once "
                                  "a call starts while none is under way)")
    errors = List(Unicode(), help=f"the messages of the last {MAX_ERRORS} failed calls")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._working_lock = threading.RLock()
        self._in_flight = 0
        self._nesting = threading.local()

    def describe_error(self, exc: LabpanelsError) -> str:
        """The sentence ``last_error`` shows for ``exc`` (sessions may phrase it better)."""
        return str(exc)

    @contextmanager
    def working(self) -> Iterator[None]:
        """Mark the session busy while a call runs; report a failure's message and
        re-raise it. A call nested in another on the same thread counts once; calls on
        other threads count each."""
        depth = getattr(self._nesting, "depth", 0)
        self._nesting.depth = depth + 1
        outer = depth == 0
        if outer:
            with self._working_lock:  # re-entrant: an observer of busy may call again
                self._in_flight += 1
                if self._in_flight == 1:
                    self.last_error = ""
                    self.busy = True
        try:
            yield
        except LabpanelsError as exc:
            if outer:
                self._report(self.describe_error(exc))
            raise
        except KeyboardInterrupt:
            if outer:
                self._report("interrupted")
            raise
        finally:
            if outer:
                with self._working_lock:
                    self._in_flight -= 1
                    if self._in_flight == 0:
                        self.busy = False
            self._nesting.depth = depth

    def _report(self, message: str) -> None:
        with self._working_lock:
            self.errors = [*self.errors, message][-MAX_ERRORS:]
        self.last_error = message
