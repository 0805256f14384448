"""InstructorView: who in the class has logged in, their tasks, what failed and why.

One anywidget (``js/instructor.js``) drawing a :class:`labpanels.hub.ClassRoster` kept on an
admin (or root) session: one row per learner, sortable by any column, ``Stuck only`` to
see who needs help, and the chosen learner's failed tasks with each run's error line.
It updates by itself (the roster follows the session's live events and polls for
logins). Every click is a method: :meth:`select`, :meth:`show_stuck_only`,
:meth:`sort`, :meth:`refresh`.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, List, Unicode

from .assets import asset
from .base import Panel
from .common import vantage6_session
from .table import TableRows, _rows_trait, column

__all__ = ["InstructorView", "COLUMNS", "summary_text"]

COLUMNS = [
    column("learner", "Learner", width="minmax(96px, 1fr)"),
    column("connected", "Live", "status", "minmax(88px, 100px)"),
    column("seen", "Last seen", "ago", "minmax(104px, 120px)"),
    column("tasks", "Tasks", "number", "minmax(72px, 80px)"),
    column("running", "Running", "number", "minmax(92px, 100px)"),
    column("failed", "Failed", "number", "minmax(80px, 88px)"),
    column("reason", "Needs help", width="minmax(160px, 2fr)", wrap=True),
]

#: the row fields sent to the view (the failures travel only for the chosen learner)
_SHOWN = ("learner", "connected", "seen", "tasks", "running", "failed", "reason", "stuck",
          "last_task", "last_status", "last_error")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def summary_text(rows: list[dict]) -> str:
    """One line about the class: "12 learners: 9 logged in, 27 tasks, 3 failed; 2 stuck"."""
    if not rows:
        return "No learners yet"
    seen = sum(bool(r.get("seen")) for r in rows)
    tasks = sum(r.get("tasks") or 0 for r in rows)
    failed = sum(r.get("failed") or 0 for r in rows)
    stuck = sum(bool(r.get("stuck")) for r in rows)
    return (f"{_plural(len(rows), 'learner')}: {seen:,} logged in, {_plural(tasks, 'task')}, "
            f"{failed:,} failed; {stuck:,} stuck")


class InstructorView(Panel):
    """The class at a glance, on an admin session: ``InstructorView(admin_session)``.

    ``prefix`` chooses the learners (usernames starting with it; "" for every user but
    root), ``poll`` the seconds between reads when no live event comes, ``stuck_after``
    how long an unfinished task may wait before its learner counts as stuck. Give a
    ``roster`` (a :class:`~labpanels.hub.ClassRoster`) to share one between views; a
    roster the view creates is closed with it.
    """

    _esm = asset("instructor.js")
    _css = asset("instructor.css")
    #: the methods the view may call by an action message
    ACTIONS = frozenset({"select", "show_stuck_only", "sort", "refresh"})

    rows = _rows_trait()
    columns = List(Dict()).tag(sync=True)
    key = Unicode("learner").tag(sync=True)
    sort_by = Unicode("learner").tag(sync=True)
    sort_desc = Bool(False).tag(sync=True)
    stuck_only = Bool(False, help="show only the learners who look stuck").tag(sync=True)
    selected = Unicode("", help="the learner whose failures are shown").tag(sync=True)
    detail = List(Dict(), help="the chosen learner's failed runs: task, organization, "
                               "error").tag(sync=True)
    summary = Unicode("").tag(sync=True)
    updated_at = Unicode("").tag(sync=True)

    def __init__(self, session: Any, *, roster: Any = None, prefix: str = "learner",
                 poll: float = 5.0, stuck_after: float | None = None,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        kwargs.setdefault("columns", COLUMNS)
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        if roster is None:
            from ..hub.roster import STUCK_AFTER, ClassRoster

            roster = ClassRoster(self.session, prefix=prefix, poll=poll,
                                 stuck_after=STUCK_AFTER if stuck_after is None
                                 else stuck_after)
            self.on_close(roster.close)
        self.roster = roster
        self._table = TableRows(self, "rows", "learner")
        self.follow(roster, self._changed, ["learners", "updated_at"])
        self.follow(roster, self._error, "last_error")
        self.follow(self, self._filter_changed, ["stuck_only", "selected"])
        self._show()

    # -- actions (also plain method calls) ---------------------------------------------
    def refresh(self) -> None:
        """Read the class again now."""
        self.message = ""
        self.roster.refresh()

    def select(self, learner: str) -> dict:
        """Show ``learner``'s failed tasks and why; return their row."""
        row = self.roster.learners.get(learner)
        if row is None:
            known = ", ".join(sorted(self.roster.learners)) or "nobody yet"
            raise ValueError(f"no learner called {learner!r}; the class: {known}")
        self.selected = learner
        return row

    def show_stuck_only(self, flag: bool = True) -> None:
        """Show only the learners who look stuck (``False``: everyone)."""
        self.stuck_only = bool(flag)

    def sort(self, column: str, descending: bool = False) -> None:
        """Sort the rows by ``column`` (a column key, e.g. "failed")."""
        keys = [c["key"] for c in self.columns]
        if column not in keys:
            raise ValueError(f"no column {column!r}; the columns: {', '.join(keys)}")
        self.sort_by, self.sort_desc = column, bool(descending)

    def shown(self) -> list[dict]:
        """The rows as the view shows them: filtered (stuck only) and sorted."""
        rows = list(self.rows)

        def key(row: dict) -> tuple:
            value = row.get(self.sort_by)
            return (value is None, value if value is not None else "")

        return sorted(rows, key=key, reverse=self.sort_desc)

    def row(self, learner: str) -> dict | None:
        """The row shown for ``learner`` (None when filtered out or unknown)."""
        return self._table.row(learner)

    # -- drawing ---------------------------------------------------------------------
    def _show(self) -> None:
        learners = self.roster.learners
        everyone = [learners[name] for name in sorted(learners)]
        shown = [{k: r.get(k) for k in _SHOWN} for r in everyone
                 if r["stuck"] or not self.stuck_only]
        if shown != self.rows:
            self._table.set_rows(shown)
        self.summary = summary_text(everyone)
        self.updated_at = self.roster.updated_at
        chosen = learners.get(self.selected)
        detail = [dict(f) for f in chosen["failures"]] if chosen else []
        if detail != self.detail:
            self.detail = detail

    def _changed(self, _change: Any) -> None:
        self._show()

    def _filter_changed(self, _change: Any) -> None:
        self._show()

    def _error(self, _change: Any) -> None:
        if self.roster.last_error:
            self.show_message(self.roster.last_error, "error")
        elif self.message_kind == "error":
            self.message = ""

    def _action_refresh(self) -> None:  # reads every learner: on a thread of its own
        self.start(self.refresh, name="labpanels-instructor-refresh")
