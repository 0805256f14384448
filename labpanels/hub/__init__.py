"""A class on one machine: ``labpanels hub`` and the instructor's view of the class.

- :func:`run_hub` (``labpanels hub --learners N``): the local platform and a JupyterHub
  with one JupyterLab per learner (``pip install 'labpanels[hub]'``; Node.js and npm for
  the proxy).
- :class:`ClassRoster`: per learner, whether they logged in, their tasks, which failed and
  why, kept current from an admin session; :class:`labpanels.widgets.InstructorView`
  draws it.
- :func:`config_text`, :func:`seed_home`, :func:`learner_connection`: the pieces, for tests
  and for hubs set up by hand.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "run_hub": ".launch",
    "shared_password": ".launch",
    "HubSettings": ".config",
    "config_text": ".config",
    "write_config": ".config",
    "seed_home": ".homes",
    "learner_connection": ".homes",
    "ensure_proxy": ".proxy",
    "HubError": ".errors",
    "HubSetupError": ".errors",
    "ClassRoster": ".roster",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
