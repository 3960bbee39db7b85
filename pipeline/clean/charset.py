"""Bytes -> text: BOM, declared charset, strict UTF-8, UTF-16 pattern, damaged UTF-8, detector,
fallback; and the signs that bytes are not text at all (file signatures, NUL bytes, control characters).

:func:`decode_bytes` says which rule decided (``bom``, ``declared`` -- the HTTP header charset the reader
passes in, then ``<meta charset>`` / the XML declaration --, ``utf8_over_declared``, ``utf8``,
``utf16_pattern``, ``utf8_damaged`` -- UTF-8 with a few broken sequences, each read as U+FFFD --,
``detector`` -- charset-normalizer --, ``fallback`` -- windows-1252); the ``read_documents`` stage
records it in ``metadata.encoding`` and rejects what is not text as ``binary``.
"""

from __future__ import annotations

import codecs
import functools

import charset_normalizer
import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-windows-* codecs used as fallback
import regex

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
# The most common legacy encoding on the web (W3Techs; the WHATWG default for Western locales). The
# detector reports one encoding of each group that reads the bytes alike: English with a few curly
# quotes or a "©" comes back as cp1250, cp932 or big5hkscs at the same "chaos" as cp1252, and short
# cp1252 French as cp1257. So cp1252 is measured on its own, and kept whenever its chaos is within
# DETECTOR_TIE_MARGIN of the detector's best; otherwise the detector's own first choice stands.
# cleaneval-dev (older pages, most without a declared charset): 61 pages reach the detector; 59 read
# as cp1252 (before: 23 English pages as cp932, "REALTOR®" as "REALTORｮ", 24 as cp1250, "ñ" as "ń");
# the 2 Shift_JIS pages (cp1252 cannot read their 0x81 bytes) stay cp932, not the cp1251 that a
# ranking by popularity among near-ties gave them.
_WEB_DEFAULT = "cp1252"
# Bytes that are not strict UTF-8 are still read as UTF-8 (rule utf8_damaged) when they hold at least
# this many valid multi-byte characters per invalid sequence (the evidence is in _mostly_utf8).
UTF8_VALID_PER_INVALID = 10
# cp1252 whose "chaos" is within this of the detector's best reads the bytes as well as its choice.
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


# Latin-script UTF-16 has a NUL in most high bytes and almost none in the low ones. The 1,797 dev text
# dumps encoded as UTF-16 (their first 4 KB) have NUL high bytes at median 99.9%, 5th percentile 98.9%,
# and at most 2.3% NUL low bytes (benchmarks/evidence.py bytes). 16 of them (CJK, Cyrillic, Greek) have
# NUL high bytes less than half the time: UTF-16 in those scripts is recognised by its BOM only.
UTF16_MIN_HIGH_NUL = 0.5
UTF16_MAX_LOW_NUL = 0.05


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
    if odd.count(0) > UTF16_MIN_HIGH_NUL * len(odd) and even.count(0) < UTF16_MAX_LOW_NUL * len(even):
        return "utf-16-le"
    if even.count(0) > UTF16_MIN_HIGH_NUL * len(even) and odd.count(0) < UTF16_MAX_LOW_NUL * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(
    data: bytes, declared: str | None = None, content_type: str = "text"
) -> tuple[str, str, str]:
    """``(text, charset, rule)``: the first of BOM, declared charset, UTF-8, UTF-16 pattern, UTF-8 with
    a few broken sequences, detector.

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
    # More than one NUL byte in a thousand: not text. The 3,594 raw dev files (HTML and text dumps)
    # hold at most 0.3 in a thousand (benchmarks/evidence.py bytes).
    if data.count(0) > len(data) // 1000:
        raise ValueError("binary: NUL bytes")
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8", "utf8_damaged"
    detected = _detect(data)
    if detected:
        try:
            return data.decode(detected), detected, "detector"
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("sloppy-windows-1252"), "sloppy-windows-1252", "fallback"


def _mostly_utf8(data: bytes) -> bool:
    """True for UTF-8 with a few broken sequences: many valid multi-byte characters per invalid byte.

    A string cut inside a character (a teaser truncated at a byte count), or one stray byte, makes a
    UTF-8 page fail strict decoding; the detector would read it as a legacy code page and the whole
    text become mojibake (trafilatura-eval t0840: Polish read as cp1251, 499 valid multi-byte
    characters and 1 invalid byte). Legacy text forms a valid multi-byte sequence only by accident:
    on the dev pages that fail strict UTF-8, every legacy page has none, every damaged UTF-8 page
    at least 25 per invalid sequence (t0924: 101 and 4); double-byte encodings such as GBK reach
    about one per invalid sequence, hence the margin.
    """
    decoded = data.decode("utf-8", errors="ignore")
    invalid = len(data.decode("utf-8", errors="replace")) - len(decoded)
    valid = len(decoded) - len(decoded.encode("ascii", errors="ignore"))
    return valid >= UTF8_VALID_PER_INVALID * invalid


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess, or cp1252 where it reads the bytes about as well (``_WEB_DEFAULT``)."""
    sample = data[:200_000]
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    default = charset_normalizer.from_bytes(sample, cp_isolation=[_WEB_DEFAULT]).best()
    if default is not None and default.chaos <= best + DETECTOR_TIE_MARGIN:
        return _WEB_DEFAULT
    return str(matches[0].encoding)


def _control_count(text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _CONTROL_BYTES))


def too_many_controls(text: str) -> bool:
    """Whether decoded text holds so many control characters that the input was not text at all."""
    sample = text[:100_000]
    count = _control_count(sample)
    return count >= MIN_CONTROL_CHARS and count > MAX_CONTROL_SHARE * len(sample)



def nul_bytes_in_head(data: bytes) -> bool:
    """NUL bytes in the first 4 KB that neither a BOM nor UTF-16's pattern explains: not text."""
    return (
        data[:4096].count(0) > 0
        and _utf16_without_bom(data) is None
        and not any(data.startswith(bom) for bom, _ in _BOMS)
    )
