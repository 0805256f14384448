"""The HTTP core every platform session stands on.

:class:`HttpClient` owns one :class:`requests.Session` (so connections are reused),
resolves paths against a base URL, puts a timeout on every request, retries only what
is safe to repeat, and turns every failure into a :mod:`labpanels.errors` exception.

Retrying is one policy, :class:`urllib3.util.Retry`, applied by the session's adapter:
connection failures and 502/503/504 answers are tried again (with backoff, honouring a
capped ``Retry-After``) for idempotent methods whose body can be sent again; POST and
PATCH, streamed or file bodies, and read timeouts (the server may still be working) are
never sent twice.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import (
    ApiError,
    ConnectionFailed,
    InvalidURL,
    NetworkError,
    RequestTimeout,
    error_for_status,
    shown_url,
)

__all__ = [
    "HttpClient",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "RETRY_AFTER_CAP",
    "network_error",
    "body_error",
]

#: (connect, read) seconds: a dead host fails fast, a slow answer gets time.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
#: methods that may be sent twice without doing the work twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: gateway statuses that usually mean "try again in a moment".
RETRY_STATUSES = frozenset({502, 503, 504})
#: the longest pause between two tries, in seconds (a server's ``Retry-After`` included).
RETRY_AFTER_CAP = 10.0

Timeout = float | tuple[float, float]


def _user_agent() -> str:
    from . import __version__

    return f"labpanels/{__version__} requests/{requests.__version__}"


class _Retry(Retry):
    """:class:`urllib3.util.Retry` with labpanels' rules.

    * a read timeout is never retried: the request arrived, the server may be working;
    * only 502/503/504 are retried (also with a ``Retry-After``: not 413 or 429);
    * ``Retry-After`` is capped at :data:`RETRY_AFTER_CAP`; one that is neither seconds
      nor a date falls back to the backoff instead of failing the request;
    * the backoff is ``backoff_factor * 2 ** (n - 1)`` before try ``n + 1``, so the first
      pause is ``backoff_factor`` (urllib3 does not pause before its first retry).
    """

    RETRY_AFTER_STATUS_CODES = RETRY_STATUSES

    def increment(self, method=None, url=None, response=None, error=None, _pool=None,
                  _stacktrace=None):
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            raise error.with_traceback(_stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except urllib3.exceptions.InvalidHeader:
            return 0.0  # "no usable Retry-After": the backoff applies
        return min(float(seconds), RETRY_AFTER_CAP)

    def get_backoff_time(self) -> float:
        errors = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            errors += 1
        if errors == 0:
            return 0.0
        return min(self.backoff_factor * 2 ** (errors - 1), RETRY_AFTER_CAP)

    def sleep(self, response=None) -> None:
        delay = None
        if response is not None and self.respect_retry_after_header:
            delay = self.get_retry_after(response)
        if not delay:
            delay = self.get_backoff_time()
        if delay > 0:
            time.sleep(delay)


#: no second try (requests' own default): connection and read errors are raised as such.
_NO_RETRY = Retry(0, read=False)

#: the Retry of the request this thread is sending through an :class:`HttpClient`.
_REQUEST_RETRY: ContextVar[Retry | None] = ContextVar("labpanels_request_retry", default=None)


@contextlib.contextmanager
def _retrying(policy: Retry) -> Iterator[None]:
    token = _REQUEST_RETRY.set(policy)
    try:
        yield
    finally:
        _REQUEST_RETRY.reset(token)


class _Adapter(HTTPAdapter):
    """An :class:`HTTPAdapter` whose Retry is chosen per request.

    requests hands ``adapter.max_retries`` to urllib3 on every send, and a session has
    one adapter per scheme, shared by every thread using the client. So the policy of
    one request lives in a context variable (each thread has its own) set by
    :meth:`HttpClient.request` around its send; outside such a call (a direct
    ``client.session.get``) nothing is retried.
    """

    @property  # type: ignore[override]
    def max_retries(self) -> Retry:
        policy = _REQUEST_RETRY.get()
        return self._default_retries if policy is None else policy

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._default_retries = value


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
        adapter = _Adapter(max_retries=_NO_RETRY)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
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
            raise InvalidURL(shown_url(value), f"not an http(s) URL: {shown_url(value)!r}")
        if "@" in parts.netloc:
            address = shown_url(value.split("?", 1)[0].split("#", 1)[0]).rstrip("/")
            raise InvalidURL(address, "a server URL cannot carry a user name or password (log "
                             f"in with the session instead); give only the address, e.g. "
                             f"{address}")
        if "?" in value or "#" in value:
            cut = min(i for i in (value.find("?"), value.find("#")) if i >= 0)
            address = value[:cut].rstrip("/")
            raise InvalidURL(
                value,
                f"{value}: a server URL cannot have a query or fragment ({value[cut:]}); "
                f"give only the address, e.g. {address}",
            )
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
        never True for POST or PATCH, whatever the caller asks; ``retry=False`` sends
        once. Retried are connection failures, 502/503/504 and (unless ``stream``) a
        body that breaks off, all within one budget of ``retries`` extra tries; a read
        timeout never is. Failures raise :class:`~labpanels.errors.ConnectionFailed`,
        :class:`~labpanels.errors.RequestTimeout` or an
        :class:`~labpanels.errors.ApiError` subclass.
        """
        method = method.upper()
        url = self.url(path)
        replayable = files is None and (data is None or isinstance(data, (bytes, str, dict)))
        may_retry = method in IDEMPOTENT_METHODS and replayable
        if retry is not None:
            may_retry = may_retry and retry
        policy = self._retry_policy() if may_retry else _NO_RETRY
        timeout = self.timeout if timeout is None else timeout
        refreshed = False
        while True:
            try:
                with _retrying(policy):
                    response = self.session.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        data=data,
                        files=files,
                        headers=headers,
                        timeout=timeout,
                        stream=True,  # the body is read below, where a retry is possible
                    )
            except requests.RequestException as exc:
                # urllib3 has already tried again whatever the policy allowed
                raise network_error(exc, method, url, timeout) from None
            if not stream:
                try:
                    response.content  # noqa: B018 - read the body while a retry is possible
                except requests.RequestException as exc:
                    response.close()
                    error = network_error(exc, method, url, timeout)
                    policy = self._after_broken_body(policy, response, method, url, error)
                    if policy is None:
                        raise error from None
                    continue
            if response.status_code == 401 and self.on_unauthorized and not refreshed:
                # one replay after a renewal, whatever the method: a 401 means the server
                # did nothing; it does not count as a retry
                refreshed = True
                error = self._error(response, method)
                if not self.on_unauthorized(error) or not replayable:
                    # a consumed stream or file would be sent again empty
                    raise error
                continue
            if response.status_code >= 400:
                raise self._error(response, method)
            return response

    def _retry_policy(self) -> Retry:
        """The Retry for an idempotent request with a replayable body."""
        return _Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,  # a dropped connection; read *timeouts* are never retried
            status=self.retries,
            other=0,  # TLS and other errors do not heal by trying again
            redirect=None,  # requests follows redirects itself
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            raise_on_status=False,  # the last 503 becomes a ServerError with its message
            respect_retry_after_header=True,
        )

    @staticmethod
    def _after_broken_body(policy: Retry, response: requests.Response, method: str,
                           url: str, error: NetworkError) -> Retry | None:
        """The same policy, one try further, after a body that broke off (urllib3 only
        covers the exchange up to the headers); None when it allows no more tries."""
        if policy is _NO_RETRY or isinstance(error, RequestTimeout):
            return None
        used = getattr(response.raw, "retries", None)
        used = used if isinstance(used, Retry) else policy
        cause = urllib3.exceptions.ProtocolError(error.reason)
        try:
            following = used.increment(method, url, error=cause)
        except (urllib3.exceptions.MaxRetryError, urllib3.exceptions.ProtocolError):
            return None
        following.sleep()
        return following

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
    "connection broken",
)


def network_error(exc: requests.RequestException, method: str, url: str,
                  timeout: Timeout) -> NetworkError:
    """The typed error for a request that got no (complete) answer.

    :class:`RequestTimeout` when the server was reached but went quiet for longer than
    the read timeout (before the headers or while the body came in); otherwise
    :class:`ConnectionFailed` with the reason, a connect timeout included (the server
    was never reached).
    """
    connect_s, read_s = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if isinstance(exc, requests.ConnectTimeout) or _caused_by(
        exc, urllib3.exceptions.ConnectTimeoutError, but_not=urllib3.exceptions.NewConnectionError
    ):
        within = f"within {connect_s:g} s" if connect_s else "in time"
        return ConnectionFailed(method, url, f"no connection {within}")
    if isinstance(exc, requests.ReadTimeout) or _is_read_timeout(exc):
        return RequestTimeout(method, url, read_s)
    return ConnectionFailed(method, url, _reason(exc))


def body_error(exc: requests.RequestException, method: str, url: str,
               timeout: Timeout) -> NetworkError:
    """The typed error for a streamed body that failed or stalled while it was read:
    :class:`RequestTimeout` for a read timeout, else :class:`ConnectionFailed`."""
    return network_error(exc, method, url, timeout)


def _caused_by(exc: BaseException, kind: type[BaseException],
               but_not: type[BaseException] | None = None) -> bool:
    """Whether ``exc`` wraps a ``kind`` (through requests' and urllib3's wrappers)."""
    seen = 0
    cause: Any = exc.args[0] if exc.args else None
    while cause is not None and seen < 5:
        if isinstance(cause, kind) and not (but_not and isinstance(cause, but_not)):
            return True
        cause = getattr(cause, "reason", None)  # MaxRetryError.reason
        seen += 1
    return False


def _is_read_timeout(exc: requests.RequestException) -> bool:
    return _caused_by(exc, urllib3.exceptions.ReadTimeoutError)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    lowered = text.lower().replace("_", " ")
    known = next((known for known in _KNOWN_REASONS if known in lowered), None)
    # urllib3's own words name the URL with its query (a signed link's signature): cut it
    return known or re.sub(r"\?[^\s'\")]*", "?…", text)[:200]
