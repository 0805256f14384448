"""Previews before download: tables (CSV, TSV) with their numeric columns and a plot over a
time-like first column, images as bytes with their size, text; read from an HTTP byte
range of the file's presigned URL, never the whole file."""

from __future__ import annotations

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from labpanels.demo.emulator.seed import png_bytes
from labpanels.errors import InvalidArgument
from labpanels.http import HttpClient
from labpanels.pennsieve import PennsieveSession
from labpanels.pennsieve.preview import PreviewError, image_size, parse_table, read_start
from tests.emulator_fixture import emulator_fixture  # noqa: F401
from tests.httpstub import Reply, StubServer

HEART = "files/primary/sub-01/heart_rate.csv"


@pytest.fixture
def session(emulator):
    s = PennsieveSession(emulator.pennsieve_url, timeout=(5, 20))
    s.exchanges = []  # (method, path, request headers, status, response headers)

    def record(response, *args, **kwargs):
        req = response.request
        s.exchanges.append((req.method, requests.utils.urlparse(req.url).path,
                            CaseInsensitiveDict(req.headers), response.status_code,
                            CaseInsensitiveDict(response.headers)))

    s.http.session.hooks["response"].append(record)
    yield s
    s.close()


def test_csv_first_rows_numeric_columns_and_plot_from_a_byte_range(session):
    size = session.file_info(201, HEART)["size"]
    assert size > 40_000
    session.exchanges.clear()
    preview = session.preview(HEART, 201, max_bytes=4096, max_rows=5)
    assert preview.kind == "table" and preview.name == "heart_rate.csv"
    assert [c["name"] for c in preview.columns] == ["time_s", "heart_rate_bpm",
                                                    "stim_current_mA"]
    assert all(c["numeric"] for c in preview.columns)
    assert len(preview.rows) == 5 and preview.rows[0][0] == "0.0" and preview.rows[4][0] == "0.4"
    assert preview.time_column == "time_s"
    plot = preview.plot
    assert plot["x_label"] == "time_s" and plot["x"][:3] == [0.0, 0.1, 0.2]
    assert [s["name"] for s in plot["series"]] == ["heart_rate_bpm", "stim_current_mA"]
    assert len(plot["series"][0]["values"]) == len(plot["x"]) > 100  # every complete row read
    assert 300 < plot["series"][0]["values"][0] < 420
    assert preview.size == size and preview.partial and preview.bytes_read == 4096
    assert preview.summary.startswith("First 5 of ") and "of 49.9 kB" in preview.summary
    # only 4096 bytes were asked for and sent: one ranged GET on the object store
    (s3,) = [e for e in session.exchanges if e[1].startswith("/s3/")]
    method, _, sent, status, answered = s3
    assert method == "GET" and sent["Range"] == "bytes=0-4095"
    assert status == 206 and answered["Content-Length"] == "4096"
    assert answered["Content-Range"] == f"bytes 0-4095/{size}"
    # nothing else fetched the file: the manifest call only lists it
    assert [e[1].rsplit("/", 1)[-1] for e in session.exchanges] == ["download-manifest",
                                                                    s3[1].rsplit("/", 1)[-1]]
    frame = preview.to_frame()
    assert frame.shape == (5, 3) and frame["heart_rate_bpm"].dtype.kind == "f"
    assert "data" not in preview.to_dict()


def test_tsv_and_tables_without_time(session):
    tsv = session.preview("files/derivative/mean_motility.tsv", 202)
    assert [c["name"] for c in tsv.columns] == ["minute", "mean_amplitude_mm",
                                                "mean_frequency_cpm"]
    assert tsv.rows[1][0] == "1" and not tsv.partial and tsv.time_column == "minute"
    assert len(tsv.plot["x"]) == 60 and tsv.summary.startswith("20 of 60 rows (all ")
    summary = session.preview("files/derivative/summary.csv", 201)
    assert [c["numeric"] for c in summary.columns] == [False, True, True, True]
    assert summary.time_column is None and summary.plot is None  # "subject" is no time


def test_image_bytes_and_size(session):
    image = session.preview("files/docs/figure1.png", 201)
    assert image.kind == "image" and image.mime == "image/png"
    assert (image.width, image.height) == (96, 64)
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n" and len(image.data) == image.size
    assert image.summary.startswith("96 × 64 px")
    with pytest.raises(PreviewError, match="too large to preview"):
        session.preview("files/docs/figure1.png", 201, image_max_bytes=1000)
    assert not [e for e in session.exchanges if e[1].startswith("/s3/") and e[3] != 206]


def test_text_other_files_and_mistakes(session):
    readme = session.preview("files/README.md", 201)
    assert readme.kind == "text" and readme.text.startswith("# Heart rate response")
    other = session.preview("files/dataset_description.json", 201, max_bytes=64)
    assert other.partial and other.text.count("\n") >= 1 and len(other.text) <= 64
    with pytest.raises(PreviewError, match="is a folder of 6 file"):
        session.preview("files/primary", 201)
    with pytest.raises(PreviewError, match="is nothing, not a file"):
        session.preview("files/nope.csv", 201)
    with pytest.raises(InvalidArgument, match="one file at a time"):
        session.preview(["files/README.md", "files/subjects.csv"], 201)
    assert "is nothing" in session.last_error


def test_a_server_that_ignores_range_is_read_no_further():
    stub = StubServer().start()
    try:
        body = b"t,v\n" + b"".join(f"{i},{i * 2}\n".encode() for i in range(200_000))
        stub.route("GET", "/big.csv", Reply(200, body=body))
        http = HttpClient(stub.url)
        data, total, partial = read_start(http, f"{stub.url}/big.csv", 1000)
        assert len(data) == 1000 and partial and total == len(body)
        assert stub.requests("GET", "/big.csv")[0].headers["Range"] == "bytes=0-999"
        http.close()
    finally:
        stub.stop()


def test_parse_table_rules():
    cut = parse_table(b"time,a,b\n0,1,x\n1,2,y\n2,3", "t.csv", partial=True)
    assert cut["row_count"] == 2  # the cut-off last line is dropped
    assert [c["numeric"] for c in cut["columns"]] == [True, True, False]
    assert [s["name"] for s in cut["plot"]["series"]] == ["a"]
    dates = parse_table(b"date;v\n2024-01-01T00:00:00Z;1\n2024-01-02T00:00:00Z;2\n", "x.txt")
    assert dates["time_column"] == "date" and dates["plot"]["x_kind"] == "date"
    assert dates["plot"]["x"][1] - dates["plot"]["x"][0] == 86_400_000
    unordered = parse_table(b"id,v\n3,1\n1,2\n2,3\n", "u.csv")
    assert unordered["plot"] is None  # a first column that goes down is not time
    counting = parse_table(b"n,v\n1,1\n2,2\n", "c.csv")
    assert counting["time_column"] == "n"  # increasing numbers are an axis
    bom = parse_table("\ufeffa\tb\n1\t2\n".encode(), "b.tsv")
    assert [c["name"] for c in bom["columns"]] == ["a", "b"]
    ragged = parse_table(b"a,b,c\n1\n2,3,4,5\n", "r.csv")
    assert ragged["rows"] == [["1", "", ""], ["2", "3", "4"]]
    assert parse_table(b"", "e.csv")["columns"] == []
    many = parse_table(b"t,v\n" + b"".join(f"{i},{i}\n".encode() for i in range(5000)), "m.csv")
    assert len(many["plot"]["x"]) <= 400 and many["plot"]["x"][0] == 0


def test_image_size_reads_png_gif_and_jpeg_headers():
    assert image_size(png_bytes(7, 3, lambda x, y: (0, 0, 0))) == ("image/png", 7, 3)
    assert image_size(b"GIF89a\x05\x00\x02\x00rest") == ("image/gif", 5, 2)
    jpeg = (b"\xff\xd8" + b"\xff\xe0\x00\x10" + b"J" * 14
            + b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40" + b"\x00" * 12)
    assert image_size(jpeg) == ("image/jpeg", 64, 32)
    assert image_size(b"not an image") is None
