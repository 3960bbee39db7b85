"""Boilerplate learned from the batch: lines that repeat across many documents of one site.

Counting is per site (the URL's host, else the site name) and across the whole batch for documents
whose site is unknown. A line must recur in several documents *and* in a large share of its site's
documents, and at batch level it must also be short (not prose), so a wire story that two outlets ran
keeps its sentences. Lines are kept as digests of their normalised form, so memory grows with the
number of distinct lines, never with the text.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipeline.boilerplate import is_prose, line_info
from pipeline.config import BoilerplateConfig
from pipeline.document import Document
from pipeline.rules import normalize_line

RULE = "learned.repeated_line"
BATCH = ""  # the site key of documents whose site is unknown
#: A line must appear in at least this many documents of a site to be learned ...
MIN_DOCS = 3
#: ... and in at least this share of the site's documents (a footer is on nearly every page).
MIN_SHARE = 0.5
#: Documents of unknown site are pooled across sites, so a menu line reaches only a small share;
#: there only short lines are learned, from this share of the pool on.
BATCH_MIN_SHARE = 0.01
#: Prose (a punctuated sentence) is learned only within a known site and from this many documents on.
MIN_DOCS_PROSE = 5


@dataclass(frozen=True, slots=True)
class LineCounts:
    """Per site: how many documents, and in how many of them each (non-prose / prose) line occurs."""

    documents: Counter[str]
    lines: dict[str, Counter[str]]
    prose: dict[str, set[str]]


def line_key(line: str) -> str:
    """A short stable digest of a line's normalised form."""
    return hashlib.blake2b(normalize_line(line).encode("utf-8"), digest_size=8).hexdigest()


def site_of(doc: Document) -> str:
    """The site a document belongs to: its URL's host without ``www.``, else its site name, else the batch."""
    if doc.source.url:
        host = urlsplit(doc.source.url).hostname or ""
        if host:
            return host.removeprefix("www.")
    site = doc.metadata.get("site_name")
    return str(site).strip().casefold() if site else BATCH


def count_lines(docs: Iterable[Document], cfg: BoilerplateConfig) -> LineCounts:
    """Count, per site, the documents each distinct line occurs in."""
    documents: Counter[str] = Counter()
    lines: dict[str, Counter[str]] = defaultdict(Counter)
    prose: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.rejected:
            continue
        site = site_of(doc)
        documents[site] += 1
        seen: set[str] = set()
        for line in doc.text.split("\n"):
            if not normalize_line(line):
                continue
            key = line_key(line)
            if key in seen:
                continue
            seen.add(key)
            lines[site][key] += 1
            if is_prose(line_info(line), cfg):
                prose[site].add(key)
    return LineCounts(documents, dict(lines), dict(prose))


def merge_counts(parts: Iterable[LineCounts]) -> LineCounts:
    """Add up the counts of several shards."""
    documents: Counter[str] = Counter()
    lines: dict[str, Counter[str]] = defaultdict(Counter)
    prose: dict[str, set[str]] = defaultdict(set)
    for part in parts:
        documents.update(part.documents)
        for site, counter in part.lines.items():
            lines[site].update(counter)
        for site, keys in part.prose.items():
            prose[site] |= keys
    return LineCounts(documents, dict(lines), dict(prose))


def learn_boilerplate(counts: LineCounts) -> dict[str, frozenset[str]]:
    """``{site: line keys}`` of the lines that are boilerplate for that site."""
    learned: dict[str, frozenset[str]] = {}
    for site in sorted(counts.lines):
        n_docs = counts.documents[site]
        floor = max(MIN_DOCS, (BATCH_MIN_SHARE if site == BATCH else MIN_SHARE) * n_docs)
        keys = set()
        for key, n in counts.lines[site].items():
            if n < floor:
                continue
            if key in counts.prose.get(site, ()) and (site == BATCH or n < MIN_DOCS_PROSE):
                continue
            keys.add(key)
        if keys:
            learned[site] = frozenset(keys)
    return learned


def counts_to_dict(counts: LineCounts) -> dict[str, Any]:
    """JSON form of :class:`LineCounts` (sorted, so files are reproducible)."""
    return {
        "documents": dict(sorted(counts.documents.items())),
        "lines": {site: dict(sorted(c.items())) for site, c in sorted(counts.lines.items())},
        "prose": {site: sorted(keys) for site, keys in sorted(counts.prose.items())},
    }


def counts_from_dict(data: Mapping[str, Any]) -> LineCounts:
    """Inverse of :func:`counts_to_dict`."""
    documents: Counter[str] = Counter(data["documents"])
    lines = {site: Counter(c) for site, c in data["lines"].items()}
    prose = {site: set(keys) for site, keys in data["prose"].items()}
    return LineCounts(documents, lines, prose)
