"""How right the records' metadata is, on the dev sets: the title against gold titles, the language
against the language the page declares.

It reads the records a ``quality.py --keep DIR`` run left (the output folders ``DIR/<set>-<input>/out``) and
compares, per set and input:

- ``title``: against the set's gold title where it has one (wcxb-dev), both normalised (case, white space,
  curly quotes): equal, one inside the other (a site name or a subtitle more or less), another title,
  none. The record format wants the title without the site's name, so "inside" is not a match;
- ``language``: against the primary subtag of the page's ``<html lang>`` where it declares one: the same,
  another, no language. A page may declare its template's language rather than its text's (English
  templates around German articles), so this is a floor of the languages found right.

    python benchmarks/quality.py --input text html --keep DIR
    python benchmarks/metadata.py DIR [--eval ../shared/eval]

It exits 0 with a message when the eval folder or the records are absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.tools.output import iter_clean  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev", "trafilatura-eval", "cleaneval-dev")
INPUTS = ("text", "html")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def normalised(text: str | None) -> str:
    """A title as compared: curly quotes straight, white space squeezed, case folded."""
    return " ".join((text or "").translate(_QUOTES).split()).casefold()


def title_verdict(found: str | None, gold: str) -> str:
    """``equal``, ``inside`` (one holds the other), ``other`` or ``none`` for a record's title."""
    ours, theirs = normalised(found), normalised(gold)
    if not ours:
        return "none"
    if ours == theirs:
        return "equal"
    return "inside" if ours in theirs or theirs in ours else "other"


def language_verdict(found: str | None, declared: str) -> str:
    """``same``, ``other`` or ``none`` for a record's language against a page's declared one."""
    if not found:
        return "none"
    return "same" if found == declared else "other"


def declared_language(html: bytes) -> str | None:
    """The primary subtag of a page's ``<html lang>`` (``de`` of ``de-CH``), lower case, if it has one."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - a page lxml cannot read declares nothing
        return None
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    primary = lang.replace("_", "-").split("-")[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def tally(kept: Path, eval_dir: Path, name: str, kind: str) -> dict[str, Counter[str]]:
    """Title and language verdicts of one set and input's records."""
    gold: Mapping[str, dict] = {
        row["id"]: row
        for row in map(json.loads, (eval_dir / name / "gold.jsonl").read_text(encoding="utf-8").splitlines())
    }
    titles: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for _, record in iter_clean(kept / f"{name}-{kind}" / "out"):
        page_id = record["id"]
        page = gold.get(page_id, {})
        if page.get("title"):
            titles[title_verdict(record["title"], page["title"])] += 1
        html = eval_dir / name / "html" / f"{page_id}.html.gz"
        declared = declared_language(gzip.decompress(html.read_bytes())) if html.exists() else None
        if declared:
            languages[language_verdict(record["language"], declared)] += 1
    return {"title": titles, "language": languages}


def table(rows: list[tuple[str, str, dict[str, Counter[str]]]]) -> str:
    """The verdicts as one Markdown table, a row per set and input."""
    lines = [
        "| set | input | title: equal / inside / other / none (of pages with a gold title) "
        "| language: same / other / none (of pages declaring one) |",
        "|---|---|---|---|",
    ]
    for name, kind, counts in rows:
        title, language = counts["title"], counts["language"]
        title_cell = (
            " / ".join(str(title[k]) for k in ("equal", "inside", "other", "none"))
            + f" ({sum(title.values())})"
            if title
            else "-"
        )
        language_cell = " / ".join(str(language[k]) for k in ("same", "other", "none")) + (
            f" ({sum(language.values())})"
        )
        lines.append(f"| {name} | {kind} | {title_cell} | {language_cell} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kept", type=Path, help="the --keep folder of a quality.py run")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder of the eval sets")
    args = parser.parse_args(argv)
    if not args.eval.is_dir():
        print(f"no eval sets at {args.eval}: nothing to measure")
        return 0
    rows = [
        (name, kind, tally(args.kept, args.eval, name, kind))
        for name in SETS
        for kind in INPUTS
        if (args.kept / f"{name}-{kind}" / "out" / "manifest.json").exists()
    ]
    if not rows:
        print(f"no records of a quality.py --keep run under {args.kept}: nothing to measure")
        return 0
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
