"""HTML -> main text and metadata, through trafilatura (comments off), with every dropped line logged.

On a page that declares itself a forum, Q&A or product page (``pipeline/clean/pagetype.py``) and whose
main text came out short, the posts and reviews sit where trafilatura looks for comments; there a second
run with comments on is kept when it finds much more text. On a short forum page where that does not
help, a run with favor_recall is kept when it finds much more text. Where trafilatura's own extraction
already holds a good share of the page's visible text and the page marks a main-content container, it is
kept over trafilatura's readability/jusText fallback (``own_extraction_kept``). Where the page lines left
out hold much more prose than the text kept, readability-lxml's text is a second opinion
(``pipeline/clean/second_opinion.py``); before it is asked, where trafilatura found no container it
could use and gathered the page's loose paragraphs instead (``loose_text_noted``) and the lines left out
hold prose enough, a run with favor_recall may replace the text. A page that declares itself a Q&A page
or a forum thread in schema.org microdata keeps the text it declares instead of all of these
(``pipeline/clean/schema_text.py``).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import inspect
import logging
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from typing import Any

import lxml.html
import regex
import trafilatura
import trafilatura.core
import trafilatura.main_extractor
import trafilatura.utils
from lxml import etree
from trafilatura.meta import reset_caches
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import BODY_XPATH as _BODY_XPATH

from pipeline.clean.author_search import cheaper_author_search
from pipeline.clean.credits import author_name
from pipeline.clean.formulas import formulas_as_latex
from pipeline.clean.guard import DocumentTimeout, DocumentTooBig, memory_limit, time_limit
from pipeline.clean.pagetype import COLLECTION, FORUM, OTHER, PRODUCT, page_kind, thread_url
from pipeline.clean.schema_text import declared_body, declared_text
from pipeline.clean.script_errors import remove_script_errors
from pipeline.clean.second_opinion import (
    accepts,
    article_texts,
    doubtful,
    dwarfs,
    reads_as_prose,
    second_opinion,
)
from pipeline.config import ExtractConfig
from pipeline.document import Document, Removal
from pipeline.rules.ids import NOT_MAIN_CONTENT as RULE_NOT_MAIN
from pipeline.rules.ids import SCRIPT_ERROR as RULE_SCRIPT_ERROR
from pipeline.text import LIST_MARKER, code_fence, count_words, unwrapped, wrapped_prose

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
log = logging.getLogger(__name__)

_SPACE = regex.compile(r"\s+")
# White space inside one line (or one cell): runs of it become one space in a single pass over the
# whole text, which then splits into lines and cells that are already normalised but for their ends.
# A single space is left alone (most of a text's white space), so that only what changes is replaced.
_SPACE_IN_CELL = regex.compile(r"[^\S\n\t]{2,}|[^\S\n\t ]")
# Elements that start a new line of page text (as a browser lays them out).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section summary table td th tr ul".split()
)
# Elements whose text is never shown as page text.
_HIDDEN_TAGS = frozenset("head script style noscript template svg iframe object embed".split())
# The most page lines compared when looking for the page lines a text line consists of, for one page
# (``page_breaks_restored``): about a tenth of a second. A page of many short copies of one line (a
# column of "a" or "*") would otherwise take time that grows with the square of its lines; a dev page
# compares at most 18,798 (of 1,797 pages).
RUN_SEARCH_BUDGET = 200_000
# The most page lines tried as the line that a text line and the pieces after it make
# (``source_wraps_joined``): only lines that start with the first piece are tried, and a short first
# piece ("The") starts many. Of the 21,622 first pieces on the dev pages, none starts more than 43.
JOIN_CANDIDATES = 50
# The most pieces compared with page lines when joining the pieces of one text: a column of copies of a
# short line beside a page line that repeats it (a text of 4,000 "a" lines, a page line of 4,000 "a"s
# and a "b") would otherwise take time that grows with the square of its lines (14 s; bounded, 0.1 s).
# A dev page compares at most 516.
JOIN_SEARCH_BUDGET = 20_000
# A page line this long counts as kept when it appears anywhere in the extracted text.
SUBSTRING_MIN_CHARS = 30
# Declared kinds whose content trafilatura may file under comments (forum posts and answers, product
# reviews, listing items): every declared kind but article. Raw extractor text, share 0.3, ratio 2.0:
# wcxb-dev bow F1 0.8472 against 0.8372 without the comments run (6 of 256 pages switch: 2 "forum", 4
# "other", i.e. og:type website); no page of zyte-aeb or trafilatura-eval switches. Articles stay out:
# with them zyte-aeb scores 0.9476 against 0.9549 and trafilatura-eval 0.9242 against 0.9248 (reader
# comments are not article text); so do pages that declare nothing (trafilatura-eval 0.9246 against
# 0.9248; on wcxb-dev one article page loses 0.49).
COMMENT_KINDS = frozenset({FORUM, PRODUCT, COLLECTION, OTHER})
# The comments run is tried only when the default text keeps less than this share of the page's
# visible characters: a long extraction already has the main content. On the wcxb-dev pages whose
# SHA-256(id) starts with an even byte the same 2 pages switch for any share from 0.2 to 1.0 at ratio 2.0;
# at share 0.5 and ratio 1.5 a forum page whose default text is right (F1 0.98) switches to 0.80.
SHORT_SHARE = 0.3
# Elements whose id or class could name a comment section for trafilatura. Every expression with which
# trafilatura captures comments (COMMENTS_XPATH) or prunes them when they are off (REMOVE_COMMENTS_XPATH,
# REMOVE_COMMENTS_AND_LISTS_XPATH) needs "omment", "comol" or "disqus" in one of them, or an id that
# starts with "social". On a page without any, a run with comments on does exactly what the default
# run does, so the comments run is not made there: of the 44 dev pages (of 1,427) that qualify for a
# comments run, 29 have no such markup and none of their runs would be kept; skipping them saves about 2
# of the 3 CPU-s those runs take, with the same output on every page.
_COMMENT_MARKUP = etree.XPath(
    "boolean(//*[contains(@class, 'omment') or contains(@id, 'omment') or contains(@id, 'comol')"
    " or contains(@id, 'disqus') or starts-with(@id, 'social')])"
)
# With table_format "plain" a row is its cells on one line, separated by this (a text corpus wants the
# words, not a layout: trafilatura's "| a | b |" rows and "|---|" separator lines put pipes and dashes
# into the text that no reader of the page sees). A tab keeps cells apart in the extracted text, so that
# each cell, a page line of its own, is recognised as kept.
CELL_SEPARATOR = "\t"
# htmldate's settings for the page's publication date (trafilatura's ``date_extraction_params``).
# trafilatura turns on htmldate's extensive search, which ends in guesses: a copyright year ("© 2024")
# becomes 2024-01-01 when nothing else is found, and meanwhile discards every date on the page that is
# earlier than it; a year and month become the month's first day. Off, the date comes from dated
# evidence only: the URL, meta tags and JSON-LD, <time> and date-named elements, labelled dates
# ("Published: 03.02.2020"), an ISO timestamp; else it is null. On the 1,797 dev pages (the four eval
# sets' HTML), against the extensive search: 198 dates that are a year's 1 January (copyright years,
# year-only guesses) and 202 other dates found by scanning free text become null (in a sample of 14 of
# those, 5 are the page's own date, 7 another date on the page, a sidebar or a citation, or one with an
# invented day, 2 unclear); 1,385 pages get the same date (or none), 12 another. ``original_date``: the
# first publication, not the last update (trafilatura's own choice).
# Without the extensive search htmldate never calls dateparser (its external parser serves that search
# only: ``try_date_expr``, htmldate 1.11), so no process loads dateparser's locales (3-6 s each on the
# reference machine); tests/test_extract_text.py checks it.
DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True}
# The latest publication date htmldate accepts. Its default is the end of the day it runs, so the same
# page would get a date or none depending on when it is cleaned (a page dated next month, an event
# announced ahead); a fixed bound keeps the output the same whatever the day. A page fetched from a
# WARC record cannot have been published after it was fetched: there its WARC-Date is the bound. The
# price, on the 1,797 dev pages (none from WARC): one page gets a date it had none for before, its
# "Next review due: 11 Jan 2029" (wcxb-dev 5111); every other date is the same.
LATEST_DATE = "2099-12-31"


def date_params(fetched: str | None) -> dict[str, Any]:
    """htmldate's settings for a page fetched at ``fetched`` (ISO 8601, e.g. a WARC-Date), if known."""
    return {**DATE_PARAMS, "max_date": fetched[:10] if fetched else LATEST_DATE}


def norm_line(line: str) -> str:
    """A line as page_lines gives it: runs of white space made one space, stripped."""
    return _SPACE.sub(" ", line).strip()


# Elements whose line breaks a browser shows (``white-space: pre``); elsewhere a line break in the
# markup's text is a space, and a wrapped paragraph of the source is one line of the page.
_PREFORMATTED_TAGS = frozenset("listing plaintext pre textarea xmp".split())
# What marks a line break of the page in the text libxslt writes: a character that the markup's text
# does not hold (U+2029 PARAGRAPH SEPARATOR), so that the source's own newlines can be told apart.
_BREAK = "\u2029"
# The page's visible text with a break around every block element, written by libxslt in one pass:
# the same lines as a walk over the tree's elements in Python (all 1,427 dev pages) in two thirds of
# its time. Applied to the page's root element only: a page with a second <html> after its end has it
# as a sibling of the root, which trafilatura does not see either. The HTML parser caps nesting at 256
# levels, well inside libxslt's template recursion limit.
_VISIBLE_TEXT = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>
<xsl:template match="{"|".join(sorted(_HIDDEN_TAGS))}"/>
<xsl:template match="{"|".join(sorted(_BLOCK_TAGS))}"
><xsl:text>&#8233;</xsl:text><xsl:apply-templates/><xsl:text>&#8233;</xsl:text></xsl:template>
<xsl:template match="{"|".join(f"{tag}//text()" for tag in sorted(_PREFORMATTED_TAGS))}"
><xsl:value-of select="translate(., '&#10;', '&#8233;')"/></xsl:template>
</xsl:stylesheet>"""
    )
)
# White space other than the break marker (``\s`` alone would match U+2029 too).
_SPACE_NOT_BREAK = regex.compile(r"[^\S\u2029]+")


def parse_page(html: str) -> Any:
    """The page's element tree, or None when the markup cannot be parsed at all.

    trafilatura refuses markup that does not name ``html`` in its first 50 characters and parses to
    fewer than two elements under the root: a page saved without ``<html>`` and ``<head>``, starting
    with a ``<pre>``, ``<table>`` or ``<div>``, whose whole text is one ``<body>``. Such a file is still a
    page that a browser shows, so it is read again inside ``<html><body>`` (cleaneval-dev: 5 of 370 pages,
    which readability-lxml extracts at bow F1 0.93-1.00).
    """
    with _parser_for_pages():
        tree = load_html(html)
        if tree is None and html.strip():
            tree = load_html(f"<html><body>{html}</body></html>")
    return tree


# trafilatura's parser with lxml's default element classes chosen in C: lxml.html's own lookup, a Python
# method that gives form fields their own classes, runs for every element object the extractors create
# (some 5,000 a page; without it extraction takes about 0.96 of its CPU, docs/benchmarks.md). Neither
# trafilatura nor the pipeline uses the form classes' extras; the elements are lxml.html's HtmlElement
# as before, and a copy of the tree keeps the parser. trafilatura's own parser is left as it is, for its
# other users.
_PAGE_PARSER = trafilatura.utils.HTML_PARSER.copy()
_PAGE_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_PARSER_SWAP = threading.Lock()


@contextmanager
def _parser_for_pages() -> Iterator[None]:
    """trafilatura's ``load_html`` (its decoding, repairs and checks) parsing with ``_PAGE_PARSER``."""
    with _PARSER_SWAP:
        own = trafilatura.utils.HTML_PARSER
        trafilatura.utils.HTML_PARSER = _PAGE_PARSER
        try:
            yield
        finally:
            trafilatura.utils.HTML_PARSER = own


# trafilatura discards every element whose ``style`` holds the word "hidden" (its OVERALL_DISCARD_XPATH),
# and ``overflow: hidden`` holds it: a declaration that clips what overflows an element and shows the
# element itself (a code block, a card, a slider; 36 of the 1,797 dev pages hold more than 200
# characters of text in such an element). The declaration is taken out of the style before extraction;
# ``visibility: hidden`` and ``display: none`` stay, and so does the element's discard.
_OVERFLOW_HIDDEN = regex.compile(r"overflow(?:-[xy])?\s*:\s*hidden\s*(?:!important\s*)?;?", regex.IGNORECASE)
_STYLED_HIDDEN = etree.XPath("//*[contains(@style, 'hidden')]")


def overflow_shown(tree: Any) -> None:
    """Take ``overflow: hidden`` out of the ``style`` of the page's elements (see above), in place."""
    for element in _STYLED_HIDDEN(tree):
        element.set("style", _OVERFLOW_HIDDEN.sub("", element.get("style")))


def page_lines(tree: Any) -> list[str]:
    """The visible text of a parsed page as lines, in document order.

    A line is the text between two block elements (or ``<br>``s) with its white space made single
    spaces, as a browser lays it out: a paragraph that the page's source wraps over several lines is
    one line (cleaneval-dev: 42% of its page lines were pieces of such wraps), while the lines of a
    ``<pre>`` stay lines.
    """
    return break_lines(str(_VISIBLE_TEXT(tree)))


def break_lines(text: str) -> list[str]:
    """The non-empty pieces of ``text`` between break markers, each as ``norm_line`` makes it.

    One regex pass over the whole text, not one call a piece (most pieces of a page's markup text are
    empty).
    """
    return [line for line in map(str.strip, _SPACE_NOT_BREAK.sub(" ", text).split(_BREAK)) if line]


def page_breaks_restored(text: str, lines: Sequence[str]) -> str:
    """``text`` with the page's line breaks put back where the extractor made one line of several.

    trafilatura's last resort on a page whose main text it cannot find (its baseline: the text of an
    ``<article>``, a ``<blockquote>`` or a ``<p>`` with the white space collapsed) and its table cells
    make one line of what the page shows as many: a headline, its paragraphs, a byline and the footer
    in one line of thousands of characters, sometimes glued without a space ("17. AuflageElektrik").
    A text line (or a table cell) that consists of two or more page ``lines``, in page order, each
    joined to the next by a space or by nothing, is split back into them, so that the stages after
    extraction and the log of what it dropped see the page's lines. A row with such a cell becomes
    its cells' lines: it is a layout table, not a table of data; a list item's first line keeps the
    item's marker. Other lines are left as they are.
    """
    whole = set(lines)
    starts: dict[str, list[int]] = {}
    budget = [RUN_SEARCH_BUDGET]  # for the whole text

    def run(part: str) -> list[str] | None:
        squeezed = norm_line(part)
        if not squeezed or squeezed in whole:
            return None
        if not starts:
            for index, line in enumerate(lines):
                starts.setdefault(line[:2], []).append(index)
        if squeezed.startswith(LIST_MARKER):
            # A list item (trafilatura's "- item"): its element's page lines, not a "-" of the page
            # followed by the item. A page line that starts with "- " itself is looked for below.
            item = squeezed[len(LIST_MARKER) :]
            if item in whole:
                return None
            found = _page_run(item, lines, starts, budget)
            if found is not None:
                found[0] = LIST_MARKER + found[0]
                return found
        return _page_run(squeezed, lines, starts, budget)

    out: list[str] = []
    for line in text.split("\n"):
        if not line or line in whole:  # most lines: a blank line, or a page line as it is
            out.append(line)
            continue
        cells = line.split(CELL_SEPARATOR)
        runs = [run(cell) for cell in cells]
        if not any(runs):
            out.append(line)
            continue
        for cell, cell_run in zip(cells, runs, strict=True):
            if cell_run:
                out.extend(cell_run)
            elif cell.strip():
                out.append(cell.strip())
    return "\n".join(out)


def source_wraps_joined(text: str, lines: Sequence[str]) -> str:
    """``text`` with the lines that are pieces of one page line joined back into it.

    trafilatura keeps the line breaks of the markup's source inside an element's text (a ``<div>``
    whose text the HTML file wraps at 80 columns) and around some inline elements (a link, a bold
    label on a line of its own), where a browser shows one line. Consecutive text lines, none blank,
    the first not a page line itself, that make one page line of ``lines`` when each is joined to the
    next by a space or by nothing become that line if it reads as prose (the longest such line; a
    list item keeps its marker). The stages after extraction then judge the sentence, not its pieces
    (a wrap piece "Lorem" is a short line without a stop, which learned boilerplate may take), and the
    log of what extraction dropped finds the line kept. A menu whose links the text has one to a line
    ("FAQ", "Search", "Register") stays in pieces: the rules know its items, not every menu's row
    (joined, cleaneval-dev kept such rows and lost 0.0003 bow F1). Lines of a table row are left as
    they are. On the dev pages the records it changes hold 4,887 paragraphs where they held 9,545
    (cleaneval-dev, 49 records), 2,798 for 3,178 (wcxb-dev, 23), 3,168 for 3,799 (trafilatura-eval,
    29); every score is the same to 0.0001.
    """
    pieces = text.split("\n")
    whole = set(lines)
    ordered: list[str] = []
    budget = [JOIN_SEARCH_BUDGET]  # for the whole text
    out: list[str] = []
    i = 0
    while i < len(pieces):
        piece, joined, end = pieces[i], None, i
        # Most lines are blank or a page line as it is; a table row and the last line start no run.
        if piece and piece not in whole and CELL_SEPARATOR not in piece and i + 1 < len(pieces):
            first = norm_line(piece)
            if first and first not in whole:
                ordered = ordered or sorted(whole)
                marker = ""
                if first.startswith(LIST_MARKER) and not _starts_a_line(first, ordered):
                    marker, first = LIST_MARKER, first[len(LIST_MARKER) :]
                joined, end = _joined_run(first, pieces, i, ordered, budget)
                joined = None if joined is None else marker + joined
        out.append(piece if joined is None else joined)
        i = end + 1
    return "\n".join(out)


def _starts_a_line(start: str, ordered: Sequence[str]) -> bool:
    """Whether a line of the sorted ``ordered`` starts with ``start``."""
    k = bisect.bisect_left(ordered, start)
    return k < len(ordered) and ordered[k].startswith(start)


def _joined_run(
    first: str, pieces: Sequence[str], i: int, ordered: Sequence[str], budget: list[int]
) -> tuple[str | None, int]:
    """The longest page line of ``ordered`` (sorted) that ``first`` (``pieces[i]`` squeezed) and the
    pieces after it make, joined by a space or by nothing, and the index of its last piece; else
    ``(None, i)``. At most ``JOIN_CANDIDATES`` page lines are tried; ``budget``: the pieces that may
    still be compared for this text (one counter, decremented), none once it runs out."""
    best: tuple[str | None, int] = (None, i)
    k = bisect.bisect_left(ordered, first)
    for line in ordered[k : k + JOIN_CANDIDATES]:
        if not line.startswith(first):
            break
        position, j = len(first), i
        while position < len(line) and j + 1 < len(pieces):
            budget[0] -= 1
            if budget[0] < 0:
                return None, i
            piece = norm_line(pieces[j + 1])
            if not piece or CELL_SEPARATOR in pieces[j + 1]:
                break
            if line.startswith(" " + piece, position):
                position += 1 + len(piece)
            elif line.startswith(piece, position):
                position += len(piece)
            else:
                break
            j += 1
        if position == len(line) and j > best[1] and reads_as_prose(line):
            best = (line, j)
    return best


def _page_run(
    line: str, lines: Sequence[str], starts: dict[str, list[int]], budget: list[int]
) -> list[str] | None:
    """The page ``lines`` (two or more, in page order) that ``line`` consists of, or None.

    ``starts``: the page lines' indices by their first two characters (a line of one character under
    that character). Searched depth first, the nearest next page line first (lines the extractor left
    out in between are skipped). A place from which no way to the end was found is remembered with the
    page line searched from: searching from a later page line has fewer ways, so it fails too.
    ``budget``: the page lines that may still be compared for this text (one counter, decremented);
    when it runs out, None.
    """

    def following(position: int, after: int) -> Iterator[int]:
        for key in dict.fromkeys((line[position : position + 2], line[position : position + 1])):
            found = starts.get(key, ())
            for k in range(bisect.bisect_left(found, after), len(found)):
                index = found[k]
                budget[0] -= 1
                if budget[0] < 0:
                    return
                if line.startswith(lines[index], position):
                    yield index

    dead_from: dict[int, int] = {}  # position -> the first page line from which it is a dead end
    stack = [(0, 0, following(0, 0))]
    chosen: list[int] = []
    while stack:
        position, after, options = stack[-1]
        index = next(options, None)
        if index is None:
            dead_from[position] = min(after, dead_from.get(position, after))
            stack.pop()
            if chosen:
                chosen.pop()
            continue
        end = position + len(lines[index])
        if end < len(line) and line[end] == " ":
            end += 1
        if end == len(line):
            return [lines[i] for i in (*chosen, index)] if chosen and budget[0] >= 0 else None
        if index + 1 < dead_from.get(end, index + 2):
            chosen.append(index)
            stack.append((end, index + 1, following(end, index + 1)))
    return None


def _not_extracted(lines: list[str], text: str) -> list[int]:
    """The indices of the page ``lines`` that the extracted ``text`` does not hold.

    Lines are matched with their counts: a page line that ``text`` holds once is kept once, and its
    other copies on the page (a paragraph repeated under itself, which trafilatura drops as a copy; a
    heading that a table of contents also lists) are left out like any line it dropped.
    """
    page = Counter(lines)
    holds = _copies_held(text, page)
    kept = [holds[line] >= page[line] for line in lines]
    # Where the text holds fewer copies than the page, the copies kept are those that stand beside
    # kept lines: the heading inside the article rather than its entry in the menu.
    partial = {line for line, copies in page.items() if 0 < holds[line] < copies}
    if partial:
        certain = [i for i, line in enumerate(lines) if line not in partial]
        copies: dict[str, list[int]] = {}
        for i, line in enumerate(lines):
            if line in partial:
                copies.setdefault(line, []).append(i)
        for line, where in copies.items():
            for i in sorted(where, key=lambda i: (-_kept_neighbours(i, certain, kept), i))[: holds[line]]:
                kept[i] = True
    return [i for i, keep in enumerate(kept) if not keep]


def _copies_held(text: str, page: Counter[str]) -> Counter[str]:
    """For each page line, how many copies of it the extracted ``text`` holds."""
    lines = _text_lines(text)
    held = Counter(part for cells in lines.cells for part in _held_as(cells))
    # A long line also counts where the text holds it inside another line (a paragraph joined to the
    # next): every copy in the flattened text, the whole lines, items and cells above among them.
    for line, copies in page.items():
        if held[line] < copies and len(line) >= SUBSTRING_MIN_CHARS:
            held[line] = max(held[line], lines.flat.count(line))
    return held


@dataclasses.dataclass(frozen=True, slots=True)
class _TextLines:
    """The lines of an extracted text as the page's lines are compared with them."""

    #: Each line as its cells (one, for a line that is not a table row), each as ``norm_line`` makes it.
    cells: list[list[str]]
    #: The lines that are not blank, each squeezed, joined by single spaces.
    flat: str
    #: Where each line begins in ``flat`` (a blank line where the next line begins).
    starts: list[int]
    #: The indices of the lines that are not blank.
    nonblank: list[int]


@functools.lru_cache(maxsize=2)
def _text_lines(text: str) -> _TextLines:
    """``text``'s lines for ``_copies_held`` and ``removals_in_place``: remembered for the last texts,
    since the lines left out of one extraction and its removal log read the same text."""
    cells = [
        [cell.strip() for cell in line.split(CELL_SEPARATOR)]
        for line in _SPACE_IN_CELL.sub(" ", text).split("\n")
    ]
    squeezed: list[str] = []
    starts: list[int] = []
    nonblank: list[int] = []
    offset = 0
    for index, line_cells in enumerate(cells):
        line = " ".join(cell for cell in line_cells if cell)
        if line and squeezed:
            offset += 1
        starts.append(offset)
        if line:
            squeezed.append(line)
            nonblank.append(index)
            offset += len(line)
    return _TextLines(cells, " ".join(squeezed), starts, nonblank)


def _held_as(cells: list[str]) -> list[str]:
    """The page lines that a line of extracted text (as its ``cells``) holds whole: each cell (a page
    line is a cell of a row); a list item also without its marker (trafilatura writes "- item", the
    page line is the item); a markdown row ("| a | b |") also each of its cells."""
    items = [cell[len(LIST_MARKER) :] for cell in cells if cell.startswith(LIST_MARKER)]
    markdown = [
        part.strip()
        for cell in cells
        if cell.startswith("|") and cell.endswith("|")
        for part in cell.split("|")
    ]
    return cells + items + markdown


def _kept_neighbours(index: int, certain: Sequence[int], kept: Sequence[bool]) -> int:
    """How many of the nearest lines before and after ``index`` whose fate is ``certain`` are kept."""
    at = bisect.bisect_left(certain, index)
    before = at > 0 and kept[certain[at - 1]]
    after = at < len(certain) and kept[certain[at]]
    return int(before) + int(after)


def removals_in_place(
    page: Sequence[str],
    text: str,
    dropped: Sequence[int],
    script_errors: AbstractSet[str] = frozenset(),
) -> list[Removal]:
    """The ``dropped`` page lines (indices into ``page``, the page's lines in order) as removals, each
    placed before the line of the extracted ``text`` that follows it on the page; the lines in
    ``script_errors`` under their own rule, the others as not main content.

    A kept page line is found where the text holds it (a line, a cell, a list item; a long line also
    inside a longer one, as ``_copies_held`` counts it), and the removals after it are placed after
    that line of the text: a footer the extraction dropped stays below the article even where the
    text's lines are not the page's (a paragraph whose source lines the text keeps apart).
    """
    lines = _text_lines(text)
    where: dict[str, list[int]] = {}
    for index, cells in enumerate(lines.cells):
        for part in _held_as(cells):
            where.setdefault(part, []).append(index)
    left_out = set(dropped)
    removals: list[Removal] = []
    after = 0  # the extracted lines before this point of the page
    for index, line in enumerate(page):
        if index in left_out:
            rule = RULE_SCRIPT_ERROR if line in script_errors else RULE_NOT_MAIN
            removals.append(Removal(line, rule, STAGE, after))
            continue
        found = where.get(line, ())
        later = bisect.bisect_left(found, after)
        if later < len(found):
            after = found[later] + 1
        elif len(line) >= SUBSTRING_MIN_CHARS:
            # Inside the text line reached so far or the next one: a copy further on (the title
            # quoted in the last paragraph) is not where this line stands.
            nonblank = lines.nonblank
            following = bisect.bisect_left(nonblank, after) + 1
            end = lines.starts[nonblank[following]] if following < len(nonblank) else len(lines.flat)
            at = lines.flat.find(line, lines.starts[after - 1] if after else 0, end + len(line))
            if at >= 0:
                after = bisect.bisect_right(lines.starts, at + len(line) - 1)
    return removals


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _cell_text(cell: Any) -> str:
    """A table cell's words on one line (nested lists and tables flattened, as trafilatura does in a cell)."""
    return norm_line(" ".join(cell.itertext()))


def _plain_tables(body: Any) -> Any:
    """A copy of trafilatura's output tree with every table row made a paragraph of tab-separated cells.

    Rows without any text (trafilatura's padding rows) are left out; they gave empty "| |" lines.
    """
    body = deepcopy(body)
    # Outermost rows only: a nested table's rows are flattened into the cell that holds them.
    rows = [row for row in body.iter("row") if not any(a.tag == "row" for a in row.iterancestors())]
    for row in rows:
        cells = [_cell_text(cell) for cell in row if cell.tag == "cell"] or [_cell_text(row)]
        tail = row.tail
        row.clear()
        row.tag = "p"
        row.text = CELL_SEPARATOR.join(cell for cell in cells if cell)
        row.tail = tail
        parent = row.getparent()
        if not row.text and parent is not None:
            parent.remove(row)
    return body


# Where trafilatura's text puts a <code> on lines of its own: directly in the body or in a quote. In a
# paragraph, a list item or a table cell it is written inline, inside the line of its neighbours.
_CODE_BLOCK_PARENTS = frozenset({"body", "quote"})


def _code_blocks(body: Any) -> list[Any]:
    """The code blocks of trafilatura's output tree: the ``<code>`` elements of more than one line that
    stand on lines of their own (a one-line ``<code>`` is code inside a sentence, and stays part of it)."""
    return [
        code
        for code in body.iter("code")
        if code.getparent() is not None
        and code.getparent().tag in _CODE_BLOCK_PARENTS
        and ("\n" in "".join(code.itertext()).strip("\n") or next(code.iter("lb"), None) is not None)
    ]


def _fenced_code(body: Any) -> Any:
    """A copy of trafilatura's output tree with every code block's lines between two ``CODE_FENCE`` lines
    (the later stages keep a fenced block whole and as it is: no rule judges its lines).

    A block of hard-wrapped paragraphs (a mail or a text file that a page shows in a ``<pre>``) is
    prose, not code: it stays unfenced, for segmentation to re-join its paragraphs.
    """
    body = deepcopy(body)
    for code in _code_blocks(body):
        for lb in code.iter("lb"):
            lb.text = "\n"  # a line break (<br>) inside the code
        source = "".join(code.itertext()).strip("\n")
        if wrapped_prose(source):
            continue
        tail = code.tail
        code.clear()
        # The line break after the closing fence keeps a code block that follows off its line.
        fence = code_fence(source)
        code.text = f"{fence}\n{source}\n{fence}\n"
        code.tail = tail
    return body


def render_text(body: Any, table_format: str) -> str:
    """trafilatura's text of an output tree, code blocks fenced, tables written as ``table_format`` says."""
    if body is None:
        return ""
    if _code_blocks(body):
        body = _fenced_code(body)
    if table_format == "markdown":
        return str(xmltotxt(body, False))
    return str(xmltotxt(_plain_tables(body), False))


def _texts(result: Any, cfg: ExtractConfig) -> tuple[str, str]:
    """The main text and the comments text of a bare_extraction result, tables in the configured format."""
    if not isinstance(result, trafilatura.settings.Document):
        return "", ""
    text, comments = result.text or "", result.comments or ""
    # trafilatura's own texts are xmltotxt of these trees: rendered again only where a table (in plain
    # table format) or a code block is.
    if _rendered_again(result.body, cfg):
        text = render_text(result.body, cfg.table_format)
    if comments and _rendered_again(result.commentsbody, cfg):
        comments = render_text(result.commentsbody, cfg.table_format)
    return text, comments


def _rendered_again(body: Any, cfg: ExtractConfig) -> bool:
    if body is None:
        return False
    return (cfg.table_format != "markdown" and _has_rows(body)) or bool(_code_blocks(body))


def _has_rows(body: Any) -> bool:
    return body is not None and next(body.iter("row"), None) is not None


def _with_comments(result: Any, cfg: ExtractConfig) -> str:
    """The text of a comments-on run: its main text, then the comment lines the main text does not have.

    With comments on, trafilatura's fallback extractors can put the posts in the main text while its
    comment capture returns them too (trafilatura's own txt output then has them twice).
    """
    text, comments_text = _texts(result, cfg)
    seen = set(map(norm_line, text.split("\n")))
    comments = [line for line in comments_text.split("\n") if norm_line(line) not in seen]
    return "\n".join(part for part in (text, *comments) if part.strip())


def _second_runs(
    tree: Any, text: str, visible: int, cfg: ExtractConfig, url: str | None
) -> tuple[bool, bool]:
    """Which second runs a page gets: (comments on, favor_recall), both only for a short default text.

    Comments on: the page's content may be in its comments, a short text on a forum, Q&A or product
    page. A page whose URL is a discussion thread counts as a forum whatever type it declares: forum
    software that declares its threads as articles still files the posts under comments. Raw extractor
    text: wcxb-dev bow F1 +0.0046 (2 Vanilla threads switch, 0.46 -> 0.96 and 0.24 -> 0.90), no page of
    zyte-aeb or trafilatura-eval switches (5 trafilatura-eval URLs match, none with a short text that
    the comments double).

    The comments run is left out where the page has no markup that trafilatura could read as a comment
    section: it would give the default text again.

    favor_recall: on a forum (declared, or a thread URL) the posts may sit in containers that the
    default run prunes and that are not comment containers either; the recall run is tried there when
    the comments run was not kept.
    """
    if cfg.include_comments:
        return False, False
    if len(text) >= SHORT_SHARE * visible:
        return False, False
    # The declared type is read only for short extractions: most pages never pay for it.
    kind = page_kind(tree)
    forum = kind == FORUM or thread_url(url)
    wanted = cfg.non_article_comments_ratio > 0 and (forum or kind in COMMENT_KINDS)
    comments = wanted and bool(_COMMENT_MARKUP(tree))
    return comments, forum and cfg.forum_recall_ratio > 0


# The least length of trafilatura's own text for it to be kept over its fallbacks, for the page being
# extracted in this thread (a context variable: every thread has its own); 0 = trafilatura decides.
_OWN_MIN_CHARS: ContextVar[float] = ContextVar("own_min_chars", default=0.0)
# trafilatura's body expressions, those without EXSLT regular expressions first: lxml evaluates
# ``re:test`` with a Python call per element, and a page with an <article> or <main> needs none of
# them (the answer is the same in any order; on 360 dev pages the check takes a third of the time).
_BODY_XPATH_CHEAP_FIRST = sorted(_BODY_XPATH, key=lambda expression: "re:test" in expression.path)


def marks_main_content(tree: Any) -> bool:
    """Whether the page marks a main-content container that trafilatura's own extractor looks for.

    trafilatura's extractor starts from the first element its ``BODY_XPATH`` expressions find (an
    ``<article>``, a ``<main>``, a ``div`` whose class or id names an article body, the content or the
    main column); on a page without any it collects the page's loose paragraphs instead, and on the
    table layouts of older pages that gives a fragment of the text or a menu. There, the fallback
    comparison is the evidence that counts.
    """
    return any(next(iter(expression(tree)), None) is not None for expression in _BODY_XPATH_CHEAP_FIRST)


def _install_own_extraction_hook() -> bool:
    """Wrap trafilatura's ``compare_extraction`` (once) so that ``_OWN_MIN_CHARS`` can keep its own text.

    Outside ``own_extraction_kept`` the wrapper calls trafilatura's function unchanged, so other users of
    trafilatura in the process see no difference. False, and nothing wrapped, when trafilatura no longer
    has the function or its ``body``/``text``/``options`` arguments: then trafilatura decides alone.
    """
    original: Any = getattr(trafilatura.core, "compare_extraction", None)
    if getattr(original, "keeps_own_extraction", False):
        return True
    try:
        signature = inspect.signature(original)
    except (TypeError, ValueError):  # not a function any more
        signature = None
    if signature is None or not {"cleaned_tree", "body", "text", "options"} <= set(signature.parameters):
        _warn_hook_missing()
        return False
    bind = signature.bind

    @functools.wraps(original)
    def compare(*args: Any, **kwargs: Any) -> Any:
        min_chars = _OWN_MIN_CHARS.get()
        if min_chars > 0:
            arguments = bind(*args, **kwargs).arguments
            text, options = arguments["text"], arguments["options"]
            if (
                getattr(options, "focus", None) == "balanced"
                and text
                and len(text) >= min_chars
                and marks_main_content(arguments["cleaned_tree"])
            ):
                return arguments["body"], text
        return original(*args, **kwargs)

    compare.keeps_own_extraction = True  # type: ignore[attr-defined]
    trafilatura.core.compare_extraction = compare
    return True


@functools.cache
def _warn_hook_missing() -> None:
    log.warning("trafilatura's compare_extraction has changed: extract.own_extraction_share is ignored")


@contextmanager
def own_extraction_kept(min_chars: float) -> Iterator[None]:
    """Within this block, trafilatura keeps its own extraction over its fallbacks when it has ``min_chars``.

    trafilatura's ``compare_extraction`` runs readability and jusText on the page and takes their text
    when it is more than twice as long as its own, when its own has no paragraph or more tables than
    paragraphs, or when its own is short. It compares the candidates with each other only, never with
    the page: an own extraction that already holds a good share of the page's visible text has found
    the main content, and the fallback's longer text is that plus comments, related stories or a
    sidebar (zyte-aeb: 3 articles, bow F1 0.34 -> 1.00, 0.48 -> 0.99, and 0.91 -> 0.98 where
    readability dropped the article's tables). Readability and jusText are then not run at all.
    That holds only where the own extraction came from a container the page marks as its content
    (``marks_main_content``): on a page without one, the own text is the page's loose paragraphs, often
    a fragment or a menu, and the fallback's longer text the whole of it, so trafilatura decides there
    (cleaneval-dev: 20 such pages reach the hook; keeping the own text on them loses 9 outright, e.g.
    0.35 and 0.06 where trafilatura's choice scores 1.00 and 0.95; bow F1 0.890 against 0.876, one page
    worse, 0.71 against 0.81; trafilatura-eval one page better, zyte-aeb and wcxb-dev the same). With
    ``min_chars`` 0, trafilatura decides alone. Only the balanced mode is affected (the recall runs keep
    trafilatura's own rules). Thread-safe: the length is a context variable read by a wrapper that
    ``_install_own_extraction_hook`` puts around trafilatura's function once.
    """
    if min_chars <= 0 or not _install_own_extraction_hook():
        yield
        return
    token = _OWN_MIN_CHARS.set(min_chars)
    try:
        yield
    finally:
        _OWN_MIN_CHARS.reset(token)


# The calls of trafilatura's loose-paragraph recovery made in this thread's current block (see
# loose_text_noted); None outside one.
_LOOSE_CALLS: ContextVar[list[int] | None] = ContextVar("loose_calls", default=None)


@functools.cache
def _install_loose_text_hook() -> bool:
    """Wrap trafilatura's ``recover_wild_text`` (once) so that ``loose_text_noted`` sees it called.

    False, and nothing wrapped, when trafilatura no longer has the function: the recall run is then
    never made.
    """
    original: Any = getattr(trafilatura.main_extractor, "recover_wild_text", None)
    if not callable(original):
        log.warning("trafilatura's recover_wild_text has changed: extract.loose_text_recall_doubt is ignored")
        return False

    @functools.wraps(original)
    def recover(*args: Any, **kwargs: Any) -> Any:
        calls = _LOOSE_CALLS.get()
        if calls is not None:
            calls.append(1)
        return original(*args, **kwargs)

    trafilatura.main_extractor.recover_wild_text = recover
    return True


@contextmanager
def loose_text_noted() -> Iterator[list[int]]:
    """A list that gets an item each time trafilatura's extractor, within this block, gathers the page's
    loose paragraphs (``recover_wild_text``).

    trafilatura's extractor takes the first element its body expressions find; when that gives almost
    no text (a sidebar block whose class reads "text" matched before the article), it falls back on the
    paragraphs it finds anywhere in the page: paragraphs only, so the article's headings, lists and
    tables are lost. Thread-safe: the list is a context variable; outside the block trafilatura runs as
    it always does.
    """
    calls: list[int] = []
    if not _install_loose_text_hook():
        yield calls
        return
    token = _LOOSE_CALLS.set(calls)
    try:
        yield calls
    finally:
        _LOOSE_CALLS.reset(token)


def _recall_text(tree: Any, url: str | None, cfg: ExtractConfig) -> str:
    """The page's text from a run with favor_recall (no metadata: the first run has it)."""
    again = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=cfg.include_comments,
        include_tables=cfg.include_tables,
        with_metadata=False,
        favor_recall=True,
    )
    return _texts(again, cfg)[0]


def _rerun(
    tree: Any,
    url: str | None,
    dates: dict[str, Any],
    cfg: ExtractConfig,
    text: str,
    meta: Any,
    ratio: float,
    label: str,
    **options: Any,
) -> tuple[str, Any, bool]:
    """Extract the page again with ``options``; keep its text if more than ``ratio`` times longer.

    Returns the text and metadata to go on with, and whether the new text was kept. Metadata does not
    depend on these options: it is read again only if the first run gave none.
    """
    again = trafilatura.bare_extraction(
        tree,
        url=url,
        include_tables=cfg.include_tables,
        with_metadata=meta is None,
        date_extraction_params=dict(dates),
        **options,
    )
    candidate = _with_comments(again, cfg) if options.get("include_comments") else _texts(again, cfg)[0]
    if len(candidate) <= ratio * len(text):
        return text, meta, False
    log.debug("%s run kept, %d chars not %d", label, len(candidate), len(text))
    if meta is None and isinstance(again, trafilatura.settings.Document):
        meta = again
    return candidate, meta, True


def _extract_runs(
    tree: Any, visible: int, cfg: ExtractConfig, doc_id: str, source_url: str | None, dates: dict[str, Any]
) -> tuple[str, Any, bool]:
    """The default run, then the second runs a short extraction gets: the text, the metadata result, and
    whether the text is the default run's gathering of loose paragraphs (``loose_text_noted``).

    ``visible`` is the number of characters of the page's visible lines; ``dates`` htmldate's settings.
    """
    # bare_extraction works on its own copy of the tree, so the second run sees the same page.
    with loose_text_noted() as loose:
        result = trafilatura.bare_extraction(
            tree,
            url=source_url,
            include_comments=cfg.include_comments,
            include_tables=cfg.include_tables,
            with_metadata=True,
            date_extraction_params=dict(dates),
        )
    meta = result if isinstance(result, trafilatura.settings.Document) else None
    text = _texts(meta, cfg)[0]
    url = source_url or (meta.url if meta else None)
    comments_run, recall_run = _second_runs(tree, text, visible, cfg, url)
    kept = False
    if comments_run:
        text, meta, kept = _rerun(
            tree,
            url,
            dates,
            cfg,
            text,
            meta,
            cfg.non_article_comments_ratio,
            f"{doc_id}: comments",
            include_comments=True,
        )
        recall_run = recall_run and not kept
    if recall_run:
        text, meta, kept = _rerun(
            tree,
            url,
            dates,
            cfg,
            text,
            meta,
            cfg.forum_recall_ratio,
            f"{doc_id}: recall",
            favor_recall=True,
            include_comments=False,
        )
    return text, meta, bool(loose) and not kept


def _left_out(lines: list[str], text: str, errors: AbstractSet[str]) -> tuple[list[int], list[str]]:
    """The indices of the page lines ``text`` leaves out, and those lines but PHP's error messages."""
    left_out = _not_extracted(lines, text)
    return left_out, [lines[i] for i in left_out if lines[i] not in errors]


def _declared_body_kept(tree: Any, text: str, cfg: ExtractConfig) -> str | None:
    """The article body the page's JSON-LD declares, where ``text`` is empty or a fragment it dwarfs
    and it is no fragment itself (``schema_text.declared_body``); None to go on with ``text``."""
    if not cfg.schema_text or count_words(text) >= cfg.second_opinion_fragment_words:
        return None
    body = declared_body(tree, page_lines)
    if body is None or count_words(body) < cfg.second_opinion_fragment_words:
        return None
    return body if not text.strip() or dwarfs(text, body, cfg) else None


def _main_text(
    doc: Document,
    tree: Any,
    lines: list[str],
    errors: AbstractSet[str],
    text: str,
    loose: bool,
    url: str | None,
    cfg: ExtractConfig,
) -> tuple[str, list[int]]:
    """The text to keep and the indices of the page lines it leaves out: the text the page declares
    (``schema_text``), else the extraction's ``text``, then the recall run's where ``text`` is loose
    paragraphs (``loose``), then the article body the page declares where the text is a fragment of
    it, else readability's where the second opinion takes it."""
    declared = declared_text(tree, page_lines, cfg.include_comments) if cfg.schema_text else None
    if declared is not None:
        log.debug("%s: the page's declared text kept, %d chars not %d", doc.id, len(declared), len(text))
        return declared, _not_extracted(lines, declared)
    text = source_wraps_joined(page_breaks_restored(text, lines), lines)
    left_out, dropped = _left_out(lines, text, errors)
    if loose and doubtful(text, dropped, cfg.loose_text_recall_doubt):
        recalled = _recall_text(tree, url, cfg)
        if accepts(text, recalled, article_texts(tree, page_lines), cfg):
            log.debug("%s: recall run kept, %d chars not %d", doc.id, len(recalled), len(text))
            text = source_wraps_joined(page_breaks_restored(recalled, lines), lines)
            left_out, dropped = _left_out(lines, text, errors)
    body = _declared_body_kept(tree, text, cfg)
    if body is not None:
        log.debug("%s: the page's declared article body kept, %d chars not %d", doc.id, len(body), len(text))
        return body, _not_extracted(lines, body)
    # With formulas kept, readability reads the page with them as LaTeX: the tree, not the page's bytes.
    page = tree if cfg.keep_formulas else doc.html or ""
    other = second_opinion(page, tree, text, dropped, cfg, page_lines)
    if other is not None:
        log.debug("%s: readability's text kept, %d chars not %d", doc.id, len(other), len(text))
        return other, _not_extracted(lines, other)
    return text, left_out


def extract_text(doc: Document, cfg: ExtractConfig) -> Document:
    """Replace an HTML document's markup by its main text and metadata; a text document's hard-wrapped
    paragraphs become one line each (:func:`pipeline.text.unwrapped`)."""
    if doc.rejected:
        return doc
    if doc.html is None:
        text = unwrapped(doc.text)
        return doc if text == doc.text else dataclasses.replace(doc, text=text)
    try:
        with time_limit(cfg.timeout_seconds):
            tree = parse_page(doc.html)
            if tree is None:
                return doc.reject(STAGE, "unparseable_html", "the markup could not be parsed")
            overflow_shown(tree)
            if cfg.keep_formulas:
                formulas_as_latex(tree)
            lines = page_lines(tree)
            # The page's lines as a browser shows them, PHP's error messages included, for the log of
            # what is dropped; the extractors read the page without them.
            errors = set(map(norm_line, remove_script_errors(tree, doc.html)))
            visible = sum(len(line) for line in lines if line not in errors)
            with own_extraction_kept(cfg.own_extraction_share * visible), cheaper_author_search():
                dates = date_params(doc.metadata.get("warc_date"))
                text, meta, loose = _extract_runs(tree, visible, cfg, doc.id, doc.source.url, dates)
            url = doc.source.url or (meta.url if meta else None)
            text, left_out = _main_text(doc, tree, lines, errors, text, loose, url, cfg)
    except DocumentTimeout:
        return doc.reject(STAGE, "extraction_timeout", f"longer than {cfg.timeout_seconds:g} s")
    except MemoryError:
        return doc.reject(STAGE, "out_of_memory", "the page needed more memory than its limit")
    except RecursionError:
        return doc.reject(STAGE, "extraction_error", "markup nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a library failure on one page must not stop the shard
        log.warning("extraction failed for %s: %r", doc.id, exc)
        return doc.reject(STAGE, "extraction_error", f"{type(exc).__name__}: {exc}"[:300])
    if meta is None or not text.strip():
        return doc.reject(STAGE, "no_main_content", "trafilatura found no main text")
    # The removed-lines log is computed against the text actually kept, whichever run gave it.
    removals = removals_in_place(lines, text, left_out, errors)
    source = doc.source
    if source.url is None and meta.url:
        source = dataclasses.replace(source, url=meta.url)
    extracted = dataclasses.replace(
        doc, html=None, text=text, title=(meta.title or None), source=source
    ).with_removed(removals)
    return extracted.with_metadata(
        site_name=meta.sitename or None,
        author=author_name(meta.author),
        date=meta.date or None,
        categories=_as_list(meta.categories),
        tags=_as_list(meta.tags),
        description=meta.description or None,
    )


def extract_text_within(doc: Document, cfg: ExtractConfig, memory_budget: int) -> Document:
    """:func:`extract_text` with at most ``memory_budget`` bytes of address space for the page (0: no
    limit); a page that needs more is an ``out_of_memory`` reject instead of a worker killed."""
    try:
        with memory_limit(memory_budget if doc.html is not None else 0):
            return extract_text(doc, cfg)
    except DocumentTooBig:
        return doc.reject(STAGE, "out_of_memory", f"needed more than {memory_budget >> 20} MB")


def release_caches() -> None:
    """Free trafilatura's and htmldate's caches; call between shards to keep memory flat."""
    # htmldate logs an error when charset_normalizer's functions have no cache to clear; that is
    # expected with compiled charset_normalizer builds and says nothing about our run.
    htmldate_log = logging.getLogger("htmldate.meta")
    level = htmldate_log.level
    htmldate_log.setLevel(logging.CRITICAL)
    try:
        reset_caches()
    finally:
        htmldate_log.setLevel(level)
