"""Run the official ``sparc-client`` 0.4.1 (osparc 0.5.0 inside) against the emulator.

Runs in a side environment with only ``sparc-client==0.4.1`` installed; prints one JSON
report.  Environment: ``EMULATOR_URL`` (base URL), ``SPARC_CONFIG`` (the INI file with
the ``o2sparc_host/o2sparc_username/o2sparc_password`` keys, as sparc.client reads them),
``WORKDIR`` (scratch directory).

Redirects, as the reference prescribes: ``client.pennsieve.host_api`` for the search
methods, ``Pennsieve.http_api.api_host`` for relative ``get``/``post`` URLs, and the
module's ``requests.post`` for ``download_file`` (whose zipit URL is hard-coded); and
``client.metadata.algolia_api`` for the SciCrunch index (MetadataService).

``SPARC_FLOW`` (comma-separated: metadata, pennsieve, o2sparc; default all) picks the parts
to run. The metadata part reports each call it made (``metadata_calls``: method and
arguments) with its answer, so the same calls can be replayed through labpanels.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from pathlib import Path

import requests
from sparc.client import SparcClient
from sparc.client.services import pennsieve as pennsieve_module

SLEEPER = "simcore/services/comp/itis/sleeper"
CSV_SUMMARY = "simcore/services/comp/labpanels/csv-summary"
REAL_PENNSIEVE = "https://api.pennsieve.io"
DEADLINE_S = 60
INDEX_PATH = "/elastic/v1/SPARC_Algolia_pr/_search"

#: MetadataService calls: (method, args); the answers are compared with labpanels'
METADATA_CALLS = [
    ("list_datasets", []),
    ("search_datasets", []),
    ("search_datasets", ['{"query": {"terms": {"_id": ["203", "201"]}}}']),
    ("search_datasets", [{"query": {"query_string": {"query": "heart AND rat"}}, "size": 5}]),
    ("search_datasets", [{
        "size": 3, "from": 0,
        "query": {"bool": {
            "must": [{"multi_match": {"query": "nerve stimulation recordings",
                                      "fields": ["item.name", "item.description"]}}],
            "filter": [{"terms": {"organisms.primary.species.name.aggregate":
                                  ["Rattus norvegicus"]}}]}},
        "aggs": {"organ": {"terms": {"field": "anatomy.organ.name.aggregate"}},
                 "sex": {"terms": {"field": "attributes.subject.sex.value.aggregate"}}},
    }]),
    ("search_datasets", [{"query": {"match": {"item.modalities.keyword": "electrophysiology"}},
                          "sort": [{"item.name.aggregate": "desc"}],
                          "_source": ["item.name", "item.curie"]}]),
    ("getURL", ["{index}?from=1&size=2&q=electrophysiology"]),
]


def main() -> int:
    base = os.environ["EMULATOR_URL"]
    work = Path(os.environ["WORKDIR"])
    os.chdir(work)
    report: dict = {}

    client = SparcClient(connect=False, config_file=os.environ["SPARC_CONFIG"])
    report["modules"] = sorted(client.module_names)
    parts = set((os.environ.get("SPARC_FLOW") or "metadata,pennsieve,o2sparc").split(","))
    if "metadata" in parts:
        report.update(metadata_flow(client, base))
    if "pennsieve" in parts or "o2sparc" in parts:
        pennsieve_and_o2sparc(client, base, work, report)
    json.dump(report, sys.stdout, default=str)
    return 0


def metadata_flow(client, base: str) -> dict:
    """MetadataService against the emulator's SciCrunch index."""
    md = client.metadata
    out: dict = {"metadata_host": md.connect(), "metadata_key": md.get_profile()}
    index = base + INDEX_PATH
    md.algolia_api = index
    calls = []
    for name, args in METADATA_CALLS:
        args = [a.replace("{index}", index) if isinstance(a, str) else a for a in args]
        calls.append({"method": name, "args": args, "answer": getattr(md, name)(*args)})
    out["metadata_calls"] = calls
    # sparc.client drops from/size once the URL is not api.scicrunch.io's: limit is ignored
    out["metadata_limit_2"] = len(md.list_datasets(limit=2)["hits"]["hits"])
    md.set_profile("not-the-key")
    out["metadata_wrong_key"] = md.search_datasets()  # the error body, returned as data
    return out


def pennsieve_and_o2sparc(client, base: str, work: Path, report: dict) -> None:
    pennsieve = client.pennsieve
    pennsieve.host_api = base
    pennsieve.Pennsieve.http_api.api_host = base
    real_post = requests.post

    def post(url, *args, **kwargs):
        return real_post(url.replace(REAL_PENNSIEVE, base), *args, timeout=60, **kwargs)

    pennsieve_module.requests.post = post

    # --- Pennsieve discover -------------------------------------------------------
    page = pennsieve.list_datasets(limit=2, query="vagus nerve", embargo=False)
    report["list_datasets"] = {
        "totalCount": page["totalCount"],
        "limit": page["limit"],
        "ids": [d["id"] for d in page["datasets"]],
    }
    by_name = pennsieve.list_datasets(limit=10, order_by="name", order_direction="asc")
    report["by_name"] = [d["name"] for d in by_name["datasets"]]
    tagged = pennsieve.list_datasets(tags=["stomach", "spinal cord"])
    report["tagged"] = sorted(d["id"] for d in tagged["datasets"])
    report["bad_order"] = pennsieve.list_datasets(order_by="nonsense")  # None: errors are swallowed

    records = pennsieve.list_records(limit=5, model="researcher", organization="SPARC Consortium")
    report["list_records"] = {
        "totalCount": records["totalCount"],
        "n": len(records["records"]),
        "models": sorted({r["model"] for r in records["records"]}),
    }
    subjects = pennsieve.list_records(model="subject", dataset_id=201)
    report["subjects_201"] = subjects["totalCount"]

    files = pennsieve.list_files(dataset_id=201, query="heart_rate", file_type="csv", limit=3)
    report["list_files"] = [
        {k: f[k] for k in ("name", "datasetId", "datasetVersion", "size", "fileType", "uri")}
        for f in files
    ]
    report["list_filenames"] = pennsieve.list_filenames(dataset_id=203, file_type="csv")
    manifest_files = pennsieve.list_files(dataset_id=201, query="manifest", file_type="json")
    report["manifest_files"] = [f["uri"] for f in manifest_files]

    response = pennsieve.download_file(files[0], output_name=str(work / "one.csv"))
    content = (work / "one.csv").read_bytes()
    report["download_one"] = {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "disposition": response.headers.get("content-disposition"),
        "size": len(content),
        "first_line": content.split(b"\n", 1)[0].decode(),
    }
    response = pennsieve.download_file(files[:2])
    with zipfile.ZipFile(work / "download.gz") as zf:
        report["download_two"] = {
            "status": response.status_code,
            "content_type": response.headers.get("content-type"),
            "disposition": response.headers.get("content-disposition"),
            "names": sorted(zf.namelist()),
            "sizes": sorted(i.file_size for i in zf.infolist()),
        }
    # a file outside files/ (the root manifest.json) becomes path '' -> zipit error in the file
    manifest = next(f for f in manifest_files if f["uri"].endswith("/manifest.json"))
    pennsieve.download_file(manifest, output_name=str(work / "error.txt"))
    report["download_error_body"] = json.loads((work / "error.txt").read_text())

    browse = pennsieve.get(
        f"{base}/discover/datasets/201/versions/2/files/browse", params={"limit": 2}
    )
    report["get_browse_absolute"] = browse
    report["get_browse_relative"] = pennsieve.get(
        "/discover/datasets/204/versions/1/files/browse",
        params={"path": "files/primary", "limit": 3},
    )
    report["post_manifest"] = pennsieve.post(
        "/discover/datasets/201/versions/2/files/download-manifest",
        json={"paths": ["/files/derivative", "files/docs/figure1.png"]},
    )

    # --- o²S²PARC through osparc 0.5.0 ------------------------------------------------
    o2 = client.o2sparc
    report["osparc_client_version"] = o2.info()
    report["profile"] = o2.get_profile()

    def run(key: str, version: str, inputs: dict) -> dict:
        solver = o2.get_solver(key, version)
        job_id = solver.submit_job(inputs)
        progress = []
        end = time.monotonic() + DEADLINE_S
        while not solver.job_done(job_id):
            progress.append(solver.get_job_progress(job_id))
            if time.monotonic() > end:
                raise TimeoutError(job_id)
            time.sleep(0.05)
        out: dict = {
            "job_id": job_id,
            "progress_seen": progress,
            "final_progress": solver.get_job_progress(job_id),
        }
        try:
            results = solver.get_results(job_id)
            out["results"] = {
                k: (
                    {"path_name": Path(v).name, "content": Path(v).read_text()}
                    if isinstance(v, Path)
                    else v
                )
                for k, v in results.items()
            }
        except Exception as e:  # osparc.ApiException for a failed job
            out["results_error"] = {"type": type(e).__name__, "status": getattr(e, "status", None)}
        logs = solver.get_job_log(job_id)
        out["log_files"] = {
            p.name: p.read_text() for p in Path(logs.name).rglob("*") if p.is_file()
        }
        logs.cleanup()
        return out

    number = work / "number.txt"
    number.write_text("5")
    report["sleeper_ok"] = run(
        SLEEPER, "2.0.2", {"input_1": number, "input_2": 3, "input_3": False}
    )
    report["sleeper_fail"] = run(
        SLEEPER, "2.0.2", {"input_1": number, "input_2": 1.0, "input_3": 1}
    )
    table = work / "measurements.csv"
    table.write_text(
        "subject,weight_g,length_mm\n"
        + "".join(f"s{i},{250 + i * 5},{180 + (i % 4) * 3}\n" for i in range(1, 21))
    )
    report["csv_summary"] = run(CSV_SUMMARY, "1.0.0", {"input_1": table, "input_2": "weight_g"})


if __name__ == "__main__":
    sys.exit(main())
