"""What every platform session shares with the panels: ``busy`` and ``last_error``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from traitlets import Bool, HasTraits, Unicode

from .errors import LabpanelsError

__all__ = ["SessionState"]


class SessionState(HasTraits):
    """Base of the sessions: panels show ``busy`` and ``last_error`` without asking."""

    busy = Bool(False, help="True while a call is under way")
    last_error = Unicode("", help="the last failed call's message, as one sentence ('' after "
                                  "a success)")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._working_lock = threading.Lock()
        self._working_depth = 0

    def describe_error(self, exc: LabpanelsError) -> str:
        """The sentence ``last_error`` shows for ``exc`` (sessions may phrase it better)."""
        return str(exc)

    @contextmanager
    def working(self) -> Iterator[None]:
        """Mark the session busy while a call runs; keep a failure's message in
        ``last_error`` and re-raise it. Nested and concurrent calls count once."""
        with self._working_lock:
            self._working_depth += 1
            outer = self._working_depth == 1
        if outer:
            self.last_error = ""
            self.busy = True
        try:
            yield
        except LabpanelsError as exc:
            if outer:
                self.last_error = self.describe_error(exc)
            raise
        except KeyboardInterrupt:
            if outer:
                self.last_error = "interrupted"
            raise
        finally:
            with self._working_lock:
                self._working_depth -= 1
            if outer:
                self.busy = False
