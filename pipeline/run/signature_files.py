"""A batch's dedup signatures on disk, one pair of files per shard, read a shard at a time.

``TagMetadata`` writes each shard's signatures (:func:`write_signatures`); ``FindDuplicates`` clusters the
whole batch from them (:func:`duplicates_by_shard`) without ever holding the batch's signatures in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pipeline.corpus.find_duplicates import (
    JACCARD_THRESHOLD,
    NUM_PERM,
    Signature,
    band_keys,
    components,
    copies,
    kept_ids,
    key64,
)
from pipeline.run.files import atomic_path, read_jsonl, write_jsonl
from pipeline.storage import open_read


def write_signatures(ids_path: str | Path, minhash_path: str | Path, signatures: Iterable[Signature]) -> int:
    """Write a shard's signatures: ids and content hashes as JSON Lines, MinHash values as one ``.npy``."""
    sigs = list(signatures)
    matrix = np.array([s.minhash for s in sigs], dtype=np.uint32).reshape(len(sigs), NUM_PERM)
    with atomic_path(minhash_path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    return write_jsonl(ids_path, ({"id": s.id, "content_hash": s.content_hash} for s in sigs))


class SignatureFiles:
    """The signatures of a batch as the ``TagMetadata`` tasks wrote them: ``(ids, minhash)`` per shard.

    Nothing of the batch is held whole: every pass opens one shard's files at a time, and single
    MinHash rows are read from their place in the ``.npy`` file.
    """

    def __init__(self, shards: Sequence[tuple[str | Path, str | Path]]) -> None:
        self.shards = [(os.fspath(ids), os.fspath(minhash)) for ids, minhash in shards]
        self.offsets: list[int] = []
        sizes = []
        for _, minhash in self.shards:
            with open_read(minhash) as handle:
                version = np.lib.format.read_magic(handle)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, fortran_order, dtype = read_header(handle)
                if fortran_order or dtype != np.dtype("<u4") or shape[1:] != (NUM_PERM,):
                    raise ValueError(f"{minhash} is not a MinHash array of this version")
                self.offsets.append(handle.tell())
            sizes.append(shape[0])
        self.starts = np.cumsum([0, *sizes])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def shard_range(self, shard: int) -> range:
        """The indices of one shard's documents."""
        return range(int(self.starts[shard]), int(self.starts[shard + 1]))

    def records(self, shard: int) -> Iterator[dict]:
        """One shard's ids and content hashes, in order."""
        return read_jsonl(self.shards[shard][0])

    def hash_keys(self) -> np.ndarray:
        keys = np.empty(len(self), dtype=np.uint64)
        for shard in range(len(self.shards)):
            for i, record in zip(self.shard_range(shard), self.records(shard), strict=True):
                keys[i] = key64(record["content_hash"])
        return keys

    def band_keys(self, band: int) -> np.ndarray:
        parts = [band_keys(_load(minhash), band) for _, minhash in self.shards]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)

    def rows(self, indices: Sequence[int]) -> np.ndarray:
        out = np.empty((len(indices), NUM_PERM), dtype=np.uint32)
        size = NUM_PERM * 4
        # One open file per shard for the whole call: in an object store each open is a request.
        with ExitStack() as stack:
            handles: dict[int, BinaryIO] = {}
            for n, i in enumerate(indices):
                shard = int(np.searchsorted(self.starts, i, side="right")) - 1
                if shard not in handles:
                    handles[shard] = stack.enter_context(open_read(self.shards[shard][1]))
                handle = handles[shard]
                handle.seek(self.offsets[shard] + (i - int(self.starts[shard])) * size)
                out[n] = np.frombuffer(handle.read(size), dtype="<u4")
        return out

    def ids(self) -> Iterator[str]:
        for shard in range(len(self.shards)):
            for record in self.records(shard):
                yield record["id"]


def _load(path: str) -> np.ndarray:
    """One shard's MinHash array."""
    with open_read(path) as handle:
        return np.load(handle, allow_pickle=False)


def duplicates_by_shard(
    files: SignatureFiles, threshold: float = JACCARD_THRESHOLD
) -> Iterator[dict[str, str]]:
    """For each shard in turn, ``{duplicate id: kept id}`` of its documents (one shard's map in memory)."""
    roots = components(files, threshold)
    kept = kept_ids(files, roots)
    for shard in range(len(files.shards)):
        records = zip(files.shard_range(shard), files.records(shard), strict=True)
        yield copies(((i, record["id"]) for i, record in records), roots, kept)
