"""Quality signals of a document as values, not filters: the Gopher, C4 and FineWeb document rules as
numbers, and the signs of "article spinner" English, so users can filter later without re-running the
pipeline. Paragraphs are the "lines" of these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import regex

from pipeline.rules.lexicons import stopwords
from pipeline.text import SENTENCE_ENDS, WORD, WORD_REST, WORD_START

# Three words (see text.WORD) somewhere in a text: a word, what ends it, a word, what ends it, a word's
# start. A search stops at the third word instead of listing every word of a long paragraph.
_WORD_AND_END = WORD_START + WORD_REST + r"*+[^\p{L}\p{N}]++"
_THREE_WORDS = regex.compile(_WORD_AND_END * 2 + WORD_START)
# A word (see text.WORD) without a letter, on its own line: one regex call counts them over all words.
# A word starts with a letter or a digit, so one without a letter starts with a digit.
_NO_LETTER_WORD = regex.compile(r"^\p{N}[\p{N}'’-]*$", regex.MULTILINE)
# C4's "ends in terminal punctuation": a stop, or a closing quote or bracket alone.
_C4_TERMINAL = regex.compile(r"[.!?…。！？\"”’»)]\s*$")
# A "spun" text has lost its definite articles to "a" ("a Kremlin vowed", "a biggest dispute", "a
# initial"). Evidence (python -m benchmarks.spun, docs/benchmarks.md): on 324 English dev eval gold
# texts with >= 20 articles, "the" is >= 27% of "the"+"a" (5th percentile 42%), and "a" before a
# vowel sound occurs at most 3 times and at most 2.5% of articles; a spinner turning every "the"
# into "a" leaves the_share at median 7% and 30+ "a"-before-vowel. Either sign alone flags.
SPUN_MIN_ARTICLES = 20
SPUN_MAX_THE_SHARE = 0.2
SPUN_MIN_A_VOWEL_COUNT = 4
SPUN_MIN_A_VOWEL_RATE = 0.03
_ARTICLE = regex.compile(r"(?<![\p{L}'’-])(the|a|an)\s+(\p{L}+)", regex.IGNORECASE)
# "a one-off", "a European", "a usual", "a Ukrainian": vowel letters read as consonant sounds.
_CONSONANT_SOUND = regex.compile(r"^(?:one|once|eu|uni|use|usu|usa|ut|ur|ewe|ukr|ubiq|ufo)", regex.IGNORECASE)
# Gopher's stopword rule counts these eight words (Rae et al. 2021, appendix A).
GOPHER_STOPWORDS = frozenset("the be to of and that have with".split())
# C4 drops pages with these phrases (Raffel et al. 2020; DataTrove C4QualityFilter POLICY_SUBSTRINGS).
C4_POLICY_PHRASES = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
_ELLIPSIS_END = regex.compile(r"(?:\.\.\.|…)\s*$")
# FineWeb counts lines of at most this many characters as short (FineWebQualityFilter).
SHORT_LINE_CHARS = 30
def _reads_vowel(word: str) -> bool:
    """True when ``word`` starts with a vowel sound (and is a content word, not an acronym)."""
    if word[0].lower() not in "aeiou" or word.isupper() or (len(word) > 1 and word[1].isupper()):
        return False
    return word.lower() not in stopwords().get("en", frozenset()) and not _CONSONANT_SOUND.match(word)


def spun_signals(text: str) -> dict[str, Any]:
    """Article-use statistics that expose "article spinner" output, and the verdict."""
    the = a_total = a_vowel = 0
    for article, following in _ARTICLE.findall(text):
        low = article.lower()
        if low == "the":
            the += 1
        elif low == "a":
            a_total += 1
            a_vowel += _reads_vowel(following)
    articles = the + a_total
    if articles < SPUN_MIN_ARTICLES:
        return {"the_share": None, "a_before_vowel_share": None, "a_before_vowel_count": None, "spun": None}
    the_share = the / articles
    spun = the_share <= SPUN_MAX_THE_SHARE or (
        a_vowel >= SPUN_MIN_A_VOWEL_COUNT and a_vowel / articles >= SPUN_MIN_A_VOWEL_RATE
    )
    return {
        "the_share": round(the_share, 4),
        "a_before_vowel_share": round(a_vowel / articles, 4),
        "a_before_vowel_count": a_vowel,
        "spun": spun,
    }


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


# Gopher's duplicate n-grams run from 5 to 10 words: those of 6 to 10 are keyed by two 5-grams
# (``NgramIndex.repeat_candidates``) instead of being ranked themselves.
_CODED_WORDS = 5


class NgramIndex:
    """The word n-grams of a text as integer codes, equal codes for equal n-grams (exact, no hashing).

    Codes for n-grams are built from those for (n-1)-grams: the pair (code of the n-1 words, next word)
    is ranked with ``numpy.unique``, so each n costs a few array operations instead of a dictionary of
    word tuples. Character counts come from prefix sums of the word lengths.
    """

    def __init__(self, words: Sequence[str]) -> None:
        # One code per distinct word, in order of first occurrence (dict keys keep it).
        code = {word: i for i, word in enumerate(dict.fromkeys(words))}
        self.words = np.fromiter(map(code.__getitem__, words), dtype=np.int64, count=len(words))
        self.chars = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)), out=self.chars[1:])
        self._codes = {1: self.words}

    def codes(self, n: int) -> np.ndarray:
        """One code per n-gram position (``len(words) - n + 1`` of them)."""
        if n not in self._codes:
            shorter = self.codes(n - 1)[:-1]
            if len(shorter) == 0:
                return np.zeros(0, dtype=np.int64)
            pairs = shorter * (len(self.words) + 1) + self.words[n - 1 :]
            self._codes[n] = np.unique(pairs, return_inverse=True)[1].reshape(-1)
        return self._codes[n]

    def gram_chars(self, start: int, n: int) -> int:
        """Characters in the n words from ``start`` (without the spaces between them)."""
        return int(self.chars[start + n] - self.chars[start])

    def repeat_candidates(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions whose n-gram may occur more than once (every one that does, in order), and a key
        for each, equal for equal n-grams.

        Up to :data:`_CODED_WORDS` words the keys are the n-gram codes and the positions exactly those
        that repeat. An n-gram of up to twice as many words is its first and its last
        :data:`_CODED_WORDS`-gram, which overlap or touch: it can repeat only where both of them repeat,
        and the pair of their codes is its key: no sort of the longer n-grams is needed.
        """
        if n <= _CODED_WORDS or n > 2 * _CODED_WORDS:
            codes = self.codes(n)
            positions = np.flatnonzero(np.bincount(codes)[codes] > 1) if len(codes) else codes
            return positions, codes[positions]
        codes = self.codes(_CODED_WORDS)
        last = n - _CODED_WORDS  # where the last coded gram starts within the n words
        grams = len(codes) - last
        if grams <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        repeats = np.bincount(codes)[codes] > 1
        positions = np.flatnonzero(repeats[:grams] & repeats[last:])
        # Codes are below len(codes), so the pair maps to one integer.
        return positions, codes[positions] * len(codes) + codes[positions + last]


def _top_ngram_chars(grams: NgramIndex, n: int) -> int:
    """Characters in the occurrences of the most frequent word n-gram (Gopher's top n-gram rule).

    Among equally frequent n-grams the first seen counts, as with ``Counter.most_common``.
    """
    codes = grams.codes(n)
    if len(codes) == 0:
        return 0
    counts = np.bincount(codes)
    count = int(counts.max())
    first = int(np.argmax(counts[codes] == count))
    return (grams.gram_chars(first, n) + n - 1) * count


def _duplicate_ngram_chars(grams: NgramIndex, n: int) -> int:
    """Characters in word n-grams that repeat an earlier one, without overlap (Gopher's rule).

    Scanning left to right, an n-gram seen before counts and the scan jumps past it. Only n-grams
    that may occur more than once can count, so only their positions are visited (one whose n-gram
    occurs once is only remembered, which changes nothing); the jumps are kept by remembering where
    the scan may resume.
    """
    positions, keys = grams.repeat_candidates(n)
    lengths = grams.chars[positions + n] - grams.chars[positions]
    seen: set[int] = set()
    repeated = resume = 0
    for i, key, chars in zip(positions.tolist(), keys.tolist(), lengths.tolist(), strict=True):
        if i < resume:
            continue
        if key in seen:
            repeated += chars
            resume = i + n
        else:
            seen.add(key)
    return repeated


def _duplicate_ngram_fractions(grams: NgramIndex, text_chars: int) -> dict[str, float]:
    """Gopher's duplicate 5- to 10-gram character fractions."""
    # A repeated n-gram contains a repeated 5-gram, so without one every fraction is 0.
    if _duplicate_ngram_chars(grams, 5) == 0:
        return {f"duplicate_{n}gram_char_fraction": 0.0 for n in range(5, 11)}
    return {
        f"duplicate_{n}gram_char_fraction": _ratio(_duplicate_ngram_chars(grams, n), text_chars)
        for n in range(5, 11)
    }


def quality_signals(
    paragraphs: Sequence[str],
    language: str | None,
    language_score: float,
    words: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Gopher / C4 / FineWeb document signals as values (paragraphs are the lines of these rules).

    ``words`` are the paragraphs' words (``text.WORD``) when the caller has already found them.
    """
    text = "\n".join(paragraphs)
    if words is None:
        words = WORD.findall(text)
    n_words = len(words)
    # Words never hold a line break, so one lower() over the joined words lowers each word alone
    # (a final sigma still sees the end of its word).
    joined = "\n".join(words)
    lowered = joined.lower().split("\n") if words else []
    grams = NgramIndex(lowered)
    stops = stopwords().get(language or "", frozenset())
    n_paragraphs = len(paragraphs)
    seen: set[str] = set()
    duplicate_paragraphs = duplicate_chars = 0
    for paragraph in paragraphs:
        if paragraph in seen:
            duplicate_paragraphs += 1
            duplicate_chars += len(paragraph)
        seen.add(paragraph)
    body_chars = sum(len(p) for p in paragraphs)
    low_text = text.lower()
    signals: dict[str, Any] = {
        "language_score": language_score,
        # Gopher quality rules
        "mean_word_length": round(sum(map(len, words)) / n_words, 3) if n_words else 0.0,
        "alpha_word_fraction": _ratio(n_words - len(_NO_LETTER_WORD.findall(joined)), n_words),
        "stopword_count": sum(map(stops.__contains__, lowered)) if stops else None,
        "gopher_stopword_count": sum(map(GOPHER_STOPWORDS.__contains__, lowered)),
        "symbol_to_word_ratio": _ratio(text.count("#") + text.count("…") + text.count("..."), n_words),
        "bullet_start_fraction": _ratio(
            sum(1 for p in paragraphs if p.startswith(("•", "-", "*", "●", "‣", "◦"))), n_paragraphs
        ),
        "ellipsis_end_fraction": _ratio(sum(1 for p in paragraphs if _ELLIPSIS_END.search(p)), n_paragraphs),
        # Gopher repetition rules (lines and paragraphs are the same units here)
        "duplicate_paragraph_fraction": _ratio(duplicate_paragraphs, n_paragraphs),
        "duplicate_paragraph_char_fraction": _ratio(duplicate_chars, body_chars),
        **{f"top_{n}gram_char_fraction": _ratio(_top_ngram_chars(grams, n), len(text)) for n in (2, 3, 4)},
        **_duplicate_ngram_fractions(grams, len(text)),
        # C4 rules
        "paragraphs_ending_in_punctuation": _ratio(
            sum(1 for p in paragraphs if _C4_TERMINAL.search(p)), n_paragraphs
        ),
        "paragraphs_under_3_words_fraction": _ratio(
            sum(1 for p in paragraphs if not _THREE_WORDS.search(p)), n_paragraphs
        ),
        "sentence_count": len(SENTENCE_ENDS.findall(text)),
        "max_word_length": max(map(len, words), default=0),
        "contains_lorem_ipsum": "lorem ipsum" in low_text,
        "contains_curly_bracket": "{" in text,
        "contains_javascript": "javascript" in low_text,
        "contains_policy_phrase": any(phrase in low_text for phrase in C4_POLICY_PHRASES),
        # FineWeb rules
        "short_paragraph_fraction": _ratio(
            sum(1 for p in paragraphs if len(p) <= SHORT_LINE_CHARS), n_paragraphs
        ),
        "paragraphs_per_word": _ratio(n_paragraphs, n_words),
    }
    spin = (
        spun_signals(text)
        if language == "en"
        else {"the_share": None, "a_before_vowel_share": None, "a_before_vowel_count": None, "spun": None}
    )
    signals.update(spin)
    return signals
