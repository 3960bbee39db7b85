"""Exact and near-duplicate detection across a batch: signatures per document, clusters per batch.

Per document we keep a :class:`Signature` (content hash and a MinHash of word 5-gram shingles), never
its text. Near duplicates are found with locality-sensitive hashing over the MinHash bands, checked
by their estimated Jaccard similarity, and grouped with union-find. In every group the document with
the smallest id is kept, so the outcome does not depend on shard order or the number of workers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.document import Document
from pipeline.text import TOKEN

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
#: Words per shingle (5-grams, as DataTrove's MinHash deduplication uses by default).
SHINGLE_WORDS = 5
#: MinHash permutations: 128 values below 2**32, 512 bytes per document.
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
    words = TOKEN.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def _permutations(seed: int = SEED, num_perm: int = NUM_PERM) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps ``h -> a * h + b (mod 2**32)``, ``a`` odd so that each is a bijection."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_A, _B = _permutations()
#: Shingles hashed per step: bounds the temporary (shingles x permutations) array to 2 MB.
_CHUNK = 4096


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer: spreads the bits of each 32-bit value before the affine maps."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash(grams: Iterable[bytes]) -> np.ndarray:
    """The ``NUM_PERM`` MinHash values of a set of shingles (all ``2**32 - 1`` for none).

    The scheme of datasketch 2's ``MinHash(num_perm=128, seed=1)`` (SHA-1's first 4 bytes, MurmurHash3's
    finalizer, affine maps modulo 2**32), computed here so that the values do not change with the
    installed datasketch version (1.x used another scheme) and without its import of scipy;
    ``tests/test_corpus.py`` checks the two agree.
    """
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    # SHA-1's first 4 bytes of each shingle, read as little-endian 32-bit numbers all at once.
    sha1 = hashlib.sha1
    first = b"".join([sha1(g).digest()[:4] for g in grams])
    hashes = np.frombuffer(first, dtype="<u4").astype(np.uint32)
    for start in range(0, len(hashes), _CHUNK):
        mixed = _fmix32(hashes[start : start + _CHUNK]).reshape(-1, 1)
        values = np.minimum(values, (mixed * _A + _B).min(axis=0))
    return values


def signature(doc: Document) -> Signature:
    """The dedup signature of a clean document."""
    content_hash = doc.metadata.get("content_hash") or hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    return Signature(doc.id, str(content_hash), tuple(minhash(shingles(doc.text)).tolist()))


class Signatures(Protocol):
    """A batch's signatures, document ``i`` being the ``i``-th: what the clustering reads of them."""

    def __len__(self) -> int: ...

    def hash_keys(self) -> np.ndarray:
        """64-bit keys of every document's content hash (equal hashes, equal keys)."""
        ...

    def band_keys(self, band: int) -> np.ndarray:
        """64-bit keys of every document's MinHash values in ``band`` (equal values, equal keys)."""
        ...

    def rows(self, indices: Sequence[int]) -> np.ndarray:
        """The MinHash values of these documents, one row each."""
        ...

    def ids(self) -> Iterator[str]:
        """Every document's id, in index order."""
        ...


def key64(text: str) -> int:
    """A 64-bit key of a text (a content hash): equal texts, equal keys."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def band_keys(matrix: np.ndarray, band: int) -> np.ndarray:
    """One 64-bit key per row from its ``ROWS`` values in ``band`` (FNV-style: may collide, never splits)."""
    key = np.zeros(len(matrix), dtype=np.uint64)
    for column in range(band * ROWS, (band + 1) * ROWS):
        key = (key * np.uint64(0x100000001B3)) ^ matrix[:, column].astype(np.uint64)
    return key


def _groups(keys: np.ndarray) -> Iterator[list[int]]:
    """Indices that share a key, in groups of two or more (each group in ascending index order)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(keys))
    several = ends - starts > 1
    for start, end in zip(starts[several].tolist(), ends[several].tolist(), strict=True):
        yield order[start:end].tolist()


class _Components:
    """Union-find over document indices in one integer array (8 bytes a document)."""

    def __init__(self, size: int) -> None:
        self.parent = np.arange(size, dtype=np.int64)

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = int(parent[root])
        while parent[item] != root:
            parent[item], item = root, int(parent[item])
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> np.ndarray:
        """The root of every index."""
        parent = self.parent
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand


def _join_similar(
    members: list[int],
    signatures: Signatures,
    components: _Components,
    failed: set[tuple[int, int]],
    threshold: float,
) -> None:
    """Join the members of one bucket whose estimated Jaccard reaches ``threshold``.

    Each member is compared with the earlier members of every other component in the bucket until one
    is similar enough: one comparison a member when all are copies of each other. Pairs found
    dissimilar are remembered, so another band does not compare them again.
    """
    rows: dict[int, np.ndarray] = {}

    def row(i: int) -> np.ndarray:
        if i not in rows:
            rows[i] = signatures.rows([i])[0]
        return rows[i]

    seen: dict[int, list[int]] = {}
    for b in members:
        for root, earlier in seen.items():
            if components.find(root) == components.find(b):
                continue
            for a in earlier:
                if (a, b) in failed:
                    continue
                if float(np.mean(row(a) == row(b))) >= threshold:
                    components.union(a, b)
                    break
                failed.add((a, b))
        regrouped: dict[int, list[int]] = defaultdict(list)
        for root, earlier in seen.items():
            regrouped[components.find(root)].extend(earlier)
        regrouped[components.find(b)].append(b)
        seen = regrouped


def components(signatures: Signatures, threshold: float = JACCARD_THRESHOLD) -> np.ndarray:
    """The root index of every document's group: same content hash, or MinHash Jaccard >= ``threshold``.

    Candidates share a content-hash key or an LSH band key; keys are made one band at a time (a few
    64-bit integers a document), MinHash rows are read only for the comparisons made, and documents
    with equal content-hash keys are confirmed by equal MinHash values. The groups are the connected
    components of "same text, or similar enough and in one band": they do not depend on the order of
    the documents or of the checks.
    """
    found = _Components(len(signatures))
    if not len(signatures):
        return found.parent
    failed: set[tuple[int, int]] = set()
    for group in _groups(signatures.hash_keys()):
        _join_similar(group, signatures, found, failed, 1.0)
    for band in range(BANDS):
        for group in _groups(signatures.band_keys(band)):
            _join_similar(group, signatures, found, failed, threshold)
    return found.roots()


def copies(
    indexed_ids: Iterable[tuple[int, str]], roots: np.ndarray, kept: Mapping[int, str]
) -> dict[str, str]:
    """``{id: kept id}`` for the given ``(index, id)`` pairs that are copies, sorted by id."""
    found = {}
    for i, doc_id in indexed_ids:
        keep = kept.get(int(roots[i]))
        if keep is not None and keep != doc_id:
            found[doc_id] = keep
    return dict(sorted(found.items()))


def kept_ids(signatures: Signatures, roots: np.ndarray) -> dict[int, str]:
    """``{root: smallest id of its group}`` for the groups of two or more documents."""
    shared = np.bincount(roots, minlength=len(roots)) > 1
    kept: dict[int, str] = {}
    for i, doc_id in enumerate(signatures.ids()):
        root = int(roots[i])
        if shared[root] and (root not in kept or doc_id < kept[root]):
            kept[root] = doc_id
    return kept


def mark_duplicate(doc: Document, duplicates: Mapping[str, str], drop: bool) -> Document:
    """Set ``metadata.duplicate_of``; with ``drop``, reject the copy with reason ``duplicate``."""
    if doc.rejected:
        return doc
    kept = duplicates.get(doc.id)
    if kept is None:
        return doc if "duplicate_of" in doc.metadata else doc.with_metadata(duplicate_of=None)
    marked = doc.with_metadata(duplicate_of=kept)
    return marked.reject(STAGE, "duplicate", f"copy of {kept}") if drop else marked
