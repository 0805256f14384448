"""The session's job poller works in the background: it leaves ``busy`` and
``last_error`` to the calls a user makes."""

from __future__ import annotations

import pytest

from labpanels.osparc import OsparcSession
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(60)
SLEEPER = "simcore/services/comp/itis/sleeper"


def test_polling_a_running_job_does_not_flip_busy(emulator):
    session = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.03)
    try:
        session.select_solver(SLEEPER, "2.0.2")
        flips: list[bool] = []
        session.observe(lambda change: flips.append(change["new"]), names="busy")
        session.submit({"input_2": 1, "input_3": False})
        calls_flips = len(flips)
        state = session.wait(timeout=30)
        assert state["state"] == "SUCCESS"
        # submit() flipped busy (a user call); dozens of 30 ms polls flipped nothing
        assert calls_flips >= 2
        assert len(flips) - calls_flips <= 2, flips  # wait() itself may count as one call
        assert session.busy is False
    finally:
        session.close()
