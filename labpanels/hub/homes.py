"""Learners' homes: the workshop notebooks and each learner's own connection file.

Every learner's JupyterLab starts in ``<homes>/<username>``. :func:`seed_home` copies the
workshop notebooks there without overwriting anything a learner already has (their
edits survive a restart of the hub) and writes ``.labpanels/demo.json``: the platform's
description as ``labpanels demo`` writes it, with the learner's own vantage6 account and
the workshop's shared ones, but neither root's nor another learner's password.
The hub points ``LABPANELS_DEMO_INFO`` at that file for the learner's server, so
``labpanels.demo.connection()`` in the notebooks finds it with no editing.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .config import CONNECTION_NAME

__all__ = ["learner_connection", "seed_home", "write_private", "copy_missing",
           "workshop_notebooks"]

_REPO_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def workshop_notebooks() -> Path | None:
    """The workshop notebooks of this checkout (``notebooks/``), or ``./notebooks``."""
    for candidate in (_REPO_NOTEBOOKS, Path.cwd() / "notebooks"):
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    return None


def learner_connection(info: Mapping[str, Any], username: str,
                       learners: Iterable[str]) -> dict[str, Any]:
    """``info`` (the platform's description) as learner ``username`` may see it.

    ``vantage6.users`` keeps the learner's own account and the workshop's shared ones
    (``PhY24-rs1`` …, which the notebooks use); root and the other learners are left out.
    ``learner`` names the learner's own vantage6 account."""
    others = set(learners) - {username}
    mine = copy.deepcopy(dict(info))
    v6 = mine.get("vantage6") or {}
    users = v6.get("users") or {}
    if username not in users:
        raise KeyError(f"{username} has no vantage6 account on this platform")
    v6["users"] = {name: user for name, user in users.items()
                   if name != "root" and name not in others}
    mine["learner"] = username
    return mine


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by this account only (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    tmp.replace(path)


def copy_missing(source: Path, target: Path) -> list[Path]:
    """Copy the files under ``source`` into ``target`` that ``target`` does not have yet;
    return the files copied (existing files, a learner's edits, are never touched)."""
    copied = []
    for item in sorted(source.rglob("*")):
        if not item.is_file() or any(part.startswith(".") for part in
                                     item.relative_to(source).parts):
            continue
        dest = target / item.relative_to(source)
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(item, dest)
        copied.append(dest)
    return copied


def seed_home(home: Path, connection: Mapping[str, Any],
              notebooks: Path | None = None) -> Path:
    """Make ``home`` ready for its learner: the notebooks (missing ones only) and the
    connection file (written anew: the platform's ports may change between starts).
    Returns the connection file's path."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    if notebooks is not None:
        copy_missing(notebooks, home)
    path = home / CONNECTION_NAME
    write_private(path, json.dumps(connection, indent=2))
    return path
