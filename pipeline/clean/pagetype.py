"""The page type an HTML page declares (og:type, schema.org JSON-LD and microdata), as one of a few kinds.

Only what the page says about itself is read, never its text: ``og:type`` (``<meta property=...>`` or
``<meta name=...>``), the ``@type`` of the top-level nodes of each ``<script type="application/ld+json">``
(including ``@graph`` lists and lists of types) and the ``itemtype`` of top-level microdata items.
Nested types (an article's ``author`` Person, a forum post's ``Comment`` replies, the ``Question`` items
of an FAQ page) describe parts of a page, not the page, and are not read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import regex
from lxml import etree

log = logging.getLogger(__name__)

ARTICLE = "article"
FORUM = "forum"
PRODUCT = "product"
COLLECTION = "collection"
OTHER = "other"

# Declared type (casefolded, namespace dropped: "https://schema.org/NewsArticle" -> "newsarticle",
# og:type "product.item" stays "product.item") -> kind. A type missing here is ignored, so the kind
# of a page with only unlisted types (Person, BreadcrumbList, ImageObject...) is None.
TYPE_KINDS: dict[str, str] = {
    # Articles: running prose written by the publisher; reader comments under them are not the text
    # (the zyte-aeb gold leaves them out), so extraction keeps its default there.
    "article": ARTICLE,
    "newsarticle": ARTICLE,
    "analysisnewsarticle": ARTICLE,
    "askpublicnewsarticle": ARTICLE,
    "backgroundnewsarticle": ARTICLE,
    "opinionnewsarticle": ARTICLE,
    "reportagenewsarticle": ARTICLE,
    "reviewnewsarticle": ARTICLE,
    "blogposting": ARTICLE,
    "liveblogposting": ARTICLE,
    "report": ARTICLE,
    "scholarlyarticle": ARTICLE,
    "medicalscholarlyarticle": ARTICLE,
    "techarticle": ARTICLE,
    "apireference": ARTICLE,
    "satiricalarticle": ARTICLE,
    "advertisercontentarticle": ARTICLE,
    "review": ARTICLE,
    "criticreview": ARTICLE,
    "recipe": ARTICLE,
    "howto": ARTICLE,
    # og:type values for prose ("article" itself is listed above); "blog" and "post" are common
    # non-standard values on blog platforms.
    "blog": ARTICLE,
    "post": ARTICLE,
    # Forums and Q&A: the posts *are* the content, but they sit in the comment containers that
    # extraction with comments off prunes. schema.org derives DiscussionForumPosting and
    # SocialMediaPosting from Article, which is exactly why they are listed here and win over it.
    "discussionforumposting": FORUM,
    "socialmediaposting": FORUM,
    "qapage": FORUM,
    "question": FORUM,
    # Products: the description and reviews are spread over widgets rather than one article body.
    "product": PRODUCT,
    "productgroup": PRODUCT,
    "productmodel": PRODUCT,
    "individualproduct": PRODUCT,
    "someproducts": PRODUCT,
    "vehicle": PRODUCT,
    "car": PRODUCT,
    "product.item": PRODUCT,
    "product.group": PRODUCT,
    # Listings: many short items, each a link to its own page.
    "collectionpage": COLLECTION,
    "itemlist": COLLECTION,
    "searchresultspage": COLLECTION,
    "offercatalog": COLLECTION,
    "imagegallery": COLLECTION,
    "mediagallery": COLLECTION,
    "videogallery": COLLECTION,
    # Declared as a page, but not one of the kinds above (og:type "website" is also the default of
    # many site builders, whatever the page holds).
    "website": OTHER,
    "webpage": OTHER,
    "itempage": OTHER,
    "aboutpage": OTHER,
    "contactpage": OTHER,
    "profilepage": OTHER,
    "faqpage": OTHER,
    "checkoutpage": OTHER,
    "realestatelisting": OTHER,
    "medicalwebpage": OTHER,
    "event": OTHER,
    "profile": OTHER,
    "video.movie": OTHER,
    "video.episode": OTHER,
    "video.other": OTHER,
    "music.song": OTHER,
    "music.album": OTHER,
    "book": OTHER,
}

# Types that say what a page holds only when it declares no kind but "other": top-level Comment
# items are a forum's posts on a page that declares nothing more (wcxb-dev: 4 forum pages whose only
# other types are WebSite, WebPage or BreadcrumbList), while a blog marks up the comment section
# under its BlogPosting the same way.
FALLBACK_TYPE_KINDS: dict[str, str] = {"comment": FORUM}

# When a page declares several kinds, the first of these wins. Forum before article: forum posts
# are Article subtypes and forum software often sets og:type "article" as well. Article before
# product: a review declares the Product it reviews. Anything specific before a listing or a
# generic page (WebSite and WebPage nodes sit on nearly every page next to its real type).
KIND_PRIORITY: tuple[str, ...] = (FORUM, ARTICLE, PRODUCT, COLLECTION, OTHER)

_JSON_LD = "application/ld+json"
# XPath runs in C: a page of thousands of elements costs a fraction of a Python walk over them.
_META = etree.XPath("//meta[@property or @name]")
_SCRIPTS = etree.XPath("//script[@type]")
# An item with itemprop is a property of another item (an author, a reply), not the page.
_TOP_ITEMS = etree.XPath("//*[@itemtype and not(@itemprop)]")
# "@type": "X" or "@type": ["X", "Y"] in a script that is not valid JSON.
_TYPE_IN_TEXT = regex.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_QUOTED = regex.compile(r'"([^"]*)"')
# What surrounds JSON in real pages' scripts: HTML comment and CDATA wrappers, trailing commas.
_WRAPPERS = regex.compile(
    r"^\s*(?:<!--|/\*\s*<!\[CDATA\[\s*\*/|<!\[CDATA\[)|(?:-->|/\*\s*\]\]>\s*\*/|\]\]>)\s*$"
)
_TRAILING_COMMA = regex.compile(r",(\s*[\]}])")
# How deep lists and @graph are followed (a list of graphs of nodes is depth 2).
_MAX_DEPTH = 4


def type_name(value: str) -> str:
    """A declared type without its namespace, casefolded: ``"http://schema.org/Article"`` -> ``"article"``."""
    name = value.strip()
    for sep in ("/", "#", ":"):
        name = name.rsplit(sep, 1)[-1]
    return name.strip().casefold()


def _og_types(tree: Any) -> Iterator[str]:
    for meta in _META(tree):
        key = (meta.get("property") or meta.get("name") or "").strip().casefold()
        if key == "og:type":
            content = (meta.get("content") or "").strip().casefold()
            if content:
                # "og:product" (seen in the wild) is "product".
                yield content.removeprefix("og:")


def _node_types(node: Any, depth: int = 0) -> Iterator[str]:
    """The ``@type`` values of a JSON-LD node, of the nodes of its ``@graph``, or of a list of nodes.

    Lists and graphs are followed a few levels down only: real pages nest them two or three deep, and a
    pathological script must not exhaust the recursion limit of the page's extraction.
    """
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _node_types(item, depth + 1)
        return
    if not isinstance(node, dict):
        return
    declared = node.get("@type")
    for value in declared if isinstance(declared, list) else [declared]:
        if isinstance(value, str) and value.strip():
            yield value
    graph = node.get("@graph")
    if isinstance(graph, (list, dict)):
        yield from _node_types(graph, depth + 1)


def _parse_json(text: str) -> Any:
    """The JSON of a script, after removing the wrappers and trailing commas pages put around it."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _WRAPPERS.sub("", text.strip()))
    try:
        return json.loads(repaired, strict=False)
    except ValueError:
        # Several objects one after the other (some CMSs concatenate their blocks).
        decoder = json.JSONDecoder(strict=False)
        nodes, position = [], 0
        while position < len(repaired):
            while position < len(repaired) and repaired[position] in " \t\r\n;,":
                position += 1
            if position >= len(repaired):
                break
            node, position = decoder.raw_decode(repaired, position)
            nodes.append(node)
        return nodes


def _json_ld_types(tree: Any) -> Iterator[str]:
    for script in _SCRIPTS(tree):
        if (script.get("type") or "").strip().casefold() != _JSON_LD or not script.text:
            continue
        try:
            data = _parse_json(script.text)
        except (ValueError, RecursionError):
            # Unrecoverable JSON: every "@type" in the text, nested ones included (no structure left).
            log.debug("unparseable JSON-LD, reading its @type values as text")
            for match in _TYPE_IN_TEXT.finditer(script.text):
                yield from _QUOTED.findall(match.group(1))
            continue
        yield from _node_types(data)


def _microdata_types(tree: Any) -> Iterator[str]:
    for element in _TOP_ITEMS(tree):
        yield from (element.get("itemtype") or "").split()


def declared_types(tree: Any) -> list[str]:
    """Every type the page declares for itself, as :func:`type_name` gives them, in document order."""
    if tree is None:
        return []
    found: Iterable[str] = (*_og_types(tree), *_json_ld_types(tree), *_microdata_types(tree))
    return [name for name in (type_name(value) for value in found) if name]


def kind_of(types: Iterable[str]) -> str | None:
    """The kind that ``types`` (names as :func:`type_name` gives them) declare, or None for none."""
    names = set(types)
    kinds = {TYPE_KINDS[name] for name in names if name in TYPE_KINDS}
    for kind in KIND_PRIORITY:
        if kind in kinds and kind != OTHER:
            return kind
    fallback = sorted(FALLBACK_TYPE_KINDS[name] for name in names if name in FALLBACK_TYPE_KINDS)
    if fallback:
        return fallback[0]
    return OTHER if OTHER in kinds else None


def page_kind(tree: Any) -> str | None:
    """The kind a parsed page declares (article, forum, product, collection, other), or None."""
    return kind_of(declared_types(tree))


# A URL whose host or path names a discussion thread: forum software puts the thread in the path
# (Discourse /t/slug/123, Vanilla /discussion/123/slug, XenForo /threads/slug.123, phpBB viewtopic.php,
# vBulletin showthread.php, Stack Exchange /questions/123) or serves the forum from a forum./community.
# host. A thread page that declares itself an Article (2 of the 27 wcxb-dev forum pages: Vanilla
# forums, posts in comment containers, default text 11% and 27% of the page) is a forum all the same.
_THREAD_URL = regex.compile(
    r"^https?://(?:forums?|community|discuss(?:ion)?s?)\.[^/]+/"
    r"|^https?://[^/]+/(?:[^?#]*/)?(?:t|threads?|discussions?|questions)/[^/?#]"
    r"|/(?:viewtopic|showthread)\.php",
    regex.IGNORECASE,
)


def thread_url(url: str | None) -> bool:
    """Whether a page's URL reads as a forum or Q&A thread, whatever type the page declares."""
    return bool(url) and _THREAD_URL.search(url) is not None
