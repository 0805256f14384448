"""Run the real vantage6-server or vantage6-algorithm-store 4.15.2 outside Docker.

This file is executed by the Python of the service's own virtual environment (it must not
import labpanels). It applies the launch-time fixes the service needs on a plain machine
without Docker or an image registry, then serves it: the server with its own development
runner, the store with gevent's WSGI server (the store's development runner refers to a
socketio attribute the store does not have).

Usage: python v6_main.py server|store CONFIG.yaml HOST PORT
Environment (server): LABPANELS_V6_MIN_TOKEN_SECONDS lowers the minimum token lifetime
(tests); LABPANELS_V6_BCRYPT_ROUNDS sets the bcrypt cost of new password and API-key hashes.
"""

from gevent import monkey

monkey.patch_all()  # first, before ssl and sockets are imported by anything else

import contextlib
import hashlib
import importlib
import os
import socket
import sys

# where each service keeps the (str, Enum) classes its permission rules are looked up by
_ENUMS = {
    "server": [("vantage6.server.default_roles", "DefaultRole"),
               ("vantage6.server.model.rule", "Operation"),
               ("vantage6.server.model.rule", "Scope")],
    "store": [("vantage6.algorithm.store.default_roles", "DefaultRole"),
              ("vantage6.algorithm.store.model.rule", "Operation")],
}


def _not_in_docker() -> None:
    # A /.dockerenv file (CI containers) makes vantage6 log to /mnt/log.
    from vantage6.common import context
    from vantage6.common.docker import addons

    addons.running_in_docker = lambda: False
    context.running_in_docker = lambda: False


def _enums_format_as_values(kind: str) -> None:
    # Python 3.11 formats (str, Enum) members as "Class.MEMBER" in f-strings; the
    # permission rules are looked up by such strings and break without this.
    for module, name in _ENUMS[kind]:
        enum_cls = getattr(importlib.import_module(module), name)
        enum_cls.__format__ = lambda self, spec: format(self.value, spec)
        enum_cls.__str__ = lambda self: str(self.value)


def _no_delay() -> None:
    # pywsgi writes headers and body separately: without TCP_NODELAY every keep-alive
    # request waits ~40 ms for Nagle and delayed ACKs.
    from gevent import pywsgi

    original = pywsgi.WSGIServer.handle

    def handle(self, sock, address):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return original(self, sock, address)

    pywsgi.WSGIServer.handle = handle


# -- the server ------------------------------------------------------------------
def _short_tokens_allowed() -> None:
    seconds = os.environ.get("LABPANELS_V6_MIN_TOKEN_SECONDS")
    if not seconds:
        return
    from vantage6.server import ServerApp

    defaults = ServerApp._get_jwt_expiration_seconds.__defaults__
    ServerApp._get_jwt_expiration_seconds.__defaults__ = (int(seconds), *defaults[1:])


def _bcrypt_rounds() -> None:
    # The server checks a node's API key against every node's bcrypt hash, one after
    # the other, on its single gevent loop: at the default cost (12) ten nodes logging
    # in together wait ~25 s. A local demo server may choose a cheaper cost.
    rounds = os.environ.get("LABPANELS_V6_BCRYPT_ROUNDS")
    if not rounds:
        return
    import functools

    import bcrypt

    bcrypt.gensalt = functools.partial(bcrypt.gensalt, rounds=int(rounds))


def serve_server(config: str, host: str, port: int) -> None:
    _short_tokens_allowed()
    _bcrypt_rounds()
    from vantage6.server import run_dev_server, run_server

    app = run_server(config, system_folders=False)
    run_dev_server(app, host=host, port=port)


# -- the algorithm store -----------------------------------------------------------
def _stable_digests() -> None:
    # Adding an algorithm asks the image registry for the image's digest; no registry
    # is reachable here, so the digest is derived from the image name instead.
    from vantage6.algorithm.store.resource import algorithm

    def digest(full_image: str, *_args, **_kwargs) -> str:
        name = full_image.split("@", 1)[0]
        return "sha256:" + hashlib.sha256(name.encode()).hexdigest()

    algorithm.get_digest = digest


def serve_store(config: str, host: str, port: int) -> None:
    _stable_digests()
    from gevent.pywsgi import WSGIServer
    from vantage6.algorithm.store import run_server

    store = run_server(config, system_folders=False)
    WSGIServer((host, port), store.app, log=None).serve_forever()


def main() -> None:
    kind, config, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    _not_in_docker()
    _enums_format_as_values(kind)
    _no_delay()
    {"server": serve_server, "store": serve_store}[kind](config, host, port)


if __name__ == "__main__":
    main()
