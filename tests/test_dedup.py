"""Duplicates across a batch, and boilerplate learned from repeated lines."""

from __future__ import annotations

import dataclasses
import random

from pipeline.boilerplate import strip_boilerplate
from pipeline.config import BoilerplateConfig
from pipeline.dedup import find_duplicates, mark_duplicate, signature
from pipeline.document import Document, Source
from pipeline.learned import (
    BATCH,
    count_lines,
    learn_boilerplate,
    learned_for,
    line_key,
    merge_counts,
)
from pipeline.rules import load_rules

WORDS = "council budget schools roads vote hearing district plan members spending city night".split()


def _text(seed: int, sentences: int = 12) -> str:
    rng = random.Random(seed)
    return "\n".join(
        " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(sentences)
    )


def _doc(doc_id: str, text: str, url: str | None = None) -> Document:
    return Document(id=doc_id, source=Source(doc_id, "text", url), text=text)


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
        _doc(f"p{i}", f"{_text(10 + i)}\nMenu Sections" + (f"\n{wire}" if i < 2 else "")) for i in range(4)
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
