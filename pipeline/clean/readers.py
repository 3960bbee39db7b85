"""Raw inputs -> raw items: which files are input, their ids, and their (decompressed) bytes.

Nothing here decodes text; :mod:`pipeline.clean.charset` turns bytes into text. Every
problem with a file (unknown extension, unreadable, corrupt compression, too large, empty) becomes a
rejected item with a reason, so one bad file never stops a batch. Containers (.jsonl, .warc) yield one
item per record: a record that fails is a reject and the rest of the file still flows.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator, ARCIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import timestamp_to_iso_date

from pipeline import storage
from pipeline.compression import DAMAGED, SUFFIXES, open_decompressed
from pipeline.document import Source

log = logging.getLogger(__name__)

#: File extension -> input format (see INTERFACE.md).
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".warc": "warc",
    ".arc": "arc",
}
#: What a document's bytes are (``RawItem.content_type``): a record of a container is one of these too.
CONTENT_TYPES: tuple[str, ...] = ("text", "html")


@dataclass(frozen=True, slots=True)
class RawFile:
    """One input file as found: path relative to the raw folder, size, and what changes when it is
    written again (the mtime in nanoseconds on disk, the ETag in an object store)."""

    path: str
    size: int
    version: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an input has no bytes to decode: the reason it is rejected for, and a detail."""

    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RawItem:
    """One document's bytes before decoding, or the reason it has none."""

    id: str
    source: Source
    data: bytes = b""
    content_type: str = "text"
    declared_charset: str | None = None
    problem: Problem | None = None
    #: Metadata the container knows about the record (e.g. ``warc_date``), merged into the document's.
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _folder_key(path: str | Path | None) -> tuple[int, int] | None:
    """The device and inode of a folder (None when there is none), to know it under any of its names."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _input_folders(dirpath: str, dirnames: list[str], exclude: tuple[int, int] | None) -> list[str]:
    """The subfolders of ``dirpath`` that hold input: not hidden, not the output folder."""
    names = [d for d in dirnames if not d.startswith(".")]
    if exclude is not None:
        names = [d for d in names if _folder_key(os.path.join(dirpath, d)) != exclude]
    return names


def discover(raw_dir: str | Path, exclude: str | Path | None = None) -> list[RawFile]:
    """Every regular file (or link) under ``raw_dir``, recursively, hidden ones skipped, sorted by path.

    Nothing below the folder ``exclude`` is input: the output folder may lie inside the raw folder
    (``--raw data --out data/clean``), and a run must never read its own parts, stage files and
    manifest back in. It is known by device and inode, so a symbolic link or another spelling of its
    path names the same folder. An object-store prefix is read from one listing (:func:`_discover_objects`).
    """
    if storage.is_remote(raw_dir):
        return _discover_objects(os.fspath(raw_dir), exclude)
    # Plain strings, not Path objects: a batch may have millions of files, and pathlib interns every
    # name it parses, which would keep them all in memory for the rest of the run.
    root = os.fspath(raw_dir)
    skip = _folder_key(exclude)
    found: list[RawFile] = []
    if skip is not None and _folder_key(root) == skip:
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(_input_folders(dirpath, dirnames, skip))
        prefix = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError:
                st = os.lstat(full)  # a dangling link is still an input: it becomes a reject
            found.append(RawFile(prefix + name, st.st_size, str(st.st_mtime_ns)))
    found.sort(key=lambda f: f.path)
    return found


def _discover_objects(prefix: str, exclude: str | Path | None) -> list[RawFile]:
    """The input objects under an object-store ``prefix``, from one recursive listing (size and ETag of
    each come with it: no request per object). Hidden names and the output prefix are skipped as on disk.
    """
    skip = None
    if exclude is not None and storage.is_remote(exclude):
        root, out = prefix.rstrip("/") + "/", os.fspath(exclude).rstrip("/") + "/"
        if out == root:
            return []
        skip = out[len(root) :] if out.startswith(root) else None
    found = [
        RawFile(obj.path, obj.size, obj.version)
        for obj in storage.list_objects(prefix)
        if not any(part.startswith(".") for part in obj.path.split("/"))
        and not (skip and obj.path.startswith(skip))
    ]
    found.sort(key=lambda f: f.path)
    return found


def split_name(path: str) -> tuple[str, str | None, str | None]:
    """``(id, format, compression)`` of a relative path: ``a/b.html.gz`` -> ``("a/b", "html", ".gz")``."""
    stem, compression = path, None
    for ext in SUFFIXES:
        if stem.lower().endswith(ext):
            stem, compression = stem[: -len(ext)], ext
            break
    for ext, fmt in FORMATS.items():
        if stem.lower().endswith(ext):
            return stem[: -len(ext)], fmt, compression
    return stem, None, compression


def _read_bounded(stream: BinaryIO | Any, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes, so a caller can tell "too large" without reading it all."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_file_bytes(full_path: str, compression: str | None, limit: int) -> bytes:
    """The decompressed bytes of a file, at most ``limit + 1`` of them."""
    with open_decompressed(full_path, compression) as stream:
        return _read_bounded(stream, limit)


def _file_rejection(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, DAMAGED):
        return "corrupt_compression", f"{type(exc).__name__}: {exc}"
    if isinstance(exc, OSError):
        return "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"
    return "unreadable", f"{type(exc).__name__}: {exc}"


def read_items(raw_dir: str | Path, path: str, max_bytes: int) -> Iterator[RawItem]:
    """The raw items of one input file: one for .txt/.html, one per line for .jsonl, per page for .warc."""
    doc_id, fmt, compression = split_name(path)
    source = Source(path=path, format=fmt)
    if fmt is None:
        yield RawItem(
            doc_id, source, problem=Problem("unsupported_format", f"unknown extension: {path}")
        )
        return
    if fmt in WEB_ARCHIVE_FORMATS:
        yield from _warc_items(storage.join(raw_dir, path), doc_id, source, compression, max_bytes)
        return
    if fmt == "jsonl":
        yield from _jsonl_file_items(storage.join(raw_dir, path), doc_id, source, compression, max_bytes)
        return
    try:
        data = read_file_bytes(storage.join(raw_dir, path), compression, max_bytes)
    except Exception as exc:  # noqa: BLE001 - every failure to read is a reject, never a crash
        reason, detail = _file_rejection(exc)
        yield RawItem(doc_id, source, problem=Problem(reason, detail))
        return
    if len(data) > max_bytes:
        detail = f"more than {max_bytes} bytes after decompression"
        yield RawItem(doc_id, source, problem=Problem("too_large", detail))
        return
    if not data.strip():
        yield RawItem(doc_id, source, problem=Problem("empty", "the file holds no text"))
        return
    yield RawItem(doc_id, source, data=data, content_type=fmt)


#: A JSONL line may be this many times ``max_document_bytes``: JSON escapes can make a body up to
#: six times longer ("\u0001"), and a record may carry other fields besides its body.
JSONL_LINE_FACTOR = 8
_READ_CHUNK = 1 << 20


def bounded_lines(stream: Any, limit: int, chunk_size: int = _READ_CHUNK) -> Iterator[bytes | None]:
    """The lines of a binary stream, read a chunk at a time; None stands for a line over ``limit`` bytes.

    Lines end at b"\n" and are then split like ``bytes.splitlines`` (so "\r\n" and a lone "\r" end
    lines too, and the numbering is that of ``data.splitlines()`` on the whole file). Memory stays
    within one chunk plus ``limit``, whatever the file's size: an over-long line is skipped, not kept.
    """
    pending = bytearray()
    too_long = False
    while chunk := stream.read(chunk_size):
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            if too_long or len(pending) + end - start > limit:
                yield None
            else:
                pending += chunk[start:end]
                yield from [bytes(line) for line in pending.splitlines()] or [b""]
            pending.clear()
            too_long = False
            start = end + 1
        if not too_long:
            pending += chunk[start:]
            if len(pending) > limit:
                too_long = True
                pending.clear()
    if too_long:
        yield None
    elif pending:
        yield from (bytes(line) for line in pending.splitlines())


def _jsonl_file_items(
    full_path: str, file_id: str, source: Source, compression: str | None, max_bytes: int
) -> Iterator[RawItem]:
    """The items of a JSON Lines file, streamed: a file of any size is read a chunk at a time.

    A read error (a truncated .gz or .zst, an unreadable file) ends the file with one reject for it;
    the records before it are kept, as with WARC files.
    """
    limit = max_bytes * JSONL_LINE_FACTOR
    any_item = False
    try:
        with open_decompressed(full_path, compression) as stream:
            for item in _jsonl_items(file_id, source, bounded_lines(stream, limit), max_bytes):
                any_item = True
                yield item
    except Exception as exc:  # noqa: BLE001 - every failure to read is a reject, never a crash
        reason, detail = _file_rejection(exc)
        yield RawItem(file_id, source, problem=Problem(reason, detail))
        return
    if not any_item:
        # Every input file ends up somewhere: one without a single record is a reject of its own.
        yield RawItem(file_id, source, problem=Problem("empty", "the file holds no records"))


def _jsonl_items(
    file_id: str, source: Source, lines: Iterable[bytes | None], max_bytes: int
) -> Iterator[RawItem]:
    """One item per line of a JSON Lines file with a ``text`` or ``html`` field."""
    for index, line in enumerate(lines):
        item_id = f"{file_id}/{index}"
        if line is None:
            detail = f"a line longer than {max_bytes * JSONL_LINE_FACTOR} bytes"
            yield RawItem(item_id, source, problem=Problem("too_large", detail))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("a line is not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            yield RawItem(item_id, source, problem=Problem("invalid_json", str(exc)[:200]))
            continue
        own_id = record.get("id")
        if own_id is not None and str(own_id).strip():
            item_id = f"{file_id}/{own_id}"
        url = _jsonl_url(record)
        item_source = Source(path=source.path, format=source.format, url=url)
        html, text = record.get("html"), record.get("text")
        if isinstance(html, str) and html.strip():
            body, kind = html, "html"
        elif isinstance(text, str) and text.strip():
            body, kind = text, "text"
        else:
            detail = "no non-empty 'text' or 'html' string field"
            yield RawItem(item_id, item_source, problem=Problem("empty", detail))
            continue
        encoded = body.encode("utf-8", "surrogatepass")
        if len(encoded) > max_bytes:
            detail = f"{len(encoded)} bytes, limit {max_bytes}"
            yield RawItem(item_id, item_source, problem=Problem("too_large", detail))
            continue
        yield RawItem(item_id, item_source, data=encoded, content_type=kind, declared_charset="utf-8")


def _jsonl_url(record: Mapping[str, Any]) -> str | None:
    """The page URL of a JSONL record: top-level ``url`` (C4), else ``metadata.url`` (Dolma, DataTrove)."""
    url = record.get("url")
    if not isinstance(url, str):
        meta = record.get("metadata")
        url = meta.get("url") if isinstance(meta, dict) else None
    return url if isinstance(url, str) and url.strip() else None


#: Web archive formats, read record by record with warcio.
WEB_ARCHIVE_FORMATS = ("warc", "arc")
#: HTTP media types whose bodies are HTML pages; every other response is skipped, not rejected.
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Without a Content-Type header, a body that starts like this (after white space) is taken as HTML.
_HTML_SNIFF = (b"<!doctype html", b"<html")


def media_type_and_charset(content_type: str | None) -> tuple[str | None, str | None]:
    """``("text/html", "utf-8")`` from ``text/html; charset="UTF-8"``; None for what is absent."""
    if not content_type or not content_type.strip():
        return None, None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip().lower() or None
    return media.strip().lower() or None, charset


def _strip_brackets(value: str | None) -> str | None:
    """WARC writes URIs as ``<urn:uuid:...>``; ids and URLs are kept without the brackets."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value or None


def _drain(stream: Any) -> None:
    while stream.read(1 << 16):
        pass


#: An ARC record's Archive-date: 14 digits, YYYYMMDDhhmmss (UTC).
_ARC_DATE = re.compile(r"\d{14}")


def _record_content_type(record: ArcWarcRecord) -> tuple[bool, str | None]:
    """Whether a record can hold a page, and the Content-Type that says what it holds.

    A ``response`` (WARC) or an ARC record holds the server's HTTP response: a page when its status is
    2xx. A WARC ``resource`` record holds the content itself, with no HTTP headers: that is how
    Webrecorder and other browser-based archivers store the pages they capture.
    """
    if record.rec_type == "response" and record.http_headers is not None:
        # Redirects and error pages are not documents.
        ok = record.http_headers.get_statuscode().startswith("2")
        return ok, record.http_headers.get_header("content-type")
    if record.rec_type == "resource" and record.format == "warc":
        return True, record.content_type
    return False, None


def _record_url_and_date(record: ArcWarcRecord) -> tuple[str | None, str | None]:
    """The page's URL and its fetch time (ISO 8601), from the WARC or ARC record's own header."""
    if record.format == "arc":
        url = record.rec_headers.get_header("uri")
        stamp = (record.rec_headers.get_header("archive-date") or "").strip()
        date = timestamp_to_iso_date(stamp) if _ARC_DATE.fullmatch(stamp) else None
        return _strip_brackets(url), date
    date = (record.rec_headers.get_header("WARC-Date") or "").strip()
    return _strip_brackets(record.rec_headers.get_header("WARC-Target-URI")), date or None


def _warc_record_item(record: ArcWarcRecord, item_id: str, source: Source, max_bytes: int) -> RawItem | None:
    """The item of one WARC or ARC record: None when the record is not an HTML page (skipped)."""
    holds_page, content_type = _record_content_type(record)
    if not holds_page:
        return None
    media, charset = media_type_and_charset(content_type)
    if media is not None and media not in HTML_MEDIA_TYPES:
        return None
    url, date = _record_url_and_date(record)
    item_source = Source(path=source.path, format=source.format, url=url)
    metadata = {"warc_date": date} if date else {}
    body = _read_bounded(record.content_stream(), max_bytes)
    if media is None and not body.lstrip()[:20].lower().startswith(_HTML_SNIFF):
        return None
    if len(body) > max_bytes:
        detail = f"more than {max_bytes} bytes of HTTP body"
        return RawItem(item_id, item_source, problem=Problem("too_large", detail))
    if not body.strip():
        detail = "the HTTP response has no body"
        return RawItem(item_id, item_source, problem=Problem("empty", detail), metadata=metadata)
    return RawItem(
        item_id, item_source, data=body, content_type="html", declared_charset=charset, metadata=metadata
    )


def _warc_items(
    full_path: str, file_id: str, source: Source, compression: str | None, max_bytes: int
) -> Iterator[RawItem]:
    """One item per HTML page of a WARC or ARC file, streamed record by record.

    A page is a 2xx response record with an HTML body, or a WARC resource record holding HTML. Request,
    metadata, warcinfo, revisit, the ARC version block and non-HTML or non-2xx responses are skipped.
    A record cut short (a truncated download) or a broken record ends the file with one reject; the
    records before it are kept. The file's own gzip (per record, as crawlers write it, or whole-file)
    or zstandard layer is undone here, so warcio only ever parses plain WARC or ARC. An ARC record has
    no id of its own: its 0-based place in the file stands for one.
    """
    kind = source.format or "warc"
    done = 0  # records read whole so far: the 0-based index of the next one
    record_id: str | None = None
    pages = 0
    try:
        with open_decompressed(full_path, compression) as stream:
            records = ARCIterator(stream) if kind == "arc" else ArchiveIterator(stream)
            for record in records:
                if record.format != kind:  # warcio reads junk in a WARC file as ARC headers
                    raise ValueError(f"not a {kind.upper()} record (parsed as {record.format})")
                if kind == "arc" and not (record.rec_headers.get_header("length") or "").isdigit():
                    # Any line of five words parses as an ARC header; a record has a length in bytes.
                    raise ValueError("not an ARC record: its header line has no length")
                record_id = _strip_brackets(record.rec_headers.get_header("WARC-Record-ID"))
                item_id = f"{file_id}/{record_id or done}"
                item = _warc_record_item(record, item_id, source, max_bytes)
                _drain(record.raw_stream)
                if record.raw_stream.limit > 0:
                    got = record.length - record.raw_stream.limit
                    raise EOFError(f"record ends after {got} of its {record.length} bytes")
                done += 1
                record_id = None
                if item is not None:
                    pages += 1
                    yield item
    except Exception as exc:  # noqa: BLE001 - a broken record rejects the rest of the file, never a crash
        reason, detail = _file_rejection(exc)
        if reason == "unreadable" and not isinstance(exc, OSError):
            reason = f"invalid_{kind}"
        elif isinstance(exc, EOFError) and compression is None:
            reason = f"invalid_{kind}"
        bad_id = f"{file_id}/{record_id or done}"
        yield RawItem(bad_id, source, problem=Problem(reason, detail[:300]))
        return
    if done == 0:
        detail = f"the {kind.upper()} file holds no records"
        yield RawItem(file_id, source, problem=Problem("empty", detail))
    else:
        log.debug("%s: %d HTML pages among %d records", file_id, pages, done)
