"""Metadata tagging: reads the body and the removal log, adds metadata, never edits the text.

The quality signals are values, not filters: the Gopher, C4 and FineWeb document rules as numbers,
so users can filter later without re-running the pipeline.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import regex

from pipeline.document import Document
from pipeline.text import SENTENCE_ENDS, WORD, WORD_REST, WORD_START

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
LEXICON_DIR = Path(__file__).resolve().parent.parent / "rules" / "lexicon"

_ALPHA = regex.compile(r"\p{L}")
# Three words (see text.WORD) somewhere in a text: a word, what ends it, a word, what ends it, a word's
# start. A search stops at the third word instead of listing every word of a long paragraph.
_WORD_AND_END = WORD_START + WORD_REST + r"*+[^\p{L}\p{N}]++"
_THREE_WORDS = regex.compile(_WORD_AND_END * 2 + WORD_START)
# A word (see text.WORD) without a letter, on its own line: one regex call counts them over all words.
# A word starts with a letter or a digit, so one without a letter starts with a digit.
_NO_LETTER_WORD = regex.compile(r"^\p{N}[\p{N}'’-]*$", regex.MULTILINE)
_TERMINAL = regex.compile(r"[.!?…。！？\"”’»)]\s*$")
_SPLIT_LIST = regex.compile(r"\s*(?:,|;|\||/|·|•)\s*")
# "WASHINGTON (Reuters) - ", "BEIRUT, Lebanon — ", "WASHINGTON/BEIRUT The ..." at the start of the body.
_DATELINE = regex.compile(
    r"^(?P<place>\p{Lu}[\p{Lu}'.-]{2,}(?:[ /-]\p{Lu}[\p{Lu}'.-]{1,})*)"
    r"(?:,\s*(?P<region>[\p{Lu}][\p{L}.]*(?:\s[\p{Lu}][\p{L}.]*){0,2}))?"
    r"\s*(?:\((?P<agency>[^()]{2,40})\))?"
    r"\s*(?P<sep>[-—–:]\s+|(?=\p{Lu}\p{Ll}))"
)
# Source lines: "Source: Reuters", "(Adapted from Reuters)", "Reporting by ..." kept in removal log.
_CREDIT_SOURCE = regex.compile(
    r"^\(?\s*(?:source|sources|quelle|fuente|fonte)\s*:\s*(?P<name>[^()]+?)\s*\)?\.?$|"
    r"^\(\s*(?:adapted|compiled|taken|republished|reprinted)\s+(?:from|by)\s+(?P<name2>[^()]+?)\s*\)\.?$",
    regex.IGNORECASE,
)
# Removed lines that can be a byline or a date line: the header/footer zones of plain text, and
# bylines moved out by segmentation. Lines cut as ads, menus or comments are not read.
_BYLINE_RULES = frozenset({"structure.header_zone", "structure.footer_zone", "credits.byline"})
_LABEL_VALUE = regex.compile(r"^[^:]{1,40}:\s*(?P<value>.+)$")
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
# Bylines and date lines cut from the body (by boilerplate zones or segmentation) name the author
# and the date; tagging reads them back. "By Jane Doe", "Posted on May 3, 2016 by Jane Doe".
_BYLINE_AUTHOR = regex.compile(
    r"^(?:(?:posted|published|written|updated)?\s*(?:on\s+[^|]{4,30}?\s+)?)?by\s+"
    r"(?P<name>\p{Lu}[\p{L}'’.-]+(?:\s+(?:\p{Lu}[\p{L}'’.-]*|van|von|de|da|del|der|bin|al|and|&)){0,6})",
    regex.IGNORECASE,
)
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        "jan.january feb.february mar.march apr.april may jun.june jul.july aug.august "
        "sep.sept.september oct.october nov.november dec.december".split()
    )
    for m in names.split(".")
}
_DATE_TEXT = regex.compile(
    r"\b(?:(?P<iso>(?P<y1>(?:19|20)\d\d)-(?P<m1>\d\d)-(?P<d1>\d\d))(?!\d)"
    r"|(?P<mon2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)\b"
    r"|(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon3>[A-Za-z]{3,9})\.?,?\s+(?P<y3>(?:19|20)\d\d)\b)"
)
# A removed line this long is a sentence that happens to hold a date, not a date line.
DATE_LINE_MAX_WORDS = 12


@lru_cache(maxsize=1)
def agencies() -> dict[str, str]:
    """Alias (casefolded) -> canonical agency name, from ``lexicon/agencies.txt``."""
    table: dict[str, str] = {}
    for line in (LEXICON_DIR / "agencies.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, aliases = line.partition(" = ")
        name = name.strip()
        for alias in [name, *aliases.split(",")]:
            if alias.strip():
                table[alias.strip().casefold()] = name
    return table


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    """Language code -> stopword set, from ``lexicon/stopwords.txt``."""
    table: dict[str, frozenset[str]] = {}
    for line in (LEXICON_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, words = line.partition(":")
        table[code.strip()] = frozenset(words.split())
    return table


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


LANGUAGE_SAMPLE_CHARS = 2_000


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code of ``text`` and its probability; None below 0.5 or for text without letters."""
    # py3langid's cost grows with the sample (0.8 ms a body at 2,000 characters, 1.3 at 5,000). On the
    # 435 dev gold texts (196 longer than 5,000 characters) the first 5,000 characters gave the same
    # language as the first 20,000 every time; the first 2,000 gave the same as the first 5,000 on
    # those texts (336 longer than 2,000) and on the 2,998 bodies of the 3,000-page speed corpus
    # (2,250 longer). At 1,500 one mixed English/German page changed language.
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if not _ALPHA.search(sample):
        return None, 0.0
    code, score = _language_identifier().classify(sample)
    score = round(float(score), 4)
    return (code if score >= 0.5 else None), score


def canonical_agency(name: str) -> str | None:
    """The canonical name of a news agency named in a credit, or None when it is not one we know."""
    key = name.strip().strip(".").casefold()
    return agencies().get(key)


def find_dateline(first_paragraph: str) -> tuple[str | None, str | None]:
    """``(dateline, agency)`` from the start of the first paragraph, each None when absent."""
    found = _DATELINE.match(first_paragraph)
    if not found:
        return None, None
    place, agency, sep = found.group("place"), found.group("agency"), found.group("sep")
    # Without a dash or an agency, only "CITY/CITY" is distinctive enough ("NATO The ..." is not).
    if not sep.strip() and not agency and "/" not in place:
        return None, None
    if len(place.replace("/", "").replace(".", "")) < 3:
        return None, None
    return place, canonical_agency(agency) if agency else None


def _list_after_label(line: str) -> list[str]:
    found = _LABEL_VALUE.match(line.strip())
    if not found:
        return []
    return [item.strip() for item in _SPLIT_LIST.split(found.group("value")) if item.strip()]


def _credit_agency(line: str) -> str | None:
    found = _CREDIT_SOURCE.match(line.strip())
    if not found:
        return None
    name = (found.group("name") or found.group("name2") or "").strip()
    return canonical_agency(name) or name or None


def find_author(line: str) -> str | None:
    """The author named by a byline ("By Jane Doe", "Posted on May 3 by Jane Doe"), or None."""
    if len(line.split()) > DATE_LINE_MAX_WORDS + 4:
        return None
    found = _BYLINE_AUTHOR.match(line.strip())
    if not found:
        return None
    name = found.group("name").strip(" ,.&")
    if name.split()[0].lower() in {"the", "a", "an", "this", "our"}:
        return None
    return name


def find_date(line: str) -> str | None:
    """The ISO 8601 date of a short date line ("Published May 3, 2016", "2016-05-03"), or None."""
    if len(line.split()) > DATE_LINE_MAX_WORDS:
        return None
    found = _DATE_TEXT.search(line)
    if not found:
        return None
    if found.group("iso"):
        year, month, day = int(found.group("y1")), int(found.group("m1")), int(found.group("d1"))
    else:
        name = (found.group("mon2") or found.group("mon3")).lower()
        if name not in _MONTHS:
            return None
        month = _MONTHS[name]
        year = int(found.group("y2") or found.group("y3"))
        day = int(found.group("d2") or found.group("d3"))
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


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


class NgramIndex:
    """The word n-grams of a text as integer codes, equal codes for equal n-grams (exact, no hashing).

    Codes for n-grams are built from those for (n-1)-grams: the pair (code of the n-1 words, next word)
    is ranked with ``numpy.unique``, so every n from 1 to 10 costs a few array operations instead of a
    dictionary of word tuples. Character counts come from prefix sums of the word lengths.
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
    that occur more than once can count, so only their positions are visited; the jumps are kept
    by remembering where the scan may resume.
    """
    codes = grams.codes(n)
    if len(codes) == 0:
        return 0
    counts = np.bincount(codes)
    if counts.max() <= 1:
        return 0  # nothing repeats: the common case
    seen: set[int] = set()
    repeated = resume = 0
    for i in np.flatnonzero(counts[codes] > 1).tolist():
        if i < resume:
            continue
        code = int(codes[i])
        if code in seen:
            repeated += grams.gram_chars(i, n)
            resume = i + n
        else:
            seen.add(code)
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
            sum(1 for p in paragraphs if _TERMINAL.search(p)), n_paragraphs
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


def tag_metadata(doc: Document) -> Document:
    """Add language, credits, taxonomy, counts, hash and quality signals to a document's metadata."""
    if doc.rejected:
        return doc
    meta = dict(doc.metadata)
    language, score = detect_language(doc.text)
    words = WORD.findall(doc.text)
    agency = meta.get("source_agency")
    categories = list(meta.get("categories") or [])
    tags = list(meta.get("tags") or [])
    author, date = meta.get("author"), meta.get("date")
    for removal in doc.removed:
        if removal.rule in _BYLINE_RULES:
            author = author or find_author(removal.text)
            date = date or find_date(removal.text)
        if removal.rule.startswith("credits.") and agency is None:
            agency = _credit_agency(removal.text)
        elif removal.rule == "taxonomy.categories":
            categories.extend(c for c in _list_after_label(removal.text) if c not in categories)
        elif removal.rule == "taxonomy.tags":
            tags.extend(t for t in _list_after_label(removal.text) if t not in tags)
    dateline = meta.get("dateline")
    if doc.paragraphs and dateline is None:
        dateline, dateline_agency = find_dateline(doc.paragraphs[0])
        agency = agency or dateline_agency
    meta.update(
        site_name=meta.get("site_name"),
        author=author,
        date=date,
        source_agency=agency,
        dateline=dateline,
        categories=categories,
        tags=tags,
        word_count=len(words),
        char_count=len(doc.text),
        content_hash=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        encoding_fixes=list(meta.get("encoding_fixes") or []),
        # The body is its paragraphs with blank lines between them: the same words.
        quality=quality_signals(
            doc.paragraphs, language, score, words if doc.text == "\n\n".join(doc.paragraphs) else None
        ),
        duplicate_of=meta.get("duplicate_of"),
    )
    return dataclasses.replace(doc, language=language, metadata=meta)
