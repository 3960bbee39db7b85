"""Hypothesis invariants over arbitrary text: no stage raises, stages are idempotent, lines add up."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.chain import STAGES, clean_document
from pipeline.clean.repair_encoding import repair_encoding
from pipeline.clean.segment_paragraphs import segment_paragraphs
from pipeline.clean.strip_boilerplate import strip_boilerplate
from pipeline.clean.tag_metadata import tag_metadata
from pipeline.config import Config
from pipeline.document import (
    METADATA_KEYS,
    Document,
    Rejection,
    Removal,
    Source,
    document_from_dict,
    document_to_dict,
)
from pipeline.rules import load_rules
from pipeline.run.files import read_stage_file, write_stage_file
from pipeline.text import count_words

CFG = Config()
#: The reject reasons the README documents.
REJECT_REASONS = frozenset(
    "empty binary unsupported_format unreadable corrupt_compression too_large invalid_json invalid_warc "
    "invalid_arc duplicate_id unparseable_html extraction_timeout extraction_error out_of_memory "
    "no_main_content empty_after_cleaning no_text duplicate".split()
)
LINES = st.sampled_from(
    [
        "Advertisement",
        "Share",
        "Leave a Reply",
        "%d bloggers like this:",
        "Home / News / Story",
        "A Headline Of Several Words",
        "The council approved the new budget on Tuesday after a long debate.",
        "Officials said the plan would take effect next year, pending review.",
        "short",
        "",
        "   ",
        "Ã©tÃ© â€” cafÃ©",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=400), st.lists(st.one_of(LINES, st.text(max_size=60)), max_size=25).map("\n".join)
)
COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _doc(text: str) -> Document:
    return Document(id="h", source=Source("h.txt", "text"), text=text, metadata={"content_type": "text"})


def _strip(doc: Document) -> Document:
    return strip_boilerplate(doc, load_rules(), CFG.boilerplate)


@COMMON
@given(TEXTS)
def test_no_stage_raises_and_the_whole_chain_runs(text: str) -> None:
    doc = clean_document(text)
    assert doc.rejected or doc.text == "\n\n".join(doc.paragraphs)


@COMMON
@given(TEXTS)
def test_stages_are_idempotent(text: str) -> None:
    for stage in (repair_encoding, _strip, segment_paragraphs, tag_metadata):
        once = stage(_doc(text))
        assert stage(once) == once


@COMMON
@given(TEXTS)
def test_kept_lines_are_an_ordered_subsequence_and_kept_plus_removed_is_everything(text: str) -> None:
    doc = _strip(_doc(text))
    original = [line.strip() for line in text.split("\n") if line.strip()]
    kept = [line.strip() for line in doc.text.split("\n") if line.strip()]
    removed = [r.text for r in doc.removed]
    it = iter(original)
    assert all(any(line == candidate for candidate in it) for line in kept)
    assert sorted(kept + removed) == sorted(original)


# Pages whose menus, share bars and prose mix, so that extraction and stripping both remove lines.
PAGES = st.lists(
    st.tuples(st.sampled_from(["p", "li", "nav", "aside", "h2", "footer"]), LINES), min_size=1, max_size=25
).map(
    lambda blocks: "<html><body><article>"
    + "".join(f"<{tag}>{line}</{tag}>" for tag, line in blocks)
    + "</article></body></html>"
)


@COMMON
@given(st.one_of(TEXTS, PAGES))
def test_removals_are_in_document_order(content: str) -> None:
    """Whichever stages cut them, the removal log follows the document: positions never go back."""
    doc = clean_document(content, format="html" if content.startswith("<html>") else "text")
    places = [r.at for r in doc.removed if r.at is not None]
    assert places == sorted(places)


@COMMON
@given(TEXTS)
def test_tagging_leaves_text_byte_identical(text: str) -> None:
    doc = segment_paragraphs(_doc(text))
    tagged = tag_metadata(doc)
    assert (tagged.text, tagged.paragraphs) == (doc.text, doc.paragraphs)


@COMMON
@given(TEXTS, st.text(max_size=80))
def test_documents_round_trip_through_json_and_stage_files(text: str, html: str) -> None:
    doc = clean_document(text)
    assert document_from_dict(document_to_dict(doc)) == doc
    # A stage file (orjson) holds markup and text with any character, line separators included.
    marked = dataclasses.replace(
        doc, html=html + "\u2028\r\n", metadata={**doc.metadata, "score": np.float64(0.25)}
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "stage.jsonl")
        assert write_stage_file(path, [marked, doc]) == 2
        assert list(read_stage_file(path)) == [marked, doc]
        # The standard library reads every line of it as the same record.
        lines = path.read_bytes().split(b"\n")[:-1]
        assert [json.loads(line) for line in lines] == [document_to_dict(marked), document_to_dict(doc)]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_chain(data: bytes) -> None:
    """Any bytes end as a reject with a documented reason from a stage of the chain, or as a clean
    document with words, whose text is its typed paragraphs and whose metadata has every key."""
    for fmt in ("text", "html"):
        doc = clean_document(data, format=fmt)
        if doc.rejection is not None:
            assert doc.rejection.stage in STAGES
            assert doc.rejection.reason in REJECT_REASONS, doc.rejection
            continue
        assert doc.paragraphs and doc.text == "\n\n".join(doc.paragraphs)
        assert len(doc.paragraph_types) == len(doc.paragraphs)
        assert count_words(doc.text) >= CFG.output.min_words
        assert set(METADATA_KEYS) <= set(doc.metadata)


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_as_dict_matches_dataclasses_asdict(a: str, b: str, c: str) -> None:
    # The hand-written forms must keep every field, in order, as dataclasses.asdict would.
    for value in (Source(a, b, c), Removal(a, b, c), Rejection(a, b, c)):
        assert list(value.as_dict().items()) == list(dataclasses.asdict(value).items())
