"""Speed of the strip_boilerplate stage alone on the eval sets' plain-text pages, and a digest of its output.

Stages before it (decoding, encoding repair) run first and are not timed. The digest covers every
document's text, title and removal log, so two checkouts can be compared for identical output:

    python benchmarks/boilerplate_speed.py [--eval ../shared/eval] [--repeat 2]
    (cd OTHER_CHECKOUT && python /path/to/benchmarks/boilerplate_speed.py --root .)

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline is timed")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many passes")
    args = parser.parse_args(argv)
    if not args.eval.is_dir():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    sys.path.insert(0, str(args.root.resolve()))
    from pipeline.config import Config
    from pipeline.readers import RawItem, Source
    from pipeline.stages import decode_item, stage_functions

    fns = stage_functions(Config())
    docs = []
    for name in SETS:
        for path in sorted((args.eval / name / "textdump").glob("*.txt")):
            item = RawItem(
                path.stem, Source(path=path.name, format="text", url=None), path.read_bytes(), "text", None
            )
            docs.append(fns["repair_encoding"](decode_item(item)))
    strip = fns["strip_boilerplate"]
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        out = [strip(doc) for doc in docs]
        best = min(best, time.perf_counter() - started)
    digest = hashlib.sha256(
        json.dumps([(d.text, d.title, [(r.text, r.rule) for r in d.removed]) for d in out]).encode("utf-8")
    ).hexdigest()[:16]
    print(f"{len(docs)} documents, strip_boilerplate {len(docs) / best:.1f} docs/s, output digest {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
