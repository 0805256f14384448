"""UserClient: the official vantage6 client's interface, as the workshop lesson uses it.

Change only the import line of the lesson's code::

    from labpanels.vantage6 import UserClient

Calls return the shapes the official ``vantage6-client`` 4.x returns (``{"data": [...],
"links": ...}``, or a list of dicts when ``fields=`` is given; results as JSON strings),
with three differences: every page is returned, errors raise clear exceptions instead of
coming back as ``{"msg": ...}`` dicts, and an unreachable server fails after a few
seconds instead of being retried forever. ``client.session`` is the
:class:`Vantage6Session` behind it, which every panel accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidArgument
from .session import Vantage6Session

__all__ = ["UserClient"]


def _shape(items: list[dict], fields: Sequence[str] | None, field: str | None = None) -> Any:
    keys = [field] if field else fields
    if keys:
        return [{k: item[k] for k in keys if k in item} for item in items]
    return {"data": items, "links": {}}


def _one(item: dict, fields: Sequence[str] | None, field: str | None = None) -> dict:
    keys = [field] if field else fields
    return {k: item[k] for k in keys if k in item} if keys else item


class _Sub:
    def __init__(self, client: UserClient) -> None:
        self.session = client.session


class _Collaborations(_Sub):
    def list(self, name: str | None = None, encrypted: bool | None = None,
             organization: int | None = None, fields: Sequence[str] | None = None,
             field: str | None = None, **_: Any) -> Any:
        """Collaborations you can see (all pages)."""
        items = self.session.fetch("collaboration", name=name, organization_id=organization,
                                   encrypted=None if encrypted is None else int(encrypted))
        return _shape(items, fields, field)

    def get(self, id_: int, fields: Sequence[str] | None = None) -> dict:
        """One collaboration."""
        return _one(self.session.fetch_one(f"collaboration/{id_}"), fields)


class _Organizations(_Sub):
    def list(self, name: str | None = None, country: str | None = None,
             collaboration: int | None = None, study: int | None = None,
             fields: Sequence[str] | None = None, field: str | None = None, **_: Any) -> Any:
        """Organizations, of a collaboration or study when given (all pages)."""
        items = self.session.fetch("organization", name=name, country=country,
                                   collaboration_id=collaboration, study_id=study)
        return _shape(items, fields, field)

    def get(self, id_: int | None = None, fields: Sequence[str] | None = None) -> dict:
        """One organization (your own without an id)."""
        org_id = id_ if id_ is not None else self.session.organization["id"]
        return _one(self.session.fetch_one(f"organization/{org_id}"), fields)


class _Nodes(_Sub):
    def list(self, name: str | None = None, organization: int | None = None,
             collaboration: int | None = None, study: int | None = None,
             is_online: bool | None = None, fields: Sequence[str] | None = None,
             field: str | None = None, **_: Any) -> Any:
        """Nodes with their status, filtered like the official client (all pages)."""
        status = None if is_online is None else ("online" if is_online else "offline")
        items = self.session.fetch("node", name=name, organization_id=organization,
                                   collaboration_id=collaboration, study_id=study, status=status)
        return _shape(items, fields, field)

    def get(self, id_: int, fields: Sequence[str] | None = None) -> dict:
        """One node."""
        return _one(self.session.fetch_one(f"node/{id_}"), fields)


class _Studies(_Sub):
    def list(self, name: str | None = None, collaboration: int | None = None,
             fields: Sequence[str] | None = None, field: str | None = None, **_: Any) -> Any:
        """Studies (all pages)."""
        items = self.session.fetch("study", name=name, collaboration_id=collaboration)
        return _shape(items, fields, field)


class _Tasks(_Sub):
    def create(self, organizations: Sequence[int] | None, name: str, image: str,
               description: str, input_: dict, collaboration: int | None = None,
               study: int | None = None, databases: list[dict] | None = None,
               **_: Any) -> dict:
        """Create a task; ``input_`` is ``{"method", "args", "kwargs"}``. Sent once."""
        if not isinstance(input_, dict) or "method" not in input_:
            raise InvalidArgument("input_ must be a dict with at least 'method', e.g. "
                             "{'method': 'partial_average', 'kwargs': {'column_name': 'age'}}")
        if collaboration is None and study is not None:
            collaboration = self.session.fetch_one(f"study/{study}")["collaboration"]["id"]
        row = self.session.create_task(
            image, input_["method"], organizations=organizations, collaboration=collaboration,
            args=input_.get("args") or (), kwargs=input_.get("kwargs") or {},
            databases=databases, name=name, description=description or "", study=study)
        return self.session.fetch_one(f"task/{row['id']}")

    def get(self, id_: int, include_results: bool = False,
            fields: Sequence[str] | None = None) -> dict:
        """One task."""
        task = self.session.fetch_one(f"task/{id_}")
        if include_results:
            task["results"] = _Results(self).from_task(id_)["data"]
        return _one(task, fields)

    def list(self, collaboration: int | None = None, name: str | None = None,
             parent: int | None = None, status: str | None = None,
             fields: Sequence[str] | None = None, field: str | None = None, **_: Any) -> Any:
        """Tasks (all pages)."""
        items = self.session.fetch("task", collaboration_id=collaboration, name=name,
                                   parent_id=parent, status=status)
        return _shape(items, fields, field)

    def kill(self, id_: int) -> None:
        """Stop every run of a task."""
        self.session.kill(id_)


class _Runs(_Sub):
    def from_task(self, task_id: int, include_task: bool = False,
                  fields: Sequence[str] | None = None, field: str | None = None) -> Any:
        """Every run of a task (status, log, organization, node ...)."""
        items = self.session.fetch("run", task_id=task_id,
                                   include="task" if include_task else None)
        return _shape(items, fields, field)

    def get(self, id_: int, fields: Sequence[str] | None = None) -> dict:
        """One run."""
        return _one(self.session.fetch_one(f"run/{id_}"), fields)


class _Results(_Sub):
    def from_task(self, task_id: int) -> dict:
        """Every result of a task, decrypted: ``{"data": [{"result": "<json text>", ...}]}``."""
        items = self.session.fetch("result", task_id=task_id)
        for item, raw in zip(items, self.session.open_results(items), strict=True):
            item["result"] = None if raw is None else raw.decode("utf-8", "replace")
        return {"data": items, "links": {}}

    def get(self, id_: int) -> Any:
        """The decrypted result text of one run."""
        raw = self.session.open_results([self.session.fetch_one(f"result/{id_}")])[0]
        return None if raw is None else raw.decode("utf-8", "replace")


class _Stores(_Sub):
    """``client.store``: the algorithm stores linked on the server."""

    def __init__(self, client: UserClient) -> None:
        super().__init__(client)
        self.store_id: int | None = None
        self.url: str | None = None

    def list(self, name: str | None = None, url: str | None = None,
             collaboration: int | None = None, fields: Sequence[str] | None = None,
             field: str | None = None, **_: Any) -> Any:
        """Algorithm stores, of a collaboration when given (all pages)."""
        items = self.session.fetch("algorithmstore", name=name, url=url,
                                   collaboration_id=collaboration)
        return _shape(items, fields, field)

    def get(self, id_: int, fields: Sequence[str] | None = None) -> dict:
        """One algorithm store."""
        return _one(self.session.fetch_one(f"algorithmstore/{int(id_)}"), fields)

    def set(self, id_: int) -> dict:
        """Use this store for ``client.algorithm``; returns it."""
        store = self.get(id_)
        self.store_id, self.url = int(id_), str(store["url"]).rstrip("/")
        return store


class _Algorithms(_Sub):
    """``client.algorithm``: algorithms of the store chosen with ``client.store.set``
    (by default the first store of the session's current collaboration)."""

    def __init__(self, client: UserClient) -> None:
        super().__init__(client)
        self._client = client

    def _store(self) -> Any:
        chosen = self._client.store
        if chosen.url:
            return self.session.store({"url": chosen.url, "id": chosen.store_id})
        if not self.session.collaboration:
            raise InvalidArgument("choose an algorithm store first: client.store.set(id) "
                                  "(see client.store.list())")
        return self.session.store()

    def list(self, name: str | None = None, description: str | None = None,
             image: str | None = None, partitioning: str | None = None,
             v6_version: str | None = None, fields: Sequence[str] | None = None,
             field: str | None = None, **_: Any) -> Any:
        """Approved algorithms of the store (all pages), as the store describes them."""
        items = self._store().records(name=name, description=description, image=image,
                                      partitioning=partitioning,
                                      vantage6_version=v6_version)
        return _shape(items, fields, field)

    def get(self, id_: int, fields: Sequence[str] | None = None) -> dict:
        """One algorithm of the store."""
        return _one(self._store().record(id_), fields)

    def create(self, name: str, description: str, image: str, partitioning: str,
               vantage6_version: str, code_url: str, functions: list[dict],
               documentation_url: str | None = None) -> dict:
        """Add an algorithm to the store (the store's JSON for ``functions``)."""
        body = {"name": name, "description": description, "image": image,
                "partitioning": partitioning, "vantage6_version": vantage6_version,
                "code_url": code_url, "functions": functions}
        if documentation_url:
            body["documentation_url"] = documentation_url
        return self._store().create(body)


class UserClient:
    """The lesson's client: ``UserClient(server_url, server_port, server_api)``."""

    def __init__(self, host: str, port: int | None = None, path: str = "/api",
                 log_level: str | None = None, *, session: Vantage6Session | None = None,
                 **_: Any) -> None:
        self.session = session or Vantage6Session(host, port=port, api_path=path)
        self.collaboration = _Collaborations(self)
        self.organization = _Organizations(self)
        self.node = _Nodes(self)
        self.study = _Studies(self)
        self.task = _Tasks(self)
        self.run = _Runs(self)
        self.result = _Results(self)
        self.store = _Stores(self)
        self.algorithm = _Algorithms(self)

    def authenticate(self, username: str, password: str, mfa_code: str | int | None = None
                     ) -> bool:
        """Log in (raises a clear exception when refused)."""
        self.session.login(username, password, None if mfa_code is None else str(mfa_code))
        return True

    def setup_encryption(self, private_key: str | None) -> None:
        """Load the organization's private key (``None``: unencrypted collaborations only).

        Unlike the official client this never uploads the key's public half to the
        server; use ``client.session.upload_public_key()`` for that, on purpose."""
        if private_key is not None:
            self.session.load_private_key(private_key)

    def wait_for_results(self, task_id: int, interval: float = 1) -> dict:
        """Wait for a task (woken by live events, polling every ``interval`` s otherwise),
        then return ``result.from_task(task_id)``."""
        self.session.wait(task_id, poll=max(float(interval), 0.2))
        return self.result.from_task(task_id)

    @property
    def whoami(self) -> dict | None:
        """The logged-in user."""
        return self.session.user

    def __repr__(self) -> str:
        return f"<UserClient {self.session!r}>"

