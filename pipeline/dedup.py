"""Exact and near-duplicate detection across a batch: signatures per document, clusters per batch.

Per document we keep a :class:`Signature` (content hash and a MinHash of word 5-gram shingles), never
its text. Near duplicates are found with locality-sensitive hashing over the MinHash bands, checked
by their estimated Jaccard similarity, and grouped with union-find. In every group the document with
the smallest id is kept, so the outcome does not depend on shard order or the number of workers.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import regex
from datasketch import MinHash

from pipeline.document import Document
from pipeline.writers import atomic_path, read_jsonl, write_jsonl

_TOKEN = regex.compile(r"\w+")
#: Words per shingle (5-grams, as in the issue and in common near-dup practice).
SHINGLE_WORDS = 5
#: MinHash permutations: 128 values below 2**32 (datasketch masks them so), 512 bytes per document.
NUM_PERM = 128
#: LSH bands x rows = NUM_PERM; 16 x 8 puts the S-curve's midpoint at Jaccard ~0.71.
BANDS, ROWS = 16, 8
#: Candidates sharing a band are duplicates when their estimated Jaccard reaches this.
JACCARD_THRESHOLD = 0.8
SEED = 1


@dataclass(frozen=True, slots=True)
class Signature:
    """What dedup keeps of one document: its id, the hash of its text and its MinHash values."""

    id: str
    content_hash: str
    minhash: tuple[int, ...]


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Lower-cased word ``size``-grams of ``text`` (the whole text when shorter)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(doc: Document) -> Signature:
    """The dedup signature of a clean document."""
    content_hash = doc.metadata.get("content_hash") or hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    grams = sorted(shingles(doc.text))
    if grams:
        mh.update_batch(grams)
    return Signature(doc.id, str(content_hash), tuple(int(v) for v in mh.hashvalues))


class _Signatures(Protocol):
    """A batch's signatures, document ``i`` being the ``i``-th: what the clustering reads of them."""

    def __len__(self) -> int: ...

    def hash_keys(self) -> np.ndarray:
        """64-bit keys of every document's content hash (equal hashes, equal keys)."""
        ...

    def band_keys(self, band: int) -> np.ndarray:
        """64-bit keys of every document's MinHash values in ``band`` (equal values, equal keys)."""
        ...

    def describe(self, indices: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``{index: (id, content hash)}`` of these documents."""
        ...

    def rows(self, indices: Sequence[int]) -> np.ndarray:
        """The MinHash values of these documents, one row each."""
        ...


def _key64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def band_keys(matrix: np.ndarray, band: int) -> np.ndarray:
    """One 64-bit key per row from its ``ROWS`` values in ``band`` (FNV-style: may collide, never splits)."""
    key = np.zeros(len(matrix), dtype=np.uint64)
    for column in range(band * ROWS, (band + 1) * ROWS):
        key = (key * np.uint64(0x100000001B3)) ^ matrix[:, column].astype(np.uint64)
    return key


def _groups(keys: np.ndarray) -> Iterator[np.ndarray]:
    """Indices that share a key, in groups of two or more (each group in ascending index order)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(keys))
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start > 1:
            yield order[start:end]


class _Clusters:
    """Union-find over document indices; a group's root is the member with the smallest id."""

    def __init__(self, ids: Mapping[int, str]) -> None:
        self.ids = ids
        self.parent = {i: i for i in ids}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb), key=self.ids.__getitem__)
            self.parent[high] = low


def cluster(signatures: _Signatures, threshold: float = JACCARD_THRESHOLD) -> dict[str, str]:
    """``{duplicate id: kept id}``: groups of equal content hashes, or of MinHash Jaccard >= ``threshold``.

    Candidates share a content-hash key or one LSH band key; only they are looked at closely, so
    besides them the memory is a few 64-bit keys per document for one band at a time. The groups are
    the connected components of "same hash, or similar enough and in one band", which do not depend on
    the order of the documents or of the checks.
    """
    exact = [g.tolist() for g in _groups(signatures.hash_keys())] if len(signatures) else []
    banded = [
        g.tolist() for band in range(BANDS) if len(signatures) for g in _groups(signatures.band_keys(band))
    ]
    described = signatures.describe(sorted({i for group in (*exact, *banded) for i in group}))
    clusters = _Clusters({i: doc_id for i, (doc_id, _) in described.items()})
    for group in exact:
        first_with_hash: dict[str, int] = {}
        for i in group:
            clusters.union(first_with_hash.setdefault(described[i][1], i), i)
    checked: set[tuple[int, int]] = set()
    for members in banded:
        rows: np.ndarray | None = None
        # The members seen so far, by the root of their group: a new member is compared with each
        # other group until one member is similar enough (one comparison when all are copies).
        seen: dict[int, list[int]] = {}
        for y, b in enumerate(members):
            for root, positions in seen.items():
                if clusters.find(root) == clusters.find(b):
                    continue
                for x in positions:
                    if (members[x], b) in checked:
                        continue
                    checked.add((members[x], b))
                    if rows is None:
                        rows = signatures.rows(members)
                    if float(np.mean(rows[x] == rows[y])) >= threshold:
                        clusters.union(members[x], b)
                        break
            regrouped: dict[int, list[int]] = defaultdict(list)
            for root, positions in seen.items():
                regrouped[clusters.find(root)].extend(positions)
            regrouped[clusters.find(b)].append(y)
            seen = regrouped
    found = {described[i][0]: described[clusters.find(i)][0] for i in described if clusters.find(i) != i}
    return dict(sorted(found.items()))


class _InMemory:
    """Signatures held in memory (tests, benchmarks, one-process use)."""

    def __init__(self, signatures: Iterable[Signature]) -> None:
        self.ids: list[str] = []
        self.hashes: list[str] = []
        values = array("I")
        for sig in signatures:
            self.ids.append(sig.id)
            self.hashes.append(sig.content_hash)
            values.extend(sig.minhash)
        self.matrix = np.frombuffer(values, dtype=np.uint32).reshape(len(self.ids), NUM_PERM)

    def __len__(self) -> int:
        return len(self.ids)

    def hash_keys(self) -> np.ndarray:
        return np.array([_key64(h) for h in self.hashes], dtype=np.uint64)

    def band_keys(self, band: int) -> np.ndarray:
        return band_keys(self.matrix, band)

    def describe(self, indices: Iterable[int]) -> dict[int, tuple[str, str]]:
        return {i: (self.ids[i], self.hashes[i]) for i in indices}

    def rows(self, indices: Sequence[int]) -> np.ndarray:
        return self.matrix[list(indices)]


def find_duplicates(signatures: Iterable[Signature], threshold: float = JACCARD_THRESHOLD) -> dict[str, str]:
    """``{duplicate id: kept id}`` for every document that copies another (exactly or nearly)."""
    return cluster(_InMemory(signatures), threshold)


# --- on disk: one pair of files per shard, read a shard at a time ---------------------------------


def write_signatures(ids_path: str | Path, minhash_path: str | Path, signatures: Iterable[Signature]) -> int:
    """Write a shard's signatures: ids and content hashes as JSON Lines, MinHash values as one ``.npy``."""
    sigs = list(signatures)
    matrix = np.array([s.minhash for s in sigs], dtype=np.uint32).reshape(len(sigs), NUM_PERM)
    with atomic_path(minhash_path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    return write_jsonl(ids_path, ({"id": s.id, "content_hash": s.content_hash} for s in sigs))


class SignatureFiles:
    """The signatures of a batch as the ``Signatures`` tasks wrote them: ``(ids, minhash)`` per shard.

    Nothing of the batch is held whole: every pass opens one shard's files at a time (the MinHash
    array memory-mapped), so the memory is the 64-bit keys of one band plus the candidates.
    """

    def __init__(self, shards: Sequence[tuple[str | Path, str | Path]]) -> None:
        self.shards = [(Path(ids), Path(minhash)) for ids, minhash in shards]
        self.sizes = [self._matrix(s).shape[0] for s in range(len(self.shards))]
        self.starts = np.cumsum([0, *self.sizes])

    def _matrix(self, shard: int) -> np.ndarray:
        return np.load(self.shards[shard][1], mmap_mode="r", allow_pickle=False)

    def _locate(self, indices: Iterable[int]) -> dict[int, list[int]]:
        """``{shard: [global index, ...]}`` for sorted or unsorted indices."""
        by_shard: dict[int, list[int]] = defaultdict(list)
        for i in indices:
            by_shard[int(np.searchsorted(self.starts, i, side="right")) - 1].append(i)
        return by_shard

    def __len__(self) -> int:
        return int(self.starts[-1])

    def hash_keys(self) -> np.ndarray:
        keys = np.empty(len(self), dtype=np.uint64)
        for shard, (ids, _) in enumerate(self.shards):
            start = int(self.starts[shard])
            for k, record in enumerate(read_jsonl(ids)):
                keys[start + k] = _key64(record["content_hash"])
        return keys

    def band_keys(self, band: int) -> np.ndarray:
        parts = [band_keys(np.asarray(self._matrix(s)), band) for s in range(len(self.shards))]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)

    def describe(self, indices: Iterable[int]) -> dict[int, tuple[str, str]]:
        described: dict[int, tuple[str, str]] = {}
        for shard, wanted in sorted(self._locate(indices).items()):
            start = int(self.starts[shard])
            local = {i - start for i in wanted}
            for k, record in enumerate(read_jsonl(self.shards[shard][0])):
                if k in local:
                    described[start + k] = (record["id"], record["content_hash"])
        return described

    def rows(self, indices: Sequence[int]) -> np.ndarray:
        out = np.empty((len(indices), NUM_PERM), dtype=np.uint32)
        position = {i: n for n, i in enumerate(indices)}
        for shard, wanted in self._locate(indices).items():
            matrix = self._matrix(shard)
            start = int(self.starts[shard])
            for i in wanted:
                out[position[i]] = matrix[i - start]
        return out


def mark_duplicate(doc: Document, duplicates: Mapping[str, str], drop: bool) -> Document:
    """Set ``metadata.duplicate_of``; with ``drop``, reject the copy with reason ``duplicate``."""
    if doc.rejected:
        return doc
    kept = duplicates.get(doc.id)
    if kept is None:
        return doc if "duplicate_of" in doc.metadata else doc.with_metadata(duplicate_of=None)
    marked = doc.with_metadata(duplicate_of=kept)
    return marked.reject("find_duplicates", "duplicate", f"copy of {kept}") if drop else marked
