"""Real WARC files for the tests, written with warcio's writer (the way crawlers' tools write them)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass(frozen=True)
class Response:
    """One HTTP response to store: URL, body, Content-Type header (None: no header) and status."""

    url: str
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    status: str = "200 OK"


def write_warc(path: Path, responses: Sequence[Response], gzip: bool = True) -> list[str]:
    """Write a WARC like a crawler: warcinfo, then a request and a response per page, plus a metadata
    record; return the WARC-Record-IDs of the response records (without brackets), in order."""
    ids = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for response in responses:
            request = StatusAndHeaders(
                "GET / HTTP/1.1", [("Host", "example.org")], protocol="HTTP/1.1", is_http_request=True
            )
            writer.write_record(writer.create_warc_record(response.url, "request", http_headers=request))
            headers = [("Content-Type", response.content_type)] if response.content_type else []
            http = StatusAndHeaders(response.status, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                response.url, "response", payload=io.BytesIO(response.body), http_headers=http
            )
            writer.write_record(record)
            ids.append(record.rec_headers.get_header("WARC-Record-ID").strip("<>"))
            writer.write_record(
                writer.create_warc_record(
                    response.url,
                    "metadata",
                    payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                    warc_content_type="application/warc-fields",
                )
            )
    return ids


def write_resource_warc(path: Path, pages: Sequence[tuple[str, bytes, str]], gzip: bool = True) -> list[str]:
    """Write a WARC like Webrecorder: a warcinfo record, then each page (URL, body, Content-Type) as a
    ``resource`` record, the content itself without HTTP headers; return the pages' WARC-Record-IDs."""
    ids = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for url, body, content_type in pages:
            record = writer.create_warc_record(
                url, "resource", payload=io.BytesIO(body), warc_content_type=content_type
            )
            writer.write_record(record)
            ids.append(record.rec_headers.get_header("WARC-Record-ID").strip("<>"))
    return ids


@dataclass(frozen=True)
class ArcPage:
    """One capture for an ARC file: URL, the 14-digit archive date, the HTTP response and its IP."""

    url: str
    archive_date: str
    body: bytes
    content_type: str = "text/html"
    status: str = "200 OK"
    ip: str = "192.0.2.1"


def write_arc(path: Path, pages: Sequence[ArcPage], gzip: bool = True) -> None:
    """Write an ARC file (version 1, the Internet Archive's format before WARC) as its specification
    lays it out: the version block (a ``filedesc://`` header line and the field names), then one record
    per capture, a header line ``URL IP-address Archive-date Content-type Archive-length`` over the
    HTTP response as the server sent it, each record followed by a newline. With ``gzip`` each record
    is a gzip member of its own, as ``.arc.gz`` files are written for random access."""
    import gzip as gzip_module

    def record(header: str, block: bytes) -> bytes:
        data = f"{header} {len(block)}\n".encode("latin-1") + block + b"\n"
        return gzip_module.compress(data, mtime=0) if gzip else data

    first = pages[0].archive_date if pages else "20000101000000"
    fields = b"1 0 tests\nURL IP-address Archive-date Content-type Archive-length\n"
    chunks = [record(f"filedesc://{path.name} 0.0.0.0 {first} text/plain", fields)]
    for page in pages:
        http = (
            f"HTTP/1.0 {page.status}\r\nContent-Type: {page.content_type}\r\n"
            f"Content-Length: {len(page.body)}\r\n\r\n"
        ).encode("latin-1")
        mime = page.content_type.split(";")[0]
        chunks.append(record(f"{page.url} {page.ip} {page.archive_date} {mime}", http + page.body))
    path.write_bytes(b"".join(chunks))
