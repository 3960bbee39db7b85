"""Metadata tagging: reads the body and the removal log, adds metadata, never edits the text.

Language (:mod:`pipeline.clean.language`), the site name of a title line, author, date and agency
(:mod:`pipeline.clean.credits`), categories and tags from removed taxonomy lines, counts, the content
hash and the quality signals (:mod:`pipeline.clean.quality`).
"""

from __future__ import annotations

import dataclasses
import hashlib

import regex

from pipeline.clean.credits import credited_agency, find_author, find_date, find_dateline
from pipeline.clean.language import detect_language
from pipeline.clean.quality import quality_signals
from pipeline.clean.title import split_site_suffix
from pipeline.document import Document
from pipeline.rules.ids import (
    BYLINE,
    CREDIT_RULES,
    FOOTER_ZONE,
    HEADER_ZONE,
    TAXONOMY_CATEGORIES,
    TAXONOMY_TAGS,
    TITLE_HEADING,
)
from pipeline.text import WORD, count_words

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module

# Removed lines that can be a byline or a date line: the header/footer zones of plain text, and
# bylines moved out by segmentation. Lines cut as ads, menus or comments are not read.
_BYLINE_RULES = frozenset({HEADER_ZONE, FOOTER_ZONE, BYLINE})
# "Categories: Geopolitics, Middle East": a label, then the items.
_LABEL_VALUE = regex.compile(r"^[^:]{1,40}:\s*(?P<value>.+)$")
_SPLIT_LIST = regex.compile(r"\s*(?:,|;|\||/|·|•)\s*")


def _list_after_label(line: str) -> list[str]:
    found = _LABEL_VALUE.match(line.strip())
    if not found:
        return []
    return [item.strip() for item in _SPLIT_LIST.split(found.group("value")) if item.strip()]


def tag_metadata(doc: Document) -> Document:
    """Add language, site, credits, taxonomy, counts, hash and quality signals to a document's metadata."""
    if doc.rejected:
        return doc
    meta = dict(doc.metadata)
    language, score = detect_language(doc.text)
    words = WORD.findall(doc.text)
    agency = meta.get("source_agency")
    categories = list(meta.get("categories") or [])
    tags = list(meta.get("tags") or [])
    author, date = meta.get("author"), meta.get("date")
    site_name = meta.get("site_name")
    for removal in doc.removed:
        if removal.rule == TITLE_HEADING and not site_name:
            # The title line found in a plain-text body: "Story | Site" names the site.
            site_name = split_site_suffix(removal.text)[1]
        if removal.rule in _BYLINE_RULES:
            author = author or find_author(removal.text)
            date = date or find_date(removal.text)
        if removal.rule in CREDIT_RULES and agency is None:
            agency = credited_agency(removal.text)
        elif removal.rule == TAXONOMY_CATEGORIES:
            categories.extend(c for c in _list_after_label(removal.text) if c not in categories)
        elif removal.rule == TAXONOMY_TAGS:
            tags.extend(t for t in _list_after_label(removal.text) if t not in tags)
    dateline = meta.get("dateline")
    if doc.paragraphs and dateline is None:
        dateline, dateline_agency = find_dateline(doc.paragraphs[0])
        agency = agency or dateline_agency
    meta.update(
        site_name=site_name,
        author=author,
        date=date,
        source_agency=agency,
        dateline=dateline,
        categories=categories,
        tags=tags,
        word_count=count_words(doc.text, words),
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
