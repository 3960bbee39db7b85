"""What the stages agree a piece of text is: a word, a sentence end, white space, a line's shape, and
which lines make one paragraph.

Stages and batch steps import these; nothing here imports a stage. Where two stages count words
differently they use differently named patterns below, each saying what it counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import TypeVar

import regex

from pipeline.config import BoilerplateConfig

T = TypeVar("T")

# --- words ---------------------------------------------------------------------------------------

# A word starts with a letter or a digit and goes on with letters, digits, apostrophes and hyphens:
# what the quality signals count, and (Chinese and Japanese by their length, see count_words)
# metadata.word_count and the no_text floor.
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


#: Characters of the scripts written without spaces between words (Han, Hiragana, Katakana): the
#: patterns above find a sentence of them as one or two words (split at its commas only), so a run of
#: them is counted as words of two characters (Chinese words average 1.5-2 characters). The prose and
#: title tests need it ("分行业看，制造业增长较快。", two dotted words, six by this count, is a sentence),
#: and so does a reader of ``metadata.word_count`` (a review "质量很好，物流很快。" is no two-word text).
_UNSPACED_SCRIPTS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
UNSPACED_CHAR = re.compile(f"[{_UNSPACED_SCRIPTS}]")
CHARS_PER_UNSPACED_WORD = 2


def _word_count(text: str, tokens: Sequence[str]) -> int:
    """How many words ``tokens`` (the words of ``text``) hold, unspaced scripts counted by their length."""
    if text.isascii() or not UNSPACED_CHAR.search(text):
        return len(tokens)
    spaced = sum(1 for token in tokens if not UNSPACED_CHAR.search(token))
    unspaced = len(UNSPACED_CHAR.findall(text))
    return spaced + -(-unspaced // CHARS_PER_UNSPACED_WORD)


def count_words(text: str, words: Sequence[str] | None = None) -> int:
    """The number of words of ``text``, as ``metadata.word_count`` counts them: its :data:`WORD` matches
    (``words``, when the caller has them), Chinese and Japanese counted by their length."""
    return _word_count(text, WORD.findall(text) if words is None else words)


# --- sentence ends ------------------------------------------------------------------------------

#: Characters that end a sentence, Latin and CJK.
SENTENCE_STOPS = (".", "!", "?", "…", "。", "！", "？")
#: Closing quotes and brackets that may follow a sentence's last stop, Latin and CJK ("…したい。」").
CLOSERS = "'\"”’»)]」』）】〕〉》"


def _char_class(chars: str) -> str:
    """``chars`` as the inside of a regex character class."""
    return "".join("\\" + ch if ch in "\\]^-" else ch for ch in chars)


_STOP_CLASS = _char_class("".join(SENTENCE_STOPS))
_CLOSER_CLASS = _char_class(CLOSERS)
#: A line that ends a sentence: a stop, any closers, then only white space.
SENTENCE_END = regex.compile(f"[{_STOP_CLASS}][{_CLOSER_CLASS}]*\\s*$")
#: A paragraph that ends a sentence or opens what follows (a stop or a colon, Latin or full-width, then
#: any closers): not a heading, and not the open end of a hard-wrapped line.
CLAUSE_END = regex.compile(f"[{_STOP_CLASS}:：][{_CLOSER_CLASS}]*$")
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
            paragraph = joined_wraps([squeezed[i] for i in group])
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
    filled = sum(1 for line in lines if line)
    return _mostly_wrapped(sum(len(group) for group in paragraph_lines(lines) if len(group) > 1), filled)


def _mostly_wrapped(wrapped: int, filled: int) -> bool:
    """Whether ``wrapped`` lines of hard-wrapped paragraphs are most of a text's ``filled`` lines."""
    return wrapped * 2 > filled


# --- which lines make one paragraph -------------------------------------------------------------

#: The characters of the scripts a fixed-width font draws two columns wide (Unicode's East Asian Width
#: W and F: Hangul, CJK, kana, full-width forms), as ranges; wide emoji and symbols are left out (a
#: column more or less on a line that holds one). tests/test_text.py checks the ranges against
#: ``unicodedata.east_asian_width``.
WIDE_CHAR = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u3247\u3250-\u4dbf\u4e00-\ua4c6\ua960-\ua97c\uac00-\ud7a3"
    "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6b\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def columns(line: str) -> int:
    """The columns ``line`` takes in a fixed-width font, where a wide (CJK) character takes two: what a
    hard wrap counts."""
    if line.isascii():
        return len(line)
    return len(line) + len(WIDE_CHAR.findall(line))


#: A character of an unspaced script or one of its punctuation marks (CJK symbols, full-width forms):
#: a wrapper breaks between any two of them, and a wrapped line joins the next without a space. Hangul
#: is wide but Korean puts spaces between words, so it is not one of them.
UNSPACED_OR_MARK = re.compile(f"[{_UNSPACED_SCRIPTS}\u3000-\u303f\uff00-\uffef]")


def joins_unspaced(before: str, after: str) -> bool:
    """Whether a wrapped line ending ``before`` and the next starting ``after`` join with no space: both
    sides are characters of an unspaced script or its marks."""
    # No such character lies below U+3000: most lines are answered by comparing two characters.
    return (
        before[-1:] >= "\u3000"
        and after[:1] >= "\u3000"
        and bool(UNSPACED_OR_MARK.match(before[-1]))
        and bool(UNSPACED_OR_MARK.match(after[0]))
    )


#: A lower-case word broken by a hyphen at the end of a line.
HYPHEN_AT_END = regex.compile(r"(\p{Ll}+)-$")
_HYPHEN_BREAK = regex.compile(r"(?<=\p{L}\p{L})-")
# The lower-case word that continues one broken by a hyphen at the end of the line before.
_LEADING_WORD = regex.compile(r"^(\p{Ll}+)")
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


def _breakable(line: str) -> bool:
    """Whether a wrapper could have broken ``line``: it has a space, or characters of an unspaced
    script, between any two of which a CJK wrapper breaks."""
    return " " in line or (not line.isascii() and bool(UNSPACED_OR_MARK.search(line)))


#: How a wrapper measures a line: in characters (most), or in columns, a wide (CJK) character taking two
#: (terminals and CJK mail programs: "35 full-width characters" is a 70-column wrap).
Measure = Callable[[str], int]


def _first_piece(line: str, measure: Measure) -> int:
    """What a greedy wrapper would have tried to fit on the line before: the first word, or the first
    character when the line starts in an unspaced script."""
    if line[:1] >= "\u3000" and UNSPACED_OR_MARK.match(line):
        return measure(line[0])
    return max(_first_chunk(line), 1)


def _fills(line: str, following: str, width: int, measure: Measure) -> bool:
    """Whether ``line`` left no room at ``width`` for the start of the line after it.

    Between two characters of an unspaced script no space is needed, and a CJK wrapper may break one
    character early so that no line starts with a closing mark ("。", "」"): such a line is full within
    one character more.
    """
    if joins_unspaced(line, following):
        return measure(line) + 2 * _first_piece(following, measure) > width
    return measure(line) + 1 + _first_piece(following, measure) > width


def wrap_width(blocks: Sequence[Sequence[str]], measure: Measure = len) -> int | None:
    """The column a document was hard-wrapped at, from its multi-line blocks; None if none fits."""
    lengths = [measure(line) for block in blocks if len(block) > 1 for line in block if _breakable(line)]
    fitting = [n for n in lengths if n <= WRAP_MAX_WIDTH]
    if not fitting or len(fitting) < WRAP_MIN_FULL_SHARE * len(lengths):
        return None
    width = max(fitting)
    return width if width >= WRAP_MIN_WIDTH else None


def wrapped_lines(
    block: Sequence[str], doc_width: int | None = None, measure: Measure = len
) -> list[bool] | None:
    """For a hard-wrapped block, which lines are full (the next word did not fit); None if not wrapped.

    The width is the document's wrap column, or the block's own longest line when that is wider;
    a word longer than the column (a URL) sticks out of a greedy wrap and does not set it.
    """
    if len(block) < 2:
        return None
    spaced = [measure(line) for line in block if _breakable(line)]
    width = max([*spaced, doc_width or 0])
    if not WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
        return None
    # A word broken by a hyphen at the line end continues on the next line whatever the room left.
    full = [
        (_fills(line, following, width, measure) or bool(HYPHEN_AT_END.search(line)))
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
    # Wide characters make the two measures differ; on other text one pass is enough.
    measures: tuple[Measure, ...] = (len, columns) if WIDE_CHAR.search("".join(lines)) else (len,)
    doc_widths = [None if loose else wrap_width(texts, measure) for measure in measures]
    paragraphs: list[list[int]] = []
    for block, text in zip(blocks, texts, strict=True):
        full = None
        if len(block) > 1:  # most blocks of a text dump are one line, never a wrap
            for measure, width in zip(measures, doc_widths, strict=True):
                full = wrapped_lines(text, width, measure)
                if full:
                    break
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


def joined_wraps(lines: Sequence[str], vocabulary: Callable[[], Counter[str]] | None = None) -> str:
    """The lines of one hard-wrapped paragraph as one line: a space between two lines, none between two
    characters of an unspaced script (:func:`joins_unspaced`), and a word broken by a hyphen joined:
    "depart-/ment" -> "department" where the document's ``vocabulary`` (its lower-cased words, counted)
    spells it whole, else "well-/known" -> "well-known"."""
    # Each line is read against the one before it, never against what is joined so far: a paragraph of
    # many thousand lines (a hex dump whose lines all look full) takes time in proportion to its length.
    if len(lines) == 1:
        return lines[0]
    parts = [lines[0]]
    for previous, line in pairwise(lines):
        hyphen = HYPHEN_AT_END.search(previous)
        lead = _LEADING_WORD.match(line) if hyphen else None
        if hyphen and lead:
            whole = (hyphen.group(1) + lead.group(1)).lower()
            if vocabulary is not None and vocabulary()[whole] > 0:
                parts[-1] = previous[:-1]
        elif not joins_unspaced(previous, line):
            parts.append(" ")
        parts.append(line)
    return "".join(parts)


def vocabulary_of(text: str) -> Callable[[], Counter[str]]:
    """The lower-cased words of ``text``, counted when first asked for (only a line ending in a hyphen
    needs them)."""
    return cache(lambda: Counter(word.lower() for word in LETTERS.findall(text)))


def unwrapped(text: str) -> str:
    """``text`` with each hard-wrapped paragraph on one line when most of its lines (outside fenced code)
    are lines of wrapped paragraphs, as in a mail or a text file wrapped at 72 columns; else ``text`` as
    it is.

    The boilerplate stages judge a body line by line, as a text dump has it, one paragraph a line: a
    line of a wrapped paragraph on its own is a short line without a stop, which they take for a menu
    item or a title. In a text dump, runs of lines that look wrapped are menus and headlines that happen
    to line up, a minority of its lines; only segmentation, once the boilerplate is gone, joins those.
    """
    raw = text.split("\n")
    lines = squeezed_lines(text)
    blocks = code_blocks(raw)
    groups: dict[int, list[int]] = {}  # a wrapped paragraph's lines, by its first line
    done = 0
    for opening, closing in [*blocks, (len(raw), len(raw))]:
        for group in paragraph_lines(lines[done:opening]):
            if len(group) > 1:
                groups[done + group[0]] = [done + i for i in group]
        done = closing + 1
    code = code_lines(raw)
    filled = sum(1 for i, line in enumerate(lines) if line and i not in code)
    if not _mostly_wrapped(sum(map(len, groups.values())), filled):
        return text
    vocabulary = vocabulary_of(text)
    out: list[str] = []
    i = 0
    while i < len(raw):
        if i in groups:
            out.append(joined_wraps([lines[j] for j in groups[i]], vocabulary))
            i = groups[i][-1] + 1
        else:
            out.append(raw[i])
            i += 1
    return "\n".join(out)
