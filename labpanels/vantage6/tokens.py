"""Bearer tokens that renew themselves: refreshed shortly before they expire, or on a 401."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import requests

from ..errors import ApiError, NetworkError, PermissionDenied
from ..http import HttpClient, network_error
from .errors import SessionExpired

__all__ = ["TokenAuth", "jwt_claims"]

#: renew when the access token has less than this many seconds left
REFRESH_MARGIN = 30.0


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without verifying it (the server verifies)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class TokenAuth(requests.auth.AuthBase):
    """Adds the access token to every request and renews it when needed.

    ``on_change`` is called with the new access token after every renewal (the live
    event connection uses it for reconnects).
    """

    def __init__(self, http: HttpClient, access: str, refresh: str | None,
                 on_change: Any = None) -> None:
        self._http = http
        self._lock = threading.Lock()
        self.on_change = on_change
        self.refresh_count = 0
        self._set(access, refresh)

    def _set(self, access: str, refresh: str | None) -> None:
        self.access = access
        self.refresh_token = refresh
        self.expires_at = float(jwt_claims(access).get("exp", time.time() + 3600))

    @property
    def seconds_left(self) -> float:
        """Seconds until the access token expires."""
        return self.expires_at - time.time()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.seconds_left < REFRESH_MARGIN and self.refresh_token:
            self.renew()
        request.headers["Authorization"] = f"Bearer {self.access}"
        return request

    def renew(self, stale: str | None = None) -> None:
        """Exchange the refresh token for new tokens (once, if several threads ask)."""
        with self._lock:
            if stale is not None and stale != self.access:
                return  # another thread renewed meanwhile
            if not self.refresh_token:
                raise SessionExpired("the session has no refresh token: log in again")
            url = self._http.url("token/refresh")
            try:
                response = self._http.session.post(
                    url, auth=_Bearer(self.refresh_token), timeout=self._http.timeout,
                )
            except requests.RequestException as exc:
                raise network_error(exc, "POST", url, self._http.timeout) from None
            if response.status_code != 200:
                raise SessionExpired(
                    "the session expired and could not be renewed "
                    f"({response.status_code}): log in again"
                )
            try:
                body = response.json()
                access = body["access_token"]
            except (ValueError, KeyError, TypeError):
                raise SessionExpired("the session expired and the server's answer to the "
                                     "renewal held no token: log in again") from None
            self._set(access, body.get("refresh_token", self.refresh_token))
            self.refresh_count += 1
        if self.on_change:
            self.on_change(self.access)

    def renew_after_401(self, error: ApiError) -> bool:
        """Hook for :class:`HttpClient`: renew after a 401 and say whether to resend.

        vantage6 also answers 401 when a valid user lacks a permission: no renewal then.
        """
        if isinstance(error, PermissionDenied):
            return False
        try:
            self.renew(stale=self.access)
            return True
        except (SessionExpired, ApiError, NetworkError):
            return False
