"""The lesson's code through labpanels.vantage6.UserClient, and interoperability with the
official vantage6-client 4.15.2 (run from the server's environment, where it is installed)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from labpanels.demo.data import load_csv
from labpanels.demo.scenario import WORKSHOP
from labpanels.demo.v6server import server_python
from labpanels.errors import NotFound
from labpanels.vantage6 import UserClient, Vantage6Session, encryption
from labpanels.vantage6.errors import LoginFailed

pytestmark = pytest.mark.platform


def _pooled(v6, collaboration, column):
    orgs = v6["collaborations"][collaboration]["organizations"]
    return pd.concat([load_csv(WORKSHOP.organization(o).data) for o in orgs])[column]


def test_the_lessons_code(v6):
    # --- the lesson, with only its import line changed -------------------------------
    client = UserClient(v6["host"], v6["port"], "/api")
    client.authenticate("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    client.setup_encryption(None)

    collaborations = client.collaboration.list(fields=["id", "name"])
    all_online = []
    for collab in collaborations:
        nodes = client.node.list(collaboration=collab["id"], fields=["id", "name", "status"])
        if all(node["status"] == "online" for node in nodes):
            all_online.append(collab["name"])
    collaboration_id = next(c["id"] for c in collaborations if c["name"] == "PhY-research")

    organizations = client.organization.list(collaboration=collaboration_id)
    org_ids = [org["id"] for org in organizations["data"]]

    input_ = {"method": "partial_average", "args": [], "kwargs": {"column_name": "age"}}
    task = client.task.create(collaboration=collaboration_id, organizations=org_ids,
                              name="demo-average", image="harbor2.vantage6.ai/demo/average",
                              description="", input_=input_, databases=[{"label": "default"}])
    results = client.wait_for_results(task["id"])
    total = count = 0
    for output in results["data"]:
        partial = json.loads(output["result"])
        total += partial["sum"]
        count += partial["count"]

    input_ = {"method": "central_average", "args": [], "kwargs": {"column_name": "age"}}
    central = client.task.create(collaboration=collaboration_id, organizations=[org_ids[0]],
                                 name="central", image="harbor2.vantage6.ai/demo/average",
                                 description="", input_=input_,
                                 databases=[{"label": "default"}])
    central_result = json.loads(client.wait_for_results(central["id"])["data"][0]["result"])

    input_ = {"method": "central_average", "args": [], "kwargs": {"column_name": "abc123"}}
    failing = client.task.create(collaboration=collaboration_id, organizations=[org_ids[0]],
                                 name="failing", image="harbor2.vantage6.ai/demo/average",
                                 description="", input_=input_,
                                 databases=[{"label": "default"}])
    client.wait_for_results(failing["id"])
    failed = []
    for subtask in client.task.list(parent=failing["id"])["data"] + [failing]:
        for run in client.run.from_task(subtask["id"])["data"]:
            if run["status"] == "failed":
                failed.append((run["node"]["name"], run["log"]))

    # --- what the lesson's learner should have found ----------------------------------
    assert "PhY-research" in all_online and "GHT_consortium" not in all_online
    assert sorted(org_ids) == sorted(v6["organizations"][o]["id"] for o in
                                     v6["collaborations"]["PhY-research"]["organizations"])
    ages = _pooled(v6, "PhY-research", "age")
    assert count == len(ages) and math.isclose(total / count, ages.mean())
    assert math.isclose(central_result["average"], ages.mean())
    assert len(failed) == 5  # the central run and its four partial runs
    # the algorithm's error, or the server failing runs that had not started yet
    assert any("Column 'abc123' not found" in log for _, log in failed)
    assert all("Column 'abc123' not found" in log or "because sibling run" in log
               for _, log in failed)
    assert all(" @ PhY-research" in node for node, _ in failed)


def test_study_and_clear_errors(v6):
    client = UserClient(v6["host"], v6["port"], "/api")
    with pytest.raises(LoginFailed):
        client.authenticate("PhY24-rs1", "Wrong-password-1!")
    client.authenticate("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    with pytest.raises(NotFound, match="not found"):
        client.task.get(999999)
    study = next(s for s in client.study.list()["data"] if s["name"] == "GHT-online-subset")
    members = client.organization.list(study=study["id"], fields=["id"])
    task = client.task.create(study=study["id"], organizations=[m["id"] for m in members],
                              name="study", image="harbor2.vantage6.ai/demo/average",
                              description="", input_={"method": "partial_average",
                                                      "kwargs": {"column_name": "bmi"}})
    assert task["study"]["id"] == study["id"]
    assert len(client.wait_for_results(task["id"])["data"]) == 3


def test_official_client_and_labpanels_read_each_other(v6):
    key_file = v6["key_files"]["PhY24-consortium"]
    key = encryption.load_private_key(Path(key_file))
    ours = Vantage6Session(v6["url"], live=False)
    ours.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    ours.load_private_key(key_file)
    our_task = ours.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                                collaboration="PhY-secure", kwargs={"column_name": "age"})
    ours.wait(our_task, timeout=60)
    job = {
        "host": v6["host"], "port": v6["port"], "username": "PhY24-rs1",
        "password": v6["users"]["PhY24-rs1"]["password"], "key_file": key_file,
        "public_key": encryption.public_key_b64(key), "plaintext": '{"by": "vantage6"}',
        # vantage6 seals JSON; its cryptor treats anything else as the web UI's variant
        "our_envelope": encryption.encrypt(b'{"by": "labpanels"}', encryption.public_key_b64(key)),
        "collaboration_id": v6["collaborations"]["PhY-secure"]["id"],
        "organization_id": v6["organizations"]["PhY24-consortium"]["id"],
        "our_task_id": our_task["id"],
    }
    script = Path(__file__).with_name("official_clients") / "v6_interop.py"
    proc = subprocess.run([str(server_python()), str(script)], input=json.dumps(job),
                          capture_output=True, text=True, timeout=180)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT: ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    theirs = json.loads(line[len("RESULT: "):])
    # the official cryptor opens what labpanels sealed, and the other way round
    assert theirs["decrypted_ours"] == '{"by": "labpanels"}'
    assert encryption.decrypt(theirs["their_envelope"], key) == b'{"by": "vantage6"}'
    # a task the official client encrypted ran on our nodes; labpanels reads its result
    ages = _pooled(v6, "PhY-secure", "age")
    assert math.isclose(theirs["their_task_result"]["average"], ages.mean())
    table = ours.results(theirs["their_task_id"])
    assert math.isclose(table.loc[0, "average"], ages.mean())
    # the official client reads the results of the task labpanels encrypted
    expected = sorted(len(load_csv(WORKSHOP.organization(o).data)) for o in
                      v6["collaborations"]["PhY-secure"]["organizations"])
    assert theirs["our_task_results"] == expected
