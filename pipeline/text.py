"""What the stages agree a piece of text is: a word, a sentence end, white space, a line's shape, and
which lines make one paragraph.

Stages and batch steps import these; nothing here imports a stage. Where two stages count words
differently they use differently named patterns below, each saying what it counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import regex

from pipeline.config import BoilerplateConfig

T = TypeVar("T")

# --- words ---------------------------------------------------------------------------------------

# A word starts with a letter or a digit and goes on with letters, digits, apostrophes and hyphens:
# what metadata.word_count, the quality signals and the no_text floor count.
WORD_START = r"[\p{L}\p{N}]"
WORD_REST = r"[\p{L}\p{N}'’-]"
WORD = regex.compile(WORD_START + WORD_REST + "*")
#: A word as the line rules and the line model count a line's words: dots inside it too, so that
#: "U.S.", "3.5" and "example.com" are one word each.
DOTTED_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*")
#: :data:`DOTTED_WORD` on ASCII text, where the standard library's engine is quicker.
DOTTED_WORD_ASCII = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.-]*")


def dotted_words(text: str) -> list[str]:
    """The words of ``text`` as :data:`DOTTED_WORD` finds them (on ASCII text by the quicker engine)."""
    return DOTTED_WORD_ASCII.findall(text) if text.isascii() else DOTTED_WORD.findall(text)


#: A run of letters: the words segmentation weighs a paragraph by (captions, headings) and the
#: spellings it checks a hyphenated line end against.
LETTERS = regex.compile(r"\p{L}+")
#: A run of word characters (``\w``): the tokens of the dedup shingles.
TOKEN = regex.compile(r"\w+")


def count_words(text: str) -> int:
    """The number of words of ``text``, as ``metadata.word_count`` counts them."""
    return len(WORD.findall(text))


# --- sentence ends ------------------------------------------------------------------------------

#: Characters that end a sentence, Latin and CJK.
SENTENCE_STOPS = (".", "!", "?", "…", "。", "！", "？")
#: Closing quotes and brackets that may follow a sentence's last stop.
CLOSERS = "'\"”’»)]"


def _char_class(chars: str) -> str:
    """``chars`` as the inside of a regex character class."""
    return "".join("\\" + ch if ch in "\\]^-" else ch for ch in chars)


_STOP_CLASS = _char_class("".join(SENTENCE_STOPS))
_CLOSER_CLASS = _char_class(CLOSERS)
#: A line that ends a sentence: a stop, any closers, then only white space.
SENTENCE_END = regex.compile(f"[{_STOP_CLASS}][{_CLOSER_CLASS}]*\\s*$")
#: A paragraph that ends a sentence or opens what follows (a stop or a colon, then any closers): not a
#: heading, and not the open end of a hard-wrapped line.
CLAUSE_END = regex.compile(f"[{_STOP_CLASS}:][{_CLOSER_CLASS}]*$")
#: Every sentence end in a text (stops, closers, then white space or the end).
SENTENCE_ENDS = regex.compile(f"[{_STOP_CLASS}]+[{_CLOSER_CLASS}]*(?=\\s|$)")


# --- white space --------------------------------------------------------------------------------


def space_squeezer(zero_width: str) -> Callable[[str], str]:
    """A function making every run of white space in a line one space and stripping the line.

    White space is ``\\s``, ``\\p{Zs}`` and the ``zero_width`` characters. str.split() breaks at the
    same white space except at the separators U+001C-U+001F (white space to split() only) and the
    zero-width characters: a line holding none of those takes split(), 4x faster than the regex on the
    43,000 lines of 1,000 extracted pages.
    """
    space = regex.compile(rf"[\s\p{{Zs}}{zero_width}]+")
    differs = re.compile(f"[\x1c-\x1f{zero_width}]")

    def squeeze(line: str) -> str:
        if differs.search(line):
            return space.sub(" ", line).strip()
        return " ".join(line.split())

    return squeeze


#: White space as phrase matching sees it: zero-width spaces and joiners and the BOM are spaces.
squeeze_spaces = space_squeezer("\u200b\u200c\u200d\ufeff")
#: White space as a paragraph keeps it: zero-width joiners stay (they join letters and emoji),
#: zero-width spaces and BOMs do not.
squeeze_paragraph = space_squeezer("\u200b\ufeff")


def squeezed_lines(text: str) -> list[str]:
    """The lines of ``text`` with white space squeezed as paragraphs have it (blank lines empty)."""
    return [squeeze_paragraph(line) for line in text.split("\n")]


#: What the extractor writes before each list item of an HTML page ("- item": its plain-text layout,
#: not a character of the page, which shows a bullet glyph or a number). Gold texts write the item's
#: words only: of the eval sets' gold lines, zyte-aeb 0 of 4363 start with "- ", wcxb-dev 322 of 21726.
LIST_MARKER = "- "


# --- a line's shape -----------------------------------------------------------------------------

#: How many distinct lines each memo of per-line work (words, line-model shape, catalogue verdicts)
#: remembers, the most recently seen kept. Pages repeat their menus, share bars and footers across a
#: site: of the 371,356 non-blank lines of the speed corpus's 1,804 distinct text dumps, 8,192
#: remembered lines answer 35% (2,048: 30%; 32,768: 39%), and the memos then hold 16 MB together.
LINE_MEMO_SIZE = 8192


def line_memo(fn: Callable[[str], T]) -> Callable[[str], T]:
    """``fn``, a pure function of one line, remembering its last :data:`LINE_MEMO_SIZE` lines' results."""
    return lru_cache(maxsize=LINE_MEMO_SIZE)(fn)


#: A line this long reads as prose even without final punctuation (captions, run-on ledes).
PROSE_MIN_WORDS_UNPUNCTUATED = 25


@dataclass(frozen=True, slots=True)
class LineInfo:
    """What the structural rules need to know about one line."""

    text: str
    #: Its words: the :func:`dotted_words`, a run of an unspaced script counted by its length.
    words: int
    terminal: bool
    #: The words themselves (:func:`dotted_words`), for the measures that need more than their number.
    tokens: Sequence[str] = ()


#: Characters of the scripts written without spaces between words (Han, Hiragana, Katakana): a
#: sentence of them is one or two :func:`dotted_words` (split at its commas only), so a run of them is
#: counted as words of two characters (Chinese words average 1.5-2 characters), as the prose and title
#: tests need ("分行业看，制造业增长较快。", two dotted words, five by this count, is a sentence).
UNSPACED_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
CHARS_PER_UNSPACED_WORD = 2


def _word_count(text: str, tokens: Sequence[str]) -> int:
    """How many words ``tokens`` (the line's dotted words) hold, unspaced scripts counted by their length."""
    if text.isascii() or not UNSPACED_CHAR.search(text):
        return len(tokens)
    spaced = sum(1 for token in tokens if not UNSPACED_CHAR.search(token))
    unspaced = len(UNSPACED_CHAR.findall(text))
    return spaced + -(-unspaced // CHARS_PER_UNSPACED_WORD)


@line_memo
def line_info(text: str) -> LineInfo:
    """Words and final punctuation of a line."""
    tokens = tuple(dotted_words(text))
    return LineInfo(text, _word_count(text, tokens), bool(SENTENCE_END.search(text)), tokens)


def is_prose(info: LineInfo, cfg: BoilerplateConfig) -> bool:
    """A line that reads as running text: a punctuated sentence, or a long line."""
    if info.terminal and info.words >= cfg.good_min_words_punct:
        return True
    return info.words >= PROSE_MIN_WORDS_UNPUNCTUATED


def is_substantial(info: LineInfo, cfg: BoilerplateConfig) -> bool:
    """A line long enough to keep even outside the prose, such as a photo caption."""
    return is_prose(info, cfg) or info.words >= cfg.good_min_words


def prose_lines(text: str, cfg: BoilerplateConfig, among: Iterable[int] | None = None) -> set[int]:
    """The indices of the lines of ``text`` that belong to a prose paragraph, hard wraps re-joined.

    A paragraph wrapped at 60 columns is a run of short lines without end punctuation, none of which
    reads as prose on its own; joined back, it does (learned boilerplate must never take such lines).

    ``among``: the only lines asked about. Whether a line is prose depends on its block alone (the
    run of short lines between blank or long ones that :func:`paragraph_lines` judges on its own
    when ``loose``), so only their blocks are read, and only their lines are in the answer.
    """
    lines = text.split("\n")
    spans = [(0, len(lines))] if among is None else sorted({_loose_block(lines, i) for i in among})
    prose: set[int] = set()
    for start, end in spans:
        squeezed = [squeeze_paragraph(line) for line in lines[start:end]]
        # A line taken for part of a wrapped paragraph that is none is only not learned, so wraps are
        # looked for wherever they may stand.
        for group in paragraph_lines(squeezed, loose=True):
            paragraph = squeezed[group[0]] if len(group) == 1 else " ".join(squeezed[i] for i in group)
            if is_prose(line_info(paragraph), cfg):
                prose.update(start + i for i in group)
    return prose


def _loose_block(lines: Sequence[str], i: int) -> tuple[int, int]:
    """The span of the block of ``lines[i]`` as :func:`paragraph_lines` finds blocks when ``loose``."""

    def inner(j: int) -> bool:
        return _joins_loose_block(squeeze_paragraph(lines[j]))

    if not inner(i):
        return i, i + 1
    start, end = i, i + 1
    while start > 0 and inner(start - 1):
        start -= 1
    while end < len(lines) and inner(end):
        end += 1
    return start, end


# --- code blocks ---------------------------------------------------------------------------------

#: What opens and closes a block of code in a body (Markdown's fence): extraction writes one around
#: every multi-line code block of a page (``<pre>``, ``<code>``), and a Markdown document has its own.
#: The lines between two fences are code: no boilerplate rule judges them, and they stay one paragraph
#: with their indentation.
CODE_FENCE = "```"
_FENCE = regex.compile(rf"\s*(`{{{len(CODE_FENCE)},}})")


def code_blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The fenced code blocks of a body's lines, as (opening fence, closing fence) line indices.

    A fence opens with a run of three or more backticks (an info string such as "python" may follow)
    and closes with a line of backticks alone, at least as many (CommonMark's rule: a block that shows
    a fence of three is fenced with four); a fence never closed opens no block, so a stray one cannot
    make the rest of the document code.
    """
    blocks: list[tuple[int, int]] = []
    opened: tuple[int, int] | None = None  # the opening line and its run of backticks
    for i, line in enumerate(lines):
        # Only a line holding a fence's backticks can be one (most lines need no match).
        fence = _FENCE.match(line) if CODE_FENCE in line else None
        if fence is None:
            continue
        run = len(fence.group(1))
        if opened is None:
            opened = (i, run)
        elif run >= opened[1] and not line.strip().strip("`"):
            blocks.append((opened[0], i))
            opened = None
    return blocks


def code_fence(source: str) -> str:
    """A fence for ``source``: backticks, three or one more than its longest run of them."""
    longest = max((len(run) for run in regex.findall(r"`+", source)), default=0)
    return "`" * max(len(CODE_FENCE), longest + 1)


def code_lines(lines: Sequence[str]) -> set[int]:
    """The indices of the lines of fenced code blocks, fences included."""
    return {i for start, end in code_blocks(lines) for i in range(start, end + 1)}


def wrapped_prose(text: str) -> bool:
    """Whether most lines of ``text`` are lines of hard-wrapped paragraphs (an e-mail or a text file
    shown in a ``<pre>``): prose for segmentation to re-join, not code or a layout to keep."""
    lines = squeezed_lines(text)
    filled = [i for i in lines if i]
    wrapped = sum(len(group) for group in paragraph_lines(lines) if len(group) > 1)
    return wrapped * 2 > len(filled)


# --- which lines make one paragraph -------------------------------------------------------------

#: A lower-case word broken by a hyphen at the end of a line.
HYPHEN_AT_END = regex.compile(r"(\p{Ll}+)-$")
_HYPHEN_BREAK = regex.compile(r"(?<=\p{L}\p{L})-")
# A bulleted line starts a new item even inside a wrapped block.
_BULLET = regex.compile(r"^[*•·▪●◦‣]\s")
# Hard wraps break lines at a fixed column; these bounds cover e-mail (72), terminals (80) and
# the narrower columns of old archives (60). Widths outside are not wraps.
WRAP_MIN_WIDTH = 40
WRAP_MAX_WIDTH = 100
# Share of a block's inner lines that must be "full" (the next line's first word would not have fit)
# for the block to count as wrapped. benchmarks/segmentation.py: gold texts wrapped at 60-80 columns
# have >= 0.6 full lines; gold texts left one paragraph per line have <= 0.35 where lines are short.
WRAP_MIN_FULL_SHARE = 0.5


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
        (len(line) + 1 + max(_first_chunk(following), 1) > width or bool(HYPHEN_AT_END.search(line)))
        and not _BULLET.match(following)
        for line, following in zip(block, block[1:], strict=False)
    ]
    if sum(full) < max(1, WRAP_MIN_FULL_SHARE * len(full)):
        return None
    # A wrapped line mostly ends mid-sentence; lines that all end a sentence are paragraphs.
    open_ends = sum(1 for line, f in zip(block, full, strict=False) if f and not CLAUSE_END.search(line))
    if open_ends * 2 < sum(full):
        return None
    return full


def _joins_loose_block(squeezed: str) -> bool:
    """Whether a squeezed line belongs to a block of lines when wraps are looked for wherever they
    stand (``loose``): a blank line ends a block, and a line too long to be a wrapped one stands alone."""
    return bool(squeezed) and len(squeezed) <= WRAP_MAX_WIDTH


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
        if loose and line and not _joins_loose_block(line):
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
