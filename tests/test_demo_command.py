"""`labpanels demo --no-lab` as a user runs it: ready line, info file, clean stop."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from labpanels.demo.processes import port_open

pytestmark = pytest.mark.platform


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The next stdout line of ``proc`` (a reader thread, so buffered lines are not missed)."""
    lines = getattr(proc, "_lines", None)
    if lines is None:
        lines = proc._lines = queue.Queue()

        def pump() -> None:
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no line within {timeout} s") from None
    if line is None:
        raise AssertionError(f"demo exited early: {proc.stderr.read()}")
    return line


def _pids_mentioning(text: str) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_demo_ready_line_then_clean_stop(tmp_path):
    # SIGTERM, as a service manager stops it (Ctrl-C: test_demo_connections, where a
    # second demo runs beside it, and the JupyterLab test below)
    sig = signal.SIGTERM
    info_file = tmp_path / "info.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "labpanels.cli", "demo", "--no-lab", "--info", str(info_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        # a variable inherited from another demo's JupyterLab: this demo must not write there
        env={**os.environ, "LABPANELS_DEMO_INFO": str(tmp_path / "conn.json")},
    )
    try:
        line = _read_line(proc, 180)  # a bound against a hang, not a speed check
        info = json.loads(line)
        assert json.loads(info_file.read_text()) == info
        conn = Path(info["connection_file"])  # its own
        assert json.loads(conn.read_text()) == info and conn.stat().st_mode & 0o777 == 0o600
        assert not (tmp_path / "conn.json").exists()
        assert len(list((tmp_path / "labpanels-notebooks").glob("*.ipynb"))) == 5
        v6 = info["vantage6"]
        assert requests.get(f"{v6['api_url']}/version", timeout=5).json() == {
            "version": "4.15.2"}
        # the algorithm store runs too, linked to the server, with the demo algorithms
        assert requests.get(f"{v6['store_url']}/version", timeout=5).json() == {
            "version": "4.15.2"}
        listed = requests.get(f"{v6['store_url']}/algorithm", timeout=5).json()["data"]
        assert {"Average", "Summary", "Column profile (all argument types)"} <= {
            a["name"] for a in listed}
        assert {"PhY24-rs1", "GHT-rs1", "PhY24-admin", "root"} <= set(v6["users"])
        assert set(v6["collaborations"]) == {"PhY-research", "GHT_consortium", "PhY-secure"}
        assert all(Path(p).exists() for p in v6["key_files"].values())
        sparc = info["sparc"]
        datasets = requests.get(f"{sparc['pennsieve_url']}/datasets", timeout=30).json()
        assert datasets["totalCount"] >= 5
        profile = requests.get(f"{sparc['osparc_url']}/v0/me", timeout=5,
                               auth=(sparc["osparc_key"], sparc["osparc_secret"]))
        assert profile.status_code == 200
        children = _pids_mentioning(info["folder"])
        assert len(children) >= 10  # the server and nine started nodes
        proc.send_signal(sig)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not port_open(v6["port"])
    assert not port_open(int(v6["store_url"].split(":")[2].split("/")[0]))
    assert not port_open(int(sparc["url"].rsplit(":", 1)[1].strip("/")))  # the emulator
    assert not [pid for pid in children if _alive(pid)]
    assert not Path(info["folder"]).exists()  # temporary folder removed
    assert not conn.exists() and not info_file.exists()


def test_folder_keeps_the_platform_between_starts(tmp_path):
    from labpanels.demo.platform import Platform
    from tests.v6rest import get, login

    def org_names(platform: Platform) -> set[str]:
        with platform.root_http() as root:
            return {o["name"] for o in root.get("organization", params={"per_page": 100})["data"]}

    with Platform(tmp_path / "demo", node_poll_interval=5, sparc=False,
                  key_bits=2048) as first:
        with first.root_http() as root:
            root.post("organization", json={"name": "Marker-org", "country": "Nowhere"})
        collab_id = first.info["vantage6"]["collaborations"]["PhY-research"]["id"]
    with Platform(tmp_path / "demo", node_poll_interval=5, sparc=False,
                  key_bits=2048) as second:
        v6 = second.info["vantage6"]
        assert "Marker-org" in org_names(second)
        assert v6["collaborations"]["PhY-research"]["id"] == collab_id
        http = login(v6, "PhY24-rs1")  # same accounts, scenario not created twice
        names = [c["name"] for c in get(http, v6, "collaboration")["data"]]
        assert sorted(names) == sorted(set(names))
        # the store (on a new port) is linked again and keeps its algorithms, once each
        assert [s["url"] for s in get(http, v6, "algorithmstore")["data"]] == [
            v6["store_url"]]
        listed = requests.get(f"{v6['store_url']}/algorithm", timeout=5).json()["data"]
        assert sorted(a["name"] for a in listed) == [
            "Average", "Column profile (all argument types)", "Summary"]
    with Platform(tmp_path / "demo", reset=True, node_poll_interval=5, sparc=False,
                  key_bits=2048) as fresh:
        assert "Marker-org" not in org_names(fresh)
        assert "CANTABRIA_organization" in org_names(fresh)


def test_demo_with_jupyterlab_prints_url_and_stops_everything(tmp_path):
    from labpanels.demo.connections import own_connection_file
    from labpanels.demo.processes import descendants

    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "1-vantage6-by-clicking.ipynb").write_text("a learner's own edits")
    proc = subprocess.Popen(
        [sys.executable, "-m", "labpanels.cli", "demo", "--notebooks", str(tmp_path / "nb"),
         "--learners", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        while not any("Ctrl-C" in line for line in lines):
            lines.append(_read_line(proc, 120))
        text = "".join(lines)
        url = next(w for w in text.split() if w.startswith("http://127.0.0.1") and "/lab?" in w)
        # the notebooks: the missing ones copied, the learner's own kept and named
        assert "kept as they were" in text and "1-vantage6-by-clicking.ipynb" in text
        assert (tmp_path / "nb" / "1-vantage6-by-clicking.ipynb").read_text() == (
            "a learner's own edits")
        assert len(list((tmp_path / "nb").glob("*.ipynb"))) == 5
        assert "PhY24-research-1!" in text and "PhY24-rs1" in text
        store = re.search(r"algorithm store : (http://127\.0\.0\.1:\d+/api)", text)
        assert store and requests.get(f"{store[1]}/version", timeout=5).ok
        # a class's accounts are printed with their passwords, and work
        learner = re.search(r"user (learner03)\s+password (\S+)", text)
        assert learner and "learner01" in text
        conn = own_connection_file(proc.pid)
        info = json.loads(conn.read_text())
        login = requests.post(f"{info['vantage6']['api_url']}/token/user", timeout=10,
                              json={"username": learner[1], "password": learner[2]})
        assert login.status_code == 200 and "access_token" in login.json()
        page = requests.get(url, timeout=20)
        assert page.status_code == 200 and "JupyterLab" in page.text
        # kernels started by this JupyterLab find the platform without editing: it has
        # this demo's own connection file
        lab = [pid for pid in descendants(proc.pid)
               if b"jupyter" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert lab
        environ = Path(f"/proc/{lab[0]}/environ").read_bytes().split(b"\0")
        assert f"LABPANELS_DEMO_INFO={conn}".encode() in environ
        children = _pids_mentioning(info["folder"])
        lab_port = int(url.split(":")[2].split("/")[0])
        proc.send_signal(signal.SIGINT)
        assert proc.wait(40) == 0
        said = proc.stderr.read()
        assert "Stopping JupyterLab and the local platform" in said
        assert said.rstrip().endswith("Everything stopped.")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not port_open(lab_port)
    assert not conn.exists()
    assert not port_open(info["vantage6"]["port"])
    assert not [pid for pid in children if _alive(pid)]
