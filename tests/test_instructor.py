"""The instructor's view against the real platform: who logged in, tasks, failures, stuck."""

from __future__ import annotations

import json
import secrets

import pytest

from labpanels.demo.scenario import ROOT_PASSWORD
from labpanels.hub.roster import ClassRoster, learner_row
from labpanels.vantage6 import Vantage6Session
from labpanels.widgets import InstructorView
from tests.waiting import until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"


@pytest.fixture(scope="module")
def klass(platform, v6):
    """Two fresh learner accounts of this module (their own prefix: other tests' users
    never show) and their password."""
    prefix = f"instr{secrets.token_hex(2)}-"
    password = "Instructor-test-1!"
    with platform.root_http() as root:
        roles = {r["name"]: r["id"] for r in root.get("role", params={"per_page": 100})["data"]}
        org = v6["organizations"]["PhY24-consortium"]["id"]
        for name in ("a", "b"):
            root.post("user", json={
                "username": prefix + name, "password": password, "firstname": "Learner",
                "lastname": name, "email": f"{prefix}{name}@labpanels.example.org",
                "organization_id": org, "roles": [roles["Researcher"]]})
    return prefix, password


@pytest.fixture
def admin(v6):
    session = Vantage6Session(v6["url"])
    session.login("root", ROOT_PASSWORD)
    until(lambda: session.live, 30, "the admin's live events")
    yield session
    session.close()


def _until(check, timeout: float, what: str, show) -> None:
    """``until``, saying what was there instead when it fails."""
    try:
        until(check, timeout, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; instead: {show()}") from None


def _learner(v6, name: str, password: str) -> Vantage6Session:
    session = Vantage6Session(v6["url"])
    session.login(name, password)
    session.select("PhY-research")
    return session


def test_view_follows_logins_tasks_and_failures(v6, klass, admin):
    prefix, password = klass
    a, b = prefix + "a", prefix + "b"
    view = InstructorView(admin, prefix=prefix, poll=1.0)
    # an event-only roster: its poll is far off, so only live events can make it current
    live_only = ClassRoster(admin, prefix=prefix, poll=600)
    sessions = []
    try:
        until(lambda: {r["learner"] for r in view.rows} == {a, b}, 30, "both learners shown")
        assert all(r["connected"] == "never" and r["seen"] is None for r in view.rows)
        assert {r["reason"] for r in view.rows} == {"not logged in yet"}
        until(lambda: live_only.reads >= 1, 30, "the event-only roster's first read")

        learner_a = _learner(v6, a, password)
        sessions.append(learner_a)
        task = learner_a.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
        learner_a.wait(task, timeout=120)
        # the new task's live events brought it, long before the next poll (600 s)
        until(lambda: (live_only.learners.get(a) or {}).get("tasks") == 1, 30,
              "the task shown through live events")
        until(lambda: (view.row(a) or {}).get("tasks") == 1
              and view.row(a)["running"] == 0, 30, "a's finished task in the view")
        row = view.row(a)
        assert row["seen"] and not row["stuck"] and row["failed"] == 0
        assert row["connected"] == "online"  # a's live connection is up

        failing = learner_a.create_task(AVERAGE, "partial_average",
                                        kwargs={"column_name": "sex"})
        learner_a.wait(failing, timeout=120)
        _until(lambda: (view.row(a) or {}).get("failed") == 1
               and "does not hold numbers" in view.row(a)["reason"], 60,
               "a's failure and its error line", lambda: view.row(a))
        assert view.row(a)["stuck"] and view.row(a)["tasks"] == 2
        view.select(a)
        assert view.detail and all(d["task_id"] == failing["id"] for d in view.detail)
        # every organization's run failed, each with the algorithm's own error line
        assert ({d["organization"] for d in view.detail}
                == set(v6["collaborations"]["PhY-research"]["organizations"]))
        # (vantage6 may mark the runs still going "failed because sibling run … failed")
        assert "'sex' does not hold numbers" in view.detail[0]["error"]
        assert all("'sex' does not hold numbers" in d["error"]
                   or "because sibling run" in d["error"] for d in view.detail)

        view.show_stuck_only(True)  # a failed, b never logged in
        assert {r["learner"] for r in view.rows} == {a, b}
        learner_b = _learner(v6, b, password)  # a login has no event: the poll sees it
        sessions.append(learner_b)
        until(lambda: [r["learner"] for r in view.rows] == [a], 30,
              "only a left as stuck once b logged in")
        assert "1 stuck" in view.summary and "2 learners: 2 logged in" in view.summary

        view.show_stuck_only(False)
        view.sort("failed", descending=True)
        assert [r["learner"] for r in view.shown()] == [a, b]
        view.sort("learner", descending=True)
        assert [r["learner"] for r in view.shown()] == [b, a]

        # the view's own messages: what a click sends
        view._handle_custom_msg({"type": "action", "name": "show_stuck_only",
                                 "args": {"flag": True}}, [])
        assert view.stuck_only
        view._handle_custom_msg({"type": "action", "name": "select",
                                 "args": {"learner": b}}, [])
        assert view.selected == b and view.detail == []
        view._handle_custom_msg({"type": "action", "name": "select",
                                 "args": {"learner": "nobody"}}, [])
        assert view.message_kind == "error" and "No learner called 'nobody'" in view.message

        state = json.dumps(view.get_state(), default=str)
        assert password not in state and ROOT_PASSWORD not in state
    finally:
        roster = view.roster
        view.close()
        live_only.close()
        for session in sessions:
            session.close()
    assert roster.closed and view.followed == 0
    assert roster._thread is not None and not roster._thread.is_alive()


def test_options_are_checked(admin):
    with pytest.raises(TypeError, match="unknown keyword"):
        InstructorView(admin, colums=[])
    with pytest.raises(ValueError, match="poll"):
        ClassRoster(admin, poll=0)
    view = InstructorView(admin, prefix="nobody-has-this-prefix-", poll=30)
    try:
        until(lambda: view.updated_at, 30, "the first read")
        assert view.rows == [] and view.summary == "No learners yet"
        with pytest.raises(ValueError, match="no column"):
            view.sort("age")
    finally:
        view.close()


def test_roster_says_when_the_admin_is_logged_out(v6):
    session = Vantage6Session(v6["url"], live=False)
    roster = ClassRoster(session, follow=False)
    with pytest.raises(Exception, match="log the admin session in"):
        roster.refresh()
    assert "log the admin session in" in roster.last_error


def test_learner_row_reasons():
    import datetime as dt

    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
    user = {"id": 7, "username": "learner07", "last_seen": "2026-12-01T11:59:00",
            "status": "offline"}
    old = {"id": 3, "name": "old", "status": "pending", "created_at": "2026-12-01T11:50:00"}
    row = learner_row(user, [old], {}, now=now, stuck_after=120)
    assert row["stuck"] and row["reason"] == "a task has not finished for 10 min"
    assert row["running"] == 1 and row["connected"] == "offline"
    done = {"id": 4, "name": "new", "status": "completed", "created_at": "2026-12-01T11:59:00"}
    failed = {"id": 5, "name": "bad", "status": "failed", "created_at": "2026-12-01T11:59:30"}
    row = learner_row(user, [failed, done], {5: [{"organization": "GAZEL", "node": "n",
                                                 "status": "failed", "error": "boom"}]},
                      now=now)
    assert row["reason"] == "last task failed: boom" and row["last_error"] == "bad: GAZEL: boom"
    sibling = "Marked as failed because sibling run id=1 failed with status 'failed'."
    row = learner_row(user, [failed], {5: [
        {"organization": "A", "node": "n", "status": "failed", "error": sibling},
        {"organization": "B", "node": "m", "status": "failed", "error": "the real one"}]},
        now=now)
    assert row["reason"] == "last task failed: the real one"
    assert [f["organization"] for f in row["failures"]] == ["B", "A"]
    row = learner_row(user, [done, failed], {}, now=now)  # failed earlier, fine now
    assert not row["stuck"] and row["failed"] == 1
    never = learner_row({"id": 8, "username": "learner08"}, [], {}, now=now)
    assert never["connected"] == "never" and never["reason"] == "not logged in yet"


def test_a_failure_is_read_again_until_it_is_final(v6):
    """A task fails with its first failed run: the others may still run and a log may not
    be in yet; the explanation is read again until it is complete."""
    session = Vantage6Session(v6["url"], live=False)
    answers = [
        [{"status": "failed", "organization": "A", "node": "n", "log": None},
         {"status": "active", "organization": "B", "node": "m", "log": None}],
        [{"status": "failed", "organization": "A", "node": "n", "log": "Error: boom"},
         {"status": "failed", "organization": "B", "node": "m", "log": "Error: bang"}],
    ]
    session.runs = lambda task, include_children=False: answers.pop(0)
    roster = ClassRoster(session, follow=False)
    task = [{"id": 9, "status": "failed"}]
    roster._explain(task)
    assert [f["error"] for f in roster._failures[9]] == [""]
    roster._explain(task)
    assert [f["error"] for f in roster._failures[9]] == ["boom", "bang"]
    roster._explain(task)  # final: not read again (no answer left to give)
    assert 9 in roster._settled


def test_odd_server_data_is_reported_and_the_roster_keeps_following(admin, monkeypatch):
    roster = ClassRoster(admin, prefix="nobody-has-this-prefix-", poll=0.2)
    try:
        until(lambda: roster.reads >= 1, 30, "the first read")
        real = admin.fetch
        monkeypatch.setattr(admin, "fetch", lambda *a, **k: {}["missing"])  # a KeyError
        until(lambda: any("reading the class failed: KeyError" in e for e in roster.errors),
              10, "the failure reported")
        reads = roster.reads
        monkeypatch.setattr(admin, "fetch", real)
        until(lambda: roster.reads > reads, 10, "reads again once the data is sound")
        assert roster._thread.is_alive()
    finally:
        roster.close()
