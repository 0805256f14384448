"""Run the real vantage6-server 4.15.2 outside Docker.

This file is executed by the Python of the server's own virtual environment (it must not
import labpanels). It applies the launch-time fixes the server needs on a plain machine,
then serves the app with the server's own development runner.

Usage: python v6server_main.py CONFIG.yaml HOST PORT
Environment: LABPANELS_V6_MIN_TOKEN_SECONDS lowers the minimum token lifetime (tests);
LABPANELS_V6_BCRYPT_ROUNDS sets the bcrypt cost of new password and API-key hashes.
"""

from gevent import monkey

monkey.patch_all()  # first, before ssl and sockets are imported by anything else

import contextlib
import os
import socket
import sys


def _not_in_docker() -> None:
    # A /.dockerenv file (CI containers) makes the server log to /mnt/log.
    from vantage6.common import context
    from vantage6.common.docker import addons

    addons.running_in_docker = lambda: False
    context.running_in_docker = lambda: False


def _enums_format_as_values() -> None:
    # Python 3.11 formats (str, Enum) members as "Class.MEMBER" in f-strings; the
    # permission rules are looked up by such strings and break without this.
    from vantage6.server.default_roles import DefaultRole
    from vantage6.server.model.rule import Operation, Scope

    for enum_cls in (Operation, Scope, DefaultRole):
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


def main() -> None:
    config, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    _not_in_docker()
    _enums_format_as_values()
    _no_delay()
    _short_tokens_allowed()
    _bcrypt_rounds()
    from vantage6.server import run_dev_server, run_server

    app = run_server(config, system_folders=False)
    run_dev_server(app, host=host, port=port)


if __name__ == "__main__":
    main()
