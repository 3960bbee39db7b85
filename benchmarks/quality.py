"""Quality benchmark: the real pipeline (its CLI) over the eval sets, scored by the sets' own scorer.

For each set and input kind (``text`` = ``textdump/*.txt``, ``html`` = ``html/*.html.gz``) it runs
``python -m pipeline run`` on the pages, writes one ``<id>.txt`` per page from the records' ``text``
(a rejected page is an empty prediction) and runs ``score.py`` with ``--per-page``. The same pages go
through the two reference extractors of ``benchmarks/references.py`` (trafilatura with comments off,
readability-lxml; outputs cached), scored the same way. It prints one Markdown table: set, input, bow
P/R/F1, zyte F1, snippet F1, the references' scores, the count of catastrophic pages, pages/s; then the
catastrophic pages themselves.

A page is catastrophic when its score is more than ``CATASTROPHIC_GAP`` below both references' scores
on the same page: a page lost outright (a menu instead of the article), which averages hide. A page's
score is its bow F1, or on a set with snippets only (trafilatura-eval) its snippet F1
(2 TP / (2 TP + FP + FN) over the page's own snippets).

    python benchmarks/quality.py [--eval ../shared/eval] [--sets zyte-aeb wcxb-dev] [--input text html]
                                 [--workers 2] [--limit 50] [--keep DIR] [--per-page] [--no-references]
                                 [--held-out]

``--sets`` may name any set laid out as the dev sets are, e.g. Mozilla Readability's, newspaper's or
Fundus's test pages (``benchmarks/public_pages.py``), public sets no setting here was tuned on.

With ``--held-out``, every HTML set is also run with the settings tuned on the other dev sets
(``benchmarks/heldout.py``: the leave-one-set-out sweep of the tuned settings) and a second table
prints its in-sample and held-out scores and catastrophic counts. A rotation whose tuned setting is the
shipped one needs no second run: its held-out score is its in-sample score. Text rows have no held-out
column here: the plain-text path's tuned part is the line model, whose out-of-fold score
``benchmarks/train_lineclass.py`` prints.

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import heldout  # noqa: E402
from benchmarks.common import PIPELINE_ENV, pipeline_command  # noqa: E402
from benchmarks.heldout import format_rotations  # noqa: E402
from benchmarks.references import REFERENCES, missing_libraries, reference_texts  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_CACHE = ROOT / ".cache" / "quality-references"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval", "cleaneval-dev")
# A page scoring more than this below both references on the same page is lost outright, not merely
# worse: a menu instead of the article, which averages hide (docs/benchmarks.md, "Catastrophic page").
CATASTROPHIC_GAP = 0.3
INPUTS = {"text": ("textdump", ".txt"), "html": ("html", ".html.gz")}
# Small shards so that --workers processes have work to share on a few hundred pages.
BENCH_CONFIG = "[input]\nshard_files = 32\n"


def _stage_raw(source: Path, suffix: str, raw: Path, limit: int | None) -> int:
    """Link the set's pages into ``raw`` (all, or the first ``limit`` by name); return how many."""
    raw.mkdir(parents=True)
    pages = sorted(p for p in source.iterdir() if p.name.endswith(suffix))
    if limit:
        pages = pages[:limit]
    for page in pages:
        (raw / page.name).symlink_to(page)
    return len(pages)


def _write_predictions(out: Path, pred: Path) -> None:
    pred.mkdir(parents=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for part in manifest["parts"]:
        with open(out / part, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                (pred / f"{record['id']}.txt").write_text(record["text"], encoding="utf-8")


def _gold_dir(set_dir: Path, ids: set[str], work: Path, limit: int | None) -> Path:
    """The set's folder, or with ``limit`` a folder whose gold has only the pages that were run."""
    if not limit:
        return set_dir
    gold = set_dir / "gold.jsonl"
    rows = [line for line in gold.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in ids]
    scored_set = work / "subset"
    scored_set.mkdir(parents=True, exist_ok=True)
    (scored_set / "gold.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return scored_set


def page_score(row: dict[str, str]) -> float | None:
    """A page's score from its ``score.py --per-page`` row: bow F1, else snippet F1, else None."""
    if row.get("bow_f1"):
        return float(row["bow_f1"])
    if row.get("snip_tp"):
        tp, fp, fn = (int(row[key]) for key in ("snip_tp", "snip_fp", "snip_fn"))
        return 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None
    return None


def score_predictions(eval_dir: Path, gold_dir: Path, pred: Path, work: Path) -> tuple[dict, dict]:
    """``score.py`` over a folder of predictions: its summary and each page's score (``page_score``)."""
    summary_path, pages_path = work / "summary.json", work / "pages.tsv"
    command = [sys.executable, str(eval_dir / "score.py"), "score", str(gold_dir), str(pred)]
    command += ["--json", str(summary_path), "--per-page", str(pages_path)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    with open(pages_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    scores = {row["id"]: page_score(row) for row in rows}
    return summary, {pid: score for pid, score in scores.items() if score is not None}


def set_score(summary: dict) -> float | None:
    """A set's headline score: bow F1, or snippet F1 on a set with snippets only."""
    for key in ("bow", "snip"):
        if summary.get(key):
            return float(summary[key]["f1"])
    return None


def catastrophic_pages(
    ours: dict[str, float], references: dict[str, dict[str, float]], gap: float = CATASTROPHIC_GAP
) -> list[str]:
    """The pages whose score is more than ``gap`` below every reference's score on the same page."""
    return sorted(
        pid
        for pid, score in ours.items()
        if references and all(pid in ref and score < ref[pid] - gap for ref in references.values())
    )


def _write_texts(texts: dict[str, str], pred: Path) -> None:
    pred.mkdir(parents=True)
    for pid, text in texts.items():
        (pred / f"{pid}.txt").write_text(text, encoding="utf-8")


def score_references(
    eval_dir: Path, name: str, ids: list[str], work: Path, cache_dir: Path, workers: int
) -> dict[str, tuple[float | None, dict[str, float]]]:
    """Each reference's set score and page scores on the pages ``ids`` of set ``name``."""
    gold_dir = _gold_dir(eval_dir / name, set(ids), work, limit=len(ids))
    scored = {}
    for reference in REFERENCES:
        texts = reference_texts(reference, eval_dir, name, ids, cache_dir, workers)
        pred = work / reference
        _write_texts(texts, pred)
        summary, pages = score_predictions(eval_dir, gold_dir, pred, work)
        scored[reference] = (set_score(summary), pages)
    return scored


def run_one(
    eval_dir: Path,
    name: str,
    kind: str,
    work: Path,
    workers: int,
    limit: int | None,
    per_page: bool,
    extract_settings: str | None = None,
) -> tuple[dict, dict[str, float]]:
    """Run the pipeline on one set and input kind, score it: the row of the table and the page scores.

    ``extract_settings``: ``[extract]`` lines for the run's config file (a held-out rotation's setting).
    """
    folder, suffix = INPUTS[kind]
    set_dir = eval_dir / name
    raw, out, pred = work / "raw", work / "out", work / "pred"
    pages = _stage_raw(set_dir / folder, suffix, raw, limit)
    config = work / "bench.toml"
    extra = f"[extract]\n{extract_settings}" if extract_settings else ""
    config.write_text(BENCH_CONFIG + extra, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(pipeline_command(raw, out, workers, config), check=True, cwd=ROOT, env=PIPELINE_ENV)
    seconds = time.perf_counter() - started
    _write_predictions(out, pred)
    ids = {p.name[: -len(suffix)] for p in raw.iterdir()}
    summary, page_scores = score_predictions(eval_dir, _gold_dir(set_dir, ids, work, limit), pred, work)
    if per_page:
        (ROOT / f"quality-{name}-{kind}.tsv").write_bytes((work / "pages.tsv").read_bytes())
    bow, zyte, snip = summary.get("bow"), summary.get("zyte"), summary.get("snip")
    row = {
        "set": name,
        "input": kind,
        "pages": pages,
        "bow_p": bow["precision"] if bow else None,
        "bow_r": bow["recall"] if bow else None,
        "bow_f1": bow["f1"] if bow else None,
        "zyte_f1": zyte["f1"] if zyte else None,
        "snippet_f1": snip["f1"] if snip else None,
        "pages_per_s": pages / seconds,
    }
    return row, page_scores


def add_references(
    row: dict, ours: dict[str, float], references: dict[str, tuple[float | None, dict[str, float]]]
) -> dict:
    """The row with each reference's set score, and the catastrophic pages with their three scores."""
    row = {**row, **{reference: score for reference, (score, _) in references.items()}}
    pages = {reference: scores for reference, (_, scores) in references.items()}
    lost = catastrophic_pages(ours, pages)
    row["catastrophic"] = [
        {"id": pid, "ours": ours[pid], **{reference: pages[reference][pid] for reference in pages}}
        for pid in lost
    ]
    return row


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| set | input | pages | bow P | bow R | bow F1 | zyte F1 | snippet F1 | "
        + " | ".join(REFERENCES)
        + " | catastrophic | pages/s |",
        "|---|---|---|---|---|---|---|---|" + "---|" * len(REFERENCES) + "---|---|",
    ]
    for r in rows:
        lost = r.get("catastrophic")
        lines.append(
            f"| {r['set']} | {r['input']} | {r['pages']} | {_fmt(r['bow_p'])} | {_fmt(r['bow_r'])} | "
            f"{_fmt(r['bow_f1'])} | {_fmt(r['zyte_f1'])} | {_fmt(r['snippet_f1'])} | "
            + "".join(f"{_fmt(r.get(reference))} | " for reference in REFERENCES)
            + f"{'-' if lost is None else len(lost)} | {r['pages_per_s']:.1f} |"
        )
    return "\n".join(lines)


def format_catastrophic(rows: list[dict]) -> str:
    """The catastrophic pages of every row, with their score and the references' on the same page."""
    lines = [f"Catastrophic pages (score more than {CATASTROPHIC_GAP} below both references):"]
    for r in rows:
        for page in r.get("catastrophic") or []:
            refs = ", ".join(f"{reference} {page[reference]:.2f}" for reference in REFERENCES)
            lines.append(f"- {r['set']} {r['input']} {page['id']}: ours {page['ours']:.2f}, {refs}")
    return "\n".join(lines)


def scored_run(
    args: argparse.Namespace,
    name: str,
    kind: str,
    base: Path,
    references: dict[str, dict],
    settings: str | None = None,
) -> dict:
    """One pipeline run (``settings``: a held-out rotation's ``[extract]`` lines) with its references' scores.

    ``references`` caches each set's reference scores across its runs.
    """
    work = base / (f"{name}-{kind}-held-out" if settings else f"{name}-{kind}")
    if work.exists():
        raise SystemExit(f"{work} exists; remove it or choose another --keep folder")
    row, ours = run_one(args.eval, name, kind, work, args.workers, args.limit, args.per_page, settings)
    if args.no_references:
        return row
    if name not in references:
        suffix = INPUTS[kind][1]
        ids = sorted(p.name[: -len(suffix)] for p in (work / "raw").iterdir())
        references[name] = score_references(
            args.eval, name, ids, base / f"{name}-references", args.cache, args.workers
        )
    return add_references(row, ours, references[name])


def add_held_out(row: dict, rotation: dict, held_out_row: dict | None) -> dict:
    """The row with its held-out score: the run with the setting tuned without this set, or the row itself."""
    source = held_out_row or row
    lost = source.get("catastrophic")
    return {
        **row,
        "held_out": set_score_of(source),
        "held_out_catastrophic": None if lost is None else len(lost),
        "held_out_setting": rotation["held_out_setting"],
    }


def set_score_of(row: dict) -> float | None:
    """A row's headline score: bow F1, or snippet F1 on a set with snippets only."""
    return row["bow_f1"] if row["bow_f1"] is not None else row["snippet_f1"]


def format_held_out(rows: list[dict], table: dict) -> str:
    """The HTML rows in-sample and held out, then the offline rotations they come from."""
    lines = [
        "Leave one set out (HTML): in-sample = shipped settings, tuned on all dev sets; held-out = the "
        "setting tuned on the other dev sets.",
        "",
        "| set | in-sample | held-out | catastrophic in-sample | catastrophic held-out "
        "| tuned without this set |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "held_out" not in r:
            continue
        lost = r.get("catastrophic")
        lines.append(
            f"| {r['set']} | {_fmt(set_score_of(r))} | {_fmt(r['held_out'])} | "
            f"{'-' if lost is None else len(lost)} | "
            f"{'-' if r['held_out_catastrophic'] is None else r['held_out_catastrophic']} | "
            f"{r['held_out_setting']} |"
        )
    return "\n".join(lines) + "\n\nOffline sweep (no corpus-level steps):\n\n" + format_rotations(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of eval sets and score.py")
    parser.add_argument(
        "--sets", nargs="+", default=list(SETS), help="sets of --eval (default: the four dev sets)"
    )
    parser.add_argument("--input", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folders here")
    parser.add_argument(
        "--per-page", action="store_true", help="write quality-<set>-<input>.tsv per-page scores"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="the reference extractors' cached outputs"
    )
    parser.add_argument(
        "--no-references", action="store_true", help="skip the reference extractors and catastrophic pages"
    )
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="also score each HTML set with the settings tuned on the other dev sets (benchmarks/heldout.py)",
    )
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval} (they live beside the checkout in shared/eval)")
        return 0
    absent = [name for name in args.sets if not (args.eval / name / "gold.jsonl").is_file()]
    if absent:
        raise SystemExit(f"no set {', '.join(absent)} in {args.eval} (a set is a folder with gold.jsonl)")
    if not args.no_references and missing_libraries():
        missing = ", ".join(missing_libraries())
        raise SystemExit(f"the references need {missing}: pip install -e '.[bench]', or --no-references")
    rotations = heldout.rotations(heldout.collect(args.eval, args.workers)) if args.held_out else None
    rows = []
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        base = args.keep or Path(tmp)
        references: dict[str, dict] = {}
        for name in args.sets:
            for kind in args.input:
                row = scored_run(args, name, kind, base, references)
                if rotations and kind == "html" and name in rotations["sets"]:
                    rotation = rotations["sets"][name]
                    settings = rotation["held_out_config"]
                    held = scored_run(args, name, kind, base, references, settings) if settings else None
                    row = add_held_out(row, rotation, held)
                rows.append(row)
                print(format_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(format_table(rows))
    if not args.no_references:
        print()
        print(format_catastrophic(rows))
    if rotations:
        print()
        print(format_held_out(rows, rotations))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
