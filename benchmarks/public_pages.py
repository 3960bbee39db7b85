"""Public extractors' test pages as eval sets: sets no rule or model here was tuned on.

Two extractors keep folders of real pages beside the text they should give, each in a checkout of its
repository:

- ``readability``: Mozilla Readability (https://github.com/mozilla/readability), ``test/test-pages``:
  ``<name>/source.html`` and ``<name>/expected.html``, readability.js's own output. Set
  ``readability-test-pages``.
- ``newspaper``: newspaper3k (https://github.com/codelucas/newspaper), ``tests/data``: the pages of its
  full-text test, ``html/<name>.html`` and ``text/<name>.txt``, the article text newspaper should
  extract, named after the site of each URL in ``fulltext_url_list.txt`` (``cnn.com1``, ``cnn.com2``,
  ...). Some of those text files hold a note of a known failure instead ("EXTRACTED NOTHING", "MISSED
  LAST PARAGRAPH") or nothing: a page whose text has fewer than ``MIN_GOLD_WORDS`` words is left out
  (112 of the 145 pages remain; so is such a page of Fundus's). Set ``newspaper-test-pages``.
- ``fundus``: Fundus (https://github.com/flairNLP/fundus), ``tests/resources/parser/test_data``: news
  pages of some 180 publishers in 40 countries, crawled 2023-2026, each with what the publisher's own
  hand-written parser extracts (``<country>/<Publisher>.json``): the body is its summary (the
  standfirst), then each section's headline and paragraphs; the headline of the article is not in it.
  A publisher's parser versions (``V1``, ``V1_1``, ``V2``, ...) follow each other in time, each with
  one test page of its period (``<Publisher>_<date>.html.gz``, its URL in ``meta.info``): versions and
  pages are paired in that order. Set ``fundus-test-pages``.

This script lays either out as the dev sets are laid out, so ``benchmarks/quality.py`` scores the
pipeline on them beside trafilatura and readability-lxml:

- ``html/<id>.html.gz``: the page as it is (the HTML input);
- ``textdump/<id>.txt``: the whole page as plain text (html-text, as the dev sets' dumps are made: menus
  and footers included; the plain-text input);
- ``gold.jsonl``: ``id``, ``url`` (newspaper's and Fundus's pages have theirs), ``text`` (html-text of
  ``expected.html``; newspaper's text file as it is; Fundus's body, a paragraph a line), and ``name``,
  the test page's name.

Each gold text is one extractor's output, so that extractor scores high there by construction
(readability-lxml is readability.js's port; Fundus's parsers are written for each site, the nearest of
the three to a human's reading); the sets serve to compare the pipeline with trafilatura and
with itself across commits, and to find pages lost outright. ``score.py`` is linked from the eval
folder, since ``quality.py`` looks for it beside the sets. Ids are the pages' positions in name order
(000, 001, ...), so a set is the same on every run from the same checkout.

    python benchmarks/public_pages.py --layout readability --pages CHECKOUT/test/test-pages --out DIR
    python benchmarks/public_pages.py --layout newspaper --pages CHECKOUT/tests/data --out DIR
    python benchmarks/public_pages.py --layout fundus --pages CHECKOUT/tests/resources/parser/test_data \
        --out DIR
    python benchmarks/quality.py --eval DIR --sets readability-test-pages newspaper-test-pages

Needs html-text (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.text import count_words  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
# A gold text of fewer words (as the records count them, Chinese and Japanese by their length) is no
# article's text: newspaper's notes of a failure ("EXTRACTED NOTHING"), stubs.
MIN_GOLD_WORDS = 80
# Second-level labels under which a country's domains sit (bbc.co.uk, cricket.com.au).
_SECOND_LEVEL = {"co", "com"}


def readability_pages(pages: Path) -> Iterator[tuple[str, bytes, str, str | None]]:
    """``(name, page bytes, gold text, url)`` of every Mozilla test page that has both files."""
    import html_text

    for folder in sorted(pages.iterdir()):
        source, expected = folder / "source.html", folder / "expected.html"
        if source.is_file() and expected.is_file():
            text = html_text.extract_text(expected.read_text(encoding="utf-8", errors="replace"))
            yield folder.name, source.read_bytes(), text, None


def site_name(url: str) -> str:
    """newspaper's name for a URL's site: its registered domain without ``www``."""
    labels = re.sub(r"^www\.", "", url.split("/")[2]).split(".")
    keep = 3 if len(labels) > 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def newspaper_pages(data: Path) -> Iterator[tuple[str, bytes, str, str | None]]:
    """``(name, page bytes, gold text, url)`` of the pages of newspaper's full-text test whose text file
    holds an article's text."""
    listed = (data / "fulltext_url_list.txt").read_text(encoding="utf-8").splitlines()
    urls = [line.strip() for line in listed if line.strip()]
    counts: dict[str, int] = {}
    named = []
    for url in urls:
        site = site_name(url)
        counts[site] = counts.get(site, 0) + 1
        named.append((f"{site}{counts[site]}", url))
    for name, url in sorted(named):
        page, gold = data / "html" / f"{name}.html", data / "text" / f"{name}.txt"
        if not (page.is_file() and gold.is_file()):
            continue
        text = gold.read_text(encoding="utf-8", errors="replace")
        if count_words(text) >= MIN_GOLD_WORDS:
            yield name, page.read_bytes(), text, url


def _natural(name: str) -> list[Any]:
    """A sort key that puts ``V2`` before ``V10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def fundus_body(body: dict[str, Any]) -> str:
    """A Fundus article body as text: its summary, then each section's headline and paragraphs."""
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(part.strip() for part in parts if part.strip())


def fundus_pages(data: Path) -> Iterator[tuple[str, bytes, str, str | None]]:
    """``(name, page bytes, gold text, url)`` of every Fundus test page whose parser version has a body."""
    for country in sorted(p for p in data.iterdir() if p.is_dir()):
        meta_path = country / "meta.info"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        for cases in sorted(country.glob("*.json")):
            versions = json.loads(cases.read_text(encoding="utf-8"))
            pages = sorted(country.glob(f"{cases.stem}_*.html.gz"))
            if not isinstance(versions, dict) or len(versions) != len(pages):
                continue
            for version, page in zip(sorted(versions, key=_natural), pages, strict=True):
                text = fundus_body(versions[version].get("body") or {})
                if count_words(text) >= MIN_GOLD_WORDS:
                    url = meta.get(page.name, {}).get("url")
                    name = f"{country.name}/{page.name.removesuffix('.html.gz')}"
                    yield name, gzip.decompress(page.read_bytes()), text, url


class Layout(NamedTuple):
    """A project's test pages: the set they become and how to read them."""

    set_name: str
    pages: Callable[[Path], Iterator[tuple[str, bytes, str, str | None]]]


LAYOUTS = {
    "readability": Layout("readability-test-pages", readability_pages),
    "newspaper": Layout("newspaper-test-pages", newspaper_pages),
    "fundus": Layout("fundus-test-pages", fundus_pages),
}


def build_set(layout: str, pages: Path, out: Path) -> int:
    """Write the set of ``layout`` under ``out`` from the test pages under ``pages``; the page count."""
    import html_text

    found = LAYOUTS[layout].pages(pages)
    target = out / LAYOUTS[layout].set_name
    (target / "html").mkdir(parents=True, exist_ok=True)
    (target / "textdump").mkdir(exist_ok=True)
    count = 0
    with open(target / "gold.jsonl", "w", encoding="utf-8") as gold:
        for name, source, text, url in found:
            page_id = f"{count:03d}"
            (target / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(source, mtime=0))
            (target / "textdump" / f"{page_id}.txt").write_text(
                html_text.extract_text(source.decode("utf-8", errors="replace")), encoding="utf-8"
            )
            record = {"id": page_id, "url": url, "text": text, "name": name}
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="readability", help="whose test pages")
    parser.add_argument(
        "--pages", type=Path, required=True, help="the folder of the layout's test pages (see above)"
    )
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
    count = build_set(args.layout, args.pages, args.out)
    link = args.out / "score.py"
    if not link.exists():
        link.symlink_to(scorer.resolve())
    print(f"{count} pages -> {args.out / LAYOUTS[args.layout].set_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
