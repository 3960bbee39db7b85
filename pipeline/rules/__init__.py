"""The boilerplate catalogue: one TOML file per concept in this folder, loaded and compiled once.

Each file holds ``[[line]]`` rules (a whole line that is boilerplate), ``[[block]]`` rules (a run of
lines from a start line to an end line) and ``[[thread]]`` rules (a thread of reader comments, from its
first signature line to the end of the page), and ``[[code]]`` entries: rules whose decision is made
in code (the title, structural zones, the line model, learned lines, extraction, bylines), declared here
so that every rule id the output can hold has its reason in the catalogue. Every rule has an ``id`` and a
``why``; its public id is ``<file>.<id>``, e.g. ``comments.wordpress_reply_form``. Code refers to rule
ids through :mod:`pipeline.rules.ids`, which checks each against this catalogue when it is imported.

A ``[[line]]`` rule matches a line when, after :func:`normalize_line`, the line equals one of its
``phrases`` (unless the line is quoted speech: wholly in quotation marks), or the stripped line fully
matches one of its ``patterns`` (case-insensitive) and has at most ``max_words`` words. Whole-line
matching is what keeps "an advertisement for the new law" as content while dropping a lone
"Advertisement".
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from pipeline.text import line_memo, squeeze_spaces

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULES_DIR = Path(__file__).resolve().parent

# Decoration around a boilerplate line that does not change what it is ("Share:", "[Advertisement]").
_EDGE = " \t:;,.!?|•·»«›‹>/\\-–—_*#=+~()[]{}\"'“”‘’„…"


# A line wholly in quotation marks, after a dialogue dash: someone's words ("– „Ok.“", "“Accept.”"), which
# a phrase of the catalogue never is (a button or a label has no quotation marks).
_SPEECH = regex.compile(r"[\s\-–—]*[\"'“”„‘‚«»‹›].*[\"'“”‘’«»‹›][.!?…]*", regex.DOTALL)


def quoted_speech(line: str) -> bool:
    """Whether ``line`` is wholly in quotation marks (after a dialogue dash): no catalogue phrase."""
    return _SPEECH.fullmatch(line) is not None


def normalize_line(line: str) -> str:
    """Casefold, squeeze white space and strip edge decoration, for phrase look-up."""
    return normalize_squeezed(squeeze_spaces(line))


def normalize_squeezed(squeezed: str) -> str:
    """:func:`normalize_line` of a line whose white space is squeezed already (``squeeze_spaces``)."""
    return squeezed.casefold().strip(_EDGE).strip()


def line_key(line: str, norm: str | None = None) -> str:
    """A short stable digest of a line's normalised form (how learned boilerplate stores lines).

    ``norm`` is ``normalize_line(line)`` when the caller has it already.
    """
    norm = normalize_line(line) if norm is None else norm
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class LineRule:
    """Whole lines that are boilerplate of one kind."""

    id: str
    why: str
    phrases: frozenset[str]
    max_words: int
    #: The rule's ``patterns`` as one alternation (a full match of it is a full match of one of them).
    pattern: regex.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class BlockRule:
    """A widget spanning several lines, from a start line to an end line within ``max_lines``."""

    id: str
    why: str
    start: frozenset[str]
    end: frozenset[str]
    max_lines: int


@dataclass(frozen=True, slots=True)
class ThreadRule:
    """A thread of reader comments under the main text, recognised by its signature lines.

    A line is a signature when it fully matches one of ``signatures``, or fully matches one of
    ``authors`` and the next non-blank line holds a match of one of ``stamps`` (a name with "says:" is
    only a comment's signature when its date follows). The thread starts at the first signature when
    the page has at least ``min_signatures`` of them and at least ``min_words_before`` words of kept
    text before the first. A line of more than ``max_words`` words is no signature and is not matched
    (a page's lines are mostly longer than a signature: skipping them is most of this rule's time).
    """

    id: str
    why: str
    signatures: regex.Pattern[str] | None
    authors: regex.Pattern[str] | None
    stamps: regex.Pattern[str] | None
    min_signatures: int
    min_words_before: int
    max_words: int
    #: :meth:`_line_kind`, remembered for lines that recur (see :func:`~pipeline.text.line_memo`).
    _kind: Callable[[str], str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_kind", line_memo(self._line_kind))

    def _line_kind(self, text: str) -> str | None:
        """``"signature"`` for a line that fully matches a signature, ``"author"`` for one that fully
        matches an author (a signature when a stamp follows), else None."""
        if self.signatures is not None and self.signatures.fullmatch(text):
            return "signature"
        if self.authors is not None and self.stamps is not None and self.authors.fullmatch(text):
            return "author"
        return None

    def signature_lines(self, squeezed: Sequence[str], words: Sequence[int]) -> list[int]:
        """Indices of the signature lines of a page given as its lines with white space squeezed
        (``squeeze_spaces``), whose word counts are ``words``."""
        found = []
        for i, text in enumerate(squeezed):
            if not 0 < words[i] <= self.max_words:
                continue
            kind = self._kind(text)
            if kind == "signature":
                found.append(i)
            elif kind == "author" and self.stamps is not None:
                following = next((t for t in squeezed[i + 1 :] if t), "")
                if self.stamps.search(following):
                    found.append(i)
        return found


@dataclass(frozen=True, slots=True)
class LinePatterns:
    """The line rules' patterns as one regex: a rule is the named group ``r<k>`` of the alternation.

    A full match takes the first alternative that matches the whole line, i.e. the first rule in
    catalogue order whose patterns match. When that rule allows fewer words than the line has, the rules
    after it that allow them are tried one by one (3 of the 174,000 distinct lines of the dev text dumps).
    One regex compiled once (0.1 s at every start): one per word-count bound would compile each rule
    again for every bound at or below its own (0.74 s), for the same one regex call per line.
    """

    pattern: regex.Pattern[str]
    rules: tuple[LineRule, ...]
    #: The longest ``max_words`` of them: a longer line matches none.
    max_words: int

    def match(self, squeezed: str, words: int) -> str | None:
        """The id of the first rule that allows ``words`` words and whose patterns fully match."""
        if words > self.max_words:
            return None
        found = self.pattern.fullmatch(squeezed)
        if found is None:
            return None
        first = next(k for k in range(len(self.rules)) if found.group(f"r{k}") is not None)
        if words <= self.rules[first].max_words:
            return self.rules[first].id
        later = self.rules[first + 1 :]
        return next(
            (
                rule.id
                for rule in later
                if words <= rule.max_words and rule.pattern is not None and rule.pattern.fullmatch(squeezed)
            ),
            None,
        )


def line_patterns(lines: Sequence[LineRule]) -> LinePatterns | None:
    """The :class:`LinePatterns` of the line rules that have patterns (None when none has)."""
    rules = tuple(rule for rule in lines if rule.pattern is not None)
    if not rules:
        return None
    source = "|".join(f"(?P<r{k}>{rule.pattern.pattern})" for k, rule in enumerate(rules) if rule.pattern)
    return LinePatterns(regex.compile(source, _FLAGS), rules, max(rule.max_words for rule in rules))


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The compiled catalogue."""

    lines: tuple[LineRule, ...]
    blocks: tuple[BlockRule, ...]
    phrase_index: dict[str, str]
    #: The line rules' patterns: one regex call per line (see LinePatterns).
    patterns: LinePatterns | None = None
    threads: tuple[ThreadRule, ...] = ()
    #: :meth:`_match`, remembered for lines that recur (see :func:`~pipeline.text.line_memo`).
    _memo: Callable[[str], str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", line_memo(self._match))

    def match_line(self, line: str) -> str | None:
        """The id of the first line rule that matches ``line``, or None."""
        return self.match_squeezed(squeeze_spaces(line))

    def match_squeezed(self, squeezed: str) -> str | None:
        """:meth:`match_line` of a line given squeezed (``squeeze_spaces``)."""
        return self._memo(squeezed)

    def _match(self, squeezed: str) -> str | None:
        key = normalize_squeezed(squeezed)
        if not key:
            return None
        hit = self.phrase_index.get(key)
        if hit is not None and not quoted_speech(squeezed):
            return hit
        if self.patterns is None:
            return None
        return self.patterns.match(squeezed, squeezed.count(" ") + 1)


def _rule_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.toml"))


# Rule patterns match case-insensitively, with the regex module's full Unicode behaviour (VERSION1).
_FLAGS = regex.IGNORECASE | regex.VERSION1


def _alternation(sources: Sequence[str]) -> regex.Pattern[str] | None:
    if not sources:
        return None
    return regex.compile("|".join(f"(?:{p})" for p in sources), _FLAGS)


def _rule_id(concept: str, raw: dict[str, Any], path: Path) -> str:
    """The public id of a rule read from ``path``; a rule without a reason is refused."""
    rule_id = f"{concept}.{raw['id']}"
    if not raw.get("why"):
        raise ValueError(f"rule {rule_id} in {path.name} has no 'why'")
    return rule_id


def _catalogue(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every rule file of ``directory`` with its parsed tables, in file-name order."""
    files = []
    for path in _rule_files(directory):
        with open(path, "rb") as handle:
            files.append((path, tomllib.load(handle)))
    return files


@lru_cache(maxsize=4)
def declared_rules(directory: str | None = None) -> dict[str, str]:
    """Every rule id of the catalogue (``<file>.<id>``, of every kind) with its ``why``."""
    declared: dict[str, str] = {}
    for path, data in _catalogue(Path(directory) if directory else RULES_DIR):
        for kind in ("line", "block", "thread", "code"):
            for raw in data.get(kind, []):
                rule_id = _rule_id(path.stem, raw, path)
                declared[rule_id] = raw["why"]
    return declared


def declared(rule_id: str, directory: str | None = None) -> str:
    """``rule_id`` itself, once checked to be a rule of the catalogue; a ``KeyError`` when it is not."""
    if rule_id not in declared_rules(directory):
        raise KeyError(f"rule {rule_id} is not declared in the catalogue ({directory or RULES_DIR})")
    return rule_id


def rules_of(concept: str, directory: str | None = None) -> frozenset[str]:
    """The ids of every rule in the catalogue file of ``concept`` (``credits`` -> ``credits.*``)."""
    found = frozenset(r for r in declared_rules(directory) if r.partition(".")[0] == concept)
    if not found:
        raise KeyError(f"no rule file {concept}.toml in the catalogue ({directory or RULES_DIR})")
    return found


def _compile(directory: Path) -> RuleSet:
    lines: list[LineRule] = []
    blocks: list[BlockRule] = []
    threads: list[ThreadRule] = []
    phrase_index: dict[str, str] = {}
    for path, data in _catalogue(directory):
        concept = path.stem
        for raw in data.get("line", []):
            rule_id = _rule_id(concept, raw, path)
            phrases = frozenset(normalize_line(p) for p in raw.get("phrases", []))
            for phrase in sorted(phrases):
                phrase_index.setdefault(phrase, rule_id)
            max_words = int(raw.get("max_words", 30))
            pattern = _alternation(list(raw.get("patterns", [])))
            lines.append(LineRule(rule_id, raw["why"], phrases, max_words, pattern))
        for raw in data.get("block", []):
            blocks.append(
                BlockRule(
                    _rule_id(concept, raw, path),
                    raw["why"],
                    frozenset(normalize_line(p) for p in raw["start"]),
                    frozenset(normalize_line(p) for p in raw["end"]),
                    int(raw.get("max_lines", 40)),
                )
            )
        for raw in data.get("thread", []):
            threads.append(
                ThreadRule(
                    _rule_id(concept, raw, path),
                    raw["why"],
                    _alternation(raw.get("signatures", [])),
                    _alternation(raw.get("authors", [])),
                    _alternation(raw.get("stamps", [])),
                    int(raw.get("min_signatures", 2)),
                    int(raw.get("min_words_before", 0)),
                    int(raw.get("max_words", 40)),
                )
            )
    return RuleSet(tuple(lines), tuple(blocks), phrase_index, line_patterns(lines), tuple(threads))


@lru_cache(maxsize=4)
def load_rules(directory: str | None = None) -> RuleSet:
    """Load and compile every rule file of ``directory`` (the shipped catalogue by default)."""
    return _compile(Path(directory) if directory else RULES_DIR)
