"""``python -m labpanels.demo.emulator --port N [--time-scale F] ...``

Binds the port, starts uvicorn, and once it accepts connections prints one JSON line:
``{"url", "pennsieve_url", "zipit_url", "osparc_url", "api_key", "api_secret", "pid", "port"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys

from .common import DEFAULT_API_KEY, DEFAULT_API_SECRET, Settings


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m labpanels.demo.emulator",
        description="Local emulator of Pennsieve discover, zipit and o²S²PARC API v0",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument(
        "--time-scale",
        type=float,
        default=float(os.environ.get("LABPANELS_EMULATOR_TIME_SCALE", "1.0")),
        help="multiplies simulated job durations (0.05 = 20x faster)",
    )
    p.add_argument(
        "--api-key", default=os.environ.get("LABPANELS_EMULATOR_API_KEY", DEFAULT_API_KEY)
    )
    p.add_argument(
        "--api-secret", default=os.environ.get("LABPANELS_EMULATOR_API_SECRET", DEFAULT_API_SECRET)
    )
    p.add_argument(
        "--max-download-mb",
        type=float,
        default=50.0,
        help="discover refuses direct downloads above this size (403)",
    )
    p.add_argument(
        "--max-archive-mb",
        type=float,
        default=5000.0,
        help="zipit refuses archives from this size on (status 422 in !ERROR.txt)",
    )
    p.add_argument(
        "--upload-chunk-kb",
        type=int,
        default=10 * 1024,
        help="size of the o²S²PARC presigned upload parts (osparc 0.8.5 protocol)",
    )
    p.add_argument(
        "--data-dir", default=None, help="keep o²S²PARC files here (default: a temp dir)"
    )
    p.add_argument("--log-level", default="warning")
    return p.parse_args(argv)


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket whose connections send small answers at once.

    asyncio sets TCP_NODELAY on the connections of a socket made with ``IPPROTO_TCP``
    only (``socket.socket()`` has protocol 0): without it, a reused connection waits
    ~40 ms for a delayed ACK before each small answer. The option is set on the
    listening socket too (Linux hands it to accepted connections).
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


async def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from .app import create_app

    settings = Settings(
        time_scale=args.time_scale,
        api_key=args.api_key,
        api_secret=args.api_secret,
        max_download_bytes=int(args.max_download_mb * 1_000_000),
        max_archive_bytes=int(args.max_archive_mb * 1_000_000),
        data_dir=args.data_dir,
        upload_chunk_size=args.upload_chunk_kb * 1024,
        signing_key=secrets.token_bytes(32),
    )
    sock = listening_socket(args.host, args.port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        log_level=args.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.02)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}"
    print(
        json.dumps(
            {
                "url": url,
                "pennsieve_url": f"{url}/discover",
                "zipit_url": f"{url}/zipit",
                "osparc_url": url,
                "api_key": settings.api_key,
                "api_secret": settings.api_secret,
                "port": port,
                "pid": os.getpid(),
                "time_scale": settings.time_scale,
            }
        ),
        flush=True,
    )
    await task


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    # SIGTERM before uvicorn installs its own handlers still ends the process cleanly
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
