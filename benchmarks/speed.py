"""Speed and memory: the real pipeline end to end against the tools users would pick instead.

Builds a corpus from the eval pages (text dumps and/or HTML), replicated with a small change per copy
to reach the requested size, then in one run measures on the same documents and with the same
number of processes:

- the pipeline end to end (``python -m pipeline run``, Luigi local scheduler): docs/s, MB/s, peak RSS;
- the same work (every stage, learned boilerplate, duplicates, part files) called in one process per
  worker without Luigi (per-stage time split), which gives the share of time spent on orchestration
  and intermediate files;
- references: ``ftfy.fix_text`` on every document, a C4-style line filter, ``trafilatura.extract``
  (comments off, with and without metadata), jusText, with their wall and CPU times;
- round by round, the pipeline's time over that of its like-for-like reference (text: ftfy; HTML:
  trafilatura with metadata) run right after it, the ratio the speed targets are stated in.

    python benchmarks/speed.py [--kind text html] [--docs 2000] [--workers 2] [--repeat 2]
                               [--scaling 1000 10000]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import duplicates, learned_lines, pipeline_command  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")
# Runs a command and reports its wall time, the CPU time of its process tree (user + system) and its
# peak RSS (children are waited for, so their usage is counted).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"code": code, "seconds": wall, "cpu_seconds": cpu, "peak_rss_kb": usage.ru_maxrss}))
"""


def source_pages(eval_dir: Path, kind: str) -> list[bytes]:
    """The raw pages of every eval set: text dumps as UTF-8 bytes, HTML as original bytes."""
    pages: list[bytes] = []
    for name in SETS:
        if kind == "text":
            pages += [p.read_bytes() for p in sorted((eval_dir / name / "textdump").glob("*.txt"))]
        else:
            pages += [
                gzip.decompress(p.read_bytes()) for p in sorted((eval_dir / name / "html").glob("*.html.gz"))
            ]
    return pages


def build_corpus(pages: list[bytes], kind: str, n_docs: int, raw: Path) -> int:
    """Write ``n_docs`` documents into ``raw`` (copies carry a changed first line); return total bytes."""
    raw.mkdir(parents=True)
    total = 0
    suffix = ".txt" if kind == "text" else ".html"
    for i in range(n_docs):
        page = pages[i % len(pages)]
        copy = i // len(pages)
        if copy:
            marker = f"Copy {copy}\n" if kind == "text" else f"<!-- copy {copy} -->\n"
            page = marker.encode("utf-8") + page
        folder = raw / f"{i // 1000:04d}"
        folder.mkdir(exist_ok=True)
        (folder / f"doc{i:07d}{suffix}").write_bytes(page)
        total += len(page)
    return total


def measure_command(command: list[str]) -> dict[str, Any]:
    """Wall time and peak RSS of a command run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"command failed: {' '.join(command)}")
    return result


def run_pipeline(raw: Path, work: Path, workers: int, shard_files: int) -> dict[str, Any]:
    """The real pipeline over ``raw``, measured."""
    config = work / "speed.toml"
    config.write_text(f"[input]\nshard_files = {shard_files}\n", encoding="utf-8")
    out = work / f"out-{raw.name}"
    shutil.rmtree(out, ignore_errors=True)  # a finished output would make the run a no-op
    return measure_command(pipeline_command(raw, out, workers, config))


# --- in-process runs, in worker processes -------------------------------------------------------


def _stage_times(paths: list[str], raw: str) -> dict[str, float]:
    """Every step of the DAG on these files, in this process, without Luigi or intermediate files.

    The same functions the tasks call, in the same order: the stages, the batch's line counts and
    learned boilerplate, the dedup signatures and duplicate search, and the final part files (written
    to a temporary folder). Each worker learns and deduplicates over its own share of the files, which
    costs the same per document as over the whole batch.
    """
    from pipeline.clean import strip_boilerplate
    from pipeline.clean.chain import STAGES, stage_functions
    from pipeline.clean.read_documents import read_documents
    from pipeline.config import Config
    from pipeline.corpus.find_duplicates import mark_duplicate
    from pipeline.run.writers import write_shard_outputs

    config = Config()
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = times.get(name, 0.0) + now - clock
        clock = now

    docs = list(read_documents(raw, paths, config))
    lap(STAGES[0])
    strip = STAGES.index(strip_boilerplate.STAGE)
    fns = stage_functions(config)
    for name in STAGES[1:strip]:
        docs = [fns[name](doc) for doc in docs]
        lap(name)
    learned = learned_lines(docs, config)
    lap("learn_boilerplate")
    fns = stage_functions(config, learned)
    for name in STAGES[strip:]:
        docs = [fns[name](doc) for doc in docs]
        lap(name)
    found = duplicates(docs, config)
    lap("find_duplicates")
    with tempfile.TemporaryDirectory() as out:
        docs = [mark_duplicate(doc, found, config.corpus.drop_duplicates) for doc in docs]
        write_shard_outputs(docs, Path(out, "part.jsonl"), Path(out, "rejected.jsonl"), config)
    lap("write")
    return times


def _ftfy(paths: list[str], raw: str) -> float:
    import ftfy

    start = time.perf_counter()
    for path in paths:
        ftfy.fix_text(Path(raw, path).read_text(encoding="utf-8", errors="replace"))
    return time.perf_counter() - start


def _c4(paths: list[str], raw: str) -> float:
    start = time.perf_counter()
    for path in paths:
        text = Path(raw, path).read_text(encoding="utf-8", errors="replace")
        kept = [
            line
            for line in text.splitlines()
            if len(line.split()) >= 3
            and line.rstrip().endswith((".", "!", "?", '"', "”"))
            and "javascript" not in line.lower()
        ]
        "\n".join(kept)
    return time.perf_counter() - start


def _trafilatura(paths: list[str], raw: str) -> float:
    import trafilatura

    start = time.perf_counter()
    for path in paths:
        trafilatura.extract(Path(raw, path).read_bytes(), include_comments=False)
    return time.perf_counter() - start


def _trafilatura_metadata(paths: list[str], raw: str) -> float:
    import trafilatura

    start = time.perf_counter()
    for path in paths:
        trafilatura.extract(Path(raw, path).read_bytes(), include_comments=False, with_metadata=True)
    return time.perf_counter() - start


def _justext(paths: list[str], raw: str) -> float:
    import justext

    stoplist = justext.get_stoplist("English")
    start = time.perf_counter()
    for path in paths:
        justext.justext(Path(raw, path).read_bytes(), stoplist)
    return time.perf_counter() - start


def _timed(fn: Callable[[list[str], str], Any], paths: list[str], raw: str) -> tuple[float, Any]:
    """``fn``'s result and the CPU time it took in this worker process."""
    start = time.process_time()
    result = fn(paths, raw)
    return time.process_time() - start, result


def in_workers(
    fn: Callable[[list[str], str], Any], raw: Path, workers: int
) -> tuple[float, list[Any], float]:
    """Wall time of ``fn`` over the corpus split across ``workers`` processes, their results, CPU time."""
    paths = sorted(str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file())
    chunks = [paths[i::workers] for i in range(workers)]
    start = time.perf_counter()
    with Pool(workers) as pool:
        timed = pool.starmap(_timed, [(fn, chunk, str(raw)) for chunk in chunks])
    return time.perf_counter() - start, [result for _, result in timed], sum(cpu for cpu, _ in timed)


#: The reference each kind's speed target is stated against: the tool a user would run instead, doing
#: the same job (HTML: trafilatura keeping the metadata the pipeline keeps).
LIKE_FOR_LIKE = {"text": "ftfy.fix_text", "html": "trafilatura.extract with metadata"}


def bench_kind(
    pages: list[bytes], kind: str, n_docs: int, workers: int, shard_files: int, work: Path, repeat: int = 1
) -> dict:
    """Every measurement for one input kind on one corpus, each the best of ``repeat`` rounds.

    The rounds run every measurement in turn (pipeline, its like-for-like reference, in-process, the
    other references), so a change in the machine's load during the run touches all of them rather
    than one. The like-for-like reference runs right after the pipeline in every round: the speed of
    this machine drifts by 20% within minutes, and the ratio of two runs a few seconds apart is
    steadier than that of two best times taken minutes apart.
    """
    raw = work / f"raw-{kind}-{n_docs}"
    size = build_corpus(pages, kind, n_docs, raw)
    references_fns: dict[str, Callable[[list[str], str], Any]] = {"ftfy.fix_text": _ftfy}
    if kind == "text":
        references_fns["C4 line filter"] = _c4
    else:
        references_fns["trafilatura.extract"] = _trafilatura
        # The pipeline keeps trafilatura's metadata (title, author, date, ...): the like-for-like reference.
        references_fns["trafilatura.extract with metadata"] = _trafilatura_metadata
        references_fns["jusText"] = _justext
    paired = LIKE_FOR_LIKE[kind]
    pipeline: dict[str, Any] = {}
    in_process = in_process_cpu = float("inf")
    stages: dict[str, float] = {}
    references = dict.fromkeys(references_fns, float("inf"))
    references_cpu = dict.fromkeys(references_fns, float("inf"))
    cpu_runs = []
    # Each round's pipeline and in-process times, measured back to back: their ratio is steadier on a
    # machine whose speed drifts between rounds than the ratio of the two best times.
    rounds: list[dict[str, float]] = []

    def reference(name: str) -> tuple[float, float]:
        """Run one reference, keep its best times, return this run's wall and CPU seconds."""
        seconds, _, cpu = in_workers(references_fns[name], raw, workers)
        references[name] = min(references[name], seconds)
        references_cpu[name] = min(references_cpu[name], cpu)
        return seconds, cpu

    for _ in range(repeat):
        run = run_pipeline(raw, work, workers, shard_files)
        cpu_runs.append(run)
        if not pipeline or run["seconds"] < pipeline["seconds"]:
            pipeline = run
        ref_seconds, ref_cpu = reference(paired)
        seconds, stage_results, cpu = in_workers(_stage_times, raw, workers)
        rounds.append(
            {
                "seconds": run["seconds"],
                "cpu": run["cpu_seconds"],
                "ref_seconds": ref_seconds,
                "ref_cpu": ref_cpu,
                "in_seconds": seconds,
                "in_cpu": cpu,
            }
        )
        in_process_cpu = min(in_process_cpu, cpu)
        if seconds < in_process:
            in_process, stages = seconds, {}
            for result in stage_results:
                for stage, spent in result.items():
                    stages[stage] = stages.get(stage, 0.0) + spent
        for name in references_fns:
            if name != paired:
                reference(name)
    return {
        "kind": kind,
        "docs": n_docs,
        "megabytes": size / 1e6,
        "workers": workers,
        "pipeline_seconds": pipeline["seconds"],
        "pipeline_cpu_seconds": min(run["cpu_seconds"] for run in cpu_runs),
        "pipeline_peak_rss_mb": pipeline["peak_rss_kb"] / 1024,
        "in_process_seconds": in_process,
        "in_process_cpu_seconds": in_process_cpu,
        "stage_seconds": stages,
        "reference_seconds": references,
        "reference_cpu_seconds": references_cpu,
        "paired_reference": paired,
        "rounds": rounds,
    }


def round_shares(rounds: list[dict[str, float]]) -> str:
    """Each round's orchestration share of wall and CPU time, and their medians."""
    wall = [1 - r["in_seconds"] / r["seconds"] for r in rounds]
    cpu = [1 - r["in_cpu"] / r["cpu"] for r in rounds]
    return (
        f"Orchestration share round by round (pipeline against the in-process run of the same round): wall "
        f"{', '.join(f'{share:.0%}' for share in wall)} (median {statistics.median(wall):.0%}), CPU "
        f"{', '.join(f'{share:.0%}' for share in cpu)} (median {statistics.median(cpu):.0%})."
    )


def paired_ratios(rounds: list[dict[str, float]], reference: str) -> str:
    """Each round's pipeline time over that of the reference run right after it, and their medians."""
    wall = [r["seconds"] / r["ref_seconds"] for r in rounds]
    cpu = [r["cpu"] / r["ref_cpu"] for r in rounds]
    return (
        f"Pipeline time over {reference} run right after it, round by round: wall "
        f"{', '.join(f'{x:.2f}x' for x in wall)} (median {statistics.median(wall):.2f}x), CPU "
        f"{', '.join(f'{x:.2f}x' for x in cpu)} (median {statistics.median(cpu):.2f}x)."
    )


def report(row: dict) -> str:
    """A readable block of one kind's measurements with the ratios."""
    seconds, inproc = row["pipeline_seconds"], row["in_process_seconds"]
    lines = [
        f"### {row['kind']} input: {row['docs']} documents, {row['megabytes']:.1f} MB, "
        f"{row['workers']} processes",
        "",
        "| what | seconds | CPU s | docs/s | MB/s | pipeline time / this |",
        "|---|---|---|---|---|---|",
        f"| pipeline end to end (Luigi) | {seconds:.1f} | {row['pipeline_cpu_seconds']:.1f} | "
        f"{row['docs'] / seconds:.1f} | {row['megabytes'] / seconds:.2f} | 1.00 |",
        f"| same functions in-process, no Luigi | {inproc:.1f} | {row['in_process_cpu_seconds']:.1f} | "
        f"{row['docs'] / inproc:.1f} | {row['megabytes'] / inproc:.2f} | {seconds / inproc:.2f} |",
    ]
    for name, ref in row["reference_seconds"].items():
        lines.append(
            f"| {name} | {ref:.1f} | {row['reference_cpu_seconds'][name]:.1f} | {row['docs'] / ref:.1f} | "
            f"{row['megabytes'] / ref:.2f} | {seconds / ref:.2f} |"
        )
    overhead = 1 - row["in_process_seconds"] / seconds
    cpu, inproc_cpu = row["pipeline_cpu_seconds"], row["in_process_cpu_seconds"]
    lines += [
        "",
        f"Peak RSS of the pipeline run: {row['pipeline_peak_rss_mb']:.0f} MB. "
        f"Orchestration and intermediate files: {overhead:.0%} of the end-to-end time. "
        f"CPU time (all processes, best round; less sensitive to other load on the machine than wall "
        f"time): pipeline {cpu:.1f} s, in-process {inproc_cpu:.1f} s, difference {1 - inproc_cpu / cpu:.0%}.",
        "",
        paired_ratios(row["rounds"], row["paired_reference"]),
        "",
        round_shares(row["rounds"]),
        "",
        "Per-stage time (in-process, summed over workers): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in row["stage_seconds"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument(
        "--kind", nargs="*", default=["text", "html"], choices=["text", "html"], help="none: scaling only"
    )
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard-files", type=int, default=250)
    parser.add_argument(
        "--scaling", type=int, nargs="*", default=[], help="text corpus sizes for a scaling table"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds per kind; each time is the best")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="speed-") as tmp:
        work = Path(tmp)
        for kind in args.kind:
            pages = source_pages(args.eval, kind)
            rows.append(bench_kind(pages, kind, args.docs, args.workers, args.shard_files, work, args.repeat))
            print(report(rows[-1]) + "\n", flush=True)
        if args.scaling:
            pages = source_pages(args.eval, "text")
            print("| text docs | seconds | docs/s | peak RSS MB |\n|---|---|---|---|")
            for n in args.scaling:
                raw = work / f"scale-{n}"
                build_corpus(pages, "text", n, raw)
                run = run_pipeline(raw, work, args.workers, args.shard_files)
                rows.append({"kind": "scaling", "docs": n, **run})
                print(
                    f"| {n} | {run['seconds']:.1f} | {n / run['seconds']:.1f} | "
                    f"{run['peak_rss_kb'] / 1024:.0f} |",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
