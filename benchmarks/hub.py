"""A class on one machine, measured: ``labpanels hub`` with N learners, on loopback only.

    python -m benchmarks.hub --learners 40            # or: make bench-hub
    python -m benchmarks.hub --learners 10 --idle 30  # a smaller, quicker run

Needs ``pip install -e '.[hub]'`` and Node.js/npm (as ``labpanels hub`` does). Bounded:
every wait has a deadline, and the whole run stops after ``--timeout`` seconds (default
1500), stopping the hub with SIGINT as Ctrl-C does.

What it measures, in order:

1. **Spawn**: every learner's JupyterLab started at once through the hub's REST API:
   how many became ready and how long it took (first, median, last).
2. **Memory per learner**: the RSS of each learner's single-user server (idle, no
   kernel), then of the server and its kernel once a dashboard is open in it.
3. **Burst from code alone**: in each learner's kernel, a ``Vantage6Session`` logs in;
   then all N submit ``partial_average`` on ``age`` at once, wait, and read the results.
4. **Idle with a dashboard open**: each kernel opens a ``Vantage6Dashboard``, logs in
   through its login panel and chooses the collaboration; then nothing for ``--idle``
   seconds: HTTP requests per learner per minute.
5. **Burst through the panels**: all N submit the same task with the task builder, wait,
   and show the results in the result viewer.

Requests are counted at the vantage6 server: each learner's kernel reaches it through a
counting proxy of its own (one listening port per learner, on 127.0.0.1), which reads
each request line (method and path, the numbers in it replaced by ``{id}``) and passes
everything through unchanged. A burst's requests are those from its start until every
learner has results, plus ``SETTLE`` seconds. The code runs in the learners' kernels over
the Jupyter kernel protocol (websocket), as a notebook cell would.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import requests
import websocket

from labpanels.demo import processes

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
SETTLE = 5.0  # seconds counted after the last learner has results
# wait(offline_timeout=120): on a loaded machine the session's 2+3 s /version probe can time
# out while the server is merely busy; the default 5 s then ends a learner's wait early
IMAGE = "harbor2.vantage6.ai/demo/average"


# -- counting proxy -----------------------------------------------------------------------
class CountingProxy:
    """One listening port per learner in front of the vantage6 server; counts requests
    per learner and per ``METHOD /path`` (numbers as ``{id}``, query keys only)."""

    def __init__(self, target_port: int, learners: list[str]) -> None:
        self.target_port = target_port
        self.learners = learners
        self.ports: dict[str, int] = {}
        self.counts: collections.Counter = collections.Counter()  # (learner, kind)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.AbstractServer] = []
        self._thread = threading.Thread(target=self._loop.run_forever, name="proxy",
                                        daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(30)

    async def _listen(self) -> None:
        for name in self.learners:
            server = await asyncio.start_server(
                lambda r, w, who=name: self._handle(r, w, who), "127.0.0.1", 0)
            self._servers.append(server)
            self.ports[name] = server.sockets[0].getsockname()[1]

    def url(self, learner: str) -> str:
        return f"http://127.0.0.1:{self.ports[learner]}/api"

    def snapshot(self) -> collections.Counter:
        with self._lock:
            return collections.Counter(self.counts)

    def _count(self, learner: str, method: bytes, target: bytes) -> None:
        path, _, query = target.decode("latin-1").partition("?")
        path = re.sub(r"/\d+(?=/|$)", "/{id}", path)
        if path.startswith("/socket.io"):
            path = "/socket.io"
        keys = sorted({part.split("=")[0] for part in query.split("&") if part})
        kind = f"{method.decode()} {path}" + (f"?{'&'.join(keys)}" if keys else "")
        with self._lock:
            self.counts[(learner, kind)] += 1

    async def _handle(self, reader, writer, learner: str) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1",
                                                                 self.target_port)
        except OSError:
            writer.close()
            return
        back = asyncio.ensure_future(self._pipe(up_reader, writer))
        try:
            await self._requests(reader, up_writer, learner)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                up_writer.close()
            with contextlib.suppress(Exception):
                await back
            with contextlib.suppress(Exception):
                writer.close()

    async def _requests(self, reader, out, learner: str) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(b":")
                headers[key.strip().lower()] = value.strip()
            self._count(learner, method, target)
            out.write(head)
            if headers.get(b"upgrade", b"").lower() == b"websocket" or \
                    b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                await self._pipe(reader, out)  # a websocket (or a stream) from here on
                return
            length = int(headers.get(b"content-length", b"0") or 0)
            if length:
                out.write(await reader.readexactly(length))
            await out.drain()

    @staticmethod
    async def _pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


def _window(before: collections.Counter, after: collections.Counter) -> collections.Counter:
    return collections.Counter({k: v - before.get(k, 0) for k, v in after.items()
                                if v - before.get(k, 0) > 0})


def _per_learner(counts: collections.Counter, learners: list[str]) -> list[int]:
    totals = collections.Counter()
    for (learner, _kind), n in counts.items():
        totals[learner] += n
    return [totals[name] for name in learners]


def _kinds(counts: collections.Counter, learners: int) -> list[tuple[str, float]]:
    kinds = collections.Counter()
    for (_learner, kind), n in counts.items():
        kinds[kind] += n
    return [(kind, n / learners) for kind, n in kinds.most_common()]


# -- the hub and its learners' kernels ----------------------------------------------------
class Hub:
    """``labpanels hub`` as a subprocess, and its REST API."""

    def __init__(self, learners: int, folder: Path) -> None:
        self.info_file = folder / "hub.json"
        self.log = folder / "hub.log"
        cmd = [sys.executable, "-m", "labpanels.cli", "hub", "--learners", str(learners),
               "--port", str(processes.free_port()), "--folder", str(folder / "class"),
               "--info", str(self.info_file)]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.info: dict[str, Any] = {}

    def wait_ready(self, deadline: float) -> dict:
        while not self.info_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"labpanels hub did not start:\n{self.tail()}")
            time.sleep(0.5)
        self.info = json.loads(self.info_file.read_text())
        return self.info

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def api(self, method: str, path: str, timeout: float = 120, **kwargs: Any) -> Any:
        hub = self.info["hub"]
        answer = requests.request(method, hub["api_url"] + path, timeout=timeout,
                                  headers={"Authorization": f"token {hub['api_token']}"},
                                  **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content.strip() else None

    def stop(self) -> float:
        """SIGINT (Ctrl-C) to the command; seconds until it exited."""
        started = time.monotonic()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        return time.monotonic() - started


class Kernel:
    """One learner's kernel, driven over the Jupyter kernel protocol (websocket)."""

    def __init__(self, hub: Hub, learner: str) -> None:
        info = hub.info["hub"]
        base = f"{info['local_url']}user/{learner}/api"
        self.headers = {"Authorization": f"token {info['api_token']}"}
        answer = requests.post(f"{base}/kernels", json={"name": "python3"},
                               headers=self.headers, timeout=120)
        answer.raise_for_status()
        self.id = answer.json()["id"]
        self.learner = learner
        self.session = uuid.uuid4().hex
        # with session_id, a websocket that drops is opened again on the same session and
        # the server replays what it kept meanwhile
        self._url = (base.replace("http://", "ws://") + f"/kernels/{self.id}/channels"
                     f"?session_id={self.session}")
        self._token = info["api_token"]
        self._inbox: dict[str, queue.Queue] = {}
        self._inbox_lock = threading.Lock()
        self._ws_lock = threading.Lock()
        self.ws = None
        self.drops: list[str] = []  # why each dropped socket ended
        self._connect()

    def _connect(self) -> None:
        """A websocket to the kernel, with a reader of its own: it answers the server's
        pings while the benchmark waits elsewhere and sorts the messages by the request
        they answer."""
        with self._ws_lock:
            if self.ws is not None and self.ws.connected:
                return
            self.ws = websocket.create_connection(
                self._url, header=[f"Authorization: token {self._token}"],
                enable_multithread=True, timeout=None)
            threading.Thread(target=self._read, args=(self.ws,), daemon=True,
                             name=f"ws-{self.learner}").start()

    def _queue(self, msg_id: str) -> queue.Queue:
        with self._inbox_lock:
            return self._inbox.setdefault(msg_id, queue.Queue())

    def _read(self, ws) -> None:
        while True:
            try:
                raw = ws.recv()
            except Exception as exc:  # noqa: BLE001 - kept in drops, the socket reopened
                self.drops.append(f"{type(exc).__name__}: {exc}")
                with contextlib.suppress(Exception):
                    ws.close()
                return
            if not raw:
                self.drops.append("closed by the server")
                with contextlib.suppress(Exception):
                    ws.close()
                return
            msg = json.loads(raw)
            parent = (msg.get("parent_header") or {}).get("msg_id")
            if parent:
                self._queue(parent).put(msg)

    def send(self, code: str) -> str:
        msg_id = uuid.uuid4().hex
        self._queue(msg_id)
        self._connect()  # again, if the last one dropped
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "benchmark", "session": self.session,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False,
                        "stop_on_error": True}}))
        return msg_id

    def collect(self, msg_id: str, deadline: float) -> str:
        """The cell's printed output once it finished; RuntimeError on an exception."""
        out, replied, idle, error = [], False, False, None
        inbox = self._queue(msg_id)
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.learner}: the cell did not finish in time")
            try:
                msg = inbox.get(timeout=1.0)
            except queue.Empty:
                if not self.ws.connected:
                    self._connect()  # the server replays this session's messages
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"][-3:])
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        with self._inbox_lock:
            self._inbox.pop(msg_id, None)
        if error:
            raise RuntimeError(f"{self.learner}: {_ANSI.sub('', error)}")
        return "".join(out)

    def run(self, code: str, deadline: float) -> str:
        return self.collect(self.send(code), deadline)

    def pid(self) -> int:
        return int(self.run("import os; print(os.getpid())", time.monotonic() + 60))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


def _spawn(hub: Hub, learner: str) -> None:
    """Ask the hub to start a learner's server (it answers 202 and goes on starting it)."""
    with contextlib.suppress(requests.Timeout):  # a busy hub answers late; it still starts
        hub.api("POST", f"/users/{learner}/server", timeout=300)


def _everyone(function, items: list, workers: int = 64) -> list:
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(items)))) as pool:
        return list(pool.map(function, items))


def _singleuser_rss(hub: Hub) -> dict[str, psutil.Process]:
    found = {}
    for proc in psutil.Process(hub.proc.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "jupyterhub.singleuser" in " ".join(proc.cmdline()):
                user = proc.environ().get("JUPYTERHUB_USER")
                if user:
                    found[user] = proc
    return found


def _mib(values: list[int]) -> str:
    if not values:
        return "-"
    mib = [v / 2**20 for v in values]
    return (f"mean {statistics.mean(mib):.0f} MiB, min {min(mib):.0f}, "
            f"max {max(mib):.0f} (total {sum(mib) / 1024:.2f} GiB)")


BURST_CODE = """\
_t0 = time.time()
_task = code.create_task({image!r}, "partial_average", kwargs={{"column_name": "age"}})
code.wait(_task, timeout=900, offline_timeout=120)
_table = code.results(_task)
print("BENCH " + json.dumps({{"start": _t0, "done": time.time(), "rows": len(_table)}}))
"""

PANEL_BURST = """\
_t0 = time.time()
dash.builder.set(method="partial_average", kwargs={"column_name": "age"})
_task = dash.builder.submit(raise_errors=True)
session.wait(_task, timeout=900, offline_timeout=120)
_table = dash.results.show(_task, wait=True)
dash.join(120)
print("BENCH " + json.dumps({"start": _t0, "done": time.time(), "rows": len(_table)}))
"""


def _burst(kernels: list[Kernel], code: str, proxy: CountingProxy, names: list[str],
           deadline: float) -> dict[str, Any]:
    before = proxy.snapshot()
    started = time.time()
    ids = [k.send(code) for k in kernels]  # all at once
    outs = _everyone(lambda pair: pair[0].collect(pair[1], deadline),
                     list(zip(kernels, ids, strict=True)))
    results = [json.loads(line[len("BENCH "):]) for out in outs
               for line in out.splitlines() if line.startswith("BENCH ")]
    done = max(r["done"] for r in results)
    time.sleep(SETTLE)
    counts = _window(before, proxy.snapshot())
    per = _per_learner(counts, names)
    return {"learners_with_results": sum(r["rows"] > 0 for r in results),
            "seconds_until_all_results": done - started,
            "median_seconds": statistics.median(r["done"] - started for r in results),
            "requests_per_learner": statistics.mean(per), "requests_min": min(per),
            "requests_max": max(per), "kinds": _kinds(counts, len(names))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--idle", type=float, default=60.0,
                        help="seconds of idle measurement with dashboards open")
    parser.add_argument("--timeout", type=float, default=1500.0,
                        help="the whole run stops after this many seconds")
    parser.add_argument("--wave", type=int, default=10,
                        help="learners whose servers are started together")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    figures: dict[str, Any] = {"learners": args.learners, "cpus": os.cpu_count()}
    folder = Path(tempfile.mkdtemp(prefix="labpanels-bench-hub-"))
    hub = Hub(args.learners, folder)
    kernels: list[Kernel] = []
    proxy = None
    failure: BaseException | None = None
    try:
        info = hub.wait_ready(min(deadline, time.monotonic() + 600))
        names = info["hub"]["learners"]
        v6 = info["vantage6"]
        proxy = CountingProxy(v6["port"], names)
        print(f"hub ready: {info['hub']['local_url']} ({len(names)} learners)", flush=True)

        # 1. spawn, in waves of --wave learners (all at once starves the hub's loop)
        started = time.monotonic()
        ready: dict[str, float] = {}
        waves = [names[i:i + args.wave] for i in range(0, len(names), args.wave)]
        for wave in waves:
            _everyone(lambda n: _spawn(hub, n), wave)
            while not set(wave) <= set(ready) and time.monotonic() < deadline:
                for user in hub.api("GET", "/users"):
                    server = (user.get("servers") or {}).get("")
                    if user["name"] in names and server and server.get("ready") \
                            and user["name"] not in ready:
                        ready[user["name"]] = time.monotonic() - started
                time.sleep(1)
            print(f"  {len(ready)} ready after {time.monotonic() - started:.0f} s", flush=True)
        times = sorted(ready.values())
        figures["spawn"] = {"spawned": len(ready), "of": len(names), "wave": args.wave,
                            "first_s": times[0] if times else None,
                            "median_s": statistics.median(times) if times else None,
                            "all_s": times[-1] if len(times) == len(names) else None}
        print(f"spawned {len(ready)} of {len(names)} in "
              f"{times[-1] if times else float('nan'):.0f} s", flush=True)
        names = [n for n in names if n in ready]
        servers = _singleuser_rss(hub)
        figures["rss_server_idle"] = [servers[n].memory_info().rss for n in names
                                      if n in servers]

        # kernels, one per learner, and a session from code
        kernels = _everyone(lambda n: Kernel(hub, n), names, workers=8)
        users = v6["users"]
        setup = ("import json, time\n"
                 "from labpanels.vantage6 import Vantage6Session\n"
                 "from labpanels.widgets import Vantage6Dashboard\n")
        _everyone(lambda k: k.run(
            setup + f"URL, USER, PASSWORD = {proxy.url(k.learner)!r}, {k.learner!r}, "
            f"{users[k.learner]['password']!r}\n"
            "code = Vantage6Session(URL)\ncode.login(USER, PASSWORD)\n"
            "code.select('PhY-research')\n"
            "_t = time.time()\n"
            "while not code.live and time.time() - _t < 60: time.sleep(0.1)\n"
            "print(code.live)", deadline), kernels, workers=8)
        # the nodes' first task imports the algorithm: not part of either burst
        kernels[0].run(BURST_CODE.format(image=IMAGE), deadline)
        print("kernels ready; burst from code…", flush=True)

        # 3. burst from code alone
        figures["code_burst"] = _burst(kernels, BURST_CODE.format(image=IMAGE), proxy,
                                       names, deadline)
        _everyone(lambda k: k.run("code.close()", deadline), kernels)
        print(f"code: {figures['code_burst']['seconds_until_all_results']:.1f} s, "
              f"{figures['code_burst']['requests_per_learner']:.1f} requests per learner",
              flush=True)

        # 4. dashboards open, then idle
        _everyone(lambda k: k.run(
            "session = Vantage6Session(URL)\ndash = Vantage6Dashboard(session)\n"
            "dash.login.login(USER, PASSWORD)\ndash.join(120)\n"
            "dash.browser.select('PhY-research')\ndash.join(120)\n"
            "_t = time.time()\n"
            "while not session.live and time.time() - _t < 60: time.sleep(0.1)\n"
            "print(session.live)", deadline), kernels, workers=8)
        time.sleep(10)  # what opening them started has ended
        pids = {k.learner: k.pid() for k in kernels}
        figures["rss_server_and_kernel_with_dashboard"] = [
            servers[n].memory_info().rss + psutil.Process(pids[n]).memory_info().rss
            for n in names if n in servers]
        figures["rss_kernel_with_dashboard"] = [psutil.Process(pids[n]).memory_info().rss
                                                for n in names]
        before = proxy.snapshot()
        time.sleep(args.idle)
        idle = _window(before, proxy.snapshot())
        per = _per_learner(idle, names)
        figures["idle"] = {"seconds": args.idle,
                           "requests_per_learner_per_minute":
                               statistics.mean(per) * 60 / args.idle,
                           "kinds": _kinds(idle, len(names))}
        print(f"idle: {figures['idle']['requests_per_learner_per_minute']:.2f} requests per "
              "learner per minute; burst through the panels…", flush=True)

        # 5. burst through the panels
        figures["panel_burst"] = _burst(kernels, PANEL_BURST, proxy, names, deadline)
        code_r = figures["code_burst"]["requests_per_learner"]
        figures["ratio_requests"] = figures["panel_burst"]["requests_per_learner"] / code_r
        figures["ratio_time"] = (figures["panel_burst"]["seconds_until_all_results"]
                                 / figures["code_burst"]["seconds_until_all_results"])
    except Exception as exc:  # the figures so far are still reported
        failure = exc
        figures["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        drops = [d for kernel in kernels for d in kernel.drops]
        figures["websocket_drops"] = len(drops)
        figures["websocket_drop_reasons"] = sorted(set(drops))[:5]
        for kernel in kernels:
            kernel.close()
        figures["stop_s"] = hub.stop()
        if proxy is not None:
            proxy.close()
        left = [p for p in psutil.process_iter(["cmdline"])
                if str(folder) in " ".join(p.info["cmdline"] or [])]
        figures["processes_left"] = len(left)
        shutil.rmtree(folder, ignore_errors=True)
    _report(figures)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))
    if failure is not None:
        raise SystemExit(f"benchmark stopped early: {figures['error']}")
    return figures


def _report(f: dict[str, Any]) -> None:
    spawn = f.get("spawn", {})
    print()
    print(f"labpanels hub, {f['learners']} learners, {f['cpus']} CPUs (loopback)")
    print(f"  spawned                 : {spawn.get('spawned')} of {spawn.get('of')}; first "
          f"{spawn.get('first_s') or 0:.0f} s, median {spawn.get('median_s') or 0:.0f} s, "
          f"all {spawn.get('all_s') or float('nan'):.0f} s")
    print(f"  RSS, idle server        : {_mib(f.get('rss_server_idle', []))}")
    print(f"  RSS, kernel + dashboard : {_mib(f.get('rss_kernel_with_dashboard', []))}")
    print(f"  RSS, server + kernel    : "
          f"{_mib(f.get('rss_server_and_kernel_with_dashboard', []))}")
    if "idle" in f:
        print(f"  idle, dashboard open    : "
              f"{f['idle']['requests_per_learner_per_minute']:.2f} requests per learner "
              f"per minute ({f['idle']['seconds']:.0f} s)")
    for label, key in (("burst from code", "code_burst"),
                       ("burst through panels", "panel_burst")):
        if key in f:
            b = f[key]
            print(f"  {label:<24}: {b['learners_with_results']} with results, all in "
                  f"{b['seconds_until_all_results']:.1f} s (median {b['median_seconds']:.1f}"
                  f" s), {b['requests_per_learner']:.1f} requests per learner "
                  f"({b['requests_min']}–{b['requests_max']})")
    if "ratio_requests" in f:
        print(f"  panels / code           : {f['ratio_requests']:.2f}× requests, "
              f"{f['ratio_time']:.2f}× time (goal ≤ 1.5×)")
        for label, key in (("code", "code_burst"), ("panels", "panel_burst")):
            print(f"  requests per learner, {label}:")
            for kind, n in f[key]["kinds"][:14]:
                print(f"    {n:6.2f}  {kind}")
    if "idle" in f and f["idle"]["kinds"]:
        print("  idle requests per learner:")
        for kind, n in f["idle"]["kinds"][:8]:
            print(f"    {n:6.2f}  {kind}")
    if f.get("websocket_drops"):
        print(f"  kernel websockets reopened: {f['websocket_drops']} "
              f"({'; '.join(f['websocket_drop_reasons'])})")
    if "error" in f:
        print(f"  STOPPED EARLY: {f['error']}")
    print(f"  stopped in {f.get('stop_s', 0):.1f} s; processes left: "
          f"{f.get('processes_left')}")


if __name__ == "__main__":
    main()
