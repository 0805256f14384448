"""What ``labpanels hub`` raises when it cannot start."""

from __future__ import annotations

from ..errors import LabpanelsError

__all__ = ["HubError", "HubSetupError"]


class HubError(LabpanelsError):
    """The hub did not start or stopped on its own (the message says why)."""


class HubSetupError(HubError):
    """Something the hub needs is missing: JupyterHub, Node.js, npm, the proxy."""
