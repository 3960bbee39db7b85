"""Batch-level bookkeeping without Luigi: shard planning, fingerprints, and assembling the output folder."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.clean.chain import STAGES
from pipeline.clean.readers import RawFile, discover, split_name
from pipeline.config import Config
from pipeline.document import Document, clean_record, reject_record
from pipeline.run.files import (
    TEMP_PREFIX,
    atomic_path,
    read_jsonl,
    write_json,
    write_jsonl,
    write_jsonl_parts,
)

MANIFEST = "manifest.json"
REJECTED = "rejected.jsonl"
STAGES_DIR = "_stages"
#: File-name suffix of each output compression.
COMPRESSION_SUFFIX = {"none": "", "gzip": ".gz", "zstd": ".zst"}
_PART_NAME = re.compile(r"^part-\d{5}\.jsonl(?:\.gz|\.zst)?$")


@dataclass(frozen=True, slots=True)
class Shard:
    """A fixed group of input files processed together by one task per stage."""

    index: int
    #: The shard's input paths relative to the raw folder (sizes and times are in the digest only:
    #: the plan of a batch stays in memory for the whole run).
    paths: tuple[str, ...]
    digest: str


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def plan_shards(raw_dir: str | Path, config: Config, out_dir: str | Path | None = None) -> list[Shard]:
    """Group the raw folder's files, ordered by document id then path, into shards of ``input.shard_files``.

    Files below ``out_dir``, the batch's output folder, are never input (it may lie inside the raw
    folder).

    Files that give the same id (``a.txt`` and ``a.html``) always share a shard, so the reader can
    keep the first and reject the others as ``duplicate_id``. A shard's digest covers the batch's files
    (path, size, mtime) and the settings, so a changed input or setting gives new intermediate file
    names and stale ones are never reused.
    """
    files = sorted(discover(raw_dir, exclude=out_dir), key=lambda f: (split_name(f.path)[0], f.path))
    size = config.input.shard_files
    config_digest = config.digest()
    chunks: list[list[RawFile]] = []
    previous_id = None
    for f in files:
        doc_id = split_name(f.path)[0]
        if not chunks or (len(chunks[-1]) >= size and doc_id != previous_id):
            chunks.append([])
        chunks[-1].append(f)
        previous_id = doc_id
    # Learned boilerplate and duplicates make every shard's output depend on the whole batch, so each
    # shard's digest covers the batch too: a changed batch is cleaned again, an unchanged one never.
    own = [_digest([config_digest, *(f"{f.path}|{f.size}|{f.mtime_ns}" for f in chunk)]) for chunk in chunks]
    batch = _digest(own)
    return [
        Shard(index, tuple(f.path for f in chunk), _digest([batch, own[index]]))
        for index, chunk in enumerate(chunks)
    ]


def batch_fingerprint(shards: Sequence[Shard]) -> str:
    """One digest for the whole batch: what the manifest records and a re-run compares."""
    return _digest(s.digest for s in shards)


# Plans by batch fingerprint: batch-level tasks find their shards here instead of walking the raw
# folder again. Content-addressed, so an entry can never be stale.
_PLANS: dict[str, list[Shard]] = {}


def remember_plan(shards: list[Shard]) -> str:
    """Keep a batch's plan for :func:`plan_for`; return its fingerprint."""
    fingerprint = batch_fingerprint(shards)
    _PLANS[fingerprint] = shards
    return fingerprint


def plan_for(raw_dir: str | Path, out_dir: str | Path, config: Config, fingerprint: str) -> list[Shard]:
    """The shards of the batch with ``fingerprint`` (planned again when this process has not seen it)."""
    if fingerprint not in _PLANS:
        shards = plan_shards(raw_dir, config, out_dir)
        if batch_fingerprint(shards) != fingerprint:
            raise RuntimeError(f"the raw folder {raw_dir} changed while its batch was being planned")
        _PLANS[fingerprint] = shards
    return _PLANS[fingerprint]


def stage_path(out_dir: str | Path, stage: str, shard: int, digest: str) -> Path:
    """Where a stage keeps its output for one shard."""
    return Path(out_dir) / STAGES_DIR / stage / f"shard-{shard:05d}-{digest[:16]}.jsonl"


def part_name(index: int, compression: str) -> str:
    """The file name of a part: ``part-00000.jsonl`` plus ``.gz``/``.zst`` when compressed."""
    return f"part-{index:05d}.jsonl{COMPRESSION_SUFFIX[compression]}"


def split_part_path(part_path: Path, index: int) -> Path:
    """Where a shard keeps its ``index``-th part: ``part_path`` itself, then ``<stem>.00001.jsonl...``."""
    if index == 0:
        return part_path
    name = part_path.name
    cut = name.index(".jsonl")
    return part_path.with_name(f"{name[:cut]}.{index:05d}{name[cut:]}")


def write_shard_outputs(
    docs: Iterable[Document], part_path: Path, rejects_path: Path, config: Config | None = None
) -> dict[str, Any]:
    """Split one shard's final documents into its clean part(s) and its rejects; return its stats.

    With ``output.max_part_records`` / ``output.max_part_bytes`` set, the clean output is cut into
    several parts (``part_path``, then siblings numbered 00001, ...); ``stats["parts"]`` names them.
    """
    output = (config or Config()).output
    rejected: list[Document] = []
    rules: Counter[str] = Counter()
    counts = Counter[str]()

    def clean() -> Iterable[dict[str, Any]]:
        for doc in docs:
            counts["input"] += 1
            if doc.rejected:
                rejected.append(doc)
                continue
            for removal in doc.removed:
                rules[removal.rule] += 1
            yield clean_record(doc)

    parts = write_jsonl_parts(
        lambda index: split_part_path(part_path, index),
        clean(),
        max_records=output.max_part_records,
        max_bytes=output.max_part_bytes,
    )
    write_jsonl(rejects_path, (reject_record(doc) for doc in rejected))
    reasons = Counter(doc.rejection.reason for doc in rejected if doc.rejection)
    return {
        "input": counts["input"],
        "clean": sum(count for _, count in parts),
        "rejected": len(rejected),
        "rejected_by_reason": dict(sorted(reasons.items())),
        "removed_by_rule": dict(sorted(rules.items())),
        "parts": [path.name for path, _ in parts],
        "part_records": [count for _, count in parts],
    }


def _link_or_copy(source: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            tmp.write_bytes(source.read_bytes())


def assemble_corpus(
    out_dir: str | Path,
    shard_outputs: Sequence[tuple[Path, Path, dict[str, Any]]],
    fingerprint: str,
    config: Config,
) -> dict[str, Any]:
    """Publish the parts, concatenate the rejects, write the manifest last, drop stale parts."""
    out = Path(out_dir)
    parts: list[str] = []
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for part, _, stats in shard_outputs:
        # A shard split by the part-size cap lists its parts in order; they are numbered on from the
        # parts before them, so the names depend only on the input and the settings.
        for shard_part in stats.get("parts") or [part.name]:
            name = part_name(len(parts), config.output.compression)
            _link_or_copy(part.with_name(shard_part), out / name)
            parts.append(name)
        totals.update({key: stats[key] for key in ("input", "clean", "rejected")})
        reasons.update(stats["rejected_by_reason"])
        rules.update(stats["removed_by_rule"])

    def rejects() -> Iterable[dict[str, Any]]:
        for _, rejects_path, _ in shard_outputs:
            yield from read_jsonl(rejects_path)

    write_jsonl(out / REJECTED, rejects())
    manifest = {
        "parts": parts,
        "rejected": REJECTED,
        "counts": {"input": totals["input"], "clean": totals["clean"], "rejected": totals["rejected"]},
        "rejected_by_reason": dict(sorted(reasons.items())),
        "removed_by_rule": dict(sorted(rules.items())),
        "stages": list(STAGES),
        "config": config.to_dict(),
        "config_digest": config.digest(),
        "fingerprint": fingerprint,
        "version": __version__,
    }
    write_json(out / MANIFEST, manifest)
    for stale in out.iterdir():
        if _PART_NAME.match(stale.name) and stale.name not in parts:
            stale.unlink()
    remove_stale_temporaries(out)
    return manifest


def remove_stale_temporaries(out_dir: str | Path) -> int:
    """Delete temporary files a killed run left behind (never output: they were never renamed)."""
    removed = 0
    for tmp in Path(out_dir).rglob(f"{TEMP_PREFIX}*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
