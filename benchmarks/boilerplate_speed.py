"""Speed of the stage functions on the eval sets' plain-text pages, and a digest of their output.

By default only strip_boilerplate is timed (decoding and encoding repair run first, untimed); with
``--all`` every step of the plain-text path is timed in order, the batch-level ones included
(encoding repair, line counts and learned boilerplate, strip, segment, tag, dedup signatures and
duplicate search, the part file). The digest covers every document's text, title and removal log
(with ``--all``: every final record), so two checkouts can be compared for identical output:

    python benchmarks/boilerplate_speed.py [--eval ../shared/eval] [--repeat 2] [--all]
    (cd OTHER_CHECKOUT && python /path/to/benchmarks/boilerplate_speed.py --root .)

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def time_all(docs: list[Any], repeat: int) -> tuple[dict[str, float], str]:
    """Seconds per step over ``docs`` (decoded, not yet repaired) and a digest of the part file."""
    from pipeline.clean.chain import stage_functions
    from pipeline.clean.language import detect_language
    from pipeline.config import Config
    from pipeline.corpus.find_duplicates import mark_duplicate, signature
    from pipeline.corpus.learn_boilerplate import LineCounter, learn_boilerplate
    from pipeline.run.signature_files import SignatureFiles, duplicates_by_shard, write_signatures
    from pipeline.run.writers import write_shard_outputs

    config = Config()
    detect_language("load the language model before timing")
    fns = stage_functions(config)
    times: dict[str, float] = {}
    times["repair_encoding"], docs = _best(lambda: [fns["repair_encoding"](d) for d in docs], repeat)

    def learn() -> dict[str, frozenset[str]]:
        counter = LineCounter(config.boilerplate)
        for doc in docs:
            counter.add(doc)
        return learn_boilerplate(counter.counts())

    times["learn_boilerplate"], learned = _best(learn, repeat)
    fns = stage_functions(config, learned)
    for name in ("strip_boilerplate", "segment_paragraphs", "tag_metadata"):
        times[name], docs = _best(lambda fn=fns[name], d=docs: [fn(doc) for doc in d], repeat)

    def find() -> dict[str, str]:
        with tempfile.TemporaryDirectory() as tmp:
            files = (Path(tmp, "s.ids.jsonl"), Path(tmp, "s.minhash.npy"))
            write_signatures(*files, [signature(d) for d in docs if not d.rejected])
            maps = duplicates_by_shard(SignatureFiles([files]), config.corpus.near_duplicate_threshold)
            return {doc_id: kept for found in maps for doc_id, kept in found.items()}

    times["find_duplicates"], duplicates = _best(find, repeat)
    with tempfile.TemporaryDirectory() as out:
        part, rejects = Path(out, "part.jsonl"), Path(out, "rejected.jsonl")

        def write() -> None:
            marked = [mark_duplicate(d, duplicates, config.corpus.drop_duplicates) for d in docs]
            write_shard_outputs(marked, part, rejects, config)

        times["write"], _ = _best(write, repeat)
        digest = hashlib.sha256(part.read_bytes() + rejects.read_bytes()).hexdigest()[:16]
    return times, digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline is timed")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many passes")
    parser.add_argument("--all", action="store_true", help="time every step, not only strip_boilerplate")
    args = parser.parse_args(argv)
    if not args.eval.is_dir():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    sys.path.insert(0, str(args.root.resolve()))
    from pipeline.clean.chain import stage_functions
    from pipeline.clean.read_documents import decode_item
    from pipeline.clean.readers import RawItem, Source
    from pipeline.config import Config

    fns = stage_functions(Config())
    docs = []
    for name in SETS:
        for path in sorted((args.eval / name / "textdump").glob("*.txt")):
            item = RawItem(
                path.stem, Source(path=path.name, format="text", url=None), path.read_bytes(), "text", None
            )
            docs.append(decode_item(item))
    if args.all:
        times, digest = time_all(docs, args.repeat)
        total = sum(times.values())
        print(f"{len(docs)} documents, all steps {len(docs) / total:.1f} docs/s, output digest {digest}")
        for name, seconds in times.items():
            print(f"  {name:<20} {seconds:7.2f} s  {seconds / total:6.1%}")
        return 0
    docs = [fns["repair_encoding"](doc) for doc in docs]
    strip = fns["strip_boilerplate"]
    best, out = _best(lambda: [strip(doc) for doc in docs], args.repeat)
    digest = hashlib.sha256(
        json.dumps([(d.text, d.title, [(r.text, r.rule) for r in d.removed]) for d in out]).encode("utf-8")
    ).hexdigest()[:16]
    print(f"{len(docs)} documents, strip_boilerplate {len(docs) / best:.1f} docs/s, output digest {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
