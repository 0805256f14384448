"""One exception hierarchy for every platform.

Every failure a user can meet while talking to a server is a :class:`LabpanelsError`.
HTTP failures are :class:`ApiError` subclasses chosen by status code and carry the
method, the URL, the status and the server's own message, whatever shape the platform
gives it (vantage6 ``{"msg"}``, o²S²PARC ``{"errors"}``, Pennsieve plain JSON strings,
or an HTML error page).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = [
    "LabpanelsError",
    "InvalidArgument",
    "InvalidURL",
    "NetworkError",
    "ConnectionFailed",
    "RequestTimeout",
    "ApiError",
    "BadRequest",
    "AuthenticationError",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "UnprocessableEntity",
    "RateLimited",
    "ServerError",
    "error_for_status",
    "server_message",
    "shown_url",
]

# query parameters whose values are credentials (signed download links, tokens, keys)
_SECRET_PARAM = re.compile(r"sig|token|key|secret|password|credential|auth|^x-amz-", re.I)


def shown_url(url: str) -> str:
    """``url`` as a message may show it: without a user name or password, and with the
    values of query parameters that look like credentials (a signed link's signature, a
    token, a key) replaced by "…"."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = "&".join(f"{quote(k, safe='')}=" + ("…" if _SECRET_PARAM.search(k) else
                                                     quote(v, safe=',:/'))
                         for k, v in pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class LabpanelsError(Exception):
    """Base class of every error labpanels raises on purpose."""


class InvalidArgument(LabpanelsError, ValueError):
    """An argument the caller gave cannot be used; the message says which and why."""


class InvalidURL(InvalidArgument):
    """A server URL that cannot be used (not http(s), no host, or with a query/fragment)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(message)


class NetworkError(LabpanelsError):
    """No HTTP answer came back: see :class:`ConnectionFailed` and :class:`RequestTimeout`.

    Catch this to cover both; every instance has ``method``, ``url`` and ``reason``.
    """

    def __init__(self, method: str, url: str, reason: str, message: str) -> None:
        self.method = method
        self.url = url
        self.reason = reason
        super().__init__(message)


class ConnectionFailed(NetworkError):
    """The server could not be reached (refused, DNS, TLS, reset, no connection in time)."""

    def __init__(self, method: str, url: str, reason: str) -> None:
        url = shown_url(url)
        super().__init__(method, url, reason, f"{method} {url}: cannot reach the server ({reason})")


class RequestTimeout(NetworkError):
    """The server was reached but did not answer within the request's timeout (it may
    still be working on the request)."""

    def __init__(self, method: str, url: str, seconds: float | None) -> None:
        url = shown_url(url)
        self.seconds = seconds
        within = f"within {seconds:g} s" if seconds else "in time"
        super().__init__(method, url, f"no answer {within}",
                         f"{method} {url}: the server gave no answer {within}")


class ApiError(LabpanelsError):
    """The server answered with an error status."""

    def __init__(
        self, status: int, method: str, url: str, message: str, body: Any = None
    ) -> None:
        url = shown_url(url)
        self.status = status
        self.method = method
        self.url = url
        self.message = message
        self.body = body
        super().__init__(f"{status} on {method} {url}: {message}")


class BadRequest(ApiError):
    """400: the request was malformed or refused by validation."""


class AuthenticationError(ApiError):
    """401: missing, wrong or expired credentials (vantage6 also uses it for permissions)."""


class PermissionDenied(ApiError):
    """403: authenticated but not allowed."""


class NotFound(ApiError):
    """404: no such resource or route."""


class Conflict(ApiError):
    """409: the resource is in a state that forbids the request."""


class UnprocessableEntity(ApiError):
    """422: the request was well formed but its content was refused."""


class RateLimited(ApiError):
    """429: too many requests."""


class ServerError(ApiError):
    """5xx: the server failed."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: UnprocessableEntity,
    429: RateLimited,
}

_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)


def _flatten(value: Any) -> str:
    """Turn the assorted error payloads into one readable line."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return "; ".join(part for part in (_flatten(v) for v in value) if part)
    if isinstance(value, dict):
        # FastAPI / pydantic validation entries: {"loc": [...], "msg": "..."}
        if "msg" in value and "loc" in value:
            where = ".".join(str(p) for p in value["loc"] if p != "body")
            return f"{where}: {value['msg']}" if where else str(value["msg"])
        for key in ("msg", "message", "detail", "error", "errors", "description"):
            if key in value:
                return _flatten(value[key])
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    return str(value)


def server_message(body: bytes | str, content_type: str = "", reason: str = "") -> tuple[str, Any]:
    """Extract the server's own message from an error body.

    Returns ``(message, decoded_body)``; ``decoded_body`` is the parsed JSON when the
    body was JSON and the text otherwise.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text or ""
    decoded: Any = text
    if text.strip():
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = text
        else:
            if isinstance(decoded, str):
                # Pennsieve answers with a bare JSON string: use it without its quotes
                line = " ".join(decoded.split())
                return (line[:500] if line else reason), decoded
    if not isinstance(decoded, str):
        message = _flatten(decoded)
        # vantage6 adds field errors next to its generic "Request body is incorrect"
        if isinstance(decoded, dict) and "msg" in decoded and "errors" in decoded:
            details = _flatten(decoded["errors"])
            if details:
                message = f"{message} ({details})"
        return message or reason, decoded
    if "html" in content_type.lower() or text.lstrip().startswith("<"):
        match = _HEADING.search(text) or _TITLE.search(text)
        snippet = _TAG.sub("", match.group(1)) if match else ""
        return " ".join(snippet.split()) or reason, text
    line = " ".join(text.split())
    return (line[:500] if line else reason), text


def error_for_status(
    status: int,
    method: str,
    url: str,
    body: bytes | str = b"",
    content_type: str = "",
    reason: str = "",
) -> ApiError:
    """Build the :class:`ApiError` subclass that matches ``status``."""
    message, decoded = server_message(body, content_type, reason)
    if status == 404 and not isinstance(decoded, (dict, list)):
        # an HTML page or bare text from a router: say plainly what happened
        if not message or message.lower() == "not found":
            message = "not found"
        elif "not found" not in message.lower():
            message = f"not found ({message})"
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, method, url, message or f"HTTP {status}", decoded)
