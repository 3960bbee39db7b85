"""WARC input at crawl speed: what reading the records costs, alone and as a share of the HTML path.

Builds WARC files the way Common Crawl writes them from the eval sets' HTML pages (``html/*.html.gz``,
repeated with a changed comment per copy up to ``--pages``): a ``warcinfo`` record first, then for
every page a ``request``, its ``response`` (HTTP 200, ``Content-Type`` with the charset, server and
date headers, the IP address and payload type in the WARC headers) and a ``metadata`` record (fetch
time, detected charset and languages), each record gzip-compressed on its own (``.warc.gz``), the
pages dealt over ``--files`` files. Then, in rounds, in one process each:

- ``warcio``: warcio's ``ArchiveIterator`` over each file (it undoes the per-record gzip itself),
  reading the body of every response record: the least a warcio user does;
- ``ours``: every raw item of each file from ``pipeline.clean.readers.read_items``, as the pipeline reads
  them (gzip, truncation checks, HTML filtering, URL / charset / date from the headers);
- ``fastwarc`` (``pip install -e '.[bench]'``): FastWARC's iterator over the response records, reading
  every body;

and, first in every round, the pipeline end to end over the same files (``python -m pipeline run``,
``--workers`` processes, default settings): the share of its CPU time that reading the records takes
(``ours``' CPU time in the same round over the pipeline's), the number the target is stated in, and
the same share had the pipeline read through FastWARC or warcio alone.

    python benchmarks/warc_speed.py [--eval ../shared/eval] [--pages 1427] [--files 4] [--rounds 3]
                                    [--workers 2] [--no-pipeline] [--no-gzip]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import statistics
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

from benchmarks.common import pipeline_command  # noqa: E402
from benchmarks.speed import measure_command  # noqa: E402
from pipeline.clean.readers import read_items  # noqa: E402

#: The charset a page's bytes declare first (meta tag), as a crawler puts it in Content-Type.
_CHARSET = b"charset="


def _charset(body: bytes) -> str:
    at = body[:4096].lower().find(_CHARSET)
    if at < 0:
        return "utf-8"
    value = body[at + len(_CHARSET) : at + len(_CHARSET) + 20].strip(b"\"' ")
    name = value.split(b'"')[0].split(b"'")[0].split(b";")[0].split(b">")[0].split(b" ")[0].strip()
    return name.decode("ascii", "replace").lower() or "utf-8"


def _capture(writer: WARCWriter, url: str, body: bytes, index: int) -> None:
    """The three records Common Crawl writes for one fetched page."""
    date = f"2026-11-{1 + index % 28:02d}T{index % 24:02d}:{index % 60:02d}:{(index * 7) % 60:02d}Z"
    host = url.split("/")[2]
    request = StatusAndHeaders(
        "GET /" + url.split("/", 3)[3] + " HTTP/1.1",
        [
            ("User-Agent", "CCBot/2.0 (https://commoncrawl.org/faq/)"),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"),
            ("Accept-Encoding", "br,gzip"),
            ("Host", host),
            ("Connection", "Keep-Alive"),
        ],
        is_http_request=True,
    )
    warc_headers = {"WARC-Date": date, "WARC-IP-Address": f"192.0.2.{index % 250 + 1}"}
    writer.write_record(
        writer.create_warc_record(url, "request", http_headers=request, warc_headers_dict=dict(warc_headers))
    )
    http = StatusAndHeaders(
        "200 OK",
        [
            ("Date", "Sun, 01 Nov 2026 10:00:00 GMT"),
            ("Server", "nginx"),
            ("Content-Type", f"text/html; charset={_charset(body)}"),
            ("X-Crawler-Content-Length", str(len(body))),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "max-age=600"),
            ("Vary", "Accept-Encoding"),
        ],
        protocol="HTTP/1.1",
    )
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict={**warc_headers, "WARC-Identified-Payload-Type": "text/html"},
    )
    writer.write_record(response)
    fields = (
        f"fetchTimeMs: {50 + index % 900}\r\ncharset-detected: UTF-8\r\n"
        'languages-cld2: {"reliable":true,"text-bytes":5203,"languages":[{"code":"en","code-iso-639-3":'
        '"eng","text-covered":0.99,"score":1009.0,"name":"ENGLISH"}]}\r\n'
    )
    concurrent = response.rec_headers.get_header("WARC-Record-ID")
    writer.write_record(
        writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(fields.encode("utf-8")),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent},
        )
    )


def build_warcs(
    eval_dir: Path, target: Path, pages: int | None, files: int, compress: bool
) -> tuple[int, int]:
    """The eval pages (repeated up to ``pages``) in ``files`` WARC files; returns (pages, HTML bytes)."""
    sources = sorted(eval_dir.glob("*/html/*.html.gz"))
    count = pages or len(sources)
    target.mkdir(parents=True)
    suffix = ".warc.gz" if compress else ".warc"
    handles = [open(target / f"CC-MAIN-bench-{i:05d}{suffix}", "wb") for i in range(files)]
    writers = [WARCWriter(handle, gzip=compress) for handle in handles]
    for i, writer in enumerate(writers):
        info = {
            "software": "warc_speed (Common Crawl's record layout)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": "CC-MAIN-bench",
            "robots": "checked via crawler-commons",
        }
        writer.write_record(writer.create_warcinfo_record(handles[i].name.rsplit("/", 1)[-1], info))
    total = 0
    for index in range(count):
        page = sources[index % len(sources)]
        body = gzip.decompress(page.read_bytes())
        copy = index // len(sources)
        if copy:
            body = f"<!-- copy {copy} -->\n".encode() + body
        total += len(body)
        slug = hashlib.sha1(f"{page}/{copy}".encode()).hexdigest()[:12]
        url = f"https://{page.parent.parent.name}.example/{slug}/{index}"
        _capture(writers[index % files], url, body, index)
    for handle in handles:
        handle.close()
    return count, total


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
    return sum(1 for item in items if item.problem is None)


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


def readers() -> dict[str, Callable[[Path], int]]:
    """The readers to time: warcio, ours, and FastWARC when it is installed."""
    found: dict[str, Callable[[Path], int]] = {"warcio": read_warcio, "ours": read_ours}
    try:
        import fastwarc  # noqa: F401

        found["fastwarc"] = read_fastwarc
    except ImportError:
        pass
    return found


def time_reader(read: Callable[[Path], int], files: list[Path], pages: int, name: str) -> tuple[float, float]:
    """Wall and CPU seconds for ``read`` over every file, in this process; checks the page count."""
    start, cpu = time.perf_counter(), time.process_time()
    found = sum(read(path) for path in files)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if found != pages:
        raise SystemExit(f"{name} found {found} pages, expected {pages}")
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of the eval sets")
    parser.add_argument(
        "--pages", type=int, default=None, help="pages in all (default: every eval page once)"
    )
    parser.add_argument("--files", type=int, default=4, help="WARC files the pages are dealt over")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement in turn")
    parser.add_argument("--workers", type=int, default=2, help="processes of the pipeline run")
    parser.add_argument("--no-pipeline", action="store_true", help="time the readers only")
    parser.add_argument("--no-gzip", action="store_true", help="uncompressed .warc files instead of .warc.gz")
    args = parser.parse_args(argv)
    if not args.eval.is_dir():
        print(f"eval folder {args.eval} not found; nothing to measure")
        return 0
    timed = readers()
    with tempfile.TemporaryDirectory(prefix="warc-speed-") as tmp:
        raw = Path(tmp) / "raw"
        pages, body_bytes = build_warcs(args.eval, raw, args.pages, args.files, not args.no_gzip)
        files = sorted(raw.iterdir())
        size = sum(path.stat().st_size for path in files)
        settings = Path(tmp) / "settings.toml"
        settings.write_text("", encoding="utf-8")
        rounds: list[dict[str, tuple[float, float]]] = []
        loads: list[float] = []
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            measured: dict[str, tuple[float, float]] = {}
            if not args.no_pipeline:
                out = Path(tmp) / f"out-{len(rounds)}"
                run = measure_command(pipeline_command(raw, out, args.workers, settings))
                measured["pipeline"] = (run["seconds"], run["cpu_seconds"])
            for name, read in timed.items():  # right after the pipeline, so they share its machine state
                measured[name] = time_reader(read, files, pages, name)
            rounds.append(measured)
    print(
        f"{pages} pages in {len(files)} files, {body_bytes / 1e6:.1f} MB of HTML, {size / 1e6:.1f} MB of "
        f"{'.warc' if args.no_gzip else '.warc.gz'} (records gzipped one by one), {args.rounds} rounds; "
        f"load average (1 min) before each round: {', '.join(f'{load:.1f}' for load in loads)}\n"
    )
    print("| reader | seconds (median) | CPU s (median) | pages/s | MB/s (HTML) | time vs warcio |")
    print("|---|---|---|---|---|---|")
    median = {name: statistics.median(r[name][0] for r in rounds) for name in timed}
    for name in timed:
        cpu = statistics.median(r[name][1] for r in rounds)
        print(
            f"| {name} | {median[name]:.2f} | {cpu:.2f} | {pages / median[name]:.0f} | "
            f"{body_bytes / 1e6 / median[name]:.1f} | {median[name] / median['warcio']:.2f}x |"
        )
    if not args.no_pipeline:
        wall = statistics.median(r["pipeline"][0] for r in rounds)
        cpu = statistics.median(r["pipeline"][1] for r in rounds)
        print(
            f"\nPipeline end to end ({args.workers} processes): {wall:.1f} s, {cpu:.1f} CPU-s (medians), "
            f"{pages / wall:.1f} pages/s.\n"
        )
        for name in timed:
            shares = [r[name][1] / r["pipeline"][1] for r in rounds]
            label = "reading the records as the pipeline does" if name == "ours" else f"{name} alone"
            print(
                f"- {label}: {', '.join(f'{s:.1%}' for s in shares)} of the pipeline's CPU time round by "
                f"round (median {statistics.median(shares):.1%})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
