"""Speed and memory: the real pipeline end to end against the tools users would run instead.

Builds a corpus of each requested size from the eval pages (text dumps or HTML; copies carry a changed
first line), then measures in rounds, on the same documents and with the same number of processes:

- the pipeline end to end (``python -m pipeline run``, Luigi local scheduler, the default settings
  unless ``--shard-files`` or ``--config`` say otherwise): wall time, CPU time of its process tree,
  peak RSS;
- right after it, its peer, the tool a user would run instead for the same job. Text: the DataTrove
  filter chain (``benchmarks/datatrove_chain.py``: FTFY, C4, Gopher repetition, Gopher quality,
  FineWeb quality, JSON Lines in and out; ``pip install -e '.[bench]'``; every run is checked to have
  run all five steps and written what they kept). HTML: ``trafilatura.extract`` with metadata;
- the floor: every file read and written as a JSON line, nothing else;
- the same work called in one process per worker without Luigi (every stage, learned boilerplate,
  duplicates, part files), with its per-stage split: what is left is orchestration;
- other references: ``ftfy.fix_text`` and a C4-style line filter (text), ``trafilatura.extract``
  without metadata and jusText (HTML).

Each round's ratios are printed (the pipeline against its peer run right after it, against the floor
and against the in-process run of the same round) with their medians, which the targets are stated
in; the machine's load average is printed before every round. The last lines are a Markdown table of
the headline numbers, to paste into docs/benchmarks.md.

    python benchmarks/speed.py [--kind text html] [--docs 2000 20000] [--workers 2] [--repeat 3]
                               [--shard-files N | --config FILE] [--scaling 10000 100000] [--json FILE]

Without DataTrove installed, the text peer is ``ftfy.fix_text`` and the output says so. It exits 0
with a message when the eval folder is absent.
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

from benchmarks import datatrove_chain  # noqa: E402
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
#: The peers the targets are stated against, by input kind.
DATATROVE = "DataTrove chain"
FTFY = "ftfy.fix_text"
TRAFILATURA_METADATA = "trafilatura.extract with metadata"
FLOOR = "floor: read, write JSON Lines"
IN_PROCESS = "same functions in-process, no Luigi"


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


def corpus_paths(raw: Path) -> list[str]:
    """The corpus's files, relative to ``raw``, in order."""
    return sorted(str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file())


def measure_command(command: list[str]) -> dict[str, Any]:
    """Wall time, CPU time and peak RSS of a command run in a fresh process."""
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


def settings_file(work: Path, shard_files: int | None, config: Path | None) -> Path:
    """The settings the pipeline runs with: ``config`` as given, else the defaults (and ``shard_files``)."""
    if config is not None:
        return config
    path = work / "speed.toml"
    path.write_text(f"[input]\nshard_files = {shard_files}\n" if shard_files else "", encoding="utf-8")
    return path


def run_pipeline(raw: Path, work: Path, workers: int, settings: Path) -> dict[str, Any]:
    """The real pipeline over ``raw``, measured."""
    out = work / f"out-{raw.name}"
    shutil.rmtree(out, ignore_errors=True)  # a finished output would make the run a no-op
    return measure_command(pipeline_command(raw, out, workers, settings))


def run_datatrove(inputs: Path, work: Path, workers: int, n_docs: int) -> dict[str, Any]:
    """The DataTrove chain over the corpus as JSON Lines, measured and checked."""
    out, logs = work / "datatrove-out", work / "datatrove-logs"
    for folder in (out, logs):  # the executor skips tasks its logging folder lists as done
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "benchmarks.datatrove_chain", str(inputs), str(out), str(logs)]
    run = measure_command([*command, "--workers", str(workers)])
    run["chain"] = datatrove_chain.check_run(logs, out, n_docs)
    return run


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


def _floor(paths: list[str], raw: str) -> float:
    """Every file read and written as one JSON line: the least any pipeline does with it."""
    from pipeline.document import dumps

    start = time.perf_counter()
    with tempfile.TemporaryFile("w", encoding="utf-8") as out:
        for path in paths:
            text = Path(raw, path).read_bytes().decode("utf-8", errors="replace")
            out.write(dumps({"id": path, "text": text}) + "\n")
    return time.perf_counter() - start


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
    paths = corpus_paths(raw)
    chunks = [paths[i::workers] for i in range(workers)]
    start = time.perf_counter()
    with Pool(workers) as pool:
        timed = pool.starmap(_timed, [(fn, chunk, str(raw)) for chunk in chunks])
    return time.perf_counter() - start, [result for _, result in timed], sum(cpu for cpu, _ in timed)


def _in_workers_run(fn: Callable[[list[str], str], Any], raw: Path, workers: int) -> dict[str, Any]:
    seconds, results, cpu = in_workers(fn, raw, workers)
    return {"seconds": seconds, "cpu_seconds": cpu, "results": results}


def _stage_split(results: list[dict[str, float]]) -> dict[str, float]:
    """Each step's seconds summed over the workers."""
    stages: dict[str, float] = {}
    for result in results:
        for stage, spent in result.items():
            stages[stage] = stages.get(stage, 0.0) + spent
    return stages


def measurements(
    kind: str, raw: Path, n_docs: int, workers: int, settings: Path, work: Path
) -> tuple[str, dict[str, Callable[[], dict[str, Any]]]]:
    """The peer's name and every measurement of one round, in the order a round runs them.

    The peer runs right after the pipeline: this machine's speed drifts by 20-30% within minutes, and
    the ratio of two runs seconds apart is steadier than that of two best times taken minutes apart.
    """

    def pipeline() -> dict[str, Any]:
        return run_pipeline(raw, work, workers, settings)

    def workers_run(fn: Callable[[list[str], str], Any]) -> Callable[[], dict[str, Any]]:
        return lambda: _in_workers_run(fn, raw, workers)

    runs: dict[str, Callable[[], dict[str, Any]]] = {"pipeline": pipeline}
    if kind == "text" and datatrove_chain.available():
        inputs = work / f"jsonl-{raw.name}"
        if not inputs.is_dir():
            texts = (
                (path, Path(raw, path).read_bytes().decode("utf-8", errors="replace"))
                for path in corpus_paths(raw)
            )
            datatrove_chain.write_inputs(texts, inputs, workers)
        peer = DATATROVE
        runs[peer] = lambda: run_datatrove(inputs, work, workers, n_docs)
    else:
        peer = FTFY if kind == "text" else TRAFILATURA_METADATA
    others: dict[str, Callable[[list[str], str], Any]] = {
        FTFY: _ftfy,
        "C4 line filter": _c4,
    }
    if kind == "html":
        others = {
            TRAFILATURA_METADATA: _trafilatura_metadata,
            "trafilatura.extract": _trafilatura,
            "jusText": _justext,
        }
    if peer in others:
        runs[peer] = workers_run(others.pop(peer))
    runs[FLOOR] = workers_run(_floor)
    runs[IN_PROCESS] = workers_run(_stage_times)
    runs.update({name: workers_run(fn) for name, fn in others.items()})
    return peer, runs


def bench_kind(
    pages: list[bytes], kind: str, n_docs: int, workers: int, settings: Path, work: Path, repeat: int = 1
) -> dict[str, Any]:
    """Every measurement for one input kind on one corpus, ``repeat`` rounds of all of them in turn.

    The rounds run every measurement in turn, so a change in the machine's load during the run
    touches all of them rather than one; the load average before each round is kept with it.
    """
    raw = work / f"raw-{kind}-{n_docs}"
    size = build_corpus(pages, kind, n_docs, raw)
    peer, runs = measurements(kind, raw, n_docs, workers, settings, work)
    rounds: list[dict[str, Any]] = []
    stages: dict[str, float] = {}
    chain: dict[str, Any] = {}
    for _ in range(repeat):
        load = os.getloadavg()[0]
        results = {name: run() for name, run in runs.items()}
        times = {name: [r["seconds"], r["cpu_seconds"]] for name, r in results.items()}
        rounds.append({"load": load, "peak_rss_mb": results["pipeline"]["peak_rss_kb"] / 1024, **times})
        if times[IN_PROCESS][0] == min(r[IN_PROCESS][0] for r in rounds):
            stages = _stage_split(results[IN_PROCESS]["results"])
        chain = results.get(DATATROVE, {}).get("chain", chain)
    return {
        "kind": kind,
        "docs": n_docs,
        "megabytes": size / 1e6,
        "workers": workers,
        "peer": peer,
        "rounds": rounds,
        "stage_seconds": stages,
        "datatrove_chain": chain,
    }


def _series(values: list[float], fmt: str, unit: str = "x") -> str:
    """``1.20x, 0.90x (median 1.05x)``."""
    median = statistics.median(values)
    return f"{', '.join(format(v, fmt) + unit for v in values)} (median {format(median, fmt)}{unit})"


def ratios(rounds: list[dict[str, Any]], over: str) -> tuple[list[float], list[float]]:
    """Each round's pipeline wall and CPU time over those of ``over`` in the same round."""
    wall = [r["pipeline"][0] / r[over][0] for r in rounds]
    cpu = [r["pipeline"][1] / r[over][1] for r in rounds]
    return wall, cpu


def paired_ratios(rounds: list[dict[str, Any]], reference: str) -> str:
    """Each round's pipeline time over that of the reference run right after it, and their medians."""
    wall, cpu = ratios(rounds, reference)
    text = (
        f"Pipeline time over {reference} run right after it, round by round: wall "
        f"{_series(wall, '.2f')}, CPU {_series(cpu, '.2f')}."
    )
    if statistics.median(wall) < 1:
        faster = [1 / x for x in wall]
        text += f" The pipeline is {_series(faster, '.2f')} faster (wall)."
    return text


def floor_ratios(rounds: list[dict[str, Any]]) -> str:
    """Each round's pipeline time over the floor's in the same round."""
    wall, cpu = ratios(rounds, FLOOR)
    return (
        f"Pipeline time over the floor (read every file, write it as a JSON line), round by round: wall "
        f"{_series(wall, '.1f')}, CPU {_series(cpu, '.1f')}."
    )


def round_shares(rounds: list[dict[str, Any]]) -> str:
    """Each round's orchestration share of wall and CPU time, and their medians."""
    wall = [1 - r[IN_PROCESS][0] / r["pipeline"][0] for r in rounds]
    cpu = [1 - r[IN_PROCESS][1] / r["pipeline"][1] for r in rounds]
    return (
        f"Orchestration share round by round (pipeline against the in-process run of the same round): wall "
        f"{_series(wall, '.0%', '')}, CPU {_series(cpu, '.0%', '')}."
    )


def report(row: dict[str, Any]) -> str:
    """A readable block of one kind's measurements: best times, then the ratios round by round."""
    rounds = row["rounds"]
    names = [name for name in rounds[0] if isinstance(rounds[0][name], list)]
    best = {name: min(r[name][0] for r in rounds) for name in names}
    best_cpu = {name: min(r[name][1] for r in rounds) for name in names}
    lines = [
        f"### {row['kind']} input: {row['docs']} documents, {row['megabytes']:.1f} MB, "
        f"{row['workers']} processes, {len(rounds)} rounds",
        "",
        "Load average (1 min) before each round: " + ", ".join(f"{r['load']:.1f}" for r in rounds) + ".",
        "",
        "| what | seconds (best) | CPU s (best) | docs/s | MB/s | pipeline time / this |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        label = "pipeline end to end (Luigi)" if name == "pipeline" else name
        lines.append(
            f"| {label} | {best[name]:.1f} | {best_cpu[name]:.1f} | {row['docs'] / best[name]:.1f} | "
            f"{row['megabytes'] / best[name]:.2f} | {best['pipeline'] / best[name]:.2f} |"
        )
    lines += ["", paired_ratios(rounds, row["peer"]), "", floor_ratios(rounds), "", round_shares(rounds)]
    if row["peer"] == FTFY and row["kind"] == "text":
        lines += ["", "DataTrove is not installed (pip install -e '.[bench]'): ftfy.fix_text stands in."]
    if row["datatrove_chain"]:
        steps = row["datatrove_chain"]["steps"]
        lines += [
            "",
            "DataTrove chain, documents in -> out per step (last round): "
            + ", ".join(f"{name} {seen} -> {out}" for name, (seen, out) in steps.items())
            + f"; {row['datatrove_chain']['written']} written.",
        ]
    lines += [
        "",
        f"Peak RSS of the pipeline: {max(r['peak_rss_mb'] for r in rounds):.0f} MB. Per-step time of the "
        "in-process run (its fastest round, summed over workers): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in row["stage_seconds"].items()),
    ]
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> str:
    """One Markdown line per corpus: the headline ratios, medians of paired rounds."""
    lines = [
        "| input | docs | processes | load | rounds | pipeline s | peer | peer s | pipeline / peer "
        "| pipeline / floor | orchestration | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        rounds = row["rounds"]
        peer = row["peer"]
        wall = statistics.median(ratios(rounds, peer)[0])
        floor = statistics.median(ratios(rounds, FLOOR)[0])
        share = statistics.median(1 - r[IN_PROCESS][0] / r["pipeline"][0] for r in rounds)
        loads = [r["load"] for r in rounds]
        lines.append(
            f"| {row['kind']} | {row['docs']} | {row['workers']} | {min(loads):.1f}-{max(loads):.1f} | "
            f"{len(rounds)} | {statistics.median(r['pipeline'][0] for r in rounds):.1f} | {peer} | "
            f"{statistics.median(r[peer][0] for r in rounds):.1f} | {wall:.2f}x"
            + (f" ({1 / wall:.1f}x faster)" if wall < 1 else "")
            + f" | {floor:.1f}x | {share:.0%} | {max(r['peak_rss_mb'] for r in rounds):.0f} |"
        )
    return "\n".join(lines)


def scaling(pages: list[bytes], sizes: list[int], workers: int, settings: Path, work: Path) -> list[dict]:
    """The pipeline's time and peak RSS on text corpora of growing size (memory must stay flat)."""
    print("| text docs | seconds | docs/s | peak RSS MB |\n|---|---|---|---|")
    rows = []
    for n in sizes:
        raw = work / f"scale-{n}"
        build_corpus(pages, "text", n, raw)
        run = run_pipeline(raw, work, workers, settings)
        shutil.rmtree(raw)
        rows.append({"kind": "scaling", "docs": n, **run})
        print(f"| {n} | {run['seconds']:.1f} | {n / run['seconds']:.1f} | {run['peak_rss_kb'] / 1024:.0f} |")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["peak_rss_kb"] / first["peak_rss_kb"] - 1
        print(
            f"\nPeak RSS from {first['docs']} to {last['docs']} documents: {growth:+.0%} "
            f"({'flat' if abs(growth) <= 0.2 else 'not flat'}: the target is within 20%)."
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument(
        "--kind", nargs="*", default=["text", "html"], choices=["text", "html"], help="none: scaling only"
    )
    parser.add_argument("--docs", type=int, nargs="+", default=[2000], help="corpus sizes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard-files", type=int, default=None, help="default: the pipeline's own")
    parser.add_argument("--config", type=Path, default=None, help="the pipeline's settings (TOML)")
    parser.add_argument(
        "--scaling", type=int, nargs="*", default=[], help="text corpus sizes for the memory table"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds per corpus")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.config is not None and args.shard_files is not None:
        parser.error("--shard-files goes into the --config file when there is one")
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="speed-") as tmp:
        work = Path(tmp)
        settings = settings_file(work, args.shard_files, args.config)
        for kind in args.kind:
            pages = source_pages(args.eval, kind)
            for n_docs in args.docs:
                rows.append(bench_kind(pages, kind, n_docs, args.workers, settings, work, args.repeat))
                print(report(rows[-1]) + "\n", flush=True)
                shutil.rmtree(work / f"raw-{kind}-{n_docs}")
                shutil.rmtree(work / f"jsonl-raw-{kind}-{n_docs}", ignore_errors=True)
        if rows:
            print(summary(rows) + "\n", flush=True)
        if args.scaling:
            rows += scaling(source_pages(args.eval, "text"), args.scaling, args.workers, settings, work)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
