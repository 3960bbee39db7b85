"""Mozilla Readability's test pages as an eval set: a public set no rule or model here was tuned on.

Readability.js keeps a folder of real pages with the text it extracts from each
(``test/test-pages/<name>/source.html`` and ``expected.html``, in a checkout of
https://github.com/mozilla/readability). This script lays them out as the dev sets are laid out, so
``benchmarks/quality.py`` scores the pipeline on them beside trafilatura and readability-lxml:

- ``html/<id>.html.gz``: ``source.html`` as it is (the HTML input);
- ``textdump/<id>.txt``: the whole page as plain text (html-text, as the dev sets' dumps are made: menus
  and footers included; the plain-text input);
- ``gold.jsonl``: ``id``, ``url`` (null), ``text`` = html-text of ``expected.html``, and ``name``, the
  test page's folder.

The gold is readability.js's own output, so readability-lxml (its port) scores high there by
construction; the set serves to compare the pipeline with trafilatura and with itself across commits,
and to find pages lost outright. ``score.py`` is linked from the eval folder, since ``quality.py`` looks
for it beside the sets.

    python benchmarks/readability_pages.py --pages CHECKOUT/test/test-pages --out DIR [--eval ../shared/eval]
    python benchmarks/quality.py --eval DIR --sets readability-test-pages --input html text

Needs html-text (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
SET_NAME = "readability-test-pages"


def build_set(pages: Path, out: Path) -> int:
    """Write the set ``SET_NAME`` under ``out`` from the test pages under ``pages``; the page count.

    A test page without both files is skipped. Ids are the pages' positions in name order (000, 001,
    ...), so the set is the same on every run from the same checkout.
    """
    import html_text

    folders = sorted(
        p for p in pages.iterdir() if (p / "source.html").is_file() and (p / "expected.html").is_file()
    )
    target = out / SET_NAME
    (target / "html").mkdir(parents=True, exist_ok=True)
    (target / "textdump").mkdir(exist_ok=True)
    with open(target / "gold.jsonl", "w", encoding="utf-8") as gold:
        for number, folder in enumerate(folders):
            page_id = f"{number:03d}"
            source = (folder / "source.html").read_bytes()
            expected = (folder / "expected.html").read_text(encoding="utf-8", errors="replace")
            (target / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(source, mtime=0))
            page = source.decode("utf-8", errors="replace")
            (target / "textdump" / f"{page_id}.txt").write_text(
                html_text.extract_text(page), encoding="utf-8"
            )
            record = {
                "id": page_id,
                "url": None,
                "text": html_text.extract_text(expected),
                "name": folder.name,
            }
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(folders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=Path, required=True, help="a readability checkout's test/test-pages")
    parser.add_argument("--out", type=Path, required=True, help="the eval folder to write the set into")
    parser.add_argument(
        "--eval", type=Path, default=DEFAULT_EVAL, help="the eval folder whose score.py to link"
    )
    args = parser.parse_args(argv)
    if not args.pages.is_dir():
        raise SystemExit(f"no test pages at {args.pages}")
    scorer = args.eval / "score.py"
    if not scorer.is_file():
        raise SystemExit(
            f"no score.py at {args.eval} (the eval sets live beside the checkout in shared/eval)"
        )
    count = build_set(args.pages, args.out)
    link = args.out / "score.py"
    if not link.exists():
        link.symlink_to(scorer.resolve())
    print(f"{count} pages -> {args.out / SET_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
