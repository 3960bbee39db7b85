"""Memory and time of the batch-wide duplicate search (``FindDuplicates``) as the batch grows.

Writes synthetic signature files the way the ``TagMetadata`` tasks do (one pair of files per shard of
``--shard-docs`` documents: ids and content hashes as JSON Lines, MinHash values as ``.npy``), with a
share of near copies (a row with a few values changed) and exact copies, then runs the search over them
in a fresh process per size and reports its time and memory: the process's peak RSS, how much of it
the search added (``VmHWM`` against ``VmRSS`` before it, from ``/proc/self/status``) and the tracemalloc
peak (Python objects and numpy arrays).

    python benchmarks/dedup_memory.py [--sizes 10000 100000 1000000] [--copies 0.1] [--shard-docs 250]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.corpus.find_duplicates import NUM_PERM, Signature  # noqa: E402
from pipeline.run.signature_files import write_signatures  # noqa: E402

_SEARCH = """
import json, sys, time, tracemalloc
from pipeline.run.signature_files import SignatureFiles, duplicates_by_shard

def status_kb(field):  # this process's own memory (ru_maxrss would include the parent's before exec)
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

shards = json.loads(open(sys.argv[1]).read())
before = status_kb("VmRSS")
tracemalloc.start()
start = time.perf_counter()
found = sum(len(m) for m in duplicates_by_shard(SignatureFiles(shards)))
seconds = time.perf_counter() - start
peak_py = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
peak = status_kb("VmHWM")
result = {"seconds": seconds, "rss_kb": peak - before, "peak_kb": peak, "python_peak": peak_py}
print(json.dumps({**result, "found": found}))
"""


def write_batch(folder: Path, n_docs: int, copies: float, shard_docs: int, seed: int) -> list[list[str]]:
    """Signature files of ``n_docs`` documents; ``copies`` of them copy an earlier one (a tenth exactly)."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 2**32, size=(n_docs, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    hashes = [f"{i:064x}" for i in range(n_docs)]
    n_copies = int(n_docs * copies)
    # In ascending order, so that a copy of a copy copies its final values.
    targets = np.sort(rng.choice(np.arange(1, n_docs), size=n_copies, replace=False)) if n_copies else []
    for k, target in enumerate(targets):
        source = int(rng.integers(0, target))
        matrix[target] = matrix[source]
        if k % 10 == 0:
            hashes[target] = hashes[source]
        else:  # a near copy: 5-15 of 128 values differ (estimated Jaccard 0.88-0.96)
            changed = rng.choice(NUM_PERM, size=int(rng.integers(5, 16)), replace=False)
            matrix[target, changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint64)
    shards = []
    for shard, start in enumerate(range(0, n_docs, shard_docs)):
        ids, minhash = folder / f"shard-{shard:06d}.jsonl", folder / f"shard-{shard:06d}.minhash.npy"
        rows = range(start, min(n_docs, start + shard_docs))
        write_signatures(
            ids, minhash, (Signature(f"doc{i:09d}", hashes[i], tuple(matrix[i].tolist())) for i in rows)
        )
        shards.append([str(ids), str(minhash)])
    return shards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--copies", type=float, default=0.1, help="share of documents that copy another")
    parser.add_argument("--shard-docs", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print("| documents | copies | found | seconds | peak RSS MB | added by the search MB | objects MB |")
    print("|---|---|---|---|---|---|---|")
    for n_docs in args.sizes:
        with tempfile.TemporaryDirectory(prefix="dedup-memory-") as tmp:
            shards = write_batch(Path(tmp), n_docs, args.copies, args.shard_docs, args.seed)
            listing = Path(tmp) / "shards.json"
            listing.write_text(json.dumps(shards), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-c", _SEARCH, str(listing)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"| {n_docs:,} | {int(n_docs * args.copies):,} | {r['found']:,} | {r['seconds']:.1f} | "
                f"{r['peak_kb'] / 1024:.0f} | {r['rss_kb'] / 1024:.1f} | {r['python_peak'] / 1e6:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
