"""Train the plain-text line classifier (``pipeline/clean/lineclass_model.json``) on the dev eval sets.

Labels come from matching each line of a page's text dump against its gold: a line is content when it
equals a gold line, or (with four words or more) occurs inside the gold text; for pages that have only
snippets (trafilatura-eval), a line holding a ``with`` snippet is content, one holding a ``without``
snippet is not, and other lines are left out of training (they still give context to their neighbours).

Evaluation is K-fold by page (``--folds``, default 5): a page's fold is SHA-256 of its id modulo K, so
the split is deterministic and never separates the lines of one page. For each fold a model is trained
on the other K-1 folds and predicts the held-out fold; the out-of-fold predictions of all pages are
then scored with the sets' own scorer (line-level cleaning only: the kept lines of the model, without
the phrase catalogue; with ``--pipeline`` also the whole stage chain, each held-out page cleaned by
``pipeline.clean_document`` with its fold's model). That is the estimate for unseen pages of these
sets. ``--by-set`` leaves one set out instead: each set is scored by a model trained on the others only,
the estimate for a set of another kind (lower: a set's pages share layouts and gold conventions that
K folds spread over training and test). cleaneval-dev is scored in both, never trained on (see
:data:`EVAL_ONLY`). The shipped model is then trained on ALL pages of the training sets (``--folds 0``
skips the evaluation and only does that), so the full pipeline's scores on them
(``benchmarks/quality.py``) are in-sample. Training needs numpy and
scikit-learn (``pip install -e '.[train]'``); the pipeline itself does not: it applies the exported
trees with numpy.

The trees' random seed moves the out-of-fold scores by several thousandths, so compare recipes over a
few seeds: ``--seed 0 1 2`` runs the evaluation once per seed, prints each seed's tables and then the
mean and the spread (largest minus smallest) per set; the shipped model is trained with the first seed.

    python benchmarks/train_lineclass.py [--eval ../shared/eval] [--folds 5 | --by-set] [--pipeline]
                                         [--seed 0 [1 2 ...]] [--out pipeline/clean/lineclass_model.json]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.clean.lineclass import (  # noqa: E402
    MODEL_PATH,
    Forest,
    LineModel,
    blocks_of,
    stage1_features,
    stage2_features,
)

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")
# Scored, never trained on: cleaneval-dev's gold keeps most of each page (keeping everything scores 0.887
# there), so as labels it would teach the model to keep menus; the model has never seen it, which makes
# it a check of how the model does on a set of another kind.
EVAL_ONLY = ("cleaneval-dev",)
_WS = re.compile(r"\s+")
# Trees per stage and their depth. Out-of-fold (5 folds) bow F1 zyte-aeb / wcxb-dev, snippet F1
# trafilatura-eval, with the page-context features: 75 trees of depth 4 0.895 / 0.795 / 0.884, 100 trees
# of depth 3 0.893 / 0.785 / 0.882, 100 trees of depth 4 0.890 / 0.783 / 0.881 (fits the dev pages more
# closely, generalises less); depth 4 lets a split on the page's kind meet the line's own shape.
# Trees beat a logistic regression on the same features before (held-out half, 100 trees of depth 3:
# 0.874 vs 0.860, 0.754 vs 0.735, snippets 0.883 vs 0.888).
N_TREES = 75
THRESHOLD = 0.5
DEPTH = 4
# Pages of full-gold sets teach every line; trafilatura-eval pages only label their snippet lines, and
# it has four times as many pages: weighting it down keeps the mixed page types of wcxb in view.
SET_WEIGHT = {"zyte-aeb": 1.0, "wcxb-dev": 2.0, "trafilatura-eval": 0.5}


def fold_of(page_id: str, folds: int) -> int:
    """The page's fold: the first eight bytes of SHA-256(id) as a number, modulo ``folds``."""
    return int.from_bytes(hashlib.sha256(page_id.encode("utf-8")).digest()[:8], "big") % folds


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def label_lines(lines: list[str], index: list[int], gold: dict) -> list[float | None]:
    """1 content, 0 furniture, None unknown, for each non-blank line."""
    labels: list[float | None] = []
    if gold.get("text") is not None:
        full = _norm(gold["text"])
        gold_lines = {_norm(g) for g in gold["text"].split("\n") if g.strip()}
        for i in index:
            line = _norm(lines[i])
            hit = line in gold_lines or (len(line.split()) >= 4 and line in full)
            labels.append(1.0 if hit else 0.0)
        return labels
    withs = [_norm(s) for s in gold.get("with") or []]
    withouts = [_norm(s) for s in gold.get("without") or []]
    for i in index:
        line = _norm(lines[i])
        long_enough = len(line.split()) >= 4

        def inside(snippets: list[str], line: str = line, long_enough: bool = long_enough) -> bool:
            return any(s and (s in line or (long_enough and line in s)) for s in snippets)

        if inside(withs):
            labels.append(1.0)
        elif inside(withouts):
            labels.append(0.0)
        else:
            labels.append(None)
    return labels


def load_pages(eval_dir: Path, names: tuple[str, ...] = SETS) -> list[dict]:
    """Every page of the sets ``names`` (those present) with its lines, stage-1 features and labels."""
    pages = []
    for name in names:
        if not (eval_dir / name / "gold.jsonl").is_file():
            continue
        for row in (eval_dir / name / "gold.jsonl").read_text(encoding="utf-8").splitlines():
            gold = json.loads(row)
            path = eval_dir / name / "textdump" / f"{gold['id']}.txt"
            if not path.is_file():
                continue
            lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
            index, rows = stage1_features(lines)
            if not index:
                continue
            labels = label_lines(lines, index, gold)
            words = [max(1.0, math.expm1(r[0])) for r in rows]
            pages.append(
                {
                    "set": name,
                    "gold": gold,
                    "lines": [lines[i] for i in index],
                    "blocks": blocks_of(index),
                    "X1": np.array(rows),
                    "y": labels,
                    "words": np.array(words),
                }
            )
    return pages


def trainable(pages: list[dict]) -> list[dict]:
    """The pages of ``pages`` a model may learn from: those of :data:`SETS`, not :data:`EVAL_ONLY`."""
    return [p for p in pages if p["set"] in SETS]


def fit_forest(X: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int = 0) -> dict:
    """Gradient-boosted trees (scikit-learn), exported as node arrays for pipeline.clean.lineclass.Forest.

    ``seed`` is the random state of the row subsampling.
    """
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(
        n_estimators=N_TREES, max_depth=DEPTH, learning_rate=0.1, subsample=0.5, random_state=seed
    )
    model.fit(X, y, sample_weight=w)
    trees = []
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        trees.append(
            {
                "feature": [
                    int(f) if left >= 0 else -1
                    for f, left in zip(tree.feature, tree.children_left, strict=True)
                ],
                "threshold": [round(float(t), 6) for t in tree.threshold],
                "left": [int(c) for c in tree.children_left],
                "right": [int(c) for c in tree.children_right],
                "value": [round(float(v[0][0]) * model.learning_rate, 6) for v in tree.value],
            }
        )
    base = float(model.decision_function(X[:1])[0]) - sum(t["value"][_leaf(t, X[0])] for t in trees)
    return {"base": round(base, 6), "trees": trees}


def _leaf(tree: dict, row: np.ndarray) -> int:
    node = 0
    while tree["feature"][node] >= 0:
        go_left = row[tree["feature"][node]] <= tree["threshold"][node]
        node = tree["left"][node] if go_left else tree["right"][node]
    return node


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    """Probabilities of an exported model (same arithmetic as pipeline.clean.lineclass.Forest)."""
    forest = Forest.from_dict(model)
    return np.array(forest.probs(np.asarray(X, dtype=np.float64)))


def _training_rows(pages: list[dict], key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, w = [], [], []
    for page in pages:
        mask = np.array([label is not None for label in page["y"]])
        if not mask.any():
            continue
        # Each page weighs the same in total (the scorer averages over pages); within a page a line
        # weighs by its words (the scorer counts tokens).
        weights = page["words"][mask] / page["words"][mask].sum() * 100 * SET_WEIGHT[page["set"]]
        X.append(page[key][mask])
        y.append(np.array([label for label in page["y"] if label is not None]))
        w.append(weights)
    return np.vstack(X), np.concatenate(y), np.concatenate(w)


def _stage2(pages: list[dict], key: str) -> None:
    for page in pages:
        page["X2"] = np.array(stage2_features(list(page[key]), list(page["X1"][:, 0]), page["blocks"]))


def train(pages: list[dict], seed: int = 0) -> dict:
    """Stage 1 cross-fitted in two folds to give stage 2 honest inputs, then both on all pages."""
    folds = [[p for k, p in enumerate(pages) if k % 2 == f] for f in (0, 1)]
    for f in (0, 1):
        model = fit_forest(*_training_rows(folds[1 - f], "X1"), seed=seed)
        for page in folds[f]:
            page["p1"] = predict(model, page["X1"])
    _stage2(pages, "p1")
    stage1 = fit_forest(*_training_rows(pages, "X1"), seed=seed)
    stage2 = fit_forest(*_training_rows(pages, "X2"), seed=seed)
    return {"stage1": stage1, "stage2": stage2}


def apply(model: dict, pages: list[dict]) -> None:
    """Stage-2 probabilities of the model on each page (in ``page["p"]``)."""
    for page in pages:
        page["p1_final"] = predict(model["stage1"], page["X1"])
    _stage2(pages, "p1_final")
    for page in pages:
        page["p"] = predict(model["stage2"], page["X2"])


def _scorer(eval_dir: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("score", eval_dir / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(  # type: ignore[no-untyped-def]
    pages: list[dict], threshold: float, scorer, cleaned: bool = False
) -> dict[str, dict]:
    """Per set: bow P/R/F1 (means over pages) and snippet F1 of the lines with ``page["p"] >= threshold``.

    With ``cleaned``, of ``page["cleaned"]`` (the whole stage chain's text) instead.
    """
    out: dict[str, dict] = {}
    for name in dict.fromkeys(p["set"] for p in pages):
        subset = [p for p in pages if p["set"] == name]
        preds = {
            p["gold"]["id"]: p["cleaned"]
            if cleaned
            else "\n\n".join(line for line, prob in zip(p["lines"], p["p"], strict=True) if prob >= threshold)
            for p in subset
        }
        summary, _ = scorer.score_predictions([p["gold"] for p in subset], preds.get)
        bow, snip = summary.get("bow"), summary.get("snip")
        out[name] = {
            "pages": len(subset),
            "bow_p": bow["precision"] if bow else None,
            "bow_r": bow["recall"] if bow else None,
            "bow_f1": bow["f1"] if bow else None,
            "snippet_f1": snip["f1"] if snip else None,
        }
    return out


def format_scores(scores: dict[str, dict]) -> str:
    """The scores as a Markdown table."""
    rows = ["| set | pages | bow P | bow R | bow F1 | snippet F1 |", "|---|---|---|---|---|---|"]
    for name, s in scores.items():
        cells = [s[k] for k in ("bow_p", "bow_r", "bow_f1", "snippet_f1")]
        shown = " | ".join("-" if c is None else f"{c:.3f}" for c in cells)
        rows.append(f"| {name} | {s['pages']} | {shown} |")
    return "\n".join(rows)


def format_seed_summary(runs: list[dict[str, dict]]) -> str:
    """Mean and spread (largest minus smallest) over seeds of each set's scores, as a Markdown table."""
    keys = ("bow_p", "bow_r", "bow_f1", "snippet_f1")
    rows = [
        "| set | pages | bow P | bow R | bow F1 | snippet F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, first in runs[0].items():
        cells = []
        for key in keys:
            values = [run[name][key] for run in runs]
            if any(v is None for v in values):
                cells.append("-")
                continue
            spread = max(values) - min(values)
            cells.append(f"{sum(values) / len(values):.3f} ± {spread:.3f}")
        rows.append(f"| {name} | {first['pages']} | {' | '.join(cells)} |")
    return "\n".join(rows)


def out_of_fold(
    pages: list[dict], folds: int, eval_dir: Path | None = None, seed: int = 0, by_set: bool = False
) -> None:
    """Each page's stage-2 probabilities (``page["p"]``) from a model trained on the other folds only.

    The folds are ``folds`` slices of every set by SHA-256(id), or with ``by_set`` the sets themselves
    (leave one set out: each set scored by a model trained on the others). Pages of the
    :data:`EVAL_ONLY` sets are scored, never trained on. With ``eval_dir``, each held-out page's text
    dump is also run through the whole stage chain (``pipeline.clean_document``: catalogue, title, then
    the fold's model) into ``page["cleaned"]``.
    """
    if by_set:
        names = list(dict.fromkeys(p["set"] for p in pages))
        fold = {id(p): names.index(p["set"]) for p in pages}
        folds = len(names)
    else:
        fold = {id(p): fold_of(p["gold"]["id"], folds) for p in pages}
    for f in range(folds):
        held_out = [p for p in pages if fold[id(p)] == f]
        model = train(trainable([p for p in pages if fold[id(p)] != f]), seed)
        apply(model, held_out)
        if eval_dir is not None:
            _clean_with(model, held_out, eval_dir)
        print(f"fold {f + 1}/{folds}: {len(held_out)} pages held out", file=sys.stderr, flush=True)


def _clean_with(model: dict, pages: list[dict], eval_dir: Path) -> None:
    import pipeline.clean.strip_boilerplate
    from pipeline import clean_document

    line_model = LineModel(Forest.from_dict(model["stage1"]), Forest.from_dict(model["stage2"]), THRESHOLD)
    # The stage looks its model up through this name; for these pages it gets the fold's model.
    shipped = pipeline.clean.strip_boilerplate.load_model
    pipeline.clean.strip_boilerplate.load_model = lambda: line_model  # type: ignore[assignment]
    try:
        for page in pages:
            path = eval_dir / page["set"] / "textdump" / f"{page['gold']['id']}.txt"
            doc = clean_document(path.read_bytes(), doc_id=page["gold"]["id"], format="text")
            page["cleaned"] = "" if doc.rejected else doc.text
    finally:
        pipeline.clean.strip_boilerplate.load_model = shipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--folds", type=int, default=5, help="K of the out-of-fold evaluation; 0 trains the model only"
    )
    parser.add_argument(
        "--by-set",
        action="store_true",
        help="leave one set out instead of K folds: each set scored by a model trained on the others",
    )
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="also score the whole stage chain out-of-fold (held-out pages cleaned with their fold's model)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[0],
        help="random state of the trees' row subsampling (the shipped model uses 0); the out-of-fold "
        "scores move by several thousandths with it, so compare recipes over a few seeds: with several, "
        "the evaluation runs once per seed and ends with the mean and spread per set; the shipped "
        "model is trained with the first",
    )
    args = parser.parse_args(argv)
    if args.folds == 1 or args.folds < 0:
        parser.error("--folds is 0 (no evaluation) or at least 2")
    scorer = _scorer(args.eval)
    pages = load_pages(args.eval, SETS + EVAL_ONLY)
    # The probability midpoint, not tuned: tuning on the training part picked 0.55 (its stage-2 scores
    # are in-sample and over-confident) while the held-out part did better lower (wcxb-dev bow F1 0.737
    # at 0.55, 0.754 at 0.45); 0.5 keeps precision and recall balanced. Left out by set, whole chain,
    # mean of seeds 0 and 1, change against 0.5 at 0.4 / 0.45 / 0.55 / 0.6: zyte-aeb -0.023 / -0.010 /
    # +0.003 / +0.007, wcxb-dev +0.007 / +0.003 / -0.003 / -0.007, trafilatura-eval -0.002 / +0.001 /
    # -0.004 / -0.009, cleaneval-dev +0.009 / +0.005 / -0.003 / -0.013: the sets pull apart; with one set
    # left out the other three pick 0.5, but for zyte-aeb's rotation, which picks 0.35 and loses 0.037.
    threshold = THRESHOLD
    alone: list[dict[str, dict]] = []
    chain: list[dict[str, dict]] = []
    split = "one set left out" if args.by_set else f"{args.folds} folds by SHA-256(id)"
    for seed in args.seed if args.folds else []:
        out_of_fold(pages, args.folds, args.eval if args.pipeline else None, seed, args.by_set)
        print(f"Out-of-fold, {split} (the estimate for unseen pages), seed {seed}, model alone:")
        alone.append(evaluate(pages, threshold, scorer))
        print(format_scores(alone[-1]))
        if args.pipeline:
            print(f"Out-of-fold, the whole stage chain (pipeline.clean_document), seed {seed}:")
            chain.append(evaluate(pages, threshold, scorer, cleaned=True))
            print(format_scores(chain[-1]))
    if len(alone) > 1:
        seeds = ", ".join(map(str, args.seed))
        print(f"Out-of-fold over seeds {seeds}, mean ± spread (largest minus smallest), model alone:")
        print(format_seed_summary(alone))
        if chain:
            print(f"Out-of-fold over seeds {seeds}, mean ± spread, the whole stage chain:")
            print(format_seed_summary(chain))
    model = train(trainable(pages), args.seed[0])
    apply(model, pages)
    unseen = ", ".join(EVAL_ONLY)
    print(f"In-sample (the shipped model on the pages it was trained on; {unseen} never trained on):")
    print(format_scores(evaluate(pages, threshold, scorer)))
    model["threshold"] = threshold
    model["trained_on"] = "all pages of the dev eval sets " + ", ".join(SETS)
    # Compact: the file ships in the package (75 trees of depth 4 per stage, about 0.15 MB).
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
