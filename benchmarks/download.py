"""Download throughput and peak memory: PennsieveSession vs plain requests vs sparc.client.

    python -m benchmarks.download [--size-mb 1024] [--runs 5] [--no-sparc-client]

The local emulator app (``labpanels.demo.emulator``) is started in a subprocess with one
extra, benchmark-only file: ``files/derivative/large_recording.bin`` in dataset 204,
``--size-mb`` MiB of deterministic bytes synthesised on the fly (the seed datasets hold
no file larger than ~100 KB). Every variant then downloads that same file in a fresh
subprocess, which reports its wall time for the download call and its peak resident
memory (``VmHWM`` from ``/proc/self/status``) next to its resident memory just before:

* ``requests``: plain ``requests``, download-manifest then a streamed GET (the baseline),
  on one ``requests.Session`` warmed by one request, as labpanels' session is: both
  reuse one connection, so the comparison is of the downloads alone;
* ``labpanels``: ``PennsieveSession.download_file`` (manifest, streamed, size-checked,
  atomic rename);
* ``labpanels zipit``: ``PennsieveSession.download_zip`` on the one file (zipit's route);
* ``sparc.client``: ``sparc.client`` 0.4.1 ``download_file`` (zipit, ``response.content``)
  in its cached side environment (built once, as tests/test_official_clients.py does).

Every saved file is checked against the expected SHA-256. Files are written to
``/dev/shm`` when it has room (``--dest-dir`` to choose): on local disk, page-cache
write-back made the timings swing by 2x from run to run. The server sets TCP_NODELAY on
its connections (as the demo's emulator does), so no small request on a reused
connection waits for a delayed ACK. The table gives each variant's median time of
``--runs`` runs (interleaved) and its highest peak memory; ratios are of medians.
A 1 GiB file, 5 runs, without sparc.client (which holds the whole file in memory) takes
a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = 204
VERSION = 1
BIG_PATH = "files/derivative/large_recording.bin"
BIG_URI = f"s3://prd-sparc-discover50-use1/{DATASET}/{BIG_PATH}"
BLOCK = 1024 * 1024
SPARC_REQUIREMENTS = ["sparc-client==0.4.1"]  # the same environment the tests build


# --------------------------------------------------------------------------- content
def big_chunks(size: int) -> Iterator[bytes]:
    """``size`` deterministic, incompressible bytes in 1 MiB blocks (each block distinct)."""
    base = random.Random(DATASET).randbytes(BLOCK)
    for index in range((size + BLOCK - 1) // BLOCK):
        block = index.to_bytes(8, "little") + base[8:]
        yield block[: min(BLOCK, size - index * BLOCK)]


def expected_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for block in big_chunks(size):
        digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- server
async def _serve(size: int) -> None:
    import uvicorn

    from labpanels.demo.emulator import Settings, create_app
    from labpanels.demo.emulator.tree import FileNode, StaticTree

    app = create_app(Settings(max_download_bytes=10**12, max_archive_bytes=10**12))
    dv = app.state.seed.datasets[DATASET].latest
    big = FileNode(BIG_PATH, lambda: big_chunks(size), known_size=size)
    dv.tree = StaticTree([*dv.tree.files.values(), big], dv.tree.mounts)
    from labpanels.demo.emulator.__main__ import listening_socket

    sock = listening_socket("127.0.0.1", 0)  # TCP_NODELAY on every connection
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.02)
    print(json.dumps({"url": f"http://127.0.0.1:{sock.getsockname()[1]}"}), flush=True)
    await task


def start_server(size: int) -> tuple[subprocess.Popen, str]:
    from labpanels.demo.processes import spawn

    proc = spawn(
        [sys.executable, "-m", "benchmarks.download", "--serve", "--size", str(size)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("{"):
        proc.kill()
        raise SystemExit(f"the benchmark server did not start: {line!r}")
    return proc, json.loads(line)["url"]


# --------------------------------------------------------------------------- variants
def _memory() -> dict[str, int]:
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                fields[name] = int(value.split()[0])  # kB
    return fields


def _variant(name: str, url: str, dest: Path) -> dict:
    """Run one variant in this (fresh) process; return its measurements."""
    if name == "requests":
        import requests

        http = requests.Session()  # one kept-alive connection, as labpanels' session
        http.get(f"{url}/discover/datasets/{DATASET}", timeout=30).raise_for_status()  # warm
        before = _memory()
        start = time.perf_counter()
        manifest = http.post(
            f"{url}/discover/datasets/{DATASET}/versions/{VERSION}/files/download-manifest",
            json={"paths": [BIG_PATH]},
            timeout=30,
        ).json()
        entry = manifest["data"][0]
        target = dest / entry["fileName"]
        with http.get(entry["url"], stream=True, timeout=(5, 60)) as response:
            response.raise_for_status()
            with open(target, "wb") as fh:
                for chunk in response.iter_content(256 * 1024):
                    fh.write(chunk)
    elif name in ("labpanels", "labpanels zipit"):
        from labpanels.pennsieve import PennsieveSession

        session = PennsieveSession(f"{url}/discover")
        session.get_dataset(DATASET)  # warm: the version lookup is not the download
        before = _memory()
        start = time.perf_counter()
        if name == "labpanels":
            target = session.download_file(BIG_PATH, dest, dataset_id=DATASET)
        else:
            target = session.download_zip([BIG_PATH], dest, dataset_id=DATASET)
    else:
        raise SystemExit(f"unknown variant {name}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "file": str(target), **_after(before)}


def _after(before: dict[str, int]) -> dict:
    now = _memory()
    return {"rss_before_kb": before["VmRSS"], "peak_kb": now["VmHWM"]}


SPARC_SCRIPT = r"""
import json, sys, time
url, dest, dataset, version, uri = sys.argv[1:6]
import requests
from sparc.client import SparcClient
from sparc.client.services import pennsieve as module

def memory():
    out = {}
    for line in open("/proc/self/status"):
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            out[name] = int(value.split()[0])
    return out

real_post = requests.post
def post(target, *args, **kwargs):  # zipit's URL is hard-coded in sparc.client
    return real_post(target.replace("https://api.pennsieve.io", url), *args, timeout=120, **kwargs)
module.requests.post = post
client = SparcClient(connect=False, config_file=dest + "/none.ini")
file = {"datasetId": int(dataset), "datasetVersion": int(version),
        "name": "large_recording.bin", "uri": uri}
before = memory()
start = time.perf_counter()
response = client.pennsieve.download_file(file, output_name=dest + "/large_recording.bin")
seconds = time.perf_counter() - start
now = memory()
print(json.dumps({"seconds": seconds, "file": dest + "/large_recording.bin",
                  "rss_before_kb": before["VmRSS"], "peak_kb": now["VmHWM"],
                  "status": response.status_code}))
"""


def run_variant(name: str, url: str, dest: Path, python: str | None = None) -> dict:
    if name == "sparc.client":
        cmd = [python or "", "-c", SPARC_SCRIPT, url, str(dest), str(DATASET), str(VERSION)]
        cmd.append(BIG_URI)
        env = {**os.environ, "PYTHONNOUSERSITE": "1"}
    else:
        cmd = [sys.executable, "-m", "benchmarks.download", "--variant", name, url, str(dest)]
        env = dict(os.environ)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def pick_scratch(explicit: str | None, size: int) -> str:
    """A RAM-backed folder when there is room, so that disk write-back does not dominate."""
    if explicit:
        return explicit
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 3 * size:
        return str(shm)
    return tempfile.gettempdir()


# --------------------------------------------------------------------------- report
def table(size: int, results: dict[str, dict | str]) -> str:
    base = results.get("requests")
    header = (
        f"{'variant':<16} {'MB/s':>8} {'time s':>8} {'peak RSS MB':>12} {'RSS growth MB':>14}"
        f" {'speed vs requests':>18} {'growth vs requests':>19}"
    )
    lines = [header, "-" * len(header)]
    for name, r in results.items():
        if isinstance(r, str):
            lines.append(f"{name:<16} {'skipped: ' + r}")
            continue
        mbps = size / r["seconds"] / 1e6
        growth = (r["peak_kb"] - r["rss_before_kb"]) / 1024
        speed_ratio = growth_ratio = ""
        if isinstance(base, dict):
            speed_ratio = f"{base['seconds'] / r['seconds']:.2f}x"
            base_growth = max((base["peak_kb"] - base["rss_before_kb"]) / 1024, 0.1)
            growth_ratio = f"{max(growth, 0.0) / base_growth:.1f}x"
        lines.append(
            f"{name:<16} {mbps:>8.0f} {r['seconds']:>8.2f} {r['peak_kb'] / 1024:>12.1f}"
            f" {growth:>14.1f} {speed_ratio:>18} {growth_ratio:>19}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.download", description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--runs", type=int, default=5,
                        help="runs per variant (5); the median counts")
    parser.add_argument("--no-sparc-client", action="store_true", help="skip sparc.client")
    parser.add_argument(
        "--dest-dir", help="where files are written (default: /dev/shm when it has room)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--variant", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.size))
        return 0
    if args.variant:
        name, url, dest = args.variant
        print(json.dumps(_variant(name, url, Path(dest))))
        return 0

    size = args.size_mb * 1024 * 1024
    sparc_python: str | None = None
    skipped: dict[str, str] = {}
    if args.no_sparc_client:
        skipped["sparc.client"] = "--no-sparc-client"
    else:
        from labpanels.demo.venvs import ensure_venv

        try:
            sparc_python = str(ensure_venv("sparcclient041", SPARC_REQUIREMENTS))
        except Exception as exc:  # no network for the first build: report, do not fail
            skipped["sparc.client"] = f"environment unavailable ({str(exc)[:80]})"
    want = expected_sha256(size)
    scratch = pick_scratch(args.dest_dir, size)
    proc, url = start_server(size)
    names = [n for n in ("requests", "labpanels", "labpanels zipit", "sparc.client")]
    runs: dict[str, list[dict]] = {name: [] for name in names if name not in skipped}
    work = Path(tempfile.mkdtemp(prefix="labpanels-bench-", dir=scratch))
    try:
        for run in range(args.runs):  # interleaved, so that slow moments hit every variant
            for name in runs:
                dest = work / f"{name.replace(' ', '-').replace('.', '-')}-{run}"
                dest.mkdir()
                r = run_variant(name, url, dest, sparc_python)
                saved = Path(r["file"])
                if saved.stat().st_size != size or file_sha256(saved) != want:
                    raise SystemExit(f"{name}: the downloaded file is wrong")
                shutil.rmtree(dest)
                print(f"  {name} run {run + 1}: {r['seconds']:.2f} s", file=sys.stderr)
                runs[name].append(r)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    results: dict[str, dict | str] = {}
    for name in names:
        if name in skipped:
            results[name] = skipped[name]
            continue
        ordered = sorted(runs[name], key=lambda r: r["seconds"])
        middle = ordered[len(ordered) // 2]  # the median run (odd counts: the middle one)
        results[name] = {**middle, "seconds": statistics.median(r["seconds"] for r in ordered),
                         "peak_kb": max(r["peak_kb"] for r in ordered),
                         "rss_before_kb": min(r["rss_before_kb"] for r in ordered)}
    print(
        f"Download of one {args.size_mb:,} MiB file from the local emulator into {scratch}\n"
        f"(median time of {args.runs} runs, highest peak; every file SHA-256 verified; "
        "RSS growth = highest peak RSS - RSS just before the call)"
    )
    print(table(size, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
