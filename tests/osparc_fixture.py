"""The ``osparc`` fixture (a session on the emulator, the sleeper 2.0.2 chosen, polling
fast) and what the o²S²PARC tests say of the session's job pollers. Import it with
``from tests.osparc_fixture import osparc_fixture  # noqa: F401`` (the fixture is named
``osparc``), beside the emulator's."""

from __future__ import annotations

import pytest

from labpanels.osparc import OsparcSession
from tests.lifecycle import thread_names

SLEEPER = "simcore/services/comp/itis/sleeper"
#: how the name of a session's job poller thread starts (then the job id's first 8 chars)
POLLER = "labpanels-osparc-job-"


@pytest.fixture(name="osparc")
def osparc_fixture(emulator):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.03)
    s.select_solver(SLEEPER, "2.0.2")
    yield s
    s.close()


def pollers() -> list[str]:
    """The names of the job poller threads running now."""
    return [n for n in thread_names() if n.startswith(POLLER)]
