"""The word lists beside the catalogue (``lexicon/*.txt``), each read once: stopwords per language
and news agencies with their aliases."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"


def _entries(name: str) -> list[str]:
    """The lines of a lexicon file that are not blank and not comments."""
    text = (LEXICON_DIR / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def stopwords() -> dict[str, frozenset[str]]:
    """Language code -> stopword set, from ``lexicon/stopwords.txt``."""
    table: dict[str, frozenset[str]] = {}
    for line in _entries("stopwords.txt"):
        code, _, words = line.partition(":")
        table[code.strip()] = frozenset(words.split())
    return table


@cache
def all_stopwords() -> frozenset[str]:
    """Every language's stopwords together (the line model's multilingual stopword density)."""
    return frozenset().union(*stopwords().values())


@cache
def agencies() -> dict[str, str]:
    """Alias (casefolded) -> canonical agency name, from ``lexicon/agencies.txt``."""
    table: dict[str, str] = {}
    for line in _entries("agencies.txt"):
        name, _, aliases = line.partition(" = ")
        name = name.strip()
        for alias in [name, *aliases.split(",")]:
            if alias.strip():
                table[alias.strip().casefold()] = name
    return table
