"""What the benchmark scripts share: how they run the real pipeline command line."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The environment of a pipeline run from a benchmark: this checkout's package first.
PIPELINE_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def pipeline_command(raw: Path, out: Path, workers: int, config: Path, *extra: str) -> list[str]:
    """``python -m pipeline run`` over ``raw`` into ``out`` with ``workers`` processes and a config file."""
    command = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out)]
    return command + ["--workers", str(workers), "--config", str(config), *extra]


def learned_lines(docs: list[Any], config: Any) -> dict[str, frozenset[str]]:
    """The batch's learned boilerplate, counted and learned as the tasks do, in this process."""
    from pipeline.corpus.learn_boilerplate import LineCounter, learn_boilerplate

    counter = LineCounter(config.boilerplate)
    for doc in docs:
        counter.add(doc)
    return learn_boilerplate(counter.counts())


def duplicates(docs: list[Any], config: Any) -> dict[str, str]:
    """``{duplicate id: kept id}`` of the documents, found as the tasks find them (signature files)."""
    from pipeline.corpus.find_duplicates import signature
    from pipeline.run.signature_files import SignatureFiles, duplicates_by_shard, write_signatures

    with tempfile.TemporaryDirectory() as tmp:
        ids, minhash = Path(tmp, "signatures.ids.jsonl"), Path(tmp, "signatures.minhash.npy")
        write_signatures(ids, minhash, [signature(doc) for doc in docs if not doc.rejected])
        found = duplicates_by_shard(SignatureFiles([(ids, minhash)]), config.corpus.near_duplicate_threshold)
        return {doc_id: kept for shard in found for doc_id, kept in shard.items()}


def ranked(profiler: cProfile.Profile, top: int) -> str:
    """A profile's ``top`` functions by own time and by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()
