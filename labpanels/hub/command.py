"""The ``labpanels hub`` command line (added to ``labpanels`` by :func:`add_hub_command`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_hub_command"]


def _run(args: argparse.Namespace) -> int:
    from .launch import run_hub

    return run_hub(learners=args.learners, bind=args.bind, port=args.port,
                   folder=args.folder, info=args.info, notebooks=args.notebooks)


def add_hub_command(commands: Any) -> argparse.ArgumentParser:
    """Add ``hub`` to the ``labpanels`` subcommands (``commands`` from add_subparsers)."""
    hub = commands.add_parser(
        "hub", help="start the local platform and a JupyterHub with one JupyterLab per "
                    "learner (pip install 'labpanels[hub]'; needs Node.js and npm)")
    hub.add_argument("--learners", type=int, required=True, metavar="N",
                     help="learner accounts learner01..learnerNN, on the hub and on vantage6")
    hub.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                     help="address the hub listens on (default 127.0.0.1: this machine only)")
    hub.add_argument("--port", type=int, default=8000, help="the hub's port (default 8000)")
    hub.add_argument("--folder", type=Path,
                     help="keep the homes, the hub and the platform here between starts "
                          "(default: a temporary folder, deleted at the end)")
    hub.add_argument("--info", type=Path, help="also write the ready JSON to this file")
    hub.add_argument("--notebooks", type=Path,
                     help="the notebooks each home gets (default: the workshop notebooks)")
    hub.set_defaults(run_command=_run)
    return hub
