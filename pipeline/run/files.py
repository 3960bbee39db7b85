"""Files out: JSON Lines (plain, gzip, zstandard) written atomically, the manifest, the rejects.

Every file is written to a temporary name in the same folder and renamed into place only once it
is complete, so a killed run never leaves a file that looks finished. Compressed output is
byte-for-byte reproducible (gzip without a timestamp or name in its header).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import orjson
import zstandard

from pipeline.document import Document, document_from_dict, document_to_dict, dumps

TEMP_PREFIX = ".tmp-"
#: JSON Schema of a clean record; its ``$defs/rejected`` describes a line of ``rejected.jsonl``.
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.json"


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
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


@contextmanager
def _open_write(path: Path, name: str) -> Iterator[Any]:
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


def _open_read(path: Path) -> Any:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.name.endswith(".zst"):
        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


def _json_line(record: Mapping[str, Any]) -> bytes:
    return dumps(record).encode("utf-8")


def write_jsonl(
    path: str | Path, records: Iterable[Mapping[str, Any]], encode: Callable[[Any], bytes] = _json_line
) -> int:
    """Write ``records`` as JSON Lines to ``path`` atomically (compressed by extension); count them."""
    count = 0
    target = Path(path)
    with atomic_path(target) as tmp, _open_write(tmp, target.name) as handle:
        for record in records:
            handle.write(encode(record))
            handle.write(b"\n")
            count += 1
    return count


def write_jsonl_parts(
    path_of: Callable[[int], Path],
    records: Iterable[Mapping[str, Any]],
    max_records: int = 0,
    max_bytes: int = 0,
) -> list[tuple[Path, int]]:
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
                    _open_write(stack.enter_context(atomic_path(target)), target.name)
                )
                counts.append(0)
                size = 0
            handle.write(line)
            counts[-1] += 1
            size += len(line)
        if handle is None:
            target = path_of(0)
            stack.enter_context(_open_write(stack.enter_context(atomic_path(target)), target.name))
            counts.append(0)
    return [(path_of(index), count) for index, count in enumerate(counts)]


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines file (plain, .gz or .zst)."""
    with _open_read(Path(path)) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def write_stage_file(path: str | Path, docs: Iterable[Document]) -> int:
    """Write documents in their internal form (between stages), atomically.

    The files between stages are written and read once a stage, the raw markup of an HTML batch
    among them: orjson, not the standard library, encodes and parses them (3000 HTML pages: about
    4 process-seconds less a run, docs/benchmarks.md). The public files keep ``json``'s formatting.
    """
    return write_jsonl(path, (document_to_dict(doc) for doc in docs), encode=_orjson_line)


def _orjson_line(record: Mapping[str, Any]) -> bytes:
    # json writes a numpy float as the float it is; orjson needs to be told.
    return orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY)


def read_stage_file(path: str | Path) -> Iterator[Document]:
    """Read documents written by :func:`write_stage_file`."""
    with _open_read(Path(path)) as raw:
        for line in raw:
            if line.strip():
                yield document_from_dict(orjson.loads(line))


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write one pretty, key-sorted JSON object atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def output_schema(kind: str = "clean") -> dict[str, Any]:
    """The JSON Schema of a clean record (``kind="clean"``) or of a reject line (``kind="rejected"``)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    if kind == "clean":
        return schema
    if kind == "rejected":
        return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/rejected"}
    raise ValueError(f"kind must be 'clean' or 'rejected', not {kind!r}")


_ARROW_TYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool"}


def _feature(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """The HF ``datasets`` feature of one JSON Schema node (nullable scalars become plain values)."""
    from datasets import Value

    if "$ref" in spec:
        return _feature(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    kinds = spec.get("type") or ["string"]  # an enum of strings
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"] or ["string"]
    if kinds[0] == "array":
        return [_feature(spec.get("items", {}), defs)]
    if kinds[0] == "object":
        return {name: _feature(sub, defs) for name, sub in spec.get("properties", {}).items()}
    return Value(_ARROW_TYPES[kinds[0]])


def hf_features() -> Any:
    """``datasets.Features`` of a clean record, from the shipped schema (needs the ``datasets`` package).

    ``load_dataset("json", ...)`` guesses each column's type from the first rows of the first file,
    and a column that is null there (``warc_date`` in a corpus whose first part holds no WARC pages)
    then fails on the first non-null value; passing ``features=hf_features()`` avoids the guess.
    """
    from datasets import Features

    schema = output_schema("clean")
    return Features(_feature(schema, schema["$defs"]))
