"""Shared fixtures: the local vantage6 platform, started once per test session."""

from __future__ import annotations

import pytest

from labpanels.demo.platform import Platform


def pytest_collection_modifyitems(items):
    """Tests that need no local platform first (in their order): on a fresh machine they
    run while the platform's environments are built, instead of workers waiting for them."""
    items.sort(key=lambda item: "platform" in getattr(item, "fixturenames", ()))


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
