"""Local emulator of the Pennsieve discover API, Pennsieve zipit and the o²S²PARC public API v0.

One ASGI app (starlette + uvicorn) serves all three at the root of one ``host:port``
(see :mod:`.app` for the URL map), with deterministic seed datasets (:mod:`.seed`) and
two solvers (:mod:`.jobs`).  Run it in a subprocess::

    from labpanels.demo.emulator import start_emulator

    with start_emulator(time_scale=0.05) as emu:
        requests.get(f"{emu.pennsieve_url}/datasets", timeout=10)
        osparc.Configuration(host=emu.osparc_url, username=emu.credentials[0],
                             password=emu.credentials[1])

Swap the URLs for ``https://api.pennsieve.io/discover``, ``https://api.pennsieve.io/zipit``
and ``https://api.osparc.io`` to talk to the real services.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .common import DEFAULT_API_KEY, DEFAULT_API_SECRET, Settings

__all__ = [
    "start_emulator",
    "EmulatorHandle",
    "EmulatorError",
    "Settings",
    "create_app",
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
]


class EmulatorError(RuntimeError):
    """The emulator process did not come up."""


def create_app(settings: Settings | None = None):
    """The ASGI app itself, for running in-process (imports starlette lazily)."""
    from .app import create_app as _create

    return _create(settings)


@dataclass
class EmulatorHandle:
    """A running emulator subprocess."""

    url: str
    pennsieve_url: str
    zipit_url: str
    osparc_url: str
    credentials: tuple[str, str]
    port: int
    process: subprocess.Popen
    log_path: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process, wait for it, and make sure the port is closed."""
        from labpanels.demo.processes import port_open, stop, wait_until

        stop(self.process, timeout)
        wait_until(lambda: not port_open(self.port), 5, 0.05, what=f"port {self.port} closed")

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_emulator(
    host: str = "127.0.0.1",
    port: int = 0,
    time_scale: float = 1.0,
    *,
    api_key: str = DEFAULT_API_KEY,
    api_secret: str = DEFAULT_API_SECRET,
    max_download_mb: float | None = None,
    max_archive_mb: float | None = None,
    upload_chunk_kb: int | None = None,
    log_path: str | Path | None = None,
    startup_timeout: float = 30.0,
    python: str | None = None,
) -> EmulatorHandle:
    """Run ``python -m labpanels.demo.emulator`` and wait for its ready line."""
    from labpanels.demo.processes import spawn

    cmd = [
        python or sys.executable,
        "-m",
        "labpanels.demo.emulator",
        "--host",
        host,
        "--port",
        str(port),
        "--time-scale",
        repr(float(time_scale)),
        "--api-key",
        api_key,
        "--api-secret",
        api_secret,
    ]
    if max_download_mb is not None:
        cmd += ["--max-download-mb", str(max_download_mb)]
    if upload_chunk_kb is not None:
        cmd += ["--upload-chunk-kb", str(upload_chunk_kb)]
    if max_archive_mb is not None:
        cmd += ["--max-archive-mb", str(max_archive_mb)]
    root = str(Path(__file__).resolve().parents[3])
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
        "PYTHONUNBUFFERED": "1",
    }
    log = Path(log_path) if log_path else None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    proc = spawn(cmd, env=env, stdout=subprocess.PIPE, log=None)
    # stderr goes to the log file when given (spawn sends it to ours otherwise)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            lines.put(text)
            if log is not None:
                with open(log, "a") as fh:
                    fh.write(text)
        proc.stdout.close()
        lines.put(None)

    threading.Thread(target=pump, name="emulator-stdout", daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _kill(proc)
            raise EmulatorError(f"emulator did not report ready within {startup_timeout:.0f} s")
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            _kill(proc)
            raise EmulatorError(f"emulator exited early (code {proc.poll()})")
        line = line.strip()
        if line.startswith("{"):
            info = json.loads(line)
            return EmulatorHandle(
                url=info["url"],
                pennsieve_url=info["pennsieve_url"],
                zipit_url=info["zipit_url"],
                osparc_url=info["osparc_url"],
                credentials=(info["api_key"], info["api_secret"]),
                port=int(info["port"]),
                process=proc,
                log_path=log,
            )


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
