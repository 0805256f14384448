"""Every process ``labpanels hub`` started, directly or not, and stopping them all.

JupyterHub starts the proxy and each learner's server in a session of its own, and each
server starts its kernels in yet another: a signal to one process group reaches none of
the others. The launcher therefore makes itself a *child subreaper* (Linux
``PR_SET_CHILD_SUBREAPER``): a process whose parent dies is handed to the launcher, not
to init, so everything it started stays among its descendants until it ends.
:class:`ProcessTree` lists them, reaps the orphans that end, and stops what is left by
pid: never by name.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

import psutil

__all__ = ["ProcessTree", "become_subreaper"]

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the one orphaned descendants are handed to (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


class ProcessTree:
    """The descendants of this process, remembered by (pid, start time) so that a pid
    the system gives to someone else later is never taken for one of ours."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.known: dict[int, float] = {}  # pid -> create_time
        self.managed: set[int] = set()  # direct children with a Popen that waits for them

    def manage(self, *pids: int) -> None:
        """Note direct children that their own ``Popen`` object reaps."""
        self.managed.update(pids)

    def snapshot(self) -> list[psutil.Process]:
        """The live descendants now (and remember them)."""
        try:
            found = self.me.children(recursive=True)
        except psutil.Error:
            return []
        for proc in found:
            with contextlib.suppress(psutil.Error):
                self.known.setdefault(proc.pid, proc.create_time())
        return found

    def reap_orphans(self) -> int:
        """Wait for ended orphans handed to us (zombies no Popen waits for); return how
        many were reaped."""
        reaped = 0
        with contextlib.suppress(psutil.Error):
            for child in self.me.children():
                if child.pid in self.managed:
                    continue
                with contextlib.suppress(psutil.Error, ChildProcessError):
                    if child.status() == psutil.STATUS_ZOMBIE:
                        os.waitpid(child.pid, os.WNOHANG)
                        reaped += 1
        return reaped

    def alive(self) -> list[psutil.Process]:
        """The remembered processes (and any new descendant) that still run."""
        self.snapshot()
        left = []
        for pid, started in list(self.known.items()):
            try:
                proc = psutil.Process(pid)
                if proc.create_time() != started or proc.status() == psutil.STATUS_ZOMBIE:
                    continue
            except psutil.Error:
                continue
            left.append(proc)
        return left

    def stop_all(self, timeout: float = 5.0) -> list[int]:
        """SIGTERM every remembered process still running, SIGKILL what is left after
        ``timeout``; reap them. Returns the pids that had to be killed."""
        procs = self.alive()
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGTERM)
        _, left = psutil.wait_procs(procs, timeout=timeout)
        for proc in left:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(left, timeout=5)
        deadline = time.monotonic() + 2
        while self.reap_orphans() and time.monotonic() < deadline:
            pass
        return [p.pid for p in left]
