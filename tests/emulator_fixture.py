"""The ``emulator`` fixture: one Pennsieve/zipit/o²S²PARC emulator process per test module.

Import it into a test module with
``from tests.emulator_fixture import emulator_fixture  # noqa: F401``: the fixture is
*named* ``emulator``; the function has another name so that test arguments called
``emulator`` do not shadow the import (ruff F811).
Jobs run 10x faster than real time (``time_scale=0.1``) and the o²S²PARC upload parts are
64 KiB, so a 200 KB file exercises the multi-part protocol of osparc 0.8.5.
"""

from __future__ import annotations

import pytest

from labpanels.demo.emulator import EmulatorHandle, start_emulator

TIME_SCALE = 0.1
UPLOAD_CHUNK_KB = 64


@pytest.fixture(scope="session", name="emulator")
def emulator_fixture(tmp_path_factory) -> EmulatorHandle:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    handle = start_emulator(time_scale=TIME_SCALE, upload_chunk_kb=UPLOAD_CHUNK_KB, log_path=log)
    try:
        yield handle
    finally:
        handle.stop()
    assert not handle.running()


emulator = emulator_fixture  # also importable under the fixture's own name
