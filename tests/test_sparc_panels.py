"""DatasetPicker (SPARC / Pennsieve) and the o²S²PARC panels (JobBuilder, OsparcJobProgress,
OsparcResultViewer) at the Python level, against the local emulator. Clicks are simulated
as the browser's action messages (``_handle_custom_msg``) or by calling the method they
name."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import ipywidgets as w
import pytest
import requests

from labpanels.osparc import OsparcSession
from labpanels.pennsieve import DownloadCancelled, Page, PennsieveSession
from labpanels.widgets import DatasetPicker, JobBuilder, OsparcJobProgress, OsparcResultViewer
from labpanels.widgets.assets import asset
from labpanels.widgets.osparc_jobs import (
    InvalidInputs,
    PortField,
    log_level,
    port_kind,
)
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.waiting import until

pytestmark = pytest.mark.timeout(60)
SLEEPER = "simcore/services/comp/itis/sleeper"
DEEP = "files/primary/sub-050/ses-05"
EVIL = "<img src=x onerror=alert(1)>"


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def pennsieve(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    s.sent = []  # (method, path, query) of every request

    def record(response, *args, **kwargs):
        parts = requests.utils.urlparse(response.request.url)
        s.sent.append((response.request.method, parts.path, parts.query))

    s.http.session.hooks["response"].append(record)
    yield s
    s.close()


@pytest.fixture
def picker(pennsieve):
    return DatasetPicker(pennsieve)


@pytest.fixture
def osparc(emulator):
    s = OsparcSession(emulator.osparc_url, *emulator.credentials, poll_interval=0.03)
    s.sent = []

    def record(response, *args, **kwargs):
        req = response.request
        s.sent.append((req.method, requests.utils.urlparse(req.url).path))

    for client in (s.http, s.storage_http):
        client.session.hooks["response"].append(record)
    yield s
    s.close()


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "number.txt").write_text("2")
    (tmp_path / "long.txt").write_text("200")  # with input_2=200: 20 s at the emulator's speed
    return tmp_path


def created_jobs(session) -> int:
    return sum(1 for m, path in session.sent if m == "POST" and path.endswith("/jobs"))


def emulator_bytes(emulator, dataset_id: int, version: int, path: str) -> bytes:
    """A file's content fetched with plain requests, independently of labpanels."""
    manifest = requests.post(
        f"{emulator.pennsieve_url}/datasets/{dataset_id}/versions/{version}/files/"
        "download-manifest",
        json={"paths": [path]},
        timeout=20,
    ).json()
    (entry,) = manifest["data"]
    return requests.get(entry["url"], timeout=20).content


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def act(panel, name: str, **args) -> None:
    """What a click in the view does: an action message naming a method."""
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])


def messages_of(widget) -> list[dict]:
    """Record what Python sends to the browser."""
    sent: list[dict] = []
    original = widget.send
    widget.send = lambda content, buffers=None: (sent.append(content), original(content, buffers))
    return sent


def widget_tree(root) -> list:
    """Every widget under ``root`` (children, and widget-valued attributes)."""
    seen, stack, found = set(), [root], []
    while stack:
        item = stack.pop()
        if id(item) in seen or not isinstance(item, w.Widget):
            continue
        seen.add(id(item))
        found.append(item)
        stack.extend(getattr(item, "children", ()))
        stack.extend(v for v in vars(item).values() if isinstance(v, w.Widget))
    return found


# --------------------------------------------------------------------------- search
def test_search_lists_title_size_file_count_and_tags(picker, pennsieve):
    page = picker.search("voltage")
    assert page.total == 1
    (row,) = picker.result_rows
    assert row["name"].startswith("Large-scale intracellular voltage traces")
    assert row["files"] == 100004 and row["size"] > 80_000_000
    assert row["tags"] == "electrophysiology, large dataset, voltage traces"
    labels = [c["label"] for c in picker.dataset_columns]
    assert labels[:4] == ["Title", "Size", "Files", "Tags"]
    assert picker.page_text == "1–1 of 1 datasets"
    assert not picker.has_next and not picker.has_previous
    # rows travel as lists under column names sent once, not as dicts repeating keys
    assert picker.dataset_rows["keys"][:2] == ["id", "name"]
    assert all(isinstance(r, list) for r in picker.dataset_rows["data"])
    # the tag filter (any of the given tags) narrows the same search
    picker.search("", tags="rat")
    assert {r["id"] for r in picker.result_rows} == {201, 205}
    assert "rat" in picker.tag_options  # tags offered as suggestions
    # Enter in the search box: the view sends what is typed
    act(picker, "search", query="zzqqxx", tags="", order_by="name")
    picker.join()
    assert picker.result_rows == [] and picker.results_empty == "No dataset matches"
    assert picker.query == "zzqqxx" and picker.order_by == "name"


def test_selecting_a_result_shows_details_as_text(picker):
    picker.search("heart rate")
    act(picker, "open_dataset", dataset_id=201)  # what a click (or Enter) on the row does
    picker.join()
    assert picker.dataset["id"] == 201 and picker.dataset_id == 201
    details = picker.details
    assert details["title"] == "Heart rate response to vagus nerve stimulation in rats"
    assert any(t.startswith("DOI: 10.") and "License: " in t for t in details["facts"])
    assert any(t.startswith("Dataset 201 · version 2 · published ") for t in details["facts"])
    assert details["description"] and details["files"] == picker.dataset["fileCount"]
    assert picker.versions == [2, 1] and picker.version == 2
    act(picker, "open_dataset", dataset_id=201, version=1)  # an older version
    picker.join()
    assert picker.dataset["version"] == 1 and picker.tree_path == "files"
    assert picker.version == 1


def test_paging_through_results(pennsieve):
    picker = DatasetPicker(pennsieve, page_size=2)
    picker.search("")
    total = int(picker.page_text.rsplit(" of ", 1)[1].split()[0])
    assert total > 2 and picker.page_text.startswith("1–2 of ")
    assert picker.has_next and not picker.has_previous
    act(picker, "next_page")
    picker.join()
    assert picker.page_text.startswith("3–") and picker.has_previous
    assert picker.previous_page() is not None and picker.page_text.startswith("1–2 of ")
    picker.close()


# --------------------------------------------------------------------------- browsing
def test_deep_folder_of_the_100k_dataset_reads_one_page(picker, pennsieve):
    picker.open_dataset(204)
    opening = [s for s in pennsieve.sent if "/files/browse" in s[1]]
    assert len(opening) == 1 and "path=files" in opening[0][2]  # only the top folder
    assert picker.tree.path == "files" and picker.tree.total == 4
    pennsieve.sent.clear()
    rows = picker.open_folder(DEEP)
    assert len(rows) == 100 and picker.tree.total == 100
    assert rows[0] == {
        "path": f"{DEEP}/trace-001.csv",
        "name": "trace-001.csv",
        "dir": False,
        "size": rows[0]["size"],
        "type": "CSV",
    }
    (request,) = pennsieve.sent  # one request: that folder's first page, nothing else
    assert request[0] == "GET" and request[1].endswith("/datasets/204/versions/1/files/browse")
    assert "path=files%2Fprimary%2Fsub-050%2Fses-05" in request[2]
    assert not any("download-manifest" in s[1] for s in pennsieve.sent)


def test_folder_pages_load_as_the_view_asks(pennsieve):
    picker = DatasetPicker(pennsieve, folder_page_size=30)
    picker.open_dataset(204)
    sent = messages_of(picker)
    pennsieve.sent.clear()
    act(picker, "open_folder", path="files/primary")  # a click, or Enter/Right on the folder
    picker.join()
    assert len(picker.tree.rows) == 30 and picker.tree_total == picker.tree.total == 100
    assert picker.tree_path == "files/primary"
    assert sent[-1]["reset"] and len(sent[-1]["rows"]) == 30
    assert sent[-1]["keys"] == ["path", "name", "dir", "size", "type"]
    act(picker, "more_files", loaded=30)  # scrolled near the end
    picker.join()
    assert len(picker.tree.rows) == 60
    assert sent[-1] == {
        "type": "rows",
        "path": "files/primary",
        "offset": 30,
        "reset": False,
        "keys": ["path", "name", "dir", "size", "type"],
        "rows": [[r["path"], r["name"], r["dir"], r["size"], r["type"]]
                 for r in picker.tree.rows[30:60]],
    }
    while picker.tree.more():
        pass
    assert len(picker.tree.rows) == 100 and picker.tree.rows[-1]["name"] == "sub-100"
    browse = [s for s in pennsieve.sent if "/files/browse" in s[1]]
    assert [re.search(r"offset=(\d+)", q).group(1) for _, _, q in browse] == ["0", "30", "60", "90"]
    act(picker, "more_files", loaded=0)  # a view that is behind
    picker.join()
    assert sent[-1]["reset"] and len(sent[-1]["rows"]) == 100  # gets every row, no request
    act(picker, "more_files", loaded=100)  # nothing left
    act(picker, "resend_files")  # a view drawn anew
    picker.join()
    assert sent[-1]["reset"] and len(sent[-1]["rows"]) == 100
    assert len(browse) == len([s for s in pennsieve.sent if "/files/browse" in s[1]])
    # breadcrumbs (or Left): the browser asks for a parent folder
    act(picker, "open_folder", path="files")
    picker.join()
    assert picker.tree.path == picker.tree_path == "files"


def test_file_type_and_name_filters(picker):
    picker.open_dataset(204)
    assert picker.tree.file_types == ["Json", "Markdown"]
    shown = picker.filter_type("Markdown")
    assert [r["name"] for r in shown] == ["docs", "primary", "README.md"]  # folders stay
    assert picker.file_type == "Markdown"  # the view filters its rows by the same rule
    act(picker, "filter_type", file_type="")
    act(picker, "filter_names", text="json")
    assert picker.name_filter == "json"
    assert [r["name"] for r in picker.tree.visible()] == ["dataset_description.json"]
    picker.filter_names("")
    picker.open_folder("files/docs")
    assert picker.tree.file_types == ["PNG"]
    assert [r["name"] for r in picker.filter_type("png")] == ["electrode_map.png"]


def test_multi_select_across_folders_is_picker_selected(picker, pennsieve):
    picker.open_dataset(204)
    rows = picker.open_folder(DEEP)
    act(picker, "select", paths=[rows[0]["path"], rows[2]["path"]])  # two ticks (Space)
    picker.open_folder("files")
    picker.select(["files/README.md"], add=True)
    chosen = picker.selected
    assert [c["path"] for c in chosen] == [rows[0]["path"], rows[2]["path"], "files/README.md"]
    assert chosen[0]["size"] == rows[0]["size"] and chosen[2]["type"] == "Markdown"
    assert pennsieve.selected_files == picker.selected_paths
    assert picker.tree_summary.startswith("3 selected (")
    pennsieve.select_files(["files/docs"])  # code changed the session: the tree follows
    assert picker.selected_paths == ["files/docs"]
    assert picker.selected[0]["dir"] is True


# --------------------------------------------------------------------------- downloads
def test_download_files_with_progress_to_100_and_verified_bytes(picker, emulator, tmp_path):
    picker.open_dataset(204)
    rows = picker.open_folder(DEEP)
    picker.select([r["path"] for r in rows[:5]] + ["files/primary/sub-001/ses-01"])
    percents: list[float] = []
    picker.observe(lambda c: percents.append(c["new"]), names=["download_percent"])
    act(picker, "start_download", dest=str(tmp_path / "out"))  # the Download button
    assert picker.wait(30)  # it ran in a thread: the kernel kept handling messages
    assert picker.download_state == "done", picker.message
    assert percents[-1] == 100.0 and percents == sorted(percents)
    progress = picker.download_progress
    assert progress["files_done"] == progress["files_total"] == 105
    assert progress["bytes_done"] == progress["bytes_total"]
    saved = sorted(Path(p) for p in picker.downloaded)
    assert len(saved) == 105
    out = tmp_path / "out"
    # kept below the selection's common folder (files/primary)
    assert (out / "sub-050/ses-05/trace-001.csv").is_file()
    assert (out / "sub-001/ses-01/trace-100.csv").is_file()
    for rel in ("sub-050/ses-05/trace-003.csv", "sub-001/ses-01/trace-042.csv"):
        expected = emulator_bytes(emulator, 204, 1, f"files/primary/{rel}")
        assert sha((out / rel).read_bytes()) == sha(expected)
    assert picker.message == "Downloaded 105 files" and picker.download_percent == 100
    assert picker.progress_text.startswith("Done: 105 files")


def test_download_default_folder_and_zip(picker, emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    picker.open_dataset(201)
    picker.select(["files/derivative/summary.csv", "files/README.md"])
    (one, two) = picker.download()
    assert one.parent.parent == (tmp_path / "sparc-downloads" / "201").resolve()
    assert sorted(p.name for p in (one, two)) == ["README.md", "summary.csv"]
    (archive,) = picker.download(as_zip=True)
    assert archive.name == "sparc-201-v2.zip" and picker.download_percent == 100.0
    with zipfile.ZipFile(archive) as zf:
        names = sorted(zf.namelist())
        data = {n: zf.read(n) for n in names}
    assert [n.rsplit("/", 1)[-1] for n in names] == ["README.md", "summary.csv"]
    for name, content in data.items():
        path = "files/README.md" if name.endswith("README.md") else "files/derivative/summary.csv"
        assert sha(content) == sha(emulator_bytes(emulator, 201, 2, path))
    assert picker.download_progress["files_done"] == 1


def test_cancelled_download_leaves_no_partial_file(picker, pennsieve, tmp_path):
    pennsieve.chunk_size = 64  # many chunks per file, so the cancel lands mid-file
    picker.open_dataset(204)
    picker.select([DEEP])

    mark: dict[str, int] = {}

    def cancel_mid_file(change):
        info = change["new"]
        if info.get("files_done") != 2:
            return
        mark.setdefault("done", info["bytes_done"])  # the third file starts here
        if info["bytes_done"] > mark["done"]:  # some of its bytes are on disk
            picker.cancel()

    picker.observe(cancel_mid_file, names=["download_progress"])
    with pytest.raises(DownloadCancelled):
        picker.download(tmp_path / "out")
    assert picker.download_state == "cancelled"
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["out/ses-05/trace-001.csv", "out/ses-05/trace-002.csv"]  # complete ones
    assert not list((tmp_path / "out").rglob("*.part"))
    # the same through the buttons: a message, never a traceback
    mark.clear()
    act(picker, "start_download", dest=str(tmp_path / "again"))
    assert picker.wait(30)
    assert picker.message_kind == "error" and "cancelled" in picker.message
    assert "Traceback" not in picker.message
    assert not list((tmp_path / "again").rglob("*.part"))
    assert picker.download_state == "cancelled"  # the view unlocks Download, locks Cancel


def test_download_without_selection_is_a_message(picker):
    picker.open_dataset(201)
    act(picker, "start_download")
    assert picker.message_kind == "error"
    assert picker.message == "Nothing selected: tick files or folders first"
    assert picker.download_state == "idle"


# --------------------------------------------------------------------------- text, not HTML
class EvilSession(PennsieveSession):
    """Server text shaped like HTML, in every place the picker shows."""

    def search_datasets(self, query=None, **kwargs):
        item = {"id": 7, "name": EVIL, "size": 10, "fileCount": 1, "tags": [EVIL], "version": 1}
        return Page([item], 1, 10, 0)

    def tags(self):
        return [{"tag": EVIL, "count": 1}]

    def select_dataset(self, dataset, version=None):
        self.dataset = {
            "id": 7,
            "version": 1,
            "name": EVIL,
            "description": EVIL,
            "doi": EVIL,
            "license": EVIL,
            "tags": [EVIL],
            "fileCount": 1,
            "size": 10,
        }
        return self.dataset

    def versions(self, dataset_id):
        return [{"version": 1}]

    def root_folder(self, dataset_id=None, version=None):
        return "files"

    def browse(self, dataset_id=None, path="", version=None, *, limit=100, offset=0):
        return Page(
            [{"type": "File", "name": EVIL, "path": f"files/{EVIL}", "size": 1, "fileType": EVIL}],
            1,
            limit,
            offset,
        )


def test_html_shaped_names_stay_plain_text():
    picker = DatasetPicker(EvilSession("http://127.0.0.1:9"))
    picker.search("x")
    assert picker.result_rows[0]["name"] == EVIL and picker.result_rows[0]["tags"] == EVIL
    picker.open_dataset(7)
    assert picker.details["title"] == EVIL and EVIL in picker.details["description"]
    sent = messages_of(picker)
    act(picker, "resend_files")
    assert sent[-1]["rows"][0][1] == EVIL  # raw: the browser writes it as textContent
    assert picker.file_types == [EVIL]
    assert widget_tree(picker) == [picker]  # one anywidget, no child widgets
    state = json.dumps(picker.get_state())  # all serializable
    assert EVIL in state  # as data, for textContent; never markup the page parses


@pytest.mark.parametrize("name", ["filetree.js", "sparc_picker.js", "osparc_progress.js",
                                  "table.js", "logview.js", "osparc_viewer.js",
                                  "osparc_builder.js"])
def test_front_ends_never_parse_text_as_html(name):
    source = asset(name).read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    check = subprocess.run(
        [node, "--input-type=module", "--check"],
        input=source,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    "widget, name",
    [
        (DatasetPicker, "sparc_picker.js"),
        (JobBuilder, "osparc_builder.js"),
        (OsparcJobProgress, "osparc_progress.js"),
        (OsparcResultViewer, "osparc_viewer.js"),
    ],
)
def test_front_ends_read_every_synced_trait(widget, name):
    """A contract between the Python traits and the JavaScript that reads them."""
    source = asset(name).read_text()
    own = (
        set(widget.class_trait_names(sync=True))
        - set(w.DOMWidget.class_trait_names(sync=True))
        - {"_esm", "_css", "_anywidget_id"}
    )
    unread = [n for n in own if f'"{n}"' not in source and f"change:{n}" not in source]
    assert own and not unread


# --------------------------------------------------------------------------- JobBuilder
def test_job_builder_form_matches_the_sleeper_ports(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    builder.choose_solver(SLEEPER)
    assert builder.version == "2.0.2" and osparc.solver["id"] == SLEEPER
    fields = builder.fields
    assert list(fields) == ["input_1", "input_2", "input_3"]
    assert [(f.kind, f.has_default, f.default) for f in fields.values()] == [
        ("file", False, None),
        ("integer", True, 2),
        ("boolean", True, False),
    ]
    form = {f["key"]: f for f in builder.form}  # what the view draws
    assert [form[k]["kind"] for k in form] == ["file", "integer", "boolean"]
    assert "number.txt" in builder.files  # the working folder's files
    assert form["input_2"]["value"] == "2" and form["input_3"]["value"] is False
    assert form["input_2"]["title"] == "Sleep interval"
    assert "whole number" in form["input_2"]["hint"]
    assert fields["input_2"].title == "Sleep interval"
    builder._handle_custom_msg({"type": "action", "name": "set_inputs",
                                "args": {"input_2": "5"}}, [])  # typed in the view
    (workdir / "later.txt").write_text("1")
    builder._handle_custom_msg({"type": "action", "name": "refresh"}, [])  # Refresh
    assert "later.txt" in builder.files
    assert builder.fields["input_2"].value == "5"
    builder.choose_solver("simcore/services/comp/labpanels/csv-summary", "0.9.0")
    assert [f.kind for f in builder.fields.values()] == ["file", "string"]
    assert builder.versions == ["1.0.0", "0.9.0"] and builder.version == "0.9.0"
    builder._handle_custom_msg({"type": "action", "name": "choose_solver",
                                "args": {"key": SLEEPER}}, [])  # the solver box
    assert osparc.solver["id"] == SLEEPER and [f["key"] for f in builder.form][0] == "input_1"


def test_port_kinds_and_log_levels():
    assert (
        port_kind({"content_schema": {"type": "string", "title": "Columns", "default": ""}})
        == "string"
    )
    assert port_kind({"content_schema": {"type": "string", "title": "Name"}}) == "string"
    assert (
        port_kind(
            {"content_schema": {"type": "string", "title": "Table", "description": "A CSV file"}}
        )
        == "file"
    )
    assert port_kind({"content_schema": {"type": "number", "minimum": 0}}) == "number"
    assert port_kind({"content_schema": {"type": "array"}}) == "json"
    assert log_level("[PROGRESS] 1/3...") == "INFO"
    assert log_level("Failing after sleep as requested") == "ERROR"
    assert log_level("WARNING: low memory") == "WARNING"
    assert log_level("skipped non-numeric columns: a") == "WARNING"
    assert log_level("Traceback (most recent call last):") == "ERROR"


def test_number_bounds_json_and_upload_fields(workdir):
    ratio = PortField(
        {
            "key": "x",
            "content_schema": {"type": "number", "title": "Ratio", "minimum": 0, "maximum": 1},
        },
        workdir,
        [],
    )
    assert "≥ 0 and ≤ 1" in ratio.hint()
    ratio.write("2")
    with pytest.raises(ValueError, match=r"Ratio \(x\) must be at most 1, not 2.0"):
        ratio.read()
    ratio.write("nan")
    with pytest.raises(ValueError, match="must be a finite number"):
        ratio.read()
    ratio.write("0.25")
    assert ratio.read() == 0.25
    ratio.write("")
    with pytest.raises(ValueError, match=r"Ratio \(x\) is required"):
        ratio.read()
    table = PortField({"key": "t", "content_schema": {"type": "array", "title": "T"}}, workdir, [])
    table.write([1, 2])
    assert table.read() == [1, 2]
    table.value = "[1,"
    with pytest.raises(ValueError, match="is not valid JSON"):
        table.read()
    upload = PortField(
        {"key": "f", "content_schema": {"type": "string", "title": "A file"}}, workdir, []
    )
    upload.save_upload("up.txt", b"7")
    assert upload.value == "osparc-uploads/up.txt"
    assert upload.read() == workdir / "osparc-uploads" / "up.txt"
    upload.write({"id": "abc", "filename": "server.txt"})
    assert upload.read() == {"id": "abc", "filename": "server.txt"}
    assert upload.spec()["value"] == "(on the server) server.txt"
    upload.write("number.txt")  # typing a path again replaces the server file
    assert upload.read() == workdir / "number.txt"


def test_invalid_inputs_are_explained_and_nothing_is_sent(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    builder.choose_solver(SLEEPER)
    builder.set_inputs(input_2="three")
    with pytest.raises(InvalidInputs) as caught:
        builder.submit()
    assert set(caught.value.errors) == {"input_1", "input_2"}
    assert builder.message_kind == "error"
    assert builder.message == (
        "Not submitted: File with int number (input_1) needs a file: choose one or upload it; "
        "Sleep interval (input_2) must be a whole number, not 'three'"
    )
    assert builder.field_errors["input_2"].startswith("Sleep interval (input_2) must be")
    assert set(builder.field_errors) == {"input_1", "input_2"}
    builder._handle_custom_msg({"type": "action", "name": "submit_form", "args": {
        "values": {"input_1": "missing.txt", "input_2": "2.5", "input_3": False}}}, [])
    assert builder.wait(10)
    assert "no such file 'missing.txt'" in builder.message
    assert "must be a whole number, not '2.5'" in builder.message
    with pytest.raises(ValueError, match="has no input input_9; its inputs are input_1"):
        builder.set_inputs(input_9=1)
    with pytest.raises(ValueError, match="yes/no flag"):
        builder.set_inputs(input_3="yes")
    assert created_jobs(osparc) == 0 and not any("/v0/files" in p for _, p in osparc.sent)


def test_submit_creates_exactly_one_job_even_on_a_double_click(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    builder.choose_solver(SLEEPER)
    builder.set_inputs(input_1="number.txt", input_2=2)
    click = {"type": "action", "name": "submit_form", "args": {}}
    builder._handle_custom_msg(click, [])
    builder._handle_custom_msg(click, [])  # the second click arrives while the first is sent
    assert builder.wait(20)
    assert created_jobs(osparc) == 1
    assert osparc.job["id"] == builder.job["id"]  # the job is the session's for other panels
    assert builder.message.startswith(f"Submitted job {builder.job['id']}")
    first = builder.job["id"]
    job = builder.submit()  # a deliberate second submit is a second job
    assert created_jobs(osparc) == 2 and job["id"] == builder.job["id"] != first


# --------------------------------------------------------------------------- progress
def test_progress_follows_the_submitted_job_to_success(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    builder.choose_solver(SLEEPER)
    bar = OsparcJobProgress(osparc)
    assert bar.job_id == "" and not bar.running
    seen: list[tuple[str, int]] = []
    bar.observe(lambda c: seen.append((bar.state, bar.progress)), names=["progress", "state"])
    builder.set_inputs(input_1="number.txt", input_2=4)
    started = time.monotonic()
    job = builder.submit()
    assert time.monotonic() - started < 5  # submit does not wait for the job
    assert bar.job_id == job["id"] and bar.running  # polling in a thread
    assert bar.wait(30) == "SUCCESS"
    assert bar.progress == 100 and not bar.running and bar.message == "Finished"
    assert bar.elapsed > 0 and bar.solver_label == "sleeper 2.0.2"
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and 0 < min(p for p in progress if p) < 100
    inspects = sum(1 for m, p in osparc.sent if p.endswith(":inspect"))
    time.sleep(0.2)
    assert sum(1 for m, p in osparc.sent if p.endswith(":inspect")) == inspects  # stopped


def test_stop_button_aborts_a_running_job(osparc, workdir):
    osparc.select_solver(SLEEPER, "2.0.2")
    job = osparc.submit({"input_1": workdir / "long.txt", "input_2": 200})
    bar = OsparcJobProgress(osparc, job)
    until(lambda: bar.state == "STARTED", what="STARTED")
    bar._handle_custom_msg({"type": "stop"}, [])  # the Stop button
    assert bar.wait(10) == "ABORTED" and not bar.running
    assert bar.message.startswith("ABORTED")


# --------------------------------------------------------------------------- results
def shown_log(viewer) -> list[str]:
    """The lines the view shows: the filters are applied in the browser to the lines it
    holds, by the same rule as ``visible_log``."""
    return [e["text"] for e in viewer.visible_log()]


def test_result_viewer_outputs_types_and_filterable_logs(osparc, workdir, tmp_path):
    osparc.select_solver(SLEEPER, "2.0.2")
    viewer = OsparcResultViewer(osparc)
    job = osparc.submit({"input_1": workdir / "number.txt", "input_2": 4, "input_3": False})
    assert "results appear when it ends" in viewer.heading
    osparc.wait(job)  # the session's job ends: the viewer shows it at once ...
    assert viewer.state == "SUCCESS" and viewer.error == ""
    assert type(viewer.outputs["output_2"]) is int
    viewer.join()  # ... and reads the log file on its own worker, not the session's poller
    rows = {r["name"]: r for r in viewer.output_table}
    assert rows["output_2"]["type"] == "integer"
    assert rows["output_2"]["value"] == str(viewer.outputs["output_2"])
    assert rows["output_1"]["type"] == "file (text/plain)"
    assert rows["output_1"]["value"] == "single_number.txt"
    assert rows["output_2"]["title"] == "Random sleep interval"
    texts = [e["text"] for e in viewer.log]
    assert sum("[PROGRESS]" in t for t in texts) == 3 and viewer.error_line == -1
    assert shown_log(viewer) == texts and sum(viewer.level_counts().values()) == len(texts)
    only = viewer.filter_log(text="progress")
    assert len(only) == 3 and viewer.query == "progress"
    assert viewer.filter_log(["ERROR"], "") == [] and viewer.levels == ["ERROR"]
    # a tick in the panel: the view sends the levels it shows ticked
    viewer._handle_custom_msg({"type": "action", "name": "filter_log",
                               "args": {"levels": ["INFO", "ERROR"]}}, [])
    assert viewer.levels == ["INFO", "ERROR"]
    assert len(shown_log(viewer)) == sum(e["level"] in ("INFO", "ERROR") for e in viewer.log)
    with pytest.raises(ValueError, match="unknown level"):
        viewer.filter_log(["LOUD"])
    viewer._handle_custom_msg({"type": "action", "name": "filter_log",
                               "args": {"levels": ["LOUD"]}}, [])
    assert viewer.message_kind == "error" and "unknown level" in viewer.message.lower()
    viewer._handle_custom_msg({"type": "action", "name": "_reset_log", "args": {}}, [])
    assert viewer.log and "unknown action" in viewer.message  # only public methods
    (saved,) = viewer.download(dest=tmp_path / "outputs")
    assert saved == tmp_path / "outputs" / "output_1" / "single_number.txt"
    assert saved.read_text().strip().isdigit()
    # the Download button: the selection and the folder come with the action
    viewer._handle_custom_msg({"type": "action", "name": "select_outputs",
                               "args": {"names": ["output_1", "nope"]}}, [])
    assert viewer.selected_outputs == ["output_1"]
    viewer._handle_custom_msg({"type": "action", "name": "download",
                               "args": {"dest": str(tmp_path / "clicked")}}, [])
    viewer.join()
    assert (tmp_path / "clicked" / "output_1" / "single_number.txt").is_file()
    assert viewer.message.startswith("Saved 1 file in")


def test_result_viewer_shows_the_log_live_then_the_whole_file(osparc, workdir):
    osparc.select_solver(SLEEPER, "2.0.2")
    quiet = OsparcResultViewer(osparc, live_log=False)
    viewer = OsparcResultViewer(osparc)
    sent = messages_of(viewer)
    job = osparc.submit({"input_1": workdir / "number.txt", "input_2": 20, "input_3": False})
    until(lambda: any("[PROGRESS]" in e["text"] for e in viewer.log), 20, "a live log line")
    assert osparc.status(job)["state"] == "STARTED" and viewer.state != "SUCCESS"
    appended = [row for m in sent if m["type"] == "log_append" for row in m["rows"]]
    assert [text for _, text in appended] == [e["text"] for e in viewer.log]  # only new lines
    assert all(e["time"] == "" for e in viewer.log)  # the stream carries no timestamps
    assert quiet.log == []
    osparc.wait(job)
    until(lambda: viewer.state == "SUCCESS", what="the viewer shows the end")
    viewer.join()  # the whole log file is read on the viewer's worker, then shown
    quiet.join()
    full = osparc.log_lines(job)
    assert [e["text"] for e in viewer.log] == full == [e["text"] for e in quiet.log]
    assert all(e["time"] for e in viewer.log)  # the log file's lines, with their times
    epoch = viewer.log_epoch
    shown = [row for m in sent if m["type"] == "log_append" and m["epoch"] == epoch
             for row in m["rows"]]
    assert [text for _, text in shown] == full  # the view's store holds the file's lines


def test_live_log_wire_cost_is_linear(osparc, workdir, monkeypatch):
    """10,000 live lines arriving in batches cost at most twice their own size in the
    comm messages the viewer sends (state updates and custom messages): each line
    travels once, however long the log grows."""
    lines = [f"2026-12-02T01:{i // 600 % 60:02d}:{i // 10 % 60:02d} [INFO] step {i} of 10000: "
             f"reading block {i * 7 % 1000} of input" for i in range(10_000)]
    own_size = sum(len(t) + 1 for t in lines)

    def stream_log(job, on_open=None):
        for start in range(0, len(lines), 250):  # 40 batches, 0.22 s apart: many flushes
            yield from lines[start:start + 250]
            time.sleep(0.22)

    osparc.select_solver(SLEEPER, "2.0.2")
    viewer = OsparcResultViewer(osparc)
    wire: list[int] = []
    original = viewer._send

    def counting(msg, buffers=None):
        wire.append(len(json.dumps(msg, ensure_ascii=False).encode()))
        return original(msg, buffers)

    monkeypatch.setattr(viewer, "_send", counting)
    monkeypatch.setattr(osparc, "stream_log", stream_log)
    job = osparc.submit({"input_1": workdir / "long.txt", "input_2": 200})
    try:
        until(lambda: len(viewer.log) == len(lines), 30, "10,000 live lines")
        appends = sum(1 for n in wire if n > 1000)
        total = sum(wire)
        print(f"\nlive log: {len(lines)} lines, {own_size} bytes of text, {total} bytes on "
              f"the wire in {len(wire)} messages ({appends} appends): {total / own_size:.2f}x")
        assert appends >= 10  # it did arrive in batches
        assert total <= 2 * own_size
        # the old way (the whole log resent at each of those updates) would have cost:
        assert total * 5 < own_size * appends / 2
    finally:
        osparc.stop(job)


def test_failed_job_shows_its_error_and_the_highlighted_line(osparc, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    builder.choose_solver(SLEEPER)
    bar = OsparcJobProgress(osparc)
    viewer = OsparcResultViewer(osparc)
    builder.set_inputs(input_1="number.txt", input_2=1, input_3=True)
    builder.submit()
    assert bar.wait(30) == "FAILED"
    assert bar.message == "FAILED: Failing after sleep as requested"
    assert viewer.state == "FAILED"  # the same state as the bar, at the same moment
    viewer.join()  # the log is read on the viewer's worker
    assert viewer.error == "Failing after sleep as requested"
    assert viewer.error_text == "Job FAILED: Failing after sleep as requested"
    line = viewer.log[viewer.error_line]
    assert line["level"] == "ERROR" and line["text"].endswith("Failing after sleep as requested")
    viewer.filter_log(["ERROR"])
    assert viewer.error_line in [e["n"] for e in viewer.visible_log()]
    assert viewer.outputs == {}
    assert viewer.outputs_empty == "No outputs: the job failed: Failing after sleep as requested"


def test_no_secret_in_any_widget_state(osparc, emulator, workdir):
    builder = JobBuilder(osparc, workdir=workdir)
    bar, viewer = OsparcJobProgress(osparc), OsparcResultViewer(osparc)
    state = json.dumps(
        [x.get_state() for root in (builder, bar, viewer) for x in widget_tree(root)], default=str
    )
    key, secret = emulator.credentials
    assert secret not in state and key not in state


def test_log_lines_travel_as_data_for_text_content(osparc):
    viewer = OsparcResultViewer(osparc)
    sent = messages_of(viewer)
    viewer._append_log([EVIL])
    assert sent[-1]["rows"] == [["INFO", EVIL]]
    assert "textContent" in asset("logview.js").read_text()


def test_panels_stay_with_the_newest_job(osparc, workdir):
    osparc.select_solver(SLEEPER, "2.0.2")
    first = osparc.submit({"input_1": workdir / "long.txt", "input_2": 200})
    bar, viewer = OsparcJobProgress(osparc), OsparcResultViewer(osparc)
    assert bar.job_id == first["id"] and bar.running
    second = osparc.submit({"input_2": 2})  # a new current job: both panels follow it
    assert bar.job_id == second["id"]
    assert bar.wait(30) == "SUCCESS" and bar.progress == 100
    assert viewer.state == "SUCCESS" and viewer.outputs
    osparc.stop(first)  # a status of the earlier job does not pull the panels back
    assert bar.job_id == second["id"] and bar.state == "SUCCESS"
    assert viewer.heading == f"Job {second['id']}: SUCCESS"
    bar.follow(first["id"])  # unless asked
    until(lambda: bar.state == "ABORTED", what="ABORTED")
    viewer.load(first)
    assert viewer.state == "ABORTED" and viewer.error == "stopped before it finished"
