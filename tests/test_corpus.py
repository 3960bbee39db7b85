"""Duplicates across a batch, and boilerplate learned from repeated lines."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.strip_boilerplate import strip_boilerplate
from pipeline.config import BoilerplateConfig
from pipeline.corpus.find_duplicates import JACCARD_THRESHOLD, Signature, mark_duplicate, signature
from pipeline.corpus.learn_boilerplate import (
    BATCH,
    BATCH_MIN_DOCS,
    LineCounter,
    LineCounts,
    learn_boilerplate,
    learned_for,
    line_key,
    merge_counts,
)
from pipeline.document import Document, Source
from pipeline.rules import load_rules
from pipeline.run.signature_files import SignatureFiles, duplicates_by_shard, write_signatures

WORDS = "council budget schools roads vote hearing district plan members spending city night".split()


def _text(seed: int, sentences: int = 12) -> str:
    rng = random.Random(seed)
    return "\n".join(
        " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(sentences)
    )


def _doc(doc_id: str, text: str, url: str | None = None) -> Document:
    return Document(id=doc_id, source=Source(doc_id, "text", url), text=text)


def find_duplicates(
    signatures: Iterable[Signature], threshold: float = JACCARD_THRESHOLD, shard_size: int = 25
) -> dict[str, str]:
    """The batch's duplicates as FindDuplicates finds them: signatures in shard files, a map per shard."""
    batch = list(signatures)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for shard, start in enumerate(range(0, len(batch) or 1, shard_size)):
            ids, minhash = Path(tmp, f"s{shard}.ids.jsonl"), Path(tmp, f"s{shard}.minhash.npy")
            write_signatures(ids, minhash, batch[start : start + shard_size])
            files.append((ids, minhash))
        maps = duplicates_by_shard(SignatureFiles(files), threshold)
        return {doc_id: kept for found in maps for doc_id, kept in found.items()}


def count_lines(docs: Iterable[Document], cfg: BoilerplateConfig) -> LineCounts:
    """The line counts of these documents, as RepairEncoding's side output counts a shard's."""
    counter = LineCounter(cfg)
    for doc in docs:
        counter.add(doc)
    return counter.counts()


def test_exact_and_near_copies_point_to_the_smallest_id() -> None:
    base = _text(1)
    edited = base.replace("Council", "Councillors", 1) + "\nOne more closing sentence here."
    docs = [_doc("c", base), _doc("a", edited), _doc("b", base), _doc("z", _text(2))]
    duplicates = find_duplicates(signature(d) for d in docs)
    assert duplicates == {"b": "a", "c": "a"}


def test_outcome_does_not_depend_on_order() -> None:
    docs = [_doc(f"d{i}", _text(i % 3)) for i in range(9)]
    forward = find_duplicates(signature(d) for d in docs)
    backward = find_duplicates(signature(d) for d in reversed(docs))
    assert forward == backward and len(forward) == 6


def test_mark_duplicate_sets_metadata_or_rejects() -> None:
    doc = _doc("b", "text")
    assert mark_duplicate(doc, {"b": "a"}, drop=False).metadata["duplicate_of"] == "a"
    dropped = mark_duplicate(doc, {"b": "a"}, drop=True)
    assert dropped.rejection is not None and dropped.rejection.reason == "duplicate"
    assert mark_duplicate(doc, {}, drop=True).metadata["duplicate_of"] is None


def test_repeated_site_lines_are_learned_but_shared_sentences_are_not() -> None:
    footer = "Subscribe to the Example Gazette print edition"
    wire = "The council approved the new budget on Tuesday after a long debate."
    # Every page of one site carries the footer and a sentence (a page crawled six times, say).
    site_docs = [
        _doc(f"s{i}", f"{_text(i)}\n{footer}\n{wire}", url=f"https://www.example.org/{i}") for i in range(6)
    ]
    # Two outlets of unknown site ran the same wire sentence; a menu line repeats across the pool.
    pool = [
        _doc(f"p{i}", f"{_text(10 + i)}\nMenu Sections" + (f"\n{wire}" if i < 2 else ""))
        for i in range(BATCH_MIN_DOCS)
    ]
    cfg = BoilerplateConfig()
    counts = merge_counts([count_lines(site_docs[:3], cfg), count_lines(site_docs[3:] + pool, cfg)])
    learned = learn_boilerplate(counts)
    assert learned["example.org"] == {line_key(footer)}
    assert learned[BATCH] == {line_key("Menu Sections")}
    assert line_key(wire) not in learned[BATCH]


def test_learned_lines_leave_the_body_with_their_rule() -> None:
    lines = "Menu Sections\nThe council approved the new budget on Tuesday after a long debate."
    doc = Document(
        id="a",
        source=Source("a", "text", "https://example.org/a"),
        text=lines,
        metadata={"content_type": "text"},
    )
    learned = {"example.org": frozenset({line_key("Menu Sections"), line_key("Advertisement")})}
    keys = learned_for(doc, learned)
    cleaned = strip_boilerplate(doc, load_rules(), BoilerplateConfig(), learned=keys)
    assert cleaned.text.strip().startswith("The council approved")
    assert [(r.text, r.rule) for r in cleaned.removed] == [("Menu Sections", "learned.repeated_line")]
    assert strip_boilerplate(cleaned, load_rules(), BoilerplateConfig(), learned=keys) == cleaned
    # The catalogue names its own lines, learned or not.
    ad = dataclasses.replace(doc, text="Advertisement\n" + lines)
    assert (
        strip_boilerplate(ad, load_rules(), BoilerplateConfig(), learned=keys).removed[0].rule == "ads.label"
    )


# --- the batch-wide search against a plain reference, in memory and over shard files -------------


def _reference_duplicates(signatures: list, threshold: float = 0.8) -> dict[str, str]:
    """Every pair of documents that share a band or a content hash, checked one by one (quadratic)."""
    import itertools

    from pipeline.corpus.find_duplicates import BANDS, ROWS

    parent = {s.id: s.id for s in signatures}

    def find(item: str) -> str:
        while parent[item] != item:
            item = parent[item]
        return item

    for a, b in itertools.combinations(signatures, 2):
        shares_band = any(
            a.minhash[k * ROWS : (k + 1) * ROWS] == b.minhash[k * ROWS : (k + 1) * ROWS] for k in range(BANDS)
        )
        similar = sum(x == y for x, y in zip(a.minhash, b.minhash, strict=True)) / len(a.minhash)
        if a.content_hash == b.content_hash or (shares_band and similar >= threshold):
            ra, rb = find(a.id), find(b.id)
            if ra != rb:
                low, high = sorted((ra, rb))
                parent[high] = low
    return {doc_id: find(doc_id) for doc_id in sorted(parent) if find(doc_id) != doc_id}


def _edited_batch(seed: int, n: int) -> list[Document]:
    """``n`` documents: a few originals, copies with one word changed, a line added or dropped."""
    rng = random.Random(seed)
    originals = [_text(rng.randrange(10**6), rng.randint(1, 12)) for _ in range(max(1, n // 4))]
    docs = []
    for i in range(n):
        lines = rng.choice(originals).split("\n")
        edit = rng.randrange(4)
        if edit == 1:
            lines[0] = lines[0].replace(lines[0].split()[1], rng.choice(WORDS), 1)
        elif edit == 2:
            lines.append(_text(rng.randrange(10**6), 1))
        elif edit == 3 and len(lines) > 1:
            lines.pop(rng.randrange(len(lines)))
        docs.append(_doc(f"doc{rng.randrange(10**4):04d}-{i}", "\n".join(lines)))
    return docs


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(0, 40))
def test_batch_search_finds_what_checking_every_pair_finds(seed: int, n: int) -> None:
    signatures = [signature(d) for d in _edited_batch(seed, n)]
    assert find_duplicates(signatures) == _reference_duplicates(signatures)


def test_the_search_does_not_depend_on_how_the_batch_is_sharded(tmp_path: Path) -> None:
    signatures = [signature(d) for d in _edited_batch(7, 120)]
    files = []
    for shard, start in enumerate(range(0, len(signatures), 25)):
        ids, minhash = tmp_path / f"s{shard}.jsonl", tmp_path / f"s{shard}.minhash.npy"
        assert write_signatures(ids, minhash, signatures[start : start + 25]) == len(signatures[start:][:25])
        files.append((ids, minhash))
    files.append((tmp_path / "empty.jsonl", tmp_path / "empty.minhash.npy"))
    write_signatures(*files[-1], [])
    maps = list(duplicates_by_shard(SignatureFiles(files)))
    assert len(maps) == len(files) and maps[-1] == {}
    # Each shard's map names exactly the copies among its own documents.
    for shard, found in enumerate(maps[:-1]):
        own = {s.id for s in signatures[shard * 25 : (shard + 1) * 25]}
        assert set(found) <= own
    found = {k: v for m in maps for k, v in m.items()}
    assert found == find_duplicates(signatures, shard_size=len(signatures)) and len(found) > 30
    assert list(duplicates_by_shard(SignatureFiles([]))) == []


def test_a_member_is_compared_with_every_group_of_its_bucket() -> None:
    from pipeline.corpus.find_duplicates import NUM_PERM, ROWS

    shared = tuple(range(ROWS))  # one LSH band in common puts all three in one bucket
    a = Signature("a", "ha", shared + tuple(range(1000, 1000 + NUM_PERM - ROWS)))
    b = Signature("b", "hb", shared + tuple(range(2000, 2000 + NUM_PERM - ROWS)))
    # c is b with one value changed in every other band (estimated Jaccard 0.88): c and b share only
    # the common band, whose bucket holds a too, and a comes first.
    changed = tuple(v + 500 if k % ROWS == 0 and k >= ROWS else v for k, v in enumerate(b.minhash))
    c = Signature("c", "hc", changed)
    assert find_duplicates([a, b, c]) == {"c": "b"}
    assert find_duplicates([c, b, a]) == {"c": "b"}


@settings(max_examples=200, deadline=None)
@given(grams=st.sets(st.binary(max_size=40), max_size=60))
def test_minhash_equals_datasketch(grams: set[bytes]) -> None:
    """Our MinHash gives datasketch 2's values (its default scheme), without importing it at run time."""
    import numpy as np
    from datasketch import MinHash

    from pipeline.corpus.find_duplicates import NUM_PERM, SEED, minhash

    theirs = MinHash(num_perm=NUM_PERM, seed=SEED)
    if grams:
        theirs.update_batch(sorted(grams))
    assert np.array_equal(minhash(grams), theirs.hashvalues)


def test_minhash_of_many_shingles_is_computed_in_chunks() -> None:
    import numpy as np

    from pipeline.corpus.find_duplicates import minhash

    grams = [f"shingle {i}".encode() for i in range(10_000)]
    assert (minhash(grams) == np.minimum(minhash(grams[:5000]), minhash(grams[5000:]))).all()


def test_lines_of_a_wrapped_prose_paragraph_are_never_learned_nor_removed_as_learned() -> None:
    import textwrap

    paragraph = " ".join(_text(99, sentences=4).split("\n")).replace(".", ",")
    wrapped = textwrap.fill(paragraph, 60)
    assert all(not line.endswith(".") for line in wrapped.split("\n")[:-1])
    docs = [_doc(f"w{i}", f"{_text(i)}\n\n{wrapped}\n\n{_text(50 + i)}") for i in range(2 * BATCH_MIN_DOCS)]
    assert learn_boilerplate(count_lines(docs, BoilerplateConfig())) == {}
    # A wrap line that happens to be a learned line elsewhere stays inside its paragraph.
    first = wrapped.split("\n")[0]
    learned = frozenset({line_key(first)})
    cleaned = strip_boilerplate(docs[0], load_rules(), BoilerplateConfig(), learned=learned)
    assert first in cleaned.text.split("\n")


def test_lines_of_code_blocks_are_never_learned_nor_removed() -> None:
    code = "```\nresource \"aws_vpc\" \"main\" {\n  tags = {\n    Name = \"Main\"\n  }\n}\n```"
    docs = [
        _doc(f"c{i}", f"{_text(i)}\n{code}\n{_text(40 + i)}", url=f"https://docs.example.org/{i}")
        for i in range(6)
    ]
    assert learn_boilerplate(count_lines(docs, BoilerplateConfig())) == {}
    # A line of code that is a learned line (or a catalogue phrase) elsewhere stays in its block.
    learned = frozenset({line_key("}"), line_key("  tags = {")})
    cleaned = strip_boilerplate(docs[0], load_rules(), BoilerplateConfig(), learned=learned)
    assert code in cleaned.text and not cleaned.removed
