"""segment_paragraphs: one line per paragraph, hard wraps re-joined, hyphens mended where safe, types."""

from __future__ import annotations

from pipeline.document import Document, Source
from pipeline.segment import paragraph_type, segment_paragraphs, split_paragraphs

WRAPPED = """The committee met on Tuesday to discuss the new budget for the
coming year, and members said the plan would raise spending on
schools and roads by a tenth over the next four years.

A final vote is expected next month, after a round of public
hearings in every district of the state."""


def test_lines_of_a_text_dump_are_paragraphs_each() -> None:
    assert split_paragraphs("First paragraph.\nSecond paragraph.\n\nThird.") == [
        "First paragraph.",
        "Second paragraph.",
        "Third.",
    ]


def test_hard_wrapped_blocks_are_rejoined() -> None:
    paragraphs = split_paragraphs(WRAPPED)
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("The committee met") and paragraphs[0].endswith("four years.")
    assert "the\ncoming" not in paragraphs[0] and "the coming" in paragraphs[0]


def test_hyphen_at_a_wrap_is_mended_only_when_the_document_knows_the_word() -> None:
    text = (
        "The new information system was installed last year in every depart-\n"
        "ment of the city, and the department says that all the well-\n"
        "known problems with the old one are gone for good, officials said."
    )
    (paragraph,) = split_paragraphs(text)
    assert "every department of the city" in paragraph
    assert "well-known" in paragraph


def test_white_space_is_normalised_inside_paragraphs() -> None:
    assert split_paragraphs("White House\u00a0 Concerned   today") == ["White House Concerned today"]


def test_paragraph_types() -> None:
    assert paragraph_type("• Two cups of flour") == "list_item"
    assert paragraph_type("What happens next") == "heading"
    assert paragraph_type("The vote is next month.") == "paragraph"


def test_segment_is_idempotent_and_rebuilds_text() -> None:
    doc = Document(id="t", source=Source("t.txt", "text"), text=WRAPPED)
    once = segment_paragraphs(doc)
    assert once.text == "\n\n".join(once.paragraphs)
    assert segment_paragraphs(once) == once
