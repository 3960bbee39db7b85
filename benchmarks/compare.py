"""This checkout against another one (an earlier commit): the same outputs, and the speed in paired rounds.

    git worktree add ../base COMMIT   # or: mkdir ../base && git archive COMMIT | tar -x -C ../base
    python benchmarks/compare.py identical ../base [--work DIR]
    python benchmarks/compare.py speed ../base --kind text --docs 2000 --rounds 6

``identical`` runs both checkouts' command line (``python -m pipeline run``, 2 workers, shards of 32 files)
on ``seeds/`` and on every dev set in both inputs (``textdump/*.txt``, ``html/*.html.gz``), then compares
the part files, ``rejected.jsonl`` and ``manifest.json`` of each pair byte for byte and prints what
differs: a record's fields, a reject's fields, a manifest key. ``speed`` runs both on the corpus of
``benchmarks/speed.py``, alternating which one runs first (the second run of a pair gains from the first),
and prints each round's wall and CPU ratio and their median. Both checkouts run with this interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality import INPUTS, SETS  # noqa: E402
from benchmarks.speed import build_corpus, source_pages  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
# Wall time, and CPU time of the process tree, of one command.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run(checkout: Path, raw: Path, out: Path, config: Path) -> dict[str, Any]:
    """The command line of ``checkout`` over ``raw`` into a fresh ``out``: its wall and CPU seconds."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out)]
    command += ["--workers", "2", "--config", str(config), "--progress", "none"]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"{checkout}: the run over {raw} failed")
    return result


def differences(a: Path, b: Path) -> list[str]:
    """What differs between two output folders: parts, rejects, manifest."""
    found = []
    ma, mb = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (a, b))
    if ma["parts"] != mb["parts"]:
        found.append(f"parts {ma['parts']} against {mb['parts']}")
    for part in sorted(set(ma["parts"]) & set(mb["parts"])):
        found += _records(a / part, b / part, "id")
    found += _records(a / ma["rejected"], b / mb["rejected"], "id")
    for key in sorted(set(ma) | set(mb)):
        if ma.get(key) != mb.get(key):
            found.append(f"manifest {key}: {ma.get(key)!r} against {mb.get(key)!r}"[:300])
    return found


def _records(a: Path, b: Path, key: str) -> list[str]:
    if a.read_bytes() == b.read_bytes():
        return []
    ra = [json.loads(line) for line in a.read_text(encoding="utf-8").splitlines()]
    rb = [json.loads(line) for line in b.read_text(encoding="utf-8").splitlines()]
    found = [f"{a.name}: {len(ra)} lines against {len(rb)}"] if len(ra) != len(rb) else []
    for x, y in zip(ra, rb, strict=False):
        fields = [field for field in sorted(set(x) | set(y)) if x.get(field) != y.get(field)]
        if fields:
            found.append(f"{a.name} {x.get(key)}: {', '.join(fields)} differ")
    return found or [f"{a.name}: same records, different bytes"]


def identical(other: Path, eval_dir: Path, work: Path) -> int:
    """Run both checkouts on the seeds and every dev set; print what differs. 1 when anything does."""
    config = work / "compare.toml"
    config.write_text("[input]\nshard_files = 32\n", encoding="utf-8")
    batches = {"seeds": ROOT / "seeds"}
    for name in SETS:
        for kind, (folder, suffix) in INPUTS.items():
            raw = work / "raw" / f"{name}-{kind}"
            raw.mkdir(parents=True)
            for page in sorted((eval_dir / name / folder).glob(f"*{suffix}")):
                (raw / page.name).symlink_to(page)
            batches[f"{name}-{kind}"] = raw
    any_difference = False
    for label, raw in batches.items():
        outs = {side: work / side / label for side in ("this", "other")}
        run(ROOT, raw, outs["this"], config)
        run(other, raw, outs["other"], config)
        found = differences(outs["other"], outs["this"])
        any_difference |= bool(found)
        print(f"{label}: " + ("identical" if not found else "\n    " + "\n    ".join(found)), flush=True)
    return 1 if any_difference else 0


def speed(other: Path, eval_dir: Path, work: Path, kind: str, docs: int, rounds: int) -> int:
    """Paired rounds of both checkouts on the speed corpus; the ratios this / other."""
    raw = work / "raw"
    build_corpus(source_pages(eval_dir, kind), kind, docs, raw)
    config = work / "speed.toml"
    config.write_text("[input]\nshard_files = 250\n", encoding="utf-8")
    ratios = []
    for number in range(rounds):
        order = [("this", ROOT), ("other", other)]
        times = {
            name: run(checkout, raw, work / f"out-{name}", config)
            for name, checkout in order[:: 1 if number % 2 == 0 else -1]
        }
        wall = times["this"]["wall"] / times["other"]["wall"]
        cpu = times["this"]["cpu"] / times["other"]["cpu"]
        ratios.append((wall, cpu))
        first = "this" if number % 2 == 0 else "other"
        print(
            f"round {number + 1} ({first} first): this {times['this']['wall']:.1f} s, other"
            f" {times['other']['wall']:.1f} s; wall {wall:.3f}, CPU {cpu:.3f}",
            flush=True,
        )
    walls, cpus = zip(*ratios, strict=True)
    print(
        f"median of {rounds} rounds: wall {statistics.median(walls):.3f}, CPU {statistics.median(cpus):.3f}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["identical", "speed"])
    parser.add_argument("other", type=Path, help="the other checkout (its folder holds pipeline/)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument(
        "--work", type=Path, default=None, help="keep the runs here (default: a temporary folder)"
    )
    parser.add_argument("--kind", choices=["text", "html"], default="text")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.command == "identical":
            return identical(args.other.resolve(), args.eval, work)
        return speed(args.other.resolve(), args.eval, work, args.kind, args.docs, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
