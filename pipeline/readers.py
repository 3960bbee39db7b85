"""Raw inputs -> raw items: which files are input, their ids, and their (decompressed) bytes.

Nothing here decodes text; :mod:`pipeline.encoding` turns bytes into text. Every problem with a file
(unknown extension, unreadable, corrupt compression, too large, empty) becomes a rejected item with a
reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from pipeline.document import Rejection, Source

STAGE = "read"

#: File extension -> input format (see INTERFACE.md).
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".warc": "warc",
}
COMPRESSIONS: tuple[str, ...] = (".gz", ".zst")


@dataclass(frozen=True, slots=True)
class RawFile:
    """One input file as found on disk: path relative to the raw folder, size and mtime."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class RawItem:
    """One document's bytes before decoding, or the reason it has none."""

    id: str
    source: Source
    data: bytes = b""
    content_type: str = "text"
    declared_charset: str | None = None
    rejection: Rejection | None = None


def discover(raw_dir: str | Path) -> list[RawFile]:
    """Every regular file (or link) under ``raw_dir``, recursively, hidden ones skipped, sorted by path."""
    root = Path(raw_dir)
    found: list[RawFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            full = Path(dirpath) / name
            try:
                st = full.stat()
            except OSError:
                st = full.lstat()  # a dangling link is still an input: it becomes a reject
            rel = full.relative_to(root).as_posix()
            found.append(RawFile(rel, st.st_size, st.st_mtime_ns))
    found.sort(key=lambda f: f.path)
    return found


def split_name(path: str) -> tuple[str, str | None, str | None]:
    """``(id, format, compression)`` of a relative path: ``a/b.html.gz`` -> ``("a/b", "html", ".gz")``."""
    stem, compression = path, None
    for ext in COMPRESSIONS:
        if stem.lower().endswith(ext):
            stem, compression = stem[: -len(ext)], ext
            break
    for ext, fmt in FORMATS.items():
        if stem.lower().endswith(ext):
            return stem[: -len(ext)], fmt, compression
    return stem, None, compression


def _read_bounded(stream: BinaryIO | gzip.GzipFile | Any, limit: int) -> bytes:
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


def read_file_bytes(full_path: Path, compression: str | None, limit: int) -> bytes:
    """The decompressed bytes of a file, at most ``limit + 1`` of them."""
    with open(full_path, "rb") as raw:
        if compression == ".gz":
            with gzip.GzipFile(fileobj=raw) as stream:
                return _read_bounded(stream, limit)
        if compression == ".zst":
            with zstandard.ZstdDecompressor().stream_reader(raw) as stream:
                return _read_bounded(stream, limit)
        return _read_bounded(raw, limit)


def _file_rejection(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error, zstandard.ZstdError)):
        return "corrupt_compression", f"{type(exc).__name__}: {exc}"
    if isinstance(exc, OSError):
        return "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"
    return "unreadable", f"{type(exc).__name__}: {exc}"


def read_items(raw_dir: str | Path, path: str, max_bytes: int) -> Iterator[RawItem]:
    """The raw items of one input file: one for .txt/.html, one per line for .jsonl."""
    doc_id, fmt, compression = split_name(path)
    source = Source(path=path, format=fmt)
    if fmt is None:
        yield RawItem(
            doc_id, source, rejection=Rejection(STAGE, "unsupported_format", f"unknown extension: {path}")
        )
        return
    container_limit = max_bytes if fmt in ("text", "html") else max_bytes * 64
    try:
        data = read_file_bytes(Path(raw_dir) / path, compression, container_limit)
    except Exception as exc:  # noqa: BLE001 - every failure to read is a reject, never a crash
        reason, detail = _file_rejection(exc)
        yield RawItem(doc_id, source, rejection=Rejection(STAGE, reason, detail))
        return
    if len(data) > container_limit:
        detail = f"more than {container_limit} bytes after decompression"
        yield RawItem(doc_id, source, rejection=Rejection(STAGE, "too_large", detail))
        return
    if fmt == "jsonl":
        yield from _jsonl_items(doc_id, source, data, max_bytes)
        return
    if fmt == "warc":
        detail = "WARC input is not supported by this version"
        yield RawItem(doc_id, source, rejection=Rejection(STAGE, "unsupported_format", detail))
        return
    if not data.strip():
        yield RawItem(doc_id, source, rejection=Rejection(STAGE, "empty", "the file holds no text"))
        return
    yield RawItem(doc_id, source, data=data, content_type=fmt)


def _jsonl_items(file_id: str, source: Source, data: bytes, max_bytes: int) -> Iterator[RawItem]:
    """One item per line of a JSON Lines file with a ``text`` or ``html`` field."""
    for index, line in enumerate(data.splitlines()):
        if not line.strip():
            continue
        item_id = f"{file_id}/{index}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("a line is not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            yield RawItem(item_id, source, rejection=Rejection(STAGE, "invalid_json", str(exc)[:200]))
            continue
        own_id = record.get("id")
        if own_id is not None and str(own_id).strip():
            item_id = f"{file_id}/{own_id}"
        url = record.get("url") if isinstance(record.get("url"), str) else None
        item_source = Source(path=source.path, format=source.format, url=url)
        html, text = record.get("html"), record.get("text")
        if isinstance(html, str) and html.strip():
            body, kind = html, "html"
        elif isinstance(text, str) and text.strip():
            body, kind = text, "text"
        else:
            detail = "no non-empty 'text' or 'html' string field"
            yield RawItem(item_id, item_source, rejection=Rejection(STAGE, "empty", detail))
            continue
        encoded = body.encode("utf-8", "surrogatepass")
        if len(encoded) > max_bytes:
            detail = f"{len(encoded)} bytes, limit {max_bytes}"
            yield RawItem(item_id, item_source, rejection=Rejection(STAGE, "too_large", detail))
            continue
        yield RawItem(item_id, item_source, data=encoded, content_type=kind, declared_charset="utf-8")
