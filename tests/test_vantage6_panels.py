"""The task builder, job progress, result viewer and dashboard, driven as a user would
(trait changes, button clicks, front-end messages) against the real local platform."""

from __future__ import annotations

import base64
import io
import json
import math
import threading
import time

import ipywidgets as w
import pandas as pd
import pytest

from labpanels.demo.data import load_csv
from labpanels.demo.scenario import WORKSHOP
from labpanels.errors import ConnectionFailed, PermissionDenied
from labpanels.vantage6 import UserClient, Vantage6Session, catalogue
from labpanels.widgets import (
    CollaborationBrowser,
    JobProgress,
    LoginPanel,
    NodeStatusTable,
    ResultViewer,
    TaskBuilder,
    TaskList,
    Vantage6Dashboard,
)
from tests.v6_sessions import researcher
from tests.waiting import until as _until

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"
EVIL = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def session(v6):
    """A logged-in session without live events (the panels then poll)."""
    with researcher(v6, collaboration=None) as s:
        yield s


@pytest.fixture
def research(session):
    session.select("PhY-research")
    return session


@pytest.fixture(scope="module")
def _live(v6):
    s = Vantage6Session(v6["url"])
    s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    yield s
    s.close()  # closing the live connection takes a few seconds: once per module


@pytest.fixture
def live_research(_live):
    """A logged-in session with live events up, in PhY-research."""
    _live.select("PhY-research")
    _until(lambda: _live.live, what="live events")
    return _live


def _org_id(v6, name):
    return v6["organizations"][name]["id"]


def _task_count(session, collaboration="PhY-research"):
    return len(session.tasks(collaboration))


def _inputs(session, task_id):
    """organization id -> decoded input of each run of a task."""
    return {r["organization"]["id"]: json.loads(base64.b64decode(r["input"]))
            for r in session.fetch("run", task_id=task_id)}


def _widgets(root):
    """Every widget under ``root`` (children, and the panels' own attributes)."""
    seen, todo = [], [root]
    while todo:
        widget = todo.pop()
        if any(widget is s for s in seen):
            continue
        seen.append(widget)
        todo.extend(getattr(widget, "children", ()) or ())
        todo.extend(v for v in vars(widget).values() if isinstance(v, w.Widget))
    return seen


def _expected_sums(v6, column):
    orgs = v6["collaborations"]["PhY-research"]["organizations"]
    return {o: load_csv(WORKSHOP.organization(o).data)[column] for o in orgs}


# -- the catalogue ------------------------------------------------------------------------
def test_the_store_describes_the_demo_images(research):
    fn = research.algorithm(AVERAGE + ":latest").function("partial_average")
    assert not fn.central and [(a.name, a.type, a.required) for a in fn.arguments] == [
        ("column_name", "column", True)]
    central = research.algorithm("harbor2.vantage6.ai/demo/summary").function(
        "central_summary")
    assert central.central and [a.name for a in central.arguments] == [
        "columns", "organizations", "min_count"]
    assert central.kwargs({"columns": ["age"], "min_count": "5"}) == {"columns": ["age"]}
    with pytest.raises(ValueError, match="give a value for column_name"):
        fn.kwargs({})
    with pytest.raises(ValueError, match="min_count must be a whole number"):
        central.kwargs({"min_count": "many"})
    added = catalogue.register(catalogue.Algorithm("ghcr.io/me/count:1.0", "Count", [
        catalogue.Function("partial_count", "rows", [catalogue.Argument("flag", "bool", False)])]))
    assert catalogue.algorithm("ghcr.io/me/count") is added
    assert research.algorithm("ghcr.io/me/count") is added  # no store describes it


# -- TaskBuilder -------------------------------------------------------------------------
def _click(builder: TaskBuilder) -> None:
    """Submit pressed in the view: the action message it sends."""
    builder._handle_custom_msg({"type": "action", "name": "submit", "args": {}}, [])


def test_builder_preselects_online_organizations_and_flags_offline(v6, session):
    builder = TaskBuilder(session)
    session.select("GHT_consortium")
    builder.join()  # the organizations are read on the builder's worker
    labels = dict(builder.organization_options)
    hermes = _org_id(v6, "HERMES_organization")
    assert labels["HERMES_organization (offline)"] == hermes
    online = {_org_id(v6, o) for o in ("GHT-consortium", "PhY24-consortium",
                                       "CANTABRIA_organization")}
    assert set(builder.organizations) == online
    assert "GHT_consortium" in builder.header
    # a central function runs at ONE organization (the image named: another test may have
    # registered an image of its own, which the builder could offer first)
    builder.set(image="harbor2.vantage6.ai/demo/average", method="central_average")
    assert builder.organizations == [session.organization["id"]]
    builder.set(method="partial_average")
    assert set(builder.organizations) == online


def test_another_collaboration_clears_the_last_ones_organizations_at_once(v6, session):
    """While the new collaboration's organizations are read (the worker is busy here), the
    form offers, checks and sends none of the last one's: it is not ready instead."""
    session.select("GHT_consortium")
    builder = TaskBuilder(session)
    builder.set(image="harbor2.vantage6.ai/demo/average", method="partial_average",
                kwargs={"column_name": "age"})
    ght = set(builder.organizations)
    assert _org_id(v6, "GHT-consortium") in ght and builder.not_ready == ""
    gate = threading.Event()
    builder.later(gate.wait, 20)  # the worker is held: the new collaboration is not read yet
    try:
        session.select("PhY-research")
        assert builder.organizations == [] and builder.organization_choices == []
        waiting = "The organizations of PhY-research are not read yet"
        assert builder.not_ready == waiting
        assert builder.dispatch({"type": "action", "name": "review", "args": {}})
        assert builder.step == "form"  # Review pressed: refused, with the reason
        assert builder.message.rstrip(".") == waiting
    finally:
        gate.set()
    builder.join()
    phy = {_org_id(v6, o) for o in ("CANTABRIA_organization", "LIFELINES_organization",
                                     "GAZEL_organization", "PhY24-consortium")}
    assert set(builder.organizations) == phy and builder.not_ready == ""
    # code that fills the form right after choosing need not wait for the worker
    held = threading.Event()
    builder.later(held.wait, 20)
    try:
        session.select("GHT_consortium")
        builder.set(organizations=[_org_id(v6, "GHT-consortium")])
        assert builder.organizations == [_org_id(v6, "GHT-consortium")]
    finally:
        held.set()
    builder.join()  # the worker's read of GHT_consortium kept that choice
    assert builder.organizations == [_org_id(v6, "GHT-consortium")]
    builder.close()


def _node_goes(session, builder, org_id: int, status: str) -> None:
    """A node's status changes as the server's live events report it."""
    node_id = next(o["node_id"] for o in builder._orgs if o["id"] == org_id)
    row = dict(session.node_status.get(node_id) or {"id": node_id})
    session.node_status = {**session.node_status, node_id: {**row, "status": status}}


def test_builder_follows_nodes_until_the_user_chooses(v6, session):
    builder = TaskBuilder(session)
    session.select("GHT_consortium")
    builder.join()
    hermes = _org_id(v6, "HERMES_organization")
    online = set(builder.organizations)
    assert hermes not in online

    _node_goes(session, builder, hermes, "online")  # untouched form: HERMES joins
    assert set(builder.organizations) == online | {hermes}
    assert "HERMES_organization" in dict(builder.organization_options)
    _node_goes(session, builder, hermes, "offline")  # and leaves when its node goes
    assert set(builder.organizations) == online
    assert "HERMES_organization (offline)" in dict(builder.organization_options)

    mine = [session.organization["id"]]
    builder.set_value("organizations", mine)  # the user's own choice is kept
    _node_goes(session, builder, hermes, "online")
    assert builder.organizations == mine
    assert "HERMES_organization" in dict(builder.organization_options)


def test_switching_function_keeps_the_shared_arguments(research):
    builder = TaskBuilder(research)
    builder.set(method="partial_average")
    builder.set_value("arg:column_name", "age")  # typed in the field
    builder.set_value("method", "central_average")  # chosen in the list
    # a new form ...
    assert [a["name"] for a in builder.arguments] == ["column_name", "organizations"]
    assert builder.argument_values["column_name"] == "age"  # ... with the column kept
    assert builder.kwargs() == {"column_name": "age"}
    builder.set_value("method", "partial_average")
    assert builder.kwargs() == {"column_name": "age"}


def test_view_actions_are_checked_and_errors_sit_by_their_fields(research):
    builder = TaskBuilder(research)

    def act(name, **args):
        builder._handle_custom_msg({"type": "action", "name": name, "args": args}, [])

    act("set_value", field="method", value="partial_average")
    assert builder.field_errors == {"arg:column_name": "Give a value for column_name"}
    assert builder.not_ready.startswith("Give a value for column_name")
    act("set_value", field="arg:column_name", value="age")
    assert builder.field_errors == {} and builder.not_ready == ""
    act("set_value", field="organizations", value=[])
    assert builder.field_errors == {"organizations": "Choose at least one organization"}
    assert builder.not_ready == "Choose at least one organization"
    act("set_value", field="session", value="x")  # not a field: said, nothing changes
    assert builder.message_kind == "error" and "no field 'session'" in builder.message
    last = research.last_task
    act("close")  # not actions the view may call: ignored
    act("_create", raise_errors=True)
    assert not builder.closed and research.last_task == last
    act("set_value", field="json_mode", value=True)
    assert builder.json_mode and builder.arguments == []
    assert json.loads(builder.json_text) == {"column_name": "age"}
    act("set_value", field="json_text", value='{"column_name": 5}')
    assert builder.field_errors["json_text"] == ("Column_name must be a column name (text), "
                                                 "not 5 (int)")
    builder.close()


def test_typed_form_and_code_view_for_partial_average(v6, research):
    builder = TaskBuilder(research)
    assert builder.image == AVERAGE
    assert [f["name"] for f in builder.functions] == ["partial_average", "central_average"]
    assert builder.method == "partial_average"
    assert [a["name"] for a in builder.arguments] == ["column_name"]
    assert builder.arguments[0]["type"] == "column" and builder.columns == []
    builder.load_columns()  # what focusing the column field asks: the nodes' columns
    assert "age" in builder.columns and builder.columns_note == "Columns from 4 of 4 nodes"
    assert not builder.json_mode and builder.json_available
    assert builder.field_errors["arg:column_name"] == "Give a value for column_name"
    assert builder.not_ready.startswith("Give a value for column_name")
    assert builder.code_text.startswith("# Not ready yet: Give a value for column_name")
    builder.set_value("arg:column_name", "age")  # as typing in the field does
    assert builder.field_errors == {} and builder.not_ready == ""
    ids = sorted(_org_id(v6, o) for o in v6["collaborations"]["PhY-research"]["organizations"])
    names = {o["id"]: o["name"] for o in research.organizations("PhY-research")}
    shown = [i for _, i in builder.organization_options]
    assert sorted(shown) == ids
    code = builder.code_text
    assert code == "\n".join([
        "task = client.task.create(",
        f"    collaboration={research.collaboration['id']},  # PhY-research",
        f"    organizations={shown!r},  # {', '.join(names[i] for i in shown)}",
        f"    name={builder.name!r},",
        f"    image='{AVERAGE}',",
        "    description='',",
        "    input_={'method': 'partial_average', 'kwargs': {'column_name': 'age'}},",
        "    databases=[{'label': 'default'}],",
        ")"])
    builder.description = "mean age"
    assert "description='mean age'" in builder.code_text

    task = builder.submit()
    client = UserClient(v6["url"], session=research)
    scope = {"client": client}
    exec(builder.code_text.replace(builder.name, "from the code view"), scope)
    by_code = scope["task"]
    assert by_code["image"] == task["image"] == AVERAGE
    # the session adds a submission marker line under the description (to find a task
    # whose answer was lost)
    assert by_code["description"].splitlines()[0] == "mean age"
    assert _inputs(research, by_code["id"]) == _inputs(research, task["id"])
    assert set(_inputs(research, task["id"])) == set(ids)
    assert all(v == {"method": "partial_average", "args": [],
                     "kwargs": {"column_name": "age"}}
               for v in _inputs(research, task["id"]).values())
    assert research.fetch_one(f"task/{by_code['id']}")["databases"][0]["label"] == "default"


def test_two_quick_clicks_send_one_task(research):
    builder = TaskBuilder(research).set(method="partial_average",
                                        kwargs={"column_name": "bmi"})
    before = _task_count(research)
    calls = []
    real = research.create_task

    def counting(*args, **kwargs):
        calls.append(kwargs)
        time.sleep(0.3)  # a slow server: the second click arrives while sending
        return real(*args, **kwargs)

    research.create_task = counting
    try:
        _click(builder)
        assert builder.sending
        _click(builder)
        assert builder.submit() is None  # a plain call while sending does nothing either
        builder.join(10)
        _click(builder)  # a click queued behind the first one: ignored too
        builder.join(10)
    finally:
        del research.create_task
    assert len(calls) == 1
    assert _task_count(research) == before + 1
    assert not builder.sending
    assert research.last_task["name"] == calls[0]["name"]
    assert builder.message_kind == "ok" and f"Task {research.last_task['id']}" in \
        builder.message
    assert builder.name != calls[0]["name"]  # the next task gets a fresh name


def test_clicks_on_other_threads_and_submit_send_one_task(research):
    """JupyterLab with ipykernel 7 runs widget messages on a kernel subshell: clicks can
    arrive on another thread while a cell calls submit()."""
    builder = TaskBuilder(research).set(method="partial_average",
                                        kwargs={"column_name": "age"})
    calls = []
    real = research.create_task

    def counting(*args, **kwargs):
        calls.append(kwargs)
        time.sleep(0.2)
        return real(*args, **kwargs)

    research.create_task = counting
    start = threading.Barrier(5)

    def click() -> None:
        start.wait()
        _click(builder)

    clickers = [threading.Thread(target=click) for _ in range(4)]
    try:
        for t in clickers:
            t.start()
        start.wait()
        builder.submit()
        for t in clickers:
            t.join(10)
        builder.join(10)
    finally:
        del research.create_task
    assert len(calls) == 1
    assert not builder.sending and not builder.sending


def test_json_editor_checks_before_sending(research, monkeypatch):
    builder = TaskBuilder(research)
    builder.set(image="ghcr.io/example/unknown-image")
    assert builder.functions == [] and builder.method == ""
    assert builder.arguments == [] and not builder.json_available
    builder.set(method="partial_thing")
    sent = []
    monkeypatch.setattr(research, "create_task", lambda *a, **k: sent.append(k))
    builder.json_text = "{column_name: age}"
    assert builder.code_text.startswith("# Not ready yet: The arguments are not valid "
                                              "JSON")
    _click(builder)
    builder.join(10)
    assert builder.message_kind == "error"
    assert builder.message.startswith("The arguments are not valid JSON: Expecting "
                                            "property name enclosed in double quotes at line 1")
    builder.json_text = '["age"]'
    assert builder.submit() is None
    assert builder.message == ('The arguments must be a JSON object, e.g. '
                                     '{"column_name": "age"}')
    assert sent == []
    builder.json_text = '{"column_name": "age"}'
    assert "input_={'method': 'partial_thing', 'kwargs': {'column_name': 'age'}}" in \
        builder.code_text
    # a catalogued function can be edited as JSON too, and is still checked
    builder.set(image=AVERAGE, method="partial_average", kwargs={"column_name": "bmi"})
    builder.json_mode = True
    assert json.loads(builder.json_text) == {"column_name": "bmi"}
    builder.json_text = '{"column": "age"}'
    assert builder.submit() is None
    assert builder.message == ("The function partial_average has no argument "
                                     "'column'; its arguments: column_name")
    assert sent == []
    builder.json_text = '{"column_name": "weight_kg"}'
    builder.json_mode = False  # back to the form, which takes the JSON's values
    assert builder.argument_values["column_name"] == "weight_kg"
    assert "'kwargs': {'column_name': 'weight_kg'}" in builder.code_text


def test_encrypted_collaboration_without_key_is_one_sentence(research):
    before = _task_count(research, "PhY-secure")
    research.select("PhY-secure")
    builder = TaskBuilder(research).set(kwargs={"column_name": "age"})
    assert "encrypted: load your organization's private key" in builder.header
    assert builder.submit() is None
    assert builder.message_kind == "error"
    assert builder.message == ("PhY-secure is encrypted: load your organization's "
                                     "private key first (session.load_private_key(path))")
    assert "\n" not in builder.message and "Traceback" not in builder.message
    assert _task_count(research, "PhY-secure") == before


@pytest.mark.parametrize("error, sentence", [
    (ConnectionFailed("POST", "http://x/api/task", "connection refused"),
     "Cannot reach the server (connection refused). Check the URL and that it is running."),
    (PermissionDenied(401, "POST", "http://x/api/task", "your role on this server does not "
                      "allow this", None),
     "The server refused: your role on this server does not allow this"),
])
def test_server_errors_are_one_sentence(research, monkeypatch, error, sentence):
    builder = TaskBuilder(research).set(kwargs={"column_name": "age"})

    def refuse(*_a, **_k):
        raise error

    monkeypatch.setattr(research, "create_task", refuse)
    _click(builder)
    builder.join(10)
    assert builder.message == sentence
    with pytest.raises(type(error)):
        builder.submit(raise_errors=True)


# -- JobProgress -------------------------------------------------------------------------
def test_progress_follows_partial_average_to_completion(v6, live_research):
    research = live_research
    events = research.event_count
    progress = JobProgress(research)
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    assert progress.task_id == task["id"]  # follows session.last_task
    progress.wait(30)
    assert progress.fraction == 1.0 and progress.finished
    assert progress.status == "completed"
    orgs = v6["collaborations"]["PhY-research"]["organizations"]
    assert sorted(s["organization"] for s in progress.segments) == sorted(orgs)
    assert {s["status"] for s in progress.segments} == {"completed"}
    assert progress.counts == {"completed": 4} and (progress.done, progress.total) == (4, 4)
    assert progress.title == f"Task {task['id']}: {task['name']}"
    assert progress.elapsed > 0 and progress.finished_at
    assert research.event_count > events
    # drawn from the session's task state: the same status, runs and counts
    entry = research.task_state[task["id"]]
    assert progress.status == entry["status"] and progress.total == entry["total"]
    assert all("log" not in s for s in progress.segments)
    progress.close()


def test_progress_includes_subtask_runs_of_central_average(research):
    task = research.create_task(AVERAGE, "central_average", kwargs={"column_name": "age"},
                                organizations=[research.organization["id"]])
    progress = JobProgress(research, task["id"])
    assert not progress.follow_last
    progress.wait(30)
    segments = progress.segments
    assert len(segments) == 5
    assert segments[0]["task_id"] == task["id"] and not segments[0]["subtask"]
    child = research.children(task)[0]["id"]
    assert all(s["subtask"] and s["task_id"] == child for s in segments[1:])
    assert [s["organization"] for s in segments[1:]] == sorted(s["organization"]
                                                              for s in segments[1:])
    assert {s["status"] for s in segments} == {"completed"} and progress.fraction == 1.0
    research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    assert progress.task_id == task["id"]  # given a task: it does not follow others
    progress.close()


# -- ResultViewer ------------------------------------------------------------------------
def _act(panel, name, **args):
    """What the view sends when a row, tab or button is chosen."""
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])


def test_results_one_row_per_organization_and_csv_download(v6, research):
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "age"})
    research.wait(task)
    viewer = ResultViewer(research, follow=False)
    assert viewer.tasks[0][:3] == [task["id"], task["name"], "completed"]  # newest first
    assert viewer.tasks[0][3] == "ok"
    _act(viewer, "show", task=task["id"])  # as choosing its row in the task list does
    viewer.join(30)
    assert viewer.task_id == task["id"]
    table = viewer.table
    expected = _expected_sums(v6, "age")
    assert sorted(table["organization"]) == sorted(expected)
    for _, row in table.iterrows():
        assert row["count"] == len(expected[row["organization"]])
        assert math.isclose(row["sum"], expected[row["organization"]].sum())
    assert viewer.tab_titles[0] == "All organizations"
    assert sorted(viewer.tab_titles[1:]) == sorted(expected)
    assert "organization_id" not in viewer.columns and "run_id" not in viewer.columns
    org = viewer.columns.index("organization")
    assert len(viewer.rows) == len(expected)
    assert {r[org] for r in viewer.rows} == set(expected)
    assert all(isinstance(r, list) for r in viewer.rows)  # rows as lists, names sent once
    assert "completed" in viewer.status_text and viewer.status_kind == "ok"
    _act(viewer, "select_tab", index=2)
    assert viewer.tab == 2
    with pytest.raises(ValueError):
        viewer.select_tab(len(viewer.tab_titles))

    csv = viewer.csv()
    back = pd.read_csv(io.StringIO(csv))
    assert list(back["organization"]) == list(table["organization"])
    assert list(back["sum"]) == list(table["sum"])
    sent = []
    viewer.send = lambda content, buffers=None: sent.append((content, buffers))
    assert viewer.can_download
    _act(viewer, "download_csv")  # the button's click
    (content, buffers), = sent
    assert content == {"type": "file", "filename": f"task-{task['id']}-results.csv",
                       "mime": "text/csv"}
    assert bytes(buffers[0]).decode() == csv
    state = json.dumps(viewer.get_state(), default=str)
    assert csv not in state  # the file travels by message only
    assert viewer.failed_rows == [] and viewer.log_lines == []
    _act(viewer, "close")  # not an action: ignored
    assert not viewer.closed
    viewer.close()


def test_results_list_failed_runs_with_the_error_line(live_research):
    from labpanels.widgets.results import FAILED_COLUMNS

    research = live_research
    viewer = ResultViewer(research)
    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "sex"})
    research.wait(task)
    viewer.join(30)  # it followed session.last_task and loaded when the task finished
    assert viewer.task_id == task["id"] and viewer.tasks[0][0] == task["id"]
    assert viewer.table.empty and not viewer.can_download
    assert FAILED_COLUMNS[1] == "error"  # the error first: what to read first
    rows = [dict(zip(FAILED_COLUMNS, r, strict=True)) for r in viewer.failed_rows]
    orgs = {o["name"] for o in research.organizations("PhY-research")}
    assert {r["organization"] for r in rows} == orgs
    assert all(r["node"] and r["status"] == "failed" for r in rows), rows
    errors = [r["error"] for r in rows]
    # a run still waiting when a sibling failed is failed by the server, with its reason
    assert all(e.startswith("Column 'sex' does not hold numbers") or "sibling run" in e
               for e in errors), errors
    column = [r["id"] for r in rows if r["error"].startswith("Column 'sex' does not hold")]
    assert column, errors
    shown = viewer.log_run  # a log that says what went wrong is shown first
    assert shown in column
    other = next((i for i in column if i != shown), shown)
    _act(viewer, "show_log", run_id=other)  # choosing a row shows its log
    assert viewer.log_run == other
    run = next(r for r in viewer.failed if r["id"] == other)
    assert run["organization"] in viewer.log_title and run["node"] in viewer.log_title
    (marked,) = viewer.log_highlight
    assert viewer.log_lines[marked].strip() == "Error: " + run["error"]
    assert "Column 'sex' does not hold numbers" in viewer.log_lines[marked]
    assert "Traceback (most recent call last):" in viewer.log_lines
    assert "4 runs failed" in viewer.status_text and viewer.status_kind == "error"
    _act(viewer, "show_log", run_id=-1)  # not a failed run: said in words
    assert viewer.message_kind == "error" and "not one of this task" in viewer.message
    viewer.close()


# -- server text stays text ---------------------------------------------------------------
def test_server_text_is_shown_as_text(v6, research, monkeypatch):
    evil_id = _org_id(v6, "GAZEL_organization")
    real_orgs, real_progress, real_failed = (research.organizations, research.progress,
                                             research.failed_runs)

    def organizations(*a, **k):
        return [{**o, "name": EVIL} if o["id"] == evil_id else o for o in real_orgs(*a, **k)]

    def rename(runs):
        return [{**r, "organization": EVIL, "log": f"{EVIL}\nError: {EVIL}",
                 "error": EVIL} if r["organization_id"] == evil_id else r for r in runs]

    monkeypatch.setattr(research, "organizations", organizations)
    builder = TaskBuilder(research)
    assert (EVIL, evil_id) in builder.organization_options
    builder.set(kwargs={"column_name": "age"})
    assert f"  # {EVIL}, CANTABRIA_organization," in builder.code_text

    task = research.create_task(AVERAGE, "partial_average", kwargs={"column_name": "sex"})
    research.wait(task)
    monkeypatch.setattr(research, "progress", lambda t: {**real_progress(t), "runs": rename(
        real_progress(t)["runs"])})
    monkeypatch.setattr(research, "failed_runs", lambda t: rename(real_failed(t)))
    monkeypatch.setattr(research, "results", lambda t: pd.DataFrame([{
        "organization": EVIL, "organization_id": evil_id, "run_id": 1, "sum": 1.5,
        "count": 1}]))
    viewer = ResultViewer(research, task, follow=False)
    assert viewer.rows[0][viewer.columns.index("organization")] == EVIL
    assert viewer.tab_titles == ["All organizations", EVIL]
    assert pd.read_csv(io.StringIO(viewer.csv()))["organization"][0] == EVIL
    run_id = next(r[0] for r in viewer.failed_rows if r[2] == EVIL)
    viewer.show_log(run_id)
    assert viewer.log_lines == [EVIL, f"Error: {EVIL}"]
    assert viewer.log_highlight == [1]
    progress = JobProgress(research, task)
    progress.wait(10)
    entry = research.task_state[task["id"]]  # as the server's run rows would name it
    research.task_state = {**research.task_state,
                           task["id"]: {**entry, "runs": rename(entry["runs"])}}
    assert EVIL in [s["organization"] for s in progress.segments]
    for panel in (builder, viewer, progress):
        for widget in _widgets(panel):
            if isinstance(widget, (w.HTML, w.HTMLMath)):
                assert "<img" not in widget.value
    progress.close()


# -- the dashboard ------------------------------------------------------------------------
def test_dashboard_composes_every_panel_once(v6):
    s = Vantage6Session(v6["url"], live=False)
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    dash = Vantage6Dashboard(UserClient(v6["url"], session=s))
    assert isinstance(dash.login, LoginPanel) and isinstance(dash.browser, CollaborationBrowser)
    assert isinstance(dash.builder, TaskBuilder) and isinstance(dash.progress, JobProgress)
    assert isinstance(dash.results, ResultViewer) and dash.nodes is dash.browser.nodes
    assert isinstance(dash.tasks, TaskList)
    made = [_instances[i] for i in set(_instances) - before]
    # each once at most (the nodes may be the browser's grid)
    for kind in (LoginPanel, CollaborationBrowser, TaskBuilder, JobProgress, TaskList,
                 ResultViewer, NodeStatusTable):
        assert len([x for x in made if type(x) is kind]) <= 1, kind
    # the view gets each panel as a reference to its model, drawn by the panel's own view
    state = dash.get_state()
    assert [state[n] for n in ("login", "browser", "builder", "progress", "tasks",
                               "results")] == [
        f"anywidget:{p.model_id}" for p in dash.panels]
    assert dash.titles == ["Log in", "Collaborations", "New task", "Tasks", "Results"]
    assert dash.selected_index == 0
    with pytest.raises(ValueError):
        dash.show_tab("nodes")
    dash._handle_custom_msg({"type": "action", "name": "show_tab", "args": {"name": "task"}},
                            [])  # what the view sends
    assert dash.selected_index == 2
    dash.selected_index = 0
    assert dash.login.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    assert dash.selected_index == 1
    dash.browser.select("PhY-research")
    _until(lambda: len(dash.builder.organizations) == 4
           and len(dash.browser.nodes.rows) == 4, what="PhY-research in every panel")
    assert dash.builder.header == "Collaboration: PhY-research"
    dash.show_tab("results")
    assert dash.selected_index == 4
    dash.close()
    assert all(p.closed for p in dash.panels) and dash.nodes.closed
    s.close()


def test_csv_does_not_carry_spreadsheet_formulas():
    import pandas as pd

    from labpanels.widgets.results import _inert

    frame = pd.DataFrame({"organization": ["=HYPERLINK(\"x\")", "@SUM(A1)", "Org"],
                          "count": [1, -2, 3]})
    text = frame.map(_inert).to_csv(index=False)
    assert "'=HYPERLINK" in text and "'@SUM" in text and ",-2" in text
