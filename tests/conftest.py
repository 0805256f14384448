"""Shared fixtures: the local vantage6 platform, started once per test session."""

from __future__ import annotations

import pytest

from labpanels.demo.platform import Platform

# The browser tests that use the session's JupyterLab take half the suite's time: two
# groups of them (two JupyterLabs, on two workers) keep them off the critical path.
SPARC_AND_PAGES = ("sparc", "osparc", "scaffold", "hub", "hosts", "a11y", "narrow",
                   "harness", "node_table", "charts")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Groups for pytest-xdist (``-n``, ``--dist loadgroup``): a module's tests run on one
    worker, so that a module-scoped fixture (a built wheel, a client's environment) is
    made once; the tests that use the session's JupyterLab form two groups (the vantage6
    panels; SPARC, o²S²PARC and whole pages), each with one JupyterLab and one Chromium."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = item.path.stem
        if "jupyterlab" in getattr(item, "fixturenames", ()):
            group = "jupyterlab-" + ("pages" if any(w in group for w in SPARC_AND_PAGES)
                                     else "vantage6")
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """Build the side environments the collected tests need while the first tests run
    (under pytest-xdist every worker asks; the file lock builds each once)."""
    from tests.side_envs import build_in_background

    build_in_background(session.items)


@pytest.fixture(scope="session")
def platform():
    """The workshop scenario on the real vantage6-server 4.15.2 with simulated nodes."""
    with Platform(node_poll_interval=5, sparc=False, key_bits=2048) as running:
        yield running


@pytest.fixture(scope="session")
def v6(platform) -> dict:
    """The platform's description (URLs, users, ids), as `labpanels demo` prints it."""
    return platform.info["vantage6"]
