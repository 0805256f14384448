"""Errors a vantage6 user can meet, each with a message that says what to do."""

from __future__ import annotations

from ..errors import AuthenticationError, LabpanelsError

__all__ = [
    "LoginFailed",
    "AccountLocked",
    "MfaRequired",
    "MfaSetupRequired",
    "SessionExpired",
    "NotLoggedIn",
    "TaskValidationError",
    "TaskOutcomeUnknown",
    "ServerUnreachable",
    "ResultUnreadable",
    "AlgorithmStoreError",
    "AlgorithmStoreUnreachable",
]


class LoginFailed(LabpanelsError):
    """Wrong username or password (the server does not say which)."""


class AccountLocked(LoginFailed):
    """Too many failed attempts: the server has most likely locked the account for a while."""


class MfaRequired(LabpanelsError):
    """The server wants the six-digit code from the user's authenticator app."""


class MfaSetupRequired(LabpanelsError):
    """First login on a server with two-factor authentication: scan the QR code, then log in
    again with a code. ``qr_uri`` and ``otp_secret`` hold what to show."""

    def __init__(self, message: str, qr_uri: str, otp_secret: str) -> None:
        super().__init__(message)
        self.qr_uri = qr_uri
        self.otp_secret = otp_secret


class SessionExpired(AuthenticationError):
    """The refresh token expired or was refused: log in again."""

    def __init__(self, message: str) -> None:
        LabpanelsError.__init__(self, message)
        self.status, self.method, self.url, self.message, self.body = 401, "", "", message, None


class NotLoggedIn(LabpanelsError):
    """A call that needs a login was made before :meth:`login`."""


class TaskValidationError(LabpanelsError, ValueError):
    """A task was refused before anything was sent, with the reason."""


class TaskOutcomeUnknown(LabpanelsError):
    """The answer to a task submission was lost: the server may have created the task.
    labpanels checks when the server is reachable again (``session.check_pending()``, or
    the same submission again, which then returns the task instead of a second one)."""


class ServerUnreachable(LabpanelsError):
    """The server did not answer for longer than the caller was willing to wait."""


class ResultUnreadable(LabpanelsError):
    """A result could not be decrypted or decoded."""


class AlgorithmStoreError(LabpanelsError):
    """An algorithm store refused a request or sent what is not an algorithm store's
    answer; ``url`` is the store, ``status`` its HTTP status (None without one)."""

    def __init__(self, message: str, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class AlgorithmStoreUnreachable(AlgorithmStoreError):
    """An algorithm store did not answer (connection refused, timeout)."""
