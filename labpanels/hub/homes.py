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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..demo.connections import write_private
from ..demo.notebooks import copy_notebooks, workshop_notebooks
from .config import CONNECTION_NAME

__all__ = ["learner_connection", "seed_home", "write_private", "workshop_notebooks"]


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


def seed_home(home: Path, connection: Mapping[str, Any],
              notebooks: Path | None = None) -> Path:
    """Make ``home`` ready for its learner: the notebooks (missing ones only) and the
    connection file (written anew: the platform's ports may change between starts).
    Returns the connection file's path."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    if notebooks is not None:
        copy_notebooks(home, notebooks)
    path = home / CONNECTION_NAME
    write_private(path, json.dumps(connection, indent=2))
    return path
