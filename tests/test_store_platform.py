"""The real algorithm store 4.15.2 next to the real server: what it lists, what the
session reads from it, a task built from its description, and the nodes' columns."""

from __future__ import annotations

import os
import signal

import pytest
import requests

from labpanels.demo.published import ALLTYPES, publish
from labpanels.vantage6 import UserClient, Vantage6Session, catalogue
from labpanels.vantage6.errors import AlgorithmStoreUnreachable
from tests.v6_sessions import researcher

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"
SUMMARY = "harbor2.vantage6.ai/demo/summary"
BASICS = "ghcr.io/vantage6/algorithm-basics"


@pytest.fixture(scope="module")
def session(v6):
    with researcher(v6) as s:
        yield s


def _node(platform, organization: str, collaboration: str):
    return next(n for n in platform.node_specs()
                if n.organization == organization and n.collaboration == collaboration)


def test_store_answers_and_lists_the_demo_algorithms(v6):
    store = v6["store_url"]
    assert requests.get(f"{store}/version", timeout=10).json() == {"version": "4.15.2"}
    listed = requests.get(f"{store}/algorithm", timeout=10).json()["data"]
    functions = {a["image"]: [(f["name"], f["type"]) for f in a["functions"]] for a in listed}
    assert functions[AVERAGE] == [("partial_average", "federated"),
                                  ("central_average", "central")]
    assert functions[SUMMARY] == [("partial_summary", "federated"),
                                  ("central_summary", "central")]
    assert functions[ALLTYPES.image] == [("partial_profile", "federated"),
                                         ("central_profile", "central")]
    assert {a["status"] for a in listed} == {"approved"}


def test_session_reads_every_argument_type_from_the_store(v6, session):
    assert session.stores() == [{"id": 1, "name": "labpanels local store",
                                 "url": v6["store_url"], "collaboration_id": None}]
    algos = {a.image: a for a in session.algorithms()}
    assert {AVERAGE, SUMMARY, ALLTYPES.image} <= set(algos)
    profile = algos[ALLTYPES.image]
    assert profile.store_url == v6["store_url"] and profile.id is not None
    assert profile.name == "Column profile (all argument types)"
    fn = profile.function("central_profile")
    assert fn.central and fn.display_name == "Pooled profile"
    assert fn.databases[0]["name"] == "default"
    args = {a.name: a for a in fn.arguments}
    assert {a.type for a in fn.arguments} == set(catalogue.TYPES)
    assert args["column"].required and args["column"].type == "column"
    assert (args["bins"].default, args["bins"].allowed_values) == (5, (3, 5, 10))
    assert args["limits"].default == [0.0, 100.0] and args["scale"].default == 1.0
    assert args["title"].default == "Profile" and args["cumulative"].default is False
    assert args["show_advanced"].is_frontend_only
    assert (args["options"].conditional_on, args["options"].conditional_operator,
            args["options"].conditional_value) == ("show_advanced", "==", "true")
    assert args["options"].default == {} and args["organizations"].default is None
    assert not fn.shown("options", {"show_advanced": False})
    assert fn.shown("options", {"show_advanced": True})
    assert [(v["type"], v["schema"]["location"]) for v in fn.visualizations] == [
        ("table", ["per_organization"]), ("line", ["histogram"])]
    # the store's description wins; an image no store knows may still be registered
    catalogue.register(catalogue.Algorithm("example.org/only-here", "Only here"))
    assert session.algorithm("example.org/only-here").name == "Only here"
    assert session.algorithm(AVERAGE + ":latest").store_url == v6["store_url"]
    assert session.algorithm("example.org/nobody-knows") is None


def test_a_task_from_the_all_types_form_runs_and_fits_its_visualizations(v6, session):
    fn = session.algorithm(ALLTYPES.image).function("central_profile")
    mine = session.organization["id"]
    others = [o["id"] for o in session.organizations() if o["id"] != mine]
    form = {"column": "age", "extra_columns": ["bmi"], "title": "Ages", "tags": "a, b",
            "bins": "10", "limits": "0, 120", "thresholds": "[65]", "scale": "1",
            "cumulative": True, "show_advanced": True, "options": '{"min_count": 1}',
            "reference_organization": str(mine),
            "organizations": f"[{mine}, {others[0]}]"}
    kwargs = fn.kwargs(form)
    assert "show_advanced" not in kwargs and kwargs["options"] == {"min_count": 1}
    assert "scale" not in kwargs  # its default
    assert "options" not in fn.kwargs({**form, "show_advanced": False})
    task = session.create_task(ALLTYPES.image, "central_profile", organizations=[mine],
                               kwargs=kwargs, name="all types from the store")
    assert session.wait(task, timeout=60)["status"] == "completed"
    result = session.results(task, as_frame=False)[0]["result"]
    table, line = session.visualizations(task)
    rows = result[table["schema"]["location"][0]]
    assert [r["organization"] for r in rows] == [mine, others[0]]
    assert all(set(table["schema"]["columns"]) <= set(r) for r in rows)
    points = result[line["schema"]["location"][0]]
    assert len(points) == 10 and all({line["schema"]["x"], line["schema"]["y"]} <= set(p)
                                     for p in points)
    assert points[-1]["count"] == result["count"]  # cumulative
    assert result["title"] == "Ages" and result["tags"] == ["a", "b"]
    assert session.visualizations(session.children(task)[0])[0]["type"] == "line"


def test_an_algorithm_added_while_the_session_is_open_appears_and_runs(v6, platform, session):
    before = session.algorithms()
    assert BASICS not in {a.image for a in before}
    basics = catalogue.Algorithm(
        BASICS, "Column names", [catalogue.Function(
            "column_headers", "the columns of the node's database", type="federated",
            databases=({"name": "default", "description": ""},))],
        description="what a node answers to POST /column")
    with platform.root_http() as root:
        token = root.session.headers["Authorization"].split(" ", 1)[1]
        record = publish(v6["store_url"], v6["api_url"], token, [basics])[0]
    try:
        assert BASICS not in {a.image for a in session.algorithms()}  # still the cache
        fresh = {a.image: a for a in session.algorithms(refresh=True)}
        fn = fresh[BASICS].function("column_headers")
        task = session.create_task(BASICS, fn.name, kwargs=fn.kwargs({}),
                                   name="from a new store entry")
        assert session.wait(task, timeout=60)["status"] == "completed"
        answers = session.results(task, as_frame=False)
        assert len(answers) == 4 and all("age" in a["result"] for a in answers)
    finally:
        with platform.root_http() as root:
            token = root.session.headers["Authorization"].split(" ", 1)[1]
        requests.delete(f"{v6['store_url']}/algorithm/{record['id']}", timeout=10,
                        headers={"Authorization": f"Bearer {token}",
                                 "Server-Url": v6["api_url"]}).raise_for_status()
    assert BASICS not in {a.image for a in session.algorithms(refresh=True)}


def test_columns_come_from_the_nodes_with_one_nodes_extra_column(v6, platform):
    gazel = _node(platform, "GAZEL_organization", "PhY-research")
    platform.start_node(gazel.id, extra_columns={"wearable_steps": 8000})
    s = Vantage6Session(v6["url"], live=False)
    try:
        platform.wait_nodes_online(60)
        s.login("PhY24-admin", v6["users"]["PhY24-admin"]["password"])
        answer = s.columns("PhY-research")
        by_org = {r["organization"]: r for r in answer["organizations"]}
        assert answer["message"] == "columns from 4 of 4 nodes"
        assert {r["status"] for r in by_org.values()} == {"ok"}
        assert by_org["GAZEL_organization"]["columns"][-1] == "wearable_steps"
        assert "wearable_steps" not in by_org["LIFELINES_organization"]["columns"]
        assert "wearable_steps" in answer["columns"] and "age" in answer["common"]
        assert "wearable_steps" not in answer["common"]
        tasks = len(s.tasks("PhY-research"))
        again = s.columns("PhY-research")  # kept per collaboration and database
        assert again["columns"] == answer["columns"] and len(s.tasks("PhY-research")) == tasks
        assert all(r["cached"] for r in again["organizations"])
        other = s.columns("PhY-research", database="visits",
                          organizations=[v6["organizations"]["GAZEL_organization"]["id"]])
        assert other["organizations"][0]["status"] == "failed"
        assert "no database labelled 'visits'" in other["message"]
    finally:
        s.close()
        platform.start_node(gazel.id)
        platform.wait_nodes_online(60)


def test_an_offline_or_silent_node_gives_its_own_message(v6, platform):
    s = Vantage6Session(v6["url"], live=False)
    s.login("GHT-rs1", v6["users"]["GHT-rs1"]["password"])
    answer = s.columns("GHT_consortium")
    hermes = next(r for r in answer["organizations"] if r["organization"] ==
                  "HERMES_organization")
    assert (hermes["status"], hermes["message"]) == ("offline", "node offline")
    assert answer["message"] == ("columns from 3 of 4 nodes; HERMES_organization: "
                                 "node offline")
    assert answer["answered"] == 3 and "age" in answer["common"]
    # a node still connected but not answering (its process paused)
    ght = _node(platform, "GHT-consortium", "GHT_consortium")
    proc = platform.nodes[ght.id]
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        silent = s.columns("GHT_consortium", timeout=2, refresh=True)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    row = next(r for r in silent["organizations"] if r["organization"] == "GHT-consortium")
    assert (row["status"], row["message"]) == ("timeout", "no answer within 2 s")
    assert "GHT-consortium: no answer within 2 s" in silent["message"]
    assert {r["status"] for r in silent["organizations"]} == {"ok", "offline", "timeout"}
    s.close()


def test_the_facade_offers_the_official_clients_store_methods(v6):
    client = UserClient(v6["url"])
    client.authenticate("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    stores = client.store.list(collaboration=v6["collaborations"]["PhY-research"]["id"])
    assert [s["url"] for s in stores["data"]] == [v6["store_url"]]
    client.store.set(stores["data"][0]["id"])
    names = client.algorithm.list(fields=["name", "image"])
    assert {"name": "Average", "image": AVERAGE} in names
    one = client.algorithm.get(next(a["id"] for a in client.algorithm.list()["data"]
                                    if a["image"] == ALLTYPES.image))
    assert [f["name"] for f in one["functions"]] == ["partial_profile", "central_profile"]
    client.session.close()


def test_an_unreachable_store_is_a_typed_error(v6, session):
    from labpanels.demo.processes import free_port

    store = session.store(f"http://127.0.0.1:{free_port()}/api")
    with pytest.raises(AlgorithmStoreUnreachable, match="does not answer"):
        store.version()
