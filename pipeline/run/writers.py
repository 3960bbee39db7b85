"""A shard's final documents into its part(s) and rejects, and the shards' outputs into the published
folder: parts numbered on in shard order, ``rejected.jsonl``, and the manifest written last."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline import __version__, storage
from pipeline.clean.chain import STAGES
from pipeline.config import Config, library_versions
from pipeline.document import Document, clean_record, reject_record
from pipeline.run.files import (
    link_or_copy,
    read_jsonl,
    remove_files,
    remove_stale_temporaries,
    write_json,
    write_jsonl,
    write_jsonl_parts,
)
from pipeline.run.layout import (
    PART_NAME,
    REJECTED,
    manifest_file,
    part_name,
    scratch_root,
    split_part_file,
    stages_dir,
)


def write_shard_outputs(
    docs: Iterable[Document], part_path: str, rejects_path: str, config: Config | None = None
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
        lambda index: split_part_file(part_path, index),
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
        "parts": [storage.name(path) for path, _ in parts],
        "part_records": [count for _, count in parts],
    }


def assemble_corpus(
    out_dir: str | Path,
    shard_outputs: Sequence[tuple[str, str, dict[str, Any]]],
    fingerprint: str,
    config: Config,
) -> dict[str, Any]:
    """Publish the parts, concatenate the rejects, write the manifest last, drop stale parts."""
    parts: list[str] = []
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for part, _, stats in shard_outputs:
        # A shard split by the part-size cap lists its parts in order; they are numbered on from the
        # parts before them, so the names depend only on the input and the settings.
        for shard_part in stats.get("parts") or [storage.name(part)]:
            name = part_name(len(parts), config.output.compression)
            link_or_copy(storage.sibling(part, shard_part), storage.join(out_dir, name))
            parts.append(name)
        totals.update({key: stats[key] for key in ("input", "clean", "rejected")})
        reasons.update(stats["rejected_by_reason"])
        rules.update(stats["removed_by_rule"])

    def rejects() -> Iterable[dict[str, Any]]:
        for _, rejects_path, _ in shard_outputs:
            yield from read_jsonl(rejects_path)

    write_jsonl(storage.join(out_dir, REJECTED), rejects())
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
        "libraries": library_versions(),
    }
    write_json(manifest_file(out_dir), manifest)
    remove_files(out_dir, keep=lambda name: not PART_NAME.match(name) or name in parts)
    remove_stale_temporaries(out_dir)
    if scratch_root():
        remove_stale_temporaries(stages_dir(out_dir))
    return manifest
