"""Bytes -> text (BOM, declared charset, strict UTF-8, detector, fallback) and mojibake repair (ftfy).

``decode_item`` decides how a raw item's bytes become text and records which rule decided.
``repair_encoding`` runs ftfy line by line and lists every repair it made in
``metadata.encoding_fixes``. Lines that are plain printable ASCII cannot be changed by the fixers we
enable, so they skip ftfy entirely; that is the fast path for the common case.
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Iterator
from typing import Any

import charset_normalizer
import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-windows-* codecs used as fallback
import regex

from pipeline.document import Document
from pipeline.readers import RawItem

STAGE = "repair_encoding"

# ftfy configured on purpose: repair encodings and control characters, but never restyle text.
# Quote uncurling, ligature and width changes would alter correct text (curly quotes stay curly),
# the same choice DataTrove and NeMo Curator make.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html="auto",
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization="NFC",
    explain=True,
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = regex.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", regex.IGNORECASE
)
_XML_DECL = regex.compile(rb"""^\s*<\?xml[^>]{0,200}encoding\s*=\s*["']([A-Za-z0-9._:-]{2,40})["']""")
# Browsers read these labels as windows-1252 with its five undefined bytes as C1 controls (WHATWG
# Encoding Standard); ftfy's sloppy-windows-1252 codec is exactly that.
_WHATWG_ALIASES = {
    "iso8859-1": "sloppy-windows-1252",
    "ascii": "sloppy-windows-1252",
    "cp1252": "sloppy-windows-1252",
}
# Legacy encodings by how often the web uses them (W3Techs); the detector's near-ties go to the
# more common one, since charset-normalizer alone reads short cp1252 French as cp1257.
_WEB_ENCODINGS = (
    "cp1252",
    "cp1251",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "cp1250",
    "iso8859_2",
    "cp1256",
    "cp1253",
    "cp1254",
    "cp1255",
    "koi8_r",
    "iso8859_15",
    "cp874",
    "cp1258",
    "iso8859_7",
    "iso8859_9",
)
# Candidates whose "chaos" is within this of the detector's best count as a tie.
DETECTOR_TIE_MARGIN = 0.1
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data inside the file"),
    (b"\x7fELF", "ELF executable"),
    (b"(\xb5/\xfd", "zstandard data inside the file"),
)
# Lines made only of these characters pass every enabled fixer unchanged (see module docstring).
_NEEDS_FTFY = regex.compile(r"[^\t\n\x20-\x25\x27-\x7e]")
# Repairs repeat until nothing changes, at most this often.
MAX_REPAIR_PASSES = 4
# More than this share of control characters after decoding means the input was not text.
MAX_CONTROL_SHARE = 0.01


def _codec_name(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def declared_charset(data: bytes, content_type: str) -> str | None:
    """The charset an HTML/XML document declares in its first 4 KB, if any."""
    if content_type != "html":
        return None
    head = data[:4096]
    for pattern in (_XML_DECL, _META_CHARSET):
        found = pattern.search(head)
        if found:
            return found.group(1).decode("ascii", "replace")
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NUL bytes sit in every other position, as in UTF-16 text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    # Latin-script UTF-16 has a NUL in most high bytes and almost none in the low ones.
    if odd.count(0) > 0.5 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.5 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(
    data: bytes, declared: str | None = None, content_type: str = "text"
) -> tuple[str, str, str]:
    """``(text, charset, rule)``: the first of BOM, declared charset, UTF-8, UTF-16 pattern, detector.

    Raises ``ValueError`` with a reason when the bytes are not text at all.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name, "bom"
    for label in (declared, declared_charset(data, content_type)):
        codec = _codec_name(label) if label else None
        if codec:
            try:
                return data.decode(codec), codec, "declared"
            except UnicodeDecodeError:
                pass
    # NUL bytes are valid UTF-8, so UTF-16's tell-tale NUL pattern is checked first.
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16, "utf16_pattern"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8", "utf8"
    except UnicodeDecodeError:
        pass
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ValueError(f"binary: {what}")
    if data.count(0) > len(data) // 1000:
        raise ValueError("binary: NUL bytes")
    detected = _detect(data)
    if detected:
        try:
            return data.decode(detected), detected, "detector"
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("sloppy-windows-1252"), "sloppy-windows-1252", "fallback"


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess, with near-ties resolved toward encodings common on the web."""
    matches = list(charset_normalizer.from_bytes(data[:200_000]))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    close = [m.encoding for m in matches if m.chaos <= best + DETECTOR_TIE_MARGIN]
    for name in _WEB_ENCODINGS:
        if name in close:
            return name
    return str(matches[0].encoding)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v")
    return controls / len(text)


def decode_item(item: RawItem) -> Document:
    """Turn a raw item into a document with decoded text (or markup), or a rejected one."""
    doc = Document(id=item.id, source=item.source, metadata={"content_type": item.content_type})
    if item.rejection is not None:
        return dataclasses.replace(doc, rejection=item.rejection)
    if (
        item.data[:4096].count(0) > 0
        and _utf16_without_bom(item.data) is None
        and not any(item.data.startswith(bom) for bom, _ in _BOMS)
    ):
        return doc.reject(STAGE, "binary", "NUL bytes in the first 4 KB")
    try:
        text, charset, rule = decode_bytes(item.data, item.declared_charset, item.content_type)
    except ValueError as exc:
        reason, _, detail = str(exc).partition(": ")
        return doc.reject(STAGE, reason, detail)
    if _control_share(text[:100_000]) > MAX_CONTROL_SHARE:
        return doc.reject(STAGE, "binary", f"control characters after decoding as {charset}")
    if not text.strip():
        return doc.reject(STAGE, "empty", f"only white space after decoding as {charset}")
    doc = doc.with_metadata(encoding={"charset": charset, "rule": rule})
    if item.content_type == "html":
        return dataclasses.replace(doc, html=text)
    return dataclasses.replace(doc, text=text)


def _segments(text: str) -> Iterator[str]:
    """Lines with their "\\n", as ftfy.fix_text cuts them (str.splitlines would also cut at U+0085)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end + 1
        yield text[start:end]
        start = end


def fix_text_explained(text: str) -> tuple[str, list[str]]:
    """ftfy over ``text`` line by line; returns the text and the repairs made, in order, once each."""
    if not _NEEDS_FTFY.search(text):
        return text, []
    fixes: list[str] = []
    out: list[str] = []
    for line in _segments(text):
        if not _NEEDS_FTFY.search(line):
            out.append(line)
            continue
        fixed, steps = ftfy.fix_and_explain(line, FTFY_CONFIG)
        out.append(fixed)
        for step in steps or ():
            name = f"{step.action}:{step.parameter}"
            if name not in fixes:
                fixes.append(name)
    return "".join(out), fixes


def repair_encoding(doc: Document) -> Document:
    """Repair mojibake and control characters in a document's text (or markup), recording each fix."""
    if doc.rejected:
        return doc
    changes: dict[str, Any] = {}
    fixes: list[str] = list(doc.metadata.get("encoding_fixes") or [])
    for name in ("text", "html"):
        value = getattr(doc, name)
        if not value:
            continue
        fixed, made = value, list[str]()
        # ftfy is not idempotent on some garbage (a repair can expose new mojibake); repeat to a fixpoint.
        for _ in range(MAX_REPAIR_PASSES):
            again, more = fix_text_explained(fixed)
            if again == fixed:
                break
            fixed = again
            made.extend(f for f in more if f not in made)
        if fixed != value:
            changes[name] = fixed
            fixes.extend(f for f in made if f not in fixes)
    if not changes:
        return doc.with_metadata(encoding_fixes=fixes)
    return dataclasses.replace(doc, **changes).with_metadata(encoding_fixes=fixes)
