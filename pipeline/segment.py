"""Body lines -> paragraphs: blank-line blocks, re-joined hard wraps, white space normalised, types.

A line of its own is a paragraph (text dumps put one paragraph on each line). A block of lines that
were hard-wrapped at a fixed width (e-mail, old archives) is joined back into one paragraph, and a
word split by a hyphen at a line end is mended where the document itself spells it unhyphenated.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import regex

from pipeline.document import Document

STAGE = "segment_paragraphs"

_SPACE = regex.compile(r"[\s\p{Zs}\u200b\ufeff]+")
_WORD = regex.compile(r"\p{L}+")
_TERMINAL = regex.compile(r"[.!?…。！？:]['\"”’»)\]]*$")
_LIST_ITEM = regex.compile(r"^(?:[-*•·▪●◦‣–]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)")
_HYPHEN_END = regex.compile(r"(\p{Ll}+)-$")
_LEADING_WORD = regex.compile(r"^(\p{Ll}+)")
# Hard-wrapped text breaks lines at a fixed width; these bounds cover the usual 60-80 columns.
WRAP_MIN_CHARS = 40
WRAP_MAX_CHARS = 100
# A heading is short and unpunctuated.
HEADING_MAX_WORDS = 12


def _is_hard_wrapped(block: list[str]) -> bool:
    """True when every line but the last is 40-100 characters long and some end mid-sentence."""
    if len(block) < 2:
        return False
    body = block[:-1]
    if not all(WRAP_MIN_CHARS <= len(line) <= WRAP_MAX_CHARS for line in body):
        return False
    if len(block[-1]) > WRAP_MAX_CHARS:
        return False
    open_ends = sum(1 for line in body if not _TERMINAL.search(line))
    return open_ends * 2 >= len(body)


def _join_wrapped(block: list[str], vocabulary: Counter[str]) -> str:
    out = block[0]
    for line in block[1:]:
        hyphen = _HYPHEN_END.search(out)
        lead = _LEADING_WORD.match(line)
        if hyphen and lead:
            # "depart-/ment" -> "department" if the document spells it so; else "well-/known" -> "well-known".
            joined = (hyphen.group(1) + lead.group(1)).lower()
            out = (out[:-1] if vocabulary[joined] > 0 else out) + line
        else:
            out = f"{out} {line}"
    return out


def paragraph_type(text: str) -> str:
    """``heading``, ``list_item`` or ``paragraph`` for one paragraph of text."""
    if _LIST_ITEM.match(text):
        return "list_item"
    words = len(_WORD.findall(text))
    if 0 < words <= HEADING_MAX_WORDS and not _TERMINAL.search(text):
        return "heading"
    return "paragraph"


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a body given as lines with blank lines between blocks."""
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        clean = _SPACE.sub(" ", line).strip()
        if clean:
            blocks[-1].append(clean)
        elif blocks[-1]:
            blocks.append([])
    vocabulary = Counter(w.lower() for w in _WORD.findall(text))
    paragraphs: list[str] = []
    for block in blocks:
        if _is_hard_wrapped(block):
            paragraphs.append(_join_wrapped(block, vocabulary))
        else:
            paragraphs.extend(block)
    return paragraphs


def segment_paragraphs(doc: Document) -> Document:
    """Split a document's body into typed paragraphs and rebuild ``text`` from them."""
    if doc.rejected:
        return doc
    paragraphs = split_paragraphs(doc.text)
    types = tuple(paragraph_type(p) for p in paragraphs)
    text = "\n\n".join(paragraphs)
    if tuple(paragraphs) == doc.paragraphs and text == doc.text and types == doc.paragraph_types:
        return doc
    return dataclasses.replace(doc, text=text, paragraphs=tuple(paragraphs), paragraph_types=types)
