"""Run the real vantage6-algorithm-store 4.15.2 outside Docker.

This file is executed by the Python of the store's own virtual environment (it must not
import labpanels). It applies the launch-time fixes the store needs on a plain machine
without an image registry, then serves the Flask app with gevent's WSGI server (the
store's own development runner refers to a socketio attribute the store does not have).

Usage: python v6store_main.py CONFIG.yaml HOST PORT
"""

from gevent import monkey

monkey.patch_all()  # first, before ssl and sockets are imported by anything else

import contextlib  # noqa: E402 - after the gevent patch
import hashlib  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402


def _not_in_docker() -> None:
    # A /.dockerenv file (CI containers) makes vantage6 log to /mnt/log.
    from vantage6.common import context
    from vantage6.common.docker import addons

    addons.running_in_docker = lambda: False
    context.running_in_docker = lambda: False


def _enums_format_as_values() -> None:
    # Python 3.11 formats (str, Enum) members as "Class.MEMBER" in f-strings; the
    # permission rules are looked up by such strings and break without this.
    from vantage6.algorithm.store.default_roles import DefaultRole
    from vantage6.algorithm.store.model.rule import Operation

    for enum_cls in (Operation, DefaultRole):
        enum_cls.__format__ = lambda self, spec: format(self.value, spec)
        enum_cls.__str__ = lambda self: str(self.value)


def _stable_digests() -> None:
    # Adding an algorithm asks the image registry for the image's digest; no registry
    # is reachable here, so the digest is derived from the image name instead.
    from vantage6.algorithm.store.resource import algorithm

    def digest(full_image: str, *_args, **_kwargs) -> str:
        name = full_image.split("@", 1)[0]
        return "sha256:" + hashlib.sha256(name.encode()).hexdigest()

    algorithm.get_digest = digest


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


def main() -> None:
    config, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    _not_in_docker()
    _enums_format_as_values()
    _stable_digests()
    _no_delay()
    from gevent.pywsgi import WSGIServer
    from vantage6.algorithm.store import run_server

    store = run_server(config, system_folders=False)
    WSGIServer((host, port), store.app, log=None).serve_forever()


if __name__ == "__main__":
    main()
