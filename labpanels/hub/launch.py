"""``labpanels hub``: the local platform and a JupyterHub for a class, until Ctrl-C.

It starts the platform with ``--learners N`` vantage6 accounts (``learner01`` …), seeds
one home per learner (the workshop notebooks and their own connection file), writes the
JupyterHub configuration (:mod:`labpanels.hub.config`) and runs JupyterHub 6.1.1 with
configurable-http-proxy 5.3.0 in front of one JupyterLab per learner. It prints a ready
line with the hub's URL and the shared password, and writes the same as JSON to
``--info FILE``. SIGINT or SIGTERM stops the hub, the proxy, every learner's server and
kernel, and the platform, by pid (see :mod:`labpanels.hub.tree`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from ..demo import processes
from .config import INSTRUCTOR, SERVICE_NAME, HubSettings, bind_url, write_config
from .errors import HubError, HubSetupError
from .homes import learner_connection, seed_home, workshop_notebooks, write_private
from .proxy import ensure_proxy
from .tree import ProcessTree, become_subreaper

__all__ = ["run_hub", "shared_password", "loopback", "public_address", "BIND_WARNING",
           "instructor_notebook"]

BIND_WARNING = (
    "WARNING: the hub listens on {bind}, not only on this machine. Anyone who can reach "
    "this address and knows the shared password can open any learner's JupyterLab and run "
    "code as this machine's user {user}: every learner's server runs under this one account, "
    "without isolation, and the hub speaks plain HTTP (no TLS). Use it only on a classroom "
    "network you trust, behind its firewall, and stop the hub after the class."
)

_WORDS = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: written on a board


def shared_password(groups: int = 3, size: int = 4) -> str:
    """A new password for the class, easy to read aloud: ``k7qm-x2hp-9tdf``."""
    return "-".join("".join(secrets.choice(_WORDS) for _ in range(size))
                    for _ in range(groups))


def loopback(address: str) -> bool:
    """True when ``address`` is reachable from this machine only."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def instructor_notebook() -> dict[str, Any]:
    """A notebook that opens the instructor's view on the platform as root."""
    source = (
        "from labpanels.demo import connection\n"
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import InstructorView\n"
        "\n"
        "demo = connection()  # this hub's platform, with root's account\n"
        "admin = Vantage6Session(demo[\"vantage6\"][\"url\"])\n"
        "admin.login(\"root\", demo[\"vantage6\"][\"users\"][\"root\"][\"password\"])\n"
        "view = InstructorView(admin)\n"
        "view"
    )
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": (
                "# The class at a glance\n\nWho has logged in, how many tasks each learner "
                "ran, which failed and why; *Stuck only* shows who needs help. It updates "
                "by itself.")},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source},
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def public_address(bind: str) -> str:
    """The address learners type for a hub bound to ``bind``: the machine's own address
    for a wildcard (0.0.0.0, ::), 127.0.0.1 for loopback, else ``bind`` itself."""
    import socket

    if loopback(bind):
        return "127.0.0.1"
    if bind not in ("0.0.0.0", "::", ""):
        return bind
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
        return s.getsockname()[0]
    return socket.gethostname()


def _check_jupyterhub() -> None:
    if importlib.util.find_spec("jupyterhub") is None:
        raise HubSetupError("JupyterHub is not installed in this environment: "
                            "pip install 'labpanels[hub]'")


def _port_free(address: str, port: int) -> bool:
    import socket

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as sock:
        try:
            sock.bind((address.strip("[]"), port))
        except OSError:
            return False
    return True


def _secrets(folder: Path, keep: bool) -> dict[str, str]:
    """The hub's passwords and tokens; kept in the folder (owner only) with ``--folder``
    so a restarted hub keeps the class's password."""
    path = folder / "secrets.json"
    if keep and path.exists():
        return json.loads(path.read_text())
    values = {
        "LABPANELS_HUB_PASSWORD": shared_password(),
        "LABPANELS_HUB_ADMIN_PASSWORD": secrets.token_urlsafe(24),
        "LABPANELS_HUB_API_TOKEN": secrets.token_hex(32),
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
    }
    write_private(path, json.dumps(values))
    return values


def _summary(info: dict[str, Any]) -> str:
    hub = info["hub"]
    learners = hub["learners"]
    v6 = info["vantage6"]
    first, last = (learners[0], learners[-1]) if learners else ("-", "-")
    lines = [
        "",
        f"labpanels hub is ready: {hub['url']}",
        f"  learners        : {first} … {last} ({len(learners)}), "
        f"hub password for all: {hub['password']}",
        "  vantage6        : each learner logs in as themselves (learnerNN, password "
        "Learner-NN-pass!); their notebooks find the platform by themselves",
        f"  instructor      : {INSTRUCTOR} / {hub['admin_password']} "
        "(hub admin; instructor.ipynb shows the class)",
        f"  vantage6 server : {v6['api_url']} (root password {v6['users']['root']['password']})",
        f"  homes           : {hub['homes']}"
        + ("" if hub["kept"] else " (deleted when the hub stops: use --folder to keep them)"),
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def _wait_hub(url: str, token: str, proc, timeout: float, stop: threading.Event) -> None:
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        if proc.poll() is not None:
            raise HubError(f"JupyterHub exited ({proc.returncode}) while starting")
        try:
            answer = requests.get(f"{url}hub/api/users", timeout=5,
                                  headers={"Authorization": f"token {token}"})
            if answer.status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise HubError(f"JupyterHub did not answer at {url} within {timeout:g} s")
        stop.wait(0.3)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_hub(
    *,
    learners: int,
    bind: str = "127.0.0.1",
    port: int = 8000,
    folder: Path | None = None,
    info: Path | None = None,
    notebooks: Path | None = None,
    v6_port: int = 0,
    out: Callable[[str], None] | None = None,
) -> int:
    """Run the platform and the hub until SIGINT/SIGTERM; return the exit code."""
    say = out or (lambda text: print(text, flush=True))

    def warn(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if learners < 1:
        warn("labpanels hub: give --learners N (1 or more)")
        return 2
    if not loopback(bind):  # said first: the instructor must read it
        warn(BIND_WARNING.format(bind=bind, user=os.environ.get("USER") or os.getuid()))
    try:
        _check_jupyterhub()
        proxy = ensure_proxy()
    except HubSetupError as exc:
        warn(f"labpanels hub: {exc}")
        return 1
    port = port or processes.free_port()
    if not _port_free(bind, port):
        warn(f"labpanels hub: port {port} on {bind} is in use: choose another with --port")
        return 1
    source = notebooks.resolve() if notebooks else workshop_notebooks()
    if source is None or not source.is_dir():
        warn("labpanels hub: the workshop notebooks were not found: give --notebooks DIR")
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    become_subreaper()
    tree = ProcessTree()

    kept = folder is not None
    root = Path(folder).resolve() if folder else Path(tempfile.mkdtemp(prefix="labpanels-hub-"))
    root.mkdir(parents=True, exist_ok=True)
    hub_folder, homes = root / "hub", root / "homes"
    hub_folder.mkdir(exist_ok=True)
    homes.mkdir(exist_ok=True)

    from ..demo.platform import Platform

    platform = Platform(root / "platform", learners=learners,
                        server_options={"port": v6_port})
    hub_proc = None
    code = 0
    try:
        try:
            platform.start()
        except Exception as exc:  # the platform's own errors: one line, no traceback
            raise HubError(f"the local platform did not start: {exc}") from None
        if stop.is_set():
            return 0
        names = [f"learner{i:02d}" for i in range(1, learners + 1)]
        missing = [n for n in names if n not in platform.info["vantage6"]["users"]]
        if missing:
            raise HubError(f"the platform kept in {root} has no account for {missing[0]} "
                           f"(it was made for fewer learners): use another --folder")
        for name in names:
            seed_home(homes / name, learner_connection(platform.info, name, names), source)
        instructor_home = homes / INSTRUCTOR
        seed_home(instructor_home, platform.info, source)
        view = instructor_home / "instructor.ipynb"
        if not view.exists():
            view.write_text(json.dumps(instructor_notebook(), indent=1), encoding="utf-8")

        values = _secrets(hub_folder, kept)
        settings = HubSettings(
            folder=hub_folder, homes=homes, learners=names, port=port,
            hub_port=processes.free_port(), proxy_api_port=processes.free_port(),
            proxy_command=proxy, python=sys.executable, bind=bind,
            allow_root=hasattr(os, "geteuid") and os.geteuid() == 0)
        config = write_config(settings)
        log = hub_folder / "jupyterhub.log"
        hub_proc = processes.spawn([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                   log=log, env=values, cwd=hub_folder)
        tree.manage(*[p.pid for p in tree.me.children()])  # each reaped by its Popen
        host = "127.0.0.1" if bind in ("0.0.0.0", "::", "") or loopback(bind) else bind
        local_url = bind_url(host, port)
        try:
            _wait_hub(local_url, values["LABPANELS_HUB_API_TOKEN"], hub_proc, 120, stop)
        except HubError as exc:
            raise HubError(f"{exc}\n{_tail(log)}") from None
        if stop.is_set():
            return 0
        description = {
            **platform.info,
            "hub": {
                "url": bind_url(public_address(bind), port),
                "local_url": local_url, "bind": bind, "port": port,
                "password": values["LABPANELS_HUB_PASSWORD"], "learners": names,
                "admin": INSTRUCTOR, "admin_password": values["LABPANELS_HUB_ADMIN_PASSWORD"],
                "api_url": f"{local_url}hub/api", "service": SERVICE_NAME,
                "api_token": values["LABPANELS_HUB_API_TOKEN"],
                "homes": str(homes), "folder": str(root), "kept": kept,
                "log": str(log), "pid": os.getpid(),
            },
        }
        if info:
            write_private(Path(info), json.dumps(description, indent=2))
        say(_summary(description))
        while not stop.wait(1.0):
            tree.snapshot()
            tree.reap_orphans()
            if hub_proc.poll() is not None:
                warn(f"JupyterHub exited ({hub_proc.returncode}); stopping everything.\n"
                     f"{_tail(log)}")
                code = 1
                break
        return code
    except HubError as exc:
        warn(f"labpanels hub: {exc}")
        return 1
    finally:
        warn("Stopping the hub, the learners' servers and the platform…")
        tree.snapshot()  # every server and kernel as they are now
        if hub_proc is not None and hub_proc.poll() is None:
            hub_proc.terminate()  # JupyterHub stops the servers and the proxy itself
        platform.stop()  # meanwhile
        if hub_proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # the rest: stop_all
                hub_proc.wait(20)
        killed = tree.stop_all()
        if killed:
            warn(f"(had to kill {len(killed)} process(es) that did not stop)")
        if info and Path(info).exists():
            Path(info).unlink()
        if not kept:
            shutil.rmtree(root, ignore_errors=True)
        warn("Everything stopped.")
