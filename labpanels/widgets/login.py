"""LoginPanel: server, username, password; two-factor code and setup; organization key."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

from traitlets import Bool, Unicode, validate

from ..errors import shown_url
from ..vantage6.errors import AccountLocked, LoginFailed, MfaRequired, MfaSetupRequired
from .assets import asset
from .base import Panel
from .common import follow_reachability, friendly, vantage6_session

__all__ = ["LoginPanel"]


class LoginPanel(Panel):
    """Log in to a vantage6 server, by clicking or with :meth:`login`.

    Secrets never become widget state: the password, the code and a key file are sent
    once by the browser (an ``action`` message) when the user submits, and the inputs
    are emptied. The status line is the panel's ``message``/``message_kind``.
    """

    _esm = asset("login.js")
    _css = asset("login.css")
    #: the methods the view may call by an action message
    ACTIONS = frozenset({"login", "logout", "load_key"})

    url = Unicode("").tag(sync=True)
    username = Unicode("").tag(sync=True)
    who = Unicode("").tag(sync=True)
    logged_in = Bool(False).tag(sync=True)
    mfa_required = Bool(False).tag(sync=True)
    needs_key = Bool(False).tag(sync=True)
    key_loaded = Bool(False).tag(sync=True)
    busy = Bool(False).tag(sync=True)

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.url = self.url or self.session.url
        self.follow(self.session, self._reflect, ["logged_in", "user", "organization",
                                                  "collaboration", "key_loaded",
                                                  "mfa_required"])
        follow_reachability(self, self.session)
        self._reflect()

    # -- what the panel shows ---------------------------------------------------------
    def _reflect(self, _change: Any = None) -> None:
        s = self.session
        self.logged_in = s.logged_in
        self.who = (f"{s.user['username']} ({s.organization['name']})"
                    if s.logged_in and s.user and s.organization else "")
        self.mfa_required = s.mfa_required
        self.needs_key = bool(s.collaboration and s.collaboration.get("encrypted"))
        self.key_loaded = s.key_loaded

    def _status(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    @property
    def status_text(self) -> str:
        """The status line (the ``message`` trait; the name notebooks used before)."""
        return self.message

    @property
    def status_kind(self) -> str:
        """The status line's kind: info, ok or error (``message_kind``)."""
        return self.message_kind

    @validate("url")
    def _url_without_password(self, proposal: Any) -> str:
        """A user name or password typed into the server URL never stays in the panel's
        state (nor in a saved notebook); logging in with it says why it is refused."""
        value = proposal["value"]
        try:
            netloc = urlsplit(value).netloc
        except ValueError:  # half-typed (e.g. "http://[::1"): the login says what is wrong
            return value
        return shown_url(value) if "@" in netloc else value

    # -- actions (also plain method calls) --------------------------------------------
    def login(self, username: str, password: str, code: str | None = None,
              url: str | None = None) -> bool:
        """Log in; return True on success. The reason for a failure is shown, not raised."""
        self.busy = True
        try:
            if url and not self.session.logged_in:
                self.session.set_url(url)
                self.url = self.session.url
            self.username = username
            self.session.login(username, password, code or None)
        except MfaSetupRequired as exc:
            self._show_qr(exc.qr_uri, exc.otp_secret)
            self._status(str(exc)[:1].upper() + str(exc)[1:], "info")
            return False
        except MfaRequired as exc:
            self.send({"type": "focus_code"})
            self._status(str(exc)[:1].upper() + str(exc)[1:], "info")
            return False
        except AccountLocked as exc:
            self._status(f"Account locked? {exc}", "error")
            return False
        except LoginFailed as exc:
            self._status(str(exc)[:1].upper() + str(exc)[1:] + ".", "error")
            return False
        except Exception as exc:  # unreachable server, bad URL ...: one clear sentence
            self._status(friendly(exc), "error")
            return False
        finally:
            self.busy = False
            self.send({"type": "clear_secrets"})
        self._status(f"Logged in to {self.session.url}", "ok")
        return True

    def logout(self) -> None:
        """Log out."""
        self.session.logout()
        self._status("Logged out", "info")

    def load_key(self, source: str | bytes) -> bool:
        """Load the organization's private key from a path or PEM bytes."""
        try:
            self.session.load_private_key(source)
        except Exception as exc:
            self._status(friendly(exc), "error")
            return False
        self._status("Private key loaded; nothing was uploaded", "ok")
        return True

    def _show_qr(self, uri: str, secret: str) -> None:
        import segno

        svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="black", light="white")
        self.send({"type": "qr", "svg": base64.b64encode(svg.encode()).decode(),
                   "secret": secret})

    # the view's arguments, to the methods' (the secrets travel once, in the message)
    def _action_login(self, username: str = "", password: str = "", code: str = "",
                      url: str = "") -> bool:
        return self.login(username, password, code or None, url or None)

    def _action_load_key(self, path: str = "", name: str = "",
                         buffers: list | None = None) -> bool:
        return self.load_key(bytes(buffers[0]) if buffers else path)  # name: the file's
