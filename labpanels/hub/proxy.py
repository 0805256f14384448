"""configurable-http-proxy, the proxy JupyterHub puts in front of every server.

It is a Node.js program: :func:`ensure_proxy` installs the pinned version from the npm
registry into the labpanels cache once (``npm install --prefix``) and returns the path of
its command. Without Node.js or npm it raises :class:`HubSetupError` saying what to
install.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

from ..demo.venvs import cache_dir
from .errors import HubSetupError

__all__ = ["PROXY_VERSION", "ensure_proxy", "proxy_command"]

PROXY_VERSION = "5.3.0"
_PACKAGE = "configurable-http-proxy"
_NODE_HINT = ("labpanels hub needs Node.js (18 or newer) and npm for JupyterHub's proxy "
              f"({_PACKAGE} {PROXY_VERSION}, installed from the npm registry at first use). "
              "Debian/Ubuntu: apt-get install nodejs npm; elsewhere: https://nodejs.org")


def _prefix(cache: Path | None) -> Path:
    return (cache or cache_dir()) / f"{_PACKAGE}-{PROXY_VERSION}"


def proxy_command(cache: Path | None = None) -> Path:
    """Where the installed proxy's command is (it may not exist yet)."""
    return _prefix(cache) / "node_modules" / ".bin" / _PACKAGE


def ensure_proxy(cache: Path | None = None, *, npm: str = "npm", node: str = "node",
                 timeout: float = 600.0) -> Path:
    """The proxy's command, installed into ``cache`` (the labpanels cache) on first use.

    Raises HubSetupError when Node.js or npm is missing or the install fails."""
    missing = [name for name in (node, npm) if shutil.which(name) is None]
    if missing:
        raise HubSetupError(f"{' and '.join(missing)} not found. {_NODE_HINT}")
    command = proxy_command(cache)
    prefix = _prefix(cache)
    done = prefix / ".labpanels-complete"
    if done.exists() and command.exists():
        return command
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix.parent / f".{prefix.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two hubs starting at once install it once
        if done.exists() and command.exists():
            return command
        print(f"labpanels: installing {_PACKAGE} {PROXY_VERSION} from the npm registry "
              f"into {prefix} (once)...", flush=True)
        try:
            proc = subprocess.run(
                [shutil.which(npm) or npm, "install", "--prefix", str(prefix), "--no-audit",
                 "--no-fund", "--no-save", f"{_PACKAGE}@{PROXY_VERSION}"],
                capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise HubSetupError(f"npm install {_PACKAGE}@{PROXY_VERSION} did not finish in "
                                f"{timeout:g} s: is the npm registry reachable?") from None
        if proc.returncode != 0 or not command.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            raise HubSetupError(f"npm install {_PACKAGE}@{PROXY_VERSION} failed "
                                f"({proc.returncode}):\n{tail}")
        done.write_text(f"{_PACKAGE}@{PROXY_VERSION}\n")
    return command
