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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import regex
from datasketch import MinHash

from pipeline.document import Document

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


def _find(parent: dict[str, str], item: str) -> str:
    root = item
    while parent[root] != root:
        root = parent[root]
    while parent[item] != root:
        parent[item], item = root, parent[item]
    return root


def _union(parent: dict[str, str], a: str, b: str) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        # The smaller id becomes the root, so a group's root is its kept copy.
        low, high = sorted((ra, rb))
        parent[high] = low


def _band_buckets(matrix: np.ndarray, band: int) -> list[list[int]]:
    """Rows of ``matrix`` (documents) that share their values in one LSH band, groups of two or more."""
    rows = np.ascontiguousarray(matrix[:, band * ROWS : (band + 1) * ROWS])
    keys = rows.view(np.dtype((np.void, ROWS * rows.itemsize))).ravel()
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    shared = np.nonzero(counts[inverse] > 1)[0]
    buckets: dict[int, list[int]] = defaultdict(list)
    for i in shared.tolist():
        buckets[int(inverse[i])].append(i)
    return list(buckets.values())


def find_duplicates(signatures: Iterable[Signature], threshold: float = JACCARD_THRESHOLD) -> dict[str, str]:
    """``{duplicate id: kept id}`` for every document that copies another (exactly or nearly).

    Memory: the MinHash values of all documents in one array of 32-bit integers (512 bytes each),
    plus ids and hashes; candidate buckets are built one band at a time.
    """
    ids: list[str] = []
    hashes: list[str] = []
    values = array("I")
    for sig in signatures:
        ids.append(sig.id)
        hashes.append(sig.content_hash)
        values.extend(sig.minhash)
    matrix = np.frombuffer(values, dtype=np.uint32).reshape(len(ids), NUM_PERM) if ids else None
    order = sorted(range(len(ids)), key=ids.__getitem__)
    parent = {doc_id: doc_id for doc_id in ids}
    first_with_hash: dict[str, str] = {}
    for i in order:
        first = first_with_hash.setdefault(hashes[i], ids[i])
        if first != ids[i]:
            _union(parent, first, ids[i])
    del first_with_hash, hashes
    checked: set[tuple[int, int]] = set()
    for band in range(BANDS):
        if matrix is None:
            break
        for members in _band_buckets(matrix, band):
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    if (a, b) in checked or _find(parent, ids[a]) == _find(parent, ids[b]):
                        continue
                    checked.add((a, b))
                    if float(np.mean(matrix[a] == matrix[b])) >= threshold:
                        _union(parent, ids[a], ids[b])
    return {doc_id: _find(parent, doc_id) for doc_id in sorted(ids) if _find(parent, doc_id) != doc_id}


def mark_duplicate(doc: Document, duplicates: Mapping[str, str], drop: bool) -> Document:
    """Set ``metadata.duplicate_of``; with ``drop``, reject the copy with reason ``duplicate``."""
    if doc.rejected:
        return doc
    kept = duplicates.get(doc.id)
    if kept is None:
        return doc if "duplicate_of" in doc.metadata else doc.with_metadata(duplicate_of=None)
    marked = doc.with_metadata(duplicate_of=kept)
    return marked.reject("find_duplicates", "duplicate", f"copy of {kept}") if drop else marked
