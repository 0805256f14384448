"""Where a running ``labpanels demo`` describes itself, and how notebooks find it.

Every demo writes its own connection file, ``<cache>/demos/<pid>.json`` (the demo
process's id, so two demos on one account never share one), and hands that path to
the JupyterLab it starts as ``LABPANELS_DEMO_INFO``. A notebook's
:func:`labpanels.demo.connection` reads ``$LABPANELS_DEMO_INFO`` when it is set;
otherwise it takes the one running demo listed under ``<cache>/demos`` (a file whose
demo process is gone is ignored) and asks which one when there are several.

A demo removes only what it wrote itself, and only while the file still holds what it
wrote (:func:`remove_if_ours`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import LabpanelsError
from .venvs import cache_dir

__all__ = [
    "ENV_VAR", "NoDemoFound", "demos_dir", "own_connection_file", "connection_file",
    "load_connection", "running_demos", "write_private", "remove_if_ours",
]

#: the variable naming a demo's connection file (set for the JupyterLab a demo starts)
ENV_VAR = "LABPANELS_DEMO_INFO"


class NoDemoFound(LabpanelsError, RuntimeError):
    """No running demo could be found (or several, and none was named)."""


def demos_dir() -> Path:
    """The folder holding one connection file per running demo."""
    return cache_dir() / "demos"


def own_connection_file(pid: int | None = None) -> Path:
    """The connection file of the demo running as process ``pid`` (default: this one)."""
    return demos_dir() / f"{os.getpid() if pid is None else int(pid)}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process: alive, not ours to read anyway
        return True
    try:  # a zombie is not running either
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def running_demos() -> list[Path]:
    """Connection files of demos whose process still runs, oldest first."""
    found = []
    for path in demos_dir().glob("*.json"):
        if path.stem.isdigit() and _alive(int(path.stem)):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime)


def connection_file() -> Path:
    """The connection file a notebook should read: ``$LABPANELS_DEMO_INFO``, else the one
    running demo's file. Raises :class:`NoDemoFound` when there is none, or several."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    demos = running_demos()
    if len(demos) == 1:
        return demos[0]
    if not demos:
        raise NoDemoFound(
            "no running labpanels demo found: start one with `labpanels demo` (or "
            "`make demo` in a checkout), or set LABPANELS_DEMO_INFO to a demo's "
            "connection file")
    listed = ", ".join(str(p) for p in demos)
    raise NoDemoFound(
        f"{len(demos)} labpanels demos are running ({listed}): set LABPANELS_DEMO_INFO "
        "to the connection file of the one to use (a JupyterLab started by a demo has "
        "it set already)")


def load_connection() -> dict[str, Any]:
    """The description of the running demo platform (raises :class:`NoDemoFound`)."""
    path = connection_file()
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise NoDemoFound(
            f"no running labpanels demo found ({path} does not exist): start one with "
            "`labpanels demo` (or `make demo` in a checkout)") from None


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by this account only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    tmp.replace(path)


def remove_if_ours(path: Path, text: str) -> bool:
    """Delete ``path`` if it still holds ``text`` (what this demo wrote); True if deleted.
    A file another demo has written since is left alone."""
    try:
        if path.read_text(encoding="utf-8") != text:
            return False
    except OSError:
        return False
    path.unlink(missing_ok=True)
    return True
