"""Body lines -> typed paragraphs: blank-line blocks, re-joined hard wraps, bylines out, types.

A line of its own is a paragraph (text dumps and trafilatura put one paragraph on each line). A block
of lines hard-wrapped at a fixed width (e-mail, old archives) is joined back into paragraphs, and a
word split by a hyphen at a line end is mended where the document itself spells it unhyphenated.
A byline paragraph ("By Jane Doe") leaves the body, logged as ``credits.byline`` so tagging can read
the author back from the removal log. Every paragraph gets a type: ``heading``, ``list_item``,
``quote``, ``caption`` or ``paragraph``. Captions stay in the body (a type, not a removal: the
caption heuristic can err, and a type lets users drop them without losing text when it does).
In an HTML document a list item loses the "- " that the extractor wrote before it: the type says it is
a list item, the text keeps its words.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

import regex

from pipeline.document import Document, Removal
from pipeline.rules import space_squeezer

STAGE = "segment_paragraphs"
PARAGRAPH_TYPES = ("paragraph", "heading", "list_item", "quote", "caption")

# Zero-width joiners stay in the text (they join letters and emoji); zero-width spaces and BOMs do not.
_squeeze = space_squeezer("\u200b\ufeff")
_WORD = regex.compile(r"\p{L}+")
_TERMINAL = regex.compile(r"[.!?…。！？:]['\"”’»)\]]*$")
_LIST_ITEM = regex.compile(r"^(?:[-*•·▪●◦‣–]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)")
_HYPHEN_END = regex.compile(r"(\p{Ll}+)-$")
_LEADING_WORD = regex.compile(r"^(\p{Ll}+)")
_HYPHEN_BREAK = regex.compile(r"(?<=\p{L}\p{L})-")
#: What trafilatura writes before each list item of an HTML page ("- item": its plain-text layout, not a
#: character of the page, which shows a bullet glyph or a number). Gold texts write the item's words
#: only: of the eval sets' gold lines, zyte-aeb 0 of 4363 start with "- ", wcxb-dev 322 of 21726. Text
#: documents keep their bullets: there they are the document's own characters.
LIST_MARKER = "- "
_EXTRACTOR_ITEM_MARKER = regex.compile("^" + regex.escape(LIST_MARKER) + r"(?=\S)")
# A bulleted line starts a new item even inside a wrapped block.
_BULLET = regex.compile(r"^[*•·▪●◦‣]\s")
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
CAPTION_MAX_WORDS = 60
# "By Jane Doe", "By JANE DOE and John Roe, Reuters", "By Jane Doe | May 3, 2016": a name of
# capitalised words after "By", optionally a role or agency and a date after a separator.
_BYLINE = regex.compile(
    r"^(?:by|written by|words by|story by|von|par|por)\s+"
    r"(?P<names>\p{Lu}[\p{L}'’.-]+(?:\s+(?:\p{Lu}[\p{L}'’.-]*|van|von|de|da|del|der|bin|al|and|&|,)){0,9})"
    r"(?:\s*[,|–—-]\s*(?P<rest>[^.!?]{0,80}))?$",
    regex.IGNORECASE,
)
_BYLINE_NOT_NAME = frozenset("the a an this that our my your his her their its all some".split())
# Only the first and last few paragraphs can be a byline; in between, "By ..." is a sentence.
BYLINE_EDGE_PARAGRAPHS = 3
BYLINE_MAX_WORDS = 16
# Hard wraps break lines at a fixed column; these bounds cover e-mail (72), terminals (80) and
# the narrower columns of old archives (60). Widths outside are not wraps.
WRAP_MIN_WIDTH = 40
WRAP_MAX_WIDTH = 100
# Share of a block's inner lines that must be "full" (the next line's first word would not have fit)
# for the block to count as wrapped. benchmarks/segmentation.py: gold texts wrapped at 60-80 columns
# have >= 0.6 full lines; gold texts left one paragraph per line have <= 0.35 where lines are short.
WRAP_MIN_FULL_SHARE = 0.5
# A heading is short and unpunctuated.
HEADING_MAX_WORDS = 12


def _first_chunk(line: str) -> int:
    """Length of what a greedy wrapper would have tried to fit on the line before.

    The first word, or its head up to a hyphen after two letters (where ``textwrap`` breaks).
    """
    word = line.split(" ", 1)[0]
    hyphen = _HYPHEN_BREAK.search(word)
    return hyphen.end() if hyphen else len(word)


def wrap_width(blocks: Sequence[Sequence[str]]) -> int | None:
    """The column a document was hard-wrapped at, from its multi-line blocks; None if none fits."""
    lengths = [len(line) for block in blocks if len(block) > 1 for line in block if " " in line]
    fitting = [n for n in lengths if n <= WRAP_MAX_WIDTH]
    if not fitting or len(fitting) < WRAP_MIN_FULL_SHARE * len(lengths):
        return None
    width = max(fitting)
    return width if width >= WRAP_MIN_WIDTH else None


def wrapped_lines(block: Sequence[str], doc_width: int | None = None) -> list[bool] | None:
    """For a hard-wrapped block, which lines are full (the next word did not fit); None if not wrapped.

    The width is the document's wrap column, or the block's own longest line when that is wider;
    a word longer than the column (a URL) sticks out of a greedy wrap and does not set it.
    """
    if len(block) < 2:
        return None
    spaced = [len(line) for line in block if " " in line]
    width = max([*spaced, doc_width or 0])
    if not WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
        return None
    # A word broken by a hyphen at the line end continues on the next line whatever the room left.
    full = [
        (len(line) + 1 + max(_first_chunk(following), 1) > width or bool(_HYPHEN_END.search(line)))
        and not _BULLET.match(following)
        for line, following in zip(block, block[1:], strict=False)
    ]
    if sum(full) < max(1, WRAP_MIN_FULL_SHARE * len(full)):
        return None
    # A wrapped line mostly ends mid-sentence; lines that all end a sentence are paragraphs.
    open_ends = sum(1 for line, f in zip(block, full, strict=False) if f and not _TERMINAL.search(line))
    if open_ends * 2 < sum(full):
        return None
    return full


def _join(out: str, line: str, vocabulary: Callable[[], Counter[str]]) -> str:
    hyphen = _HYPHEN_END.search(out)
    lead = _LEADING_WORD.match(line)
    if hyphen and lead:
        # "depart-/ment" -> "department" if the document spells it so; else "well-/known" -> "well-known".
        joined = (hyphen.group(1) + lead.group(1)).lower()
        return (out[:-1] if vocabulary()[joined] > 0 else out) + line
    return f"{out} {line}"


def _joined(lines: Sequence[str], vocabulary: Callable[[], Counter[str]]) -> str:
    """The lines of one hard-wrapped paragraph joined back into one line."""
    out = lines[0]
    for line in lines[1:]:
        out = _join(out, line, vocabulary)
    return out


def is_caption(text: str, words: int | None = None) -> bool:
    """True for a photo caption: a short text ending with the picture's credit.

    ``words`` is the text's word count when the caller has it already.
    """
    words = len(_WORD.findall(text)) if words is None else words
    return words <= CAPTION_MAX_WORDS and bool(_CAPTION_CREDIT.search(text))


def paragraph_type(text: str) -> str:
    """``heading``, ``list_item``, ``quote``, ``caption`` or ``paragraph`` for one paragraph."""
    if _LIST_ITEM.match(text):
        return "list_item"
    if _QUOTE.match(text):
        return "quote"
    words = len(_WORD.findall(text))
    if is_caption(text, words):
        return "caption"
    if 0 < words <= HEADING_MAX_WORDS and not _TERMINAL.search(text):
        return "heading"
    return "paragraph"


def is_byline(text: str) -> bool:
    """True for a paragraph that only names the authors: "By Jane Doe", "By J. Doe | May 3, 2016"."""
    if len(text.split()) > BYLINE_MAX_WORDS:
        return False
    found = _BYLINE.match(text.strip())
    if not found:
        return False
    first = found.group("names").split()[0].strip(",").lower()
    return first not in _BYLINE_NOT_NAME


def paragraph_lines(lines: Sequence[str], loose: bool = False) -> list[list[int]]:
    """The indices of the lines that make each paragraph of a body given as (squeezed) lines.

    Blank lines separate blocks; in a hard-wrapped block a full line continues on the next, and a line
    with room left for the next word ends a paragraph; elsewhere each line is a paragraph of its own.

    ``loose`` finds wrapped paragraphs wherever they stand: a line too long to be a wrapped one also
    ends a block (an HTML page's text has no blank lines between its paragraphs), and each block is
    judged at its own width, not the document's. It also takes some runs of one-line paragraphs for
    wraps (headlines of 40-100 characters), so segmentation, which would glue them together, does
    without; a test that only needs to know whether a line may belong to running text uses it.
    """
    blocks: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if loose and len(line) > WRAP_MAX_WIDTH:
            if blocks[-1]:
                blocks.append([])
            blocks[-1].append(i)
            blocks.append([])
        elif line:
            blocks[-1].append(i)
        elif blocks[-1]:
            blocks.append([])
    texts = [[lines[i] for i in block] for block in blocks]
    doc_width = None if loose else wrap_width(texts)
    paragraphs: list[list[int]] = []
    for block, text in zip(blocks, texts, strict=True):
        full = wrapped_lines(text, doc_width)
        if not full:
            paragraphs.extend([i] for i in block)
            continue
        paragraphs.append([block[0]])
        for i, is_full in zip(block[1:], full, strict=True):
            if is_full:
                paragraphs[-1].append(i)
            else:
                paragraphs.append([i])
    return paragraphs


def squeezed_lines(text: str) -> list[str]:
    """The lines of ``text`` with white space squeezed as paragraphs have it (blank lines empty)."""
    return [_squeeze(line) for line in text.split("\n")]


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a body given as lines with blank lines between blocks."""
    lines = squeezed_lines(text)
    # The document's own spellings decide "depart-/ment"; counted only when a line ends in a hyphen.
    vocabulary = cache(lambda: Counter(w.lower() for w in _WORD.findall(text)))
    return [_joined([lines[i] for i in group], vocabulary) for group in paragraph_lines(lines)]


def segment_paragraphs(doc: Document) -> Document:
    """Split a document's body into typed paragraphs, move bylines to the log, rebuild ``text``; the
    title's white space is made the text's."""
    if doc.rejected:
        return doc
    if doc.paragraph_types and doc.text == "\n\n".join(doc.paragraphs):
        # Segmented already: typed again, an HTML list item without its marker would change type.
        return doc
    paragraphs = split_paragraphs(doc.text)
    edge = set(range(BYLINE_EDGE_PARAGRAPHS)) | set(
        range(len(paragraphs) - BYLINE_EDGE_PARAGRAPHS, len(paragraphs))
    )
    bylines = [i for i in edge if 0 <= i < len(paragraphs) and is_byline(paragraphs[i])]
    removals = [Removal(paragraphs[i], "credits.byline", STAGE) for i in sorted(bylines)]
    paragraphs = [p for i, p in enumerate(paragraphs) if i not in bylines]
    types = tuple(paragraph_type(p) for p in paragraphs)
    if doc.metadata.get("content_type") == "html":
        paragraphs = [
            _EXTRACTOR_ITEM_MARKER.sub("", p) if kind == "list_item" else p
            for p, kind in zip(paragraphs, types, strict=True)
        ]
    text = "\n\n".join(paragraphs)
    # The title gets the white space of the text: a no-break space the paragraphs lose, it loses too.
    title = (_squeeze(doc.title) or None) if doc.title is not None else None
    if (
        tuple(paragraphs) == doc.paragraphs
        and text == doc.text
        and types == doc.paragraph_types
        and title == doc.title
    ):
        return doc
    segmented = dataclasses.replace(
        doc, text=text, title=title, paragraphs=tuple(paragraphs), paragraph_types=types
    )
    return segmented.with_removed(removals)
