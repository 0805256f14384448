"""The panels. Each takes a session (or the UserClient facade) and stays in sync with the
other panels through it; everything a panel does is also a plain method call. Every
panel is built on :class:`PanelBase` (see ``base.py``), and so can yours."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "PanelBase": ".base",
    "Panel": ".base",
    "Table": ".table",
    "LoginPanel": ".login",
    "CollaborationBrowser": ".collaborations",
    "NodeStatusTable": ".nodes",
    "TaskBuilder": ".task_builder",
    "JobProgress": ".progress",
    "ResultViewer": ".results",
    "TaskList": ".task_list",
    "Vantage6Dashboard": ".dashboard",
    "DatasetPicker": ".sparc_picker",
    "JobBuilder": ".osparc_jobs",
    "OsparcJobProgress": ".osparc_jobs",
    "OsparcResultViewer": ".osparc_jobs",
    "OsparcJobHistory": ".osparc_history",
    "OsparcStudyRunner": ".osparc_studies",
    "ScaffoldViewer": ".scaffold_viewer",
    "InstructorView": ".instructor",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
