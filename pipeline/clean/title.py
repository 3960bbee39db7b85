"""A document's title: which line above the body is the headline, and the site name after it.

``strip_boilerplate`` finds the title of a plain-text page among the lines above its first prose line
and removes it and its copies; ``tag_metadata`` reads the site name from the suffix of the title line
it removed ("Story | Site").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet

from pipeline.clean.credits import is_byline_or_date
from pipeline.rules import normalize_line
from pipeline.text import LineInfo, dotted_words

# Separators between a page title and the site name: "Story | Site", "Story - Site".
_PIPE_SEPARATORS = (" | ", " ‖ ", " :: ", " · ", " • ")
_DASH_SEPARATORS = (" - ", " – ", " — ", " « ", " » ")
# A title has at most this many words; longer lines above the body are prose or captions. Of the 2,503
# <title>s of the dev HTML pages (site suffix removed), 1 is longer, 99% have at most 19 words
# (benchmarks/evidence.py lengths).
TITLE_MAX_WORDS = 30
# A line ending in a full stop or in a list's punctuation is a sentence or a label, not a headline (a
# question or an exclamation mark may end one): Latin and CJK forms, whose sentences carry no spaces, so
# a paragraph of them counts few words and its full stop is what tells it from a title.
_NOT_A_TITLE_END = (".", ":", ";", ",", "。", "．", "：", "；", "，", "、")


def split_site_suffix(title: str, site_hints: Sequence[str] = ()) -> tuple[str, str | None]:
    """``("Story", "Site")`` from "Story | Site"; the title unchanged when no suffix is clear.

    A pipe-like separator always splits off a site name (headlines do not use pipes); a dash only
    when the suffix is short or names a known site (``site_hints``), since headlines do use dashes.
    """
    hints = [normalize_line(h) for h in site_hints if h]
    for separators, pipe in ((_PIPE_SEPARATORS, True), (_DASH_SEPARATORS, False)):
        for sep in separators:
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            head, tail = head.strip(), tail.strip()
            head_words, tail_words = len(dotted_words(head)), len(dotted_words(tail))
            if head_words < 2 or not tail:
                continue
            tail_norm = normalize_line(tail)
            hinted = any(h and (h in tail_norm or tail_norm in h) for h in hints)
            if pipe or hinted or (tail_words <= 3 and head_words >= 4):
                inner, more = split_site_suffix(head, site_hints)
                return inner, more or tail
    return title, None


# How a header line scores as the title: up to 1 for its length (full from TITLE_FULL_WORDS words on),
# more when it carries a site suffix ("Story | Site") or another header line repeats it, much less when
# it is a word or two (a menu item) or a byline or date line; a line scoring below 0 is no title.
# A text dump of an HTML page starts with its <title> ("Story | Site"): when no other header line has a
# site suffix, that first line outweighs any other (FIRST_LINE_SUFFIX_WEIGHT), while a repeated line is
# as often a menu item the page shows twice ("Work With Us", for phones and for screens). Where several
# header lines have one (a section's header and the story's title, both with the site's name), or further
# down (a menu row "News | Sports", which the pipe splits alike), a suffix weighs less than a repeat,
# unless the first line's title recurs below it as a line of its own: the article's headline
# (``title_recurs``; 12 more pages, 129 / 137 / 578 / 107 by set; wcxb-dev's gold titles 133 of 256).
# Evidence (benchmarks/evidence.py titles): of the 1,758 dev pages with an HTML <title>, the title found
# in the text dump is that title (site suffix removed) on 951, another line on 704, none on 103; by set
# (zyte-aeb / wcxb-dev / trafilatura-eval / cleaneval-dev) 129 / 137 / 578 / 107, against 118 / 118 / 536
# / 103 with the first line's suffix weighing as any other. A first-line weight of 4 or 16 moves at most
# 3 pages; every suffix weighing 8 matches 926 (trafilatura-eval 561, fewer than now). The title in the
# records of wcxb-dev's text dumps equals its gold title on 133 of 256 pages, 117 without the first line's
# weight. Halving or doubling TITLE_FULL_WORDS or NOT_A_TITLE_WEIGHT moves at most 9 pages; without the
# suffix and repeat weights 695 match.
TITLE_FULL_WORDS = 12
SITE_SUFFIX_WEIGHT = 2
FIRST_LINE_SUFFIX_WEIGHT = 8
REPEATED_WEIGHT = 3
NOT_A_TITLE_WEIGHT = 5


def _title_score(info: LineInfo, suffix_weight: float, repeated: bool) -> float:
    score = min(info.words, TITLE_FULL_WORDS) / TITLE_FULL_WORDS + suffix_weight
    if repeated:
        score += REPEATED_WEIGHT
    if info.words <= 2 or is_byline_or_date(info.text):
        score -= NOT_A_TITLE_WEIGHT
    return score


def _title_shaped(info: LineInfo, min_words: int) -> bool:
    """A line that can be a title: not too long, no sentence or list punctuation at its end."""
    unpunctuated = not info.text.rstrip().endswith(_NOT_A_TITLE_END)
    return min_words <= info.words <= TITLE_MAX_WORDS and unpunctuated


def title_copies(lines: Sequence[str], among: Iterable[int], keys: AbstractSet[str]) -> Iterator[int]:
    """The lines of ``among`` that are one of the titles ``keys`` (normalised), site suffix or not."""
    # A key's first word appears in any line that normalises to it (casefolding is per character), so
    # only those lines pay for the suffix split.
    first_words = {key.split(" ", 1)[0] for key in keys}
    for i in among:
        folded = lines[i].casefold()
        if not any(word in folded for word in first_words):
            continue
        if normalize_line(split_site_suffix(lines[i])[0]) in keys:
            yield i


def title_recurs(lines: Sequence[str], live: Sequence[int]) -> bool:
    """Whether the first of the ``live`` lines has a site suffix and its title recurs below it as a line
    of its own: a text dump's <title> ("Story | Site") and the article's headline ("Story")."""
    title, site = split_site_suffix(lines[live[0]])
    key = normalize_line(title)
    return site is not None and bool(key) and next(title_copies(lines, live[1:], {key}), None) is not None


def find_title(lines: Sequence[LineInfo], header: Sequence[int], first_recurs: bool = False) -> int | None:
    """Index of the line that is the title among the ``header`` lines, or None.

    ``first_recurs``: the first header line's title recurs below it (:func:`title_recurs`).

    A line alone above the body is its title when it has a title's shape, however short ("Budget
    approved"); among several header lines (menus, bylines, the headline) the scores decide, and a
    line of one or two words there is more likely a menu item than the headline.
    """
    if len(header) == 1:
        alone = lines[header[0]]
        if _title_shaped(alone, 1) and not is_byline_or_date(alone.text):
            return header[0]
        return None
    # Each header line split once: comparing every candidate with every other header line
    # re-split them all (quadratic in the header, a fifth of the stage's time on text pages).
    splits = {j: split_site_suffix(lines[j].text) for j in header}
    keys = Counter(normalize_line(main) for main, _ in splits.values())
    candidates = [i for i in header if _title_shaped(lines[i], 2)]
    # The first line is the page's <title> when it alone has a site suffix, or when its title recurs
    # (see FIRST_LINE_SUFFIX_WEIGHT).
    first_is_title = [j for j in header if splits[j][1]] == header[:1] or first_recurs
    best: tuple[float, int] | None = None
    for i in candidates:
        main, suffix = splits[i]
        # Another header line with the same title: the key counts this line too.
        repeated = keys[normalize_line(main)] > 1
        first = first_is_title and i == header[0]
        suffix_weight = 0 if not suffix else FIRST_LINE_SUFFIX_WEIGHT if first else SITE_SUFFIX_WEIGHT
        key = (_title_score(lines[i], suffix_weight, repeated), i)
        if best is None or key >= best:
            best = key
    if best is None or best[0] < 0:
        return None
    return best[1]
