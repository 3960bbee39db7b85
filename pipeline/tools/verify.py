"""Check an output folder: the manifest's counts, every part parses, ids unique, records match the schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import storage
from pipeline.compression import DAMAGED
from pipeline.run.files import exists
from pipeline.tools.output import (
    NotAnOutputFolder,
    output_schema,
    part_paths,
    read_manifest,
    read_records,
    rejects_path,
)

#: What reading a damaged part or rejects file raises: I/O, JSON, compression.
_UNREADABLE: tuple[type[BaseException], ...] = (OSError, ValueError, *DAMAGED)
#: Problems reported in full before the rest are only counted.
MAX_REPORTED = 20


@lru_cache(maxsize=2)
def _validator(kind: str) -> Any:
    """A validator for the shipped schema of a clean record or of a reject line."""
    import jsonschema

    return jsonschema.Draft202012Validator(output_schema(kind))


def _records(path: str, problems: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from enumerate(read_records(path), start=1)
    except _UNREADABLE as exc:
        problems.append(f"{storage.name(path)}: cannot be read to the end: {type(exc).__name__}: {exc}")


def verify_output(out_dir: str | Path) -> list[str]:
    """Every problem found in an output folder, as readable sentences; empty when all is well."""
    out = os.fspath(out_dir)
    problems: list[str] = []
    try:
        manifest = read_manifest(out)
    except NotAnOutputFolder as exc:
        return [str(exc)]
    counts = manifest.get("counts", {})
    if counts.get("input") != counts.get("clean", 0) + counts.get("rejected", 0):
        problems.append(f"counts do not add up: {counts}")
    ids: dict[str, str] = {}
    clean = rejected = 0
    record_schema, reject_schema = _validator("clean"), _validator("rejected")

    def check_id(doc_id: Any, where: str) -> None:
        if not isinstance(doc_id, str):
            problems.append(f"{where}: id is missing or not a string")
        elif doc_id in ids:
            problems.append(f"{where}: id {doc_id!r} also in {ids[doc_id]}")
        else:
            ids[doc_id] = where

    for part, path in part_paths(out, manifest):
        if not exists(path):
            problems.append(f"part {part} is listed in the manifest but missing")
            continue
        for number, record in _records(path, problems):
            clean += 1
            where = f"{part}:{number}"
            check_id(record.get("id"), where)
            for error in record_schema.iter_errors(record):
                problems.append(f"{where}: {error.message} at {'/'.join(map(str, error.absolute_path))}")
            if record.get("text") != "\n\n".join(record.get("paragraphs") or []):
                problems.append(f"{where}: text is not its paragraphs joined by blank lines")
    rejects = rejects_path(out, manifest)
    rejected_name = storage.name(rejects)
    if exists(rejects):
        for number, record in _records(rejects, problems):
            rejected += 1
            where = f"{rejected_name}:{number}"
            check_id(record.get("id"), where)
            for error in reject_schema.iter_errors(record):
                problems.append(f"{where}: {error.message}")
    else:
        problems.append(f"{rejected_name} is missing")
    if clean != counts.get("clean"):
        problems.append(f"the parts hold {clean} records, the manifest says {counts.get('clean')}")
    if rejected != counts.get("rejected"):
        problems.append(f"{rejected_name} holds {rejected} lines, the manifest says {counts.get('rejected')}")
    if len(problems) > MAX_REPORTED:
        problems = problems[:MAX_REPORTED] + [f"... and {len(problems) - MAX_REPORTED} more problems"]
    return problems
