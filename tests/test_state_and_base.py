"""SessionState under concurrency, the panel base's lifecycle, and the one wait helper."""

from __future__ import annotations

import threading
import time

import ipywidgets as w
import pytest
from traitlets import HasTraits, Int

from labpanels.errors import LabpanelsError
from labpanels.state import MAX_ERRORS, SessionState
from labpanels.waiting import Stopped, poll, retry
from labpanels.widgets.base import Panel, PanelBase

from .waiting import until


class Source(HasTraits):
    value = Int(0)


def observers(obj: HasTraits) -> int:
    return sum(len(handlers) for by_type in obj._trait_notifiers.values()
               for handlers in by_type.values())


# -- SessionState -----------------------------------------------------------------------
def _failing_call(state: SessionState, message: str, started: threading.Event,
                  release: threading.Event) -> None:
    with pytest.raises(LabpanelsError), state.working():
        started.set()
        release.wait(5)
        raise LabpanelsError(message)


def test_two_concurrent_calls_keep_busy_until_both_end_and_both_errors_are_reported():
    state = SessionState()
    seen: list[bool] = []
    state.observe(lambda change: seen.append(change["new"]), names="busy")
    started = [threading.Event(), threading.Event()]
    release = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=_failing_call, args=(state, f"call {i} failed",
                                                            started[i], release[i]))
               for i in range(2)]
    for thread in threads:
        thread.start()
    assert all(event.wait(5) for event in started)
    assert state.busy is True

    release[0].set()
    threads[0].join(5)
    assert state.busy is True, "busy turned False while the second call still runs"
    assert state.last_error == "call 0 failed"

    release[1].set()
    threads[1].join(5)
    assert state.busy is False
    assert state.errors == ["call 0 failed", "call 1 failed"]
    assert state.last_error == "call 1 failed"
    assert seen == [True, False]  # busy went up once and down once


def test_nested_calls_on_one_thread_count_once_and_errors_are_bounded():
    state = SessionState()
    for i in range(MAX_ERRORS + 5):
        with pytest.raises(LabpanelsError), state.working(), state.working():
            raise LabpanelsError(f"failure {i}")
    assert len(state.errors) == MAX_ERRORS and state.errors[-1] == f"failure {MAX_ERRORS + 4}"
    assert state.busy is False
    with state.working():
        assert state.last_error == ""  # a new call while idle starts clean


# -- the panel base ------------------------------------------------------------------------
class Box(PanelBase, w.VBox):
    def __init__(self, source: Source, **kwargs):
        super().__init__(**kwargs)
        self.seen: list[object] = []
        self.threads: set[str] = set()
        self.label = w.Label()
        self.children = [self.label]
        self.follow(source, lambda change: self.seen.append(change["new"]), "value")
        self.follow(source, self._in_background, "value", background=True)

    def _in_background(self, change: dict) -> None:
        self.threads.add(threading.current_thread().name)
        if change["new"] == 13:
            raise LabpanelsError("thirteen is refused")


def test_a_closed_panel_releases_observers_threads_and_children():
    source = Source()
    before_observers = observers(source)
    before_threads = set(threading.enumerate())
    boxes = [Box(source) for _ in range(5)]
    source.value = 1
    for box in boxes:
        box.join(5)
        assert box.seen == [1]
        assert box.threads == {"labpanels-Box"}  # not the thread that set the trait
    assert observers(source) == before_observers + 10

    for box in boxes:
        box.close()
    source.value = 2
    assert observers(source) == before_observers
    assert all(box.seen == [1] and box.followed == 0 for box in boxes)
    assert all(box.label.comm is None for box in boxes)  # children closed too
    until(lambda: set(threading.enumerate()) <= before_threads, 5, "worker threads ended")
    boxes[0].close()  # twice is fine


def test_background_failures_become_the_panel_message():
    class Messaged(Panel):
        pass

    source = Source()
    panel = Messaged()
    panel.follow(source, lambda change: panel.start(_raise, change["new"]), "value")
    source.value = 3
    panel.join(5)
    assert panel.message == "Value 3 is not allowed" and panel.message_kind == "error"
    with panel.reporting("done"):
        pass
    assert (panel.message, panel.message_kind) == ("done", "ok")
    panel.close()


def test_a_bad_message_from_the_view_becomes_the_panel_message():
    class Listening(Panel):
        def on_view_message(self, content, buffers):
            _raise(int(content["value"]))  # a view sent what this cannot take

    panel = Listening()
    panel._receive(panel, {"type": "mine", "value": None}, [])  # TypeError: no traceback
    assert panel.message_kind == "error" and "not 'NoneType'" in panel.message
    panel._receive(panel, {"type": "mine", "value": "4"}, [])
    assert panel.message == "Value 4 is not allowed"
    panel.close()


def _raise(value: int) -> None:
    raise ValueError(f"value {value} is not allowed")


def test_unknown_keyword_arguments_are_refused():
    with pytest.raises(TypeError, match="colums"):
        Box(Source(), colums=[1])
    with pytest.raises(TypeError, match="colour"):
        Panel(colour="red")


def test_work_queued_after_close_does_not_run():
    panel = Panel()
    ran: list[int] = []
    panel.close()
    panel.later(ran.append, 1)
    panel.start(ran.append, 2).join(2)
    assert ran == []


# -- waiting -----------------------------------------------------------------------------------
def test_retry_repeats_only_the_named_failures_and_raises_the_last():
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not yet")
        return "ok"

    assert retry(flaky, attempts=3, retry_on=(ConnectionError,), first=0.001) == "ok"
    calls.clear()
    with pytest.raises(ConnectionError):
        retry(flaky, attempts=2, retry_on=(ConnectionError,), first=0.001)
    assert len(calls) == 2
    with pytest.raises(KeyError):
        retry(lambda: {}["x"], attempts=5, retry_on=(ConnectionError,), first=0.001)


def test_poll_returns_the_answer_times_out_and_stops():
    values = iter([None, None, 7])
    assert poll(lambda: next(values), first=0.001, timeout=2) == 7
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="the sky"):
        poll(lambda: None, timeout=0.2, first=0.05, what="the sky")
    assert time.monotonic() - started < 1.0
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    with pytest.raises(Stopped):
        poll(lambda: None, first=5, stop=stop)
