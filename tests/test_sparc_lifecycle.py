"""DatasetPicker's lifecycle: what it follows, starts and creates is released by close()."""

from __future__ import annotations

import pytest

from labpanels.pennsieve import PennsieveSession
from labpanels.widgets import DatasetPicker
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.lifecycle import (
    live_threads,
    new_threads,
    observers,
    open_widgets,
    until_no_new_threads,
)
from tests.waiting import until

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def pennsieve(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    yield s
    s.close()


def test_closed_pickers_leave_no_observer_thread_or_widget(pennsieve):
    DatasetPicker(pennsieve).close()  # anything created once per process exists now
    watchers, widgets, threads = observers(pennsieve), open_widgets(), live_threads()
    pickers = []
    for n in range(5):
        picker = DatasetPicker(pennsieve)
        picker.search("rat")
        picker.open_dataset(201 if n % 2 else 203)
        pennsieve.select_dataset(202)  # code changes the session: the picker follows
        picker.join()
        assert picker.dataset["id"] == 202
        pickers.append(picker)
    assert observers(pennsieve) > watchers and open_widgets() > widgets
    for picker in pickers:
        picker.close()
        assert picker.followed == 0
    assert observers(pennsieve) == watchers
    assert open_widgets() == widgets
    until_no_new_threads(threads, "the pickers' threads ended")


def test_a_closed_picker_changes_nothing_when_the_session_does(pennsieve):
    picker = DatasetPicker(pennsieve)
    picker.open_dataset(201)
    picker.select(["files/README.md"])
    shown = (picker.dataset["id"], picker.tree.path, list(picker.tree.rows))
    picker.close()
    threads, widgets = live_threads(), open_widgets()
    changes: list[str] = []
    picker.observe(lambda c: changes.append(c["name"]))
    picker.tree.observe(lambda c: changes.append(f"tree.{c['name']}"))
    pennsieve.select_dataset(202)
    pennsieve.select_files(["files/docs"])
    pennsieve.dataset = None
    assert changes == []
    assert (picker.dataset["id"], picker.tree.path, list(picker.tree.rows)) == shown
    assert not new_threads(threads) and open_widgets() == widgets


def test_showing_datasets_one_after_another_does_not_pile_up_widgets(pennsieve):
    picker = DatasetPicker(pennsieve)
    picker.open_dataset(201)
    after_one = open_widgets()
    for dataset in (202, 203, 204, 201):
        picker.open_dataset(dataset)
    assert open_widgets() == after_one  # the details of the last one replaced the others'
    picker.close()


def test_closing_the_picker_cancels_its_download(pennsieve, tmp_path):
    pennsieve.chunk_size = 64  # slow enough to be under way when the picker closes
    picker = DatasetPicker(pennsieve)
    picker.open_dataset(204)
    picker.select(["files/primary/sub-050/ses-05"])
    threads = live_threads()
    picker.start_download(tmp_path / "out")
    until(lambda: picker.download_progress.get("bytes_done"), what="the download started")
    picker.close()
    until_no_new_threads(threads, "the download thread ended")
    assert picker.download_state == "cancelled"
    assert not list((tmp_path / "out").rglob("*.part"))


def test_unknown_options_are_refused_before_anything_is_made(pennsieve):
    widgets = open_widgets()
    with pytest.raises(TypeError, match="page_sise"):
        DatasetPicker(pennsieve, page_sise=5)
    assert open_widgets() == widgets and observers(pennsieve) == 0
