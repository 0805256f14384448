"""A Jupyter server extension that sends widget messages without delay.

jupyter_server does not set TCP_NODELAY on the kernel's websocket, so the small frames a
widget sends back to back can wait ~40 ms for the other side's delayed acknowledgement: a
table row changing in the kernel then reaches the screen in 40–57 ms instead of ~10 ms.
This extension asks tornado to set the option on every kernel websocket it opens.

``labpanels demo`` and the browser tests enable it for their JupyterLab; enable it for
yours with::

    jupyter lab --ServerApp.jpserver_extensions="{'labpanels.jupyter_nodelay': True}"

or the same ``jpserver_extensions`` entry in a ``jupyter_server_config.json``.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["nodelay_on_kernel_websockets"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "labpanels.jupyter_nodelay"}]


def nodelay_on_kernel_websockets() -> bool:
    """Make every kernel websocket opened from now on set TCP_NODELAY; False when it was
    done already."""
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    if getattr(KernelWebsocketHandler, "_labpanels_nodelay", False):
        return False
    original = KernelWebsocketHandler.open

    @functools.wraps(original)
    async def open_without_delay(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.set_nodelay(True)
        return await original(self, *args, **kwargs)

    KernelWebsocketHandler.open = open_without_delay
    KernelWebsocketHandler._labpanels_nodelay = True
    return True


def _load_jupyter_server_extension(serverapp: Any) -> None:
    if nodelay_on_kernel_websockets():
        serverapp.log.info("labpanels: kernel websockets send without delay (TCP_NODELAY)")
