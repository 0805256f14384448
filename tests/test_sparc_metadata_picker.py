"""DatasetPicker's portal parts at the Python level: facets narrowing the results with
counts that follow, the dataset page (contributors, citation, versions), previews; clicks
simulated as the view's action messages."""

from __future__ import annotations

import json

import pytest

from labpanels.pennsieve import PennsieveSession
from labpanels.widgets import DatasetPicker
from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(60)
RAT = "Rattus norvegicus"


@pytest.fixture
def picker(emulator):
    session = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    panel = DatasetPicker(session)
    yield panel
    panel.close()
    session.close()


def act(panel, name: str, **args) -> None:
    panel._handle_custom_msg({"type": "action", "name": name, "args": args}, [])
    panel.join()


def test_facets_narrow_the_results_and_their_counts_follow(picker):
    picker.search("")
    assert {r["id"] for r in picker.result_rows} == {201, 202, 203, 204, 205, 207, 208, 209}
    assert [f["label"] for f in picker.facets][:3] == ["Type", "Anatomical structure",
                                                       "Species"]
    assert picker.facet_counts("anatomy")["heart"] == 3
    assert picker.facet_counts("species") == {RAT: 6, "Felis catus": 1, "Mus musculus": 1}
    act(picker, "toggle_facet", key="species", value=RAT, selected=True)  # a tick in the view
    assert picker.facet_filters == {"species": [RAT]}
    assert {r["id"] for r in picker.result_rows} == {201, 204, 205, 207, 208, 209}
    assert picker.page_text == "1–6 of 6 datasets"
    assert picker.facet_counts("anatomy") == {"heart": 3, "nervous system": 1, "stomach": 1,
                                              "urinary bladder": 2}
    act(picker, "toggle_facet", key="anatomy", value="heart")
    assert {r["id"] for r in picker.result_rows} == {201, 204, 207}
    assert picker.facet_counts("species") == {RAT: 3}
    assert picker.facet_counts("sex") == {"Male": 2, "Female": 1}
    # OR within one facet
    act(picker, "toggle_facet", key="anatomy", value="urinary bladder")
    assert {r["id"] for r in picker.result_rows} == {201, 204, 205, 207, 208}
    # text narrows too; the rows keep discover's columns
    picker.search("voltage")
    (row,) = picker.result_rows
    assert row["id"] == 204 and row["files"] == 100_004 and "electrophysiology" in row["tags"]
    act(picker, "clear_facets")
    assert picker.facet_filters == {} and picker.facet_counts("species") == {RAT: 1}
    with pytest.raises(ValueError, match="unknown facet"):
        picker.toggle_facet("organ", "heart")


def test_dataset_page_contributors_citation_and_versions(picker):
    picker.open_dataset(201)
    page = picker.page
    assert [p["name"] for p in page["contributors"]] == ["Amara Okafor", "Lukas Brenner",
                                                         "Sofia Marquez"]
    assert page["contributors"][0] == {"name": "Amara Okafor", "degree": "Ph.D.",
                                       "orcid": "0000-0002-1825-0097"}
    assert page["description"].startswith("Beat-to-beat heart rate")
    assert picker.citation_text().startswith("Okafor, A., Brenner, L., & Marquez, S. (2024).")
    assert picker.page["citation"]["source"] == "doi"
    act(picker, "choose_citation_style", style="bibtex")
    assert picker.citation_style == "bibtex"
    assert picker.citation_text().startswith("@misc{okafor2024heart,")
    assert [(v["version"], v["current"]) for v in page["versions"]] == [(2, True), (1, False)]
    assert page["versions"][1]["doi"] == "10.26275/vns1-hr01"
    assert page["versions"][1]["published"] == "2023-03-14"
    act(picker, "open_dataset", dataset_id=201, version=1)  # "Open v1"
    assert picker.page["citation"]["doi"] == "10.26275/vns1-hr01"
    assert [v["current"] for v in picker.page["versions"]] == [False, True]


def test_previews_a_table_and_sends_an_image_as_bytes(picker):
    picker.open_dataset(202)
    act(picker, "preview_file", path="files/primary/sub-M01/contractions.csv")
    p = picker.preview
    assert p["state"] == "ready" and p["kind"] == "table" and p["time_column"] == "minute"
    assert [c["name"] for c in p["columns"]] == ["minute", "amplitude_mm", "frequency_cpm"]
    assert len(p["rows"]) == 20 and [s["name"] for s in p["plot"]["series"]] == [
        "amplitude_mm", "frequency_cpm"]
    sent = []
    picker.send = lambda content, buffers=None: sent.append((content, buffers))
    act(picker, "preview_file", path="files/primary/sub-M01/frames/frame-01.png")
    assert picker.preview["kind"] == "image" and picker.preview["width"] == 48
    ((message, buffers),) = [s for s in sent if s[0].get("type") == "preview-image"]
    assert message["mime"] == "image/png" and buffers[0][:4] == b"\x89PNG"
    assert "data" not in picker.preview  # bytes never in a trait
    json.dumps(picker.get_state())
    act(picker, "preview_file", path="files/primary")
    assert picker.preview["state"] == "error" and "is a folder" in picker.preview["error"]
    act(picker, "close_preview")
    assert picker.preview == {}
    picker.open_dataset(201)
    assert picker.preview == {}  # another dataset: no stale preview


def test_facets_unavailable_leave_a_note_not_a_failed_search(emulator):
    session = PennsieveSession(emulator.pennsieve_url, scicrunch_url="http://127.0.0.1:9/es",
                               retries=0)
    picker = DatasetPicker(session)
    page = picker.search("rat")
    assert page.total >= 1 and picker.message_kind != "error"
    assert picker.facets == [] and picker.facets_note.startswith("Facets unavailable:")
    picker.close()
    session.close()
