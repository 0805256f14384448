"""Sessions the vantage6 tests start from: the scenario's researcher, logged in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from labpanels.vantage6 import Vantage6Session
from tests.waiting import until


@contextlib.contextmanager
def researcher(v6: dict, *, live: bool = False,
               collaboration: str | None = "PhY-research") -> Iterator[Vantage6Session]:
    """A session logged in as PhY24-rs1, in ``collaboration`` (None: none chosen), with
    live events connected if ``live``; closed afterwards."""
    s = Vantage6Session(v6["url"], live=live)
    try:
        s.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
        if collaboration:
            s.select(collaboration)
        if live:
            until(lambda: s.live, what="live events")
        yield s
    finally:
        s.close()
