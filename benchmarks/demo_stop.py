"""How long Ctrl-C takes to stop ``labpanels demo``: every process it started gone.

    python -m benchmarks.demo_stop [--runs 3] [--busy N]

Each run starts ``labpanels demo --no-lab`` in a process group of its own (as in a
terminal), waits for its ready line, sends SIGINT to the group (what Ctrl-C in a terminal
does) and times until the command and every process below it have exited. Prints each
run and the median; the goal is 3 s or less. ``--busy N`` keeps N other processes spinning
meanwhile (the machine of a class, or of the test suite, is rarely idle); they are stopped
by pid at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labpanels.demo.processes import descendants


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def one_stop(folder: Path) -> float:
    """Start a demo, Ctrl-C it once it is ready; seconds until all its processes are gone."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "labpanels.cli", "demo", "--no-lab"], cwd=folder,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "LABPANELS_DEMO_INFO"})
    try:
        if not proc.stdout.readline():  # the ready line
            raise RuntimeError("the demo ended before it was ready")
        tree = [proc.pid, *descendants(proc.pid)]
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        while any(_running(pid) for pid in tree):
            if time.monotonic() - started > 60:
                raise RuntimeError("the demo did not stop within 60 s")
            time.sleep(0.01)
        took = time.monotonic() - started
        proc.wait(5)
        return took
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo_stop", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="processes spinning on the CPU during the runs (default 0)")
    args = parser.parse_args(argv)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(args.busy)]
    times = []
    try:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="labpanels-stop-") as folder:
                times.append(one_stop(Path(folder)))
            print(f"run {run + 1}: every process gone {times[-1]:.2f} s after Ctrl-C",
                  flush=True)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s with "
          f"{args.busy} busy processes (goal ≤ 3 s; load average {os.getloadavg()[0]:.1f})")
    return times


if __name__ == "__main__":
    main()
