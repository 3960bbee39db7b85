"""Quality signals: Gopher, C4 and FineWeb rules as values, and the signs of spun English."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.quality import (
    NgramIndex,
    _duplicate_ngram_chars,
    _top_ngram_chars,
    quality_signals,
    spun_signals,
)
from pipeline.text import WORD

_ALPHA = regex.compile(r"\p{L}")


def test_spun_signal_needs_enough_articles() -> None:
    assert spun_signals("a cat and a dog")["spun"] is None


REAL = (
    "The committee met on Tuesday to discuss the new budget for the coming year, and the members said "
    "the plan would raise spending on the schools and the roads by a tenth over the next four years. "
    "An official said the vote is expected next month, after the hearings in every district of the "
    "state. The opposition called the plan an expensive mistake, but the mayor said the city needs it. "
    "The money would also pay for an extra bus line and the repair of the old bridge over the river, "
    "the council said in a statement on the evening of the meeting."
)


def test_spinner_rewrites_are_flagged_and_the_original_is_not() -> None:
    assert spun_signals(REAL)["spun"] is False
    every_the = REAL.replace(" the ", " a ")
    assert spun_signals(every_the)["spun"] is True
    # Half the "the"s swapped: the share stays normal, the "a" before vowel sounds give it away.
    half = (
        REAL.replace("the old", "a old").replace("the evening", "a evening").replace("the opposition", "a x")
    )
    half = (
        half.replace("the hearings", "a hearings").replace("the extra", "a extra").replace("the end", "a end")
    )
    half = half.replace("the election", "a election").replace("the office", "a office")
    assert spun_signals(half + " A official met a engineer and a inspector.")["spun"] is True


def test_acronyms_and_consonant_sounds_are_not_spinner_signs() -> None:
    text = "a USB drive, a European city, a one-off, a unique case, a US official, a useful tool. " * 4
    signals = spun_signals(text + REAL)
    assert signals["a_before_vowel_count"] == 0
    assert signals["spun"] is False


def test_spun_signal_on_real_and_spun_eval_gold_texts(eval_dir: Path) -> None:
    from benchmarks.spun import english_gold_texts, spin

    texts = [text for _, text in itertools.islice(english_gold_texts(eval_dir), 60)]
    real = [spun_signals(t)["spun"] for t in texts]
    spun = [spun_signals(spin(t, 1.0, 0.5, seed=i))["spun"] for i, t in enumerate(texts)]
    assert real.count(True) == 0
    judged = [v for v in spun if v is not None]
    assert judged.count(True) >= 0.9 * len(judged)


def _reference_top_ngram_chars(words: list[str], n: int) -> int:
    """Gopher's top n-gram rule with word tuples in a Counter (the definition the fast form must match)."""
    grams = Counter(zip(*(words[k:] for k in range(n)), strict=False))
    if not grams:
        return 0
    gram, count = grams.most_common(1)[0]
    return (sum(len(w) for w in gram) + n - 1) * count


def _reference_duplicate_ngram_chars(words: list[str], n: int) -> int:
    """Gopher's duplicate n-gram rule, scanning every position with word tuples."""
    grams = list(zip(*(words[k:] for k in range(n)), strict=False))
    seen: set[tuple[str, ...]] = set()
    repeated = i = 0
    while i < len(grams):
        if grams[i] in seen:
            repeated += sum(len(w) for w in grams[i])
            i += n
        else:
            seen.add(grams[i])
            i += 1
    return repeated


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "the", "of", "x"]), max_size=60))
def test_ngram_rules_match_their_word_tuple_definitions(words: list[str]) -> None:
    grams = NgramIndex(words)
    for n in range(1, 11):
        assert _top_ngram_chars(grams, n) == _reference_top_ngram_chars(words, n)
        assert _duplicate_ngram_chars(grams, n) == _reference_duplicate_ngram_chars(words, n)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "x"]), min_size=20, max_size=80), st.integers(1, 12))
def test_repeat_candidates_hold_every_repeat_and_key_ngrams_exactly(words: list[str], n: int) -> None:
    """Every position of a repeated n-gram is a candidate, in order, and keys name n-grams one to one."""
    positions, keys = NgramIndex(words).repeat_candidates(n)
    grams = list(zip(*(words[k:] for k in range(n)), strict=False))
    counts = Counter(grams)
    assert positions.tolist() == sorted(set(positions.tolist()))
    assert {i for i, gram in enumerate(grams) if counts[gram] > 1} <= set(positions.tolist())
    named: dict[int, tuple[str, ...]] = {}
    for i, key in zip(positions.tolist(), keys.tolist(), strict=True):
        assert named.setdefault(key, grams[i]) == grams[i]
    assert len(named) == len({grams[i] for i in positions.tolist()})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab1٣’'- \n.é", max_size=80))
def test_alpha_word_fraction_counts_words_with_a_letter(text: str) -> None:
    words = WORD.findall(text)
    expected = round(sum(1 for w in words if _ALPHA.search(w)) / len(words), 4) if words else 0.0
    assert quality_signals([text], None, 0.0)["alpha_word_fraction"] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="theofΣİA1٣’'- .é/", max_size=30), min_size=1, max_size=6))
def test_word_signals_match_their_word_list_definitions(paragraphs: list[str]) -> None:
    """The shortcuts (three-word search, one lower() over all words) agree with per-word definitions."""
    words = WORD.findall("\n".join(paragraphs))
    lowered = [w.lower() for w in words]
    signals = quality_signals(paragraphs, "en", 1.0)
    under = sum(1 for p in paragraphs if len(WORD.findall(p)) < 3)
    assert signals["paragraphs_under_3_words_fraction"] == round(under / len(paragraphs), 4)
    assert signals["gopher_stopword_count"] == sum(1 for w in lowered if w in {"the", "of", "and", "to"})
    if words:
        expected = _reference_top_ngram_chars(lowered, 2) / len("\n".join(paragraphs))
        assert signals["top_2gram_char_fraction"] == round(expected, 4)
    # Words handed in by tag_metadata (from the body with blank lines) give the same signals.
    assert quality_signals(paragraphs, "en", 1.0, WORD.findall("\n\n".join(paragraphs))) == signals
