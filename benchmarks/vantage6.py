"""labpanels against vantage6-client 4.15.2 on one local platform, in one run.

    python -m benchmarks.vantage6

Measures: listing 2,000 organizations over all pages (against the floor: one request
with a page large enough to hold everything); the time from the last run finishing to
the results being in hand; decrypting 1,000 encrypted results; import time. Prints a
table of seconds and ratios (labpanels / other: below 1 means labpanels is faster).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from labpanels.demo.platform import Platform
from labpanels.demo.scenario import ROOT_PASSWORD
from labpanels.demo.v6server import server_python
from labpanels.vantage6 import Vantage6Session, encryption

ORGANIZATIONS = 2000
REPEATS = 5
LATENCY_REPEATS = 10
RESULTS = 1000
HERE = Path(__file__).parent


def _median(fn, repeats=REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _official(job: dict, timeout: float = 600) -> dict:
    proc = subprocess.run([str(server_python()), str(HERE / "official" / "v6_client_bench.py")],
                          input=json.dumps(job), capture_output=True, text=True, timeout=timeout)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT: ")), None)
    if line is None:
        raise RuntimeError(f"official client benchmark failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[len("RESULT: "):])


def _finished_at(session: Vantage6Session, task_id: int) -> float:
    runs = session.runs(task_id)
    last = max(r["finished_at"] for r in runs)
    return dt.datetime.fromisoformat(last).replace(tzinfo=dt.timezone.utc).timestamp()


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _import_time(python: str, statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([python, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(REPEATS)]
    return statistics.median(runs)


def main() -> None:
    rows: list[tuple[str, float, str, float]] = []
    with Platform(node_poll_interval=5) as platform:
        v6 = platform.info["vantage6"]
        with platform.root_http() as root:
            existing = len(root.get("organization", params={"per_page": 10000})["data"])
            for i in range(ORGANIZATIONS - existing):
                root.post("organization", json={"name": f"bench-org-{i:04d}", "country": "NL"})
            token = root.session.headers["Authorization"]

        # -- listing every organization --------------------------------------------
        floor_http = requests.Session()
        floor_http.headers["Authorization"] = token
        floor = _median(lambda: floor_http.get(f"{v6['api_url']}/organization",
                                               params={"per_page": 5000}, timeout=60).json())
        admin = Vantage6Session(v6["url"], live=False)
        admin.login("root", ROOT_PASSWORD)
        assert len(admin.organizations()) == ORGANIZATIONS
        ours_list = _median(admin.organizations)

        # -- results in hand after the last run finished -----------------------------
        session = Vantage6Session(v6["url"])
        session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
        session.select("PhY-research")
        org_ids = [o["id"] for o in session.organizations("PhY-research")]
        session.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                            kwargs={"column_name": "age"})  # warm the nodes' imports
        time.sleep(2)
        lags = []
        for _ in range(LATENCY_REPEATS):
            task = session.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                                       kwargs={"column_name": "age"})
            session.wait(task)
            session.results(task)  # fetched in the background when the last run ended
            in_hand = time.time()
            lags.append(in_hand - _finished_at(session, task["id"]))
        ours_lag = statistics.median(lags)

        # -- decrypting 1,000 results --------------------------------------------------
        key_file = v6["key_files"]["PhY24-consortium"]
        key = encryption.load_private_key(Path(key_file))
        public = encryption.public_key_b64(key)
        payload = json.dumps({"sum": 16551.0, "count": 260, "column": "age"}).encode()
        envelopes = [encryption.encrypt(payload, public) for _ in range(RESULTS)]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(envelopes, fh)
        started = time.perf_counter()
        decoded = [json.loads(raw) for raw in encryption.decrypt_all(envelopes, key)]
        ours_decrypt = time.perf_counter() - started
        assert len(decoded) == RESULTS

        theirs = _official({
            "host": v6["host"], "port": v6["port"], "root_password": ROOT_PASSWORD,
            "username": "PhY24-rs1", "password": v6["users"]["PhY24-rs1"]["password"],
            "collaboration_id": session.collaboration["id"], "organization_ids": org_ids,
            "key_file": key_file, "envelopes": fh.name, "repeats": REPEATS,
            "latency_repeats": LATENCY_REPEATS,
        })
        Path(fh.name).unlink()
        their_lags = [item["in_hand"] - _finished_at(session, item["task_id"])
                      for item in theirs["latency"]]
        their_lag = statistics.median(their_lags)
        session.close()

    ours_import = _import_time(sys.executable, "import labpanels")
    ours_v6_import = _import_time(sys.executable,
                                  "from labpanels.vantage6 import Vantage6Session")
    their_import = _import_time(str(server_python()), "from vantage6.client import UserClient")

    rows += [
        ("list 2,000 organizations, all pages", ours_list, "one request, per_page=5000 (floor)",
         floor),
        ("", ours_list, "vantage6-client, pages of 1000", theirs["list_per_page_1000"]),
        ("", ours_list, "vantage6-client, pages of 10", theirs["list_per_page_10"]),
        ("results in hand after last run", ours_lag, "vantage6-client wait_for_results",
         their_lag),
        (f"decrypt {RESULTS} results", ours_decrypt, "vantage6-client RSACryptor",
         theirs["decrypt"]),
        ("import labpanels", ours_import, "import vantage6.client", their_import),
        ("import Vantage6Session", ours_v6_import, "import vantage6.client", their_import),
    ]
    print(f"{'measurement':38} {'labpanels s':>11}  {'compared with':36} {'other s':>8} "
          f"{'ratio':>6}")
    for label, ours, other_label, other in rows:
        print(f"{label:38} {ours:11.4f}  {other_label:36} {other:8.4f} {ours / other:6.2f}")
    print(f"results in hand after the last run finished, {LATENCY_REPEATS} tasks: labpanels "
          f"median {statistics.median(lags):.3f} s, p90 {_p90(lags):.3f} s; vantage6-client "
          f"wait_for_results median {statistics.median(their_lags):.3f} s, "
          f"p90 {_p90(their_lags):.3f} s")
    print(f"(results-in-hand lags, labpanels: {[round(x, 3) for x in lags]}; "
          f"vantage6-client: {[round(x, 3) for x in their_lags]})")


if __name__ == "__main__":
    main()
