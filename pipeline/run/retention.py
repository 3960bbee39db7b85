"""Which of the run's own files (``OUT/_stages``) a finished output keeps, and removing the others.

A finished output needs none of them to be read: the manifest, the parts and ``rejected.jsonl`` are
the output. One stage's files are worth keeping all the same: those of the last stage before the
learned-lines barrier (the shard's documents read, extracted and repaired, and its line counts). They
are named by the shard's own files (:data:`pipeline.run.plan.SHARD_LOCAL_STAGES`), so when one input
file of a batch changes, the next run re-reads and re-extracts only the shard it is in; everything after
the barrier depends on the whole batch and is redone anyway. Extraction is most of a run's time, and
those files are a fraction of the stages' size (compressed, and after extraction: no markup).

With ``keep_all`` (``run --keep-stages``) every file of the current batch stays, for ``inspect`` to
rebuild rejected documents or to debug a stage; files of earlier batches (a changed input or setting)
go either way, and so do temporaries a killed run left. The batch's progress files stay (a few dozen
bytes a stage and shard): they say how far each shard got once its stage files are gone.

An output under an object-store prefix is tidied the same way, from one listing of its run files and
a delete per file that goes. There is no lock on such an output (:mod:`pipeline.run.locking`), so
``pipeline gc`` of it must not run while a run writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.clean.chain import STAGES
from pipeline.run import layout
from pipeline.run.files import TEMP_PREFIX, list_tree, read_json, remove, remove_empty_folders, write_json
from pipeline.run.plan import SHARD_LOCAL_STAGES, Shard, stage_digest
from pipeline.storage import join

#: The stage whose files a finished output keeps: the last one before the barrier.
REUSED_STAGE = SHARD_LOCAL_STAGES[-1]


class NotFinished(ValueError):
    """The folder's last planned batch has no manifest yet: a run is under way, failed, or was killed."""


@dataclass(frozen=True, slots=True)
class Tidied:
    """What tidying an output folder's run files did."""

    removed_files: int
    removed_bytes: int
    kept_files: int
    kept_bytes: int


def record_batch(out_dir: str | Path, shards: Sequence[Shard], fingerprint: str) -> None:
    """Record the batch a run is building, with its shards' digests (what names their files), before
    any of its files is written: until its manifest is published, its files are not to be tidied."""
    write_json(
        layout.batch_record_file(out_dir),
        {"fingerprint": fingerprint, "shards": [[s.index, s.digest[:16], s.own[:16]] for s in shards]},
    )


def _shard_files(record: dict[str, Any], stages: Sequence[str]) -> set[tuple[str, int, str]]:
    """The (stage, shard, 16-hex digest) that name the batch's files of ``stages``."""
    return {
        (stage, index, stage_digest(stage, digest, own))
        for index, digest, own in record["shards"]
        for stage in stages
    }


def tidy_stages(out_dir: str | Path, keep_all: bool = False) -> Tidied:
    """Remove the run files a finished output does not need (see the module docstring), locally or
    under an object-store prefix alike.

    :class:`NotFinished` when the last planned batch has not been published: its files may still be
    needed by the run that is writing it, or by the next one that finishes it.
    """
    stages = layout.stages_dir(out_dir)
    try:
        record = read_json(layout.batch_record_file(out_dir))
        manifest = read_json(layout.manifest_file(out_dir))
    except (OSError, ValueError) as exc:
        raise NotFinished(f"{out_dir} has no finished batch: {exc}") from None
    if manifest.get("fingerprint") != record.get("fingerprint"):
        raise NotFinished(f"{out_dir}: the last planned batch is not the published one (a run is not done)")
    keep = _shard_files(record, (*STAGES, layout.WRITE) if keep_all else (REUSED_STAGE,))
    progress = _shard_files(record, (*STAGES, layout.WRITE))
    batch = f"batch-{str(record['fingerprint'])[:16]}" if keep_all else None
    removed = removed_bytes = kept = kept_bytes = 0
    for relative, size in list_tree(stages):
        if _kept(relative.split("/"), keep, progress, batch):
            kept += 1
            kept_bytes += size
            continue
        remove(join(stages, *relative.split("/")))
        removed_bytes += size
        removed += 1
    remove_empty_folders(stages)
    return Tidied(removed, removed_bytes, kept, kept_bytes)


def _kept(
    parts: Sequence[str],
    keep: set[tuple[str, int, str]],
    progress: set[tuple[str, int, str]],
    batch: str | None,
) -> bool:
    """Whether a file under ``_stages`` (the parts of its path relative to it) stays: a shard file in
    ``keep``, a progress file in ``progress``, a batch-level result whose name starts with ``batch``
    (None: none)."""
    if parts[-1].startswith(TEMP_PREFIX):
        return False
    if len(parts) == 1:
        return parts[0] in (layout.LOCK_NAME, layout.BATCH_RECORD)
    try:
        if parts[0] == layout.PROGRESS_DIR:
            return len(parts) == 2 and layout.progress_of(parts[1]) in progress
        if parts[1].startswith("batch-"):
            return batch is not None and parts[1].startswith(batch)
        shard, digest = layout.shard_of(parts[1])
    except ValueError:
        return False
    return len(parts) == 2 and (parts[0], shard, digest) in keep
