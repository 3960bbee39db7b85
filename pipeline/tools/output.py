"""The one reader of an output folder, for ``stats``, ``inspect``, ``report``, ``verify`` and the command
line: its manifest, clean records and rejects, the run's stage files behind them, and the JSON Schema
of what it holds; a local folder or an object-store prefix alike. Every file is read through
:mod:`pipeline.run.files`, every name comes from :mod:`pipeline.run.layout`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline import storage
from pipeline.config import PACKAGE_DIR
from pipeline.document import Document
from pipeline.run import layout
from pipeline.run.files import (
    exists,
    list_names,
    modified_ns,
    read_bytes,
    read_json,
    read_jsonl,
    read_stage_file,
    same_file,
)
from pipeline.run.plan import SHARD_LOCAL_STAGES

#: JSON Schema of a clean record; its ``$defs/rejected`` describes a line of ``rejected.jsonl``.
SCHEMA_PATH = PACKAGE_DIR / "schema.json"


class NotAnOutputFolder(ValueError):
    """The folder has no readable ``manifest.json``: the run never finished there, or it is not one."""


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The folder's manifest, or :class:`NotAnOutputFolder` when there is none."""
    path = layout.manifest_file(out_dir)
    try:
        manifest: dict[str, Any] = read_json(path)
    except FileNotFoundError as exc:
        raise NotAnOutputFolder(
            f"{path} does not exist: the run did not finish, or this is not an output folder"
        ) from exc
    except (OSError, ValueError) as exc:
        raise NotAnOutputFolder(f"{path} is not a readable manifest: {exc}") from exc
    return manifest


def part_paths(out_dir: str | Path, manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every part the manifest lists: its name and its path."""
    return [(part, storage.join(out_dir, part)) for part in manifest.get("parts", [])]


def rejects_path(out_dir: str | Path, manifest: Mapping[str, Any]) -> str:
    """The folder's rejects file."""
    return storage.join(out_dir, manifest.get("rejected", layout.REJECTED))


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of one part or rejects file."""
    return read_jsonl(path)


def iter_clean(
    out_dir: str | Path, manifest: dict[str, Any] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every clean record of the folder, with the name of the part file that holds it."""
    manifest = manifest if manifest is not None else read_manifest(out_dir)
    for part, path in part_paths(out_dir, manifest):
        for record in read_records(path):
            yield part, record


def iter_rejects(out_dir: str | Path, manifest: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every line of the folder's rejects file."""
    manifest = manifest if manifest is not None else read_manifest(out_dir)
    path = rejects_path(out_dir, manifest)
    if exists(path):
        yield from read_records(path)


def part_origin(out_dir: str | Path, part: str) -> tuple[int, str] | None:
    """The shard that wrote the published ``part`` and the 16-hex digest of its stage files, from the
    writer's stats (each lists its shard's parts; a shard cut by the part-size cap has several), or
    None when the run's files are gone. A folder keeps stale shards' files too: the part itself says
    which is its own (the same file, hard-linked, or the same bytes where it was copied, as always in
    an object store)."""
    published = storage.join(out_dir, part)
    if not exists(published):
        return None
    folder = storage.join(layout.stages_dir(out_dir), layout.WRITE)
    copies = []
    for stats_name in list_names(folder):
        if not stats_name.endswith(layout.STATS_SUFFIX):
            continue
        origin = layout.shard_of(stats_name)
        try:
            names = read_json(storage.join(folder, stats_name)).get("parts") or []
        except (OSError, ValueError):
            continue
        for name in names:
            written = storage.join(folder, name)
            if same_file(written, published):
                return origin
            copies.append((written, origin))
    content = read_bytes(published)
    same = []
    for written, origin in copies:
        try:
            if read_bytes(written) == content:
                same.append((modified_ns(written), origin))
        except OSError:
            continue
    return max(same)[1] if same else None


def stage_document(out_dir: str | Path, stage: str, shard: int, digest: str, doc_id: str) -> Document | None:
    """A document as ``stage`` wrote it for one shard of the batch whose (16-hex) shard ``digest`` it
    is, when the run's stage file is still there (``run --keep-stages``)."""
    if stage in SHARD_LOCAL_STAGES:
        try:
            shards = read_json(layout.batch_record_file(out_dir))["shards"]
        except (OSError, ValueError, KeyError):
            return None
        own = [o for index, d, o in shards if index == shard and d == digest[:16]]
        if not own:
            return None
        digest = own[0]
    path = layout.stage_file(out_dir, stage, shard, digest)
    if not exists(path):
        return None
    return next((d for d in read_stage_file(path) if d.id == doc_id), None)


def output_schema(kind: str = "clean") -> dict[str, Any]:
    """The JSON Schema of a clean record (``kind="clean"``) or of a reject line (``kind="rejected"``)."""
    schema: dict[str, Any] = read_json(SCHEMA_PATH)
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
