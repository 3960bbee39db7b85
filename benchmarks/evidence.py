"""The measurements behind tuned numbers that have no benchmark of their own, on the dev eval sets.

    python benchmarks/evidence.py titles    # title weights (pipeline/clean/title.py)
    python benchmarks/evidence.py lengths   # byline, heading, caption, title, date-line word limits
    python benchmarks/evidence.py language  # the language probability floor (pipeline/clean/language.py)
    python benchmarks/evidence.py bytes     # UTF-16 and NUL byte shares (pipeline/clean/charset.py)

``titles``: each text dump's title, found by ``strip_boilerplate``, against the title of the same page's
HTML (trafilatura's metadata, its site suffix removed), both normalised, in all and per set; then the
same with each title weight changed, to see how much the choice depends on it. The other commands print
distributions that the comments beside the numbers quote. Every command exits 0 with a message when
the eval folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval", "cleaneval-dev")


def _pages(eval_dir: Path) -> Iterator[tuple[str, str, Path, Path]]:
    """``(set, id, text dump, html)`` of every dev page that has both."""
    for name in SETS:
        for dump in sorted((eval_dir / name / "textdump").glob("*.txt")):
            html = eval_dir / name / "html" / f"{dump.stem}.html.gz"
            if html.exists():
                yield name, dump.stem, dump, html


def _repaired_text(path: Path) -> Any:
    """A text dump as ``strip_boilerplate`` receives it (decoded, repaired)."""
    from pipeline.clean.read_documents import decode_item
    from pipeline.clean.readers import RawItem
    from pipeline.clean.repair_encoding import repair_encoding
    from pipeline.document import Source

    item = RawItem(path.stem, Source(path.name, "text"), path.read_bytes(), "text")
    return repair_encoding(decode_item(item))


def titles(eval_dir: Path) -> None:
    """How often the title found in a text dump is the HTML page's title, per weight setting (and per set)."""
    import trafilatura.metadata

    from pipeline.clean import title as title_module
    from pipeline.clean.strip_boilerplate import strip_boilerplate
    from pipeline.config import BoilerplateConfig
    from pipeline.rules import load_rules, normalize_line

    rules, cfg = load_rules(), BoilerplateConfig()
    pages = []
    for name, _, dump, html in _pages(eval_dir):
        meta = trafilatura.metadata.extract_metadata(
            gzip.decompress(html.read_bytes()).decode("utf-8", "replace")
        )
        reference = meta.title if meta is not None else None
        if reference:
            key = normalize_line(title_module.split_site_suffix(reference)[0])
            pages.append((name, _repaired_text(dump), key))
    weights = (
        "TITLE_FULL_WORDS",
        "SITE_SUFFIX_WEIGHT",
        "FIRST_LINE_SUFFIX_WEIGHT",
        "REPEATED_WEIGHT",
        "NOT_A_TITLE_WEIGHT",
    )
    defaults = {name: getattr(title_module, name) for name in weights}
    variants: list[tuple[str, dict[str, float]]] = [("shipped", {})]
    for name, value in defaults.items():
        for factor in (0.5, 2.0):
            changed = type(value)(value * factor)
            variants.append((f"{name} = {changed}", {name: changed}))
    suffix = defaults["SITE_SUFFIX_WEIGHT"]
    variants.append((f"first line's suffix as any other ({suffix})", {"FIRST_LINE_SUFFIX_WEIGHT": suffix}))
    first = defaults["FIRST_LINE_SUFFIX_WEIGHT"]
    variants.append((f"every suffix as the first line's ({first})", {"SITE_SUFFIX_WEIGHT": first}))
    no_weights = {"SITE_SUFFIX_WEIGHT": 0, "FIRST_LINE_SUFFIX_WEIGHT": 0, "REPEATED_WEIGHT": 0}
    variants.append(("no weights (length only)", no_weights))
    print(f"{len(pages)} dev pages with an HTML title; title found in the text dump:")
    print(f"| weights | same as HTML title | same, by set ({' / '.join(SETS)}) | another title | no title |")
    print("|---|---|---|---|---|")
    for label, change in variants:
        for name, value in {**defaults, **change}.items():
            setattr(title_module, name, value)
        same: Counter[str] = Counter()
        other = none = 0
        for set_name, doc, key in pages:
            found = strip_boilerplate(doc, rules, cfg).title
            if found is None:
                none += 1
            elif normalize_line(found) == key:
                same[set_name] += 1
            else:
                other += 1
        by_set = " / ".join(str(same[name]) for name in SETS)
        print(f"| {label} | {sum(same.values())} | {by_set} | {other} | {none} |")
    for name, value in defaults.items():
        setattr(title_module, name, value)


def _distribution(values: list[int], limit: int) -> str:
    values = sorted(values)
    if not values:
        return "none"
    over = sum(1 for v in values if v > limit)
    share = [values[int(q * (len(values) - 1))] for q in (0.5, 0.9, 0.99)]
    quantiles = f"median {share[0]}, p90 {share[1]}, p99 {share[2]}, max {values[-1]}"
    return f"{len(values)} values, {quantiles}, over {limit}: {over}"


def lengths(eval_dir: Path) -> None:
    """Word counts of headings, titles, bylines, captions and date lines on the dev pages."""
    from lxml import html as lxml_html

    from pipeline.clean import credits, segment_paragraphs, title
    from pipeline.clean.segment_paragraphs import split_paragraphs
    from pipeline.clean.strip_boilerplate import strip_boilerplate
    from pipeline.config import BoilerplateConfig
    from pipeline.rules import load_rules
    from pipeline.text import LETTERS

    rules, cfg = load_rules(), BoilerplateConfig()
    headings: list[int] = []
    titles_words: list[int] = []
    bylines: list[int] = []
    byline_positions: Counter[str] = Counter()
    captions: list[int] = []
    dates: list[int] = []
    for _, _, dump, page in _pages(eval_dir):
        tree = lxml_html.fromstring(gzip.decompress(page.read_bytes()))
        for element in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(element.text_content().split())
            if text:
                headings.append(len(LETTERS.findall(text)))
        for element in tree.iter("title"):
            text = title.split_site_suffix(" ".join(element.text_content().split()))[0]
            if text:
                titles_words.append(len(text.split()))
        # What segmentation and tagging see: the body after strip_boilerplate, and the lines it removed.
        stripped = strip_boilerplate(_repaired_text(dump), rules, cfg)
        paragraphs = split_paragraphs(stripped.text)
        for i, paragraph in enumerate(paragraphs):
            if credits._BYLINE_PARAGRAPH.match(paragraph.strip()):
                bylines.append(len(paragraph.split()))
                edge = min(i, len(paragraphs) - 1 - i)
                byline_positions["within 3 of an edge" if edge < 3 else "further in"] += 1
            if segment_paragraphs._CAPTION_CREDIT.search(paragraph):
                captions.append(len(LETTERS.findall(paragraph)))
        for removal in stripped.removed:
            if credits._DATE_TEXT.search(removal.text) and len(removal.text.split()) <= 40:
                dates.append(len(removal.text.split()))
    print("HTML h1-h6 (letter-run words):", _distribution(headings, segment_paragraphs.HEADING_MAX_WORDS))
    print("HTML <title> without site suffix (words):", _distribution(titles_words, title.TITLE_MAX_WORDS))
    print("body paragraphs of byline form (words):", _distribution(bylines, credits.BYLINE_MAX_WORDS))
    print("  where they stand:", dict(byline_positions))
    print("body paragraphs ending in a photo credit (words):", _distribution(captions, 60))
    print("removed lines of at most 40 words holding a date (words):", _distribution(dates, 12))


def language(eval_dir: Path) -> None:
    """The language probability of the dev gold texts and of the cleaned text dumps."""
    from pipeline.clean.language import detect_language

    buckets = [0.3, 0.4, 0.5, 0.6, 0.7, 0.9]
    for label, texts in (
        ("gold texts", _gold_texts(eval_dir)),
        ("cleaned text dumps", _clean_dumps(eval_dir)),
    ):
        scores = [detect_language(text)[1] for text in texts if text.strip()]
        counts = {f"< {b}": sum(1 for s in scores if s < b) for b in buckets}
        print(f"{label}: {len(scores)} texts, probability {counts}")


def _gold_texts(eval_dir: Path) -> list[str]:
    texts = []
    for name in SETS:
        for line in (eval_dir / name / "gold.jsonl").read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text")
            if text:
                texts.append(text)
    return texts


def _clean_dumps(eval_dir: Path) -> list[str]:
    from pipeline import clean_document

    return [clean_document(dump.read_bytes()).text for _, _, dump, _ in _pages(eval_dir)]


def byte_shares(eval_dir: Path) -> None:
    """NUL bytes in the dev pages, and where they fall in the same texts encoded as UTF-16."""
    nul_shares = []
    high, low = [], []
    for _, _, dump, page in _pages(eval_dir):
        for data in (dump.read_bytes(), gzip.decompress(page.read_bytes())):
            nul_shares.append(data.count(0) / max(1, len(data)))
        text = dump.read_text(encoding="utf-8", errors="replace")[:2048]
        encoded = text.encode("utf-16-le")[:4096]
        if len(encoded) >= 4:
            high.append(encoded[1::2].count(0) / len(encoded[1::2]))
            low.append(encoded[0::2].count(0) / len(encoded[0::2]))
    print(f"NUL share of the raw pages: max {max(nul_shares):.5f} over {len(nul_shares)} files")
    high.sort()
    low.sort()
    print(
        f"UTF-16-LE of the text dumps ({len(high)}): NUL share of the high bytes min {high[0]:.3f},"
        f" 5th percentile {high[len(high) // 20]:.3f}, median {high[len(high) // 2]:.3f};"
        f" of the low bytes max {low[-1]:.4f}"
    )
    under = [s for s in high if s <= 0.5]
    print(f"  pages whose high bytes are NUL at most half the time: {len(under)}")


COMMANDS: dict[str, Callable[[Path], None]] = {
    "titles": titles,
    "lengths": lengths,
    "language": language,
    "bytes": byte_shares,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").is_file():
        print(f"skipped: no eval sets at {args.eval}")
        return 0
    COMMANDS[args.command](args.eval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
