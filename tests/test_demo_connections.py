"""Each demo its own connection file; notebooks find their own demo; Ctrl-C stops fast.

The first tests read and write connection files and notebook folders only. The last one
runs two ``labpanels demo --no-lab`` at once, as a user would in two terminals.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from labpanels.demo import connections
from labpanels.demo.connections import NoDemoFound, remove_if_ours, write_private
from labpanels.demo.notebooks import copy_notebooks, workshop_notebooks
from labpanels.demo.processes import descendants, port_open

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty labpanels cache, no demo named in the environment."""
    monkeypatch.setenv("LABPANELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LABPANELS_DEMO_INFO", raising=False)
    return tmp_path / "cache"


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_notebook_finds_the_one_running_demo_or_says_what_to_do(cache, monkeypatch):
    from labpanels.demo import connection

    with pytest.raises(NoDemoFound, match="no running labpanels demo found"):
        connection()
    # a demo that was killed left its file: it is not taken for a running one
    write_private(connections.own_connection_file(_dead_pid()), json.dumps({"who": "dead"}))
    with pytest.raises(NoDemoFound, match="no running labpanels demo found"):
        connection()
    write_private(connections.own_connection_file(), json.dumps({"who": "me"}))
    assert connection() == {"who": "me"}
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_private(connections.own_connection_file(sleeper.pid), json.dumps({"who": "2nd"}))
        with pytest.raises(NoDemoFound, match="2 labpanels demos are running") as found:
            connection()
        assert f"{sleeper.pid}.json" in str(found.value) and "LABPANELS_DEMO_INFO" in str(
            found.value)
        # the variable a demo sets for its JupyterLab chooses
        monkeypatch.setenv("LABPANELS_DEMO_INFO",
                           str(connections.own_connection_file(sleeper.pid)))
        assert connection() == {"who": "2nd"}
    finally:
        sleeper.kill()
        sleeper.wait()
    monkeypatch.setenv("LABPANELS_DEMO_INFO", str(cache / "nowhere.json"))
    with pytest.raises(NoDemoFound, match="nowhere.json does not exist"):
        connection()


def test_a_demo_removes_only_what_it_wrote(tmp_path):
    path = tmp_path / "info.json"
    write_private(path, "mine")
    assert path.stat().st_mode & 0o777 == 0o600
    write_private(path, "another demo's")  # written since
    assert remove_if_ours(path, "mine") is False
    assert path.read_text() == "another demo's"
    assert remove_if_ours(path, "another demo's") is True
    assert not path.exists()
    assert remove_if_ours(path, "anything") is False  # gone already: nothing to do


def test_notebooks_are_copied_without_overwriting_a_learners_edits(tmp_path):
    source = workshop_notebooks()
    assert source is not None
    names = sorted(p.name for p in source.glob("*.ipynb"))
    assert len(names) == 5
    target = tmp_path / "class"
    first = copy_notebooks(target)
    assert sorted(first.copied) == names and first.kept == []
    edited = target / names[0]
    edited.write_text("my own work")
    (target / names[1]).unlink()
    again = copy_notebooks(target)
    assert again.copied == [names[1]]
    assert sorted(again.kept) == sorted(set(names) - {names[1]})
    assert edited.read_text() == "my own work"  # never overwritten
    assert names[0] in again.summary() and "not overwritten" in again.summary()
    assert copy_notebooks(source).copied == []  # a checkout's own folder: nothing to copy


def test_without_the_demo_extra_the_command_names_it(monkeypatch, capsys):
    import importlib.util

    from labpanels.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "starlette" else real(name, *a))
    assert main(["demo", "--no-lab"]) == 2
    said = capsys.readouterr().err
    assert 'pip install "labpanels[demo]"' in said and "starlette" in said
    assert "Traceback" not in said


# --------------------------------------------------------------------------- two demos
def _lines(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _ready(proc: subprocess.Popen, lines: queue.Queue, timeout: float) -> dict:
    """The demo's ready line (the JSON one)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no ready line within {timeout} s") from None
        if line is None:
            raise AssertionError(f"demo exited early: {proc.stderr.read()[-2000:]}")
        if line.startswith("{"):
            return json.loads(line)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _lookup(connection_file: str | None) -> dict:
    """What ``labpanels.demo.connection()`` gives a notebook's kernel with this
    ``LABPANELS_DEMO_INFO`` (None: unset), or its error."""
    env = {k: v for k, v in os.environ.items() if k != "LABPANELS_DEMO_INFO"}
    if connection_file:
        env["LABPANELS_DEMO_INFO"] = connection_file
    code = ("import json\nfrom labpanels.demo import connection\n"
            "try:\n    print(json.dumps(connection()))\n"
            "except RuntimeError as e:\n    print(json.dumps({'error': str(e)}))\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def demos_apart(tmp_path, monkeypatch) -> Path:
    """A labpanels cache of this test's own, so that no other demo (another test's, on
    another pytest-xdist worker) is found running; its side environments are the usual
    ones, built once."""
    from labpanels.demo.venvs import cache_dir

    shared = cache_dir() / "venvs"
    shared.mkdir(parents=True, exist_ok=True)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "venvs").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv("LABPANELS_CACHE", str(cache))
    return cache


@pytest.mark.platform
def test_two_demos_at_once_each_notebook_finds_its_own_and_ctrl_c_stops_one(tmp_path,
                                                                            demos_apart):
    shared_info = tmp_path / "info.json"  # both write it: the one stopped first must not
    demos = []                            # delete what the other wrote
    infos: list[dict] = []
    try:
        for name in ("a", "b"):
            work = tmp_path / name
            work.mkdir()
            proc = subprocess.Popen(
                [sys.executable, "-m", "labpanels.cli", "demo", "--no-lab", "--folder",
                 str(work / "platform"), "--info", str(shared_info)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work,
                start_new_session=True,  # its own process group, as in a terminal of its own
                env={k: v for k, v in os.environ.items() if k != "LABPANELS_DEMO_INFO"},
            )
            demos.append((proc, _lines(proc)))
            # the second starts once the first is ready: two starting at once on two busy
            # cores only tests the machine's patience
            infos.append(_ready(proc, demos[-1][1], 180))
        files = [Path(info["connection_file"]) for info in infos]
        assert files[0] != files[1] and all(f.exists() for f in files)
        for info, file in zip(infos, files, strict=True):
            v6 = info["vantage6"]
            found = _lookup(str(file))  # what the demo hands its JupyterLab
            assert found["vantage6"]["api_url"] == v6["api_url"]
            assert requests.get(f"{found['vantage6']['api_url']}/version", timeout=10).ok
            assert requests.get(f"{found['sparc']['pennsieve_url']}/datasets",
                                timeout=10).ok
        assert infos[0]["vantage6"]["port"] != infos[1]["vantage6"]["port"]
        # nothing names a demo: the lookup will not guess between two
        assert "labpanels demos are running" in _lookup(None)["error"]
        # the notebooks were copied into each demo's folder
        for name in ("a", "b"):
            assert len(list((tmp_path / name / "labpanels-notebooks").glob("*.ipynb"))) == 5

        # Ctrl-C in the terminal of the demo that did not write the shared info last
        last = json.loads(shared_info.read_text())
        first = 0 if last == infos[1] else 1
        assert last == infos[1 - first]
        proc, _lines_ = demos[first]
        tree = [proc.pid, *descendants(proc.pid)]
        assert len(tree) >= 11  # server, nine nodes, emulator
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        gone: dict[int, float] = {}
        while len(gone) < len(tree) and time.monotonic() - started < 30:
            gone.update({pid: time.monotonic() - started for pid in tree
                         if pid not in gone and not _running(pid)})
            time.sleep(0.02)
        assert not [pid for pid in tree if _running(pid)]
        # the goal is 3 s on Ctrl-C, here on a machine the rest of the suite keeps busy
        slowest = sorted(gone.items(), key=lambda item: -item[1])[:3]
        assert max(gone.values()) <= 3.0, f"Ctrl-C took {max(gone.values()):.2f} s: {slowest}"
        assert proc.wait(5) == 0
        assert not files[first].exists()
        assert not port_open(infos[first]["vantage6"]["port"])
        # the other demo, its connection file and the shared file it wrote are untouched
        other = infos[1 - first]
        assert json.loads(files[1 - first].read_text()) == other
        assert json.loads(shared_info.read_text()) == other
        assert _lookup(None)["vantage6"]["api_url"] == other["vantage6"]["api_url"]
        assert requests.get(f"{other['vantage6']['api_url']}/version", timeout=10).ok
        proc, _lines_ = demos[1 - first]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not files[1 - first].exists() and not shared_info.exists()
    finally:
        for proc, _ in demos:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
