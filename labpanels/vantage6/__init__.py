"""vantage6: the federated-analysis platform's session, client facade and wire formats.

``Vantage6Session`` is what panels bind to; ``UserClient`` gives the official client's
interface on top of it. Both load on first use, so ``import labpanels.vantage6`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import UserClient
    from .session import Vantage6Session

__all__ = ["Vantage6Session", "UserClient"]

_LAZY = {"Vantage6Session": ".session", "UserClient": ".client"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
