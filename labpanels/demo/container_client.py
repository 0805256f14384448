"""What a central algorithm function talks to: the container-token flow of a real node.

A real node asks the server for a container token for the task it runs and hands it to
the algorithm's container, which may then create subtasks (children of its task) and
read their results. Here the algorithm runs in the node's process, and this client
plays the container's side, including the encryption a node's proxy would do.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from ..http import HttpClient
from ..paging import iter_vantage6
from ..vantage6 import encryption
from ..vantage6.session import FAILED, FINISHED, error_line

__all__ = ["ContainerClient", "SubtaskFailed"]

class SubtaskFailed(RuntimeError):
    """A subtask's run failed; the message names the organization and its error."""


class _Organizations:
    def __init__(self, client: ContainerClient) -> None:
        self._client = client

    def list(self) -> list[dict]:
        """Organizations of the collaboration: ``[{"id", "name", ...}]`` by id."""
        return self._client._organizations()


class _Tasks:
    def __init__(self, client: ContainerClient) -> None:
        self._client = client

    def create(self, input_: dict, organizations: list[int], name: str = "subtask",
               description: str = "") -> dict:
        """Create a subtask of the running task for ``organizations``."""
        return self._client._create(input_, organizations, name, description)


class ContainerClient:
    """The algorithm-side client of one run (container token obtained on first use)."""

    def __init__(
        self,
        *,
        node_http: HttpClient,
        task: dict,
        organization_id: int,
        collaboration_id: int,
        encrypted: bool,
        private_key: Any,
        changed: threading.Condition,
        poll_interval: float = 1.0,
    ) -> None:
        self.organization_id = organization_id
        self.organization = _Organizations(self)
        self.task = _Tasks(self)
        self._node_http = node_http
        self._parent = task
        self._collaboration_id = collaboration_id
        self._encrypted = encrypted
        self._private_key = private_key
        self._changed = changed
        self._poll_interval = poll_interval
        self._http: HttpClient | None = None

    # -- plumbing ---------------------------------------------------------------
    @property
    def http(self) -> HttpClient:
        """An HTTP client authenticated with this run's container token."""
        if self._http is None:
            token = self._node_http.post("token/container", json={
                "task_id": self._parent["id"], "image": self._parent["image"],
            })["container_token"]
            self._http = HttpClient(self._node_http.base_url, timeout=(5, 30))
            self._http.session.headers["Authorization"] = f"Bearer {token}"
        return self._http

    def close(self) -> None:
        """Release the container's connections."""
        if self._http is not None:
            self._http.close()

    def _organizations(self) -> list[dict]:
        body = self.http.get("organization", params={
            "collaboration_id": self._collaboration_id, "per_page": 1000,
        })
        return sorted(body["data"], key=lambda o: o["id"])

    def _seal(self, payload: bytes, organization_id: int) -> str:
        if not self._encrypted:
            return base64.b64encode(payload).decode()
        public = self.http.get(f"organization/{organization_id}")["public_key"]
        return encryption.encrypt(payload, public)

    def _open(self, value: str) -> Any:
        raw = (encryption.decrypt(value, self._private_key) if self._encrypted
               else base64.b64decode(value))
        return json.loads(raw) if raw else None

    # -- the algorithm's API ----------------------------------------------------
    def _create(self, input_: dict, organizations: list[int], name: str,
                description: str) -> dict:
        payload = json.dumps({
            "method": input_["method"], "args": list(input_.get("args", [])),
            "kwargs": dict(input_.get("kwargs", {})),
        }).encode()
        databases = [{"label": d.get("label", "default")}
                     for d in self._parent.get("databases") or [{"label": "default"}]]
        return self.http.post("task", json={
            "name": name, "description": description, "image": self._parent["image"],
            "collaboration_id": self._collaboration_id,
            "organizations": [{"id": oid, "input": self._seal(payload, oid)}
                              for oid in organizations],
            "databases": databases,
        })

    def wait_for_results(self, task_id: int, timeout: float | None = None) -> list[Any]:
        """Wait until every run of ``task_id`` finished; return results by organization id.

        Raises :class:`SubtaskFailed` naming the organization and its error if a run
        failed. Without ``timeout`` it waits as long as a real node would: forever.
        """
        runs = self._wait_finished(task_id, timeout)
        failed = [r for r in runs if r["status"] in FAILED]
        if failed:
            # name the root cause, not a run the server failed because a sibling had
            run = next((r for r in failed if "Error:" in (r.get("log") or "")), failed[0])
            org = self.http.get(f"organization/{run['organization']['id']}")["name"]
            raise SubtaskFailed(
                f"subtask {task_id} {run['status']} at {org}: {error_line(run.get('log'))}"
            )
        results = {r["run"]["id"]: r for r in self._paged("result", {"task_id": task_id})}
        ordered = sorted(runs, key=lambda r: r["organization"]["id"])
        return [self._open(results[r["id"]]["result"]) for r in ordered]

    def _wait_finished(self, task_id: int, timeout: float | None) -> list[dict]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            runs = self._paged("run", {"task_id": task_id})
            if runs and all(r["status"] in FINISHED for r in runs):
                return runs
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"subtask {task_id} did not finish within {timeout:g} s")
            with self._changed:  # woken by the node's socket events, or poll
                self._changed.wait(self._poll_interval)

    def _paged(self, path: str, params: dict) -> list[dict]:
        return list(iter_vantage6(self.http, path, params))

