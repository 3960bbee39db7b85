"""Compressed files: one way to open a file for reading or writing, plain, gzip (``.gz``) or zstandard
(``.zst``), whether it is a raw input or a part or stage file of a run.

Reading undoes every gzip member and every zstandard frame in turn, and data that ends inside one is an
error (:data:`DAMAGED`), never a silently shorter file. Writing is byte-for-byte reproducible (gzip
without a timestamp or name in its header).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from pipeline import storage

#: The compressions by file-name suffix.
SUFFIXES: tuple[str, ...] = (".gz", ".zst")


class _Lines:
    """Line iteration (``for line in stream``) over a reader's ``read``, for the decompressing readers."""

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError

    def __iter__(self) -> Iterator[bytes]:
        pending = b""
        while chunk := self.read(1 << 20):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                yield line + b"\n"
        if pending:
            yield pending


class ZstdReader(_Lines):
    """A read-only stream over zstandard data: every frame in turn, and an error when it is cut short.

    ``zstandard``'s own ``stream_reader`` returns a truncated frame's bytes without complaint, which
    would let a half-copied ``.zst`` file pass as a shorter document; this reader raises instead.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._buffer = b""
        self._in_frame = False
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` decompressed bytes (all the rest when ``size`` < 0); b"" at the end."""
        while size < 0 or len(self._buffer) < size:
            chunk = self._raw.read(1 << 17)
            if not chunk:
                if self._in_frame and not self._buffer:
                    raise zstandard.ZstdError("zstandard data ends inside a frame (truncated file)")
                break
            self._feed(chunk)
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self._pos += len(out)
        return out

    def _feed(self, chunk: bytes) -> None:
        while chunk:
            self._in_frame = True
            self._buffer += self._obj.decompress(chunk)
            if not self._obj.eof:
                return
            self._in_frame = False
            chunk = self._obj.unused_data
            self._obj = self._dctx.decompressobj()

    def tell(self) -> int:
        """Decompressed bytes handed out so far."""
        return self._pos

    def close(self) -> None:
        """Close the underlying file."""
        self._raw.close()

    def __enter__(self) -> ZstdReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TruncatedError(Exception):
    """Compressed data that ends before its end marker (a file cut short)."""


class _GzipReader(_Lines):
    """``gzip.open`` whose "ended before the end-of-stream marker" is a :class:`TruncatedError`.

    gzip signals a cut file with ``EOFError``, which warcio takes for a clean end of the archive.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._stream = gzip.GzipFile(fileobj=raw, mode="rb")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` decompressed bytes; as few as one gzip read gives, so none are lost to damage."""
        try:
            return self._stream.read1(size) if size > 0 else self._stream.read()
        except EOFError as exc:
            raise TruncatedError(f"gzip: {exc}") from exc

    def tell(self) -> int:
        """Decompressed bytes handed out so far."""
        return self._stream.tell()

    def close(self) -> None:
        """Close the file."""
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> _GzipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What reading damaged compressed data raises: a cut gzip member or zstandard frame, a bad header.
DAMAGED: tuple[type[BaseException], ...] = (
    EOFError,
    TruncatedError,
    gzip.BadGzipFile,
    zlib.error,
    zstandard.ZstdError,
)


def compression_of(name: str) -> str | None:
    """The compression suffix a file name ends with (``.gz``, ``.zst``), or None."""
    return next((suffix for suffix in SUFFIXES if name.lower().endswith(suffix)), None)


def open_decompressed(path: str | Path, compression: str | None = None) -> Any:
    """A binary stream of a file's decompressed bytes (gzip members and zstandard frames in turn), local
    or in an object store (:mod:`pipeline.storage`), read as it is consumed.

    ``compression`` is the suffix that says how the file is compressed; by default its name's.
    """
    if compression is None:
        compression = compression_of(storage.name(path))
    raw = storage.open_read(path)
    if compression == ".gz":
        return _GzipReader(raw)
    if compression == ".zst":
        return ZstdReader(raw)
    return raw


@contextmanager
def open_compressed(path: Path, name: str) -> Iterator[Any]:
    """Open ``path`` for writing, compressed as the final file ``name`` says (.gz, .zst or none)."""
    with open(path, "wb") as raw:
        if name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as stream:
                yield stream
        elif name.endswith(".zst"):
            with zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False) as zstream:
                yield zstream
        else:
            yield raw
