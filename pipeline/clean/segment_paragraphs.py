"""Body lines -> typed paragraphs: blank-line blocks, re-joined hard wraps, bylines out, types.

A line of its own is a paragraph (text dumps and trafilatura put one paragraph on each line). A block
of lines hard-wrapped at a fixed width (e-mail, old archives) is joined back into paragraphs, and a
word split by a hyphen at a line end is mended where the document itself spells it unhyphenated.
A byline paragraph ("By Jane Doe") leaves the body, logged as ``credits.byline`` so tagging can read
the author back from the removal log. A fenced code block is one paragraph of type ``code``, its lines
as they are. Every other paragraph gets a type: ``heading``, ``list_item``, ``quote``, ``caption`` or
``paragraph``. Captions stay in the body (a type, not a removal: the
caption heuristic can err, and a type lets users drop them without losing text when it does).
In an HTML document a list item loses the "- " that the extractor wrote before it: the type says it is
a list item, the text keeps its words.
"""

from __future__ import annotations

import bisect
import dataclasses

import regex

from pipeline.clean.credits import is_byline
from pipeline.document import Document, Removal, merged_removals
from pipeline.rules.ids import BYLINE
from pipeline.text import (
    CLAUSE_END,
    LETTERS,
    LIST_MARKER,
    code_blocks,
    count_words,
    joined_wraps,
    paragraph_lines,
    squeeze_paragraph,
    squeezed_lines,
    vocabulary_of,
)

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
#: The type of a paragraph that is a fenced code block (``pipeline.text.CODE_FENCE``).
CODE = "code"

_LIST_ITEM = regex.compile(r"^(?:[-*•·▪●◦‣–]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)")
# An HTML document's list items lose the marker the extractor wrote (text.LIST_MARKER); text documents
# keep their bullets: there they are the document's own characters.
_EXTRACTOR_ITEM_MARKER = regex.compile("^" + regex.escape(LIST_MARKER) + r"(?=\S)")
# A paragraph that is all quotation: e-mail/markdown quoting ("> ..."), or one quotation mark pair
# around the whole paragraph (pull quotes, quoted statements standing alone).
_QUOTE = regex.compile(r"^(?:>\s?.+|[“\"«„][^“”\"«»„]+[”\"»“][.!?,]?)$")
# A photo caption ends with the picture's credit: "... May 3, 2016. Reuters/Abdalrhman Ismail",
# "... (AP Photo/Jane Doe)", "... Photo: John Smith", "... Getty Images".
_CAPTION_CREDIT = regex.compile(
    r"(?:[.!?”\"]\s+|\s[-—–|]\s+)"
    r"(?:(?i:photo|image|picture|credit)s?\s*(?::|(?i:by))\s*[^.!?]{2,60}"
    r"|\p{Lu}[\p{L}&.'’-]*(?:\s\p{Lu}[\p{L}&.'’-]*){0,3}\s?/\s?\p{Lu}[\p{L}.'’-]*(?:\s\p{Lu}[\p{L}.'’-]*){0,3}"
    r"|(?:\p{Lu}[\p{L}.]*\s){0,4}Getty Images)$"
    r"|\((?:AP |AFP |Reuters |EPA )?(?i:photo|image|picture)[^()]{0,80}\)$"
)
# A caption is short: of the 351 body paragraphs of the dev text dumps that end in a photo credit, 3 have
# more than 60 words, the median 10 (benchmarks/evidence.py lengths).
CAPTION_MAX_WORDS = 60
# Only the first and last few paragraphs can be a byline. Of the 90 body paragraphs of byline form in the
# dev text dumps, the 32 within 3 of an edge are the article's byline ("By Mike Wuerthele and Malcolm
# Owen"); the 58 further in are comment signatures and phrases that start like one ("Von Risiken und
# Nebenwirkungen", "Por si no lo viste", "by magnetic fields.") (benchmarks/evidence.py lengths).
BYLINE_EDGE_PARAGRAPHS = 3
# A heading is short and unpunctuated: of the 28,016 h1-h6 elements of the dev HTML pages, 94% have at
# most 12 words (letter runs), 90% at most 11 (benchmarks/evidence.py lengths).
HEADING_MAX_WORDS = 12


def is_caption(text: str, words: int | None = None) -> bool:
    """True for a photo caption: a short text ending with the picture's credit.

    ``words`` is the text's word count when the caller has it already.
    """
    words = len(LETTERS.findall(text)) if words is None else words
    return words <= CAPTION_MAX_WORDS and bool(_CAPTION_CREDIT.search(text))


def paragraph_type(text: str) -> str:
    """``heading``, ``list_item``, ``quote``, ``caption`` or ``paragraph`` for one paragraph."""
    if _LIST_ITEM.match(text):
        return "list_item"
    if _QUOTE.match(text):
        return "quote"
    words = len(LETTERS.findall(text))
    if is_caption(text, words):
        return "caption"
    if 0 < words <= HEADING_MAX_WORDS and not CLAUSE_END.search(text):
        return "heading"
    return "paragraph"


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a body given as lines with blank lines between blocks."""
    return _split_paragraphs(text)[0]


def _split_paragraphs(text: str) -> tuple[list[str], list[int], set[int]]:
    """The paragraphs of a body given as lines, the index of the line each one starts at, and which
    paragraphs are code.

    A fenced code block is one paragraph: its lines as they are (indentation kept, trailing white
    space gone), without the fences. The text between code blocks is segmented on its own.
    """
    raw = text.split("\n")
    lines = squeezed_lines(text)
    # The document's own spellings decide "depart-/ment"; counted only when a line ends in a hyphen.
    vocabulary = vocabulary_of(text)
    paragraphs: list[str] = []
    starts: list[int] = []
    code: set[int] = set()
    done = 0  # the lines before this one are segmented
    for opening, closing in [*code_blocks(raw), (len(raw), len(raw))]:
        for group in paragraph_lines(lines[done:opening]):
            paragraphs.append(joined_wraps([lines[done + i] for i in group], vocabulary))
            starts.append(done + group[0])
        source = "\n".join(line.rstrip() for line in raw[opening + 1 : closing]).strip("\n")
        if source.strip():
            code.add(len(paragraphs))
            paragraphs.append(source)
            starts.append(opening)
        done = closing + 1
    return paragraphs, starts, code


def segment_paragraphs(doc: Document) -> Document:
    """Split a document's body into typed paragraphs, move bylines to the log, rebuild ``text``; the
    title's white space is made the text's."""
    if doc.rejected:
        return doc
    if doc.paragraph_types and doc.text == "\n\n".join(doc.paragraphs):
        # Segmented already: typed again, an HTML list item without its marker would change type.
        return doc
    paragraphs, starts, code = _split_paragraphs(doc.text)
    edge = set(range(BYLINE_EDGE_PARAGRAPHS)) | set(
        range(len(paragraphs) - BYLINE_EDGE_PARAGRAPHS, len(paragraphs))
    )
    bylines = sorted(
        i for i in edge - code if 0 <= i < len(paragraphs) and is_byline(paragraphs[i])
    )

    def kept_before(paragraph: int) -> int:
        """How many of the paragraphs that stay come before the ``paragraph``-th one."""
        return paragraph - bisect.bisect_left(bylines, paragraph)

    def new_place(line: int) -> int:
        # A point before a line inside a paragraph (a page line dropped between hard-wrapped lines)
        # goes after that paragraph: the paragraph is one piece of text now.
        return kept_before(bisect.bisect_left(starts, line))

    cut = [(starts[i], Removal(paragraphs[i], BYLINE, STAGE, kept_before(i))) for i in bylines]
    removed = merged_removals(doc.removed, new_place, cut)
    types = tuple(
        CODE if i in code else paragraph_type(p) for i, p in enumerate(paragraphs) if i not in bylines
    )
    paragraphs = [p for i, p in enumerate(paragraphs) if i not in bylines]
    if doc.metadata.get("content_type") == "html":
        paragraphs = [
            _EXTRACTOR_ITEM_MARKER.sub("", p) if kind == "list_item" else p
            for p, kind in zip(paragraphs, types, strict=True)
        ]
    text = "\n\n".join(paragraphs)
    # The title gets the white space of the text: a no-break space the paragraphs lose, it loses too.
    title = (squeeze_paragraph(doc.title) or None) if doc.title is not None else None
    if (
        tuple(paragraphs) == doc.paragraphs
        and text == doc.text
        and types == doc.paragraph_types
        and title == doc.title
    ):
        return doc
    return dataclasses.replace(
        doc, text=text, title=title, paragraphs=tuple(paragraphs), paragraph_types=types, removed=removed
    )


def require_body(doc: Document, min_chars: int, min_words: int = 0) -> Document:
    """Reject a document whose cleaned body is shorter than ``min_chars`` characters
    (``empty_after_cleaning``) or has fewer than ``min_words`` words (``no_text``)."""
    if doc.rejected:
        return doc
    if len(doc.text.strip()) < min_chars:
        return doc.reject(STAGE, "empty_after_cleaning", f"{len(doc.text.strip())} characters left")
    words = count_words(doc.text) if min_words else 0
    if words < min_words:
        return doc.reject(STAGE, "no_text", f"{words} words left, fewer than {min_words}")
    return doc
