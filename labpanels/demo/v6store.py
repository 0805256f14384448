"""The real vantage6-algorithm-store 4.15.2, launched locally from its own environment."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from . import processes
from .service import LocalService
from .v6server import SERVER_VERSION
from .venvs import ensure_venv

__all__ = ["V6Store", "STORE_REQUIREMENTS", "store_python"]

STORE_REQUIREMENTS = [
    f"vantage6-algorithm-store=={SERVER_VERSION}",
    # not declared as a dependency, but imported ("No module named 'vantage6.backend'")
    f"vantage6-backend-common=={SERVER_VERSION}",
]


def store_python() -> Path:
    """The Python of the cached store environment (built on first use)."""
    return ensure_venv("vantage6-algorithm-store", STORE_REQUIREMENTS)


@dataclass
class V6Store(LocalService):
    """One algorithm store process on 127.0.0.1 with its SQLite file in ``folder``.

    ``server_api_url`` is the vantage6 server whose users the store accepts; its
    ``root`` user is the store's root. Review is disabled, so an algorithm is approved
    as soon as it is added; anyone may list algorithms (``algorithm_view: public``).
    Without a ``port``, a folder's store comes back on the port it had (if free).
    """

    folder: Path
    server_api_url: str
    port: int = 0
    host: str = "127.0.0.1"
    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

    TITLE: ClassVar[str] = "algorithm store"
    LOG_NAME: ClassVar[str] = "store.log"
    KIND: ClassVar[str] = "store"

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

    def launch(self) -> V6Store:
        """Start the store's process without waiting for it (see :meth:`wait_ready`):
        it loads while the server starts."""
        if self.proc and self.proc.poll() is None:
            return self
        python = store_python()
        if not self.port:
            self.port = self._earlier_port() or processes.free_port(self.host)
        config = self.write_config()
        (self.folder / "port").write_text(str(self.port))
        self._spawn(python, config)
        return self

    def _earlier_port(self) -> int:
        """The port this folder's store had before, if nothing listens there now: the
        server's link to the store (its URL) stays valid across restarts."""
        try:
            port = int((self.folder / "port").read_text())
        except (OSError, ValueError):
            return 0
        return 0 if processes.port_open(port, self.host) else port
