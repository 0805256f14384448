"""The local vantage6 platform: real server 4.15.2, workshop scenario, simulated nodes."""

from __future__ import annotations

import json
import math
import time

import pandas as pd
import pytest

from labpanels.demo.data import load_csv
from labpanels.demo.scenario import WORKSHOP
from labpanels.vantage6 import encryption
from tests.v6rest import create_task, decode, get, login, org_ids, results, wait_task

pytestmark = pytest.mark.platform


def _slug(org: str) -> str:
    return WORKSHOP.organization(org).data


def test_researcher_sees_collaborations_and_organizations(v6):
    http = login(v6, "PhY24-rs1")
    collabs = {c["name"]: c for c in get(http, v6, "collaboration")["data"]}
    assert {"PhY-research", "GHT_consortium"} <= set(collabs)
    assert collabs["PhY-secure"]["encrypted"] is True
    assert collabs["PhY-research"]["encrypted"] is False
    orgs = get(http, v6, "organization", collaboration_id=collabs["PhY-research"]["id"])["data"]
    assert {o["name"]: o["country"] for o in orgs} == {
        "CANTABRIA_organization": "Spain",
        "LIFELINES_organization": "The Netherlands",
        "GAZEL_organization": "France",
        "PhY24-consortium": "The Netherlands",
    }
    ght = get(http, v6, "organization", collaboration_id=collabs["GHT_consortium"]["id"])["data"]
    assert "HERMES_organization" in {o["name"] for o in ght}


def test_node_status_online_and_never_started_offline(v6):
    http = login(v6, "PhY24-rs1")
    phy = get(http, v6, "node", collaboration_id=v6["collaborations"]["PhY-research"]["id"])
    assert len(phy["data"]) == 4
    assert {n["status"] for n in phy["data"]} == {"online"}
    assert all(n["last_seen"] for n in phy["data"])
    ght = get(http, v6, "node", collaboration_id=v6["collaborations"]["GHT_consortium"]["id"])
    status = {n["organization"]["id"]: n for n in ght["data"]}
    hermes = status[v6["organizations"]["HERMES_organization"]["id"]]
    assert hermes["status"] == "offline"
    assert hermes["last_seen"] is None
    others = [n for oid, n in status.items() if n is not hermes]
    assert {n["status"] for n in others} == {"online"}


def test_wrong_password_is_refused(v6):
    import requests

    answer = requests.post(f"{v6['api_url']}/token/user", timeout=10,
                           json={"username": "PhY24-rs1", "password": "not-it"})
    assert answer.status_code == 401
    assert answer.json()["msg"] == "Failed to login"


def test_partial_average_one_result_per_organization(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs, "partial_average", {"column_name": "age"})
    runs = wait_task(http, v6, task["id"])
    assert [r["status"] for r in runs] == ["completed"] * 4
    by_run = results(http, v6, task["id"])
    names = {v["id"]: k for k, v in v6["organizations"].items()}
    for run in runs:
        org = names[run["organization"]["id"]]
        ages = load_csv(_slug(org))["age"].dropna()
        got = decode(by_run[run["id"]])
        assert got["count"] == len(ages)
        assert math.isclose(got["sum"], float(ages.sum()))
        assert "partial_average" in run["log"]


def test_central_average_combines_and_has_children(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs[:1], "central_average",
                       {"column_name": "bmi"})
    runs = wait_task(http, v6, task["id"])
    assert runs[0]["status"] == "completed", runs[0]["log"]
    got = decode(results(http, v6, task["id"])[runs[0]["id"]])
    pooled = pd.concat([load_csv(_slug(o)) for o in
                        v6["collaborations"]["PhY-research"]["organizations"]])["bmi"].dropna()
    assert math.isclose(got["average"], pooled.mean(), rel_tol=1e-9)
    assert got["count"] == len(pooled)
    children = get(http, v6, "task", parent_id=task["id"])["data"]
    assert len(children) == 1
    child_runs = get(http, v6, "run", task_id=children[0]["id"])["data"]
    assert sorted(r["organization"]["id"] for r in child_runs) == sorted(orgs)
    assert {r["status"] for r in child_runs} == {"completed"}


def test_non_numeric_column_fails_with_readable_error_in_log(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs, "partial_average", {"column_name": "sex"})
    runs = wait_task(http, v6, task["id"])
    assert {r["status"] for r in runs} == {"failed"}
    started = [r for r in runs if r["log"] and "Error:" in r["log"]]
    assert started, [r["log"] for r in runs]
    assert "Column 'sex' does not hold numbers" in started[0]["log"]
    task_status = get(http, v6, f"task/{task['id']}/status")["status"]
    assert task_status == "failed"


def test_central_reports_which_organization_failed(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs[:1], "central_average",
                       {"column_name": "abc123"})
    runs = wait_task(http, v6, task["id"])
    assert runs[0]["status"] == "failed"
    assert "Column 'abc123' not found" in runs[0]["log"]
    assert "_organization" in runs[0]["log"] or "consortium" in runs[0]["log"]


def test_unknown_image_reports_non_existing_image(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs[:1], "partial_average",
                       {"column_name": "age"}, image="harbor2.vantage6.ai/demo/nope")
    runs = wait_task(http, v6, task["id"])
    assert runs[0]["status"] == "non-existing Docker image"
    assert "harbor2.vantage6.ai/demo/nope" in runs[0]["log"]


def test_summary_statistics_pooled(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-research")
    task = create_task(http, v6, "PhY-research", orgs[:1], "central_summary",
                       {"columns": ["age", "smoker"]}, image="harbor2.vantage6.ai/demo/summary")
    runs = wait_task(http, v6, task["id"])
    assert runs[0]["status"] == "completed", runs[0]["log"]
    got = decode(results(http, v6, task["id"])[runs[0]["id"]])
    pooled = pd.concat([load_csv(_slug(o)) for o in
                        v6["collaborations"]["PhY-research"]["organizations"]])
    assert math.isclose(got["age"]["mean"], pooled["age"].mean(), rel_tol=1e-9)
    assert math.isclose(got["age"]["std"], pooled["age"].std(), rel_tol=1e-9)
    assert got["smoker"]["counts"]["never"] == int((pooled["smoker"] == "never").sum())


def _keys(v6) -> dict[str, object]:
    return {org: encryption.load_private_key(path) for org, path in v6["key_files"].items()}


def test_encrypted_partial_readable_only_by_initiating_organization(v6):
    http = login(v6, "PhY24-rs1")  # initiating organization: PhY24-consortium
    orgs = org_ids(v6, "PhY-secure")
    task = create_task(http, v6, "PhY-secure", orgs, "partial_average", {"column_name": "age"})
    runs = wait_task(http, v6, task["id"])
    assert {r["status"] for r in runs} == {"completed"}, [r["log"] for r in runs]
    keys = _keys(v6)
    names = {v["id"]: k for k, v in v6["organizations"].items()}
    raw = results(http, v6, task["id"])
    for run in runs:
        sealed = raw[run["id"]]
        assert encryption.is_envelope(sealed)
        with pytest.raises(encryption.EncryptionError, match="another organization"):
            encryption.decrypt(sealed, keys["LIFELINES_organization"])
        got = json.loads(encryption.decrypt(sealed, keys["PhY24-consortium"]))
        ages = load_csv(_slug(names[run["organization"]["id"]]))["age"]
        assert got["count"] == len(ages)
    # the server never saw the plaintext input
    assert encryption.is_envelope(runs[0]["input"])


def test_encrypted_central_average(v6):
    http = login(v6, "PhY24-rs1")
    orgs = org_ids(v6, "PhY-secure")
    task = create_task(http, v6, "PhY-secure", orgs[:1], "central_average", {"column_name": "age"})
    runs = wait_task(http, v6, task["id"])
    assert runs[0]["status"] == "completed", runs[0]["log"]
    sealed = results(http, v6, task["id"])[runs[0]["id"]]
    got = json.loads(encryption.decrypt(sealed, _keys(v6)["PhY24-consortium"]))
    pooled = pd.concat([load_csv(_slug(o)) for o in
                        v6["collaborations"]["PhY-secure"]["organizations"]])["age"]
    assert math.isclose(got["average"], pooled.mean(), rel_tol=1e-9)


def test_plain_input_refused_on_encrypted_collaboration(v6):
    http = login(v6, "PhY24-rs1")
    collab = v6["collaborations"]["PhY-secure"]
    answer = http.post(f"{v6['api_url']}/task", timeout=10, json={
        "name": "plain", "image": "harbor2.vantage6.ai/demo/average",
        "collaboration_id": collab["id"], "databases": [{"label": "default"}],
        "organizations": [{"id": org_ids(v6, "PhY-secure")[0], "input": "eyJhIjogMX0="}]})
    assert answer.status_code == 400
    assert "requires encryption" in answer.json()["msg"]


def test_nodes_come_back_after_server_restart(platform, v6):
    http = login(v6, "PhY24-rs1")  # the JWT secret is stable: this token survives
    platform.restart_server()
    platform.wait_nodes_online(30)
    orgs = org_ids(v6, "PhY-research")
    started = time.monotonic()
    task = create_task(http, v6, "PhY-research", orgs, "partial_average", {"column_name": "age"})
    runs = wait_task(http, v6, task["id"])
    assert {r["status"] for r in runs} == {"completed"}
    assert time.monotonic() - started < 30
