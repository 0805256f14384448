"""A lost answer and a dead server, against the real vantage6 server: never a duplicate
task, and a clear error within seconds."""

from __future__ import annotations

import threading
import time

import pytest

from labpanels.errors import NetworkError
from labpanels.vantage6 import Vantage6Session
from labpanels.vantage6.errors import ServerUnreachable, TaskOutcomeUnknown
from tests.tcpproxy import TcpProxy
from tests.waiting import until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"


def _tasks_named(platform, v6, name: str) -> list[dict]:
    with platform.root_http() as root:
        return root.get("task", params={"name": name, "per_page": 100})["data"]


@pytest.fixture
def proxy(v6):
    with TcpProxy(v6["port"]) as running:
        yield running


@pytest.fixture
def proxied(v6, proxy):
    s = Vantage6Session(f"{proxy.url}/api")
    s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    s.select("PhY-research")
    yield s
    s.close()


def test_lost_answer_then_resubmission_leaves_one_task(platform, v6, proxy, proxied):
    name = f"lost-answer-{time.time():.0f}"
    form = {"kwargs": {"column_name": "age"}, "name": name, "description": "ages, please"}
    proxy.drop_answer_to = b"POST /api/task "
    with pytest.raises(TaskOutcomeUnknown, match="the server may have created the task"):
        proxied.create_task(AVERAGE, "partial_average", **form)
    assert proxy.dropped == 1
    pending = proxied.pending_submission
    assert pending["name"] == name and pending["collaboration_id"] == proxied.collaboration["id"]
    assert len(_tasks_named(platform, v6, name)) == 1  # the server did create it
    proxy.drop_answer_to = None
    posts = []
    proxied.http.session.hooks["response"].append(
        lambda r, *a, **k: posts.append(r.request.url) if r.request.method == "POST" else None)
    again = proxied.create_task(AVERAGE, "partial_average", **form)
    assert posts == []  # found, not sent again
    on_server = _tasks_named(platform, v6, name)
    assert [t["id"] for t in on_server] == [again["id"]]
    assert f"labpanels-submission: {pending['marker']}" in on_server[0]["description"]
    assert on_server[0]["description"].startswith("ages, please\n")  # the user's text first
    assert proxied.pending_submission is None and proxied.last_task["id"] == again["id"]
    assert proxied.wait(again, timeout=30)["status"] == "completed"


def test_unreachable_check_keeps_pending_and_sends_nothing(platform, v6, proxy, proxied):
    name = f"lost-while-away-{time.time():.0f}"
    proxy.drop_answer_to = b"POST /api/task "
    with pytest.raises(TaskOutcomeUnknown):
        proxied.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                            name=name)
    proxy.drop_answer_to = None
    proxy.refuse = True  # the server cannot be asked now
    with pytest.raises(NetworkError):
        proxied.check_pending()
    assert proxied.pending_submission is not None
    with pytest.raises(TaskOutcomeUnknown, match="nothing was sent"):
        proxied.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                            name=name)
    proxy.refuse = False
    found = proxied.check_pending()
    assert found is not None and found["name"] == name
    assert proxied.pending_submission is None
    assert len(_tasks_named(platform, v6, name)) == 1


def test_submission_that_never_arrived_is_settled_as_not_created(platform, v6, proxied):
    """The marker is looked for on the server: absent (server reachable) means not
    created, and the form is sent anew, once."""
    name = f"never-arrived-{time.time():.0f}"
    proxied.pending_submission = {
        "marker": "0" * 32, "name": name, "collaboration_id": proxied.collaboration["id"],
        "fingerprint": "x", "username": "PhY24-rs1", "lost_at": 0}
    assert proxied.check_pending() is None and proxied.pending_submission is None
    task = proxied.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                               name=name)
    assert [t["id"] for t in _tasks_named(platform, v6, name)] == [task["id"]]


def test_server_killed_during_wait_then_back_on_the_same_database(platform, v6):
    session = Vantage6Session(v6["url"])
    session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    try:
        until(lambda: session.live, what="live")
        task = session.create_task(
            AVERAGE, "partial_average", collaboration="GHT_consortium",
            organizations=[v6["organizations"]["HERMES_organization"]["id"]],  # never runs
            kwargs={"column_name": "age"})
        errors: list[BaseException] = []
        ended: list[float] = []

        def waiting() -> None:
            try:
                session.wait(task)  # default settings
            except Exception as exc:  # checked below, in the test's thread
                errors.append(exc)
            ended.append(time.monotonic())

        waiter = threading.Thread(target=waiting)
        waiter.start()
        time.sleep(1)
        killed = time.monotonic()
        platform.server.kill()
        try:
            waiter.join(20)
            assert not waiter.is_alive(), "wait() hung after the server died"
            took = ended[0] - killed
            assert isinstance(errors[0], ServerUnreachable), errors
            assert took <= 10, f"reported after {took:.1f} s"
            assert "call wait() again" in str(errors[0])
            assert session.server_reachable is False and not session.live
            print(f"server loss reported after {took:.2f} s")
        finally:
            platform.server.start()
        platform.wait_nodes_online(30)
        until(lambda: session.live and session.server_reachable, 30, "reconnected")
        with pytest.raises(TimeoutError, match="still pending"):
            session.wait(task, timeout=2)  # the same task, again: followed, still waiting
        # the server kept it: an admin kills it, and the waiting ends with that
        admin = Vantage6Session(v6["url"], live=False)
        admin.login("PhY24-admin", v6["users"]["PhY24-admin"]["password"])
        admin.kill(task)
        admin.close()
        final = session.wait(task, timeout=30)
        assert [r["status"] for r in final["runs"]] == ["killed by user"]
    finally:
        session.close()
