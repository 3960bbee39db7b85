"""Every read and write of a run's files, and of the tools that read an output folder: JSON Lines
(plain, gzip, zstandard), stage files of documents, JSON objects, Luigi targets; in a local folder or
under an object-store prefix (:mod:`pipeline.storage`).

A file never looks finished before it is. Locally it is written to a temporary name in the same
folder and renamed into place once complete. An object store has no rename: the file is written to a
local temporary file and uploaded to its final key in one upload, so the object appears whole or not
at all, and nothing is ever stored under a temporary key. Compressed output is byte-for-byte
reproducible (:mod:`pipeline.compression`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import luigi
import orjson

from pipeline import storage
from pipeline.compression import open_compressed, open_decompressed
from pipeline.document import Document, document_from_dict, document_to_dict, dumps

TEMP_PREFIX = ".tmp-"


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a local temporary path; if the block succeeds, it becomes ``path`` in one step.

    A local ``path`` gets a temporary file beside it, renamed onto it. An object-store ``path`` gets
    one in the local temporary folder, uploaded to its key.
    """
    if storage.is_remote(path):
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{storage.name(path)}.")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            yield tmp
            storage.upload(tmp, os.fspath(path))
        finally:
            tmp.unlink(missing_ok=True)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode())  # mkstemp creates 0600 files; outputs are for other users too
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _json_line(record: Mapping[str, Any]) -> bytes:
    return dumps(record).encode("utf-8")


#: Encoded records go to the (compressing) file in runs of at least this many bytes. The stage files are
#: written while the stage runs, and a zstandard write per record, between documents, cost 1.68 CPU-s
#: over the stage tasks of a 600-page HTML run against 1.14 s in runs of 1 MB (the same bytes).
WRITE_RUN_BYTES = 1 << 20


def write_jsonl(
    path: str | Path, records: Iterable[Mapping[str, Any]], encode: Callable[[Any], bytes] = _json_line
) -> int:
    """Write ``records`` as JSON Lines to ``path`` atomically (compressed by extension); count them."""
    count = 0
    run: list[bytes] = []
    size = 0
    with atomic_path(path) as tmp, open_compressed(tmp, storage.name(path)) as handle:
        for record in records:
            line = encode(record)
            run += (line, b"\n")
            size += len(line) + 1
            count += 1
            if size >= WRITE_RUN_BYTES:
                handle.write(b"".join(run))
                run.clear()
                size = 0
        handle.write(b"".join(run))
    return count


def write_jsonl_parts(
    path_of: Callable[[int], str],
    records: Iterable[Mapping[str, Any]],
    max_records: int = 0,
    max_bytes: int = 0,
) -> list[tuple[str, int]]:
    """Write ``records`` as JSON Lines over parts ``path_of(0)``, ``path_of(1)``, ... atomically.

    A new part starts when the current one would exceed ``max_records`` records or ``max_bytes`` bytes
    of JSON Lines (before compression); 0 means no cap. A record larger than ``max_bytes`` gets a part
    of its own. The split depends only on the records, so it is the same on every run. Part 0 is
    always written, empty when there are no records. Returns each part's path and record count.
    """
    counts: list[int] = []
    size = 0
    stack = ExitStack()
    with stack:
        handle = None
        for record in records:
            line = dumps(record).encode("utf-8") + b"\n"
            if (
                handle is not None
                and counts[-1]
                and (
                    (max_records and counts[-1] + 1 > max_records)
                    or (max_bytes and size + len(line) > max_bytes)
                )
            ):
                stack.close()  # the part is complete: compress its tail and rename it into place
                handle = None
            if handle is None:
                target = path_of(len(counts))
                handle = stack.enter_context(
                    open_compressed(stack.enter_context(atomic_path(target)), storage.name(target))
                )
                counts.append(0)
                size = 0
            handle.write(line)
            counts[-1] += 1
            size += len(line)
        if handle is None:
            target = path_of(0)
            stack.enter_context(
                open_compressed(stack.enter_context(atomic_path(target)), storage.name(target))
            )
            counts.append(0)
    return [(path_of(index), count) for index, count in enumerate(counts)]


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines file (plain, .gz or .zst)."""
    with open_decompressed(path) as raw:
        for line in raw:
            if line.strip():
                yield json.loads(line)


def write_stage_file(path: str | Path, docs: Iterable[Document]) -> int:
    """Write documents in their internal form (between stages), atomically.

    The files between stages are written and read once a stage, the raw markup of an HTML batch
    among them: orjson, not the standard library, encodes and parses them (a 250-page HTML stage file,
    35 MB, is parsed in 0.11 s against json's 0.29 s; a later stage file is written in 0.005 s against
    0.03 s, the same lines). The public files keep ``json``'s formatting.
    """
    return write_jsonl(path, (document_to_dict(doc) for doc in docs), encode=_orjson_line)


def _orjson_line(record: Mapping[str, Any]) -> bytes:
    # json writes a numpy float as the float it is; orjson needs to be told.
    return orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY)


def read_stage_file(path: str | Path) -> Iterator[Document]:
    """Read documents written by :func:`write_stage_file`."""
    with open_decompressed(path) as raw:
        for line in raw:
            if line.strip():
                yield document_from_dict(orjson.loads(line))


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write one pretty, key-sorted JSON object atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def read_json(path: str | Path) -> Any:
    """One JSON value from a file."""
    return json.loads(storage.read_bytes(path).decode("utf-8"))


def count_lines(path: str | Path) -> int:
    """The number of lines of a file (plain, .gz or .zst)."""
    with open_decompressed(path) as handle:
        return sum(1 for _ in handle)


def exists(path: str | Path) -> bool:
    """Whether a file is there."""
    return storage.exists(path)


def read_bytes(path: str | Path) -> bytes:
    """A whole (small) file."""
    return storage.read_bytes(path)


def _scan(folder: str | Path) -> list[os.DirEntry[str]]:
    """The entries directly in a local ``folder`` (none when there is no such folder)."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except FileNotFoundError:
        return []


def list_names(folder: str | Path) -> list[str]:
    """The names of the files directly in ``folder``, sorted (none when there is no such folder)."""
    if storage.is_remote(folder):
        return storage.list_names(os.fspath(folder))
    return sorted(entry.name for entry in _scan(folder) if entry.is_file())


def modified_ns(path: str | Path) -> int:
    """When a file was last written, in nanoseconds since the epoch."""
    if storage.is_remote(path):
        return int(storage.filesystem(os.fspath(path)).modified(os.fspath(path)).timestamp() * 1e9)
    return os.stat(path).st_mtime_ns


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths are one file (a hard link of the other); never so in an object store."""
    if storage.is_remote(a) or storage.is_remote(b):
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class ObjectTarget(luigi.Target):
    """A Luigi target in an object store: it exists once its object does (uploaded whole, see above)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def exists(self) -> bool:
        return storage.exists(self.path)


#: The target of a file of the run, local or in an object store: both have ``path`` and ``exists()``.
FileTarget = luigi.LocalTarget | ObjectTarget


def target(path: str | Path) -> FileTarget:
    """The Luigi target of a file of the run."""
    if storage.is_remote(path):
        return ObjectTarget(os.fspath(path))
    return luigi.LocalTarget(os.fspath(path))


def link_or_copy(source: str | Path, destination: str | Path) -> None:
    """Publish ``source`` at ``destination`` atomically: a hard link where the file system allows one,
    a server-side copy in an object store."""
    if storage.is_remote(destination):
        storage.copy(os.fspath(source), os.fspath(destination))
        return
    with atomic_path(destination) as tmp:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            tmp.write_bytes(Path(source).read_bytes())


def remove_files(folder: str | Path, keep: Callable[[str], bool]) -> None:
    """Delete the files directly in ``folder`` whose name ``keep`` refuses."""
    if storage.is_remote(folder):
        for name in storage.list_names(os.fspath(folder)):
            if not keep(name):
                storage.remove(storage.join(folder, name))
        return
    for path in Path(folder).iterdir():
        if path.is_file() and not keep(path.name):
            path.unlink()


def list_tree(folder: str | Path) -> list[tuple[str, int]]:
    """Every file under ``folder`` at any depth: its path relative to it (``/``-separated) and its size,
    sorted (none when there is no such folder)."""
    if storage.is_remote(folder):
        return [(obj.path, obj.size) for obj in storage.list_objects(os.fspath(folder))]
    found = []
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                size = os.stat(path).st_size
            except FileNotFoundError:
                continue
            found.append((os.path.relpath(path, folder).replace(os.sep, "/"), size))
    return sorted(found)


def list_folders(folder: str | Path) -> list[str]:
    """The names of the folders (or prefixes) directly in ``folder``, sorted."""
    if storage.is_remote(folder):
        return storage.list_folders(os.fspath(folder))
    return sorted(entry.name for entry in _scan(folder) if entry.is_dir())


def remove(path: str | Path) -> None:
    """Delete one file (nothing when it is not there)."""
    if storage.is_remote(path):
        storage.remove(os.fspath(path))
    else:
        Path(path).unlink(missing_ok=True)


def remove_empty_folders(folder: str | Path) -> None:
    """Delete the empty folders under ``folder`` (an object store has no folders: nothing to do)."""
    if storage.is_remote(folder):
        return
    for dirpath, _, _ in sorted(os.walk(folder), key=lambda entry: entry[0], reverse=True):
        if dirpath != os.fspath(folder) and not os.listdir(dirpath):
            os.rmdir(dirpath)


def remove_stale_temporaries(out_dir: str | Path) -> int:
    """Delete temporary files a killed run left behind (never output: they were never renamed).

    An object store holds none: its files are uploaded to their final key only once complete.
    """
    if storage.is_remote(out_dir):
        return 0
    removed = 0
    for tmp in Path(out_dir).rglob(f"{TEMP_PREFIX}*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
