"""``labpanels demo``: the local platform (and JupyterLab) until Ctrl-C.

With ``--no-lab`` it prints one JSON line on stdout once the platform is ready (the
server URL, the algorithm store's URL under ``vantage6.store_url``, users and passwords,
collaborations, key files, and ``connection_file``) and writes the same JSON to
``--info FILE``. Each demo writes its own connection file
(:mod:`labpanels.demo.connections`) and hands it to its JupyterLab as
``LABPANELS_DEMO_INFO``, so notebooks find their own demo however many run. The
workshop notebooks are copied into ``--notebooks DIR`` (default ``./labpanels-notebooks``)
without overwriting anything there. SIGINT or SIGTERM stops everything it started,
every process at once (SIGTERM, then SIGKILL after a short grace).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import processes
from .connections import (
    ENV_VAR,
    connection_file,
    load_connection,
    own_connection_file,
    remove_if_ours,
    write_private,
)
from .notebooks import DEFAULT_FOLDER, copy_notebooks

__all__ = ["run_demo", "connection_file", "load_connection", "missing_extra", "STOP_GRACE"]

#: seconds each process gets to exit after SIGTERM before it is killed
STOP_GRACE = 1.0

#: what the demo needs beyond labpanels itself: (module, for what), from the ``demo`` extra
_DEMO_MODULES = [
    ("starlette", "the SPARC / o²S²PARC emulator"),
    ("uvicorn", "the SPARC / o²S²PARC emulator"),
    ("python_multipart", "the o²S²PARC emulator's uploads"),
]
_LAB_MODULES = [("jupyterlab", "JupyterLab"), ("ipykernel", "the notebooks' kernel")]


def missing_extra(lab: bool = True) -> str | None:
    """None when everything the demo needs is installed; otherwise what to install."""
    wanted = _DEMO_MODULES + (_LAB_MODULES if lab else [])
    missing = [(m, why) for m, why in wanted if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    names = ", ".join(f"{m} ({why})" for m, why in missing)
    return (f"labpanels demo needs the demo extra, which is not installed here (missing: "
            f"{names}). Install it with:\n    pip install \"labpanels[demo]\"")


def _start_lab(notebooks: Path, port: int, info_file: Path, folder: Path):
    token = secrets.token_hex(16)
    port = port or processes.free_port()
    jupyter_home = folder / "jupyter"
    env = {
        ENV_VAR: str(info_file),  # this demo's own file: its notebooks find this demo
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


def _platform_processes(platform: Any) -> list:
    """Every process the platform started (nodes, emulator, store, server), for stopping
    them all at once before :meth:`Platform.stop` tidies up."""
    found = list(getattr(platform, "nodes", {}).values())
    emulator = getattr(platform, "emulator", None)
    found.append(getattr(emulator, "process", None))
    for part in ("store", "server"):
        found.append(getattr(getattr(platform, part, None), "proc", None))
    return [p for p in found if p is not None]


def _prepare_notebooks(folder: Path | None, quiet: bool) -> Path:
    """Copy the workshop notebooks that are missing into ``folder``; say what was done."""
    done = copy_notebooks(Path(folder) if folder else Path.cwd() / DEFAULT_FOLDER)
    print(done.summary(), file=sys.stderr if quiet else sys.stdout, flush=True)
    return done.folder


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
    missing = missing_extra(lab)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    from .platform import Platform

    stop = threading.Event()
    ready = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if not ready.is_set():  # still starting: do not wait for readiness to stop
            raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    platform = Platform(folder, learners=learners, reset=reset, server_options={"port": port},
                        store_port=store_port)
    lab_proc = None
    conn = own_connection_file()
    written: dict[Path, str] = {}
    try:
        notebook_folder = _prepare_notebooks(notebooks, quiet=not lab)
        platform.start()
        description = {**platform.info, "connection_file": str(conn)}
        lab_url = None
        text = json.dumps(description)
        for path in filter(None, (info, conn)):
            write_private(Path(path), text)
            written[Path(path)] = text
        if lab:
            lab_proc, lab_url = _start_lab(notebook_folder, lab_port, conn, platform.folder)
            description["jupyterlab"] = lab_url
            print(_summary(description, lab_url), flush=True)
        else:
            print(json.dumps(description), flush=True)
        ready.set()
        while not stop.wait(1.0):
            if lab_proc is not None and lab_proc.poll() is not None:
                print("JupyterLab exited; stopping the platform.", file=sys.stderr)
                return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        ready.set()  # a signal from now on only asks to stop (which is under way)
        if stop.is_set():
            print("Stopping JupyterLab and the local platform…", file=sys.stderr, flush=True)
        # every process at once: SIGTERM, then SIGKILL after STOP_GRACE seconds
        processes.stop_all([lab_proc, *_platform_processes(platform)], grace=STOP_GRACE)
        platform.stop()
        for path, text in written.items():
            remove_if_ours(path, text)
        if stop.is_set():
            print("Everything stopped.", file=sys.stderr, flush=True)
