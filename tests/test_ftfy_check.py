"""The pre-check that clears text ftfy cannot change: derived from ftfy's code, tested against ftfy."""

from __future__ import annotations

import ftfy
import ftfy.badness
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.clean.ftfy_check as ftfy_check
from pipeline.clean.ftfy_check import FTFY_CONFIG


def _badness_alphabet() -> str:
    """Every character any fixed position of ftfy's BADNESS_RE names, and ASCII letters and space."""
    pattern = ftfy.badness.BADNESS_RE
    ((_, (_, branches)),) = list(ftfy_check._re_parser.parse(pattern.pattern, pattern.flags))
    chars: set[str] = set("aZ .é")
    for branch in branches:
        for op, av in branch:
            chars |= ftfy_check._character_class(op, av) or set()
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
        assert ftfy_check._looks_bad(pair) == ftfy.badness.is_bad(pair), pair


@settings(max_examples=500, deadline=None)
@given(LINES)
def test_hint_search_equals_badness(line: str) -> None:
    assert ftfy_check._looks_bad(line) == ftfy.badness.is_bad(line)


@settings(max_examples=500, deadline=None)
@given(LINES, st.booleans())
def test_precheck_is_safe(line: str, unescape: bool) -> None:
    """Whatever line the pre-check clears, ftfy (our config) returns unchanged, with no step."""
    config = FTFY_CONFIG if unescape else FTFY_CONFIG._replace(unescape_html=False)
    if ftfy_check.unchanged_by_ftfy(line, unescape_html=unescape):
        assert ftfy.fix_and_explain(line, config) == (line, [])


def test_fixer_triggers_cover_every_character_the_plain_fixers_touch() -> None:
    """All code points outside FIXER_TRIGGERS pass the character-wise fixers unchanged."""
    others = "".join(chr(c) for c in range(0x110000) if chr(c) not in ftfy_check.FIXER_TRIGGERS)
    for name in ("fix_c1_controls", "fix_line_breaks", "fix_surrogates", "remove_control_chars"):
        assert ftfy.FIXERS[name](others) == others, name
