"""A learned line classifier for plain-text pages: is this line main content or page furniture?

Two small gradient-boosted tree ensembles, applied with numpy from ``lineclass_model.json``
(trained by ``benchmarks/train_lineclass.py`` on all pages of three dev eval sets; the score to expect
on a set it has not seen is the script's leave-one-set-out score in ``docs/benchmarks.md``):

1. stage 1 scores each non-blank line from its own shape (length, final punctuation, stopword
   density over multilingual lists, link-ish tokens, title case, digits), its blank-line block,
   its position, the same shape features averaged over its neighbours (jusText's idea that a
   short line between good lines is good), and the page as a whole: its share of long punctuated
   lines, its length, and where the line stands against the densest run of prose;
2. stage 2 re-scores each line from its stage-1 score and the stage-1 scores around it (windows of
   1 to 15 lines, the content mass before and after it, the scores of its block, its distance to the
   page's densest scored region), so that main text comes out as a region rather than as isolated
   sentences.

A line is content when its stage-2 probability reaches the model's threshold.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

import numpy as np
import regex

from pipeline.rules.lexicons import all_stopwords
from pipeline.text import CLOSERS, SENTENCE_STOPS, dotted_words, line_info, line_memo

MODEL_PATH = Path(__file__).resolve().parent / "lineclass_model.json"

_LINKISH = regex.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net|html?|php)\b", regex.IGNORECASE)
_SEPARATORS = regex.compile(r"\s[|»›·•/>]\s|\s\|\s?|^\s*[|»›·•>]")
_BULLET = regex.compile(r"^\s*(?:[-*•·▪►»–—]|\d{1,2}[.)])\s")
_COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|all rights reserved|copyright", regex.IGNORECASE)
# Character classes as runs (fewer matches to count than single characters), and the pieces of
# the checks that need no regex (see _shape).
_CJK_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]+")
_DIGIT_RUN = regex.compile(r"\p{N}+")
_UPPER_RUN = regex.compile(r"\p{Lu}+")
_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()
_ASCII_DIGITS = b"0123456789"
_FROM_THAI = re.compile("[\u0e00-\U0010ffff]")
_SEPARATOR_CHAR = re.compile("[|»›·•/>]")
_BULLET_STARTS = "-*•·▪►»–—"


# Where _shape puts the measurements that stage1_features builds more features from.
WORDS, TERMINAL, STOP = 0, 2, 3


def _shape(line: str, stops: frozenset[str], words: Sequence[str] | None = None) -> list[float]:
    """The features of one line on its own: its length, final punctuation, stopwords, case, marks.

    ``words`` are the line's :func:`~pipeline.text.dotted_words` when the caller has them.
    """
    # The hot spot of the text path: one call per line of every page. Each count is taken the cheapest
    # exact way (tests/test_lineclass.py checks every feature against a plain regex version). Every
    # letter and digit is inside a DOTTED_WORD match, so letters and digits are counted on the words' own
    # characters; on ASCII text the Unicode classes reduce to byte sets that bytes.translate counts.
    # The searches run only when the text holds what they look for.
    text = line.strip()
    n_chars = len(text)
    if words is None:
        words = dotted_words(text)
    if text.isascii():
        data = text.encode("ascii")
        letters = n_chars - len(data.translate(None, _ASCII_LETTERS))
        upper = n_chars - len(data.translate(None, _ASCII_UPPER))
        digits = n_chars - len(data.translate(None, _ASCII_DIGITS))
        cjk_chars = 0
        low = text.lower()
        exotic_case = False
    else:
        # Only the letters and digits of the words: what the word pattern allows besides them removed
        # (four replaces take a fifth of the time of one str.translate).
        core = "".join(words).replace("'", "").replace("’", "").replace(".", "").replace("-", "")
        digits = 0 if core.isalpha() else sum(map(len, _DIGIT_RUN.findall(core)))
        letters = len(core) - digits
        upper = sum(map(len, _UPPER_RUN.findall(core)))
        # No character of these scripts lies below U+0E00 (Thai), which covers most European text.
        cjk_chars = sum(map(len, _CJK_RUN.findall(text))) if _FROM_THAI.search(text) else 0
        low = text.lower()
        # The only non-ASCII characters that IGNORECASE matches to a letter of the patterns: İ (i), ſ (s).
        exotic_case = "İ" in text or "ſ" in text
    n_words = len(words)
    # Stopwords are lower case, so counting the lower-cased words needs no list of them.
    n_stop = sum(map(stops.__contains__, map(str.lower, words)))
    linkish = (
        "@" in text
        or "://" in text
        or "www." in low
        or ".com" in low
        or ".org" in low
        or ".net" in low
        or ".htm" in low
        or ".php" in low
    ) and _LINKISH.search(text)
    copyright_mark = (
        "©" in text or "(c)" in low or "copyright" in low or "all rights reserved" in low or exotic_case
    ) and _COPYRIGHT.search(text)
    separated = _SEPARATOR_CHAR.search(text) and _SEPARATORS.search(text)
    bullet = (text[:1] in _BULLET_STARTS or text[:1].isdigit()) and _BULLET.match(text)
    return [
        math.log1p(n_words),
        math.log1p(n_chars),
        # Final punctuation: a stop, then any closing quotes or brackets (the text is stripped).
        1.0 if text.rstrip(CLOSERS).endswith(SENTENCE_STOPS) else 0.0,
        n_stop / n_words if n_words else 0.0,
        math.log1p(n_stop),
        cjk_chars / max(n_chars, 1),
        digits / max(n_chars, 1),
        sum(map(str.isupper, map(itemgetter(0), words))) / n_words if n_words else 0.0,
        upper / (letters or 1),
        (text.count(",") + text.count(";") + text.count("，") + text.count("、") + text.count("；"))
        / max(n_words, 1),
        1.0 if text.endswith(":") else 0.0,
        1.0 if linkish else 0.0,
        1.0 if separated else 0.0,
        1.0 if bullet else 0.0,
        1.0 if copyright_mark else 0.0,
        sum(map(len, words)) / n_words if n_words else 0.0,
        1.0 if n_words <= 2 else 0.0,
    ]


@line_memo
def line_shape(line: str) -> tuple[float, ...]:
    """The shape features of one line (see :func:`_shape`), remembered for lines that recur."""
    return tuple(_shape(line, all_stopwords(), line_info(line).tokens))


def _windows(values: Sequence[float] | np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each span ``(before, after)`` a column: the mean of ``values`` over the lines around each line.

    The line itself is left out; a line with no neighbours in the span gets 0. The prefix sums are
    sequential (``cumsum``), so every mean is the same float a row-by-row loop would compute.
    """
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    prefix = np.concatenate(([0.0], np.cumsum(v)))
    i = np.arange(n)
    columns = np.zeros((n, len(spans)))
    for c, (before, after) in enumerate(spans):
        lo, hi = np.maximum(0, i - before), np.minimum(n, i + after + 1)
        count = hi - lo - 1
        sums = prefix[hi] - prefix[lo] - v
        np.divide(sums, count, out=columns[:, c], where=count > 0)
    return columns


_SHAPE_SPANS = ((1, 0), (0, 1), (2, 2), (5, 5))
_SCORE_SPANS = ((1, 0), (0, 1), (2, 2), (5, 5), (15, 15))
#: Half-width of the window whose densest placement marks a page's main prose region.
REGION_HALF_WIDTH = 15
#: The main region spans the windows around the densest one that hold at least this share of its mass
#: (its width at half the peak). A long report, or a blog page of many posts, is dense from end to end;
#: measured from the densest window's centre alone, its later paragraphs stand far from the main text
#: and are cut (cleaneval-dev: a 120-paragraph report keeps a quarter of its words that way, two thirds
#: against the region).
#: Leave one set out (``train_lineclass.py --by-set --pipeline``, seeds 0-2, whole stage chain),
#: against the distance to the centre: zyte-aeb 0.885 -> 0.892, wcxb-dev 0.786 -> 0.790,
#: trafilatura-eval 0.865 -> 0.864, cleaneval-dev 0.903 -> 0.904. A quarter of the peak scores alike
#: (0.894, 0.788, 0.869, 0.901); dropping the line's position and mass shares too scores lower. 5 folds
#: by page, seeds 0 and 1: zyte-aeb -0.003, wcxb-dev -0.003, trafilatura-eval +0.002, cleaneval-dev +0.005.
REGION_DENSE_SHARE = 0.5


def blocks_of(index: Sequence[int]) -> list[int]:
    """For each non-blank line (by its index in the page) the number of its blank-line separated block."""
    blocks: list[int] = []
    block = -1
    previous = -2
    for i in index:
        if i != previous + 1:
            block += 1
        blocks.append(block)
        previous = i
    return blocks


def _region(mass: np.ndarray) -> np.ndarray:
    """Where each line stands against the page's main region of ``mass`` (one value per line).

    The main region is the run of lines around the densest window (``REGION_HALF_WIDTH`` lines either
    side) whose windows hold at least :data:`REGION_DENSE_SHARE` of that window's mass. Columns: the
    share of the mass before the line, the share after it, the signed distance to the region (0 inside
    it) as a fraction of the page, and the log of that distance in lines.
    """
    n = len(mass)
    total = float(mass.sum()) or 1.0
    prefix = np.concatenate(([0.0], np.cumsum(mass)))
    i = np.arange(n)
    window = prefix[np.minimum(n, i + REGION_HALF_WIDTH + 1)] - prefix[np.maximum(0, i - REGION_HALF_WIDTH)]
    # On a short page many windows hold all the prose: the middle of the tied ones is its centre.
    peaks = np.flatnonzero(window == window.max())
    centre = peaks[len(peaks) // 2]
    sparse = np.flatnonzero(window < REGION_DENSE_SHARE * window.max())
    k = int(np.searchsorted(sparse, centre))
    start = int(sparse[k - 1]) + 1 if k > 0 else 0
    end = int(sparse[k]) - 1 if k < len(sparse) else n - 1
    distance = np.where(i < start, i - start, np.where(i > end, i - end, 0)).astype(np.float64)
    return np.column_stack(
        [
            prefix[:-1] / total,
            (total - prefix[1:]) / total,
            distance / max(n - 1, 1),
            np.log1p(np.abs(distance)),
        ]
    )


def _block_mean(values: np.ndarray, blocks: Sequence[int]) -> np.ndarray:
    """The mean of ``values`` over each line's block, per line."""
    ids = np.asarray(blocks)
    sums = np.bincount(ids, weights=values)
    return (sums / np.bincount(ids))[ids]


def stage1_features(lines: Sequence[str]) -> tuple[list[int], np.ndarray]:
    """Indices of the non-blank lines and their stage-1 feature rows (one row per line)."""
    stripped = [line.strip() for line in lines]
    index = [i for i, text in enumerate(stripped) if text]
    if not index:
        return [], np.zeros((0, 0))
    # The page is built a column at a time, each value the float the model was trained on: ints divided
    # by ints and sums of whole numbers are exact in any order, and each log and exp is taken as in
    # training (math's per value, numpy's for the prose mass below: the two may round differently).
    n = len(index)
    own = np.array([line_shape(lines[i]) for i in index])
    words, terminal, stop = own[:, WORDS], own[:, TERMINAL], own[:, STOP]
    word_counts = [math.expm1(w) for w in words.tolist()]
    counts = Counter(stripped[i] for i in index)
    repeated = np.array([counts[stripped[i]] > 1 for i in index], dtype=np.float64)
    # The blank-line block each line sits in: its size and how much prose it holds.
    block_of = blocks_of(index)
    ids = np.asarray(block_of)
    block_lines = np.bincount(ids)
    block_words = np.bincount(ids, weights=[round(c) for c in word_counts])
    block = np.column_stack(
        [
            [math.log1p(k) for k in block_lines.tolist()],
            np.bincount(ids, weights=terminal) / block_lines,
            [math.log1p(k) for k in block_words.tolist()],
        ]
    )[ids]
    pos = np.arange(n) / max(n - 1, 1)
    page = np.column_stack(
        [
            pos,
            pos * pos,
            np.full(n, math.log1p(sum(word_counts))),
            np.full(n, sum(terminal.tolist()) / n),
            words - words.max(),
        ]
    )
    # The page as a whole and the line's place in it: how much of the page is long punctuated prose,
    # how long the page is, where the line stands against the densest run of prose, and how much
    # prose its block holds. Without them a short line reads the same on an article and on a listing.
    long_prose = ((terminal != 0.0) & (words >= math.log1p(8))).astype(np.float64)
    context = np.column_stack(
        [
            np.full(n, long_prose.mean()),
            np.full(n, math.log1p(n)),
            _region(long_prose * np.expm1(words)),
            _block_mean(long_prose, block_of),
        ]
    )
    rows = np.hstack(
        [
            own,
            repeated[:, None],
            block,
            page,
            _windows(words, _SHAPE_SPANS),
            _windows(terminal, _SHAPE_SPANS),
            _windows(stop, _SHAPE_SPANS),
            _windows(long_prose, ((10, 10), (30, 30))),
            context,
        ]
    )
    return index, rows


def stage2_features(scores: Sequence[float], words: Sequence[float], blocks: Sequence[int]) -> np.ndarray:
    """Stage-2 rows from the stage-1 probabilities of a page's lines, their log word counts and blocks."""
    scores = [float(p) for p in scores]
    words = [float(w) for w in words]
    n = len(scores)
    mass = [p * math.expm1(w) for p, w in zip(scores, words, strict=True)]
    total = sum(mass) or 1.0
    before = np.concatenate(([0.0], np.cumsum(mass)[:-1]))
    after = total - before - np.asarray(mass)
    p = np.asarray(scores)
    w = np.asarray(words)
    # The log-odds of each score, kept off the ends where it would be infinite.
    logits = [math.log(q / (1 - q)) for q in np.clip(p, 1e-6, 1 - 1e-6).tolist()]
    # How article-like the whole page is: listings and product pages have little confident prose,
    # and there the main content includes short lines that an article page would drop.
    page = [
        sum(scores) / n,
        sum(1 for p in scores if p >= 0.5) / n,
        max(scores),
        math.log1p(n),
        math.log1p(total),
    ]
    # A block (lines between blank lines) is often one unit of the page: a menu, a paragraph, a list.
    ids = np.asarray(blocks)
    block_max = np.full(ids[-1] + 1, -np.inf)
    np.maximum.at(block_max, ids, p)
    return np.hstack(
        [
            p[:, None],
            np.array(logits)[:, None],
            _windows(scores, _SCORE_SPANS),
            (before / total)[:, None],
            (after / total)[:, None],
            (np.minimum(before, after) / total)[:, None],
            w[:, None],
            (p * w)[:, None],
            np.tile(page, (n, 1)),
            _block_mean(p, blocks)[:, None],
            block_max[ids][:, None],
            np.log1p(np.bincount(ids)[ids])[:, None],
            _region(np.asarray(mass))[:, 2:],
        ]
    )


_Tree = tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...], tuple[int, ...], tuple[float, ...]]


def _tree_depth(tree: _Tree, node: int = 0) -> int:
    feature, _, left, right, _ = tree
    if feature[node] < 0:
        return 0
    return 1 + max(_tree_depth(tree, left[node]), _tree_depth(tree, right[node]))


@dataclass(frozen=True, slots=True)
class Forest:
    """Gradient-boosted regression trees giving the log-odds of "content".

    Each tree is five parallel node arrays: feature (-1 at a leaf), threshold, left child, right child,
    leaf value; a row goes left when ``row[feature] <= threshold`` (scikit-learn's convention).
    Inference walks all rows through all trees at once, one tree level per numpy step: a leaf points
    at itself and always "goes left", so rows that reached a leaf early stay there. The nodes of all
    trees are numbered in one flat range, and a node's two children lie side by side (right, then
    left), so a step is one look-up of the row's values and one of the child the comparison picks.
    The walk holds one row of nodes per tree (a column per feature row): the sum over the trees is
    then a running sum down whole rows of leaves, not one along each feature row.
    """

    base: float
    trees: tuple[_Tree, ...]
    _packed: tuple[np.ndarray, ...] = field(init=False, repr=False, compare=False)
    _depth: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width = max(len(t[0]) for t in self.trees)
        shape = (len(self.trees), width)
        feature = np.zeros(shape, dtype=np.intp)
        threshold = np.full(shape, np.inf)
        left = np.tile(np.arange(width), (len(self.trees), 1))
        right = left.copy()
        value = np.zeros(shape)
        for t, (feat, thr, lft, rgt, val) in enumerate(self.trees):
            inner = np.asarray(feat) >= 0
            size = len(feat)
            feature[t, :size] = np.where(inner, feat, 0)
            threshold[t, :size] = np.where(inner, thr, np.inf)
            left[t, :size] = np.where(inner, lft, np.arange(size))
            right[t, :size] = np.where(inner, rgt, np.arange(size))
            value[t, :size] = val
        roots = (np.arange(len(self.trees)) * width)[:, None]
        children = np.empty(2 * feature.size, dtype=np.intp)
        children[0::2] = (right + roots).ravel()
        children[1::2] = (left + roots).ravel()
        packed = (feature.ravel(), threshold.ravel(), children, value.ravel(), roots)
        object.__setattr__(self, "_packed", packed)
        object.__setattr__(self, "_depth", max(_tree_depth(t) for t in self.trees))

    def log_odds(self, rows: np.ndarray) -> np.ndarray:
        """The forest's log-odds for each row of a 2-D feature array.

        The sum runs tree by tree from ``base`` (``cumsum`` is sequential), so each value is the
        float that adding the leaves one by one in Python gives.
        """
        feature, threshold, children, value, roots = self._packed
        n, width = rows.shape
        values = rows.ravel()
        row_start = np.arange(n) * width
        # Every row starts at each tree's root (a column, broadcast on the first step); take() is
        # numpy's quicker gather from a flat array.
        node = roots
        for _ in range(self._depth):
            go_left = values.take(row_start + feature.take(node)) <= threshold.take(node)
            node = children.take(2 * node + go_left)
        leaves = np.empty((len(self.trees) + 1, n))
        leaves[0] = self.base
        leaves[1:] = value.take(node)
        return np.cumsum(leaves, axis=0)[-1]

    def probs(self, rows: np.ndarray) -> list[float]:
        """Probability of the positive class for each row of a 2-D feature array."""
        return [0.0 if z < -30 else 1.0 / (1.0 + math.exp(-z)) for z in self.log_odds(rows).tolist()]

    @classmethod
    def from_dict(cls, data: dict) -> Forest:
        """From the JSON form written by the training script."""
        trees = tuple(
            (
                tuple(t["feature"]),
                tuple(t["threshold"]),
                tuple(t["left"]),
                tuple(t["right"]),
                tuple(t["value"]),
            )
            for t in data["trees"]
        )
        return cls(data["base"], trees)


@dataclass(frozen=True, slots=True)
class LineModel:
    """The two stages and the decision threshold."""

    stage1: Forest
    stage2: Forest
    threshold: float

    def scores(self, lines: Sequence[str]) -> tuple[list[int], list[float]]:
        """Indices of the non-blank lines and their content probability."""
        index, rows = stage1_features(lines)
        if not index:
            return [], []
        first = self.stage1.probs(rows)
        return index, self.stage2.probs(stage2_features(first, rows[:, 0].tolist(), blocks_of(index)))


@cache
def load_model(path: str | None = None) -> LineModel:
    """The shipped line model (or one at ``path``)."""
    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    return LineModel(Forest.from_dict(data["stage1"]), Forest.from_dict(data["stage2"]), data["threshold"])
