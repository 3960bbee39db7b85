"""How well segmentation re-joins hard-wrapped text, and leaves unwrapped short lines alone.

Corpus: the gold texts of the dev eval sets (``text`` fields of ``zyte-aeb`` and ``wcxb-dev``, all
languages), whose paragraphs are the reference. Each text is given to ``split_paragraphs``
- as is, one paragraph per line (a text dump): nothing may be joined;
- hard-wrapped with ``textwrap`` at 60, 72 and 80 columns, paragraphs separated by a blank line
  (e-mail, old archives) or by a plain line break (a wrapped text dump);
- the texts in Chinese or Japanese also hard-wrapped at 72 columns the way terminals and CJK mail
  programs wrap: a wide character takes two columns and a line may break between two characters of an
  unspaced script (``textwrap`` breaks at spaces only, so it leaves such a paragraph on one line).
Then the whole chain (``clean_document``, plain text) gets each text as is and wrapped at 72 columns
with a blank line between paragraphs: the share of the text's words its paragraphs keep. The gold
texts are main text, so what the chain removes there is prose lost, and a wrapped text should keep
what the same text keeps one paragraph a line.

    python -m benchmarks.segmentation [--eval DIR]

Prints the share of gold paragraphs recovered exactly and of documents recovered whole, then the
words kept.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import regex

from pipeline.clean.chain import clean_document
from pipeline.clean.segment_paragraphs import split_paragraphs
from pipeline.text import UNSPACED_OR_MARK, columns

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


# What a column wrapper places: a run of white space, one character of an unspaced script, or a word.
_PIECE = regex.compile(rf"\s+|{UNSPACED_OR_MARK.pattern}|(?:(?!{UNSPACED_OR_MARK.pattern})\S)+")


def _wrap_columns(paragraphs: list[str], width: int, separator: str) -> str:
    """The paragraphs wrapped greedily at ``width`` columns, breaking at spaces and between the
    characters of an unspaced script."""
    wrapped = []
    for paragraph in paragraphs:
        lines, line = [], ""
        for piece in _PIECE.findall(paragraph):
            if piece.isspace():
                piece = " "
            if line and columns(line.rstrip() if piece == " " else line + piece) > width:
                lines.append(line.rstrip())
                line = "" if piece == " " else piece
            else:
                line += piece
        lines.append(line.rstrip())
        wrapped.append("\n".join(lines))
    return separator.join(wrapped)


def words_kept(docs: list[list[str]], render: object) -> float:
    """Share of the texts' words that the whole chain's paragraphs keep, ``render`` making the text."""
    assert callable(render)
    given = kept = 0
    for paragraphs in docs:
        doc = clean_document(render(paragraphs), format="text")
        given += sum(len(p.split()) for p in paragraphs)
        kept += min(sum(len(p.split()) for p in doc.paragraphs), given)
    return kept / given


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
    unspaced = [doc for doc in docs if any(UNSPACED_OR_MARK.search(p) for p in doc)]
    for label, render in (
        ("one paragraph per line", "\n".join),
        ("wrapped at 72 columns, CJK-aware, split by a blank line", lambda p: _wrap_columns(p, 72, "\n\n")),
        ("wrapped at 72 columns, CJK-aware, split by a line break", lambda p: _wrap_columns(p, 72, "\n")),
    ):
        paragraphs, whole = score(unspaced, render)
        label = f"the {len(unspaced)} texts in Chinese or Japanese, {label}"
        print(f"| {label} | {paragraphs:.1%} | {whole:.1%} |")
    print()
    print("| input to the whole chain (plain text) | words kept |")
    print("|---|---|")
    for label, texts, render in (
        ("one paragraph per line", docs, "\n\n".join),
        ("wrapped at 72 (textwrap), a blank line between paragraphs", docs, lambda p: _wrap(p, 72, "\n\n")),
        (f"the {len(unspaced)} texts in Chinese or Japanese, one paragraph per line", unspaced, "\n\n".join),
        (
            f"the {len(unspaced)} texts in Chinese or Japanese, wrapped at 72 columns, CJK-aware",
            unspaced,
            lambda p: _wrap_columns(p, 72, "\n\n"),
        ),
    ):
        print(f"| {label} | {words_kept(texts, render):.1%} |")

if __name__ == "__main__":
    main()
