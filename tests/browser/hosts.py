"""The notebook hosts other than JupyterLab, for ``test_hosts.py``: Notebook 7, voila, marimo.

Each host runs as one process on a free port of 127.0.0.1, with a token, isolated Jupyter
folders (config, data, runtime, IPython), in a process group of its own
(``start_new_session``) that dies with the pytest process (``PR_SET_PDEATHSIG``);
:meth:`HostServer.stop` shuts the Jupyter kernels down through the REST API where there is
one, then ends that process group only (SIGTERM, then SIGKILL) by its pid.

:class:`PageLog` records a page's console errors and uncaught exceptions, so a test can fail
on them (an anywidget module that fails to load shows nothing but a console error).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labpanels.demo import processes

from .harness import _KERNEL_ENV_STARTUP, ConsoleEntry, _notebook_json

__all__ = ["HostServer", "PageLog", "start_marimo", "start_notebook7", "start_voila",
           "write_notebook"]


@dataclass
class HostServer:
    """One running host; ``url(path)`` is a page address with the token in it."""

    kind: str
    proc: subprocess.Popen
    port: int
    token: str
    folder: Path
    log: Path
    token_param: str = "token"
    kernels_api: bool = True  # a jupyter_server with /api/kernels

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}{self.token_param}={self.token}"

    def api(self, method: str, path: str, timeout: float = 10.0):
        req = urllib.request.Request(self.base + path, method=method)
        req.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the kernels down (Jupyter hosts), then end this server's process group."""
        if self.proc.poll() is None and self.kernels_api:
            with contextlib.suppress(OSError, ValueError, urllib.error.URLError):
                for kernel in self.api("GET", "/api/kernels"):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}")
        _stop_group(self.proc, timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM the group led by ``proc`` (its own session), wait, then SIGKILL it."""
    pgid = proc.pid  # start_new_session: the child leads a group of its own
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    # what is left of the group (children that outlived the leader)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def _isolated_env(folder: Path, env: Mapping[str, str] | None) -> dict[str, str]:
    dirs = {name: folder / name for name in ("config", "data", "runtime", "ipython")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    startup = dirs["ipython"] / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-labpanels-kernel-env.py").write_text(_KERNEL_ENV_STARTUP, encoding="utf-8")
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }


def _spawn(cmd: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child holds its own copy
    try:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=cwd, start_new_session=True,
            preexec_fn=processes._die_with_parent,  # noqa: SLF001 - the one place it lives
        )
    finally:
        out.close()


def _wait_http(server: HostServer, path: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.kind} exited with {server.proc.returncode}:\n"
                               f"{server.log_tail()}")
        if processes.port_open(server.port) and path is None:
            return
        if processes.port_open(server.port):
            try:
                with urllib.request.urlopen(server.url(path), timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.kind} not ready within {timeout:g} s:\n"
                               f"{server.log_tail()}")
        time.sleep(0.2)


def _start(kind: str, make_cmd, folder: Path, cwd: Path, env: Mapping[str, str] | None,
           ready_path: str | None, timeout: float, **extra) -> HostServer:
    folder.mkdir(parents=True, exist_ok=True)
    full_env = _isolated_env(folder, env)
    log = folder / f"{kind}.log"
    last: Exception | None = None
    for _attempt in range(3):  # a free port can be taken between free_port() and bind()
        port = processes.free_port()
        token = secrets.token_hex(16)
        proc = _spawn(make_cmd(port, token), log, full_env, cwd)
        server = HostServer(kind, proc, port, token, folder, log, **extra)
        try:
            _wait_http(server, ready_path, timeout)
            return server
        except Exception as exc:  # retried, then re-raised
            server.stop()
            last = exc
    raise RuntimeError(f"{kind} did not start: {last}")


def _root_flag() -> list[str]:
    return ["--ServerApp.allow_root=True"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def start_notebook7(folder: Path, root: Path, env: Mapping[str, str] | None = None,
                    timeout: float = 90.0) -> HostServer:
    """``jupyter notebook`` (7) serving ``root``; pages at ``/notebooks/<path>``."""
    def cmd(port: int, token: str) -> list[str]:
        return [
            sys.executable, "-m", "jupyter", "notebook", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            # settings and workspaces live under the isolated JUPYTER_CONFIG_DIR
            "--JupyterNotebookApp.expose_app_in_browser=True",
            *_root_flag(),
        ]  # fmt: skip
    return _start("notebook7", cmd, folder, root, env, "/api", timeout)


def start_voila(folder: Path, notebook: Path, env: Mapping[str, str] | None = None,
                timeout: float = 90.0) -> HostServer:
    """``voila <notebook>``: the page at ``/`` runs the notebook and shows its outputs."""
    def cmd(port: int, token: str) -> list[str]:
        return [
            sys.executable, "-m", "voila", str(notebook), "--no-browser",
            "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
            f"--token={token}", *_root_flag(),
            # Notebook 7's own front-end extension does not load in voila's page ("The
            # getter for the shared module is not a function", @jupyterlab/docregistry)
            "--VoilaConfiguration.extension_denylist=@jupyter-notebook/lab-extension",
        ]
    # its only page runs the notebook: ready when the port answers
    return _start("voila", cmd, folder, notebook.parent, env, None, timeout, kernels_api=False)


def start_marimo(folder: Path, app: Path, env: Mapping[str, str] | None = None,
                 timeout: float = 90.0) -> HostServer:
    """``marimo run <app>`` (read-only app view) with a token."""
    def cmd(port: int, token: str) -> list[str]:
        return [
            sys.executable, "-m", "marimo", "run", str(app), "--headless",
            "--host", "127.0.0.1", "--port", str(port), "--token", "--token-password", token,
        ]
    marimo_env = {"MARIMO_SKIP_UPDATE_CHECK": "1", **(env or {})}
    return _start("marimo", cmd, folder, app.parent, marimo_env, "/", timeout,
                  token_param="access_token", kernels_api=False)


def write_notebook(path: Path, cells: list[str], env: Mapping[str, str] | None = None) -> Path:
    """Write a notebook of code ``cells`` (and the kernel environment file next to it)."""
    from .harness import KERNEL_ENV_FILE

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_notebook_json(cells, None), indent=1), encoding="utf-8")
    if env:
        (path.parent / KERNEL_ENV_FILE).write_text(json.dumps(dict(env)), encoding="utf-8")
    return path


@dataclass
class PageLog:
    """Console messages and uncaught errors of one page."""

    entries: list[ConsoleEntry] = field(default_factory=list)

    def attach(self, page) -> PageLog:
        page.on("console", lambda msg: self.entries.append(
            ConsoleEntry(msg.type, msg.text, (msg.location or {}).get("url", ""))))
        page.on("pageerror", lambda err: self.entries.append(
            ConsoleEntry("pageerror", getattr(err, "stack", None) or str(err))))
        page.on("crash", lambda _p: self.entries.append(ConsoleEntry("crash", "page crashed")))
        return self

    def errors(self, ignore: tuple[str, ...] = ()) -> list[ConsoleEntry]:
        import re

        return [e for e in self.entries
                if e.is_error and not any(re.search(rx, f"{e.text} {e.location}")
                                          for rx in ignore)]
