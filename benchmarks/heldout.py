"""Leave-one-set-out evaluation of the HTML path's tuned settings: the second opinion's thresholds and
the loose-text recall run's.

The settings of ``pipeline/clean/second_opinion.py`` (``[extract] second_opinion_doubt``,
``_containment``, ``_ratio``, ``_fragment_words``) decide, page by page, between our extraction and
readability-lxml's text; ``loose_text_recall_doubt`` decides whether a page whose text is
trafilatura's gathering of loose paragraphs is extracted again with favor_recall (kept where the second
opinion's test accepts it, before readability is asked). Every dev page is extracted once with both
off; the decisions' inputs (the text kept, the page lines left out) are kept, and wherever some setting
of ``GRID`` could ask for them, the recall run's text and readability-lxml's text are made once too.
Each candidate goes through the later per-document stages (encoding repair, boilerplate, segmentation)
and is scored per page with the eval sets' scorer. A setting's score on a set is then computed without
running anything again: each page takes the candidate that the pipeline's own functions pick under that
setting (bow F1 averaged over pages; snippet F1 from the summed snippet counts).

For each dev set S, the setting with the best mean gain over the other sets (against both off; ties go
to the setting that makes fewer extra runs, then to the first in ``GRID``, whose numbers rise) is the
one "tuned without S"; its score on S is S's held-out score. The shipped setting is the one tuned on all
sets; its score on S is the in-sample score. Corpus-level steps (learned boilerplate, duplicates) are
left out here, so these scores differ slightly from a full run; ``benchmarks/quality.py --held-out``
runs the pipeline itself with each rotation's setting.

    python benchmarks/heldout.py [--eval ../shared/eval] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.references import scorer  # noqa: E402
from pipeline.clean.chain import stage_functions  # noqa: E402
from pipeline.clean.extract_text import (  # noqa: E402
    RULE_NOT_MAIN,
    extract_text,
    page_lines,
    parse_page,
)
from pipeline.clean.read_documents import decode_item  # noqa: E402
from pipeline.clean.readers import RawItem  # noqa: E402
from pipeline.clean.second_opinion import accepts, article_texts, doubtful, readability_text  # noqa: E402
from pipeline.config import Config, ExtractConfig  # noqa: E402
from pipeline.document import Source  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
DEV_SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval", "cleaneval-dev")
SHIPPED = ExtractConfig()
OFF = dataclasses.replace(SHIPPED, second_opinion_doubt=0.0, loose_text_recall_doubt=0.0)
# The settings swept. A second-opinion doubt below 1.5 asks readability on about a fifth of the dev
# pages, which the speed budget (1.3x trafilatura alone) does not allow; a recall doubt of 0.1 makes the
# recall run on about 9% of them.
_SECOND_OPINIONS: tuple[dict[str, Any], ...] = (
    {"second_opinion_doubt": 0.0},
    *(
        {"second_opinion_doubt": doubt, "second_opinion_containment": share, "second_opinion_ratio": ratio}
        for doubt in (1.5, 2.0, 3.0)
        for share in (0.8, 0.9)
        for ratio in (1.5, 2.0, 3.0)
    ),
)
_RECALL_DOUBTS = (0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 1.0)
_FRAGMENT_WORDS = (0, 30, 50, 100, 200)
GRID: tuple[ExtractConfig, ...] = tuple(
    dataclasses.replace(
        OFF, loose_text_recall_doubt=recall, second_opinion_fragment_words=fragment, **opinion
    )
    for fragment in _FRAGMENT_WORDS
    for recall in _RECALL_DOUBTS
    for opinion in _SECOND_OPINIONS
)
_LEAST_DOUBT = min(cfg.second_opinion_doubt for cfg in GRID if cfg.second_opinion_doubt > 0)
_LEAST_RECALL_DOUBT = min(cfg.loose_text_recall_doubt for cfg in GRID if cfg.loose_text_recall_doubt > 0)
# The recall run at its least doubt, its text always accepted: the text it would give, when it runs.
_FORCED_RECALL = dataclasses.replace(
    OFF,
    loose_text_recall_doubt=_LEAST_RECALL_DOUBT,
    second_opinion_containment=0.0,
    second_opinion_ratio=1.0,
)


@dataclass
class Page:
    """One dev page: what the decision reads, and each candidate's score."""

    set_name: str
    id: str
    kept: str
    left_out: tuple[str, ...]
    other: str | None  # readability-lxml's text, where some setting could ask for it
    # the texts of the page's <article> and <main> elements, where other or recalled is
    articles: tuple[str, ...]
    ours_score: Any  # bow F1 (float) or snippet counts (tp, fp, fn, tn); None: no gold tokens
    other_score: Any
    recalled: str | None = None  # the recall run's text, where some setting could make the run
    recalled_left_out: tuple[str, ...] = ()
    recalled_score: Any = None


def setting_label(cfg: ExtractConfig) -> str:
    """A setting as its config lines would give it."""
    recall = "recall off"
    if cfg.loose_text_recall_doubt > 0:
        recall = f"recall doubt {cfg.loose_text_recall_doubt:g}"
    if cfg.second_opinion_doubt <= 0:
        return f"second opinion off, {recall}"
    return (
        f"doubt {cfg.second_opinion_doubt:g}, containment {cfg.second_opinion_containment:g}, "
        f"ratio {cfg.second_opinion_ratio:g}, fragment {cfg.second_opinion_fragment_words}, {recall}"
    )


def setting_toml(cfg: ExtractConfig) -> str:
    """The ``[extract]`` lines of a setting, for a pipeline run's config file."""
    return (
        f"second_opinion_doubt = {cfg.second_opinion_doubt}\n"
        f"second_opinion_containment = {cfg.second_opinion_containment}\n"
        f"second_opinion_ratio = {cfg.second_opinion_ratio}\n"
        f"second_opinion_fragment_words = {cfg.second_opinion_fragment_words}\n"
        f"loose_text_recall_doubt = {cfg.loose_text_recall_doubt}\n"
    )


@cache
def _later_stages() -> tuple[Any, Any, Any]:
    functions = stage_functions(Config(extract=OFF))
    return functions["repair_encoding"], functions["strip_boilerplate"], functions["segment_paragraphs"]


def _final_text(doc: Any) -> str:
    repair, strip, segment = _later_stages()
    doc = segment(strip(repair(doc)))
    return "" if doc.rejected else str(doc.text)


def _page_score(eval_dir: Path, gold: dict, text: str) -> Any:
    score = scorer(eval_dir)
    if gold.get("text") is not None:
        result = score.bow_page(gold["text"], text, score.tok_ws)
        return None if result is None else result[2]
    return score.snippet_page(gold, text)


def _init() -> None:
    logging.disable(logging.CRITICAL)


def candidates(job: tuple[str, str, dict]) -> Page:
    """One page through extraction (both off) and, where some setting may make them, the recall run and
    readability."""
    eval_dir, name, gold = Path(job[0]), job[1], job[2]
    path = eval_dir / name / "html" / f"{gold['id']}.html.gz"
    item = RawItem(
        gold["id"], Source(path=path.name, format="html"), gzip.decompress(path.read_bytes()), "html"
    )
    doc = decode_item(item)
    html = doc.html or ""
    extracted = extract_text(doc, OFF)
    if extracted.rejected:
        score = _page_score(eval_dir, gold, "")
        return Page(name, gold["id"], "", (), None, (), score, score)
    kept = extracted.text
    left_out = _left_out(extracted)
    ours = _final_text(extracted)
    recalled: str | None = None
    recalled_left_out: tuple[str, ...] = ()
    recalled_score: Any = None
    forced = extract_text(doc, _FORCED_RECALL)
    if not forced.rejected and forced.text != kept:
        recalled, recalled_left_out = forced.text, _left_out(forced)
        recalled_score = _page_score(eval_dir, gold, _final_text(forced))
    other: str | None = None
    articles: tuple[str, ...] = ()
    if doubtful(kept, left_out, _LEAST_DOUBT) or (
        recalled is not None and doubtful(recalled, recalled_left_out, _LEAST_DOUBT)
    ):
        try:
            other = readability_text(html, page_lines)
        except Exception:  # noqa: BLE001 - as in the pipeline: no second opinion on this page
            other = None
    if other is not None or recalled is not None:
        articles = tuple(article_texts(parse_page(html), page_lines))
    other_final = _final_text(dataclasses.replace(extracted, text=other)) if other else ours
    ours_score, other_score = _page_score(eval_dir, gold, ours), _page_score(eval_dir, gold, other_final)
    return Page(
        name,
        gold["id"],
        kept,
        left_out,
        other,
        articles,
        ours_score,
        other_score,
        recalled,
        recalled_left_out,
        recalled_score,
    )


def _left_out(extracted: Any) -> tuple[str, ...]:
    return tuple(r.text for r in extracted.removed if r.rule == RULE_NOT_MAIN)


def collect(eval_dir: Path, workers: int, sets: Sequence[str] = DEV_SETS) -> list[Page]:
    """Every page of ``sets`` with its candidates scored."""
    score = scorer(eval_dir)
    jobs = [(str(eval_dir), name, gold) for name in sets for gold in score.load_gold(eval_dir / name)]
    with Pool(workers, initializer=_init) as pool:
        return list(pool.imap(candidates, jobs, chunksize=4))


# The pipeline's own tests, remembered: the grid asks them of the same page hundreds of times.
@cache
def _doubtful(kept: str, left_out: tuple[str, ...], doubt: float) -> bool:
    return doubtful(kept, left_out, doubt)


@cache
def _accepts(kept: str, other: str, articles: tuple[str, ...], cfg: ExtractConfig) -> bool:
    return accepts(kept, other, articles, cfg)


def takes_recall(page: Page, cfg: ExtractConfig) -> bool:
    """Whether the pipeline under ``cfg`` keeps the recall run's text on this page."""
    return (
        page.recalled is not None
        and _doubtful(page.kept, page.left_out, cfg.loose_text_recall_doubt)
        and _accepts(page.kept, page.recalled, page.articles, cfg)
    )


def _judged(page: Page, cfg: ExtractConfig) -> tuple[str, tuple[str, ...], bool]:
    """The text the second opinion judges under ``cfg`` (the recall run's if kept), its lines left out,
    and whether it is the recall run's."""
    if takes_recall(page, cfg):
        return page.recalled or "", page.recalled_left_out, True
    return page.kept, page.left_out, False


def choice(page: Page, cfg: ExtractConfig) -> tuple[bool, bool]:
    """(recall run's text kept, readability's text kept) on this page under ``cfg``."""
    kept, left_out, recall = _judged(page, cfg)
    other = (
        page.other is not None
        and _doubtful(kept, left_out, cfg.second_opinion_doubt)
        and _accepts(kept, page.other, page.articles, cfg)
    )
    return recall, other


def _chosen_score(page: Page, cfg: ExtractConfig) -> Any:
    recall, other = choice(page, cfg)
    if other:
        return page.other_score
    return page.recalled_score if recall else page.ours_score


def set_score(pages: Iterable[Page], cfg: ExtractConfig) -> float:
    """A set's score under ``cfg``: mean bow F1 over pages, or snippet F1 from the summed counts."""
    scores = [_chosen_score(p, cfg) for p in pages]
    scores = [s for s in scores if s is not None]
    if scores and isinstance(scores[0], tuple):
        tp, fp, fn = (sum(s[i] for s in scores) for i in range(3))
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return sum(scores) / len(scores) if scores else 0.0


def asked(pages: Iterable[Page], cfg: ExtractConfig) -> int:
    """How many extra runs ``cfg`` makes: recall runs and readability asked."""
    runs = 0
    for p in pages:
        if not p.kept:
            continue
        runs += p.recalled is not None and _doubtful(p.kept, p.left_out, cfg.loose_text_recall_doubt)
        kept, left_out, _ = _judged(p, cfg)
        runs += _doubtful(kept, left_out, cfg.second_opinion_doubt)
    return runs


def tune(by_set: dict[str, list[Page]], sets: Sequence[str]) -> ExtractConfig:
    """The grid setting with the best mean gain over ``sets`` (ties: fewest pages asked, then grid order)."""

    def gain(cfg: ExtractConfig) -> float:
        return sum(set_score(by_set[s], cfg) - set_score(by_set[s], OFF) for s in sets) / len(sets)

    def runs(cfg: ExtractConfig) -> int:
        return sum(asked(by_set[s], cfg) for s in sets)

    best = max(GRID, key=lambda cfg: (round(gain(cfg), 6), -runs(cfg), -GRID.index(cfg)))
    return best


def rotations(pages: list[Page]) -> dict[str, Any]:
    """For each dev set: the setting tuned without it, and the scores in-sample and held out."""
    by_set: dict[str, list[Page]] = {}
    for page in pages:
        by_set.setdefault(page.set_name, []).append(page)
    names = [s for s in DEV_SETS if s in by_set]
    tuned_on_all = tune(by_set, names)
    table: dict[str, Any] = {"tuned_on_all": setting_label(tuned_on_all), "sets": {}}
    for name in names:
        held = tune(by_set, [s for s in names if s != name])
        table["sets"][name] = {
            "off": set_score(by_set[name], OFF),
            "in_sample": set_score(by_set[name], SHIPPED),
            "held_out": set_score(by_set[name], held),
            "held_out_setting": setting_label(held),
            "held_out_config": setting_toml(held) if held != SHIPPED else None,
            "asked": asked(by_set[name], SHIPPED),
            "recalled": sum(1 for p in by_set[name] if choice(p, SHIPPED)[0]),
            "taken": sum(1 for p in by_set[name] if choice(p, SHIPPED)[1]),
            "pages": len(by_set[name]),
        }
    table["shipped"] = setting_label(SHIPPED)
    return table


def format_rotations(table: dict[str, Any]) -> str:
    """The rotations as a Markdown table."""
    lines = [
        f"Shipped: {table['shipped']}; tuned on all four sets: {table['tuned_on_all']}.",
        "",
        "| set | both off | in-sample | held-out | tuned without this set | extra runs / recall kept / "
        "readability kept / pages |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in table["sets"].items():
        lines.append(
            f"| {name} | {row['off']:.4f} | {row['in_sample']:.4f} | {row['held_out']:.4f} | "
            f"{row['held_out_setting']} | {row['asked']} / {row['recalled']} / {row['taken']} / "
            f"{row['pages']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of eval sets and score.py")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval} (they live beside the checkout in shared/eval)")
        return 0
    table = rotations(collect(args.eval, args.workers))
    print(format_rotations(table))
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
