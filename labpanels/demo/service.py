"""What the local vantage6 server and algorithm store have in common: one process on
``host:port`` with a REST API under ``/api``, a console log in its folder, started and
stopped by the launcher."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, TypeVar

import requests

from . import processes

__all__ = ["LocalService"]

_Service = TypeVar("_Service", bound="LocalService")

#: the entry both services' own Pythons run (it must not import labpanels)
_ENTRY = Path(__file__).with_name("v6_main.py")
# run the entry by path without putting its folder (labpanels/demo, which holds a module
# called platform) on the service's sys.path
_RUN_ENTRY = ("import runpy, sys; sys.argv[:] = sys.argv[1:]; "
              "runpy.run_path(sys.argv[0], run_name='__main__')")


class LocalService:
    """Mixin for a dataclass with ``folder``, ``host``, ``port`` and ``proc`` fields."""

    #: how the service is named in messages ("vantage6 server")
    TITLE: ClassVar[str] = "service"
    #: its console log's file name in ``folder``
    LOG_NAME: ClassVar[str] = "service.log"
    #: which service ``v6_main.py`` serves ("server" or "store")
    KIND: ClassVar[str]

    folder: Path
    host: str
    port: int
    proc: subprocess.Popen | None

    @property
    def url(self) -> str:
        """Origin of the service, e.g. ``http://127.0.0.1:7601``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base URL of its REST API (``<origin>/api``), as clients and servers use it."""
        return f"{self.url}/api"

    @property
    def log_file(self) -> Path:
        """Where the service's own console output goes."""
        return self.folder / self.LOG_NAME

    def launch(self: _Service) -> _Service:
        """Start the service's process without waiting for it (see :meth:`wait_ready`)."""
        raise NotImplementedError

    def start(self: _Service, timeout: float = 60.0) -> _Service:
        """Start the service and wait until ``/api/version`` answers."""
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, python: Path, config: Path, env: Mapping[str, str] | None = None) -> None:
        """Run ``v6_main.py`` with ``python`` on ``config``, its XDG folders in ours."""
        xdg = self.folder / "xdg"
        self.proc = processes.spawn(
            [str(python), "-c", _RUN_ENTRY, str(_ENTRY), self.KIND, str(config), self.host,
             str(self.port)],
            log=self.log_file, cwd=self.folder,
            env={"XDG_CONFIG_HOME": str(xdg / "config"), "XDG_DATA_HOME": str(xdg / "data"),
                 "XDG_CACHE_HOME": str(xdg / "cache"), "XDG_STATE_HOME": str(xdg / "state"),
                 "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore", **(env or {})},
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the API answers; raise with the log's tail if the process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.TITLE} exited early:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.api_url}/version", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.TITLE} not ready in {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the process and wait until its port is closed."""
        processes.stop(self.proc)
        self.proc = None
        if self.port:
            processes.wait_until(lambda: not processes.port_open(self.port, self.host), 10,
                                 what=f"port {self.port} closed")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the console log."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
