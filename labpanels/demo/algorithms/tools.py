"""Decorators and helpers shared by the demo algorithm images.

The decorators mimic the ones of vantage6's algorithm tools: they mark which
functions an image exposes and what the node injects in front of the caller's
arguments. ``@data(1)`` injects the node's DataFrame, ``@algorithm_client``
injects the client used to create subtasks. Stacked, they inject in the order
they are written::

    @algorithm_client
    @data(1)
    def f(client, df, column_name): ...

The decorators return the function itself (only marked), so tests and
notebooks can call it directly with their own DataFrame or client.

The column helpers turn the usual mistakes of workshop learners (a misspelt
column, a text column where numbers are needed) into messages that say what to
type instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from labpanels.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INJECT_ATTR",
    "algorithm_client",
    "data",
    "injections",
    "is_exposed",
    "numeric_columns",
    "require_column",
    "require_numeric",
    "run_partials",
    "to_json_number",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute holding what a node injects, e.g. ``("client", "data")``.
INJECT_ATTR = "__labpanels_inject__"


def _mark(fn: F, kind: str) -> F:
    current: tuple[str, ...] = getattr(fn, INJECT_ATTR, ())
    # Decorators apply bottom-up; prepending keeps the written (top-down) order.
    setattr(fn, INJECT_ATTR, (kind, *current))
    return fn


def data(number: int = 1) -> Callable[[F], F]:
    """Expose a function that receives the node's DataFrame as first argument.

    Demo nodes hold exactly one database, so ``number`` must be 1.
    """
    if number != 1:
        raise ValueError(f"@data({number}): demo nodes hold one database, use @data(1)")

    def decorate(fn: F) -> F:
        return _mark(fn, "data")

    return decorate


def algorithm_client(fn: F) -> F:
    """Expose a function that receives the algorithm client as first argument."""
    return _mark(fn, "client")


def injections(fn: Callable[..., Any]) -> tuple[str, ...]:
    """What a node injects in front of the arguments: ``"client"``/``"data"`` in order."""
    return tuple(getattr(fn, INJECT_ATTR, ()))


def is_exposed(fn: object) -> bool:
    """True if ``fn`` carries one of the decorators above."""
    return callable(fn) and hasattr(fn, INJECT_ATTR)


# -- column helpers -------------------------------------------------------------------


def _names(columns: Iterable[object]) -> str:
    return ", ".join(str(c) for c in columns) or "(none)"


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Names of the columns that hold numbers (booleans count as numbers)."""
    from pandas.api.types import is_numeric_dtype

    return [str(c) for c in df.columns if is_numeric_dtype(df[c])]


def require_column(df: pd.DataFrame, name: object) -> None:
    """Raise a ValueError naming the available columns if ``name`` is not one of them."""
    if isinstance(name, str) and name in df.columns:
        return
    columns = [str(c) for c in df.columns]
    hint = ""
    if isinstance(name, str):
        same_case = [c for c in columns if c.lower() == name.strip().lower()]
        close = same_case or difflib.get_close_matches(name, columns, n=1)
        if close:
            hint = f"; did you mean '{close[0]}'?"
    shown = f"'{name}'" if isinstance(name, str) else repr(name)
    raise ValueError(f"Column {shown} not found{hint}; available columns: {_names(columns)}")


def require_numeric(df: pd.DataFrame, name: str) -> pd.Series:
    """Return column ``name`` as numbers, or raise a ValueError listing numeric columns.

    Text that merely looks like numbers (``"12.5"``) is accepted; missing values stay
    missing.
    """
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    require_column(df, name)
    column = df[name]
    if is_bool_dtype(column):
        return column.astype("int64")
    if is_numeric_dtype(column):
        return column
    converted = pd.to_numeric(column, errors="coerce")
    bad = column[converted.isna() & column.notna()]
    if bad.empty:
        return converted
    raise ValueError(
        f"Column '{name}' does not hold numbers (found text such as '{bad.iloc[0]}'); "
        f"choose a numeric column: {_names(numeric_columns(df))}"
    )


def to_json_number(value: Any) -> int | float | None:
    """A plain Python int/float for a numpy or Python number; None for NaN/missing."""
    if value is None:
        return None
    item = value.item() if hasattr(value, "item") else value
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, int):
        return item
    number = float(item)
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


# -- central side -------------------------------------------------------------------


def _organization_ids(client: Any, organizations: Iterable[int] | None) -> list[int]:
    known = {int(org["id"]): str(org.get("name", org["id"])) for org in client.organization.list()}
    if organizations is None:
        if not known:
            raise ValueError("This collaboration has no organizations with a node")
        return sorted(known)
    if isinstance(organizations, (int, str)):
        organizations = [organizations]
    wanted: list[int] = []
    for org in organizations:
        try:
            org_id = int(org)
        except (TypeError, ValueError):
            org_id = None
        if org_id not in known:
            listing = ", ".join(f"{i} ({n})" for i, n in sorted(known.items()))
            raise ValueError(
                f"Organization {org!r} is not part of this collaboration; choose from: {listing}"
            )
        if org_id not in wanted:
            wanted.append(org_id)
    if not wanted:
        raise ValueError("'organizations' is empty; leave it out to use all organizations")
    return wanted


def run_partials(
    client: Any,
    method: str,
    kwargs: dict[str, Any],
    organizations: Iterable[int] | None = None,
    *,
    description: str = "",
) -> list[Any]:
    """Create a subtask running ``method(**kwargs)`` at each organization; return results.

    ``organizations`` defaults to every organization of the collaboration. Results come
    back one per organization, in organization order; a failed run raises (the client
    names the organization and its error).
    """
    ids = _organization_ids(client, organizations)
    task = client.task.create(
        input_={"method": method, "args": [], "kwargs": kwargs},
        organizations=ids,
        name=method,
        description=description or f"{method} at {plural(len(ids), 'organization')}",
    )
    return list(client.wait_for_results(task["id"]))
