"""The main text a page declares in schema.org markup: a Q&A page's question and answers, a forum
thread's posts (microdata); an article's body (JSON-LD).

Q&A and forum software marks its posts up for search engines (``itemscope`` / ``itemtype`` /
``itemprop``, https://schema.org): a ``QAPage`` holds a ``Question`` and its ``Answer`` items, a
``DiscussionForumPosting`` is a thread's first post and its ``Comment`` items are the replies. Each
item's words are its ``text`` (or ``articleBody``) property. Where a page declares one of these types, the
main text is those properties in page order: the question and the answers, without the comments under
them (side remarks on a Q&A site, which schema.org types as ``Comment`` there); the thread's posts and
its replies. trafilatura's extractor, which reads the page's layout instead, takes the network's
header blurb and a question's comments on some Q&A pages and a forum's navigation on some threads; the
declared text holds neither (wcxb-dev, the 9 pages that declare these types: bow F1 0.37 -> 0.99,
0.73 -> 0.96, 0.54 -> 1.00, the other six 0.83-0.99 each a little higher; trafilatura-eval, 1 page:
3 of 3 'with' snippets found instead of 1; the other dev sets declare neither type).

A news site whose page a script writes holds little more than a caption in its markup, and the whole
article in the ``articleBody`` of the JSON-LD it gives search engines (``<script
type="application/ld+json">``). Where the text extracted is a fragment that body dwarfs, the body is the
main text (``declared_body``; trafilatura-eval t0866, a South China Morning Post column: a 24-word
caption, 0 of 3 'with' snippets, then the 702-word column, 3 of 3). Only there: elsewhere the body is
often a paywall's teaser, a Markdown source or a summary, and the page shows more than it
(75 dev pages declare one; on every other the text extracted is no fragment).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from typing import Any

import lxml.html
import regex
from lxml import etree

# The elements that open a microdata item, and those that hold an item's words.
_ITEMS = etree.XPath("//*[@itemscope]")
_TEXTS = etree.XPath("//*[@itemprop='text' or @itemprop='articleBody']")
# The JSON-LD blocks of a page, and the markup that says a declared body is HTML, not plain text.
_JSON_LD = etree.XPath("//script[@type='application/ld+json']")
_MARKUP = regex.compile(r"<(?:p|br|div|h[1-6]|li)\b|</", regex.IGNORECASE)
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The page types read, and the item types whose words are the main text on each.
_MAIN_ITEMS = {
    "QAPage": frozenset({"Question", "Answer"}),
    "DiscussionForumPosting": frozenset({"DiscussionForumPosting", "Comment"}),
}


def _types(element: Any) -> set[str]:
    """The schema.org type names of an item (``itemtype`` may list several URLs)."""
    return {url.rstrip("/").rsplit("/", 1)[-1] for url in (element.get("itemtype") or "").split()}


def _item_of(element: Any) -> Any:
    """The nearest enclosing item of a property element (its own ``itemscope`` does not count)."""
    for ancestor in element.iterancestors():
        if ancestor.get("itemscope") is not None:
            return ancestor
    return None


def declared_text(tree: Any, lines_of: Callable[[Any], list[str]], with_comments: bool = False) -> str | None:
    """The page's declared main text (see the module docstring), a line for each line of the page;
    None on a page that declares no Q&A page or forum thread, or whose declared items hold no words.

    ``lines_of`` makes an element's lines as the page shows them; ``with_comments`` adds a Q&A page's
    comments.
    """
    declared: set[str] = set()
    for item in _ITEMS(tree):
        declared |= _types(item)
    page_type = next((name for name in _MAIN_ITEMS if name in declared), None)
    if page_type is None:
        return None
    wanted = _MAIN_ITEMS[page_type] | ({"Comment"} if with_comments else set())
    taken: set[Any] = set()
    parts = []
    for element in _TEXTS(tree):
        item = _item_of(element)
        if item is None or not _types(item) & wanted:
            continue
        # A property inside one already taken is in its lines already.
        if any(ancestor in taken for ancestor in element.iterancestors()):
            continue
        taken.add(element)
        part = "\n".join(line for line in lines_of(element) if line.strip())
        if part:
            parts.append(part)
    return "\n".join(parts) or None


def _bodies(value: Any) -> Iterator[str]:
    """Every ``articleBody`` string in a JSON-LD value (its items, ``@graph`` and nested objects)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "articleBody" and isinstance(item, str):
                yield item
            else:
                yield from _bodies(item)
    elif isinstance(value, list):
        for item in value:
            yield from _bodies(item)


def declared_body(tree: Any, lines_of: Callable[[Any], list[str]]) -> str | None:
    """The longest ``articleBody`` the page's JSON-LD declares, a line for each of its paragraphs (a
    body written as HTML is read as a page is, with ``lines_of``); None where it declares none.

    A block that is not valid JSON (a template left unfilled, a trailing comma) is skipped.
    """
    bodies: list[str] = []
    for script in _JSON_LD(tree):
        try:
            bodies.extend(_bodies(json.loads(script.text or "", strict=False)))
        except (ValueError, RecursionError):
            continue
    # Some sites escape the body's markup ("&lt;p&gt;"); control characters, which JSON's strings may
    # hold, are no text and lxml refuses them.
    body = _CONTROL.sub("", html.unescape(max(bodies, key=len, default=""))).strip()
    if not body:
        return None
    if _MARKUP.search(body):
        lines = lines_of(lxml.html.fragment_fromstring(body, create_parent="div"))
    else:
        lines = [" ".join(line.split()) for line in body.splitlines()]
    return "\n".join(line for line in lines if line) or None
