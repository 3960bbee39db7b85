"""The cheaper author search answers what trafilatura's own answers, on made-up pages and dev pages."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

import pytest
import trafilatura
import trafilatura.metadata
from trafilatura.utils import load_html

from pipeline.clean import author_search
from pipeline.clean.author_search import cheaper_author_search, expressions_digest, extract_author


def _trafilatura_author(html: str) -> Any:
    return author_search._original(load_html(html))


PAGES = {
    # a byline of the first expression, and one of the last (any element, "writer" in its class)
    '<p class="author">Jane Roe</p>': "Jane Roe",
    '<section class="story-writer">Jane Roe</section>': "Jane Roe",
    # a byline inside a comment section is pruned before the search; the article's is found
    '<div class="comments"><span class="author">A Reader</span></div><span class="byline">Jane Roe</span>':
        "Jane Roe",
    # a date inside the byline is pruned from it, its tail kept: "By Jane Roe"
    '<div class="byline">By <time>3 May 2021</time>Jane Roe</div>': "Jane Roe",
    '<div class="byline">By <span class="date">3 May</span> Jane <b>Roe</b></div>': "Jane Roe",
    # too long, then a shorter one of the next expression
    f'<span class="author-name">{"x " * 80}</span><h4 class="submitted-by">Jane Roe</h4>': "Jane Roe",
    # the element <author>; a <rel> element (trafilatura's own search is asked)
    "<author>Jane Roe</author>": "Jane Roe",
    '<div rel="author">Jane Roe<rel>me</rel></div>': "Jane Roe me",
    # nothing that names an author
    "<p>Text of the article.</p>": None,
}


@pytest.mark.parametrize("body", PAGES)
def test_the_same_author_as_trafilatura(body: str) -> None:
    html = f"<html><head><title>T</title></head><body><article>{body}<p>Body.</p></article></body></html>"
    tree = load_html(html)
    expected = author_search._original(load_html(html))
    assert extract_author(tree) == expected == PAGES[body]


def test_the_installed_trafilatura_has_the_expressions_read_here() -> None:
    # A trafilatura whose author expressions differ gets no hook (and its own search): this test says so.
    assert expressions_digest() == author_search.EXPRESSIONS_DIGEST


def test_trafilatura_searches_alone_outside_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    html = '<html><body><p class="author">Jane Roe</p></body></html>'
    calls: list[Any] = []
    monkeypatch.setattr(author_search, "extract_author", lambda tree: calls.append(tree) or "ours")
    with cheaper_author_search():
        assert trafilatura.metadata.extract_author(load_html(html)) == "ours"
    assert trafilatura.metadata.extract_author(load_html(html)) == "Jane Roe"
    assert len(calls) == 1


def test_changed_expressions_leave_trafilatura_alone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(author_search, "EXPRESSIONS_DIGEST", "0" * 64)
    with caplog.at_level(logging.WARNING):
        assert author_search._install.__wrapped__() is False  # the uncached check
    assert "author expressions have changed" in caplog.text


def test_the_same_author_on_the_dev_pages(eval_dir: Path) -> None:
    pages = sorted(eval_dir.glob("*/html/*.html.gz"))[::3]
    differ, found = [], 0
    for path in pages:
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        tree = load_html(html)
        if tree is None:
            continue
        expected = author_search._original(load_html(html))
        found += expected is not None
        if extract_author(tree) != expected:
            differ.append(path.name)
    assert not differ
    assert found > len(pages) // 4  # the pages name authors: the comparison is not of Nones
