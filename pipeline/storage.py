"""Where files live: a local folder, or a prefix of an object store (``s3://bucket/prefix``, and any
other protocol fsspec knows, ``gs://`` with gcsfs) read and written through fsspec.

A location is a plain string. Local paths keep the operating system's calls (rename into place, hard
links, file locks); an object-store URL goes to fsspec, whose S3 backend (s3fs) takes the endpoint and
credentials the standard AWS way: ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, the shared config files, an instance role. S3-compatible stores (MinIO, Ceph, R2) are
an ``AWS_ENDPOINT_URL`` away.

An object store has no rename and no partial objects: an object appears whole when its one upload
completes (s3fs aborts a multipart upload that fails). So a file is written locally and uploaded to
its final key in one call (:func:`upload`); a reader never sees half of it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

#: What to install for each protocol's fsspec backend (the package's extras).
BACKENDS: dict[str, str] = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}


class MissingBackend(ImportError):
    """An object-store location whose fsspec backend is not installed."""


def is_remote(location: str | Path) -> bool:
    """Whether ``location`` is an object-store URL (``s3://...``) rather than a local path."""
    text = os.fspath(location)
    return "://" in text and not text.startswith("file://")


def protocol(location: str) -> str:
    """The URL scheme of an object-store location: ``s3`` for ``s3://bucket/key``."""
    return location.split("://", 1)[0].lower()


def _filesystem(scheme: str) -> Any:
    try:
        import fsspec
    except ImportError as exc:
        raise MissingBackend(_install_hint(scheme)) from exc
    try:
        # fsspec keeps one instance per settings and process: a task process forked by a Luigi worker
        # gets its own, since an instance's event loop does not survive a fork. Listings are never
        # cached: another host may write a key at any moment, and a stale listing would make a
        # finished file look missing (or a missing one finished).
        return fsspec.filesystem(scheme, use_listings_cache=False)
    except ImportError as exc:
        raise MissingBackend(_install_hint(scheme)) from exc


def _install_hint(scheme: str) -> str:
    extra = BACKENDS.get(scheme)
    package = f"pip install 'textclean-pipeline[{extra}]'" if extra else "the fsspec backend for it"
    return f"{scheme}:// locations need {package}"


def filesystem(location: str) -> Any:
    """The fsspec file system of an object-store location (its backend imported on first use)."""
    return _filesystem(protocol(location))


def join(base: str | Path, *names: str) -> str:
    """``base`` with ``names`` appended, ``/``-separated (a local path or a URL alike)."""
    text = os.fspath(base)
    if is_remote(text):
        return posixpath.join(text.rstrip("/") or text, *names)
    return os.path.join(text, *names)


def name(location: str | Path) -> str:
    """The last component of a location: ``part-00000.jsonl`` of ``s3://b/out/part-00000.jsonl``."""
    return posixpath.basename(os.fspath(location).rstrip("/"))


def parent(location: str | Path) -> str:
    """The folder (or prefix) that holds ``location``."""
    text = os.fspath(location)
    if is_remote(text):
        return posixpath.dirname(text.rstrip("/"))
    return os.path.dirname(text)


def sibling(location: str | Path, other: str) -> str:
    """The location named ``other`` beside ``location``."""
    return join(parent(location), other)


def open_read(location: str | Path) -> BinaryIO:
    """A binary stream of a file, read as it is consumed (an object is fetched in ranges, never whole)."""
    text = os.fspath(location)
    if is_remote(text):
        stream: BinaryIO = filesystem(text).open(text, "rb")
        return stream
    return open(text, "rb")


def read_bytes(location: str | Path) -> bytes:
    """A whole (small) file."""
    with open_read(location) as stream:
        return stream.read()


def upload(local: str | Path, location: str) -> None:
    """Put the local file ``local`` at the object-store ``location`` in one upload (whole or not at all)."""
    filesystem(location).put_file(os.fspath(local), location)


def exists(location: str | Path) -> bool:
    """Whether a file (or a folder, or a prefix with objects under it) is there."""
    text = os.fspath(location)
    if is_remote(text):
        return bool(filesystem(text).exists(text))
    return os.path.exists(text)


def is_dir(location: str | Path) -> bool:
    """Whether ``location`` is a folder (locally) or a prefix with objects under it."""
    text = os.fspath(location)
    if is_remote(text):
        return bool(filesystem(text).isdir(text))
    return os.path.isdir(text)


def same_location(a: str | Path, b: str | Path) -> bool:
    """Whether two locations name the same folder (local paths resolved, URLs compared as written)."""
    if is_remote(a) or is_remote(b):
        return os.fspath(a).rstrip("/") == os.fspath(b).rstrip("/")
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


@dataclass(frozen=True, slots=True)
class Listed:
    """One object under a prefix: its key relative to the prefix, its size and its version tag."""

    path: str
    size: int
    version: str


def list_objects(prefix: str) -> Iterator[Listed]:
    """Every object under ``prefix``, from one recursive listing (no request per object).

    The version tag is the object's ETag (or, for a store without one, its modification time): what
    changes when the object is written again.
    """
    fs = filesystem(prefix)
    root = fs._strip_protocol(prefix).rstrip("/")
    for key, info in sorted(fs.find(prefix, detail=True).items()):
        if info.get("type") == "directory":
            continue
        relative = key[len(root) + 1 :] if key.startswith(root + "/") else key
        tag = info.get("ETag") or info.get("etag") or info.get("LastModified") or info.get("mtime") or ""
        yield Listed(relative, int(info.get("size") or 0), str(tag).strip('"'))


def _entries(folder: str) -> list[dict[str, Any]]:
    """The objects and prefixes directly under ``folder``, with their details (none when it has none)."""
    try:
        entries: list[dict[str, Any]] = filesystem(folder).ls(folder, detail=True)
    except FileNotFoundError:
        return []
    return entries


def list_names(folder: str) -> list[str]:
    """The names of the objects directly under ``folder`` (none when it has none)."""
    return sorted(posixpath.basename(e["name"]) for e in _entries(folder) if e.get("type") != "directory")


def list_folders(folder: str) -> list[str]:
    """The names of the prefixes directly under ``folder`` (none when it has none)."""
    names = (e["name"].rstrip("/") for e in _entries(folder) if e.get("type") == "directory")
    return sorted(posixpath.basename(name) for name in names)


def remove(location: str) -> None:
    """Delete one object (nothing when it is not there)."""
    try:
        filesystem(location).rm_file(location)
    except FileNotFoundError:
        pass


def copy(source: str, destination: str) -> None:
    """Copy one object to another key inside the store (a server-side copy: it appears whole)."""
    filesystem(source).copy(source, destination)
