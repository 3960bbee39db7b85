"""WARC reading speed: our reader (``pipeline.clean.readers.read_items``) against warcio alone, same file.

Builds one WARC of the eval sets' HTML pages (``html/*.html.gz``), each stored as an HTTP 200
``text/html`` response with a request and a metadata record beside it, the way crawlers write them,
then times, alternating, several rounds of:

- ``warcio``: ``ArchiveIterator`` over the file, reading the body of every response record;
- ``ours``: every raw item of the file from ``read_items`` (gzip undone by Python's gzip module,
  truncation checks, HTML filtering, URL / charset / date taken from the headers);
- ``fastwarc`` (when installed): FastWARC's iterator over response records, reading every body.

It prints the best time of each, pages/s and the ratio to warcio as one Markdown table.

    python benchmarks/warc_speed.py [--eval ../shared/eval] [--limit 300] [--rounds 3] [--no-gzip]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))

from pipeline.clean.readers import read_items  # noqa: E402


def build_warc(eval_dir: Path, target: Path, limit: int | None, compress: bool) -> tuple[int, int]:
    """Write the eval pages into one WARC; return (pages, body bytes)."""
    pages = sorted(eval_dir.glob("*/html/*.html.gz"))[:limit]
    total = 0
    with open(target, "wb") as handle:
        writer = WARCWriter(handle, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(target.name, {"software": "warc_speed"}))
        for index, page in enumerate(pages):
            body = gzip.decompress(page.read_bytes())
            total += len(body)
            url = f"https://bench.example/{page.parent.parent.name}/{index}"
            request = StatusAndHeaders("GET / HTTP/1.1", [], protocol="HTTP/1.1", is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "metadata",
                    payload=io.BytesIO(b"x: 1\r\n"),
                    warc_content_type="application/warc-fields",
                )
            )
    return len(pages), total


def read_warcio(path: Path) -> int:
    """Bodies of the response records through warcio alone."""
    pages = 0
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                record.content_stream().read()
                pages += 1
    return pages


def read_ours(path: Path) -> int:
    """Raw items of the file through the pipeline's reader."""
    items = read_items(path.parent, path.name, 8_000_000)
    return sum(1 for item in items if item.rejection is None)


def read_fastwarc(path: Path) -> int:
    """Bodies of the response records through FastWARC."""
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    pages = 0
    with open(path, "rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.response, parse_http=True):
            record.reader.read()
            pages += 1
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of the eval sets")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per reader (best is kept)")
    parser.add_argument("--no-gzip", action="store_true", help="an uncompressed .warc instead of .warc.gz")
    args = parser.parse_args(argv)
    if not args.eval.is_dir():
        print(f"eval folder {args.eval} not found; nothing to measure")
        return 0
    readers: dict[str, Callable[[Path], int]] = {"warcio": read_warcio, "ours": read_ours}
    try:
        import fastwarc  # noqa: F401

        readers["fastwarc"] = read_fastwarc
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("bench.warc" if args.no_gzip else "bench.warc.gz")
        pages, body_bytes = build_warc(args.eval, path, args.limit, not args.no_gzip)
        size = path.stat().st_size
        best = {name: float("inf") for name in readers}
        for _ in range(args.rounds):
            for name, read in readers.items():  # alternate, so machine noise hits every reader alike
                start = time.perf_counter()
                found = read(path)
                best[name] = min(best[name], time.perf_counter() - start)
                if found != pages:
                    raise SystemExit(f"{name} found {found} pages, expected {pages}")
    print(
        f"{pages} pages, {body_bytes / 1e6:.1f} MB of HTML, {path.name} of {size / 1e6:.1f} MB, "
        f"best of {args.rounds} rounds\n"
    )
    print("| reader | seconds | pages/s | MB/s (HTML) | time vs warcio |")
    print("|---|---|---|---|---|")
    for name, seconds in best.items():
        print(
            f"| {name} | {seconds:.2f} | {pages / seconds:.0f} | {body_bytes / 1e6 / seconds:.1f} "
            f"| {seconds / best['warcio']:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
