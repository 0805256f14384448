"""TaskList against the real server and simulated nodes: every page of a collaboration's
tasks, search by id and name, the status filter, live status without a refresh, the
task → runs → subtasks tree with logs, kill (as a collaboration admin, and refused in
words for a researcher), repeat, JSON/CSV downloads written atomically, and close()."""

from __future__ import annotations

import io
import json
import os
import uuid

import pandas as pd
import pytest

from labpanels.errors import InvalidArgument, PermissionDenied
from labpanels.vantage6 import Vantage6Session
from labpanels.vantage6.columns import is_column_request
from labpanels.widgets import TaskList
from labpanels.widgets.task_list import write_atomic
from tests.lifecycle import observers
from tests.waiting import until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"
RESEARCHER, ADMIN = "PhY24-rs1", "PhY24-admin"


def _login(v6, user: str, *, live: bool) -> Vantage6Session:
    session = Vantage6Session(v6["url"], live=live)
    session.login(user, v6["users"][user]["password"])
    return session


@pytest.fixture(scope="module")
def live(v6):
    """The researcher with live events (closing them takes seconds: once per module)."""
    session = _login(v6, RESEARCHER, live=True)
    until(lambda: session.live, what="live events")
    yield session
    session.close()


@pytest.fixture
def research(live):
    live.select("PhY-research")
    live.page_size = 1000
    return live


def _act(panel, name, **args):
    """What the view sends when a chip, a row, a tree item or a button is used."""
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])


def _org_ids(v6, collaboration: str) -> list[int]:
    return sorted(v6["organizations"][o]["id"]
                  for o in v6["collaborations"][collaboration]["organizations"])


def test_every_page_search_by_id_and_name_and_status_filter(v6, research):
    tag = uuid.uuid4().hex[:8]
    done = [research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                                 name=f"tl-{tag}-age-{i}") for i in range(2)]
    failing = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "sex"},
                                   name=f"tl-{tag}-sex")
    for task in (*done, failing):
        research.wait(task)
    research.page_size = 2  # the server's pages are small: the list must read them all
    pages = []
    hook = lambda r, *a, **k: pages.append(r.request.url)  # noqa: E731
    research.http.session.hooks["response"].append(hook)
    try:
        tasks = TaskList(research)
    finally:
        research.http.session.hooks["response"].remove(hook)
    task_pages = [u for u in pages if "/api/task?" in u and "page=" in u]
    expected = {t["id"] for t in research.tasks("PhY-research", user_created=True)
                if not is_column_request(t)}  # the server's own column requests: not listed
    assert len(expected) > 2 and len(task_pages) >= -(-len(expected) // 2)
    assert {r["id"] for r in tasks.rows} == expected  # every page, top-level tasks only
    assert [r["id"] for r in tasks.shown] == sorted(expected, reverse=True)  # newest first
    assert tasks.title == "Tasks of PhY-research"
    row = next(r for r in tasks.rows if r["id"] == failing["id"])
    assert row["status"] == "failed" and row["created_at"] and row["name"] == f"tl-{tag}-sex"

    # by id: digits find the id (and names holding them), "#id" only that task
    found = tasks.search(str(failing["id"]))
    assert failing["id"] in [r["id"] for r in found]
    assert all(r["id"] == failing["id"] or str(failing["id"]) in r["name"] for r in found)
    assert [r["id"] for r in tasks.search(f"#{failing['id']}")] == [failing["id"]]
    # by name, as the search box sends it
    _act(tasks, "search", query=f"TL-{tag}")
    assert tasks.query == f"TL-{tag}"
    assert {r["id"] for r in tasks.shown} == {t["id"] for t in (*done, failing)}
    # the status filter, with the search
    _act(tasks, "filter_status", status="failed")
    assert tasks.status_filter == "failed"
    assert [r["id"] for r in tasks.shown] == [failing["id"]]
    assert tasks.counts == {"all": 3, "running": 0, "completed": 2, "failed": 1, "killed": 0}
    assert {r["id"] for r in tasks.filter_status("completed")} == {t["id"] for t in done}
    with pytest.raises(InvalidArgument, match="choose one of all, running, completed"):
        tasks.filter_status("broken")
    _act(tasks, "filter_status", status="broken")  # from the view: said in words
    assert tasks.message_kind == "error" and "No status filter 'broken'" in tasks.message
    tasks.search("")
    tasks.filter_status("all")
    assert len(tasks.shown) == len(expected)
    # a finished task's end time is read in the background (the server gives none for
    # failed tasks): the list shows it once known
    until(lambda: next(r for r in tasks.rows if r["id"] == failing["id"])["finished_at"],
          15, "finished time of the failed task")
    with pytest.raises(TypeError, match="unknown keyword argument"):
        TaskList(research, colums=[])
    tasks.close()


def test_status_is_live_without_a_refresh(v6, research):
    tasks = TaskList(research)
    refreshes = []
    tasks.refresh = lambda *a, **k: refreshes.append(1)  # any refresh would show here
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})

    def row():
        return next((r for r in tasks.rows if r["id"] == task["id"]), None)

    until(lambda: row() is not None, 10, "the new task listed")
    until(lambda: row()["status"] == "completed", 30, "the task listed as completed")
    entry = research.task_state[task["id"]]
    assert row()["status"] == entry["status"]  # what the session knows, not a copy
    assert row()["finished_at"] == entry["finished_at"] and row()["runs"] == "4/4"
    assert refreshes == []
    tasks.close()


def test_tree_of_runs_and_subtasks_with_logs(v6, research):
    tasks = TaskList(research)
    mine = research.organization["id"]
    task = research.create_task(AVERAGE, "central_average", kwargs={"column_name": "age"},
                                organizations=[mine])
    research.wait(task)
    _act(tasks, "open_task", task=task["id"])  # Enter on its row
    tasks.join(30)
    until(lambda: len(tasks.tree) == 7, 15, "task, its run, the subtask and its 4 runs")
    tree = tasks.tree
    root, run, sub, *runs = tree
    child = research.children(task)[0]
    assert (root["kind"], root["ref"], root["level"], root["parent"]) == (
        "task", task["id"], 0, None)
    assert (run["kind"], run["parent"], run["level"]) == ("run", root["id"], 1)
    assert run["organization"] == research.organization["name"]
    # the subtask hangs under the run of the organization that created it
    assert (sub["kind"], sub["ref"], sub["parent"], sub["level"]) == (
        "task", child["id"], run["id"], 2)
    assert sub["label"].startswith(f"Subtask {child['id']}")
    assert [r["parent"] for r in runs] == [sub["id"]] * 4 and {r["level"] for r in runs} == {3}
    names = {o["name"] for o in research.organizations("PhY-research")}
    assert {r["organization"] for r in runs} == names
    assert {n["status"] for n in tree} == {"completed"}
    assert tasks.detail["id"] == task["id"] and tasks.detail["subtasks"] == 1
    assert tasks.detail["image"] == AVERAGE and not tasks.detail["can_kill"]
    assert tasks.detail["finished_at"] and tasks.detail["runs"] == "5 of 5 runs finished"
    # each run's log, a subtask's too
    _act(tasks, "show_log", run_id=runs[0]["ref"])
    tasks.join(10)
    assert tasks.log_run == runs[0]["ref"]
    assert f"subtask {child['id']}" in tasks.log_title
    assert runs[0]["organization"] in tasks.log_title
    shown = tasks.show_log(run["ref"])
    assert tasks.log_lines == shown["log"].splitlines()
    with pytest.raises(InvalidArgument, match="is not a run of the open task"):
        tasks.show_log(10**7)
    # a failed task's log has its error line marked
    failing = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "sex"})
    research.wait(failing)
    tasks.open_task(failing["id"])
    tasks.join(15)
    # the server marks the other runs failed "because sibling run … failed" once one
    # fails: which run failed on its own depends on timing, so every run's log is read
    marked_lines = []
    for failed_run in (n for n in tasks.tree if n["kind"] == "run"):
        tasks.show_log(failed_run["ref"])
        marked_lines += [tasks.log_lines[i] for i in tasks.log_highlight]
    assert any("does not hold numbers" in line for line in marked_lines), marked_lines
    assert tasks.open_task(None) == [] and tasks.tree == [] and tasks.detail == {}
    tasks.close()


def test_kill_as_admin_and_a_researchers_refusal_in_words(v6):
    admin = _login(v6, ADMIN, live=False)
    researcher = _login(v6, RESEARCHER, live=False)
    as_admin = as_researcher = None
    try:
        admin.select("GHT_consortium")
        researcher.select("GHT_consortium")
        hermes = v6["organizations"]["HERMES_organization"]["id"]  # its node never runs
        task = admin.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                                 organizations=[hermes], name="tl-stuck")
        as_researcher = TaskList(researcher)
        as_admin = TaskList(admin)
        assert task["id"] in {r["id"] for r in as_researcher.rows}
        as_researcher.open_task(task["id"])
        assert as_researcher.detail["can_kill"]
        with pytest.raises(PermissionDenied, match=f"you may not kill task {task['id']}"):
            as_researcher.kill()
        _act(as_researcher, "kill", task=task["id"])  # the Kill button
        as_researcher.join(10)
        assert as_researcher.message_kind == "error"
        assert as_researcher.message.startswith(
            f"The server refused: you may not kill task {task['id']}")
        assert "collaboration administrator" in as_researcher.message
        assert "Traceback" not in as_researcher.message
        assert researcher.task_state[task["id"]]["status"] == "pending"

        _act(as_admin, "open_task", task=task["id"])
        _act(as_admin, "kill", task=task["id"])
        as_admin.join(10)
        assert as_admin.message_kind == "ok", as_admin.message

        def killed() -> bool:
            row = next(r for r in as_admin.rows if r["id"] == task["id"])
            runs = [n for n in as_admin.tree if n["kind"] == "run"]
            return (row["status"] == "killed by user" and row["finished_at"] and runs
                    and {n["status"] for n in runs} == {"killed by user"})

        until(killed, 15, "the task and its run killed by user")
        assert not as_admin.detail["can_kill"] and as_admin.filter_status("killed")
        with pytest.raises(InvalidArgument, match="already ended"):
            as_admin.kill(task["id"])
    finally:
        for panel in (as_admin, as_researcher):
            if panel is not None:
                panel.close()
        admin.close()
        researcher.close()


def test_repeat_gives_the_builder_its_form(v6, research):
    tasks = TaskList(research)
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"},
                                name="tl-repeat-me", description="pooled age\nfor the lesson")
    got = []
    tasks.on_repeat(got.append)
    tasks.open_task(task["id"])
    _act(tasks, "repeat")  # the Repeat button repeats the open task
    tasks.join(15)
    expected = {"image": AVERAGE, "method": "partial_average",
                "arguments": {"column_name": "age"},
                "organizations": _org_ids(v6, "PhY-research"), "databases": ["default"],
                "name": "tl-repeat-me", "description": "pooled age\nfor the lesson",
                "collaboration": research.collaboration["id"]}
    assert got == [expected]  # the marker labpanels adds to descriptions is gone
    assert tasks.last_repeat == expected and "task builder" in tasks.message
    tasks.on_repeat(got.append, remove=True)
    assert tasks.repeat(task["id"]) == expected and len(got) == 1
    other = TaskList(research)
    with pytest.raises(InvalidArgument, match="open a task first"):
        other.repeat()
    other.close()
    research.wait(task)
    tasks.close()


def test_downloads_as_json_and_csv_written_atomically(v6, research, tmp_path):
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    research.wait(task)
    tasks = TaskList(research)
    tasks.open_task(task)
    orgs = {o["name"] for o in research.organizations("PhY-research")}

    results = json.loads(tasks.export("results", "json"))
    assert {r["organization"] for r in results} == orgs
    assert all(set(r["result"]) == {"sum", "count"} for r in results)
    table = pd.read_csv(io.StringIO(tasks.export("results", "csv")))
    assert set(table["organization"]) == orgs and len(table) == 4
    by_org = {r["organization"]: r["result"]["sum"] for r in results}
    assert all(by_org[o] == pytest.approx(s) for o, s in zip(table["organization"],
                                                             table["sum"], strict=True))
    inputs = json.loads(tasks.export("input", "json"))
    assert {i["organization"] for i in inputs} == orgs
    assert all(i["method"] == "partial_average" and i["kwargs"] == {"column_name": "age"}
               and i["args"] == [] for i in inputs)
    frame = pd.read_csv(io.StringIO(tasks.export("input", "csv")))
    assert list(frame.columns) == ["task_id", "run_id", "organization_id", "organization",
                                   "method", "column_name"]
    assert set(frame["column_name"]) == {"age"} and set(frame["task_id"]) == {task["id"]}

    sent = []
    tasks.send = lambda content, buffers=None: sent.append((content, buffers))
    _act(tasks, "download", what="results", fmt="csv")  # the Results CSV button
    tasks.join(15)
    (content, buffers), = sent
    assert content == {"type": "file", "filename": f"task-{task['id']}-results.csv",
                       "mime": "text/csv"}
    assert bytes(buffers[0]).decode() == tasks.export("results", "csv")
    assert tasks.export("results", "csv") not in json.dumps(tasks.get_state(), default=str)
    path = tasks.download("input", "json", path=tmp_path)
    assert path == str(tmp_path / f"task-{task['id']}-input.json")
    assert json.loads((tmp_path / f"task-{task['id']}-input.json").read_text()) == inputs
    assert sorted(os.listdir(tmp_path)) == [f"task-{task['id']}-input.json"]  # no leftovers
    with pytest.raises(InvalidArgument, match="json or csv"):
        tasks.export("results", "xlsx")
    tasks.close()


def test_write_atomic_never_leaves_half_a_file(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    write_atomic(target, b"old,complete\n")

    def broken(*_a):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old,complete\n"  # what was there stays whole
    assert os.listdir(tmp_path) == ["results.csv"]  # and no temporary file is left


def test_close_releases_observers_and_work(v6, research):
    until(lambda: not research.busy, what="session idle")
    before = observers(research)
    tasks = TaskList(research)
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    tasks.open_task(task["id"])
    tasks.on_repeat(lambda form: None)
    assert observers(research) > before and tasks.followed > 0
    tasks.close()
    assert observers(research) == before and tasks.followed == 0 and tasks.closed
    assert tasks._repeat_callbacks == []
    rows = list(tasks.rows)
    research.wait(task)  # the session goes on; the closed list does not follow it
    assert tasks.rows == rows
    tasks.close()  # twice is fine


def test_the_servers_column_requests_are_not_listed(v6, research):
    """``session.columns()`` makes the server create a task per node (get_column_names, on
    the basic processing image): a researcher never made it, the list leaves it out."""
    answer = research.columns(refresh=True)
    assert answer["answered"] >= 1, answer
    made = [t for t in research.tasks() if t["name"] == "get_column_names"]
    assert made, "the server made no column task"
    tasks = TaskList(research)
    try:
        tasks.refresh()
        assert not {t["id"] for t in made} & {r["id"] for r in tasks.rows}
        assert tasks.rows  # the researcher's own tasks are still there
    finally:
        tasks.close()
