"""The real vantage6-server 4.15.2, launched locally from its own environment."""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from . import processes
from .service import LocalService
from .venvs import ensure_venv

__all__ = ["V6Server", "SERVER_REQUIREMENTS", "server_python"]

SERVER_VERSION = "4.15.2"
SERVER_REQUIREMENTS = [
    f"vantage6-server=={SERVER_VERSION}",
    # an undeclared dependency of the server ("No module named 'vantage6.backend'")
    f"vantage6-backend-common=={SERVER_VERSION}",
    "websocket-client",
]


def server_python() -> Path:
    """The Python of the cached server environment (built on first use)."""
    return ensure_venv("vantage6-server", SERVER_REQUIREMENTS)


@dataclass
class V6Server(LocalService):
    """One vantage6 server process on 127.0.0.1 with its SQLite file in ``folder``.

    ``two_factor`` turns on TOTP for every user; ``token_seconds`` shortens access
    tokens (refresh tokens live an hour longer), for tests of token refresh.
    ``bcrypt_rounds`` is the cost of new password and API-key hashes: 4 keeps node
    logins fast on this local server (vantage6 checks a node's key against every
    node's hash); ``None`` keeps the server's own default (12).
    """

    folder: Path
    port: int = 0
    host: str = "127.0.0.1"
    two_factor: bool = False
    token_seconds: int | None = None
    max_failed_logins: int = 5
    lockout_minutes: float = 15
    bcrypt_rounds: int | None = 4
    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

    TITLE: ClassVar[str] = "vantage6 server"
    LOG_NAME: ClassVar[str] = "server.log"
    KIND: ClassVar[str] = "server"

    def write_config(self) -> Path:
        """Write the server's YAML configuration (JSON is valid YAML) and return its path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        secret_file = self.folder / "jwt_secret"
        if not secret_file.exists():  # stable across restarts, so tokens survive them
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        config = {
            "description": "labpanels local vantage6 server",
            "ip": self.host,
            "port": self.port,
            "api_path": "/api",
            "uri": f"sqlite:///{(self.folder / 'vantage6.sqlite').resolve()}",
            "allow_drop_all": False,
            "jwt_secret_key": secret_file.read_text().strip(),
            "two_factor_auth": self.two_factor,
            # a server on 127.0.0.1 would otherwise take a localhost algorithm store's
            # URL for "the container itself" and refuse to link it
            "dev": {"host_uri": self.host},
            "password_policy": {
                "max_failed_attempts": self.max_failed_logins,
                "inactivation_minutes": self.lockout_minutes,
            },
            "logging": {
                "level": "INFO",
                "file": "vantage6-server.log",
                "use_console": True,
                "backup_count": 1,
                "max_size": 1024,
                "format": "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s",
                "datefmt": "%Y-%m-%d %H:%M:%S",
            },
        }
        if self.token_seconds:
            config["token_expires_hours"] = self.token_seconds / 3600
            config["refresh_token_expires_hours"] = (self.token_seconds + 3600) / 3600
        path = self.folder / "server.yaml"
        path.write_text(json.dumps(config, indent=2))
        return path

    def launch(self) -> V6Server:
        """Start the server's process without waiting for it (see :meth:`wait_ready`)."""
        if self.proc and self.proc.poll() is None:
            return self
        python = server_python()
        if not self.port:
            self.port = processes.free_port(self.host)
        config = self.write_config()
        env = {}
        if self.bcrypt_rounds:
            env["LABPANELS_V6_BCRYPT_ROUNDS"] = str(self.bcrypt_rounds)
        if self.token_seconds:
            env["LABPANELS_V6_MIN_TOKEN_SECONDS"] = str(min(self.token_seconds, 60))
        self._spawn(python, config, env)
        return self

    def kill(self) -> None:
        """Kill the server process at once (SIGKILL), as a crash would; :meth:`start`
        brings it back on the same port and database."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        if self.port:
            processes.wait_until(lambda: not processes.port_open(self.port, self.host), 10,
                                 what=f"port {self.port} closed")

    def __enter__(self) -> V6Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # manual check: python -m labpanels.demo.v6server FOLDER
    with V6Server(Path(sys.argv[1])) as server:
        print(server.api_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.proc.wait()
