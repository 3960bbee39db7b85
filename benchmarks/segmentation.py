"""How well segmentation re-joins hard-wrapped text, and leaves unwrapped short lines alone.

Corpus: the gold texts of the dev eval sets (``text`` fields of ``zyte-aeb`` and ``wcxb-dev``, all
languages), whose paragraphs are the reference. Each text is given to ``split_paragraphs``
- as is, one paragraph per line (a text dump): nothing may be joined;
- hard-wrapped with ``textwrap`` at 60, 72 and 80 columns, paragraphs separated by a blank line
  (e-mail, old archives) or by a plain line break (a wrapped text dump).

    python -m benchmarks.segmentation [--eval DIR]

Prints the share of gold paragraphs recovered exactly and of documents recovered whole.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import regex

from pipeline.clean.segment_paragraphs import split_paragraphs

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev")
_SPACE = regex.compile(r"[\s\p{Zs}\u200b\ufeff]+")


def gold_paragraphs(eval_dir: Path) -> Iterator[list[str]]:
    """The paragraphs (non-blank lines, white space normalised) of every gold text."""
    for name in SETS:
        path = eval_dir / name / "gold.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text")
            if text:
                paragraphs = [_SPACE.sub(" ", p).strip() for p in text.split("\n")]
                yield [p for p in paragraphs if p]


def _wrap(paragraphs: list[str], width: int, separator: str) -> str:
    return separator.join(
        textwrap.fill(p, width=width, break_long_words=False, break_on_hyphens=True) for p in paragraphs
    )


def score(docs: list[list[str]], render: object) -> tuple[float, float]:
    """Share of gold paragraphs found exactly, share of documents whose paragraphs all match."""
    assert callable(render)
    found = total = whole = 0
    for paragraphs in docs:
        got = split_paragraphs(render(paragraphs))
        total += len(paragraphs)
        found += sum((Counter(paragraphs) & Counter(got)).values())
        whole += got == paragraphs
    return found / total, whole / len(docs)


def main() -> None:
    """Print paragraph recovery on wrapped and unwrapped gold texts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL)
    args = parser.parse_args()
    docs = list(gold_paragraphs(args.eval))
    print(f"{len(docs)} gold texts, {sum(map(len, docs))} paragraphs")
    print("| input | paragraphs recovered | documents recovered whole |")
    print("|---|---|---|")
    cases: list[tuple[str, object]] = [("one paragraph per line (must not join)", "\n".join)]
    for width in (60, 72, 80):
        for label, sep in (("blank line", "\n\n"), ("line break", "\n")):
            cases.append(
                (
                    f"wrapped at {width}, paragraphs split by a {label}",
                    lambda p, w=width, s=sep: _wrap(p, w, s),
                )
            )
    for label, render in cases:
        paragraphs, whole = score(docs, render)
        print(f"| {label} | {paragraphs:.1%} | {whole:.1%} |")


if __name__ == "__main__":
    main()
