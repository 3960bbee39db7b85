"""A learned line classifier for plain-text pages: is this line main content or page furniture?

Two small gradient-boosted tree ensembles, applied in pure Python from ``lineclass_model.json``
(trained by ``benchmarks/train_lineclass.py`` on a hash-split of the dev eval sets):

1. stage 1 scores each non-blank line from its own shape (length, final punctuation, stopword
   density over multilingual lists, link-ish tokens, title case, digits), its blank-line block,
   its position, and the same shape features averaged over its neighbours (jusText's idea that a
   short line between good lines is good);
2. stage 2 re-scores each line from its stage-1 score and the stage-1 scores around it (windows of
   1 to 15 lines, the content mass before and after it), so that main text comes out as a region
   rather than as isolated sentences.

A line is content when its stage-2 probability reaches the model's threshold.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

import regex

MODEL_PATH = Path(__file__).resolve().parent / "lineclass_model.json"
LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
RULE_ID = "model.line_score"

_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*")
_TERMINAL = regex.compile(r"[.!?…。！？]['\"”’»)\]]*\s*$")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]")
_DIGIT = regex.compile(r"\p{N}")
_UPPER = regex.compile(r"\p{Lu}")
_LETTER = regex.compile(r"\p{L}")
_LINKISH = regex.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net|html?|php)\b", regex.IGNORECASE)
_SEPARATORS = regex.compile(r"\s[|»›·•/>]\s|\s\|\s?|^\s*[|»›·•>]")
_BULLET = regex.compile(r"^\s*(?:[-*•·▪►»–—]|\d{1,2}[.)])\s")
_COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|all rights reserved|copyright", regex.IGNORECASE)
_COMMA = regex.compile(r"[,;，、；]")


@cache
def stopword_set() -> frozenset[str]:
    """The union of every language's stopwords in ``lexicon/stopwords.txt``."""
    words: set[str] = set()
    for line in (LEXICON_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        words.update(line.split(":", 1)[1].split())
    return frozenset(words)


@dataclass(frozen=True, slots=True)
class Shape:
    """The per-line measurements the features are built from."""

    words: float  # log1p of the word count
    chars: float  # log1p of the character count
    terminal: float
    stop: float  # fraction of words that are stopwords
    cjk: float  # fraction of characters that are CJK/Thai (scripts without spaces)


def _shape(line: str, stops: frozenset[str]) -> tuple[Shape, list[float]]:
    text = line.strip()
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = len(text)
    lower = [w.lower() for w in words]
    n_stop = sum(1 for w in lower if w in stops)
    letters = len(_LETTER.findall(text)) or 1
    cjk = len(_CJK.findall(text)) / max(n_chars, 1)
    terminal = 1.0 if _TERMINAL.search(text) else 0.0
    shape = Shape(
        words=math.log1p(n_words),
        chars=math.log1p(n_chars),
        terminal=terminal,
        stop=n_stop / n_words if n_words else 0.0,
        cjk=cjk,
    )
    capitalised = sum(1 for w in words if w[:1].isupper()) / n_words if n_words else 0.0
    own = [
        shape.words,
        shape.chars,
        terminal,
        shape.stop,
        math.log1p(n_stop),
        cjk,
        len(_DIGIT.findall(text)) / max(n_chars, 1),
        capitalised,
        len(_UPPER.findall(text)) / letters,
        len(_COMMA.findall(text)) / max(n_words, 1),
        1.0 if text.endswith(":") else 0.0,
        1.0 if _LINKISH.search(text) else 0.0,
        1.0 if _SEPARATORS.search(text) else 0.0,
        1.0 if _BULLET.search(text) else 0.0,
        1.0 if _COPYRIGHT.search(text) else 0.0,
        sum(len(w) for w in words) / n_words if n_words else 0.0,
        1.0 if n_words <= 2 else 0.0,
    ]
    return shape, own


def _windows(values: Sequence[float], spans: Sequence[tuple[int, int]]) -> list[list[float]]:
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    n = len(values)
    # One column per span, then rows: the same arithmetic as a row-by-row loop, in fewer steps.
    columns = []
    for before, after in spans:
        column = []
        for i, v in enumerate(values):
            lo, hi = max(0, i - before), min(n, i + after + 1)
            count = hi - lo - 1
            column.append((prefix[hi] - prefix[lo] - v) / count if count > 0 else 0.0)
        columns.append(column)
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in values]


_SHAPE_SPANS = ((1, 0), (0, 1), (2, 2), (5, 5))
_SCORE_SPANS = ((1, 0), (0, 1), (2, 2), (5, 5), (15, 15))


def stage1_features(lines: Sequence[str]) -> tuple[list[int], list[list[float]]]:
    """Indices of the non-blank lines and a stage-1 feature row for each of them."""
    stops = stopword_set()
    index = [i for i, line in enumerate(lines) if line.strip()]
    if not index:
        return [], []
    # The blank-line block each line sits in: its size and how much prose it holds.
    block_of: dict[int, int] = {}
    block = -1
    previous = -2
    for i in index:
        if i != previous + 1:
            block += 1
        block_of[i] = block
        previous = i
    shapes, owns = zip(*(_shape(lines[i], stops) for i in index), strict=True)
    block_lines: Counter[int] = Counter(block_of.values())
    block_terminal: Counter[int] = Counter()
    block_words: Counter[int] = Counter()
    for i, s in zip(index, shapes, strict=True):
        block_terminal[block_of[i]] += int(s.terminal)
        block_words[block_of[i]] += int(round(math.expm1(s.words)))
    counts = Counter(lines[i].strip() for i in index)
    n = len(index)
    words = [s.words for s in shapes]
    terminal = [s.terminal for s in shapes]
    stop = [s.stop for s in shapes]
    long_prose = [1.0 if s.terminal and s.words >= math.log1p(8) else 0.0 for s in shapes]
    ctx_words = _windows(words, _SHAPE_SPANS)
    ctx_terminal = _windows(terminal, _SHAPE_SPANS)
    ctx_stop = _windows(stop, _SHAPE_SPANS)
    ctx_prose = _windows(long_prose, ((10, 10), (30, 30)))
    doc_words = math.log1p(sum(math.expm1(w) for w in words))
    doc_terminal = sum(terminal) / n
    max_words = max(words)
    rows = []
    for k, i in enumerate(index):
        b = block_of[i]
        pos = k / max(n - 1, 1)
        rows.append(
            [
                *owns[k],
                1.0 if counts[lines[i].strip()] > 1 else 0.0,
                math.log1p(block_lines[b]),
                block_terminal[b] / block_lines[b],
                math.log1p(block_words[b]),
                pos,
                pos * pos,
                doc_words,
                doc_terminal,
                words[k] - max_words,
                *ctx_words[k],
                *ctx_terminal[k],
                *ctx_stop[k],
                *ctx_prose[k],
            ]
        )
    return index, rows


def stage2_features(scores: Sequence[float], words: Sequence[float]) -> list[list[float]]:
    """Stage-2 rows from the stage-1 probabilities of a page's lines (and their log word counts)."""
    n = len(scores)
    ctx = _windows(scores, _SCORE_SPANS)
    mass = [p * math.expm1(w) for p, w in zip(scores, words, strict=True)]
    total = sum(mass) or 1.0
    # How article-like the whole page is: listings and product pages have little confident prose,
    # and there the main content includes short lines that an article page would drop.
    page = [
        sum(scores) / n,
        sum(1 for p in scores if p >= 0.5) / n,
        max(scores),
        math.log1p(n),
        math.log1p(total),
    ]
    rows = []
    before = 0.0
    for k in range(n):
        after = total - before - mass[k]
        rows.append(
            [
                scores[k],
                _logit(scores[k]),
                *ctx[k],
                before / total,
                after / total,
                min(before, after) / total,
                words[k],
                scores[k] * words[k],
                *page,
            ]
        )
        before += mass[k]
    return rows


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


_Tree = tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...], tuple[int, ...], tuple[float, ...]]


def _tree_source(tree: _Tree, node: int = 0) -> str:
    """One tree as a nested conditional expression over the row ``r``."""
    feature, threshold, left, right, value = tree
    if feature[node] < 0:
        return repr(value[node])
    return (
        f"({_tree_source(tree, left[node])} if r[{feature[node]}] <= {threshold[node]!r} "
        f"else {_tree_source(tree, right[node])})"
    )


def _compile_forest(base: float, trees: Sequence[_Tree]) -> Callable[[Sequence[float]], float]:
    """The forest's log-odds as one Python function (generated from the trees' own numbers).

    Walking the node arrays in a loop cost a third of the stage's time on text pages; a nested
    conditional per tree does the same comparisons without the loop. ``repr`` of a float reads back
    as the same float and the sum runs left to right from ``base``, so the result is bit-identical.
    """
    terms = " + ".join([repr(base), *(_tree_source(t) for t in trees)])
    namespace: dict[str, Any] = {}
    exec(compile(f"def log_odds(r):\n    return {terms}\n", "<lineclass forest>", "exec"), namespace)  # noqa: S102
    return cast(Callable[[Sequence[float]], float], namespace["log_odds"])


@dataclass(frozen=True, slots=True)
class Forest:
    """Gradient-boosted regression trees giving the log-odds of "content" (pure-Python inference).

    Each tree is five parallel node arrays: feature (-1 at a leaf), threshold, left child, right child,
    leaf value; a row goes left when ``row[feature] <= threshold`` (scikit-learn's convention).
    """

    base: float
    trees: tuple[_Tree, ...]
    log_odds: Callable[[Sequence[float]], float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "log_odds", _compile_forest(self.base, self.trees))

    def prob(self, row: Sequence[float]) -> float:
        """Probability of the positive class for one feature row."""
        z = self.log_odds(row)
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

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
        first = [self.stage1.prob(r) for r in rows]
        words = [r[0] for r in rows]
        return index, [self.stage2.prob(r) for r in stage2_features(first, words)]


@cache
def load_model(path: str | None = None) -> LineModel:
    """The shipped line model (or one at ``path``)."""
    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    return LineModel(Forest.from_dict(data["stage1"]), Forest.from_dict(data["stage2"]), data["threshold"])
