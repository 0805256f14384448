"""One vantage6 algorithm store, read as the vantage6 UI reads it.

The store accepts the user's **server** token (``Authorization: Bearer``) together with
a ``Server-Url`` header naming that server; it checks the token with the server. Lists
are paginated like the server's (``page``/``per_page``, ``links.next``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import ApiError, NetworkError
from ..http import HttpClient
from ..paging import iter_vantage6
from .catalogue import Algorithm
from .errors import AlgorithmStoreError, AlgorithmStoreUnreachable

__all__ = ["AlgorithmStore", "store_row"]

log = logging.getLogger("labpanels.vantage6.store")


def store_row(record: Mapping[str, Any]) -> dict:
    """A server's ``/algorithmstore`` item as a flat row: id, name, url,
    collaboration_id (None: the store serves every collaboration)."""
    collab = record.get("collaboration") or record.get("collaboration_id")
    if isinstance(collab, Mapping):
        collab = collab.get("id")
    return {"id": record.get("id"), "name": record.get("name") or "",
            "url": str(record.get("url") or "").rstrip("/"),
            "collaboration_id": collab if isinstance(collab, int) else None}


class AlgorithmStore:
    """A client of one store: ``url`` is its API (``http://host:port/api``),
    ``server_url`` the vantage6 server whose token ``auth`` adds to each request (a
    ``requests`` auth that renews it, e.g. the session's)."""

    def __init__(self, url: str, server_url: str, auth: Any = None, *,
                 timeout: float | tuple[float, float] = (5.0, 30.0), id: int | None = None,
                 name: str = "") -> None:
        self.url = url.rstrip("/")
        self.server_url = server_url
        self.id = id
        self.name = name
        self.http = HttpClient(self.url, timeout=timeout,
                               headers={"Server-Url": server_url})
        self.http.session.auth = auth
        renew = getattr(auth, "renew_after_401", None)
        if renew is not None:
            self.http.on_unauthorized = renew

    def __repr__(self) -> str:
        return f"<AlgorithmStore {self.url}>"

    @contextlib.contextmanager
    def _answering(self, refused: str) -> Iterator[None]:
        """Network and API errors as the store's own (``refused``: what it refused)."""
        try:
            yield
        except NetworkError as exc:
            raise AlgorithmStoreUnreachable(
                f"the algorithm store {self.url} does not answer ({exc.reason})",
                self.url) from None
        except ApiError as exc:
            raise AlgorithmStoreError(
                f"the algorithm store {self.url} refused {refused}: {exc.message} "
                f"({exc.status})", self.url, exc.status) from None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._answering(f"{method} {path}"):
            return self.http.call(method, path, **kwargs)

    def version(self) -> str:
        """The store's version, e.g. ``"4.15.2"``."""
        answer = self._call("GET", "version")
        if not isinstance(answer, Mapping) or "version" not in answer:
            raise AlgorithmStoreError(f"{self.url} is not an algorithm store (its /version "
                                      "has no version)", self.url)
        return str(answer["version"])

    def records(self, **filters: Any) -> list[dict]:
        """Every algorithm the store lists (all pages), as its JSON; ``filters`` are the
        store's (``name``, ``image``, ``partitioning`` ...). Approved ones by default."""
        params = {k: v for k, v in filters.items() if v is not None}
        try:
            with self._answering("to list its algorithms"):
                return list(iter_vantage6(self.http, "algorithm", params))
        except (AttributeError, TypeError):
            raise AlgorithmStoreError(f"{self.url} did not answer with a list of "
                                      "algorithms", self.url) from None

    def algorithms(self, **filters: Any) -> list[Algorithm]:
        """Every algorithm the store lists, described (a record that cannot be read is
        left out, with a warning in the log)."""
        out = []
        for record in self.records(**filters):
            try:
                out.append(Algorithm.from_store(record, self.url))
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("algorithm store %s: skipping algorithm %s: %s", self.url,
                            record.get("id") if isinstance(record, Mapping) else "?", exc)
        return out

    def record(self, algorithm_id: int) -> dict:
        """One algorithm's JSON."""
        return self._call("GET", f"algorithm/{int(algorithm_id)}")

    def create(self, body: Mapping[str, Any]) -> dict:
        """Add an algorithm given as the store's JSON; return the store's record. Needs
        a role in the store that may add algorithms."""
        return self._call("POST", "algorithm", json=dict(body))

    def add(self, algorithm: Algorithm | Mapping[str, Any]) -> Algorithm:
        """Add an algorithm (a description, or the store's JSON); return it as the store
        keeps it."""
        body = algorithm.to_store() if isinstance(algorithm, Algorithm) else algorithm
        return Algorithm.from_store(self.create(body), self.url)

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

