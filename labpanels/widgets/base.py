"""The one panel base: what a panel follows, starts or creates is released by ``close()``.

Every labpanels panel (and a notebook author's own) is built on :class:`PanelBase`:

- ``self.follow(session, handler, "trait")`` observes a session (or any ``HasTraits``);
  after ``close()`` the observer is gone and a late call of it does nothing.
  ``background=True`` runs the handler on the panel's own worker thread, so a panel never
  does slow work on the thread that changed the trait (a live-event thread, a poller).
- ``self.later(fn, ...)`` queues work on that worker (one at a time, in order);
  ``self.start(fn, ...)`` runs ``fn`` on a thread of its own. Both are tracked, end
  when the panel closes (``self.stopping`` is set: long waits should watch it) and report
  their failure as the panel's message.
- ``self.own(widget)`` closes a child widget with the panel; ``self.on_close(fn)`` runs
  ``fn`` (stop a timer, a refresher …) when it closes.
- ``self.report(exc)``, ``with self.reporting(): ...`` and ``self.attempt(fn, ...)``
  turn an exception into the panel's one-line message: never a traceback in the notebook.
- Unknown keyword arguments raise ``TypeError`` (a misspelt option is not ignored).

:class:`Panel` is the base for a panel drawn by one anywidget view.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

import anywidget
from ipywidgets import Widget
from ipywidgets.widgets.widget import _instances
from traitlets import HasTraits, Unicode

from .common import friendly

__all__ = ["PanelBase", "Panel", "close_widgets"]

_STOP = object()


class PanelBase:
    """Mixin of every panel: follow, start and own through it; ``close()`` releases it all.

    Put it before the widget class: ``class MyPanel(PanelBase, ipywidgets.VBox)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _reject_unknown(type(self), kwargs)
        self._followed: list[tuple[HasTraits, Callable[[dict], None], Any]] = []
        self._closers: list[Callable[[], None]] = []
        self._owned: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._queue: queue.SimpleQueue | None = None
        self._worker: threading.Thread | None = None
        self._pending = 0
        self._life_lock = threading.RLock()
        self.stopping = threading.Event()
        super().__init__(*args, **kwargs)

    @classmethod
    def check_options(cls, kwargs: dict[str, Any]) -> None:
        """TypeError for options ``cls`` does not know: for panels that build child
        widgets before ``super().__init__`` (so a misspelt option creates nothing)."""
        _reject_unknown(cls, kwargs)

    # -- following -------------------------------------------------------------------
    def follow(self, source: HasTraits, handler: Callable[[dict], None],
               names: str | Iterable[str], *, background: bool = False) -> None:
        """Observe ``names`` of ``source`` until the panel closes. The handler gets the
        traitlets change; its failure becomes the panel's message. With ``background``
        it runs on the panel's worker thread instead of the thread that changed the trait.
        """
        names = [names] if isinstance(names, str) else list(names)

        def observer(change: dict) -> None:
            if self.stopping.is_set():
                return
            if background:
                self.later(handler, change)
            else:
                with self.reporting():
                    handler(change)

        source.observe(observer, names=names)
        with self._life_lock:
            self._followed.append((source, observer, names))

    @property
    def followed(self) -> int:
        """How many observers this panel holds on other objects (0 once closed)."""
        return len(self._followed)

    # -- work off the caller's thread ---------------------------------------------------
    def later(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the panel's worker thread, after what is queued already."""
        with self._life_lock:
            if self.stopping.is_set():
                return
            if self._worker is None:
                self._queue = queue.SimpleQueue()
                self._worker = threading.Thread(target=self._work, name=self._thread_name(),
                                                daemon=True)
                self._worker.start()
            self._pending += 1
            assert self._queue is not None
            self._queue.put((fn, args))

    def start(self, fn: Callable[..., Any], *args: Any, name: str = "") -> threading.Thread:
        """Run ``fn(*args)`` on a thread of its own, tracked by the panel (its failure
        becomes the panel's message). Long work should stop when ``self.stopping`` is set."""

        def run() -> None:
            if not self.stopping.is_set():
                with self.reporting():
                    fn(*args)

        thread = threading.Thread(target=run, name=name or self._thread_name(), daemon=True)
        with self._life_lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait until queued and started work has ended (TimeoutError after ``timeout``);
        after :meth:`close`, until the panel's threads (its worker too) have ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        current = threading.current_thread()
        while True:
            with self._life_lock:
                busy = [t for t in self._threads if t.is_alive() and t is not current]
                pending = self._pending if current is not self._worker else 0
                worker = self._worker
                if (self.stopping.is_set() and worker is not None and worker.is_alive()
                        and worker is not current):
                    busy.append(worker)  # closed: its stop sentinel is on the way
            if not busy and not pending:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{type(self).__name__} still has work running after "
                                   f"{timeout:g} s")
            if busy:
                busy[0].join(0.05)
            else:
                time.sleep(0.005)

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            fn, args = item
            try:
                if not self.stopping.is_set():
                    with self.reporting():
                        fn(*args)
            finally:
                with self._life_lock:
                    self._pending -= 1

    def _thread_name(self) -> str:
        return f"labpanels-{type(self).__name__}"

    # -- children and stoppers ------------------------------------------------------------
    def own(self, *widgets: Any) -> Any:
        """Close ``widgets`` with the panel; return the first (for one-line use)."""
        with self._life_lock:
            self._owned.extend(widgets)
        return widgets[0] if widgets else None

    def disown(self, widget: Any, *, close: bool = True) -> None:
        """Stop owning ``widget`` (closing it unless ``close=False``): for children a
        panel replaces while it lives."""
        with self._life_lock:
            self._owned = [w for w in self._owned if w is not widget]
        if close:
            close_widgets(widget)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when the panel closes (stop a timer, a refresher …)."""
        with self._life_lock:
            self._closers.append(fn)

    # -- messages ---------------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        """Show one line under the panel: kind info, ok or error. Panels with a
        ``message`` widget (``Message``) or ``message``/``message_kind`` traits get it
        there; override for anything else."""
        sink = getattr(self, "message", None)
        if hasattr(sink, "show"):
            sink.show(text, kind)
        elif isinstance(self, HasTraits) and self.has_trait("message"):
            self.message = text
            if self.has_trait("message_kind"):
                self.message_kind = kind

    def report(self, exc: BaseException) -> str:
        """Show ``exc`` as the panel's error message (one sentence); return the sentence."""
        text = friendly(exc)
        if not self.stopping.is_set():
            self.show_message(text, "error")
        return text

    def attempt(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``, its failure shown as the panel's message (then None): for
        button callbacks and other one-line actions."""
        with self.reporting():
            return fn(*args)
        return None

    @contextlib.contextmanager
    def reporting(self, done: str = "") -> Iterator[None]:
        """Run a panel action: its failure becomes the panel's message, never a
        traceback; on success show ``done`` (if given)."""
        try:
            yield
        except Exception as exc:  # a panel must never spill a traceback into the notebook
            self.report(exc)
        else:
            if done and not self.stopping.is_set():
                self.show_message(done, "ok")

    # -- the end ------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self.stopping.is_set()

    def close(self) -> None:
        """Stop following, stop the panel's threads and timers, close its child widgets
        and the widget itself. Safe to call twice."""
        if "_life_lock" not in self.__dict__:  # refused in __init__ (unknown argument)
            return
        with self._life_lock:
            first = not self.stopping.is_set()
            self.stopping.set()
            followed, self._followed = self._followed, []
            closers, self._closers = self._closers, []
            owned, self._owned = self._owned, []
            if self._queue is not None:
                self._queue.put(_STOP)
        for source, observer, names in followed:
            with contextlib.suppress(ValueError):
                source.unobserve(observer, names=names)
        for fn in closers:
            with contextlib.suppress(Exception):
                fn()
        closed: list[Any] = []
        for widget in [*owned, *getattr(self, "children", ())]:
            _close_tree(widget, closed)
        if first:
            super().close()  # type: ignore[misc]
            closed.append(self)
        _close_parts(closed)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def close_widgets(*widgets: Any) -> None:
    """Close widgets, the children of containers among them, and their layout and style
    objects (which ipywidgets keeps open otherwise) unless an open widget shares them."""
    closed: list[Any] = []
    for widget in widgets:
        _close_tree(widget, closed)
    _close_parts(closed)


def _close_tree(widget: Any, closed: list[Any]) -> None:
    """Close a widget and, for a container that is not a panel itself, its children."""
    if not isinstance(widget, PanelBase):
        for child in getattr(widget, "children", ()) or ():
            _close_tree(child, closed)
    with contextlib.suppress(Exception):
        widget.close()
    closed.append(widget)


def _close_parts(closed: list[Any]) -> None:
    """Close the Layout and Style widgets of ``closed`` widgets that no open widget uses."""
    parts = {}
    for widget in closed:
        for name in ("layout", "style"):
            part = getattr(widget, name, None)
            if isinstance(part, Widget) and part.comm is not None:
                parts[id(part)] = part
    if not parts:
        return
    for other in list(_instances.values()):
        for name in ("layout", "style"):
            part = getattr(other, name, None)
            if isinstance(part, Widget) and id(part) in parts:
                parts.pop(id(part), None)
    for part in parts.values():
        with contextlib.suppress(Exception):
            part.close()


def _reject_unknown(cls: type, kwargs: dict[str, Any]) -> None:
    """TypeError for keyword arguments that are not traits of ``cls``."""
    known = set(cls.class_trait_names()) if hasattr(cls, "class_trait_names") else set()
    unknown = sorted(k for k in kwargs if k not in known)
    if unknown:
        options = ", ".join(sorted(n for n in known - {"comm", "keys", "log"}
                                   if not n.startswith("_")))
        word = "argument" if len(unknown) == 1 else "arguments"
        raise TypeError(f"{cls.__name__} got unknown keyword {word} "
                        f"{', '.join(map(repr, unknown))}; it accepts: {options}")


class Panel(PanelBase, anywidget.AnyWidget):
    """A panel drawn by one anywidget view. ``message`` and ``message_kind`` hold its one
    status line (kind: info, ok or error).

    Every click in the view is a method call: the view sends
    ``{"type": "action", "name": <method>, "args": {...}}`` and the panel runs the method
    named in :attr:`ACTIONS` with those keyword arguments (and ``buffers=`` when the message
    carries binary buffers), its failure shown as the panel's message. A method named
    ``_action_<name>`` takes the view's arguments when they differ from the public method's;
    the ones in :attr:`SLOW_ACTIONS` (they wait for a server) run on the panel's worker,
    never on the kernel's message thread. Messages of other types go to
    :meth:`on_view_message`.
    """

    #: the methods the view may call
    ACTIONS: ClassVar[frozenset[str]] = frozenset()
    #: of those, the ones run on the panel's worker thread
    SLOW_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    message = Unicode("").tag(sync=True)
    message_kind = Unicode("info").tag(sync=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.ACTIONS or type(self).on_view_message is not Panel.on_view_message:
            self.on_msg(self._receive)

    def _receive(self, _widget: Any, content: Any, buffers: list | None) -> None:
        if not isinstance(content, Mapping) or self.closed:
            return
        if content.get("type") == "action":
            self.dispatch(content, buffers)
        else:  # a view's own message: its failure is the panel's message too
            self.attempt(self.on_view_message, content, list(buffers or ()))

    def dispatch(self, content: Mapping[str, Any], buffers: list | None = None) -> bool:
        """Run the action a view sent; True when it was one of :attr:`ACTIONS`."""
        name = str(content.get("name") or "")
        if name not in self.ACTIONS:
            self.show_message(f"The view asked for an unknown action {name!r}.", "error")
            return False
        args = content.get("args") or {}
        if not isinstance(args, Mapping):
            self.show_message(f"The view sent action {name!r} without named arguments.",
                              "error")
            return False
        kwargs = {str(k): v for k, v in args.items()}
        if buffers:
            kwargs["buffers"] = list(buffers)
        method = getattr(self, f"_action_{name}", None) or getattr(self, name)
        if name in self.SLOW_ACTIONS:
            self.later(lambda: method(**kwargs))
        else:
            self.attempt(lambda: method(**kwargs))
        return True

    def on_view_message(self, content: Mapping[str, Any], buffers: list) -> None:
        """A message from the view that is not an action (none by default)."""
