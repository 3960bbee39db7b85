"""Quality benchmark: the real pipeline (its CLI) over the eval sets, scored by the sets' own scorer.

For each set and input kind (``text`` = ``textdump/*.txt``, ``html`` = ``html/*.html.gz``) it runs
``python -m pipeline run`` on the pages, writes one ``<id>.txt`` per page from the records' ``text``
(a rejected page is an empty prediction), runs ``score.py`` and prints one Markdown table:
set, input, bow P/R/F1, zyte F1, snippet F1, pages/s.

    python benchmarks/quality.py [--eval ../shared/eval] [--sets zyte-aeb wcxb-dev] [--input text html]
                                 [--workers 2] [--limit 50] [--keep DIR] [--per-page]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PIPELINE_ENV, pipeline_command  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")
#: Sets that can be asked for: cleaneval-dev's gold keeps most of a page, so it is not in the default
#: table; it finds the pages an extractor loses outright.
ALL_SETS = (*SETS, "cleaneval-dev")
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


def run_one(
    eval_dir: Path, name: str, kind: str, work: Path, workers: int, limit: int | None, per_page: bool
) -> dict:
    """Run the pipeline on one set and input kind, score it, return the row of the table."""
    folder, suffix = INPUTS[kind]
    set_dir = eval_dir / name
    raw, out, pred = work / "raw", work / "out", work / "pred"
    pages = _stage_raw(set_dir / folder, suffix, raw, limit)
    config = work / "bench.toml"
    config.write_text(BENCH_CONFIG, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(pipeline_command(raw, out, workers, config), check=True, cwd=ROOT, env=PIPELINE_ENV)
    seconds = time.perf_counter() - started
    _write_predictions(out, pred)
    gold = set_dir / "gold.jsonl"
    if limit:  # score only the pages that were run
        ids = {p.name[: -len(suffix)] for p in raw.iterdir()}
        rows = [
            line for line in gold.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in ids
        ]
        scored_set = work / "subset"
        scored_set.mkdir()
        (scored_set / "gold.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        gold_dir = scored_set
    else:
        gold_dir = set_dir
    summary_path = work / "summary.json"
    command = [
        sys.executable,
        str(eval_dir / "score.py"),
        "score",
        str(gold_dir),
        str(pred),
        "--json",
        str(summary_path),
    ]
    if per_page:
        command += ["--per-page", str(ROOT / f"quality-{name}-{kind}.tsv")]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    bow, zyte, snip = summary.get("bow"), summary.get("zyte"), summary.get("snip")
    return {
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


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| set | input | pages | bow P | bow R | bow F1 | zyte F1 | snippet F1 | pages/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['input']} | {r['pages']} | {_fmt(r['bow_p'])} | {_fmt(r['bow_r'])} | "
            f"{_fmt(r['bow_f1'])} | {_fmt(r['zyte_f1'])} | {_fmt(r['snippet_f1'])} | {r['pages_per_s']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of eval sets and score.py")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=ALL_SETS)
    parser.add_argument("--input", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folders here")
    parser.add_argument(
        "--per-page", action="store_true", help="write quality-<set>-<input>.tsv per-page scores"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval} (they live beside the checkout in shared/eval)")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        base = args.keep or Path(tmp)
        for name in args.sets:
            for kind in args.input:
                work = base / f"{name}-{kind}"
                if work.exists():
                    raise SystemExit(f"{work} exists; remove it or choose another --keep folder")
                rows.append(run_one(args.eval, name, kind, work, args.workers, args.limit, args.per_page))
                print(format_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
