"""The main text a page declares in schema.org markup: Q&A pages and forum threads in microdata, an
article's body in JSON-LD."""

from __future__ import annotations

import dataclasses
import json

from pipeline import clean_document
from pipeline.clean.extract_text import page_lines, parse_page
from pipeline.clean.schema_text import declared_body, declared_text
from pipeline.config import Config, ExtractConfig

QUESTION = "Is it safe to sail single-handed across the bay in late autumn when the wind turns north?"
ANSWER = "It can be done, but reef early, stay within sight of the coast and tell the harbour your route."
COMMENT = "Which bay do you mean, the northern one?"
BLURB = "Our network consists of 183 communities where people ask and answer questions about everything."


def _qa_page(page_type: str = "https://schema.org/QAPage") -> str:
    return f"""<html><head><title>Sailing alone in autumn</title></head><body>
<div id="content"><div class="blurb"><p>{BLURB}</p></div>
<div itemscope itemtype="{page_type}"><h1 itemprop="name">Sailing alone in autumn</h1>
<div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
  <div itemprop="text"><p>{QUESTION}</p><p>Thanks for any advice.</p></div>
  <ul><li itemprop="comment" itemscope itemtype="https://schema.org/Comment">
    <span itemprop="text">{COMMENT}</span></li></ul>
  <div itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer">
    <div itemprop="text"><p>{ANSWER}</p></div>
  </div>
</div></div></div></body></html>"""


def _thread_page() -> str:
    posts = "".join(
        f'<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">'
        f'<div class="author">member{k}</div><div itemprop="text">Reply {k}: the pump on my boat did the '
        f"same until I cleaned the strainer.</div></div>"
        for k in range(1, 4)
    )
    return f"""<html><head><title>Bilge pump runs dry</title></head><body>
<nav><a href="/">Forums</a> <a href="/boats">Boats</a> <a href="/login">Log in</a></nav>
<div itemscope itemtype="https://schema.org/DiscussionForumPosting">
  <h1 itemprop="headline">Bilge pump runs dry</h1>
  <div itemprop="articleBody">My bilge pump keeps running although the bilge is dry. What to check?</div>
  {posts}
</div></body></html>"""


def test_a_qa_page_declares_its_question_and_answers() -> None:
    text = declared_text(parse_page(_qa_page()), page_lines)
    assert text is not None
    assert text.split("\n") == [QUESTION, "Thanks for any advice.", ANSWER]


def test_comments_join_on_request() -> None:
    text = declared_text(parse_page(_qa_page()), page_lines, with_comments=True)
    assert text is not None and COMMENT in text


def test_a_forum_thread_declares_its_posts_and_replies() -> None:
    text = declared_text(parse_page(_thread_page()), page_lines)
    assert text is not None
    assert text.startswith("My bilge pump keeps running")
    assert [line[:8] for line in text.split("\n")[1:]] == ["Reply 1:", "Reply 2:", "Reply 3:"]


def test_questions_on_other_pages_are_not_the_main_text() -> None:
    # A product page's customer Q&A is marked up as Question and Answer items too.
    assert declared_text(parse_page(_qa_page("https://schema.org/Product")), page_lines) is None
    assert declared_text(parse_page("<html><body><p>Plain page.</p></body></html>"), page_lines) is None


def test_the_pipeline_keeps_the_declared_text_and_logs_the_rest() -> None:
    doc = clean_document(_qa_page(), format="html")
    assert QUESTION in doc.text and ANSWER in doc.text
    assert BLURB not in doc.text and COMMENT not in doc.text
    removed = {r.text for r in doc.removed}
    assert BLURB in removed and COMMENT in removed
    off = Config(extract=dataclasses.replace(ExtractConfig(), schema_text=False))
    assert BLURB in clean_document(_qa_page(), format="html", config=off).text


COLUMN = [
    "The harbour board voted on Tuesday to rebuild the northern breakwater before the winter storms.",
    "Fishermen had asked for the work for six years.",
    "Since the storm of 2013 opened a gap in the wall, boats moored in the outer basin have been damaged"
    " every winter, and two were lost in the gales of last February; the insurers have since raised"
    " their premiums for every berth on that side of the harbour.",
    "The council will pay two thirds of the cost; the rest comes from the port's own reserves.",
    "Work starts in March and should end before the first autumn gales, the board's engineer said.",
]
# A caption of more than trafilatura's minimum text (250 characters), so that its own rescue from the
# JSON-LD does not run, and fewer words than a text (50).
CAPTION = (
    "The northern breakwater at low tide, seen from the lighthouse on the southern pier;"
    " the gap that the storm of 2013 opened is on the left, behind the fishing boats moored in the outer"
    " basin, where the new wall will stand by the autumn. Photo: Harbour Board"
)


def _scripted_page(body: object, caption: str = CAPTION) -> str:
    """A page whose script writes the article: its markup holds a caption, its JSON-LD the column."""
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Port News"},
            {"@type": "NewsArticle", "headline": "Breakwater to be rebuilt", "articleBody": body},
        ],
    }
    return f"""<html><head><title>Breakwater to be rebuilt</title>
<script type="application/ld+json">{{"@type": "Organization", "name": </script>
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div id="app"><img src="wall.jpg"><p class="caption">{caption}</p></div>
<footer>Port News 2020</footer></body></html>"""


def test_an_article_body_is_read_from_the_pages_json_ld() -> None:
    text = declared_body(parse_page(_scripted_page("\n\n".join(COLUMN))), page_lines)
    assert text is not None and text.split("\n") == COLUMN
    # A body written as HTML, with entities, is read as the page's markup is; an invalid block is skipped.
    html_body = "".join(f"<p>{line.replace(';', '&#59;')}</p>" for line in COLUMN)
    assert declared_body(parse_page(_scripted_page(html_body)), page_lines) == "\n".join(COLUMN)
    assert declared_body(parse_page("<html><body><p>Plain page.</p></body></html>"), page_lines) is None


def test_a_fragment_gives_way_to_the_declared_article_body() -> None:
    doc = clean_document(_scripted_page("\n".join(COLUMN)), format="html")
    assert all(line in doc.text for line in COLUMN) and CAPTION not in doc.text
    assert CAPTION in {r.text for r in doc.removed}
    off = Config(extract=dataclasses.replace(ExtractConfig(), schema_text=False))
    assert clean_document(_scripted_page("\n".join(COLUMN)), format="html", config=off).text == CAPTION


def test_a_page_that_shows_its_article_keeps_it() -> None:
    # The declared body is a teaser or a summary on most pages: a text that is no fragment stays.
    shown = " ".join(COLUMN)
    doc = clean_document(_scripted_page(COLUMN[0] + " Subscribe to read more.", caption=shown), format="html")
    assert shown in doc.text and "Subscribe" not in doc.text
    # A body no longer than the fragment (a summary of one sentence) does not replace it either.
    doc = clean_document(_scripted_page(COLUMN[0]), format="html")
    assert doc.text == CAPTION
