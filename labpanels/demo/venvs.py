"""Separate, cached virtual environments for programs that must not share ours.

The vantage6 server pins IPython 8.10 and the official SPARC/o²S²PARC clients pin
conflicting versions of one another, so each runs from an environment of its own.
An environment is built once per (name, Python version, requirements) and reused; the
environment counts only once a marker file says its build finished, and builds run
under a file lock so that two processes never build the same one at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["cache_dir", "ensure_venv", "VenvBuildError"]


class VenvBuildError(RuntimeError):
    """Creating a side environment failed; the message holds pip's last lines."""


def cache_dir() -> Path:
    """Where labpanels keeps what it builds: ``$LABPANELS_CACHE`` or the user cache."""
    explicit = os.environ.get("LABPANELS_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "labpanels"


def _python_in(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path) -> bool:
    return (venv / ".labpanels-complete").exists()


def ensure_venv(name: str, requirements: list[str], *, quiet: bool = True) -> Path:
    """Return the Python of a cached environment with ``requirements`` installed.

    The first call builds it (tens of seconds); later calls return at once.
    """
    tag = hashlib.sha256("\n".join([sys.version, *sorted(requirements)]).encode()).hexdigest()
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    root = cache_dir() / "venvs"
    target = root / f"{name}-{py}-{tag[:10]}"
    if _ready(target):
        return _python_in(target)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready(target):  # another process built it meanwhile
            return _python_in(target)
        shutil.rmtree(target, ignore_errors=True)  # an interrupted build
        print(f"labpanels: building the {name} environment (once)...", file=sys.stderr)
        try:
            _run([sys.executable, "-m", "venv", str(target)])
            pip = [str(_python_in(target)), "-m", "pip", "--disable-pip-version-check"]
            _run([*pip, "install", *(["-q"] if quiet else []), *requirements])
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        (target / ".labpanels-complete").write_text("\n".join(requirements) + "\n")
    return _python_in(target)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise VenvBuildError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{tail}")
