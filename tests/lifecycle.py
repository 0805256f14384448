"""What a session, a panel or the process holds, for the tests that check that closing a
panel (or a session) releases it: observers on a session's traits, open widgets, threads."""

from __future__ import annotations

import threading
from collections.abc import Collection

from ipywidgets.widgets import widget as widget_module

from tests.waiting import until


def observers(session) -> int:
    """Every observer registered on the session's traits (every trait, every kind)."""
    return sum(len(handlers) for by_type in session._trait_notifiers.values()
               for handlers in by_type.values())


def open_widgets() -> int:
    """The widgets of the process that are not closed."""
    return len(widget_module._instances)


def thread_names() -> list[str]:
    """The names of the process's threads, sorted (compare two of these lists)."""
    return sorted(t.name for t in threading.enumerate())


def live_threads() -> set[threading.Thread]:
    """The threads of the process that are alive now."""
    return {t for t in threading.enumerate() if t.is_alive()}


def new_threads(before: Collection[threading.Thread], prefix: str = "") -> set[threading.Thread]:
    """The live threads not in ``before`` (whose name starts with ``prefix``)."""
    return {t for t in live_threads() - set(before) if t.name.startswith(prefix)}


def until_no_new_threads(before: Collection[threading.Thread], what: str,
                         timeout: float = 15.0, prefix: str = "") -> None:
    """Wait until every thread started since ``before`` (whose name starts with
    ``prefix``) has ended (threads of other tests that end meanwhile do not count); fail
    naming the ones still running."""
    try:
        until(lambda: not new_threads(before, prefix), timeout, what)
    except AssertionError as exc:
        left = sorted(t.name for t in new_threads(before, prefix))
        raise AssertionError(f"{exc}; still running: {left}") from None
