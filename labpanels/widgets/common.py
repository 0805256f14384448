"""What every panel shares: finding the session, and saying what went wrong in words."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import ipywidgets as w

from ..errors import ApiError, ConnectionFailed, LabpanelsError, RequestTimeout

__all__ = ["vantage6_session", "Message", "friendly", "follow_reachability", "UNREACHABLE"]

#: what a panel says while its session's server does not answer
UNREACHABLE = ("The server does not answer: what is shown may be out of date; it updates "
               "when the server is back.")


def vantage6_session(source: Any) -> Any:
    """The :class:`Vantage6Session` behind ``source`` (a session or a ``UserClient``)."""
    from ..vantage6.session import Vantage6Session

    if isinstance(source, Vantage6Session):
        return source
    inner = getattr(source, "session", None)
    if isinstance(inner, Vantage6Session):
        return inner
    raise TypeError("give a Vantage6Session or a labpanels.vantage6.UserClient, "
                    f"not {type(source).__name__}")


def follow_reachability(panel: Any, session: Any) -> None:
    """Show in ``panel`` (a ``PanelBase``) when ``session.server_reachable`` turns False,
    and that it is back when it turns True again."""
    if not session.has_trait("server_reachable"):
        return

    def changed(change: Any = None) -> None:
        if not session.server_reachable and session.logged_in:
            panel.show_message(UNREACHABLE, "error")
        elif change is not None and change.get("old") is False:
            panel.show_message("The server answers again.", "ok")

    panel.follow(session, changed, "server_reachable")
    changed()


def friendly(exc: BaseException) -> str:
    """One sentence for a panel: what happened, without a traceback."""
    if isinstance(exc, RequestTimeout):
        within = f"within {exc.seconds:g} s" if exc.seconds else "in time"
        return f"The server did not answer {within}: it may be busy; try again."
    if isinstance(exc, ConnectionFailed):
        return f"Cannot reach the server ({exc.reason}). Check the URL and that it is running."
    if isinstance(exc, ApiError):
        return f"The server refused: {exc.message}"
    if isinstance(exc, LabpanelsError | ValueError | TypeError):
        text = str(exc)
        return text[:1].upper() + text[1:]
    return f"Unexpected error: {type(exc).__name__}: {exc}"


class Message(w.Label):
    """A one-line status under a panel: info, success or error (always plain text)."""

    _COLORS = {"info": "var(--jp-ui-font-color2, #555)", "ok": "#1e6b2f", "error": "#9b1c1c"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("lp-message")
        self.kind = "info"

    def show(self, text: str, kind: str = "info") -> None:
        """Show ``text`` (kind: info, ok or error)."""
        self.kind = kind
        self.style.text_color = self._COLORS.get(kind, self._COLORS["info"])
        self.value = text

    def clear(self) -> None:
        """Show nothing."""
        self.show("")

    @contextlib.contextmanager
    def reporting(self, done: str = "") -> Iterator[None]:
        """Run a panel action: its failure becomes this message, never a traceback."""
        try:
            yield
        except Exception as exc:  # a panel must never spill a traceback into the notebook
            self.show(friendly(exc), "error")
        else:
            if done:
                self.show(done, "ok")
