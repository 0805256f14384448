"""The server extension that sets TCP_NODELAY on kernel websockets."""

from __future__ import annotations

import asyncio
import threading

from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

from labpanels import jupyter_nodelay


class Recorder:
    def __init__(self) -> None:
        self.calls: list[object] = []

    def set_nodelay(self, value: bool) -> None:
        self.calls.append(("nodelay", value))


def test_every_kernel_websocket_opens_with_nodelay(monkeypatch):
    async def original(self, kernel_id):
        self.calls.append(("open", kernel_id))
        return "opened"

    monkeypatch.setattr(KernelWebsocketHandler, "open", original)
    monkeypatch.setattr(KernelWebsocketHandler, "_labpanels_nodelay", False, raising=False)
    assert jupyter_nodelay.nodelay_on_kernel_websockets() is True
    assert jupyter_nodelay.nodelay_on_kernel_websockets() is False  # once only
    handler = Recorder()
    returned: list[object] = []
    # a thread of its own: earlier tests (Playwright's sync API) may leave a loop running here
    opening = threading.Thread(target=lambda: returned.append(
        asyncio.run(KernelWebsocketHandler.open(handler, "k1"))))
    opening.start()
    opening.join(10)
    assert returned == ["opened"]
    assert handler.calls == [("nodelay", True), ("open", "k1")]


def test_jupyter_server_loads_it_as_an_extension():
    from jupyter_server.extension.manager import ExtensionPackage

    package = ExtensionPackage(name="labpanels.jupyter_nodelay", enabled=True)
    assert list(package.extension_points) == ["labpanels.jupyter_nodelay"]
    assert package.validate()
