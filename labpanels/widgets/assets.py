"""Where the panels' JavaScript and CSS live.

In a wheel they are ``labpanels/static/`` (copied from the repository's ``js/``); in an
editable install they are read from ``js/`` itself, so an edit shows at the next render.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["asset"]

_PACKAGED = Path(__file__).resolve().parent.parent / "static"
_SOURCE = Path(__file__).resolve().parent.parent.parent / "js"


def asset(name: str) -> Path:
    """The path of a front-end file by name, e.g. ``asset("table.js")``."""
    for folder in (_PACKAGED, _SOURCE):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"labpanels front-end file {name!r} is missing from the install")
