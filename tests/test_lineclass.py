"""The line classifier's features: the fast per-line shape must equal a plain regex reference bit for bit,
and a line's place is measured against the page's main region."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.lineclass import _region, _shape
from pipeline.rules.lexicons import all_stopwords as stopword_set
from pipeline.text import line_info

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*")
_TERMINAL = regex.compile(r"[.!?…。！？]['\"”’»)\]]*\s*$")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]")
_DIGIT = regex.compile(r"\p{N}")
_UPPER = regex.compile(r"\p{Lu}")
_LETTER = regex.compile(r"\p{L}")
_LINKISH = regex.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net|html?|php)\b", regex.IGNORECASE)
_SEPARATORS = regex.compile(r"\s[|»›·•/>]\s|\s\|\s?|^\s*[|»›·•>]")
_BULLET = regex.compile(r"^\s*(?:[-*•·▪►»–—]|\d{1,2}[.)])\s")
_COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|all rights reserved|copyright", regex.IGNORECASE)
_COMMA = regex.compile(r"[,;，、；]")


def reference_shape(line: str, stops: frozenset[str]) -> list[float]:
    """The features the straightforward way: one regex per measurement (the classifier's first version)."""
    text = line.strip()
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = len(text)
    lower = [w.lower() for w in words]
    n_stop = sum(1 for w in lower if w in stops)
    letters = len(_LETTER.findall(text)) or 1
    cjk = len(_CJK.findall(text)) / max(n_chars, 1)
    terminal = 1.0 if _TERMINAL.search(text) else 0.0
    capitalised = sum(1 for w in words if w[:1].isupper()) / n_words if n_words else 0.0
    return [
        math.log1p(n_words),
        math.log1p(n_chars),
        terminal,
        n_stop / n_words if n_words else 0.0,
        math.log1p(n_stop),
        cjk,
        len(_DIGIT.findall(text)) / max(n_chars, 1),
        capitalised,
        len(_UPPER.findall(text)) / letters,
        len(_COMMA.findall(text)) / max(n_words, 1),
        1.0 if text.endswith(":") else 0.0,
        1.0 if _LINKISH.search(text) else 0.0,
        1.0 if _SEPARATORS.search(text) else 0.0,
        1.0 if _BULLET.search(text) else 0.0,
        1.0 if _COPYRIGHT.search(text) else 0.0,
        sum(len(w) for w in words) / n_words if n_words else 0.0,
        1.0 if n_words <= 2 else 0.0,
    ]


# Pieces that the fast paths treat specially: final stops and closers, separators, bullets, link and
# copyright words, digits and letters of other scripts, case oddities (Kelvin sign, long s, dotted I,
# title-case digraph) and whitespace that str.strip and \s may see differently.
PIECES = st.sampled_from(
    [
        "The council met on Tuesday",
        "a",
        "Word",
        " ",
        "  ",
        ".",
        "!",
        "?",
        "…",
        "。",
        "！",
        "？",
        "'",
        '"',
        "”",
        "’",
        "»",
        ")",
        "]",
        ":",
        ",",
        ";",
        "，",
        "、",
        "；",
        "|",
        " | ",
        " » ",
        "›",
        "·",
        "•",
        "/",
        ">",
        "-",
        "*",
        "▪",
        "►",
        "–",
        "—",
        "1.",
        "12)",
        "123",
        "٣",
        "²",
        "Ⅻ",
        "http://",
        "HTTPS://x",
        "www.",
        "WWW.",
        "a@b",
        ".com",
        ".HTML",
        ".php",
        "©",
        "(c) 2024",
        "(C)2024",
        "All Rights Reserved",
        "COPYRIGHT",
        "copyrıght",
        "copyrİght",
        "all rightſ reserved",
        "\u212a",
        "ſ",
        "İ",
        "ǅ",
        "Straße",
        "ÉCOLE",
        "日本語",
        "ひらがな",
        "한국어",
        "ภาษาไทย",
        "Москва",
        "the",
        "The",
        "und",
        "DIE",
        "l'a",
        "it’s",
        "e.g.",
        "\t",
        "\n",
        "\r",
        "\x0b",
        "\x1c",
        "\x85",
        "\xa0",
        "\u2028",
        "\u3000",
        "\u200b",
    ]
)
LINES = st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=14).map("".join))


@settings(max_examples=3000, deadline=None)
@given(LINES)
def test_shape_equals_the_regex_reference(line: str) -> None:
    stops = stopword_set()
    assert _shape(line, stops) == reference_shape(line, stops)
    # The words strip_boilerplate found for the unstripped line serve as the stripped line's words.
    assert _shape(line, stops, line_info(line).tokens) == reference_shape(line, stops)


def test_shape_equals_the_regex_reference_on_the_seeds() -> None:
    stops = stopword_set()
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text("utf-8").split("\n")]
    assert len(lines) > 100
    for line in lines:
        assert _shape(line, stops) == reference_shape(line, stops), line


def test_stopwords_are_lower_case() -> None:
    # _shape counts a word as a stopword by its lower case form; the lists must hold lower case only.
    assert all(word == word.lower() for word in stopword_set())


def _distance_in_lines(mass: list[float]) -> list[int]:
    """The signed distance of each line to the main region, in lines (the region's third column)."""
    columns = _region(np.asarray(mass, dtype=np.float64))
    return [round(d) for d in (columns[:, 2] * max(len(mass) - 1, 1)).tolist()]


def test_a_page_that_is_prose_from_end_to_end_is_all_main_region() -> None:
    # A long report: a heading every seventh line, prose between. Measured from the densest window's
    # centre, its last paragraphs stood 100 lines from the main text.
    mass = [0.0 if i % 7 == 0 else 30.0 for i in range(200)]
    distance = _distance_in_lines(mass)
    # A window at the page's very edge holds half as many lines as one inside it.
    assert max(map(abs, distance)) <= 1
    assert distance[5:195] == [0] * 190


def test_lines_outside_the_main_region_are_measured_from_its_edge() -> None:
    # An article on lines 10-39, then furniture: the region is where a window (15 lines either side)
    # holds at least half the article, lines 9-40.
    mass = [30.0 if 10 <= i < 40 else 0.0 for i in range(120)]
    distance = _distance_in_lines(mass)
    assert distance[:10] == list(range(-9, 1))
    assert distance[9:41] == [0] * 32
    assert distance[100] == 60
    # Far furniture holding a little prose of its own does not join the region.
    mass[110] = 60.0
    assert _distance_in_lines(mass)[110] == 70
