"""The shards of a batch: which input files go together, and the digests that name their files.

Planning walks the raw folder once per batch; the plan is then kept by its fingerprint for the tasks of
that batch in this process (:func:`plan_for`), so a task never walks a folder of millions of files again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.clean.readers import RawFile, discover, split_name
from pipeline.config import Config


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
    (path, size, and mtime or ETag) and the settings, so a changed input or setting gives new
    intermediate file names and stale ones are never reused.
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
    own = [_digest([config_digest, *(f"{f.path}|{f.size}|{f.version}" for f in chunk)]) for chunk in chunks]
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
