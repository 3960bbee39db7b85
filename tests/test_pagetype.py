"""The page type a page declares: og:type, JSON-LD (lists, @graph, broken JSON) and microdata."""

from __future__ import annotations

import pytest
from trafilatura.utils import load_html

from pipeline.clean.pagetype import declared_types, kind_of, page_kind, thread_url, type_name

BODY = "<p>" + "Some text of the page, long enough to be a page. " * 5 + "</p>"


def page(head: str = "", body_attrs: str = "", body: str = BODY) -> object:
    tree = load_html(f"<html><head><title>t</title>{head}</head><body{body_attrs}>{body}</body></html>")
    assert tree is not None
    return tree


def ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("https://schema.org/NewsArticle", "newsarticle"),
        ("http://schema.org/QAPage", "qapage"),
        ("schema:Product", "product"),
        ("DiscussionForumPosting", "discussionforumposting"),
        ("  Article ", "article"),
        ("product.item", "product.item"),
    ],
)
def test_type_name_drops_the_namespace(value: str, name: str) -> None:
    assert type_name(value) == name


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        pytest.param('<meta property="og:type" content="article">', "article", id="og_article"),
        pytest.param('<meta name="og:type" content="Article">', "article", id="og_as_name"),
        pytest.param('<meta property="og:type" content="product">', "product", id="og_product"),
        pytest.param('<meta property="og:type" content="og:product">', "product", id="og_prefixed"),
        pytest.param('<meta property="og:type" content="product.group">', "product", id="og_product_group"),
        pytest.param('<meta property="og:type" content="website">', "other", id="og_website"),
        pytest.param('<meta property="og:type" content="">', None, id="og_empty"),
        pytest.param('<meta property="og:title" content="article">', None, id="og_other_key"),
        pytest.param(ld('{"@type": "NewsArticle", "headline": "x"}'), "article", id="ld_object"),
        pytest.param(ld('{"@context": "https://schema.org", "@type": "QAPage"}'), "forum", id="ld_qapage"),
        pytest.param(ld('{"@type": ["Product", "Thing"]}'), "product", id="ld_type_list"),
        pytest.param(ld('[{"@type": "WebSite"}, {"@type": "BlogPosting"}]'), "article", id="ld_top_list"),
        pytest.param(
            ld(
                '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, {"@type": "WebPage"},'
                ' {"@type": "DiscussionForumPosting", "headline": "x"}]}'
            ),
            "forum",
            id="ld_graph",
        ),
        pytest.param(ld('{"@type": "CollectionPage"}'), "collection", id="ld_collection"),
        pytest.param(
            ld('{"@type": "WebPage", "author": {"@type": "Person"}, "mainEntity": {"@type": "Product"}}'),
            "other",
            id="ld_nested_ignored",
        ),
        pytest.param(
            ld('{"@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": "q"}]}'),
            "other",
            id="ld_faq_questions_are_nested",
        ),
        pytest.param(ld('{"@type": "Person", "name": "x"}'), None, id="ld_unlisted_type"),
        pytest.param(ld('<!-- {"@type": "Product"} -->'), "product", id="ld_html_comment_wrapper"),
        pytest.param(ld('{"@type": "Product", "name": "x",}'), "product", id="ld_trailing_comma"),
        pytest.param(ld('{"@type": "Article"} {"@type": "WebPage"}'), "article", id="ld_concatenated"),
        pytest.param(ld('{"@type": "QAPage", "name": "broken'), "forum", id="ld_broken_json"),
        pytest.param(ld("{{{ not json at all"), None, id="ld_garbage"),
        pytest.param(ld(""), None, id="ld_empty"),
        pytest.param('<script type="text/javascript">x = {"@type": "Product"};</script>', None, id="not_ld"),
        pytest.param("", None, id="nothing_declared"),
    ],
)
def test_declared_kind_in_head(head: str, kind: str | None) -> None:
    assert page_kind(page(head=head)) == kind


def test_forum_wins_over_article() -> None:
    # Forum software often sets og:type "article" next to the posting's schema.org type.
    head = '<meta property="og:type" content="article">' + ld('{"@type": "DiscussionForumPosting"}')
    assert page_kind(page(head=head)) == "forum"


def test_article_wins_over_product_and_generic_types() -> None:
    head = ld('{"@graph": [{"@type": "WebSite"}, {"@type": "Product"}, {"@type": "Review"}]}')
    assert page_kind(page(head=head)) == "article"
    assert page_kind(page(head=ld('[{"@type": "WebPage"}, {"@type": "ItemList"}]'))) == "collection"


def test_microdata_top_level_items_only() -> None:
    body = (
        '<div itemscope itemtype="https://schema.org/QAPage"><h1>q</h1>'
        '<div itemprop="author" itemscope itemtype="https://schema.org/Person">x</div></div>' + BODY
    )
    assert page_kind(page(body=body)) == "forum"
    nested = (
        '<div itemscope itemtype="https://schema.org/WebPage"><div itemprop="mainEntity" itemscope '
        'itemtype="https://schema.org/Product">p</div></div>' + BODY
    )
    assert page_kind(page(body=nested)) == "other"
    two_types = ' itemscope itemtype="http://schema.org/Blog http://schema.org/WebPage"'
    assert page_kind(page(body_attrs=two_types)) == "article"


def test_top_level_comments_are_a_forum_only_without_an_article() -> None:
    comments = "".join(
        f'<div itemscope itemtype="https://schema.org/Comment"><p>post {i}</p></div>' for i in range(3)
    )
    assert page_kind(page(head='<meta property="og:type" content="website">', body=comments)) == "forum"
    assert page_kind(page(head='<meta property="og:type" content="article">', body=comments)) == "article"


def test_declared_types_in_document_order() -> None:
    head = '<meta property="og:type" content="article">' + ld('{"@type": "NewsArticle"}')
    tree = page(head=head, body_attrs=' itemscope itemtype="https://schema.org/WebPage"')
    assert declared_types(tree) == ["article", "newsarticle", "webpage"]
    assert declared_types(None) == []


def test_deeply_nested_json_ld_is_harmless() -> None:
    def nested(depth: int) -> str:
        return "[" * depth + '{"@type": "Product"}' + "]" * depth

    assert page_kind(page(head=ld(nested(500)))) is None  # parsed, but deeper than a page's own types
    # Too deep for the JSON parser: read as text like any other unparseable script, without an error.
    assert page_kind(page(head=ld(nested(50_000)))) == "product"
    shallow = '[[{"@graph": [{"@type": "QAPage"}]}]]'
    assert page_kind(page(head=ld(shallow))) == "forum"


def test_kind_of_names() -> None:
    assert kind_of([]) is None
    assert kind_of(["person", "breadcrumblist"]) is None
    assert kind_of(["website", "qapage", "article"]) == "forum"


@pytest.mark.parametrize(
    ("url", "thread"),
    [
        ("https://lowendtalk.com/discussion/205826/has-anyone-built-a-keyboard", True),  # Vanilla
        ("https://forum.example.org/t/first-telescope/1234", True),  # Discourse on a forum. host
        ("https://www.example.com/threads/bike-fitting.35/", True),  # XenForo
        ("https://english.stackexchange.com/questions/589331/grammar", True),
        ("https://boards.example.net/viewtopic.php?t=12", True),  # phpBB
        ("https://community.example.com/some/post", True),
        ("https://www.example.com/2024/01/02/world/harbour-rebuilt.html", False),
        ("https://www.example.com/topics/climate", False),  # a news topic page
        ("https://www.example.com/forum/index.php?forums/recipes.3/", False),  # a forum's listing
        (None, False),
        ("", False),
    ],
)
def test_thread_url(url: str | None, thread: bool) -> None:
    assert thread_url(url) is thread
