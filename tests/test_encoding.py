"""Bytes -> text decisions and ftfy repairs, each recorded."""

from __future__ import annotations

import codecs

import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252 for building mojibake
import ftfy.badness
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.clean.repair_encoding as encoding
from pipeline.clean.formats import RawItem
from pipeline.clean.repair_encoding import (
    FTFY_CONFIG,
    decode_bytes,
    decode_item,
    fix_text_explained,
    repair_encoding,
)
from pipeline.document import Source

TEXT = "Café “quoted” — naïve façade, 5 €."


def _item(data: bytes, content_type: str = "text") -> RawItem:
    return RawItem("x", Source("x.txt", content_type), data, content_type)


@pytest.mark.parametrize(
    ("data", "charset", "rule"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8", "bom"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le", "bom"),
        (TEXT.encode("utf-8"), "utf-8", "utf8"),
        (TEXT.encode("utf-16-le"), "utf-16-le", "utf16_pattern"),
    ],
    ids=["utf8-bom", "utf16-bom", "utf8", "utf16-no-bom"],
)
def test_decode_rules(data: bytes, charset: str, rule: str) -> None:
    text, got_charset, got_rule = decode_bytes(data)
    assert (text, got_charset, got_rule) == (TEXT, charset, rule)


def test_declared_meta_charset_wins_over_guessing() -> None:
    html = f'<html><head><meta charset="windows-1252"></head><body><p>{TEXT}</p></body></html>'
    text, charset, rule = decode_bytes(html.encode("cp1252"), content_type="html")
    assert TEXT in text and charset == "sloppy-windows-1252" and rule == "declared"


def test_iso_8859_1_label_is_read_as_windows_1252() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>“x”</p>'
    text, charset, _ = decode_bytes(html.encode("cp1252"), content_type="html")
    assert "“x”" in text and charset == "sloppy-windows-1252"


def test_undeclared_legacy_bytes_fall_to_the_detector() -> None:
    data = ("Ceci est un texte français assez long pour être détecté, déjà écrit à l'été. " * 5).encode(
        "cp1252"
    )
    text, _, rule = decode_bytes(data)
    assert "français" in text and rule in ("detector", "fallback")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n\x00\x01\x02binary" * 20, "binary"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
    ],
    ids=["pdf", "all-bytes", "png"],
)
def test_binary_input_is_rejected(data: bytes, reason: str) -> None:
    doc = decode_item(_item(data))
    assert doc.rejection is not None and doc.rejection.reason == reason


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


def test_http_header_charset_is_the_declared_charset() -> None:
    item = RawItem("x", Source("x.html", "html"), f"<p>{TEXT}</p>".encode("cp1252"), "html", "windows-1252")
    doc = decode_item(item)
    assert TEXT in (doc.html or "") and doc.metadata["encoding"] == {
        "charset": "sloppy-windows-1252",
        "rule": "declared",
    }


@pytest.mark.parametrize("label", ["ascii", "iso-8859-1", "windows-1252", "koi8-r"])
def test_valid_utf8_wins_over_a_declared_single_byte_charset(label: str) -> None:
    """Servers send a default ISO-8859-1 header for UTF-8 pages; valid multi-byte UTF-8 is no accident."""
    doc = decode_item(RawItem("x", Source("x.html", "html"), TEXT.encode("utf-8"), "html", label))
    assert doc.html == TEXT and doc.metadata["encoding"] == {"charset": "utf-8", "rule": "utf8_over_declared"}


def test_declared_single_byte_charset_still_decides_ascii_and_non_utf8_bytes() -> None:
    for text in ("plain ascii", TEXT):
        data = text.encode("cp1252")
        decoded, charset, rule = decode_bytes(data, "windows-1252", "html")
        assert (decoded, charset, rule) == (text, "sloppy-windows-1252", "declared")


def test_nul_heavy_text_is_rejected_not_decoded() -> None:
    data = b"Some words\x00\x00\x00 then\x00 more \x00\x00 words " * 50
    doc = decode_item(_item(data))
    assert doc.rejection is not None and doc.rejection.reason == "binary"


def test_utf16_big_endian_without_bom_is_decoded() -> None:
    doc = decode_item(_item(TEXT.encode("utf-16-be")))
    assert doc.text == TEXT and doc.metadata["encoding"] == {"charset": "utf-16-be", "rule": "utf16_pattern"}


# --- the fast pre-check ------------------------------------------------------------------------


def _badness_alphabet() -> str:
    """Every character any fixed position of ftfy's BADNESS_RE names, and ASCII letters and space."""
    pattern = ftfy.badness.BADNESS_RE
    ((_, (_, branches)),) = list(encoding._re_parser.parse(pattern.pattern, pattern.flags))
    chars: set[str] = set("aZ .é")
    for branch in branches:
        for op, av in branch:
            chars |= encoding._character_class(op, av) or set()
    return "".join(sorted(chars))


BADNESS_ALPHABET = _badness_alphabet()
# Lines to throw at the pre-check: mojibake-prone characters, combining marks (NFC), entities,
# controls, line breaks, surrogates, CJK, and real mojibake made from such text.
LINE_ALPHABET = BADNESS_ALPHABET + "\u0301\u0308\u200d&#;<>0aé\t\r\x00\x1b\x85\u2028\ufeff\ud83d中ßфΩ"
_plain = st.text(alphabet=st.sampled_from(LINE_ALPHABET), max_size=24)
_mojibake = st.text(alphabet=st.sampled_from(LINE_ALPHABET[:400] + "“”’—…"), max_size=12).map(
    lambda s: s.encode("utf-8", "surrogatepass").decode("sloppy-windows-1252")
)
LINES = st.lists(st.one_of(_plain, _mojibake), min_size=1, max_size=4).map("".join)


def test_hint_search_equals_badness_on_every_pair() -> None:
    """Exhaustively: the windowed search around hint characters finds exactly what BADNESS_RE finds."""
    pairs = [a + b for a in BADNESS_ALPHABET for b in BADNESS_ALPHABET]
    assert len(pairs) > 100_000
    for pair in pairs:
        assert encoding._looks_bad(pair) == ftfy.badness.is_bad(pair), pair


@settings(max_examples=500, deadline=None)
@given(LINES)
def test_hint_search_equals_badness(line: str) -> None:
    assert encoding._looks_bad(line) == ftfy.badness.is_bad(line)


@settings(max_examples=500, deadline=None)
@given(LINES, st.booleans())
def test_precheck_is_safe(line: str, unescape: bool) -> None:
    """Whatever line the pre-check clears, ftfy (our config) returns unchanged, with no step."""
    config = FTFY_CONFIG if unescape else FTFY_CONFIG._replace(unescape_html=False)
    if encoding.unchanged_by_ftfy(line, unescape_html=unescape):
        assert ftfy.fix_and_explain(line, config) == (line, [])


def test_fixer_triggers_cover_every_character_the_plain_fixers_touch() -> None:
    """All code points outside FIXER_TRIGGERS pass the character-wise fixers unchanged."""
    others = "".join(chr(c) for c in range(0x110000) if chr(c) not in encoding.FIXER_TRIGGERS)
    for name in ("fix_c1_controls", "fix_line_breaks", "fix_surrogates", "remove_control_chars"):
        assert ftfy.FIXERS[name](others) == others, name


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


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=()), max_size=60))
def test_control_count_counts_the_c0_controls_other_than_white_space(text: str) -> None:
    """Counted on the UTF-8 bytes (surrogates too), the count is that of the characters themselves."""
    controls = sum(1 for c in text if c < "\x09" or "\x0e" <= c < "\x20")
    assert encoding._control_count(text) == controls


@pytest.mark.parametrize(
    "text",
    ["Here's a control character: \x1a", "These control characters \x1a are apparently intentional \x81"],
)
def test_a_short_text_with_a_stray_control_character_is_text_and_loses_the_character(text: str) -> None:
    doc = repair_encoding(decode_item(_item(text.encode("utf-8"))))
    assert doc.rejection is None
    assert "\x1a" not in doc.text and doc.text.startswith(("Here's a control character:", "These control"))
    assert "remove_control_chars" in " ".join(doc.metadata["encoding_fixes"])


def test_many_control_characters_are_binary_whatever_the_length() -> None:
    noise = bytes(range(1, 9)) + bytes(range(14, 32))
    for data in (b"ab" + noise[: encoding.MIN_CONTROL_CHARS], b"word " * 2000 + noise * 50):
        doc = decode_item(_item(data))
        assert doc.rejection is not None and doc.rejection.reason == "binary"
