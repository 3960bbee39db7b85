"""Bytes -> text decisions and ftfy repairs, each recorded."""

from __future__ import annotations

import codecs

import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252 for building mojibake
import pytest

from pipeline.document import Source
from pipeline.encoding import decode_bytes, decode_item, fix_text_explained, repair_encoding
from pipeline.readers import RawItem

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
