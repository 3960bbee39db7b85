"""The plain-text peer of the speed benchmark: the filter chain corpus builders run with DataTrove.

DataTrove 0.10 (``pip install -e '.[bench]'``, never a dependency of the pipeline) as its own users
run it: ``JsonlReader`` -> ``FTFYFormatter`` -> ``C4QualityFilter`` -> ``GopherRepetitionFilter`` ->
``GopherQualityFilter`` -> ``FineWebQualityFilter`` -> ``JsonlWriter`` (uncompressed, as the pipeline
writes by default), every step at its defaults (English, spaCy's blank tokenizer for words and
sentences), run by ``LocalPipelineExecutor`` with as many tasks as processes. Its input is the
benchmark's documents as JSON Lines (``write_inputs``: one file per task, documents dealt in turn,
so the tasks get equal shares as the pipeline's workers do).

After a run, ``check_run`` reads the executor's merged ``stats.json`` and the output files and
refuses a run in which a step is missing, a step saw other documents than the one before it let
through, or the output does not hold what the last filter kept.

    python -m benchmarks.datatrove_chain INPUT_DIR OUTPUT_DIR LOGS_DIR [--workers 2]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The steps between reader and writer, in order: what the chain is made of.
STEPS = ("FTFY", "C4 Quality", "Gopher Repetition", "Gopher Quality", "FineWeb Quality")


def available() -> bool:
    """Whether DataTrove and the tokenizer its filters use are installed."""
    try:
        import datatrove.pipeline.filters  # noqa: F401
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


def write_inputs(texts: Iterable[tuple[str, str]], target: Path, files: int) -> int:
    """Write ``(id, text)`` pairs as ``files`` JSON Lines files in ``target``; return the count."""
    target.mkdir(parents=True)
    handles = [open(target / f"{i:05d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    count = 0
    try:
        for count, (doc_id, text) in enumerate(texts, 1):
            handles[(count - 1) % files].write(json.dumps({"id": doc_id, "text": text}) + "\n")
    finally:
        for handle in handles:
            handle.close()
    return count


def chain(input_dir: Path, output_dir: Path) -> list[Any]:
    """The DataTrove pipeline: read JSON Lines, the five steps, write JSON Lines."""
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    return [
        JsonlReader(str(input_dir)),
        FTFYFormatter(),
        C4QualityFilter(),
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        FineWebQualityFilter(),
        JsonlWriter(str(output_dir), compression=None),
    ]


def run_chain(input_dir: Path, output_dir: Path, logs_dir: Path, workers: int) -> None:
    """Run the chain over every file of ``input_dir`` with ``workers`` tasks on ``workers`` processes."""
    from datatrove.executor.local import LocalPipelineExecutor

    executor = LocalPipelineExecutor(
        pipeline=chain(input_dir, output_dir),
        tasks=workers,
        workers=workers,
        logging_dir=str(logs_dir),
    )
    executor.run()
    # The executor's pool forks its workers from a fork server that outlives the run; stopped and
    # waited for here, its workers' CPU time counts among this process's children, which is how the
    # benchmark measures every command's CPU time.
    from multiprocess import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def _step_counts(step: dict[str, Any]) -> tuple[int, int]:
    """Documents in and out of one step of ``stats.json`` (a counter nothing incremented is absent)."""
    stats = step["stats"]
    if "documents" in stats:  # the reader
        total = stats["documents"]["total"]
        return total, total
    total = stats.get("total", 0)
    return total, stats.get("forwarded", 0) if "FILTER" in step["name"] else total


def check_run(logs_dir: Path, output_dir: Path, expected_docs: int) -> dict[str, Any]:
    """What the run did, step by step, after checking that every step ran on every document it got.

    Raises ``RuntimeError`` when a step is missing or out of order, a step did not see the documents
    the previous one let through, or the output files do not hold the documents the last filter kept.
    """
    steps = json.loads((logs_dir / "stats.json").read_text(encoding="utf-8"))
    names = [step["name"] for step in steps]
    ran = names[1:-1]
    if len(ran) != len(STEPS) or any(want not in got for want, got in zip(STEPS, ran, strict=True)):
        raise RuntimeError(f"DataTrove ran {names}, not reader, {', '.join(STEPS)}, writer")
    counts = [_step_counts(step) for step in steps]
    if counts[0][0] != expected_docs:
        raise RuntimeError(f"DataTrove read {counts[0][0]} documents, not {expected_docs}")
    for step in range(1, len(steps)):
        seen, passed = counts[step][0], counts[step - 1][1]
        if seen != passed:
            raise RuntimeError(f"{names[step]} saw {seen} documents, {names[step - 1]} let {passed} through")
    written = sum(
        1 for path in output_dir.glob("*.jsonl") for line in path.open(encoding="utf-8") if line.strip()
    )
    kept = counts[-2][1]
    if written != kept or written == 0:
        raise RuntimeError(f"DataTrove wrote {written} documents, its last filter kept {kept}")
    return {"steps": dict(zip(STEPS, counts[1:-1], strict=True)), "written": written}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("logs", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run_chain(args.input, args.output, args.logs, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
