"""The cached side environments the tests use, and their building ahead of time.

A fresh machine builds each once (``labpanels.demo.venvs.ensure_venv``, tens of seconds
apiece). :func:`build_in_background` starts all four at once when the test session
starts, so the builds overlap one another and the first tests instead of running one
after another inside the fixtures that need them; those fixtures still call
``ensure_venv``, which waits for a build under way (file lock) or returns at once.
"""

from __future__ import annotations

import contextlib
import threading

OSPARC_REQUIREMENTS = ["osparc==0.8.5"]
SPARC_REQUIREMENTS = ["sparc-client==0.4.1"]


CLIENT_MODULES = {"test_official_clients", "test_sparc_metadata", "test_zinc_official"}


def build_in_background(items: list) -> list[threading.Thread]:
    """Start building the side environments that the collected ``items`` need, on daemon
    threads; errors are left to the fixtures, which build again and report them."""
    from labpanels.demo.v6server import server_python
    from labpanels.demo.v6store import store_python
    from labpanels.demo.venvs import ensure_venv

    calls = []
    if any("platform" in getattr(item, "fixturenames", ()) for item in items):
        calls += [server_python, store_python]
    if any(item.path.stem in CLIENT_MODULES for item in items):
        calls += [lambda: ensure_venv("osparc085", OSPARC_REQUIREMENTS),
                  lambda: ensure_venv("sparcclient041", SPARC_REQUIREMENTS)]

    def quietly(call) -> None:
        with contextlib.suppress(Exception):  # the fixture that needs it reports it
            call()

    threads = [threading.Thread(target=quietly, args=(call,), daemon=True,
                                name="side-env-build") for call in calls]
    for thread in threads:
        thread.start()
    return threads
