"""Where the HTML path's time goes: CPU per stage, and a profile of the extraction stage.

On the same pages in one process (the first ``--limit`` HTML pages of each eval set): the CPU time
of decoding and of every stage function, beside that of ``trafilatura.extract(with_metadata=True)``
on the same bytes (the reference of the HTML speed target); then the extraction stage alone under
cProfile, its functions ranked by own time and by cumulative time. A warm-up page runs first, so
one-off loading (models, the catalogue) is not counted against the pages.

    python benchmarks/html_profile.py [--eval ../shared/eval] [--limit 100] [--top 25]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import ranked  # noqa: E402
from pipeline.clean.chain import stage_functions  # noqa: E402
from pipeline.clean.read_documents import decode_item  # noqa: E402
from pipeline.clean.readers import RawItem  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.document import Document, Source  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")


def pages_of(eval_dir: Path, limit: int | None) -> list[tuple[str, bytes]]:
    """``(name, HTML bytes)`` of the first ``limit`` pages of every eval set."""
    found = []
    for name in SETS:
        paths = sorted((eval_dir / name / "html").glob("*.html.gz"))
        found += [(f"{name}/{p.name}", gzip.decompress(p.read_bytes())) for p in paths[:limit]]
    return found


def decoded(pages: list[tuple[str, bytes]]) -> list[Document]:
    """The pages as the pipeline decodes them before its stages."""
    return [
        decode_item(RawItem(name, Source(path=name, format="html"), data, "html")) for name, data in pages
    ]


def stage_cpu(docs: list[Document]) -> dict[str, float]:
    """CPU seconds of every stage function over ``docs``, in the order the DAG runs them."""
    functions = stage_functions(Config())
    totals = dict.fromkeys(functions, 0.0)
    for doc in docs:
        for name in functions:
            started = time.process_time()
            doc = functions[name](doc)
            totals[name] += time.process_time() - started
    return totals


def trafilatura_cpu(pages: list[tuple[str, bytes]]) -> float:
    """CPU seconds of ``trafilatura.extract`` with metadata (comments off) over the same bytes."""
    import trafilatura

    started = time.process_time()
    for _, data in pages:
        trafilatura.extract(data, include_comments=False, with_metadata=True)
    return time.process_time() - started


def profile_extraction(docs: list[Document], top: int) -> str:
    """cProfile of the extraction stage alone: the ``top`` functions by own and by cumulative time."""
    extract = stage_functions(Config())["extract_text"]
    profiler = cProfile.Profile()
    for doc in docs:
        profiler.enable()
        extract(doc)
        profiler.disable()
    return ranked(profiler, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of the eval sets")
    parser.add_argument("--limit", type=int, default=100, help="pages of each set (0: all)")
    parser.add_argument("--top", type=int, default=25, help="functions listed in each ranking")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    logging.disable(logging.CRITICAL)
    pages = pages_of(args.eval, args.limit or None)
    stage_cpu(decoded(pages[:1]))  # one-off loading: models, catalogue, date parser
    started = time.process_time()
    docs = decoded(pages)
    decode = time.process_time() - started
    split = {"read_documents (decoding)": decode, **stage_cpu(docs)}
    reference = trafilatura_cpu(pages)
    total = sum(split.values())
    print(f"{len(pages)} pages, one process\n")
    print("| step | CPU s | share | / trafilatura with metadata |\n|---|---|---|---|")
    for name, seconds in split.items():
        print(f"| {name} | {seconds:.2f} | {seconds / total:.1%} | {seconds / reference:.2f} |")
    print(f"| all steps | {total:.2f} | 100% | {total / reference:.2f} |")
    print(f"| trafilatura.extract with metadata | {reference:.2f} | | 1.00 |\n")
    print(profile_extraction(docs, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
