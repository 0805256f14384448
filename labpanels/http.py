"""The HTTP core every platform session stands on.

:class:`HttpClient` owns one :class:`requests.Session` (so connections are reused),
resolves paths against a base URL, puts a timeout on every request, retries only what
is safe to repeat, and turns every failure into a :mod:`labpanels.errors` exception.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from .errors import ApiError, ConnectionFailed, RequestTimeout, error_for_status

__all__ = ["HttpClient", "DEFAULT_TIMEOUT", "IDEMPOTENT_METHODS", "RETRY_STATUSES"]

#: (connect, read) seconds: a dead host fails fast, a slow answer gets time.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
#: methods that may be sent twice without doing the work twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: gateway statuses that usually mean "try again in a moment".
RETRY_STATUSES = frozenset({502, 503, 504})

Timeout = float | tuple[float, float]


def _user_agent() -> str:
    from . import __version__

    return f"labpanels/{__version__} requests/{requests.__version__}"


class HttpClient:
    """A base URL, a pooled session, timeouts, safe retries and typed errors.

    ``on_unauthorized`` is called with the error when a request gets a 401; if it
    returns True (for instance after refreshing a token) the request is sent once more.
    That second try is safe even for POST: a 401 means the server did nothing.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = 2,
        backoff: float = 0.5,
        headers: Mapping[str, str] | None = None,
        on_unauthorized: Callable[[ApiError], bool] | None = None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.on_unauthorized = on_unauthorized
        self.session = requests.Session()
        self.session.headers["User-Agent"] = _user_agent()
        self.session.headers["Accept"] = "application/json"
        if headers:
            self.session.headers.update(headers)

    # -- URLs -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The URL every relative path is appended to (no trailing slash)."""
        return self._base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        value = (value or "").strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {value!r}")
        self._base_url = value.rstrip("/")

    @property
    def origin(self) -> str:
        """Scheme and host of the base URL, e.g. ``http://127.0.0.1:7601``."""
        parts = urlsplit(self._base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, path: str) -> str:
        """An absolute URL for ``path``.

        Absolute URLs are kept; ``/api/...``-style links that already start with the
        base URL's path (as servers return them) are resolved against the origin;
        anything else is appended to the base URL.
        """
        if path.startswith(("http://", "https://")):
            return path
        prefix = urlsplit(self._base_url).path.rstrip("/")
        if prefix and (path == prefix or path.startswith((prefix + "/", prefix + "?"))):
            return urljoin(self.origin, path)
        return f"{self._base_url}/{path.lstrip('/')}" if path else self._base_url

    # -- requests -------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        stream: bool = False,
        retry: bool | None = None,
    ) -> requests.Response:
        """Send one request; return the response or raise a typed error.

        ``retry`` defaults to True for idempotent methods with a replayable body and is
        never True for POST or PATCH, whatever the caller asks.
        """
        method = method.upper()
        url = self.url(path)
        replayable = files is None and (data is None or isinstance(data, (bytes, str, dict)))
        may_retry = method in IDEMPOTENT_METHODS and replayable
        if retry is not None:
            may_retry = may_retry and retry
        attempts = 1 + (self.retries if may_retry else 0)
        timeout = self.timeout if timeout is None else timeout
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=timeout,
                    stream=stream,
                )
            except requests.Timeout as exc:
                if isinstance(exc, requests.ConnectTimeout) and attempt < attempts:
                    self._sleep(attempt)
                    continue
                seconds = timeout[-1] if isinstance(timeout, tuple) else timeout
                if isinstance(exc, requests.ConnectTimeout) and isinstance(timeout, tuple):
                    seconds = timeout[0]
                raise RequestTimeout(method, url, seconds) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                # a read timeout here (the body stalled after the headers) is not retried
                if not _is_read_timeout(exc) and attempt < attempts:
                    self._sleep(attempt)
                    continue
                raise body_error(exc, method, url, timeout) from None
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                response.close()
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code == 401 and self.on_unauthorized and not refreshed:
                refreshed = True
                error = self._error(response, method)
                if not self.on_unauthorized(error) or not replayable:
                    # a consumed stream or file would be sent again empty
                    raise error
                attempt -= 1
                continue
            if response.status_code >= 400:
                raise self._error(response, method)
            return response

    def _error(self, response: requests.Response, method: str):
        try:
            body = response.content
        except requests.RequestException:
            body = b""
        return error_for_status(
            response.status_code,
            method,
            response.url,
            body,
            response.headers.get("Content-Type", ""),
            response.reason or "",
        )

    def _sleep(self, attempt: int, retry_after: str | None = None) -> None:
        delay = self.backoff * (2 ** (attempt - 1))
        if retry_after:
            with contextlib.suppress(ValueError):  # an HTTP date: keep the backoff
                delay = max(delay, min(float(retry_after), 10.0))
        time.sleep(delay)

    # -- JSON helpers ---------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and return its decoded JSON body (None when empty)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET ``path`` and return the decoded JSON body."""
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        """POST ``path`` (never retried) and return the decoded JSON body."""
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        """PATCH ``path`` (never retried) and return the decoded JSON body."""
        return self.call("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        """PUT ``path`` and return the decoded JSON body."""
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE ``path`` and return the decoded JSON body."""
        return self.call("DELETE", path, **kwargs)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HttpClient({self._base_url!r})"


_KNOWN_REASONS = (
    "connection refused",
    "name or service not known",
    "temporary failure in name resolution",
    "connection reset",
    "no route to host",
    "remote end closed connection",
    "certificate verify failed",
)


def body_error(exc: requests.RequestException, method: str, url: str,
               timeout: Timeout) -> ConnectionFailed:
    """The typed error for a connection that failed or stalled once it was made (also
    while a streamed body is read): RequestTimeout for a read timeout, else
    ConnectionFailed with the reason."""
    if _is_read_timeout(exc):
        return RequestTimeout(method, url, timeout[-1] if isinstance(timeout, tuple) else timeout)
    return ConnectionFailed(method, url, _reason(exc))


def _is_read_timeout(exc: requests.RequestException) -> bool:
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, urllib3.exceptions.ReadTimeoutError)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    lowered = text.lower().replace("_", " ")
    return next((known for known in _KNOWN_REASONS if known in lowered), text[:200])
