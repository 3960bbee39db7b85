"""Mojibake repaired by ftfy as ``ftfy.fix_text`` would, every repair recorded."""

from __future__ import annotations

import dataclasses

import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252 for building mojibake
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ftfy_check import LINES

from pipeline.clean.ftfy_check import FTFY_CONFIG
from pipeline.clean.read_documents import decode_item
from pipeline.clean.readers import RawItem
from pipeline.clean.repair_encoding import fix_text_explained, repair_encoding
from pipeline.document import Document, Removal, Source

TEXT = "Café “quoted” — naïve façade, 5 €."
MOJIBAKE = TEXT.encode("utf-8").decode("sloppy-windows-1252")


def _item(data: bytes, content_type: str = "text") -> RawItem:
    return RawItem("x", Source("x.txt", content_type), data, content_type)


def test_mojibake_is_repaired_and_explained() -> None:
    broken = TEXT.encode("utf-8").decode("sloppy-windows-1252")
    fixed, fixes = fix_text_explained(broken)
    assert fixed == TEXT
    assert fixes and any("utf-8" in f for f in fixes)


def test_clean_text_passes_through_byte_identical() -> None:
    for text in (TEXT, "Plain ASCII line.\nAnother one.", "Ελληνικά και русский текст — “curly” stays"):
        assert fix_text_explained(text) == (text, [])


def test_repair_encoding_records_fixes_in_metadata() -> None:
    doc = decode_item(_item(TEXT.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")))
    repaired = repair_encoding(doc)
    assert repaired.text == TEXT
    assert repaired.metadata["encoding_fixes"]
    assert repair_encoding(repaired).text == TEXT


@settings(max_examples=100, deadline=None)
@given(st.lists(LINES, max_size=8).map("\n".join))
def test_stage_output_equals_ftfy_fix_text(text: str) -> None:
    """Segment by segment with the pre-check gives exactly ftfy.fix_text's output (sticky "<" included)."""
    assert fix_text_explained(text)[0] == ftfy.fix_text(text, FTFY_CONFIG)


def test_entities_are_kept_after_the_first_angle_bracket() -> None:
    text = "caf&eacute;\n1 < 2\ncaf&eacute;"
    assert fix_text_explained(text) == ("café\n1 < 2\ncaf&eacute;", ["apply:unescape_html"])


def test_only_real_changes_are_recorded() -> None:
    fixed, fixes = fix_text_explained("clean “line”\nbroken cafÃ©\n")
    assert fixed == "clean “line”\nbroken café\n"
    assert fixes == ["encode:latin-1", "decode:utf-8"]


def test_an_extracted_title_and_dropped_lines_are_repaired_with_the_text() -> None:
    """They come from the same mojibake as the text, and must still match it after the repair."""
    extracted = Document(
        "x",
        Source("x.html", "html"),
        text=f"{MOJIBAKE}\nMore text.",
        title=MOJIBAKE,
        removed=(Removal(MOJIBAKE, "extract.not_main_content", "extract_text"),),
    )
    repaired = repair_encoding(extracted)
    assert (repaired.text, repaired.title, repaired.removed[0].text) == (f"{TEXT}\nMore text.", TEXT, TEXT)
    # Clean text leaves them alone, as it is.
    clean = dataclasses.replace(extracted, text="Plain text.")
    assert repair_encoding(clean).title == MOJIBAKE
