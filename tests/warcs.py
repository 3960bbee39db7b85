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
