"""Helpers shared by the emulated services: settings, parameters, signed URLs, zip streams."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from starlette.requests import Request

__all__ = [
    "Settings",
    "BadParam",
    "parse_bool",
    "int_param",
    "base_url",
    "Signer",
    "zip_stream",
    "utcnow_iso",
]

DEFAULT_API_KEY = "labpanels-demo-key"
DEFAULT_API_SECRET = "labpanels-demo-secret"


@dataclass
class Settings:
    """Knobs of one emulator instance."""

    time_scale: float = 1.0  # multiplies every simulated duration (0.05 = 20x faster)
    api_key: str = DEFAULT_API_KEY
    api_secret: str = DEFAULT_API_SECRET
    # discover refuses direct downloads / manifests above this many bytes (403)
    max_download_bytes: int = 50_000_000
    # zipit refuses archives from this many bytes on (HTTP 200, "!ERROR.txt", status 422)
    max_archive_bytes: int = 5_000_000_000
    upload_chunk_size: int = 10 * 1024 * 1024  # o²S²PARC presigned part size
    url_ttl_seconds: int = 3600
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    data_dir: str | None = None  # where uploaded/produced o²S²PARC files live (temp dir if None)
    seed: int = 0  # mixes into the random outputs of solvers


class BadParam(ValueError):
    """A query parameter that cannot be parsed."""


def parse_bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    low = value.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise BadParam(f"invalid boolean: {value}")


def int_param(
    request: Request, name: str, default: int | None, *, minimum: int | None = None
) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParam(f"invalid {name}: {raw}") from None
    if minimum is not None and value < minimum:
        raise BadParam(f"invalid {name}: {raw}")
    return value


def base_url(request: Request) -> str:
    """``http://host:port`` as the client addressed us (no trailing slash)."""
    return str(request.base_url).rstrip("/")


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class Signer:
    """Presigned URLs for the fake object store (``/s3/{bucket}/{key}``), S3 style."""

    def __init__(self, key: bytes, ttl: int):
        self.key = key
        self.ttl = ttl

    def _sig(self, method: str, bucket: str, key: str, date: str, expires: str, extra: str) -> str:
        msg = "\n".join([method, bucket, key, date, expires, extra]).encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def url(
        self,
        base: str,
        bucket: str,
        key: str,
        *,
        method: str = "GET",
        extra: dict[str, str] | None = None,
    ) -> str:
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        expires = str(self.ttl)
        extra = dict(extra or {})
        extra_s = urlencode(sorted(extra.items()))
        query = {
            **extra,
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": date,
            "X-Amz-Expires": expires,
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._sig(method, bucket, key, date, expires, extra_s),
        }
        return f"{base}/s3/{bucket}/{quote(key)}?{urlencode(query)}"

    def check(
        self,
        method: str,
        bucket: str,
        key: str,
        query: dict[str, str],
        extra_names: Iterable[str] = (),
    ) -> str | None:
        """None when valid, else an S3 error code."""
        try:
            date, expires, sig = (
                query["X-Amz-Date"],
                query["X-Amz-Expires"],
                query["X-Amz-Signature"],
            )
            issued = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except (KeyError, ValueError):
            return "AccessDenied"
        extra = {n: query[n] for n in extra_names if n in query}
        want = self._sig(method, bucket, key, date, expires, urlencode(sorted(extra.items())))
        if not hmac.compare_digest(want, sig):
            return "SignatureDoesNotMatch"
        if time.time() > issued.timestamp() + int(expires):
            return "AccessDenied"
        return None


def s3_error(code: str, message: str, resource: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<Resource>{resource}</Resource><RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    ).encode()


class _Sink:
    """Write-only, non-seekable target for ``zipfile``; drained while the zip is written."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.pos = 0

    def write(self, data) -> int:
        self.buf += data
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos

    def seek(self, *args):
        raise OSError("not seekable")

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out = bytes(self.buf)
        self.buf.clear()
        return out


ZipEntry = tuple[str, int, Callable[[], Iterable[bytes]], tuple[int, int, int, int, int, int]]


def zip_stream(
    entries: Iterable[ZipEntry], *, deflate: bool = False, flush_at: int = 256 * 1024
) -> Iterator[bytes]:
    """Yield a zip archive of ``entries`` (name, size, chunks(), date_time) piece by piece.

    Memory stays bounded by ``flush_at`` plus one chunk (and zipfile's central directory).
    """
    sink = _Sink()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(sink, "w", compression=method, allowZip64=True) as zf:
        for name, size, chunks, date_time in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = method
            info.file_size = size
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=size > 0x7FFFFFFF) as out:
                for chunk in chunks():
                    out.write(chunk)
                    if len(sink.buf) >= flush_at:
                        yield sink.drain()
            if len(sink.buf) >= flush_at:
                yield sink.drain()
    yield sink.drain()


def zip_date(iso: str) -> tuple[int, int, int, int, int, int]:
    try:
        d = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        d = datetime(2024, 1, 1)
    return (max(d.year, 1980), d.month, d.day, d.hour, d.minute, d.second)
