"""The task builder drawn from the real algorithm store 4.15.2 and the real server: every
argument type as its own kind of field, defaults, allowed values, a conditional argument
that comes and goes, a frontend-only argument that never reaches the nodes; an algorithm
published while the builder is open; the nodes' columns (one node with an extra column,
one offline); a study; and a task repeated from the task list into the builder."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from labpanels.demo.published import ALLTYPES, publish
from labpanels.vantage6 import Vantage6Session, catalogue
from labpanels.widgets import TaskBuilder, Vantage6Dashboard
from labpanels.widgets.dashboard import TABS
from tests.v6_sessions import researcher

pytestmark = pytest.mark.platform

BASICS = "ghcr.io/vantage6/algorithm-basics"


@pytest.fixture(scope="module")
def session(v6):
    with researcher(v6) as s:
        yield s


def _inputs(session, task_id: int) -> dict[int, dict]:
    """organization id -> the decoded input each run of a task received."""
    return {r["organization"]["id"]: json.loads(base64.b64decode(r["input"]))
            for r in session.fetch("run", task_id=task_id)}


def _specs(builder: TaskBuilder) -> dict[str, dict]:
    return {a["name"]: a for a in builder.arguments}


def test_the_all_types_form_checks_each_field_and_sends_what_it_shows(v6, session):
    builder = TaskBuilder(session)
    found = builder.find_algorithms("all argument TYPES")
    assert [(c["image"], c["source"]) for c in found] == [(ALLTYPES.image, "store")]
    assert builder.find_algorithms("harbor2 average")[0]["name"] == "Average"
    assert "from the collaboration's algorithm store" in builder.algorithms_note
    builder.set_value("image", ALLTYPES.image)  # what picking it in the list sends
    assert [(f["name"], f["label"], f["central"]) for f in builder.functions] == [
        ("partial_profile", "Profile per organization", False),
        ("central_profile", "Pooled profile", True)]
    builder.set_value("method", "central_profile")
    assert builder.central and "over all (or the given) organizations" in builder.function_help
    assert builder.organizations == [session.organization["id"]]  # central: one organization
    assert builder.database_slots == [{"name": "default", "description": ALLTYPES.functions[
        1].databases[0]["description"]}] and builder.databases == ["default"]

    # each store type drawn as its own kind of field
    kinds = {n: (s["store_type"], s["type"]) for n, s in _specs(builder).items()}
    assert kinds == {
        "column": ("column", "column"), "extra_columns": ("column_list", "columns"),
        "bins": ("integer", "choice"), "limits": ("float_list", "list"),
        "thresholds": ("integer_list", "list"), "scale": ("float", "float"),
        "title": ("string", "str"), "tags": ("string_list", "list"),
        "cumulative": ("boolean", "bool"), "show_advanced": ("boolean", "bool"),
        "options": ("json", "json"), "reference_organization": ("organization", "organization"),
        "organizations": ("organization_list", "organizations")}
    assert {t for t, _ in kinds.values()} == set(catalogue.TYPES)
    specs = _specs(builder)
    assert [c["value"] for c in specs["bins"]["choices"]] == ["3", "5", "10"]
    assert specs["column"]["required"] and not specs["scale"]["required"]
    assert specs["show_advanced"]["frontend_only"]
    assert specs["options"]["condition"] == "asked while Advanced options is true"
    # defaults filled
    values = builder.argument_values
    assert (values["bins"], values["limits"], values["scale"], values["title"]) == (
        "5", ["0.0", "100.0"], 1.0, "Profile")
    assert values["cumulative"] is False and values["options"] == "{}"
    assert builder.field_errors == {"arg:column": "Give a value for column"}
    assert builder.not_ready.startswith("Give a value for column")

    # the columns come from the nodes (central: every organization's data is read)
    answer = builder.load_columns()
    assert answer["answered"] == 4 and "age" in builder.columns
    assert builder.columns_note == "Columns from 4 of 4 nodes"
    assert builder.columns_state == "ready"
    builder.set_value("arg:column", "age")
    builder.set_value("arg:extra_columns", ["bmi"])

    # allowed values, typed lists item by item, an organization of the collaboration
    builder.set_value("arg:bins", "4")
    assert builder.field_errors["arg:bins"] == "Bins must be one of 3, 5, 10, not '4' (str)"
    builder.set_value("arg:bins", "10")
    builder.set_value("arg:thresholds", ["65", "old", ""])
    assert builder.field_errors["arg:thresholds#1"] == "'old' is not a whole number"
    assert builder.field_errors["arg:thresholds"] == (
        "Item 2 ('old') of thresholds is not a whole number")
    builder.set_value("arg:thresholds", ["65", ""])  # an empty item is no item
    builder.set_value("arg:limits", ["0", "120"])
    builder.set_value("arg:tags", "a, b")  # text from code: items split at commas
    assert builder.argument_values["tags"] == ["a", "b"]
    builder.set_value("arg:reference_organization", 999999)
    assert builder.field_errors["arg:reference_organization"].startswith(
        "Organization 999999 is not in PhY-research; its organizations:")
    mine = session.organization["id"]
    builder.set_value("arg:reference_organization", str(mine))  # a select sends text
    others = sorted(o["id"] for o in session.organizations() if o["id"] != mine)
    builder.set_value("arg:organizations", [mine, others[0]])
    builder.set_value("arg:cumulative", True)

    # the conditional argument: hidden (and not sent) until its condition holds
    assert builder.hidden_arguments == ["options"]
    builder.set_value("arg:options", '{"min_count": ')  # hidden: not even checked
    assert "arg:options" not in builder.field_errors and builder.not_ready == ""
    builder.set_value("arg:show_advanced", True)
    assert builder.hidden_arguments == []
    assert builder.field_errors["arg:options"].startswith("The arguments are not valid JSON")
    builder.set_value("arg:options", '{"min_count": 1}')
    assert builder.field_errors == {} and builder.not_ready == ""
    sent = {"column": "age", "extra_columns": ["bmi"], "bins": 10, "limits": [0.0, 120.0],
            "thresholds": [65], "tags": ["a", "b"], "cumulative": True,
            "options": {"min_count": 1}, "reference_organization": mine,
            "organizations": [mine, others[0]]}
    assert builder.kwargs() == sent  # no show_advanced, no defaults (scale, title)
    assert f"'kwargs': {sent!r}" in builder.code_text

    # the summary step says what will run where, then Submit sends exactly that
    rows = {r["label"]: r["value"] for r in builder.review()}
    assert builder.step == "summary"
    assert rows["Algorithm"] == "Column profile (all argument types)"
    assert rows["Image"] == ALLTYPES.image
    assert rows["Function"].startswith("Pooled profile (central_profile), central")
    assert rows["Collaboration"] == "PhY-research (the whole collaboration)"
    assert rows["Starts at"] == session.organization["name"]
    assert rows["Databases"] == "default"
    assert json.loads(rows["Arguments sent"]) == sent
    assert rows["Left to the algorithm's defaults"] == "scale, title"
    assert rows["Not sent"] == "show_advanced (only for the form)"
    assert rows["Encryption"].startswith("not encrypted")
    builder.back()
    assert builder.step == "form"
    builder.review()
    task = builder.submit()
    assert task is not None and builder.step == "form"
    assert "created" in builder.message and builder.message_kind == "ok"
    (sent_input,) = _inputs(session, task["id"]).values()
    assert sent_input == {"method": "central_profile", "args": [], "kwargs": sent}
    assert "show_advanced" not in json.dumps(sent_input)
    # (that it runs to its result: tests/browser/test_task_builder_store_view.py)

    # the condition false again: options hidden and not sent
    builder.set_value("arg:show_advanced", False)
    assert builder.hidden_arguments == ["options"] and "options" not in builder.kwargs()
    builder.close()


def test_an_algorithm_published_while_the_builder_is_open_appears_and_runs(v6, platform,
                                                                          session):
    builder = TaskBuilder(session)
    assert BASICS not in builder.images
    basics = catalogue.Algorithm(
        BASICS, "Column names", [catalogue.Function(
            "column_headers", "the columns of the node's database", type="federated",
            databases=({"name": "default", "description": ""},))],
        description="what a node answers to POST /column")
    with platform.root_http() as root:
        token = root.session.headers["Authorization"].split(" ", 1)[1]
        record = publish(v6["store_url"], v6["api_url"], token, [basics])[0]
    try:
        builder.refresh()
        assert BASICS not in builder.images  # the session keeps what it read
        builder.refresh_algorithms()  # the view's Refresh
        assert [c["name"] for c in builder.find_algorithms("column names")] == [
            "Column names"]
        image = builder.image
        builder._handle_custom_msg({"type": "action", "name": "set_value",
                                    "args": {"field": "image", "value": BASICS}}, [])
        assert image != BASICS and builder.method == "column_headers"
        assert builder.arguments == [] and not builder.central
        task = builder.review() and builder.submit()
        assert task["image"] == BASICS
        assert session.wait(task, timeout=60)["status"] == "completed"
        answers = session.results(task, as_frame=False)
        assert len(answers) == 4 and all("age" in a["result"] for a in answers)
    finally:
        with platform.root_http() as root:
            token = root.session.headers["Authorization"].split(" ", 1)[1]
        requests.delete(f"{v6['store_url']}/algorithm/{record['id']}", timeout=10,
                        headers={"Authorization": f"Bearer {token}",
                                 "Server-Url": v6["api_url"]}).raise_for_status()
        builder.close()
    # an image no store knows can still be typed, with its function and JSON arguments
    typed = TaskBuilder(session)
    typed.set_value("image", "example.org/only-typed")
    assert typed.functions == [] and typed.arguments == [] and not typed.json_available
    typed.set_value("method", "anything")
    typed.set_value("json_text", '{"x": 1}')
    assert "input_={'method': 'anything', 'kwargs': {'x': 1}}" in typed.code_text
    assert {r["label"]: r["value"] for r in typed.review()}["Algorithm"] == (
        "not described by the algorithm store")
    typed.close()


def _node(platform, organization: str, collaboration: str):
    return next(n for n in platform.node_specs()
                if n.organization == organization and n.collaboration == collaboration)


def test_the_column_picker_shows_each_nodes_columns_and_who_did_not_answer(v6, platform):
    gazel = _node(platform, "GAZEL_organization", "PhY-research")
    platform.start_node(gazel.id, extra_columns={"wearable_steps": 8000})
    s = Vantage6Session(v6["url"], live=False)
    try:
        platform.wait_nodes_online(60)
        s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
        s.select("PhY-research")
        builder = TaskBuilder(s)
        builder.set(image="harbor2.vantage6.ai/demo/average", method="partial_average")
        assert builder.columns == [] and builder.columns_state == ""  # nothing asked yet
        builder._handle_custom_msg({"type": "action", "name": "load_columns", "args": {}}, [])
        builder.join(60)  # asked on the panel's worker, as a focus in the view does
        assert builder.columns_note == "Columns from 4 of 4 nodes"
        assert "wearable_steps" in builder.columns and "age" in builder.columns
        assert builder.column_notes == {"wearable_steps": "only at GAZEL_organization"}
        # fewer organizations chosen: the picker follows them (answers are kept)
        lifelines = v6["organizations"]["LIFELINES_organization"]["id"]
        builder.set_value("organizations", [lifelines])
        builder.join(60)
        assert builder.columns_note == "Columns from 1 of 1 node"
        assert "wearable_steps" not in builder.columns and builder.column_notes == {}
        builder.set_value("arg:column_name", "a column no node has")  # typing stays possible
        assert builder.kwargs() == {"column_name": "a column no node has"}
        builder.close()
    finally:
        s.close()
        platform.start_node(gazel.id)
        platform.wait_nodes_online(60)

    # an offline node is named; a study limits the organizations
    ght = Vantage6Session(v6["url"], live=False)
    try:
        ght.login("GHT-rs1", v6["users"]["GHT-rs1"]["password"])
        ght.select("GHT_consortium")
        builder = TaskBuilder(ght)
        builder.set(image="harbor2.vantage6.ai/demo/average", method="central_average")
        builder.load_columns()
        assert builder.columns_note == ("Columns from 3 of 4 nodes; HERMES_organization: "
                                        "node offline")
        (study,) = builder.study_choices
        assert study["name"] == "GHT-online-subset" and len(study["organizations"]) == 3
        assert len(builder.organization_choices) == 4
        builder.set_value("study", study["id"])
        assert sorted(c["id"] for c in builder.organization_choices) == study["organizations"]
        builder.join(60)  # the columns were wanted: asked again for the study
        assert builder.columns_note == "Columns from 3 of 3 nodes"
        hermes = v6["organizations"]["HERMES_organization"]["id"]
        with pytest.raises(ValueError, match="is not in study GHT-online-subset"):
            builder.set(organizations=[hermes])
        # the central function asks the study's organizations (not offline HERMES)
        builder.set(kwargs={"column_name": "age", "organizations": study["organizations"]})
        assert f"    study={study['id']},  # GHT-online-subset" in builder.code_text
        rows = {r["label"]: r["value"] for r in builder.review()}
        assert rows["Collaboration"] == "GHT-online-subset (a study of GHT_consortium)"
        task = builder.submit()
        assert ght.task(task)["study_id"] == study["id"]
        assert {r["organization"]["id"] for r in ght.fetch("run", task_id=task["id"])} == {
            ght.organization["id"]}
        builder.close()
    finally:
        ght.close()


def test_repeat_in_the_task_list_fills_the_builder(v6, session):
    mine = session.organization["id"]
    kwargs = {"column": "age", "bins": 3, "options": {"min_count": 2}, "tags": ["again"]}
    task = session.create_task(ALLTYPES.image, "central_profile", organizations=[mine],
                               kwargs=kwargs, name="to be repeated")
    dash = Vantage6Dashboard(session)
    try:
        assert dash.titles[TABS.index("tasks")] == "Tasks"
        dash.tasks.join()
        dash._handle_custom_msg({"type": "action", "name": "show_tab",
                                 "args": {"name": "tasks"}}, [])
        dash.tasks.repeat(task["id"])  # the task list's Repeat
        assert dash.selected_index == TABS.index("task")
        builder = dash.builder
        assert (builder.image, builder.method) == (ALLTYPES.image, "central_profile")
        assert builder.organizations == [mine] and builder.name == "to be repeated"
        # the options were sent, so the frontend-only switch that shows them is on
        assert builder.argument_values["show_advanced"] is True
        assert builder.hidden_arguments == []
        assert builder.kwargs() == kwargs
        assert builder.step == "form" and "review it, then submit" in builder.message
        again = builder.review() and builder.submit()
        assert _inputs(session, again["id"]) == _inputs(session, task["id"])
    finally:
        dash.close()
