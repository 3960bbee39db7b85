"""Where the plain-text path's time goes: CPU per step, a profile of one step, and its outputs.

On the documents of the speed benchmark's text corpus (``--docs`` of the eval sets' text dumps, copies
carrying a changed first line, as ``benchmarks/speed.py`` builds them) in one process: the CPU time of
decoding, of every stage function, of counting and learning the batch's boilerplate lines and of the
duplicate search, beside a profile of the ``--profile`` steps (cProfile, functions ranked by own and by
cumulative time). A warm-up document runs first, so one-off loading (models, the catalogue) is not
counted against the documents.

``--dump FILE`` writes every final document in full (text, paragraphs, metadata, removals, rejection),
one JSON line each, so two checkouts can be compared byte for byte on the same documents.

    python benchmarks/text_profile.py [--eval ../shared/eval] [--docs 2000] [--profile strip_boilerplate]
                                      [--top 25] [--dump FILE]

It exits 0 with a message when the eval folder is absent.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import duplicates, ranked  # noqa: E402
from benchmarks.speed import DEFAULT_EVAL, source_pages  # noqa: E402
from pipeline.clean import strip_boilerplate  # noqa: E402
from pipeline.clean.chain import STAGES, stage_functions  # noqa: E402
from pipeline.clean.read_documents import decode_item  # noqa: E402
from pipeline.clean.readers import RawItem  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.corpus.find_duplicates import mark_duplicate  # noqa: E402
from pipeline.corpus.learn_boilerplate import LineCounter, learn_boilerplate  # noqa: E402
from pipeline.document import Document, Source, document_to_dict, dumps  # noqa: E402

DECODE = "read_documents (decoding)"
LEARN = "learn_boilerplate"
DEDUP = "find_duplicates"


def corpus(pages: list[bytes], n_docs: int) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of ``n_docs`` text documents, as ``speed.build_corpus`` writes them."""
    docs = []
    for i in range(n_docs):
        page = pages[i % len(pages)]
        copy = i // len(pages)
        docs.append((f"doc{i:07d}.txt", f"Copy {copy}\n".encode() + page if copy else page))
    return docs


def decoded(items: list[tuple[str, bytes]]) -> list[Document]:
    """The documents as the pipeline decodes them before its stages."""
    return [
        decode_item(RawItem(name.removesuffix(".txt"), Source(path=name, format="text"), data, "text"))
        for name, data in items
    ]


class Steps:
    """Every step of the text path over a list of documents, each timed, any of them profiled."""

    def __init__(self, config: Config, profiled: frozenset[str]) -> None:
        self.config = config
        self.profiled = profiled
        self.cpu: dict[str, float] = {}
        self.profiler = cProfile.Profile()

    def timed(self, name: str, fn: Callable[[], object]) -> object:
        """Run ``fn``, adding its CPU time to ``name`` (and its profile when ``name`` is profiled)."""
        started = time.process_time()
        if name in self.profiled:
            self.profiler.enable()
        result = fn()
        if name in self.profiled:
            self.profiler.disable()
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - started
        return result

    def run(self, items: list[tuple[str, bytes]]) -> list[Document]:
        """The final documents of ``items``, as the DAG makes them (without files between stages)."""
        docs: list[Document] = self.timed(DECODE, lambda: decoded(items))  # type: ignore[assignment]
        strip = STAGES.index(strip_boilerplate.STAGE)
        functions = stage_functions(self.config)
        for name in STAGES[1:strip]:
            docs = [self.timed(name, lambda d=doc, f=functions[name]: f(d)) for doc in docs]  # type: ignore[misc]
        counter = LineCounter(self.config.boilerplate)
        for doc in docs:
            self.timed(LEARN, lambda d=doc: counter.add(d))  # type: ignore[misc]
        learned = self.timed(LEARN, lambda: learn_boilerplate(counter.counts()))
        functions = stage_functions(self.config, learned)  # type: ignore[arg-type]
        for name in STAGES[strip:]:
            docs = [self.timed(name, lambda d=doc, f=functions[name]: f(d)) for doc in docs]  # type: ignore[misc]
        found: dict[str, str] = self.timed(DEDUP, lambda: duplicates(docs, self.config))  # type: ignore[assignment]
        drop = self.config.corpus.drop_duplicates
        return [mark_duplicate(doc, found, drop) for doc in docs]

    def profile(self, top: int) -> str:
        """The profiled steps' functions: the ``top`` by own time and by cumulative time."""
        return ranked(self.profiler, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of the eval sets")
    parser.add_argument("--docs", type=int, default=2000, help="documents in the corpus")
    parser.add_argument("--profile", nargs="*", default=[], help="steps to profile (stage names)")
    parser.add_argument("--top", type=int, default=25, help="functions listed in each ranking")
    parser.add_argument("--dump", type=Path, help="write the final documents here, one JSON line each")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    logging.disable(logging.CRITICAL)
    items = corpus(source_pages(args.eval, "text"), args.docs)
    Steps(Config(), frozenset()).run(items[:1])  # one-off loading: models, catalogue
    steps = Steps(Config(), frozenset(args.profile))
    docs = steps.run(items)
    total = sum(steps.cpu.values())
    print(f"{len(items)} text documents, one process\n")
    print("| step | CPU s | share |\n|---|---|---|")
    for name, seconds in steps.cpu.items():
        print(f"| {name} | {seconds:.2f} | {seconds / total:.1%} |")
    print(f"| all steps | {total:.2f} | 100% |\n")
    if args.profile:
        print(steps.profile(args.top))
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            out.writelines(dumps(document_to_dict(doc)) + "\n" for doc in docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
