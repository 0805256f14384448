"""The real vantage6-algorithm-store 4.15.2, launched locally from its own environment."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from . import processes
from .v6server import SERVER_VERSION
from .venvs import ensure_venv

__all__ = ["V6Store", "STORE_REQUIREMENTS", "store_python"]

STORE_REQUIREMENTS = [
    f"vantage6-algorithm-store=={SERVER_VERSION}",
    # not declared as a dependency, but imported ("No module named 'vantage6.backend'")
    f"vantage6-backend-common=={SERVER_VERSION}",
]
_ENTRY = Path(__file__).with_name("v6store_main.py")


def store_python() -> Path:
    """The Python of the cached store environment (built on first use)."""
    return ensure_venv("vantage6-algorithm-store", STORE_REQUIREMENTS)


@dataclass
class V6Store:
    """One algorithm store process on 127.0.0.1 with its SQLite file in ``folder``.

    ``server_api_url`` is the vantage6 server whose users the store accepts; its
    ``root`` user is the store's root. Review is disabled, so an algorithm is approved
    as soon as it is added; anyone may list algorithms (``algorithm_view: public``).
    """

    folder: Path
    server_api_url: str
    port: int = 0
    host: str = "127.0.0.1"
    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Origin of the store, e.g. ``http://127.0.0.1:7602``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base URL of the store's API (``<origin>/api``), as servers and clients use it."""
        return f"{self.url}/api"

    @property
    def log_file(self) -> Path:
        """Where the store's own console output goes."""
        return self.folder / "store.log"

    def write_config(self) -> Path:
        """Write the store's YAML configuration (JSON is valid YAML); return its path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = {
            "description": "labpanels local algorithm store",
            "ip": self.host,
            "port": self.port,
            "api_path": "/api",
            "uri": f"sqlite:///{(self.folder / 'store.sqlite').resolve()}",
            "allow_drop_all": False,
            "policies": {
                "algorithm_view": "public",
                "allow_localhost": True,
                "allowed_servers": "all",
                "min_reviewers": 1,
                "assign_review_own_algorithm": True,
                "min_reviewing_organizations": 1,
            },
            # a store on 127.0.0.1 would otherwise take a localhost server URL for
            # "the container itself" and refuse it
            "dev": {"disable_review": True, "host_uri": self.host},
            "root_user": {"v6_server_uri": self.server_api_url, "username": "root"},
            "logging": {
                "level": "INFO",
                "file": "vantage6-store.log",
                "use_console": True,
                "backup_count": 1,
                "max_size": 1024,
                "format": "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s",
                "datefmt": "%Y-%m-%d %H:%M:%S",
            },
        }
        path = self.folder / "store.yaml"
        path.write_text(json.dumps(config, indent=2))
        return path

    def start(self, timeout: float = 60.0) -> V6Store:
        """Start the store and wait until ``/api/version`` answers."""
        if self.proc and self.proc.poll() is None:
            return self
        python = store_python()
        if not self.port:
            self.port = processes.free_port(self.host)
        config = self.write_config()
        xdg = self.folder / "xdg"
        env = {
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_CACHE_HOME": str(xdg / "cache"),
            "XDG_STATE_HOME": str(xdg / "state"),
            "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore",
        }
        # run the entry by path without putting labpanels/demo on the store's sys.path
        launch = (
            "import runpy, sys; sys.argv[:] = sys.argv[1:]; "
            "runpy.run_path(sys.argv[0], run_name='__main__')"
        )
        self.proc = processes.spawn(
            [str(python), "-c", launch, str(_ENTRY), str(config), self.host, str(self.port)],
            log=self.log_file, env=env, cwd=self.folder,
        )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the API answers; raise with the log's tail if the store died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"algorithm store exited early:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.api_url}/version", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"algorithm store not ready in {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the store process and wait until its port is closed."""
        processes.stop(self.proc)
        self.proc = None
        if self.port:
            processes.wait_until(lambda: not processes.port_open(self.port, self.host), 10,
                                 what=f"port {self.port} closed")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the store's console log."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
