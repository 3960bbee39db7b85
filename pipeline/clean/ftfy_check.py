"""ftfy as the pipeline configures it, and a fast pre-check of the text it provably leaves unchanged.

The configuration is a decision (``FTFY_CONFIG``): we keep the encoding fixes (mojibake,
``restore_byte_a0``, lossy and inconsistent UTF-8, C1 controls), HTML entities outside markup, line
breaks, surrogates, terminal escapes, control characters and NFC; we turn off quote uncurling,
Latin ligature splitting and full-width folding, because they rewrite correct text ("curly quotes
stay curly") and a corpus user cannot undo them.

ftfy runs at about 1 MB/s and almost no document needs it, so the pre-check below, derived from
ftfy's own code (property-tested against ftfy), clears the text that no enabled fixer can change.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Set as AbstractSet
from typing import Any

import ftfy
import ftfy.badness
import ftfy.chardata

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
