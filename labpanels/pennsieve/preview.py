"""Looking at a file before downloading it: the first rows of a table, an image, text.

Only the start of a file is read, with an HTTP ``Range: bytes=0-N`` request on its
presigned URL (S3 answers 206 with those bytes); a server that ignores the header is
read no further than N bytes and the connection dropped. Images are read whole up to a
limit (a thumbnail needs every byte), larger ones are not previewed.

:func:`parse_table` and :func:`image_size` are pure; :func:`read_start` does the I/O.
"""

from __future__ import annotations

import csv
import io
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..errors import LabpanelsError
from ..http import HttpClient

__all__ = [
    "Preview",
    "PreviewError",
    "preview_kind",
    "read_start",
    "parse_table",
    "image_size",
    "size_text",
    "TABLE_TYPES",
    "IMAGE_TYPES",
    "TEXT_TYPES",
]

TABLE_TYPES = {"csv": ",", "tsv": "\t", "tab": "\t"}
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "gif": "image/gif", "webp": "image/webp"}
TEXT_TYPES = {"txt", "md", "json", "xml", "yaml", "yml", "rst", "log", "ini", "cfg"}
MAX_PLOT_POINTS = 400
_TIME_NAME = re.compile(
    r"(^|[_\s.-])(t|time|times|timestamp|date|datetime|sec|secs|seconds?|ms|msec|minutes?|"
    r"mins?|hours?|hrs?|days?|frame|epoch)([_\s.(-]|$)", re.I)


class PreviewError(LabpanelsError):
    """The file cannot be previewed (a folder, too large an image, unreadable bytes)."""


@dataclass
class Preview:
    """What a file looks like: ``kind`` is table, image, text or none.

    Tables: ``columns`` ([{name, numeric}]), ``rows`` (lists of text), ``time_column``
    and ``plot`` ({x_label, x, series: [{name, values}]}) when the first column is
    time-like and others are numeric. Images: ``data`` (the bytes), ``mime``, ``width``,
    ``height``. Text: ``text``. Always: ``path``, ``name``, ``size`` (the whole file),
    ``bytes_read`` (what was fetched), ``partial`` and a one-line ``summary``.
    """

    path: str
    name: str
    kind: str
    size: int | None
    bytes_read: int = 0
    partial: bool = False
    summary: str = ""
    columns: list[dict] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    time_column: str | None = None
    plot: dict | None = None
    text: str = ""
    mime: str = ""
    width: int | None = None
    height: int | None = None
    data: bytes = field(default=b"", repr=False)

    def to_dict(self) -> dict:
        """Everything but the bytes (JSON-ready)."""
        out = asdict(self)
        out.pop("data")
        return out

    def to_frame(self):
        """The table's rows as a pandas DataFrame (numeric columns as numbers)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=[c["name"] for c in self.columns])
        for col in self.columns:
            if col["numeric"]:
                frame[col["name"]] = pd.to_numeric(frame[col["name"]], errors="coerce")
        return frame


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def preview_kind(name: str) -> str:
    """table, image, text or none, from the file name."""
    ext = _extension(name)
    if ext in TABLE_TYPES:
        return "table"
    if ext in IMAGE_TYPES:
        return "image"
    if ext in TEXT_TYPES:
        return "text"
    return "none"


def read_start(http: HttpClient, url: str, max_bytes: int) -> tuple[bytes, int | None, bool]:
    """The first ``max_bytes`` of ``url`` with a Range request: (bytes, whole size when the
    server said it, True when the file goes on beyond what was read)."""
    if max_bytes <= 0:
        raise PreviewError("max_bytes must be positive")
    response = http.request("GET", url, headers={"Range": f"bytes=0-{max_bytes - 1}"},
                            stream=True)
    try:
        total = _total_size(response.headers)
        chunks, got = [], 0
        for chunk in response.iter_content(chunk_size=min(65536, max_bytes)):
            chunks.append(chunk[: max_bytes - got])
            got += len(chunks[-1])
            if got >= max_bytes:
                break
    finally:
        response.close()  # a server that ignored the Range sends no more than we read
    data = b"".join(chunks)
    partial = total is None and len(data) >= max_bytes or total is not None and total > len(data)
    return data, total, partial


def _total_size(headers: Mapping[str, str]) -> int | None:
    match = re.match(r"bytes \d+-\d+/(\d+)", headers.get("Content-Range", ""))
    if match:
        return int(match.group(1))
    length = headers.get("Content-Length")
    return int(length) if length and length.isdigit() and not headers.get("Content-Range") \
        else None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return None


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def parse_table(data: bytes, name: str = "", *, partial: bool = False,
                max_rows: int = 20) -> dict:
    """The header, the first ``max_rows`` rows, which columns are numeric, and a plot of
    the numeric columns over a time-like first column (from every complete row read)."""
    text = _decode(data)
    if partial and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # the last line was cut off
    delimiter = TABLE_TYPES.get(_extension(name))
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    records = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    if not records:
        return {"columns": [], "rows": [], "time_column": None, "plot": None, "row_count": 0}
    header, body = [h.strip() for h in records[0]], records[1:]
    width = len(header)
    body = [(r + [""] * width)[:width] for r in body]
    numeric = []
    for i in range(width):
        values = [r[i].strip() for r in body if r[i].strip()]
        numeric.append(bool(values) and all(_number(v) is not None for v in values))
    columns = [{"name": h or f"column {i + 1}", "numeric": numeric[i]}
               for i, h in enumerate(header)]
    time_column, plot = None, None
    xs = _time_values(header[0], [r[0] for r in body]) if width > 1 else None
    ys = [i for i in range(1, width) if numeric[i]]
    if xs is not None and ys:
        time_column = columns[0]["name"]
        step = max(1, math.ceil(len(body) / MAX_PLOT_POINTS))
        picked = range(0, len(body), step)
        plot = {
            "x_label": time_column,
            "x_kind": "date" if _timestamp(body[0][0]) is not None and not numeric[0]
            else "number",
            "x": [xs[j] for j in picked],
            "series": [{"name": columns[i]["name"],
                        "values": [_number(body[j][i]) for j in picked]} for i in ys],
        }
    return {
        "columns": columns,
        "rows": body[:max_rows],
        "time_column": time_column,
        "plot": plot,
        "row_count": len(body),
    }


def _time_values(name: str, values: list[str]) -> list[float] | None:
    """The first column as numbers when it is time-like: numbers that never go down
    (increasing, or named like a time), or ISO dates; else None."""
    if len(values) < 2:
        return None
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        steps = [b - a for a, b in zip(numbers, numbers[1:], strict=False)]
        if all(s >= 0 for s in steps) and (_TIME_NAME.search(name) or all(s > 0 for s in steps)):
            return numbers  # type: ignore[return-value]
        return None
    stamps = [_timestamp(v) for v in values]
    if all(s is not None for s in stamps):
        return stamps  # type: ignore[return-value]
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) of PNG, JPEG or GIF bytes; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                pos += 2
                continue
            length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                          0xCE, 0xCF) and pos + 9 <= len(data):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return "image/jpeg", width, height
            pos += 2 + length
    return None


def size_text(n: int | None) -> str:
    """A byte count as people read it: 512 B, 49.9 kB, 5.0 MB."""
    if n is None:
        return "?"
    size, unit = float(n), 0
    units = ["B", "kB", "MB", "GB", "TB"]
    while size >= 1000 and unit < len(units) - 1:
        size, unit = size / 1000, unit + 1
    return f"{int(size)} B" if unit == 0 else f"{size:.1f} {units[unit]}"


def build_preview(http: HttpClient, entry: Mapping[str, Any], path: str, *,
                  max_bytes: int, max_rows: int, image_max_bytes: int) -> Preview:
    """Fetch and read one file of a download manifest (``url``, ``size``, ``fileName``)."""
    name = str(entry.get("fileName") or path.rsplit("/", 1)[-1])
    size = entry.get("size")
    size = int(size) if size is not None else None
    kind = preview_kind(name)
    out = Preview(path=path, name=name, kind=kind, size=size)
    if kind == "none":
        out.summary = f"No preview for this type of file ({_extension(name) or 'no extension'})"
        return out
    if kind == "image":
        if size is not None and size > image_max_bytes:
            raise PreviewError(f"{name} is too large to preview ({size_text(size)}; "
                               f"images up to {size_text(image_max_bytes)})")
        data, total, partial = read_start(http, str(entry["url"]), image_max_bytes)
        if partial:
            raise PreviewError(f"{name} is too large to preview (over "
                               f"{size_text(image_max_bytes)})")
        found = image_size(data)
        out.data, out.bytes_read, out.size = data, len(data), total or size
        ext = _extension(name)
        out.mime = found[0] if found else IMAGE_TYPES[ext]
        if found:
            out.width, out.height = found[1], found[2]
        out.summary = (f"{out.width} × {out.height} px, {size_text(out.size)}" if found
                       else f"Image, {size_text(out.size)}")
        return out
    data, total, partial = read_start(http, str(entry["url"]), max_bytes)
    out.bytes_read, out.partial, out.size = len(data), partial, total or size
    part = f"the first {size_text(len(data))} of {size_text(out.size)}" if partial \
        else f"all {size_text(len(data))}"
    if kind == "text":
        text = _decode(data)
        out.text = text[: text.rindex("\n") + 1] if partial and "\n" in text else text
        out.summary = f"Text: {part}"
        return out
    table = parse_table(data, name, partial=partial, max_rows=max_rows)
    out.columns, out.rows = table["columns"], table["rows"]
    out.time_column, out.plot = table["time_column"], table["plot"]
    shown = len(out.rows)
    plotted = f"; plotted over {out.time_column}" if out.plot else ""
    out.summary = (f"First {shown} of {table['row_count']} rows read from {part}{plotted}"
                   if partial else f"{shown} of {table['row_count']} rows ({part}){plotted}")
    return out
