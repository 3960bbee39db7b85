"""HTML speed: the whole pipeline (its CLI) against trafilatura alone, on the same pages, in one run.

Reference: ``trafilatura.extract(page_bytes, include_comments=False, with_metadata=True)`` on every
page, spread over ``--workers`` processes (what a user of trafilatura alone would run). Pipeline:
``python -m pipeline run --workers N`` on the same pages, end to end (reading, encoding repair,
extraction, boilerplate, segmentation, tagging, writing). Then, in one process, the time each stage
function takes on the same pages (the per-stage split). Prints both times, their ratio and the split.

    python benchmarks/html_speed.py [--eval ../shared/eval] [--sets wcxb-dev zyte-aeb] [--limit 100]
                                    [--workers 2] [--no-split]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PIPELINE_ENV, pipeline_command  # noqa: E402
from pipeline.clean.chain import STAGES, stage_functions  # noqa: E402
from pipeline.clean.read_documents import decode_item  # noqa: E402
from pipeline.clean.readers import RawItem  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.document import Source  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
BENCH_CONFIG = "[input]\nshard_files = 32\n"


def _pages(eval_dir: Path, sets: list[str], limit: int | None) -> list[Path]:
    pages: list[Path] = []
    for name in sets:
        found = sorted((eval_dir / name / "html").glob("*.html.gz"))
        pages += found[:limit] if limit else found
    return pages


def _trafilatura_one(path: Path) -> int:
    import trafilatura

    data = gzip.decompress(path.read_bytes())
    text = trafilatura.extract(data, include_comments=False, with_metadata=True)
    return len(text or "")


def time_trafilatura(pages: list[Path], workers: int) -> float:
    """Seconds for trafilatura alone over ``pages`` with ``workers`` processes."""
    started = time.perf_counter()
    with Pool(workers) as pool:
        list(pool.imap_unordered(_trafilatura_one, pages, chunksize=4))
    return time.perf_counter() - started


def time_pipeline(pages: list[Path], workers: int, work: Path) -> float:
    """Seconds for the pipeline CLI over ``pages`` with ``workers`` Luigi worker processes."""
    raw = work / "raw"
    raw.mkdir()
    for index, page in enumerate(pages):
        (raw / f"{index:05d}-{page.name}").symlink_to(page)
    config = work / "bench.toml"
    config.write_text(BENCH_CONFIG, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        pipeline_command(raw, work / "out", workers, config),
        check=True,
        cwd=ROOT,
        env=PIPELINE_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def stage_split(pages: list[Path]) -> dict[str, float]:
    """Seconds each stage function takes over ``pages`` in this process (decoding included)."""
    functions = stage_functions(Config())
    totals = dict.fromkeys(STAGES, 0.0)
    for path in pages:
        data = gzip.decompress(path.read_bytes())
        item = RawItem(path.name, Source(path=path.name, format="html"), data, "html")
        started = time.perf_counter()
        doc = decode_item(item)
        totals[STAGES[0]] += time.perf_counter() - started
        for name in STAGES[1:]:
            started = time.perf_counter()
            doc = functions[name](doc)
            totals[name] += time.perf_counter() - started
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of eval sets")
    parser.add_argument("--sets", nargs="+", default=["wcxb-dev", "zyte-aeb"])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-split", action="store_true", help="skip the one-process per-stage split")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval} (they live beside the checkout in shared/eval)")
        return 0
    logging.disable(logging.CRITICAL)
    pages = _pages(args.eval, args.sets, args.limit)
    reference = time_trafilatura(pages, args.workers)
    with tempfile.TemporaryDirectory(prefix="html-speed-") as tmp:
        ours = time_pipeline(pages, args.workers, Path(tmp))
    print(f"pages: {len(pages)}, processes: {args.workers}")
    print(f"trafilatura alone: {reference:.1f} s ({len(pages) / reference:.1f} pages/s)")
    print(f"pipeline end to end: {ours:.1f} s ({len(pages) / ours:.1f} pages/s)")
    print(f"ratio pipeline / trafilatura: {ours / reference:.2f}")
    if args.no_split:
        return 0
    split = stage_split(pages)
    total = sum(split.values())
    print("per-stage split (one process):")
    for name, seconds in split.items():
        print(f"  {name:20s} {seconds:7.1f} s  {100 * seconds / total:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
