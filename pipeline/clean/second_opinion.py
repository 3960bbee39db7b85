"""A second opinion on a doubtful extraction: readability-lxml's text where ours missed part of the body.

trafilatura sometimes extracts one part of the main text (the first of several body containers, a teaser
block, the paragraphs of a page whose text is mostly loose in table cells) and leaves the rest among the
page lines it drops. Two cheap signals and one extra extractor decide, page by page:

1. ``doubtful``: the page lines the extraction left out hold much more prose than the text it kept
   (counted from the log of dropped lines, which extraction computes anyway). Most pages keep more prose
   than they drop and never pay for a second extractor.
2. ``readability_text``: readability-lxml's summary of the page (arc90's algorithm: a scored container
   and its siblings), the best single extractor on several public sets, as lines.
3. ``accepts``: its text is taken only when it holds nearly all of our words and many more (it is then
   our text plus what we missed around it; a second copy of a block is not more), and, on a page that
   marks its articles (``<article>``, ``<main>``), when one such element holds both texts: what
   readability adds from outside the article that holds ours is another story or a comment thread. A text
   that disagrees with ours (another block of the page) is evidence of doubt, not of a better answer, and
   ours stays; except where ours is a fragment of a few words (a site's slogan in a header ``<div
   class="header-text">`` that trafilatura's body expressions matched): there is no body of ours to
   disagree with (``dwarfs``).

The thresholds are ``[extract] second_opinion_*`` (``pipeline/config.py``), chosen leave-one-set-out
on the dev sets (``docs/benchmarks.md``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import Any

import lxml.html
from lxml import etree
from readability import Document as ReadabilityDocument

from pipeline.config import BoilerplateConfig, ExtractConfig
from pipeline.text import count_words, is_prose, line_info

log = logging.getLogger(__name__)

# What counts as prose: pipeline/text.py's definition, with the boilerplate stage's default settings.
_PROSE = BoilerplateConfig()
# A line this long that a text repeats is a copy of a block, not more text (trafilatura's bound for its own
# duplicate test, MIN_DUPLICATE_LENGTH). Shorter lines repeat on their own: a shop's cards each say "Learn
# more" (counting every line once, readability's text of a wcxb-dev listing page is refused: 0.66 -> 0.36).
# Counting copies once: newspaper's test pages (112 with a gold text) 0.935 -> 0.941, two pages that hold
# their article twice 0.67 -> 1.00; Mozilla's test pages -0.005, a fixture that repeats one lorem-ipsum
# paragraph five times (1.00 -> 0.33); no dev page changes.
_COPY_CHARS = 50
# The elements by which a page marks its articles (HTML5 semantics).
_ARTICLES = etree.XPath("//article | //main")


def reads_as_prose(line: str) -> bool:
    """Whether a line reads as running text (a punctuated sentence, or a long line)."""
    return is_prose(line_info(line), _PROSE)


def prose_chars(lines: Sequence[str]) -> int:
    """Characters of the lines that read as running text."""
    return sum(len(line) for line in lines if reads_as_prose(line))


def doubtful(kept: str, left_out: Sequence[str], doubt: float) -> bool:
    """Whether the lines an extraction left out hold ``doubt`` times as much prose as it kept (never
    for a ``doubt`` of 0)."""
    if doubt <= 0 or not kept.strip():
        return False
    return prose_chars(left_out) >= doubt * len(kept)


def readability_text(page: str | Any, lines_of: Callable[[Any], list[str]]) -> str:
    """readability-lxml's main text of a page (its markup, or its parsed tree, which stays as it is), as
    ``lines_of`` makes lines of its summary's element tree."""
    # readability drops the hidden elements of a tree it is given before it copies it.
    document = ReadabilityDocument(page if isinstance(page, str) else deepcopy(page))
    summary = document.summary(html_partial=True)
    if not summary.strip():
        return ""
    return "\n".join(lines_of(lxml.html.fromstring(summary)))


def _words(text: str) -> Counter[str]:
    """The words of a text, each line of over ``_COPY_CHARS`` characters counted once: a block that a page
    holds twice (a desktop and a mobile copy of its article, both of which readability's container may
    take) adds no words to it."""
    seen: set[str] = set()
    words: Counter[str] = Counter()
    for line in text.split("\n"):
        if len(line) > _COPY_CHARS:
            if line in seen:
                continue
            seen.add(line)
        words.update(line.split())
    return words


def _share_in(part: Counter[str], whole: Counter[str]) -> float:
    """The share of ``part``'s words (with their counts) that ``whole`` holds."""
    total = sum(part.values())
    return sum((part & whole).values()) / total if total else 0.0


def extends(ours: str, other: str, cfg: ExtractConfig) -> bool:
    """Whether ``other`` holds ``second_opinion_containment`` of our words and ``second_opinion_ratio``
    times as many words."""
    return _extends(_words(ours), _words(other), cfg)


def _extends(mine: Counter[str], theirs: Counter[str], cfg: ExtractConfig) -> bool:
    if not mine or sum(theirs.values()) < cfg.second_opinion_ratio * sum(mine.values()):
        return False
    return _share_in(mine, theirs) >= cfg.second_opinion_containment


def dwarfs(ours: str, other: str, cfg: ExtractConfig) -> bool:
    """Whether ``ours`` is a fragment of fewer than ``second_opinion_fragment_words`` words and ``other``
    has ``second_opinion_ratio`` times as many (words as ``metadata.word_count`` counts them, Chinese and
    Japanese by their length)."""
    words = count_words(ours)
    fragment = 0 < words < cfg.second_opinion_fragment_words
    return fragment and count_words(other) >= cfg.second_opinion_ratio * words


def article_texts(tree: Any, lines_of: Callable[[Any], list[str]]) -> list[str]:
    """The text of every ``<article>`` and ``<main>`` element of the page."""
    return ["\n".join(lines_of(element)) for element in _ARTICLES(tree)]


def accepts(ours: str, other: str, articles: Sequence[str], cfg: ExtractConfig) -> bool:
    """Whether ``other`` replaces ``ours``: it extends ours, or ours is a fragment it dwarfs; within one of
    the page's ``articles`` if any (that holds ours too, unless ours is a fragment)."""
    mine, theirs = _words(ours), _words(other)
    fragment = dwarfs(ours, other, cfg)
    if not fragment and not _extends(mine, theirs, cfg):
        return False
    if not articles:
        return True
    share = cfg.second_opinion_containment
    return any(
        (fragment or _share_in(mine, words) >= share) and _share_in(theirs, words) >= share
        for words in map(_words, articles)
    )


def second_opinion(
    page: str | Any,
    tree: Any,
    text: str,
    left_out: Sequence[str],
    cfg: ExtractConfig,
    lines_of: Callable[[Any], list[str]],
) -> str | None:
    """readability-lxml's text of ``page`` (markup or tree) where ours is doubtful and it ``accepts`` it;
    None to keep ours."""
    if not doubtful(text, left_out, cfg.second_opinion_doubt):
        return None
    try:
        other = readability_text(page, lines_of)
    except Exception as exc:  # noqa: BLE001 - readability failing on a page leaves our text as it is
        log.debug("readability failed: %r", exc)
        return None
    return other if accepts(text, other, article_texts(tree, lines_of), cfg) else None
