"""The SPARC metadata index: the emulator's SciCrunch Elasticsearch, the portal's facets,
citations, and ``SparcClient.metadata`` against sparc.client 0.4.1's ``MetadataService``.

The must-show: sparc.client's ``MetadataService``, run in its own environment against the
emulator, and ``labpanels.sparc.SparcClient`` making the same calls get the same answers.
"""

from __future__ import annotations

import copy

import pytest
import requests

from labpanels.demo.venvs import ensure_venv
from labpanels.errors import AuthenticationError, BadRequest, InvalidArgument, NotFound
from labpanels.pennsieve import PennsieveSession
from labpanels.pennsieve.citation import apa, bibtex, bibtex_key, csl_from_dataset
from labpanels.pennsieve.metadata import FACETS, MetadataSearch, facet_query
from labpanels.sparc import SparcClient
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.side_envs import SPARC_REQUIREMENTS
from tests.test_official_clients import run_script

INDEX = "/elastic/v1/SPARC_Algolia_pr/_search"
RAT, MOUSE = "Rattus norvegicus", "Mus musculus"
APA_201 = ("Okafor, A., Brenner, L., & Marquez, S. (2024). Heart rate response to vagus nerve "
           "stimulation in rats (Version 2) [Data set]. Pennsieve Discover. "
           "https://doi.org/10.26275/vns2-hr02")


@pytest.fixture(scope="module")
def session(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    yield s
    s.close()


def es(emulator, body=None, *, method="POST", params=None, headers=None, index=INDEX):
    return requests.request(method, emulator.url + index, json=body, params=params,
                            headers=headers, timeout=20)


def ids(answer: dict) -> list[str]:
    return [h["_id"] for h in answer["hits"]["hits"]]


def without_took(answer):
    answer = copy.deepcopy(answer)
    if isinstance(answer, dict):
        answer.pop("took", None)
    return answer


# --------------------------------------------------------------------------- must-show
@pytest.fixture(scope="module")
def official_metadata(emulator, tmp_path_factory) -> dict:
    python = ensure_venv("sparcclient041", SPARC_REQUIREMENTS)
    work = tmp_path_factory.mktemp("sparcmeta")
    config = work / "sparc-config.ini"
    config.write_text("[global]\ndefault_profile = emulator\n\n[emulator]\n"
                      f"pennsieve_profile_name = emulator\nscicrunch_api_key = "
                      f"{emulator.credentials[0]}\n")
    env = {"EMULATOR_URL": emulator.url, "SPARC_CONFIG": str(config), "WORKDIR": str(work),
           "SPARC_FLOW": "metadata", "O2SPARC_HOST": "", "O2SPARC_USERNAME": "",
           "O2SPARC_PASSWORD": ""}
    return {"report": run_script(python, "sparc_client_flow.py", env), "config": config}


@pytest.mark.timeout(900)
def test_official_metadata_service_and_labpanels_give_the_same_hits(official_metadata, emulator):
    report, config = official_metadata["report"], official_metadata["config"]
    assert report["modules"] == ["metadata", "o2sparc", "pennsieve"]
    assert report["metadata_host"] == "https://api.scicrunch.io/elastic/v1"
    client = SparcClient(connect=False, config_file=str(config))
    assert client.metadata.connect() == report["metadata_host"]
    assert client.metadata.get_profile() == report["metadata_key"] == emulator.credentials[0]
    client.metadata.algolia_api = emulator.url + INDEX  # the redirect the official one needs
    calls = report["metadata_calls"]
    assert len(calls) == 7
    for call in calls:
        ours = getattr(client.metadata, call["method"])(*call["args"])
        assert without_took(ours) == without_took(call["answer"]), call["method"]
    # the answers are the index's, not empty pages
    answers = [c["answer"] for c in calls]
    published = ["201", "202", "203", "204", "205", "207", "208", "209"]  # 206: embargoed
    assert answers[0]["hits"]["total"] == len(published) and ids(answers[0]) == published
    assert ids(answers[2]) == ["201", "203"]
    assert ids(answers[3]) == ["201", "207"]  # heart AND rat: the recordings, the scaffold
    facets = answers[4]["aggregations"]
    assert ids(answers[4])[0] == "201" and set(ids(answers[4])) <= {"201", "204", "205"}
    assert {b["key"]: b["doc_count"] for b in facets["sex"]["buckets"]} == {"Male": 2,
                                                                           "Female": 2}
    assert [h["_source"] for h in answers[5]["hits"]["hits"]][0] == {
        "item": {"name": "Large-scale intracellular voltage traces (100,000 recordings)",
                 "curie": "DOI:10.26275/big1-0100"}}
    assert answers[6]["hits"]["total"] == 3 and ids(answers[6]) == ["204", "205"]
    # the deliberate differences: limit is honoured; a wrong key raises
    assert report["metadata_limit_2"] == 8  # sparc.client drops from/size off scicrunch.io
    assert len(client.metadata.list_datasets(limit=2)["hits"]["hits"]) == 2
    assert report["metadata_wrong_key"]["status"] == 401
    client.metadata.set_profile("not-the-key")
    with pytest.raises(AuthenticationError, match="invalid API key"):
        client.metadata.search_datasets()


# --------------------------------------------------------------------------- the index
def test_index_documents_carry_the_portal_facet_fields(emulator):
    answer = es(emulator, {"query": {"ids": {"values": ["201"]}}}).json()
    (hit,) = answer["hits"]["hits"]
    src = hit["_source"]
    assert hit["_index"] == "SPARC_Algolia_pr" and hit["_id"] == "201"
    assert src["item"]["types"] == [{"name": "Experimental"}]
    assert [o["category"]["name"] for o in src["anatomy"]["organ"]] == ["heart",
                                                                         "nervous system"]
    assert src["organisms"]["primary"][0]["species"]["name"] == RAT
    assert [m["keyword"] for m in src["item"]["modalities"]] == ["electrophysiology",
                                                                  "physiology"]
    assert [s["value"] for s in src["attributes"]["subject"]["sex"]] == ["Female", "Male"]
    assert src["attributes"]["subject"]["ageCategory"] == [{"value": "adult"}]
    assert src["supportingAwards"][0]["consortium"]["name"] == "SPARC"
    assert src["item"]["curie"] == "DOI:10.26275/vns2-hr02"
    assert src["pennsieve"]["version"]["identifier"] == "2"
    assert [c["name"] for c in src["contributors"]] == ["Okafor, Amara", "Brenner, Lukas",
                                                        "Marquez, Sofia"]
    assert src["contributors"][0]["curie"] == "ORCID:0000-0002-1825-0097"
    # the unpublished dataset is not indexed
    assert es(emulator, {"query": {"ids": {"values": ["206"]}}}).json()["hits"]["total"] == 0


def test_query_dsl_subset(emulator):
    def hits(query, **extra):
        return ids(es(emulator, {"query": query, **extra}).json())

    assert hits({"match": {"item.name": "rats"}}) == ["201"]
    assert hits({"match": {"item.description": {"query": "vagus bladder",
                                                "operator": "and"}}}) == []
    assert set(hits({"match": {"item.description": "vagus bladder"}})) == {"201", "205", "208"}
    assert hits({"query_string": {"query": '"vagus nerve"'}}) == ["201"]
    assert hits({"query_string": {"query": "heart -electrophysiology"}}) == ["207"]  # scaffold
    assert set(hits({"query_string": {"query": "NOT heart"}})) == {"202", "203", "205", "208",
                                                                   "209"}
    assert set(hits({"query_string": {
        "query": f'organisms.primary.species.name:("{RAT}" OR "{MOUSE}") AND '
                 "attributes.subject.sex.value:(female)"}})) == {"201", "205"}
    assert hits({"query_string": {"query": "stim*", "fields": ["item.name"]}}) == ["201"]
    assert hits({"term": {"attributes.subject.ageCategory.value.aggregate": "young adult"}}) \
        == ["203"]
    assert hits({"bool": {"should": [{"term": {"_id": "202"}}, {"term": {"_id": "203"}}],
                          "must_not": [{"term": {"_id": "203"}}]}}) == ["202"]
    assert hits({"range": {"pennsieve.size": {"gte": 80_000_000}}}) == ["204"]
    assert hits({"exists": {"field": "anatomy.organ.name"}}, size=2, **{"from": 1}) == ["202",
                                                                                       "203"]
    ordered = es(emulator, {"sort": [{"item.name.aggregate": "asc"}],
                            "_source": ["item.name"]}).json()["hits"]["hits"]
    names = [h["_source"]["item"]["name"] for h in ordered]
    assert names == sorted(names, key=str.lower) and len(names) == 8
    # post_filter narrows the hits, not the aggregations (as Elasticsearch does)
    answer = es(emulator, {"post_filter": {"term": {"_id": "202"}}, "aggs": {"sp": {"terms": {
        "field": "organisms.primary.species.name.aggregate", "size": 2}}}}).json()
    assert ids(answer) == ["202"]
    assert answer["aggregations"]["sp"]["buckets"] == [{"key": RAT, "doc_count": 6},
                                                       {"key": "Felis catus", "doc_count": 1}]
    assert answer["aggregations"]["sp"]["sum_other_doc_count"] == 1
    # GET: from, size and q as URL parameters
    got = es(emulator, method="GET", params={"q": "rat", "size": 1, "from": 0}).json()
    assert got["hits"]["total"] == 5 and len(got["hits"]["hits"]) == 1


def test_index_errors_have_elasticsearch_shape(emulator):
    bad = es(emulator, {"query": {"fuzzy": {"item.name": "x"}}})
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "parsing_exception" and bad.json()["status"] == 400
    assert es(emulator, {"query": {"query_string": {"query": "(heart"}}}).status_code == 400
    assert es(emulator, {"size": 20_000}).status_code == 400
    missing = es(emulator, {}, index="/elastic/v1/nope/_search")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "index_not_found_exception"
    refused = es(emulator, {}, headers={"apikey": "wrong"})
    assert refused.status_code == 401 and refused.json()["status"] == 401
    assert es(emulator, {}, headers={"apikey": emulator.credentials[0]}).status_code == 200


# --------------------------------------------------------------------------- facets
def test_facet_counts_and_across_or_within(session):
    everything = session.facet_search()
    assert everything.total == 8  # five recordings, two scaffolds, one segmentation
    assert [f["key"] for f in everything.facets] == [f.key for f in FACETS]
    assert [f["label"] for f in everything.facets] == [
        "Type", "Anatomical structure", "Species", "Experimental approach", "Sex",
        "Age category", "Consortium"]
    assert everything.counts("species") == {RAT: 6, "Felis catus": 1, MOUSE: 1}
    assert everything.counts("anatomy") == {"heart": 3, "nervous system": 1, "spinal cord": 1,
                                            "stomach": 2, "urinary bladder": 2}
    # one facet: the others' counts shrink, its own stay (OR: other values can be added)
    rats = session.facet_search(filters={"species": [RAT]})
    assert sorted(rats.ids) == [201, 204, 205, 207, 208, 209]
    assert rats.counts("species") == everything.counts("species")
    assert rats.counts("anatomy") == {"heart": 3, "nervous system": 1, "stomach": 1,
                                      "urinary bladder": 2}
    # OR within a facet
    either = session.facet_search(filters={"species": [RAT, MOUSE]})
    assert sorted(either.ids) == [201, 202, 204, 205, 207, 208, 209]
    # AND across facets; each facet counted with the others applied
    both = session.facet_search(filters={"species": [RAT], "anatomy": ["heart"]})
    assert sorted(both.ids) == [201, 204, 207] and both.total == 3
    assert both.counts("species") == {RAT: 3}
    assert both.counts("anatomy") == rats.counts("anatomy")
    assert both.counts("sex") == {"Male": 2, "Female": 1}
    species = next(f for f in both.facets if f["key"] == "species")
    assert species["values"] == [{"value": RAT, "count": 3, "selected": True}]
    # a ticked value with no match stays listed, at 0
    none = session.facet_search(filters={"species": [MOUSE], "anatomy": ["heart"]})
    assert none.total == 0 and none.counts("species")[MOUSE] == 0
    assert {"value": MOUSE, "count": 0, "selected": True} in next(
        f["values"] for f in none.facets if f["key"] == "species")


def test_facet_search_with_text_tags_order_and_pages(session):
    found = session.facet_search("electrophysiology", {"sex": ["Male"]})
    assert found.ids == [204] and found.items[0]["fileCount"] == 100_004
    assert found.items[0]["doi"] == "10.26275/big1-0100" and found.items[0]["version"] == 1
    assert session.facet_search(tags=["rat"]).ids == [201, 205]
    by_name = session.facet_search(order_by="name", limit=2, offset=1)
    assert by_name.total == 8 and len(by_name.items) == 2
    assert by_name.items[0]["name"].startswith("Gastric")
    newest = session.facet_search(order_by="date").ids
    assert newest[0] == 205 and newest[-1] == 203
    assert session.facets(filters={"type": ["Experimental"]})[0]["values"][0] == {
        "value": "Experimental", "count": 6, "selected": True}
    with pytest.raises(InvalidArgument, match="unknown facet 'organ'"):
        session.facet_search(filters={"organ": ["heart"]})
    with pytest.raises(InvalidArgument, match="order_by"):
        facet_query(order_by="random")


def test_metadata_search_errors_and_key(emulator):
    search = MetadataSearch(emulator.url + "/elastic/v1", api_key="wrong")
    assert "wrong" not in repr(search) and "api_key=set" in repr(search)
    with pytest.raises(AuthenticationError, match="invalid API key"):
        search.facet_search()
    search.api_key = emulator.credentials[0]
    assert search.list(limit=2, offset=3)["hits"]["hits"][0]["_id"] == "204"
    assert search.document(203)["item"]["name"].startswith("Spinal cord")
    assert search.document(999) is None
    with pytest.raises(BadRequest, match="no \\[query\\] registered for \\[fuzzy\\]"):
        search.search({"query": {"fuzzy": {}}})
    search.index = "other"
    with pytest.raises(NotFound, match="no such index"):
        search.list()
    search.close()


# --------------------------------------------------------------------------- citation
def test_citation_from_the_doi_metadata(session, emulator):
    cited = session.citation(201)
    assert cited["source"] == "doi" and cited["doi"] == "10.26275/vns2-hr02"
    assert cited["apa"] == APA_201
    assert cited["bibtex"] == (
        "@misc{okafor2024heart,\n"
        "  author = {Okafor, Amara and Brenner, Lukas and Marquez, Sofia},\n"
        "  title = {{Heart rate response to vagus nerve stimulation in rats}},\n"
        "  year = {2024},\n"
        "  publisher = {Pennsieve Discover},\n"
        "  version = {2},\n"
        "  doi = {10.26275/vns2-hr02},\n"
        "  url = {https://doi.org/10.26275/vns2-hr02},\n"
        "  note = {Data set}\n}")
    older = session.citation(201, version=1)
    assert older["apa"].startswith("Okafor, A., Brenner, L., & Marquez, S. (2023).")
    assert "(Version 1)" in older["apa"] and older["apa"].endswith("10.26275/vns1-hr01")
    single = session.citation(203)
    assert single["apa"].startswith("Raman, P. (2020). Spinal cord interneuron morphology")
    # the resolver unreachable: the same citation, built from the dataset's record
    offline = PennsieveSession(emulator.pennsieve_url, doi_url="http://127.0.0.1:9/doi")
    fallback = offline.citation(201)
    assert fallback["source"] == "discover" and fallback["apa"] == APA_201
    assert offline.last_error == ""  # a fallback, not a failure
    offline.close()


def test_citation_formatting_edge_cases():
    csl = {"title": "Maps & 100% of #neurons_{x}", "author": [
        {"family": "Żółć", "given": "Jean-Luc Anne"}, {"literal": "SPARC Consortium"}],
        "issued": {"date-parts": [[2021, 5]]}, "DOI": "doi:10.1/ABC", "publisher": "P"}
    text = apa(csl)
    assert text == ("Żółć, J.-L. A., & SPARC Consortium (2021). Maps & 100% of #neurons_{x} "
                    "[Data set]. P. https://doi.org/10.1/ABC")
    bib = bibtex(csl)
    assert r"title = {{Maps \& 100\% of \#neurons\_\{x\}}}" in bib
    assert "author = {Żółć, Jean-Luc Anne and SPARC Consortium}" in bib
    assert "doi = {10.1/ABC}" in bib and bibtex_key(csl) == "zolc2021maps"
    assert apa({"title": "Lonely"}) == "Lonely [Data set]. (n.d.)."
    many = {"title": "T", "author": [{"family": f"F{i}", "given": "G"} for i in range(25)],
            "issued": {"date-parts": [[2020]]}}
    assert ", ... F24, G. (2020)." in apa(many) and "F19" not in apa(many)
    dto = {"name": "N", "version": 3, "doi": "10.2/x", "versionPublishedAt": "2022-01-02T00:00Z",
           "contributors": [{"firstName": "A", "lastName": "B"}]}
    assert csl_from_dataset(dto)["issued"] == {"date-parts": [[2022, 1, 2]]}
    assert apa(csl_from_dataset(dto)) == ("B, A. (2022). N (Version 3) [Data set]. Pennsieve "
                                          "Discover. https://doi.org/10.2/x")


# --------------------------------------------------------------------------- SparcClient
def test_sparc_client_metadata_configuration(tmp_path, monkeypatch, emulator):
    config = tmp_path / "c.ini"
    config.write_text("[global]\ndefault_profile = p\n\n[p]\npennsieve_profile_name = p\n"
                      f"scicrunch_api_key = k1\nscicrunch_host = {emulator.url}/elastic/v1\n")
    monkeypatch.delenv("SCICRUNCH_HOST", raising=False)
    md = SparcClient(connect=False, config_file=str(config)).metadata
    assert md.info() == f"{emulator.url}/elastic/v1" and md.get_profile() == "k1"
    assert md.algolia_api == f"{emulator.url}{INDEX}" and md.profile_name == "p"
    assert md.set_profile(emulator.credentials[0]) == emulator.credentials[0]
    assert md.list_datasets(limit=1, offset=4)["hits"]["hits"][0]["_id"] == "205"
    assert md.search_datasets('{"query": {"ids": {"values": ["202"]}}}')["hits"]["total"] == 1
    with pytest.raises(InvalidArgument, match="Bad JSON body"):
        md.search_datasets("{not json")
    with pytest.raises(InvalidArgument, match="Bad JSON body"):
        md.postURL(md.algolia_api, ["a", "list"])
    assert "k1" not in repr(md) and emulator.credentials[0] not in repr(md)
    monkeypatch.setenv("SCICRUNCH_HOST", "http://elsewhere.invalid/es")
    assert SparcClient(connect=False, config_file=str(config)).metadata.connect() == \
        "http://elsewhere.invalid/es"
