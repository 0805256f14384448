"""Starting and stopping the demo platform's child processes.

Every child dies with its parent (Linux ``PR_SET_PDEATHSIG``), so a killed test run or a
closed terminal never leaves a server behind, and :func:`stop` ends a child politely
first (SIGTERM), then firmly (SIGKILL).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["spawn", "stop", "stop_all", "descendants", "free_port", "port_open", "wait_until"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    cmd: Sequence[str],
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | None = None,
) -> subprocess.Popen:
    """Start ``cmd`` with its output in ``log`` (or piped when ``stdout`` is given)."""
    out = stdout
    if out is None:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - child owns it
    proc = subprocess.Popen(
        list(cmd),
        stdout=out,
        stderr=subprocess.STDOUT if log else None,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        preexec_fn=_die_with_parent,
    )
    if out not in (None, subprocess.DEVNULL, subprocess.PIPE) and hasattr(out, "close"):
        out.close()  # the child holds its own copy
    return proc


def stop(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Terminate ``proc`` and wait for it; kill it if it does not exit in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def descendants(*pids: int) -> list[int]:
    """The process ids below any of ``pids`` (children, their children …), read from
    ``/proc`` in one pass; empty where there is no ``/proc``."""
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, sig)


def stop_all(procs: Sequence[subprocess.Popen | None], grace: float = 1.5) -> None:
    """Stop every process of ``procs`` at once: SIGTERM to each, then, after ``grace``
    seconds, SIGKILL to each still running and to everything it started (a JupyterLab's
    kernels, say); returns when all of them are gone."""
    live = [p for p in procs if p is not None and p.poll() is None]
    if not live:
        return
    # one pass over /proc, before any of them exits (an orphan is no longer found below)
    below = set(descendants(*(p.pid for p in live)))
    for p in live:
        with contextlib.suppress(OSError):
            p.terminate()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(p.poll() is None for p in live):
        time.sleep(0.02)
    late = [p for p in live if p.poll() is None]
    if late:
        below.update(descendants(*(p.pid for p in late)))
        for p in late:
            with contextlib.suppress(OSError):
                p.kill()
    for pid in below:  # what they started dies with them, now
        if _running(pid):
            _signal(pid, signal.SIGKILL)
    for p in live:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(5)
    gone = time.monotonic() + 2
    while time.monotonic() < gone and any(_running(pid) for pid in below):
        time.sleep(0.02)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_until(
    check: Callable[[], bool], timeout: float, interval: float = 0.1, what: str = "condition"
) -> None:
    """Poll ``check`` until it is true; raise TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # a check that fails now may succeed later
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g} s")
        time.sleep(interval)
