"""Plain-requests helpers for tests that talk to the vantage6 REST API directly."""

from __future__ import annotations

import base64
import json
import time

import requests

from labpanels.vantage6 import encryption
from labpanels.vantage6.session import FINISHED


def login(v6: dict, username: str) -> requests.Session:
    """A requests session logged in as ``username`` of the scenario."""
    http = requests.Session()
    answer = http.post(f"{v6['api_url']}/token/user", timeout=10, json={
        "username": username, "password": v6["users"][username]["password"]})
    answer.raise_for_status()
    http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return http


def get(http: requests.Session, v6: dict, path: str, **params) -> dict:
    answer = http.get(f"{v6['api_url']}/{path}", params=params, timeout=10)
    answer.raise_for_status()
    return answer.json()


def org_ids(v6: dict, collaboration: str) -> list[int]:
    return [v6["organizations"][name]["id"]
            for name in v6["collaborations"][collaboration]["organizations"]]


def create_task(http, v6, collaboration: str, organizations: list[int], method: str,
                kwargs: dict, image: str = "harbor2.vantage6.ai/demo/average") -> dict:
    """POST a task the way any client must: per-organization input, encrypted if needed."""
    collab = v6["collaborations"][collaboration]
    payload = json.dumps({"method": method, "args": [], "kwargs": kwargs}).encode()
    orgs = []
    for oid in organizations:
        if collab["encrypted"]:
            public = get(http, v6, f"organization/{oid}")["public_key"]
            sealed = encryption.encrypt(payload, public)
        else:
            sealed = base64.b64encode(payload).decode()
        orgs.append({"id": oid, "input": sealed})
    answer = http.post(f"{v6['api_url']}/task", timeout=10, json={
        "name": f"test-{method}", "image": image, "collaboration_id": collab["id"],
        "organizations": orgs, "databases": [{"label": "default"}]})
    assert answer.status_code == 201, answer.text
    return answer.json()


def wait_task(http, v6, task_id: int, timeout: float = 60) -> list[dict]:
    """Wait until every run of the task finished; return the runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = get(http, v6, "run", task_id=task_id, per_page=100)["data"]
        if runs and all(r["status"] in FINISHED for r in runs):
            return runs
        time.sleep(0.2)
    raise TimeoutError(f"task {task_id} not finished in {timeout} s")


def results(http, v6, task_id: int) -> dict[int, str]:
    """Raw result strings by run id."""
    data = get(http, v6, "result", task_id=task_id, per_page=100)["data"]
    return {r["run"]["id"]: r["result"] for r in data}


def decode(value: str) -> object:
    return json.loads(base64.b64decode(value))
