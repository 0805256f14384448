"""Numbers, counts and times as people read them: the one place Python text is formatted.

The panels' views use the same rules from ``js/lib/format.js`` (``formatNumber``,
``formatCount``, ``plural``, ``localTime``); keep the two in step.

>>> plural(1, "row"), plural(100004, "file"), plural(2, "query", "queries")
('1 row', '100,004 files', '2 queries')
>>> subject("organization", [7]), subject("organization", [7, 9])
('organization 7 is', 'organizations 7, 9 are')
>>> number(100004), number(0.333333333), number(2.50)
('100,004', '0.333333', '2.5')
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

__all__ = ["number", "plural", "subject", "local_time", "size", "readable_log_line"]

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s*")


def number(value: float | int) -> str:
    """An integer with thousands separators (``100,004``); other numbers with at most six
    significant digits and no trailing zeros (``0.333333``, ``2.5``, ``1.23457e+06``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:.6g}"
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    if exponent:
        return f"{mantissa}e{exponent}"
    sign = "-" if mantissa.startswith("-") else ""
    whole, dot, fraction = mantissa.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the word in the right form: ``1 row``, ``2 rows``, ``100,004 files``
    (``many``: the plural when it is not the word with an ``s``)."""
    return f"{number(count)} {word if count == 1 else (many or word + 's')}"


def subject(word: str, items: list | tuple, many: str | None = None) -> str:
    """Named things as the subject of a sentence, verb agreeing: ``organization 7 is``,
    ``organizations 7, 9 are`` (``many``: the plural when it is not the word with an ``s``)."""
    names = ", ".join(str(i) for i in items)
    if len(items) == 1:
        return f"{word} {names} is"
    return f"{many or word + 's'} {names} are"


def local_time(value: str | datetime | None, *, seconds: bool = False) -> str:
    """A server timestamp as a local date and time: ``14 Mar 2026, 10:32`` (no
    microseconds, the computer's time zone). A timestamp without a zone is UTC, as the
    servers mean it; "" for nothing; text that is not a time is returned as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone()
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{local.day} {local.strftime('%b %Y')}, {local.strftime(clock)}"


_UNITS = ["B", "kB", "MB", "GB", "TB"]


def size(value: float | int) -> str:
    """A size in decimal units, as ``formatBytes``: ``512 B``, ``1.5 kB``, ``2.0 MB``."""
    amount = float(value)
    unit = 0
    while amount >= 1000 and unit < len(_UNITS) - 1:
        amount /= 1000
        unit += 1
    return f"{int(amount)} B" if unit == 0 else f"{amount:.1f} {_UNITS[unit]}"


def readable_log_line(line: str) -> str:
    """A log line whose leading ISO timestamp (``2026-12-02T04:46:20.195787+00:00``) reads
    as a local time with seconds (``2 Dec 2026, 05:46:20``); other lines as they are."""
    match = _STAMP.match(line)
    if not match:
        return line
    return f"{local_time(match.group(1), seconds=True)}  {line[match.end():]}"
