"""Bytes -> text (BOM, declared charset, strict UTF-8, detector, fallback) and mojibake repair (ftfy).

``decode_item`` decides how a raw item's bytes become text and records the rule that decided in
``metadata.encoding`` (``bom``, ``declared`` -- the HTTP header charset the reader passes in, then
``<meta charset>`` / the XML declaration --, ``utf8_over_declared``, ``utf8``, ``utf16_pattern``,
``detector`` -- charset-normalizer --, ``fallback`` -- windows-1252). Bytes that are not text (file
signatures, NUL bytes, control characters) are rejected as ``binary`` with the reason.

``repair_encoding`` runs ftfy the way ``ftfy.fix_text`` does (segment by segment, the same sticky
"auto" HTML-entity switch) and lists every repair it really made in ``metadata.encoding_fixes``.
The ftfy configuration is a decision (``FTFY_CONFIG``): we keep the encoding fixes (mojibake,
``restore_byte_a0``, lossy and inconsistent UTF-8, C1 controls), HTML entities outside markup, line
breaks, surrogates, terminal escapes, control characters and NFC; we turn off quote uncurling,
Latin ligature splitting and full-width folding, because they rewrite correct text ("curly quotes
stay curly") and a corpus user cannot undo them.

Speed: ftfy runs at about 1 MB/s and almost no document needs it, so a pre-check derived from ftfy's
own code (see "Fast pre-check" below; property-tested against ftfy) clears documents and lines that no
enabled fixer can change, and only the rest go to ftfy. One pass equals ``ftfy.fix_text``; passes repeat
while a repair exposes more mojibake.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import importlib
import re
import unicodedata
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

import charset_normalizer
import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-windows-* codecs used as fallback
import ftfy.badness
import ftfy.chardata
import regex

from pipeline.clean.formats import RawItem
from pipeline.document import Document

STAGE = "repair_encoding"

# Python's regex parser (public as sre_parse before 3.11), used to read ftfy's BADNESS_RE.
_re_parser: Any = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
_sre: Any = importlib.import_module("re._constants" if hasattr(re, "_constants") else "sre_constants")

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
# Repairs repeat until nothing changes, at most this often.
MAX_REPAIR_PASSES = 4
# C0 controls other than the white space ones, as the bytes that encode them in UTF-8 (no other
# character's UTF-8 holds a byte below 0x80): deleting them from the encoded text counts them 5x
# faster than a regex over the text.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20)])
# More than this share of control characters after decoding means the input was not text ...
MAX_CONTROL_SHARE = 0.01
# ... once there are at least this many: a short text with a stray control character ("Here's a
# control character: \x1a", 1 in 29 characters, over the share) is text, and ftfy removes the character.
# ftfy's own test strings hold at most 1; the 1,797 dev pages (eval sets, HTML and text dumps) at most 65,
# 0.16% of their first 100,000 characters; random bytes decode to 10.6% controls, so binary data of about
# 100 bytes or more still reaches the count.
MIN_CONTROL_CHARS = 10


def _codec_name(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


@functools.lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """True for codecs that read any byte string (windows-125x, ISO-8859-x, KOI8...).

    Such a declaration cannot be checked against the bytes, and servers often send a default
    ISO-8859-1 header for UTF-8 pages; bytes that are valid multi-byte UTF-8 are then read as UTF-8
    (a cp1252 text is valid UTF-8 only by accident, e.g. "Ã©" written on purpose).
    """
    try:
        return len(bytes(range(256)).decode(codec, errors="replace")) == 256 and "utf" not in codec
    except LookupError:
        return False


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

    A declared single-byte charset yields to valid multi-byte UTF-8 (rule ``utf8_over_declared``).

    Raises ``ValueError`` with a reason when the bytes are not text at all.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name, "bom"
    for label in (declared, declared_charset(data, content_type)):
        codec = _codec_name(label) if label else None
        if codec:
            if _single_byte(codec) and not data.isascii():
                try:
                    return data.decode("utf-8"), "utf-8", "utf8_over_declared"
                except UnicodeDecodeError:
                    pass
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


def _control_count(text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _CONTROL_BYTES))


def too_many_controls(text: str) -> bool:
    """Whether decoded text holds so many control characters that the input was not text at all."""
    sample = text[:100_000]
    count = _control_count(sample)
    return count >= MIN_CONTROL_CHARS and count > MAX_CONTROL_SHARE * len(sample)


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
    if too_many_controls(text):
        return doc.reject(STAGE, "binary", f"control characters after decoding as {charset}")
    if not text.strip():
        return doc.reject(STAGE, "empty", f"only white space after decoding as {charset}")
    doc = doc.with_metadata(encoding={"charset": charset, "rule": rule})
    if item.content_type == "html":
        return dataclasses.replace(doc, html=text)
    return dataclasses.replace(doc, text=text)


# --- Fast pre-check: which lines can the enabled fixers change at all? -------------------------
#
# Derived from ftfy's own code (ftfy/__init__.py ``fix_and_explain``, ftfy/fixes.py, ftfy/badness.py,
# ftfy/chardata.py), not guessed. ``fix_and_explain`` runs its steps in a loop and stops when a round
# changes nothing, so a segment comes back unchanged when every enabled step is a no-op on it:
#   unescape_html           substitutes ``chardata.HTML_ENTITY_RE`` matches; off ("auto") once a "<" is seen
#   fix_encoding            returns at once unless ``badness.is_bad`` (a ``BADNESS_RE`` match); the
#                           subordinate restore_byte_a0 / lossy / inconsistent-UTF-8 / C1 steps run only
#                           after that gate
#   fix_c1_controls         U+0080..U+009F (``chardata.C1_CONTROL_RE``)
#   fix_line_breaks         "\r", U+0085, U+2028, U+2029 (str.replace chain)
#   fix_surrogates          U+D800..U+DFFF (``fixes.SURROGATE_RE``)
#   remove_terminal_escapes sequences starting with ESC (``fixes.ANSI_RE``)
#   remove_control_chars    the keys of ``chardata.CONTROL_CHARS``
#   normalization "NFC"     text that ``unicodedata.is_normalized("NFC", ...)`` says is not NFC
# ``BADNESS_RE`` itself runs at about 1 MB/s (Python's ``re`` tries its 35 alternatives at every
# position), as slow as ftfy, so it is only run near its possible matches: every alternative has a
# fixed position whose character class is listed explicitly, and a match must contain a character
# of the class chosen below for its alternative (``_MOJIBAKE_HINTS``).


def _character_class(op: Any, av: Any) -> frozenset[str] | None:
    """The characters one parsed regex item matches, when it is a plain literal or [class]."""
    if op is _sre.LITERAL:
        return frozenset(chr(av))
    if op is not _sre.IN:
        return None
    chars: set[str] = set()
    for item_op, item_av in av:
        if item_op is _sre.LITERAL:
            chars.add(chr(item_av))
        elif item_op is _sre.RANGE:
            chars.update(chr(code) for code in range(item_av[0], item_av[1] + 1))
        else:  # a negated class or a category such as \s: not a usable anchor
            return None
    return frozenset(chars)


def _commonness(chars: AbstractSet[str]) -> int:
    """How often a class's characters occur in correct text: letters, quotes and dashes weigh most."""
    weight = 0
    for ch in chars:
        if ch.isascii():
            weight += 1000
        elif unicodedata.category(ch) in ("Ll", "Lu", "Lo", "Pi", "Pf", "Ps", "Pe", "Pd", "Zs", "Po"):
            weight += 10
        else:
            weight += 1
    return weight


def _badness_hints(pattern: re.Pattern[str]) -> tuple[str, int]:
    """A set of characters every ``pattern`` match contains, and the longest match's length.

    Each top-level alternative contributes one of its mandatory character classes: the one that adds
    the least common characters to those already chosen. Alternatives whose cheapest class is most
    common go first, so the letters they force in can serve later alternatives too.
    """
    (op, av), *rest = list(_re_parser.parse(pattern.pattern, pattern.flags))
    if rest or op is not _sre.BRANCH:
        raise RuntimeError("ftfy's BADNESS_RE is no longer one alternation; re-derive the pre-check")
    alternatives: list[list[frozenset[str]]] = []
    longest = 0
    for branch in av[1]:
        classes = [c for c in (_character_class(o, a) for o, a in branch) if c is not None]
        if not classes:
            raise RuntimeError("a BADNESS_RE alternative has no fixed character class")
        alternatives.append(classes)
        longest = max(longest, branch.getwidth()[1])
    hints: frozenset[str] = frozenset()
    for classes in sorted(alternatives, key=lambda cs: -min(map(_commonness, cs))):
        hints |= min(classes, key=lambda c: _commonness(c - hints))
    return "".join(sorted(hints)), longest


def _char_class(chars: set[str] | frozenset[str] | str) -> str:
    """A regex character class of ``chars``, as escaped code point ranges."""
    codes = sorted({ord(ch) for ch in chars})
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(f"\\U{start:08x}" if start == prev else f"\\U{start:08x}-\\U{prev:08x}")
        start = prev = code
    return "[" + "".join(parts) + "]"


_HINT_CHARS, _BADNESS_WIDTH = _badness_hints(ftfy.badness.BADNESS_RE)
_MOJIBAKE_HINTS = re.compile(_char_class(_HINT_CHARS))
# "^" in BADNESS_RE means "start of segment"; MULTILINE makes it match after every "\n" too, so a
# search over a whole document finds every match any of its lines has (and maybe more: still safe).
_BADNESS_ANY_LINE = re.compile(ftfy.badness.BADNESS_RE.pattern, ftfy.badness.BADNESS_RE.flags | re.MULTILINE)
# Characters the non-encoding fixers act on (see the table above).
FIXER_TRIGGERS = frozenset(
    {chr(code) for code in ftfy.chardata.CONTROL_CHARS}
    | {chr(code) for code in range(0x80, 0xA0)}
    | {chr(code) for code in range(0xD800, 0xE000)}
    | set("\r\x85\u2028\u2029\x1b")
)
_FIXER_TRIGGERS = re.compile(_char_class(FIXER_TRIGGERS))


def _looks_bad(text: str) -> bool:
    """``ftfy.badness.is_bad`` for every line of ``text``, searched only around the hint characters."""
    # A match holding a hint at ``at`` lies within [at - width + 1, at + width); overlapping windows
    # are merged so that each stretch of text is searched once.
    span_start = span_end = -1
    for hint in _MOJIBAKE_HINTS.finditer(text):
        at = hint.start()
        if at - _BADNESS_WIDTH + 1 <= span_end:
            span_end = at + _BADNESS_WIDTH
            continue
        if span_end > 0 and _BADNESS_ANY_LINE.search(text, span_start, span_end):
            return True
        span_start, span_end = max(0, at - _BADNESS_WIDTH + 1), at + _BADNESS_WIDTH
    return span_end > 0 and _BADNESS_ANY_LINE.search(text, span_start, span_end) is not None


def unchanged_by_ftfy(text: str, unescape_html: bool = True) -> bool:
    """True when ftfy with ``FTFY_CONFIG`` provably leaves every line of ``text`` as it is.

    ``unescape_html=False`` when ftfy has already seen a "<" (its "auto" setting), so entities stay.
    """
    if text.isascii():
        # Of the gates below only control characters, "\r", ESC and entities are ASCII.
        return not _FIXER_TRIGGERS.search(text) and not (
            unescape_html and ftfy.chardata.HTML_ENTITY_RE.search(text)
        )
    return not (
        _FIXER_TRIGGERS.search(text)
        or (unescape_html and ftfy.chardata.HTML_ENTITY_RE.search(text))
        or not unicodedata.is_normalized("NFC", text)
        or _looks_bad(text)
    )


def _segments(text: str) -> Iterator[str]:
    """Segments as ``ftfy.fix_text`` cuts them: lines with their "\\n", at most max_decode_length long."""
    limit = FTFY_CONFIG.max_decode_length
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        end = min(end, start + limit)
        yield text[start:end]
        start = end


def fix_text_explained(text: str) -> tuple[str, list[str]]:
    """ftfy over ``text`` segment by segment, as ``ftfy.fix_text`` does; the text and the repairs made.

    Output equals ``ftfy.fix_text(text, FTFY_CONFIG)``; segments the pre-check clears skip ftfy.
    """
    if len(text) <= FTFY_CONFIG.max_decode_length:
        # Entities only matter before the line holding the first "<" (ftfy's "auto" switch is sticky).
        first_lt = text.find("<")
        entity_end = len(text) if first_lt == -1 else text.rfind("\n", 0, first_lt) + 1
        if unchanged_by_ftfy(text, unescape_html=False) and not ftfy.chardata.HTML_ENTITY_RE.search(
            text, 0, entity_end
        ):
            return text, []
    fixes: list[str] = []
    out: list[str] = []
    config = FTFY_CONFIG
    for segment in _segments(text):
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if unchanged_by_ftfy(segment, unescape_html=bool(config.unescape_html)):
            out.append(segment)
            continue
        fixed, steps = ftfy.fix_and_explain(segment, config)
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
