"""The shards of a batch: which input files go together, and the digests that name their files.

Planning walks the raw folder once per batch; the plan is then kept by its fingerprint for the tasks of
that batch in this process (:func:`plan_for`), so a task never walks a folder of millions of files again.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.clean import strip_boilerplate
from pipeline.clean.chain import STAGES
from pipeline.clean.readers import RawFile, discover, split_name
from pipeline.config import Config

#: The per-shard stages whose output depends on the shard's own files and the settings only: those
#: before the learned-lines barrier (``strip_boilerplate`` reads what the whole batch learned). Their
#: files are named by the shard's own digest, so when another shard of the batch changes, this shard's
#: reading and extraction are not redone; the stages after the barrier depend on the whole batch.
SHARD_LOCAL_STAGES: tuple[str, ...] = STAGES[: STAGES.index(strip_boilerplate.STAGE)]


@dataclass(frozen=True, slots=True)
class Shard:
    """A fixed group of input files processed together by one task per stage."""

    index: int
    #: The shard's input paths relative to the raw folder (sizes and times are in the digest only:
    #: the plan of a batch stays in memory for the whole run).
    paths: tuple[str, ...]
    #: The batch's files and settings with this shard's place in it: names the files after the barrier.
    digest: str
    #: This shard's own files (path, size, version) and the settings: names the files before the barrier.
    own: str

    def stage_digest(self, stage: str) -> str:
        """The digest that names ``stage``'s files for this shard (see :data:`SHARD_LOCAL_STAGES`)."""
        return stage_digest(stage, self.digest, self.own)


def stage_digest(stage: str, digest: str, own: str) -> str:
    """Of a shard's batch ``digest`` and ``own`` digest, the one that names ``stage``'s files."""
    return own if stage in SHARD_LOCAL_STAGES else digest


#: Unless ``input.shard_files`` is set, a batch is cut into this many shards of equal file counts,
#: whatever the number of workers (the output must not depend on it): 1, 2, 4 or 8 workers then get
#: whole shards each. With a fixed 1000 files a shard, 1000 HTML pages were one shard (one process did
#: all the extraction) and 3,000 pages three (on 2 workers one process idled for a third of it: 88 s
#: against 69-77 s at 250 files a shard, 2 workers).
TARGET_SHARDS = 8
#: A batch has one shard per this many bytes of input, up to ``TARGET_SHARDS``, so that a small batch
#: (the seeds, a test folder) stays one shard: a shard's fixed cost is its 8 tasks, about 0.3 s (36 ms a
#: task with the local scheduler, docs/operations.md), against the work of 4 MB, 6 CPU-s of plain text
#: or 1.3 CPU-s of HTML (the pipeline cleans 0.64 and 3.2 MB a CPU-second, docs/benchmarks.md). Bytes
#: decide only the number of shards of a batch under 32 MB: above, a changed file never moves a shard's
#: boundaries, so the other shards keep their extraction.
MIN_SHARD_BYTES = 4_000_000
#: Nor more files than this: a million loose files make 1000 shards, not 8 that would each run for
#: hours and be redone whole after a failure (docs/operations.md sizes shards for big days).
MAX_SHARD_FILES = 1000


def shard_size(files: int, total_bytes: int) -> int:
    """Files per default shard for a batch of ``files`` files holding ``total_bytes``."""
    shards = max(1, min(TARGET_SHARDS, total_bytes // MIN_SHARD_BYTES))
    return min(MAX_SHARD_FILES, max(1, math.ceil(files / shards)))


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def plan_shards(raw_dir: str | Path, config: Config, out_dir: str | Path | None = None) -> list[Shard]:
    """Group the raw folder's files, ordered by document id then path, into shards.

    A shard holds ``input.shard_files`` files when that is set, else :func:`shard_size` files:
    ``TARGET_SHARDS`` shards, fewer for a batch under 32 MB, more for one of many thousand files.

    Files below ``out_dir``, the batch's output folder, are never input (it may lie inside the raw
    folder).

    Files that give the same id (``a.txt`` and ``a.html``) always share a shard, so the reader can
    keep the first and reject the others as ``duplicate_id``. A shard's own digest covers its files
    (path, size, and mtime or ETag) and the settings; its digest covers the whole batch's too. Either
    way a changed input or setting gives new intermediate file names and stale ones are never reused.
    """
    files = sorted(discover(raw_dir, exclude=out_dir), key=lambda f: (split_name(f.path)[0], f.path))
    size = config.input.shard_files or shard_size(len(files), sum(f.size for f in files))
    config_digest = config.digest()
    chunks: list[list[RawFile]] = []
    previous_id = None
    for f in files:
        doc_id = split_name(f.path)[0]
        if not chunks or (len(chunks[-1]) >= size and doc_id != previous_id):
            chunks.append([])
        chunks[-1].append(f)
        previous_id = doc_id
    # Learned boilerplate and duplicates make every shard's output after the barrier depend on the
    # whole batch, so that digest covers the batch too: a changed batch is cleaned again from the
    # barrier on, an unchanged one never.
    own = [_digest([config_digest, *(f"{f.path}|{f.size}|{f.version}" for f in chunk)]) for chunk in chunks]
    batch = _digest(own)
    return [
        Shard(index, tuple(f.path for f in chunk), _digest([batch, own[index]]), own[index])
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
