"""Bytes -> text: which rule decides the charset, and what is rejected as binary."""

from __future__ import annotations

import codecs

import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252 for building mojibake
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.clean.charset as charset
from pipeline.clean.charset import decode_bytes
from pipeline.clean.read_documents import decode_item
from pipeline.clean.readers import RawItem
from pipeline.clean.repair_encoding import repair_encoding
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


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=()), max_size=60))
def test_control_count_counts_the_c0_controls_other_than_white_space(text: str) -> None:
    """Counted on the UTF-8 bytes (surrogates too), the count is that of the characters themselves."""
    controls = sum(1 for c in text if c < "\x09" or "\x0e" <= c < "\x20")
    assert charset._control_count(text) == controls


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
    for data in (b"ab" + noise[: charset.MIN_CONTROL_CHARS], b"word " * 2000 + noise * 50):
        doc = decode_item(_item(data))
        assert doc.rejection is not None and doc.rejection.reason == "binary"


@pytest.mark.parametrize("declared", [None, "utf-8"])
def test_utf8_with_a_character_cut_short_stays_utf8(declared: str | None) -> None:
    """A teaser cut inside a character must not send the whole page to the legacy-charset detector."""
    text = "Zażółć gęślą jaźń, mówią że to zdanie ma wszystkie polskie znaki. " * 8
    cut = "papierosó".encode()[:-1]  # "papieros\xc3": the last character lost its second byte
    data = text.encode("utf-8") + cut + b"... " + text.encode("utf-8")
    decoded, charset_name, rule = decode_bytes(data, declared, "html")
    assert (charset_name, rule) == ("utf-8", "utf8_damaged")
    assert decoded == text + "papieros\ufffd... " + text


def test_legacy_bytes_are_not_mistaken_for_damaged_utf8() -> None:
    data = ("Český text, který není v UTF-8, ale ve windows-1250. " * 8).encode("cp1250")
    _, charset_name, rule = decode_bytes(data, None, "html")
    assert rule == "detector" and charset_name != "utf-8"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Copyright © 2003 Jim Smith. " + "This page tells the history of the town. " * 8, "cp1252"),
        ("Sales Agent, REALTOR® (702) 648-4500. " + "Your home will sell fast with us. " * 6, "cp1252"),
        ("Zażółć gęślą jaźń, mówią że to zdanie ma wszystkie polskie znaki. " * 4, "cp1250"),
        ("日本語の文章を書いています。東京は日本の首都です。Letter from Tokyo, 2001. " * 4, "cp932"),
    ],
    ids=["english-copyright", "english-registered", "polish", "japanese"],
)
def test_undeclared_legacy_page_is_read_in_its_own_encoding(text: str, encoding: str) -> None:
    """The detector's near-ties go to cp1252 only where cp1252 reads the bytes as well: an English page
    with a "®" is not Japanese, and a page that cp1252 cannot read keeps the detector's choice."""
    html = f"<html><body><p>{text}</p></body></html>".encode(encoding)
    decoded, charset_name, rule = decode_bytes(html, None, "html")
    assert rule == "detector" and text in decoded
