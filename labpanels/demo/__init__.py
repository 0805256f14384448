"""The local demo platform: a real vantage6 server with simulated nodes and a local
Pennsieve / o²S²PARC emulator, started by ``labpanels demo``.

Notebooks find a running demo with :func:`connection`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["connection"]


def connection() -> dict[str, Any]:
    """What the running ``labpanels demo`` told about itself: URLs, users, passwords, keys.

    The demo named by ``$LABPANELS_DEMO_INFO`` (set in the JupyterLab a demo starts), else
    the one demo running on this account. Raises
    :class:`~labpanels.demo.connections.NoDemoFound` (a RuntimeError) with instructions
    when there is none, or several and none is named.
    """
    from .connections import load_connection

    return load_connection()
