"""Boilerplate learned from the batch: short lines that repeat across many documents of one site.

Counting is per site (the URL's host, else the site name) and across the whole batch for documents
whose site is unknown. A line must recur in several documents *and* in a large share of its site's
documents. Prose (a punctuated sentence, a long line) is never learned, judged on paragraphs with hard
wraps re-joined (a paragraph wrapped at 60 columns is not a run of short lines): a wire story that
several outlets ran, or a page crawled twice, keeps its sentences (duplicates are dedup's business).
Lines are kept as digests of their normalised form, so memory grows with the number of distinct short
lines, never with the text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.config import BoilerplateConfig
from pipeline.document import Document
from pipeline.rules import line_key, normalize_line
from pipeline.text import code_lines, prose_lines

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
BATCH = ""  # the site key of documents whose site is unknown
#: A line must appear in at least this many documents of a site to be learned ...
MIN_DOCS = 3
#: ... and in at least this share of the site's documents (a footer is on nearly every page).
MIN_SHARE = 0.5
#: Documents of unknown site are pooled across the batch, where a short line that a few unrelated
#: documents share is as often a common heading ("Introduction", "References", "Conclusion") as
#: boilerplate: there a line must be in at least this many documents and this share of the pool. On the
#: four dev sets' text dumps (no URLs: each set is one pool) the pool's learning moves no score at three
#: decimals for any floor from (3 documents, 1 %) to learning nothing, since the line model drops the same
#: menu lines; at (3, 1 %) 382 of the 1,144 lines it took on cleaneval-dev stood in the page's gold
#: text, at (10, 5 %) 18 of 60. A site's own footer on most of its pages still clears it.
BATCH_MIN_DOCS = 10
BATCH_MIN_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class LineCounts:
    """Per site: how many documents, and in how many of them each short line occurs."""

    documents: Counter[str]
    lines: dict[str, Counter[str]]


def site_of(doc: Document) -> str:
    """The site a document belongs to: its URL's host without ``www.``, else its site name, else the batch."""
    host = doc.source.host
    if host:
        return host
    site = doc.metadata.get("site_name")
    return str(site).strip().casefold() if site else BATCH


class LineCounter:
    """Per site, the documents each distinct short (non-prose) line occurs in, one document at a time."""

    def __init__(self, cfg: BoilerplateConfig) -> None:
        self.cfg = cfg
        self.documents: Counter[str] = Counter()
        self.lines: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, doc: Document) -> None:
        """Count the lines of one document (a rejected one counts for nothing)."""
        if doc.rejected:
            return
        site = site_of(doc)
        self.documents[site] += 1
        seen: set[str] = set()
        # Prose first: it is most of the text and needs no normalising.
        prose = prose_lines(doc.text, self.cfg)
        lines = doc.text.split("\n")
        code = code_lines(lines)  # never judged as boilerplate, so never learned as such
        for i, line in enumerate(lines):
            if i in prose or i in code:
                continue
            norm = normalize_line(line)
            if not norm:
                continue
            key = line_key(line, norm)
            if key not in seen:
                seen.add(key)
                self.lines[site][key] += 1

    def counts(self) -> LineCounts:
        """What was counted so far."""
        return LineCounts(self.documents, dict(self.lines))


def merge_counts(parts: Iterable[LineCounts]) -> LineCounts:
    """Add up the counts of several shards."""
    documents: Counter[str] = Counter()
    lines: dict[str, Counter[str]] = defaultdict(Counter)
    for part in parts:
        documents.update(part.documents)
        for site, counter in part.lines.items():
            lines[site].update(counter)
    return LineCounts(documents, dict(lines))


def learn_boilerplate(counts: LineCounts) -> dict[str, frozenset[str]]:
    """``{site: line keys}`` of the lines that are boilerplate for that site."""
    learned: dict[str, frozenset[str]] = {}
    for site in sorted(counts.lines):
        n_docs = counts.documents[site]
        if site == BATCH:
            floor = max(BATCH_MIN_DOCS, BATCH_MIN_SHARE * n_docs)
        else:
            floor = max(MIN_DOCS, MIN_SHARE * n_docs)
        keys = {key for key, n in counts.lines[site].items() if n >= floor}
        if keys:
            learned[site] = frozenset(keys)
    return learned


def counts_to_dict(counts: LineCounts) -> dict[str, Any]:
    """JSON form of :class:`LineCounts` (sorted, so files are reproducible)."""
    return {
        "documents": dict(sorted(counts.documents.items())),
        "lines": {site: dict(sorted(c.items())) for site, c in sorted(counts.lines.items())},
    }


def counts_from_dict(data: Mapping[str, Any]) -> LineCounts:
    """Inverse of :func:`counts_to_dict`."""
    documents: Counter[str] = Counter(data["documents"])
    lines = {site: Counter(c) for site, c in data["lines"].items()}
    return LineCounts(documents, lines)


def learned_for(doc: Document, learned: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The learned line keys that apply to a document (its site's)."""
    return learned.get(site_of(doc), frozenset())
