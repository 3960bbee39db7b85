"""HTML extraction: metadata kept, every dropped line accounted for, time limit, declared charsets."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import trafilatura
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from trafilatura.utils import load_html

import pipeline.clean.extract_text as extract_text_module
from pipeline import clean_document
from pipeline.clean.extract_text import (
    _BLOCK_TAGS,
    _HIDDEN_TAGS,
    _PREFORMATTED_TAGS,
    JOIN_SEARCH_BUDGET,
    RULE_NOT_MAIN,
    RUN_SEARCH_BUDGET,
    _not_extracted,
    _second_runs,
    break_lines,
    extract_text,
    loose_text_noted,
    marks_main_content,
    norm_line,
    own_extraction_kept,
    page_breaks_restored,
    page_lines,
    removals_in_place,
    render_text,
    source_wraps_joined,
)
from pipeline.clean.read_documents import decode_item
from pipeline.clean.readers import RawItem
from pipeline.config import Config, ExtractConfig
from pipeline.document import Source
from pipeline.rules.ids import SCRIPT_ERROR as RULE_SCRIPT_ERROR

ROOT = Path(__file__).resolve().parent.parent

BODY = " ".join(
    f"Sentence {i} of the article explains how the harbour was rebuilt after the storm of that winter."
    for i in range(12)
)

ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour rebuilt after the storm | The Coast Gazette</title>
<meta name="author" content="Jane Rivers">
<meta property="og:site_name" content="The Coast Gazette">
<meta name="description" content="How the old harbour was rebuilt.">
<meta property="article:published_time" content="2024-03-05">
<meta property="article:section" content="Local">
<meta property="article:tag" content="harbour">
<link rel="canonical" href="https://gazette.example/harbour">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Harbour rebuilt after the storm</h1>
<p>{BODY}</p><p>{BODY}</p></article>
<footer><p>Copyright 2024 The Coast Gazette</p></footer>
</body></html>"""


def _config(**extract: object) -> Config:
    return dataclasses.replace(Config(), extract=ExtractConfig(**extract))  # type: ignore[arg-type]


def test_metadata_is_kept() -> None:
    doc = clean_document(ARTICLE, format="html")
    assert not doc.rejected
    assert doc.title == "Harbour rebuilt after the storm"
    assert doc.metadata["author"] == "Jane Rivers"
    assert doc.metadata["site_name"] == "The Coast Gazette"
    assert doc.metadata["date"] == "2024-03-05"
    assert doc.metadata["description"] == "How the old harbour was rebuilt."
    assert doc.metadata["categories"] == ["Local"]
    assert doc.metadata["tags"] == ["harbour"]
    assert doc.source.url == "https://gazette.example/harbour"


def _dated_page(head: str = "", byline: str = "", url: str = "https://gazette.example/harbour") -> str:
    """A news page as sites write them: a footer with a copyright year, and whatever date it shows."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour rebuilt after the storm | The Coast Gazette</title>{head}
<link rel="canonical" href="{url}"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Harbour rebuilt after the storm</h1>{byline}<p>{BODY}</p><p>{BODY}</p></article>
<footer><p>© 2024 The Coast Gazette. All rights reserved.</p><p>Contact us | Privacy</p></footer>
</body></html>"""


def _date_of(page: str, fetched: str | None = None) -> str | None:
    doc = decode_item(RawItem("p", Source("p.html", "html"), page.encode(), "html"))
    if fetched:
        doc = doc.with_metadata(warc_date=fetched)  # as read_documents gives a WARC record's page
    doc = extract_text(doc, ExtractConfig())
    assert not doc.rejected
    return doc.metadata["date"]


def test_a_copyright_year_is_not_a_publication_date() -> None:
    assert _date_of(_dated_page()) is None
    assert _date_of(_dated_page(byline="<p>Updated for the 2023 season.</p>")) is None


@pytest.mark.parametrize(
    ("page", "date"),
    [
        (_dated_page(head='<meta property="article:published_time" content="2021-03-05">'), "2021-03-05"),
        (_dated_page(byline='<p>By Jane, <time datetime="2019-07-08">8 July</time></p>'), "2019-07-08"),
        (_dated_page(byline='<div class="date">Published: 03.02.2020</div>'), "2020-02-03"),
        (_dated_page(url="https://gazette.example/2018/06/14/harbour"), "2018-06-14"),
    ],
    ids=["meta", "time-element", "labelled-date", "url"],
)
def test_dated_evidence_gives_the_date_however_late_the_copyright(page: str, date: str) -> None:
    assert _date_of(page) == date


_DATED_2031 = _dated_page(head='<meta property="article:published_time" content="2031-05-04">')


def test_the_date_does_not_depend_on_the_day_the_page_is_cleaned() -> None:
    """htmldate's own bound is the day it runs: cleaned before 2031 the page would have no date."""
    assert _date_of(_DATED_2031) == "2031-05-04"


def test_a_page_was_not_published_after_it_was_fetched() -> None:
    assert _date_of(_DATED_2031, fetched="2030-01-02T03:04:05Z") is None
    assert _date_of(_DATED_2031, fetched="2031-05-04T10:00:00Z") == "2031-05-04"


def test_every_dropped_page_line_is_recorded() -> None:
    doc = clean_document(ARTICLE, format="html")
    removed = {r.text for r in doc.removed if r.rule == RULE_NOT_MAIN}
    assert {"Home", "Sport", "Copyright 2024 The Coast Gazette"} <= removed
    assert "Sentence 3 of the article" in doc.text
    # The article's two identical paragraphs: the copy the text does not hold is in the log too.
    copies = [r for r in doc.removed if r.text == BODY]
    assert doc.text.count(BODY) + len(copies) == 2


def test_pathological_page_times_out_as_a_reject() -> None:
    # 3,000 nested tables of 60 cells each: about 0.5 s without a limit, the limit is 20 ms.
    cell = "<td>cell text with a <a href='#'>link</a> and more words</td>" * 60
    page = "<html><body>" + "<table><tr>" * 3000 + cell + "</tr></table>" * 3000 + "</body></html>"
    doc = clean_document(page, format="html", config=_config(timeout_seconds=0.02))
    assert doc.rejected
    assert doc.rejection is not None
    assert doc.rejection.reason == "extraction_timeout"
    assert doc.rejection.stage == "extract_text"


def test_timeout_leaves_ordinary_pages_alone() -> None:
    doc = clean_document(ARTICLE, format="html", config=_config(timeout_seconds=30.0))
    assert not doc.rejected


@pytest.mark.parametrize(
    "page",
    [
        f"<pre>\nHarbour report\n\n{BODY}\n</pre>",
        f"<table><tr><td><h2>Harbour report</h2><p>{BODY}</p></td></tr></table>",
        f'<div id="page"><div class="text"><h2>Harbour report</h2><p>{BODY}</p></div></div>',
    ],
    ids=["pre", "table", "div"],
)
def test_page_saved_without_html_and_head_is_extracted(page: str) -> None:
    """A file that is its content block alone parses to one element, which trafilatura refuses."""
    assert load_html(page) is None
    doc = clean_document(page, format="html")
    assert not doc.rejected
    assert "Sentence 0 of the article" in doc.text and "Sentence 11 of the article" in doc.text


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("overflow: hidden;", True),
        ("max-height: 40em; overflow-x: hidden !important", True),
        ("visibility: hidden", False),
        ("overflow: hidden; display:none", False),
    ],
)
def test_an_element_that_clips_its_overflow_is_extracted(style: str, shown: bool) -> None:
    """trafilatura discards an element whose style holds "hidden"; ``overflow: hidden`` shows it."""
    code = "- name: Update web servers\n  hosts: webservers\n  become: true"
    page = (
        f"<html><head><title>Playbooks</title></head><body><article><p>{BODY}</p>"
        f'<div style="{style}"><pre><code>{code}</code></pre><p>Tasks run in order from top to bottom, '
        f"in each play and across the plays of one playbook.</p></div><p>{BODY}</p></article></body></html>"
    )
    doc = clean_document(page, format="html")
    assert ("hosts: webservers" in doc.text) is shown
    assert ("Tasks run in order from top to bottom" in doc.text) is shown


def _page_without_a_content_container() -> str:
    """A how-to whose body sits in a container no trafilatura expression names, after an ad block whose
    "text" div one of them does: trafilatura gathers the page's loose paragraphs, paragraphs only."""
    body = "".join(
        f"<h2>Step {k}: check the hull plates</h2><p>Step {k} of the repair took the crew most of a week, "
        "because every plate of the hull had to be measured, cut and fitted again by hand before the "
        f"harbour master would sign the papers.</p><ul><li>Measure plate {k} twice before cutting it.</li>"
        f"<li>Keep the old rivets of plate {k} in a labelled box.</li></ul>"
        for k in range(1, 6)
    )
    return (
        "<html><head><title>Hull repair</title></head><body><div class='ad'><div class='cons'>"
        "<div class='title'>Free boat planner</div><div class='text'>Plan a whole refit in minutes.</div>"
        f"</div></div><div class='detail-contents'>{body}</div></body></html>"
    )


def test_loose_paragraphs_get_a_recall_run() -> None:
    page = _page_without_a_content_container()
    with loose_text_noted() as loose:
        alone = trafilatura.extract(page) or ""
    assert loose, "trafilatura no longer gathers loose paragraphs on this page: the test needs a new page"
    assert "Step 3 of the repair" in alone and "Measure plate 3" not in alone
    doc = clean_document(page, format="html")
    assert "Step 3: check the hull plates" in doc.text and "Measure plate 3 twice" in doc.text
    assert "Plan a whole refit" not in doc.text
    off = clean_document(page, format="html", config=_config(loose_text_recall_doubt=0))
    assert "Step 3 of the repair" in off.text and "Measure plate 3" not in off.text


def test_a_page_with_an_article_gathers_no_loose_paragraphs() -> None:
    with loose_text_noted() as loose:
        assert "Sentence 3 of the article" in (trafilatura.extract(ARTICLE) or "")
    assert not loose
    with loose_text_noted() as loose:
        pass
    trafilatura.extract(_page_without_a_content_container())
    assert not loose  # outside the block trafilatura's calls are not noted


def test_cp1252_page_with_meta_charset() -> None:
    text = "Le café « naïve » coûte 3 € – “vraiment” – à Paris, déjà célèbre pour ses œuvres."
    page = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head><body><article>'
        + f"<p>{text} {BODY}</p><p>{text}</p></article></body></html>"
    )
    data = page.encode("cp1252")
    doc = clean_document(data, format="html")
    assert not doc.rejected
    assert doc.metadata["encoding"]["charset"].endswith("windows-1252")
    assert doc.metadata["encoding"]["rule"] == "declared"
    assert text in doc.text
    assert doc.metadata["encoding_fixes"] == []


def test_mojibake_in_markup_is_repaired_after_extraction() -> None:
    # UTF-8 text that was once decoded as Windows-1252 and saved again: the repair runs on the
    # extracted text (not the markup) and reaches the title and the dropped page lines too.
    text = "Le café « naïve » coûte 3 € – vraiment – à Paris, déjà célèbre."
    broken = text.encode("utf-8").decode("cp1252")
    page = (
        f'<html><head><meta charset="utf-8"><title>Café {broken[:14]}</title></head><body>'
        f"<nav><p>Menü {broken[:8]}</p></nav><article><p>{broken} {BODY}</p><p>{broken}</p>"
        "</article></body></html>"
    )
    doc = clean_document(page.encode("utf-8"), format="html")
    assert not doc.rejected
    assert text in doc.text
    assert broken not in doc.text
    assert doc.metadata["encoding_fixes"]
    assert doc.title is not None and "Ã" not in doc.title
    assert all("Ã" not in r.text for r in doc.removed)


POSTS = "".join(
    f'<div class="comment" id="comment-{i}"><p class="author">member{i}</p>'
    f"<p>Reply {i}: I had the same trouble with the bilge pump on my boat; the fuse was fine, the float "
    "switch was stuck with old grease, and cleaning it fixed the problem for the whole season after that."
    "</p></div>"
    for i in range(8)
)


def forum_page(head: str = "", body_attrs: str = "") -> str:
    """A thread whose replies sit in a comment section, as forum and Q&A software marks them up."""
    return f"""<html><head><title>Bilge pump will not start - Boat Forum</title>{head}</head>
<body{body_attrs}><nav><ul><li><a href="/">Forum home</a></li><li><a href="/new">New posts</a></li></ul></nav>
<main><h1>Bilge pump will not start</h1>
<div class="post"><p>My bilge pump stopped working last week. Any idea?</p></div>
<section id="comments" class="comments">{POSTS}</section></main>
<footer><p>Boat Forum, all rights reserved</p></footer></body></html>"""


QA_PAGE = forum_page(body_attrs=' itemscope itemtype="https://schema.org/QAPage"')


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(QA_PAGE, id="qapage_microdata"),
        pytest.param(
            forum_page(head='<script type="application/ld+json">{"@graph": [{"@type": "QAPage"}]}</script>'),
            id="qapage_json_ld",
        ),
        pytest.param(forum_page(head='<meta property="og:type" content="website">'), id="og_website"),
        pytest.param(forum_page(head='<meta property="og:type" content="product">'), id="og_product"),
    ],
)
def test_non_article_page_keeps_its_posts(page: str) -> None:
    doc = clean_document(page, format="html")
    assert not doc.rejected
    assert "My bilge pump stopped working" in doc.text
    for i in range(8):
        assert f"Reply {i}: I had the same trouble" in doc.text
    assert doc.text.count("Reply 3: I had the same trouble") == 1  # posts once, not text and comments
    removed = {r.text for r in doc.removed if r.rule == RULE_NOT_MAIN}
    # The log is computed against the kept text: no post is logged as dropped, the footer is.
    assert not any("Reply" in line for line in removed)
    assert "Boat Forum, all rights reserved" in removed


@pytest.mark.parametrize(
    "head",
    [
        pytest.param('<meta property="og:type" content="article">', id="og_article"),
        pytest.param(
            '<script type="application/ld+json">{"@type": "BlogPosting", "headline": "x"}</script>',
            id="blog_posting",
        ),
        pytest.param("", id="nothing_declared"),
    ],
)
def test_article_and_undeclared_pages_leave_comments_out(head: str) -> None:
    doc = clean_document(forum_page(head=head), format="html")
    assert not doc.rejected
    assert "My bilge pump stopped working" in doc.text
    assert "Reply 3" not in doc.text
    assert any("Reply 3" in r.text for r in doc.removed if r.rule == RULE_NOT_MAIN)


def test_comments_run_is_off_with_ratio_zero() -> None:
    doc = clean_document(QA_PAGE, format="html", config=_config(non_article_comments_ratio=0.0))
    assert "Reply 3" not in doc.text


def test_comments_run_needs_much_more_text() -> None:
    # The posts make the text about 17 times longer: a ratio above that keeps the default text.
    assert (
        "Reply 3"
        in clean_document(QA_PAGE, format="html", config=_config(non_article_comments_ratio=10)).text
    )
    assert (
        "Reply 3"
        not in clean_document(QA_PAGE, format="html", config=_config(non_article_comments_ratio=50)).text
    )


def test_long_default_text_is_not_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    # An article-length text on a forum page: the default run already has the main content.
    calls: list[bool] = []
    original = trafilatura.bare_extraction

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("include_comments")))
        return original(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counting)
    head = '<script type="application/ld+json">{"@type": "QAPage"}</script>'
    doc = clean_document(ARTICLE.replace("</head>", head + "</head>"), format="html")
    assert "Sentence 3 of the article" in doc.text
    assert calls == [False]
    calls.clear()
    clean_document(QA_PAGE, format="html")
    assert calls == [False, True]


# The same thread with its replies in containers named "reply" instead of "comment".
UNMARKED_THREAD = QA_PAGE.replace(
    '<section id="comments" class="comments">', '<section class="replies">'
).replace('class="comment" id="comment-', 'class="reply" id="reply-')


def test_comments_run_needs_comment_markup() -> None:
    # A short text on a Q&A page: the comments run is made only where trafilatura could find comments.
    cfg = Config().extract
    unmarked = load_html(UNMARKED_THREAD)
    marked = load_html(UNMARKED_THREAD.replace('class="replies"', 'id="disqus_thread"'))
    assert _second_runs(unmarked, "short", 1000, cfg, None)[0] is False
    assert _second_runs(marked, "short", 1000, cfg, None)[0] is True
    assert _second_runs(load_html(QA_PAGE), "short", 1000, cfg, None)[0] is True


def test_extraction_leaves_the_parsed_tree_alone() -> None:
    # The second run reuses the tree of the first: trafilatura must work on its own copy.
    tree = load_html(QA_PAGE)
    before = etree.tostring(tree)
    trafilatura.bare_extraction(tree, include_comments=False, with_metadata=True)
    trafilatura.bare_extraction(tree, include_comments=True)
    assert etree.tostring(tree) == before


def test_thread_with_nothing_but_replies_is_not_rejected() -> None:
    # With comments off trafilatura finds nothing at all; the comments run then gives text and metadata.
    head = '<meta name="author" content="Ann Boat">'
    page = f"""<html><head><title>Pump thread</title>{head}</head><body{{attrs}}>
<section id="comments" class="comments">{POSTS}</section></body></html>"""
    doc = clean_document(
        page.replace("{attrs}", ' itemscope itemtype="https://schema.org/QAPage"'), format="html"
    )
    assert not doc.rejected
    assert "Reply 5: I had the same trouble" in doc.text
    assert doc.title == "Pump thread"
    assert doc.metadata["author"] == "Ann Boat"
    article = clean_document(
        page.replace("{attrs}", ' itemscope itemtype="https://schema.org/Article"'), format="html"
    )
    assert article.rejection is not None
    assert article.rejection.reason == "no_main_content"


TABLE_PAGE = f"""<html><head><title>Harbour traffic</title></head><body><article>
<h1>Harbour traffic</h1><p>{BODY}</p>
<table><tr><th>Year</th><th>Boats</th></tr><tr><td>2019</td><td>41 <b>fishing</b></td></tr>
<tr><td>2020</td><td>57</td></tr></table>
<p>{BODY}</p></article></body></html>"""


def test_table_rows_are_plain_cells_by_default() -> None:
    doc = clean_document(TABLE_PAGE, format="html")
    assert "Year Boats" in doc.paragraphs
    assert "2019 41 fishing" in doc.paragraphs
    assert "|" not in doc.text and "---" not in doc.text
    # Each cell is a page line of its own: a kept row keeps its cells out of the removed-lines log.
    assert not {"Year", "Boats", "2019", "57"} & {r.text for r in doc.removed}


def test_table_rows_as_markdown_on_request() -> None:
    doc = clean_document(TABLE_PAGE, format="html", config=_config(table_format="markdown"))
    assert "| Year | Boats |" in doc.paragraphs
    assert "|---|---|" in doc.paragraphs
    assert "| 2019 | 41 fishing |" in doc.paragraphs


def test_table_format_is_checked() -> None:
    with pytest.raises(ValueError, match="table_format"):
        ExtractConfig(table_format="html")


@pytest.mark.parametrize("page", [pytest.param(ARTICLE, id="no_table"), pytest.param(TABLE_PAGE, id="table")])
def test_rendering_matches_trafilatura_outside_tables(page: str) -> None:
    result = trafilatura.bare_extraction(load_html(page), include_comments=False, with_metadata=True)
    assert render_text(result.body, "markdown") == result.text
    if "<table>" not in page:
        assert render_text(result.body, "plain") == result.text


def test_thread_url_makes_an_article_page_a_forum() -> None:
    # Forum software that declares its threads as articles: the URL says it is a discussion thread.
    head = '<meta property="og:type" content="article">'
    thread = forum_page(
        head=head + '<link rel="canonical" href="https://boats.example/discussion/42/bilge-pump">'
    )
    doc = clean_document(thread, format="html")
    assert "Reply 3: I had the same trouble" in doc.text
    assert doc.text.count("Reply 3: I had the same trouble") == 1
    story = forum_page(head=head + '<link rel="canonical" href="https://boats.example/2024/05/bilge-pump">')
    assert "Reply 3" not in clean_document(story, format="html").text


def _thread(url: str) -> str:
    head = f'<meta property="og:type" content="article"><link rel="canonical" href="{url}">'
    return forum_page(head=head)


def _recall_finds_the_posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make trafilatura's comments run find nothing more and its recall run find the posts; log the runs."""
    original = trafilatura.bare_extraction
    replies = "".join(f"<p>Reply {i}: I had the same trouble with the bilge pump.</p>" for i in range(8))
    recalled = load_html(
        f"<html><body><article><p>My bilge pump stopped working.</p>{replies}</article></body></html>"
    )
    runs: list[str] = []

    def fake(tree: Any, **kwargs: Any) -> Any:
        runs.append(
            "recall"
            if kwargs.get("favor_recall")
            else "comments"
            if kwargs.get("include_comments")
            else "default"
        )
        if kwargs.get("favor_recall"):
            return original(recalled, **kwargs)
        return original(tree, **{**kwargs, "include_comments": False})

    monkeypatch.setattr(trafilatura, "bare_extraction", fake)
    return runs


def test_short_forum_text_gets_a_recall_run(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _recall_finds_the_posts(monkeypatch)
    doc = clean_document(_thread("https://boats.example/threads/bilge-pump.42/"), format="html")
    assert runs == ["default", "comments", "recall"]
    assert "Reply 3: I had the same trouble" in doc.text


@pytest.mark.parametrize(
    ("url", "ratio"),
    [
        pytest.param("https://boats.example/2024/05/bilge-pump", 2.0, id="not_a_forum"),
        pytest.param("https://boats.example/threads/bilge-pump.42/", 0.0, id="turned_off"),
    ],
)
def test_no_recall_run_off_forums_or_when_off(
    monkeypatch: pytest.MonkeyPatch, url: str, ratio: float
) -> None:
    runs = _recall_finds_the_posts(monkeypatch)
    # The thread's posts are loose paragraphs to trafilatura: the loose-text recall run (tested on its
    # own) is off here, so that only the forum's recall run is under test.
    config = _config(forum_recall_ratio=ratio, loose_text_recall_doubt=0)
    doc = clean_document(_thread(url), format="html", config=config)
    assert "recall" not in runs
    assert "Reply 3" not in doc.text


def test_plain_tables_keep_every_word_of_markdown_tables() -> None:
    # A table inside a cell (trafilatura moves it after its table): the words are the same, only the
    # markup goes.
    inner = "<table><tr><td>inner one</td><td>inner two</td></tr></table>"
    page = TABLE_PAGE.replace("<td>57</td>", f"<td>57 {inner}</td>")
    plain = clean_document(page, format="html").text.split()
    markdown = clean_document(page, format="html", config=_config(table_format="markdown")).text.split()
    assert "inner" in plain
    assert plain == [word for word in markdown if word.strip("|-")]


# Every kind of white space the two regex engines and str.strip may disagree on, plus two letters.
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200b\u2028\u2029\u3000\ufeffab-"


@given(st.text(alphabet=_SPACES, max_size=40))
def test_break_lines_is_norm_line_on_each_piece(text: str) -> None:
    expected = [line for line in map(norm_line, text.split("\u2029")) if line]
    assert break_lines(text) == expected


@given(st.text(alphabet=_SPACES, max_size=40), st.lists(st.text(alphabet=_SPACES, max_size=8)))
def test_not_extracted_matches_lines_and_cells_normalised_one_by_one(text: str, lines: list[str]) -> None:
    # Page lines this short are never looked up as substrings: only whole lines and cells count, each
    # as often as the text holds it.
    parts = [norm_line(part) for line in text.split("\n") for part in line.split("\t")]
    held = Counter(parts) + Counter(part[2:] for part in parts if part.startswith("- "))
    left_out = _not_extracted(lines, text)
    assert left_out == sorted(set(left_out))
    kept = Counter(lines) - Counter(lines[i] for i in left_out)
    assert kept == Counter({line: min(n, held[line]) for line, n in Counter(lines).items()}) - Counter()


def test_the_copy_kept_is_the_one_among_kept_lines() -> None:
    # "Conclusion" is both an entry of the page's table of contents and a heading of the article; the
    # text holds it once, as the heading, so the table's copy is the one left out.
    lines = ["Contents", "Conclusion", "Intro text.", "Conclusion", "Final text.", "Footer"]
    text = "Intro text.\nConclusion\nFinal text."
    assert _not_extracted(lines, text) == [0, 1, 5]


def test_a_long_item_held_once_is_kept_once() -> None:
    # A list item the text writes as "- item", long enough to be looked up inside other lines too: the
    # one copy in the text is not counted twice.
    item = "Sales and performance reporting for every store"
    assert _not_extracted([item, "Menu", "Intro text.", item], f"Intro text.\n- {item}") == [0, 1]


def test_a_paragraph_the_page_repeats_is_logged_for_each_copy_the_text_leaves_out() -> None:
    # trafilatura keeps one of several identical paragraphs that end up side by side; the other
    # copies are lost text and must be in the log like any line it dropped.
    paragraph = "The committee met on Tuesday and agreed the budget for the coming year in full."
    widget = '<div class="sharedaddy"><h3>Like this:</h3><span>Like</span></div>'
    page = (
        f"<html><body><article><h1>Minutes</h1><p>{paragraph}</p><p>{paragraph}</p>{widget}"
        f"<p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    )
    doc = clean_document(page, format="html", config=_config(second_opinion_doubt=0.0))
    copies = doc.text.count(paragraph)
    logged = [r for r in doc.removed if r.text == paragraph]
    assert copies + len(logged) == 4
    assert logged and all(r.rule == "extract.not_main_content" for r in logged)


def _walked_lines(tree: Any) -> list[str]:
    """Page lines by a walk over the elements in Python: what ``page_lines`` must give.

    A block element breaks the line; a newline of the markup's text breaks it only inside a
    preformatted element, elsewhere it is white space like any other.
    """
    parts: list[str] = []
    preformatted = 0  # open preformatted elements around the walk's position

    def text(value: str) -> None:
        parts.append(value.replace("\n", "\u2029") if preformatted else value)

    walker = etree.iterwalk(tree, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _HIDDEN_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\u2029")
            preformatted += tag in _PREFORMATTED_TAGS
            if tag and element.text:
                text(element.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\u2029")
            preformatted -= tag in _PREFORMATTED_TAGS
            if element.tail and element is not tree:
                text(element.tail)
    return [line for line in map(norm_line, "".join(parts).split("\u2029")) if line]


_TAGS = [
    *("div", "p", "span", "a", "li", "td", "br", "b", "script", "style", "noscript", "svg", "head", "h2"),
    "pre",
]
_WORDS = st.text(alphabet="ab \n\t\xa0<&", max_size=6)
_MARKUP = st.recursive(
    _WORDS.map(lambda text: text.replace("&", "&amp;").replace("<", "&lt;")),
    lambda inner: st.tuples(st.sampled_from(_TAGS), st.lists(inner, max_size=4), _WORDS).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>{t[2].replace('&', '&amp;').replace('<', '&lt;')}"
    ),
    max_leaves=20,
)


@given(_MARKUP)
def test_page_lines_are_the_visible_lines_of_the_page(markup: str) -> None:
    tree = load_html(f"<html><body><p>start</p>{markup}</body></html>")
    assert tree is not None
    assert page_lines(tree) == _walked_lines(tree)


def test_page_lines_skip_hidden_elements_but_keep_their_tails() -> None:
    tree = load_html(
        "<html><head><title>Title</title></head><body><div>One<script>var x;</script> two</div>"
        "<p>Three <b>bold</b> four<style>p {}</style></p>Five<br>Six</body></html>"
    )
    assert page_lines(tree) == ["One two", "Three bold four", "Five", "Six"]


def test_page_lines_read_the_page_root_only() -> None:
    # Markup after </html> can make a second root element, which trafilatura does not read either.
    tree = load_html(
        "<html><body><p>Page text</p></body></html><html><body><p>After the end</p></body></html>"
    )
    assert page_lines(tree) == _walked_lines(tree) == ["Page text"]


STORY = " ".join(
    f"Sentence {i} of the report explains how the harbour was rebuilt after the storm of that winter."
    for i in range(8)
)
OTHER_STORY = " ".join(
    f"Line {i} of another story, about the new bakery on the square, and why its bread sells out by noon."
    for i in range(8)
)
# The article is an <article> that trafilatura extracts alone (a quarter of the visible text);
# readability scores the container holding it and three paragraphs of another story, a text more
# than twice as long, which trafilatura's compare_extraction then prefers.
STORY_WITH_MORE = f"""<html><head><title>Harbour report</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="main"><article class="post"><h1>Harbour report</h1><p>{STORY}</p></article>
<div class="more"><p>{OTHER_STORY}</p><p>{OTHER_STORY}</p><p>{OTHER_STORY}</p></div></div>
<footer>Copyright</footer></body></html>"""


@pytest.mark.parametrize(
    ("share", "fallback_taken"),
    [
        pytest.param(0.15, False, id="default_keeps_own"),
        pytest.param(0.0, True, id="turned_off"),
        pytest.param(0.5, True, id="own_below_the_share"),
    ],
)
def test_own_extraction_kept_over_a_longer_fallback(share: float, fallback_taken: bool) -> None:
    doc = clean_document(STORY_WITH_MORE, format="html", config=_config(own_extraction_share=share))
    assert "Sentence 7 of the report" in doc.text
    assert ("bakery" in doc.text) is fallback_taken


def test_own_extraction_kept_only_in_balanced_mode_and_only_in_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def fallback(cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any) -> tuple[str, str]:
        calls.append(options.focus)
        return "fallback body", "fallback text"

    monkeypatch.setattr(trafilatura.core, "compare_extraction", fallback)
    balanced, recall = trafilatura.settings.Extractor(), trafilatura.settings.Extractor()
    recall.focus = "recall"
    page = MARKED_PAGE
    with own_extraction_kept(10):
        compare = trafilatura.core.compare_extraction
        assert compare(page, None, "own body", "x" * 10, balanced) == ("own body", "x" * 10)
        assert compare(page, None, body="own body", text="x" * 10, options=balanced) == ("own body", "x" * 10)
        assert compare(page, None, "own body", "x" * 9, balanced) == ("fallback body", "fallback text")
        assert compare(page, None, "own body", "x" * 10, recall) == ("fallback body", "fallback text")
        assert compare(page, None, "own body", "", balanced) == ("fallback body", "fallback text")
    # Outside the block (and with a share of 0) trafilatura's function decides.
    assert compare(page, None, "own body", "x" * 10, balanced) == ("fallback body", "fallback text")
    with own_extraction_kept(0):
        assert compare(page, None, "own body", "x" * 10, balanced) == ("fallback body", "fallback text")
    assert calls == ["balanced", "recall", "balanced", "balanced", "balanced"]


MARKED_PAGE = load_html(f"<html><body><nav>Home</nav><article><p>{BODY}</p></article></body></html>")
UNMARKED_PAGE = load_html(
    f"<html><body><table><tr><td>Home</td><td><p>{BODY}</p></td></tr></table></body></html>"
)


def test_own_extraction_kept_only_on_a_page_that_marks_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    def fallback(cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any) -> tuple[str, str]:
        return "fallback body", "fallback text"

    monkeypatch.setattr(trafilatura.core, "compare_extraction", fallback)
    balanced = trafilatura.settings.Extractor()
    assert marks_main_content(MARKED_PAGE) and not marks_main_content(UNMARKED_PAGE)
    with own_extraction_kept(10):
        compare = trafilatura.core.compare_extraction
        assert compare(MARKED_PAGE, None, "own body", "x" * 10, balanced) == ("own body", "x" * 10)
        fallen_back = compare(UNMARKED_PAGE, None, "own body", "x" * 10, balanced)
        assert fallen_back == ("fallback body", "fallback text")


def _section(i: int) -> str:
    return " ".join(f"Sentence {j} of section {i} tells how the old mill was restored." for j in range(6))


# An older page without any content container, whose paragraphs are separated by bare <p> tags: the
# text after each heading is loose in <body>, which trafilatura's own extractor does not collect (it
# keeps sections 10-12, half of the text); readability's text has all of it.
LOOSE_PAGE = (
    "<html><head><title>Mill news</title></head><body>\n<h1>The old mill</h1>\n"
    + "".join(f"<h2>Part {i}</h2>\n{_section(i)}<p>\n{_section(i + 10)}<p>\n" for i in range(3))
    + "</body></html>"
)


def test_own_fragment_is_not_kept_on_a_page_without_a_content_container() -> None:
    doc = clean_document(LOOSE_PAGE, format="html")
    assert all(f"Sentence 5 of section {i} " in doc.text for i in (0, 1, 2, 10, 11, 12))


def test_own_extraction_length_is_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    def fallback(cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any) -> tuple[str, str]:
        return "fallback body", "fallback text"

    monkeypatch.setattr(trafilatura.core, "compare_extraction", fallback)
    balanced = trafilatura.settings.Extractor()
    entered, leave = threading.Event(), threading.Event()

    def other_thread() -> None:
        with own_extraction_kept(10):
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert entered.wait(5)
    # The other thread keeps own texts of 10 characters; this one asks for 1000, or for nothing.
    compare = trafilatura.core.compare_extraction
    with own_extraction_kept(1000):
        in_block = trafilatura.core.compare_extraction(None, None, "own body", "x" * 10, balanced)
    outside = compare(None, None, "own body", "x" * 10, balanced)
    leave.set()
    thread.join(5)
    assert in_block == outside == ("fallback body", "fallback text")


def test_own_extraction_hook_steps_aside_when_trafilatura_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    def changed(tree: Any, candidate: Any) -> str:
        return "trafilatura's own choice"

    monkeypatch.setattr(trafilatura.core, "compare_extraction", changed)
    with own_extraction_kept(10):
        assert trafilatura.core.compare_extraction is changed


def test_own_extraction_share_is_checked() -> None:
    with pytest.raises(ValueError, match="own_extraction_share"):
        ExtractConfig(own_extraction_share=1.5)


@pytest.mark.parametrize("page", [UNMARKED_THREAD, ARTICLE, TABLE_PAGE], ids=["thread", "article", "table"])
def test_comments_on_change_nothing_without_comment_markup(page: str) -> None:
    # What leaving the comments run out rests on: trafilatura's comments option only acts on elements
    # with comment markup. A trafilatura release that changes that fails here.
    tree = load_html(page)
    off = trafilatura.bare_extraction(tree, include_comments=False)
    on = trafilatura.bare_extraction(tree, include_comments=True)
    assert on.text == off.text and not on.comments


def test_short_list_items_are_not_logged_as_dropped() -> None:
    # trafilatura writes "- Rain jacket": the page line "Rain jacket" is kept, not dropped.
    page = f"""<html><head><title>Packing</title></head><body><article><h1>Packing</h1><p>{BODY}</p>
<ul><li>Rain jacket</li><li>Wool socks</li></ul><p>{BODY}</p></article>
<footer><p>Contact the desk</p></footer></body></html>"""
    doc = clean_document(page, format="html")
    assert "Rain jacket" in doc.text and "Wool socks" in doc.text
    removed = {r.text for r in doc.removed if r.rule == RULE_NOT_MAIN}
    assert "Rain jacket" not in removed and "Wool socks" not in removed
    assert "Contact the desk" in removed


@pytest.mark.parametrize("table_format", ["plain", "markdown"])
def test_kept_table_cells_are_not_logged_as_dropped(table_format: str) -> None:
    doc = clean_document(TABLE_PAGE, format="html", config=_config(table_format=table_format))
    removed = {r.text for r in doc.removed if r.rule == RULE_NOT_MAIN}
    assert "57" in doc.text
    assert not removed & {"Year", "Boats", "2019", "41 fishing", "2020", "57"}


# A date that only dateparser reads (Russian month name in the genitive), in a date-named element.
_DATEPARSER_ONLY = _dated_page(byline='<p class="date">Опубликовано 5 марта 2024 г.</p>')
_LOADS_DATEPARSER = """
import sys
{call}
print("dateparser" in sys.modules)
"""


@pytest.mark.parametrize(
    ("call", "loads"),
    [
        (
            "from pipeline import clean_document\n"
            "from tests.test_extract_text import ARTICLE, _DATEPARSER_ONLY, _dated_page\n"
            "for page in (ARTICLE, _DATEPARSER_ONLY, _dated_page()):\n"
            "    clean_document(page, format='html')",
            False,
        ),
        (
            "from htmldate import find_date\n"
            "from tests.test_extract_text import _DATEPARSER_ONLY\n"
            "find_date(_DATEPARSER_ONLY, extensive_search=True)",
            True,
        ),
    ],
    ids=["pipeline", "extensive-search"],
)
def test_no_page_loads_the_date_parser(call: str, loads: bool) -> None:
    # Nothing warms dateparser's locales up (3-6 s a process): the pipeline's date search never calls it,
    # though htmldate's extensive search would on this page.
    done = subprocess.run(
        [sys.executable, "-c", _LOADS_DATEPARSER.format(call=call)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(loads)


_PHP_WARNING = (
    "<br />\n<b>Warning</b>:  Use of undefined constant comments - assumed 'comments' (this will throw an"
    " Error in a future version of PHP) in <b>/var/www/wp-content/plugins/recent-comments.php</b>"
    " on line <b>928</b><br />\n"
)
BLOG_WITH_PHP_WARNINGS = f"""<html><head><title>Number two</title></head><body>
<div id="header"><ul class="menu"><li><a href="/">Home</a></li></ul><h1>Seelenradio</h1></div>
<div id="content"><div class="post"><h2 class="posttitle">Number two: Leo</h2>
<div class="postentry"><p>It has been some time since Henry was born, number one.</p>
<p>A few days ago Leo made it too, number two.</p>
<p>This is how it looked when Henry first saw the newcomer.</p></div></div></div>
<div id="sidebar"><ul><li><h2>Recent comments</h2><ul>{_PHP_WARNING * 4}<li>Anna on Number one</li>
</ul></li></ul></div></body></html>"""


def test_php_error_messages_are_taken_out_before_extraction() -> None:
    """PHP's warnings in the markup are server output, logged under their own rule; the post is the text."""
    doc = clean_document(BLOG_WITH_PHP_WARNINGS, format="html")
    assert "Leo made it too" in doc.text and "Warning" not in doc.text
    errors = [r for r in doc.removed if r.rule == RULE_SCRIPT_ERROR]
    assert len(errors) == 4 and {r.stage for r in errors} == {"extract_text"}
    assert errors[0].text.startswith("Warning: Use of undefined constant comments")
    assert errors[0].text.endswith("recent-comments.php on line 928")


def test_a_paragraph_wrapped_in_the_source_is_one_page_line() -> None:
    """A newline of the markup is a space outside <pre>: the wrapped paragraph is kept whole and none of
    its pieces is logged as dropped, while a <pre>'s lines stay lines."""
    wrapped = BODY.replace(". ", ".\n", 5)
    page = ARTICLE.replace(f"<p>{BODY}</p><p>{BODY}</p>", f"<p>{wrapped}</p><pre>first row\nsecond row</pre>")
    tree = load_html(page)
    assert norm_line(BODY) in page_lines(tree)
    assert {"first row", "second row"} <= set(page_lines(tree))
    doc = clean_document(page, format="html")
    assert "Sentence 11 of the article" in doc.text
    assert not [r.text for r in doc.removed if r.rule == RULE_NOT_MAIN and r.text in norm_line(BODY)]


DOCS_PAGE = f"""<html><head><title>Deploying the service</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/docs">Docs</a></li></ul></nav>
<article><h1>Deploying the service</h1><p>{BODY}</p>
<p>The workflow file below runs the <code>search</code> job on every push.</p>
<pre><code>jobs:
  search:
    runs-on: ubuntu-latest
    steps:
      - search/*
</code></pre>
<p>{BODY}</p></article></body></html>"""


def test_a_code_block_is_one_paragraph_that_no_rule_touches() -> None:
    doc = clean_document(DOCS_PAGE, format="html")
    code = [p for p, kind in zip(doc.paragraphs, doc.paragraph_types, strict=True) if kind == "code"]
    assert code == ["jobs:\n  search:\n    runs-on: ubuntu-latest\n    steps:\n      - search/*"]
    assert "runs the search job on every push." in doc.text  # inline code stays in its sentence
    assert [r.rule for r in doc.removed if r.stage != "extract_text"] == ["title.repeat"]  # the <h1>


def test_hard_wrapped_prose_in_a_pre_is_text_not_code() -> None:
    """A mail archive shows its messages in a <pre>: wrapped paragraphs to re-join, not a code block."""
    mail = textwrap.fill(BODY, 72)
    page = f"<html><head><title>Re: harbour</title></head><body><pre>{mail}\n\n{mail}</pre></body></html>"
    doc = clean_document(page, format="html")
    assert "code" not in doc.paragraph_types
    assert norm_line(BODY) in doc.paragraphs


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        ("<body><code><code>a = 1\n  b = 2</code></code></body>", "```\na = 1\n  b = 2\n```"),
        ("<body><quote><code>a = 1<lb/>  b = 2</code></quote></body>", "```\na = 1\n  b = 2\n```"),
        ("<body><code>a\nb</code><code>c\nd</code></body>", "```\na\nb\n```\n```\nc\nd\n```"),
        ("<body><code>```sh\nls\n```</code></body>", "````\n```sh\nls\n```\n````"),
        (
            "<body><p>Syntax: <code>union U {\n int i;\n};</code> is it.</p></body>",
            "Syntax: union U {\n int i;\n}; is it.",
        ),
        ("<body><list><item>Run:<code>a = 1\n  b</code></item></list></body>", "- Run:a = 1\n  b"),
    ],
    ids=[
        *("block", "quoted-with-break", "two-blocks", "showing-a-fence"),
        *("inside-a-paragraph", "inside-a-list-item"),
    ],
)
def test_only_code_on_lines_of_its_own_is_fenced(tree: str, text: str) -> None:
    """A fence must stand on a line of its own; code that trafilatura writes inline is left as it is."""
    assert render_text(etree.fromstring(tree), "plain") == text


# A page whose text is loose in a <blockquote>: trafilatura's last resort reads the element's text
# with its white space collapsed, gluing the page's lines into one ("HungaryWhat").
GLUED = """<html><body><blockquote><b>FAQ Hungary</b><div>What are the main work projects?</div>
<div>Teaching conversational English to elementary, high school, and adult students is the service
project in the town.</div><div>All volunteers teach under the direction of Hungarian teachers, with
lesson plans provided.</div><div>Site map</div></blockquote></body></html>"""


def test_lines_the_extractor_glued_are_the_page_lines_again() -> None:
    page = decode_item(RawItem("p", Source("p.html", "html"), GLUED.encode(), "html"))
    doc = extract_text(page, ExtractConfig())
    assert doc.text.split("\n")[:3] == [
        "FAQ Hungary",
        "What are the main work projects?",
        "Teaching conversational English to elementary, high school, and adult students is the"
        " service project in the town.",
    ]
    assert "HungaryWhat" not in doc.text and "town.All" not in doc.text


@pytest.mark.parametrize(
    ("text", "lines", "expected"),
    [
        # joined by a space, or by nothing
        ("Home About\nBody", ["Home", "About", "Body"], "Home\nAbout\nBody"),
        ("17. AuflageElektrik", ["17. Auflage", "Elektrik"], "17. Auflage\nElektrik"),
        # a page line the extractor left out in between (a byline)
        ("Title The body.", ["Title", "By A. Writer", "The body."], "Title\nThe body."),
        # the first way that fails ("ab" then "c") is given up for one that reaches the end
        ("ab c", ["ab", "a", "b c"], "a\nb c"),
        # a layout table's row: its cells' lines
        ("Home News\tTitle Body.", ["Home", "News", "Title", "Body."], "Home\nNews\nTitle\nBody."),
        # a list item whose element holds a heading and a paragraph
        ("- Title The body.", ["Title", "The body."], "- Title\nThe body."),
        # left as they are: one page line, a data row, lines out of page order, a line the page
        # does not hold whole, a list item of one page line
        ("Home News", ["Home News"], "Home News"),
        ("1\t2", ["1", "2"], "1\t2"),
        ("About Home", ["Home", "About"], "About Home"),
        ("Home Abo", ["Home", "About"], "Home Abo"),
        ("- Home About", ["Home About"], "- Home About"),
        ("- Home About", ["-", "Home About"], "- Home About"),
        # a page whose own lines start with "- "
        ("- Home - About", ["- Home", "- About"], "- Home\n- About"),
    ],
)
def test_page_breaks_restored(text: str, lines: list[str], expected: str) -> None:
    assert page_breaks_restored(text, lines) == expected


@given(st.lists(st.text("ab .", min_size=1, max_size=6).map(norm_line).filter(bool), max_size=8))
def test_page_breaks_restored_never_changes_the_words(lines: list[str]) -> None:
    text = " ".join(lines)
    assert page_breaks_restored(text, lines).split() == text.split()


# A page whose paragraphs the HTML file wraps inside <div>s: trafilatura keeps the source's line
# breaks in a <div>'s text, where a browser shows one line.
WRAPPED = """<html><body><article><h1>The harbour after the storm</h1>
<div>
    Lorem
    ipsum dolor sit amet, the harbour was rebuilt after the storm
    of that winter, stone by stone, by the people of the town.
</div>
<div>See <a href="/history">the history of the harbour</a>, written in 1902, for more.</div>
</article></body></html>"""


def test_lines_the_source_wrapped_are_the_page_lines_again() -> None:
    page = decode_item(RawItem("p", Source("p.html", "html"), WRAPPED.encode(), "html"))
    doc = extract_text(page, ExtractConfig())
    assert (
        "Lorem ipsum dolor sit amet, the harbour was rebuilt after the storm of that winter, stone by"
        " stone, by the people of the town."
    ) in doc.text.split("\n")
    # nothing the text holds is logged as dropped
    assert not [r for r in doc.removed if "harbour" in r.text and r.text != "The harbour after the storm"]


# A sentence a page shows on one line, and the pieces a text may hold it in.
SENTENCE = "Lorem ipsum dolor sit amet, the harbour was rebuilt."


@pytest.mark.parametrize(
    ("text", "lines", "expected"),
    [
        # joined by a space (white space squeezed), or by nothing
        (
            "Title\n   Lorem\n  ipsum dolor sit amet,\n the harbour was rebuilt.\nNext",
            ["Title", SENTENCE, "Next"],
            f"Title\n{SENTENCE}\nNext",
        ),
        (
            "See\nthe history of the harbour\n, written in 1902.",
            ["See the history of the harbour, written in 1902."],
            "See the history of the harbour, written in 1902.",
        ),
        # the longest page line the pieces make; a list item keeps its marker
        (
            "Lorem ipsum dolor sit amet,\nthe harbour\nwas rebuilt.",
            ["Lorem ipsum dolor sit amet, the harbour", SENTENCE],
            SENTENCE,
        ),
        ("- Lorem ipsum dolor\nsit amet, the harbour was rebuilt.", [SENTENCE], f"- {SENTENCE}"),
        # left as they are: a menu (no prose), a first piece that is a page line, a blank line
        # between pieces, a table row, pieces that make no page line, a last line
        ("FAQ\nSearch\nRegister", ["FAQ Search Register"], "FAQ\nSearch\nRegister"),
        (
            "Lorem\nipsum dolor sit amet, the harbour was rebuilt.",
            ["Lorem", SENTENCE],
            "Lorem\nipsum dolor sit amet, the harbour was rebuilt.",
        ),
        (
            "Lorem\n\nipsum dolor sit amet, the harbour was rebuilt.",
            [SENTENCE],
            "Lorem\n\nipsum dolor sit amet, the harbour was rebuilt.",
        ),
        (
            "Lorem\nipsum dolor sit amet,\tthe harbour was rebuilt.",
            [SENTENCE],
            "Lorem\nipsum dolor sit amet,\tthe harbour was rebuilt.",
        ),
        ("Lorem\nipsum dolor sit amet, the harbour", [SENTENCE], "Lorem\nipsum dolor sit amet, the harbour"),
        ("Lorem", [SENTENCE], "Lorem"),
    ],
)
def test_source_wraps_joined(text: str, lines: list[str], expected: str) -> None:
    assert source_wraps_joined(text, lines) == expected


@given(st.lists(st.text("ab .", min_size=1, max_size=6).map(norm_line).filter(bool), max_size=8))
def test_source_wraps_joined_makes_the_page_line_of_its_pieces(pieces: list[str]) -> None:
    pieces.append("a. a. a. a. a.")  # a sentence ends the line, so that it reads as prose
    assert source_wraps_joined("\n".join(pieces), [" ".join(pieces)]) == " ".join(pieces)


@pytest.mark.parametrize(
    "text",
    [
        # the text keeps the paragraph's source lines apart
        "The harbour was rebuilt after the storm\nof that winter, stone by stone.",
        # a list item, a table cell
        "- The harbour was rebuilt after the storm of that winter, stone by stone.",
        "1998\tThe harbour was rebuilt after the storm of that winter, stone by stone.",
    ],
)
def test_a_dropped_footer_is_placed_after_the_kept_text(text: str) -> None:
    paragraph = "The harbour was rebuilt after the storm of that winter, stone by stone."
    page = ["Menu", "1998", paragraph, "Footer"]
    removals = removals_in_place(page, text, [0, 3])
    assert [(r.text, r.at) for r in removals] == [("Menu", 0), ("Footer", len(text.split("\n")))]


def test_a_kept_line_is_placed_where_it_stands_not_where_the_text_quotes_it() -> None:
    title = "In Conversation: Exploring the Philosophy of Money"
    page = [title, "The first talk of the series, given in Rome.", "Emiliano Ippoliti", "Share", "More text."]
    text = f"The first talk of the series, given in Rome.\nMore text.\n{title} is a series of meetings."
    removals = removals_in_place(page, text, [2, 3])
    assert [r.at for r in removals] == [1, 1]


class _CountedLines(list[str]):
    """Page lines that count how often a line is read."""

    reads = 0

    def __getitem__(self, index: Any) -> Any:
        _CountedLines.reads += 1
        return super().__getitem__(index)


def test_many_copies_of_a_short_line_cost_a_bounded_search() -> None:
    # A text line of 300 "a"s and a "b" the page does not hold, on a page of 600 "a" lines: every way
    # through the "a"s ends at the "b", and without a bound the ways grow with the square of the lines.
    lines = _CountedLines(["a"] * 600)
    text = " ".join(["a"] * 300) + " b"
    _CountedLines.reads = 0
    assert page_breaks_restored(text, lines) == text
    assert _CountedLines.reads <= 3 * RUN_SEARCH_BUDGET


def test_many_pieces_of_a_line_cost_a_bounded_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # 4,000 "a" lines beside a page line of 4,000 "a"s and a "b": every piece starts a walk through
    # the pieces after it that fails at the "b"; without a bound the walks grow with the square.
    text = "\n".join(["a"] * 4000)
    page = [text.replace("\n", " ") + " b"]
    squeezed = []
    monkeypatch.setattr(extract_text_module, "norm_line", lambda line: squeezed.append(line) or line.strip())
    assert source_wraps_joined(text, page) == text
    assert len(squeezed) <= JOIN_SEARCH_BUDGET + 2 * 4000  # the walks, and each piece's own squeeze


def test_pages_are_parsed_with_element_classes_chosen_in_c_and_trafilatura_keeps_its_parser() -> None:
    # lxml.html's class lookup is a Python call for every element object made (form fields get their own
    # classes); the pipeline's parser picks HtmlElement in C, for the tree and its copies.
    import copy

    import lxml.html
    import trafilatura.utils

    before = trafilatura.utils.HTML_PARSER
    page = "<html><head><title>T</title></head><body><form><input name='q'></form><p>Text.</p></body></html>"
    tree = extract_text_module.parse_page(page)
    assert {type(element) for element in tree.iter()} == {lxml.html.HtmlElement}
    assert type(copy.deepcopy(tree).find(".//input")) is lxml.html.HtmlElement
    # trafilatura's own parser is the same object, with lxml.html's classes, for its other users.
    assert trafilatura.utils.HTML_PARSER is before
    assert type(lxml.html.fromstring(page, parser=before).find(".//input")) is lxml.html.InputElement
