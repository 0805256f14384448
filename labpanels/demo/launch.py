"""``labpanels demo``: the local platform (and JupyterLab) until Ctrl-C.

With ``--no-lab`` it prints one JSON line on stdout once the platform is ready (the
server URL, the algorithm store's URL under ``vantage6.store_url``, users and passwords,
collaborations, key files) and writes the same JSON to
``--info FILE``. Notebooks find a running demo through the connection file named by
``LABPANELS_DEMO_INFO`` (set for the JupyterLab it starts) or the default one in the
labpanels cache folder. SIGINT or SIGTERM stops everything it started.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import processes
from .platform import Platform
from .venvs import cache_dir

__all__ = ["run_demo", "connection_file", "load_connection"]


def connection_file() -> Path:
    """Where a running demo describes itself: ``$LABPANELS_DEMO_INFO`` or the cache."""
    explicit = os.environ.get("LABPANELS_DEMO_INFO")
    return Path(explicit) if explicit else cache_dir() / "demo.json"


def load_connection() -> dict[str, Any]:
    """The description of the running demo platform (raises if none is running)."""
    path = connection_file()
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RuntimeError(
            f"no running labpanels demo found ({path} does not exist): start one with "
            "`make demo` or `labpanels demo --no-lab`"
        ) from None


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    tmp.replace(path)


def _start_lab(notebooks: Path, port: int, info_file: Path, folder: Path):
    token = secrets.token_hex(16)
    port = port or processes.free_port()
    jupyter_home = folder / "jupyter"
    env = {
        "LABPANELS_DEMO_INFO": str(info_file),
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
    }
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # widget messages without the ~40 ms delayed-ACK wait on the kernel websocket
        "--ServerApp.jpserver_extensions={'labpanels.jupyter_nodelay': True}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--ServerApp.allow_root=True")
    proc = processes.spawn(cmd, log=folder / "jupyterlab.log", env=env)
    processes.wait_until(lambda: processes.port_open(port), 60, 0.2, what="JupyterLab")
    return proc, f"http://127.0.0.1:{port}/lab?token={token}"


def _summary(info: dict[str, Any], lab_url: str | None) -> str:
    v6 = info["vantage6"]
    lines = ["", "labpanels demo platform is ready", f"  vantage6 server : {v6['url']}/api"]
    if v6.get("store_url"):
        lines.append(f"  algorithm store : {v6['store_url']}")
    for name, user in v6["users"].items():
        lines.append(f"  user {name:<14} password {user['password']}")
    for org, path in v6["key_files"].items():
        lines.append(f"  private key of {org}: {path}")
    if "sparc" in info:
        sparc = info["sparc"]
        lines.append(f"  Pennsieve (local): {sparc['pennsieve_url']}")
        lines.append(f"  o²S²PARC (local) : {sparc['osparc_url']}  key {sparc['osparc_key']} "
                     f"secret {sparc['osparc_secret']}")
    if lab_url:
        lines.append(f"  JupyterLab      : {lab_url}")
    lines.append("Press Ctrl-C to stop everything.")
    return "\n".join(lines)


def run_demo(
    *,
    lab: bool = True,
    info: Path | None = None,
    folder: Path | None = None,
    learners: int = 0,
    reset: bool = False,
    port: int = 0,
    lab_port: int = 0,
    notebooks: Path | None = None,
    store_port: int = 0,
) -> int:
    """Run the demo until SIGINT/SIGTERM; return the process exit code."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    platform = Platform(folder, learners=learners, reset=reset, server_options={"port": port},
                        store_port=store_port)
    lab_proc = None
    conn = connection_file()
    written: list[Path] = []
    try:
        platform.start()
        if stop.is_set():
            return 0
        description = dict(platform.info)
        lab_url = None
        text = json.dumps(description)
        for path in filter(None, (info, conn)):
            _write_private(Path(path), text)
            written.append(Path(path))
        if lab:
            notebooks = (notebooks or Path("notebooks")).resolve()
            notebooks.mkdir(parents=True, exist_ok=True)
            lab_proc, lab_url = _start_lab(notebooks, lab_port, conn, platform.folder)
            description["jupyterlab"] = lab_url
            print(_summary(description, lab_url), flush=True)
        else:
            print(json.dumps(description), flush=True)
        while not stop.wait(1.0):
            if lab_proc is not None and lab_proc.poll() is not None:
                print("JupyterLab exited; stopping the platform.", file=sys.stderr)
                return 1
        return 0
    finally:
        if stop.is_set():
            print("Stopping JupyterLab and the local platform…", file=sys.stderr, flush=True)
        processes.stop(lab_proc)
        platform.stop()
        for path in written:
            path.unlink(missing_ok=True)
        if stop.is_set():
            print("Everything stopped.", file=sys.stderr, flush=True)
