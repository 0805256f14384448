"""The session's one state model of tasks (``task_state``), against the real server."""

from __future__ import annotations

import threading
import time

import pytest

from labpanels.vantage6 import Vantage6Session
from tests.lifecycle import live_threads, until_no_new_threads
from tests.v6_sessions import researcher
from tests.waiting import until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"
ENTRY_KEYS = {"id", "name", "image", "collaboration_id", "parent_id", "created_at", "status",
              "finished", "runs", "done", "total", "failed", "results", "finished_at"}
RUN_KEYS = {"id", "task_id", "organization_id", "organization", "node", "status",
            "started_at", "finished_at"}


@pytest.fixture
def session(v6):
    with researcher(v6, live=True) as s:
        yield s


def _count_requests(session) -> list[str]:
    sent: list[str] = []
    session.http.session.hooks["response"].append(
        lambda r, *a, **k: sent.append(f"{r.request.method} {r.request.url}"))
    return sent


def test_created_task_is_watched_to_its_results(v6, session):
    changes = []
    session.observe(lambda change: changes.append(change["new"]), names=["task_state"])
    task = session.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    entry = session.task_state[task["id"]]
    assert set(entry) == ENTRY_KEYS
    assert entry["parent_id"] is None and entry["collaboration_id"] == session.collaboration["id"]
    # nobody calls wait() or results(): the session alone brings the results in
    until(lambda: session.task_state[task["id"]]["results"] == "ready", 30, "results ready")
    entry = session.task_state[task["id"]]
    assert entry["finished"] and entry["status"] == "completed"
    orgs = v6["collaborations"]["PhY-research"]["organizations"]
    assert entry["total"] == entry["done"] == len(orgs) and entry["failed"] == 0
    assert all(set(run) == RUN_KEYS for run in entry["runs"])  # no logs in the state
    assert entry["finished_at"] == max(r["finished_at"] for r in entry["runs"])
    assert len(changes) >= 3  # every change replaced the dict, so traitlets saw each
    sent = _count_requests(session)
    started = time.perf_counter()
    table = session.results(task)
    assert time.perf_counter() - started < 0.05
    assert sent == []  # from the cache
    assert sorted(table["organization"]) == sorted(orgs)
    snapshot = session.wait(task)
    assert snapshot["finished"] and sent == []  # wait() reads the same state


def test_refresh_tasks_newest_first_and_watched_entries_kept(v6, session):
    first = session.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                                name="state-a")
    session.wait(first)
    second = session.create_task(AVERAGE, "central_average", kwargs={"column_name": "age"},
                                 organizations=[session.organization["id"]], name="state-b")
    session.wait(second)
    entries = session.refresh_tasks()
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    assert first["id"] in ids and second["id"] in ids
    assert all(e["parent_id"] is None for e in entries)  # subtasks are not listed
    assert all(session.task_state[i] is not None for i in ids)
    central = session.task_state[second["id"]]
    assert central["runs"], "a watched entry keeps its runs through a refresh"
    assert central["runs"][0]["task_id"] == second["id"]  # the parent's run first
    children = {r["task_id"] for r in central["runs"][1:]}
    assert len(children) == 1 and second["id"] not in children
    assert central["total"] == 5 and central["done"] == 5


def test_event_handler_never_waits_for_the_server(v6, session, monkeypatch):
    task = session.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    session.wait(task)
    real = session.http.session.request
    slow = threading.Event()

    def slow_request(*args, **kwargs):
        slow.set()
        time.sleep(2)
        return real(*args, **kwargs)

    monkeypatch.setattr(session.http.session, "request", slow_request)
    started = time.perf_counter()
    # an event about a run the session does not know yet: it needs a read
    session._on_event("new_task", {"id": task["id"] + 10_000, "parent_id": task["id"]})
    session._on_event("algorithm_status_change", {
        "run_id": 10**9, "task_id": task["id"], "status": "active", "parent_id": None})
    assert time.perf_counter() - started < 0.1
    until(slow.is_set, 5, "the worker reading")


def test_logout_empties_the_state_and_leaves_no_thread(v6):
    before = live_threads()
    s = Vantage6Session(v6["url"])
    s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    s.select("PhY-research")
    until(lambda: s.live, what="live events")
    task = s.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    s.wait(task)
    assert task["id"] in s.task_state
    s.logout()
    assert s.task_state == {} and s.last_task is None
    s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    assert s.task_state == {}  # a new login starts empty
    s.close()
    # the event connection may be mid-handshake (up to 10 s) when the session closes,
    # then it closes its socket (up to 3 s)
    until_no_new_threads(before, "every thread of the session ended")
