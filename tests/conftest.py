"""Shared fixtures: the local vantage6 platform, started once per test session."""

from __future__ import annotations

import pytest

from labpanels.demo.platform import Platform


@pytest.fixture(scope="session")
def platform():
    """The workshop scenario on the real vantage6-server 4.15.2 with simulated nodes."""
    with Platform(node_poll_interval=5, sparc=False) as running:
        yield running


@pytest.fixture(scope="session")
def v6(platform) -> dict:
    """The platform's description (URLs, users, ids), as `labpanels demo` prints it."""
    return platform.info["vantage6"]
