"""Duplicate detection, measured: the eval pages plus edited copies, through the real pipeline.

Each eval text dump is an original. A seeded random share of them get copies with small edits of
the kinds that re-crawls and syndication make: a changed headline, a removed paragraph, reordered
boilerplate lines, a few changed words, an added line. The pipeline (its CLI) runs over the whole
batch; every record's ``metadata.duplicate_of`` is compared with the truth, pair by pair:

- a predicted pair (copy, kept) is right when both are versions of the same original;
- precision = right predicted pairs / predicted pairs, recall = right pairs / true pairs, where the
  true pairs link every version of an original to the smallest id among them.

    python benchmarks/dedup.py [--eval ../shared/eval] [--share 0.5] [--limit N] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
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
EDITS = ("headline", "drop_paragraph", "reorder_boilerplate", "change_words", "add_line")


def _long_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if len(line.split()) >= 12]


def edit(text: str, kind: str, rng: random.Random) -> str:
    """One small edit of ``kind`` to a page dump."""
    lines = text.split("\n")
    long = _long_lines(lines)
    if kind == "headline":
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        lines[first] = "UPDATED: " + lines[first] + " (corrected)"
    elif kind == "drop_paragraph" and long:
        del lines[rng.choice(long)]
    elif kind == "reorder_boilerplate":
        short = [i for i, line in enumerate(lines) if line.strip() and len(line.split()) < 5]
        moved = [lines[i] for i in short]
        rng.shuffle(moved)
        for i, line in zip(short, moved, strict=True):
            lines[i] = line
    elif kind == "change_words" and long:
        for i in rng.sample(long, min(3, len(long))):
            words = lines[i].split()
            words[rng.randrange(len(words))] = "indeed"
            lines[i] = " ".join(words)
    elif kind == "add_line":
        lines.insert(len(lines) // 2, "Editor's note: this story has been updated with new information.")
    return "\n".join(lines)


def build_batch(eval_dir: Path, raw: Path, share: float, limit: int | None, seed: int) -> dict[str, str]:
    """Write originals and edited copies into ``raw``; return ``{doc id: original id}``."""
    rng = random.Random(seed)
    raw.mkdir(parents=True)
    truth: dict[str, str] = {}
    pages = [p for name in SETS for p in sorted((eval_dir / name / "textdump").glob("*.txt"))]
    if limit:
        pages = pages[:limit]
    for n, page in enumerate(pages):
        text = page.read_text(encoding="utf-8")
        original = f"p{n:05d}"
        (raw / f"{original}.txt").write_text(text, encoding="utf-8")
        truth[original] = original
        if rng.random() < share:
            kind = rng.choice(EDITS)
            copy = f"p{n:05d}-{kind}"
            (raw / f"{copy}.txt").write_text(edit(text, kind, rng), encoding="utf-8")
            truth[copy] = original
    return truth


def score(truth: dict[str, str], predicted: dict[str, str | None]) -> dict[str, float]:
    """Precision and recall of the predicted (copy -> kept) pairs against the true versions."""
    groups: dict[str, list[str]] = {}
    for doc_id, original in truth.items():
        groups.setdefault(original, []).append(doc_id)
    true_pairs = {(d, min(members)) for members in groups.values() for d in members if d != min(members)}
    pairs = {(d, kept) for d, kept in predicted.items() if kept}
    right = {(d, kept) for d, kept in pairs if truth.get(d) == truth.get(kept)}
    found = {(d, kept) for d, kept in true_pairs if predicted.get(d) == kept}
    return {
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(pairs),
        "precision": len(right) / len(pairs) if pairs else 1.0,
        "recall": len(found) / len(true_pairs) if true_pairs else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--share", type=float, default=0.5, help="share of pages that get an edited copy")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    with tempfile.TemporaryDirectory(prefix="dedup-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        truth = build_batch(args.eval, raw, args.share, args.limit, args.seed)
        config = Path(tmp) / "dedup.toml"
        config.write_text("[input]\nshard_files = 200\n", encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            pipeline_command(raw, out, args.workers, config, "--progress", "none"),
            check=True,
            env=PIPELINE_ENV,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        predicted: dict[str, str | None] = {}
        for part in manifest["parts"]:
            for line in (out / part).read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                predicted[record["id"]] = record["metadata"]["duplicate_of"]
        # Pages rejected by the pipeline (e.g. nothing left) cannot be judged; drop them from the truth.
        judged = {d: o for d, o in truth.items() if d in predicted}
        result = score(judged, predicted)
    by_kind: dict[str, list[bool]] = {}
    for doc_id, original in judged.items():
        if doc_id != original:
            kind = doc_id.split("-", 1)[1]
            by_kind.setdefault(kind, []).append(bool(predicted.get(doc_id) or predicted.get(original)))
    print(
        f"{len(truth)} documents ({len(judged)} clean), {result['true_pairs']} true pairs, "
        f"{result['predicted_pairs']} predicted, {seconds:.0f} s\n"
    )
    print("| precision | recall |\n|---|---|")
    print(f"| {result['precision']:.3f} | {result['recall']:.3f} |\n")
    print("| edit | copies | found |\n|---|---|---|")
    for kind in EDITS:
        hits = by_kind.get(kind, [])
        print(f"| {kind} | {len(hits)} | {sum(hits) / len(hits) if hits else 0:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
