"""trafilatura's search for a page's author: the same answer for a quarter of the CPU.

When a page's meta tags and JSON-LD name no author (379 of 599 dev pages), trafilatura
(``trafilatura.metadata.extract_author``) copies the whole page, prunes comments, sidebars, dates and
figures from the copy and runs three XPath expressions over it. Four of its expressions call
``re:test`` on every element, which lxml answers by calling back into Python element by element:
about 14 ms a page, a tenth of extraction's CPU on the dev pages. ``extract_author`` here has libxml2
fetch the attributes those expressions read in one pass, runs the expressions' tests (the same regular
expressions, in Python's ``re`` as lxml's EXSLT functions use) only on the elements whose attributes
could pass them, leaves out candidates inside a pruned element and copies only a candidate that holds
one: about 3.5 ms, and the author trafilatura finds (tests/test_author_search.py compares the two on
constructed pages and on the dev pages; the 1,797 dev pages and Mozilla Readability's 124 test
pages all get the same author).

The expressions are trafilatura's (``trafilatura.xpaths``): the hook is put in place only when their
text is the text this module restates (``EXPRESSIONS_DIGEST``), else trafilatura searches alone.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from typing import Any

import trafilatura.metadata
from lxml.etree import XPath, _ElementUnicodeResult
from trafilatura import xpaths
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.utils import trim

log = logging.getLogger(__name__)

#: SHA-256 of the text of trafilatura's AUTHOR_XPATHS and AUTHOR_DISCARD_XPATHS (trafilatura 2.3.1),
#: which the predicates below restate.
EXPRESSIONS_DIGEST = "bd5f280624916a837f627a558a6f87d6ebde80d97a00908c8a856c7b7b9eae82"
# trafilatura's length bound for an author (``extract_author``'s ``len_limit``).
AUTHOR_MAX_CHARS = 120

# AUTHOR_XPATHS[0]: specific names of an author element.
_FIRST_TAGS = frozenset("a address div link p span strong".split())
_FIRST_EQUALS = (("rel", "author"), ("id", "author"), ("class", "author"), ("itemprop", "author name"))
_FIRST_TESTIDS = frozenset({"AuthorCard", "AuthorURL"})
_FIRST_CLASS = re.compile("author-?name|AuthorName|authorName")
# AUTHOR_XPATHS[1]: almost generic names.
_SECOND_TAGS = frozenset("a div h3 h4 p span".split())
_SECOND_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_SECOND_ID = re.compile("author|zuozhe|bianji|xiaobian")
_SECOND_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
# AUTHOR_XPATHS[2]: any element.
_THIRD_ID = re.compile("[Aa]uthor")
_THIRD_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
# AUTHOR_DISCARD_XPATHS[0]: comments, sidebars, titles, dates, quotes and the like.
_DISCARD_TAGS = frozenset("a div section span".split())
_DISCARD_CLASSES = frozenset({"comments", "title", "date"})
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
# AUTHOR_DISCARD_XPATHS[1], cheap as it is (no regular expression).
_TIME_OR_FIGURE = XPath("//time|//figure")
# The attributes the tests read, fetched by libxml2 in one pass (an XPath test per element would call
# into Python, or evaluate dozens of contains() per element). Every name, value and pattern of a test
# contains one of the substrings of the patterns that follow ("uthor" stands for "author", "Author",
# "AuthorCard", "author-?name"; "yline" for "byline" and "[Bb]yline"; "omments" for "^[Cc]omments"
# and "comments-list"), so an element whose attributes hold none of them passes no test; the tests
# then run on the few others.
_ATTRIBUTES = XPath("//author | //@rel | //@id | //@class | //@itemprop | //@data-testid | //@data-component")
_MAY_NAME_AUTHOR = re.compile(
    "uthor|Byline|zuozhe|bianji|xiaobian|channel-name|submitted-by|posted-by|journalist-name|screenname"
    "|writer|yline|^(?:username|byl|BBL)$"
)
_PRUNE_ATTRIBUTES = frozenset({"id", "class", "data-component"})
_MAY_BE_PRUNED = re.compile(
    "comment|ProductReviews|^(?:title|date)$|omments|sidebar|is-hidden|quote|embedly-instagram"
    "|article-share|article-support|print|category|meta-date|meta-reviewer|Figure"
)

_ACTIVE: ContextVar[bool] = ContextVar("cheaper_author_search", default=False)


def _get(element: Any, name: str) -> str:
    """An attribute's value as XPath reads it: the empty string when it is missing."""
    return element.get(name) or ""


def _first(element: Any) -> bool:
    if element.tag == "author":
        return True
    if element.tag not in _FIRST_TAGS:
        return False
    return (
        any(element.get(name) == value for name, value in _FIRST_EQUALS)
        or element.get("data-testid") in _FIRST_TESTIDS
        or _FIRST_CLASS.search(_get(element, "class")) is not None
    )


def _second(element: Any) -> bool:
    if element.tag not in _SECOND_TAGS:
        return False
    return (
        element.get("class") in _SECOND_CLASSES
        or "author" in _get(element, "itemprop")
        or _SECOND_ID.search(_get(element, "id")) is not None
        or _SECOND_CLASS.search(_get(element, "class")) is not None
    )


def _third(element: Any) -> bool:
    return (
        "Byline" in _get(element, "data-component")
        or "author" in _get(element, "itemprop")
        or _THIRD_ID.search(_get(element, "id")) is not None
        or _THIRD_CLASS.search(_get(element, "class")) is not None
    )


def _discarded(element: Any) -> bool:
    if element.tag not in _DISCARD_TAGS:
        return False
    return (
        element.get("id") == "comments"
        or element.get("class") in _DISCARD_CLASSES
        or _DISCARD_ID.search(_get(element, "id")) is not None
        or _DISCARD_CLASS.search(_get(element, "class")) is not None
        or "Figure" in _get(element, "data-component")
    )


def _may_pass(nodes: list[Any], pattern: re.Pattern[str], names: frozenset[str] | None = None) -> list[Any]:
    """The elements (in document order) among ``nodes`` (elements, attribute values) that are an element
    or have an attribute value, of one of ``names`` if given, in which ``pattern`` finds a match."""
    elements: dict[Any, None] = {}
    for node in nodes:
        if not isinstance(node, _ElementUnicodeResult):  # an element (<author>)
            elements[node] = None
        elif (names is None or node.attrname in names) and pattern.search(node) is not None:
            elements[node.getparent()] = None
    return list(elements)


def _candidates(nodes: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """The elements each of the three author expressions selects, in document order."""
    found: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    for element in _may_pass(nodes, _MAY_NAME_AUTHOR):
        for selected, test in zip(found, (_first, _second, _third), strict=True):
            if test(element):
                selected.append(element)
    return found


def _pruned(root: Any, nodes: list[Any]) -> set[Any]:
    """The elements that trafilatura prunes before its author search (their subtrees not expanded)."""
    # The pruning expression reads ".//*" below the root, not the root itself.
    attributes = [node for node in nodes if isinstance(node, _ElementUnicodeResult)]  # not <author>
    may = _may_pass(attributes, _MAY_BE_PRUNED, _PRUNE_ATTRIBUTES)
    pruned = {element for element in may if element is not root and _discarded(element)}
    pruned.update(_TIME_OR_FIGURE(root))
    return pruned


def extract_author(tree: Any) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``, computed without copying the page."""
    if tree is not tree.getroottree().getroot() or tree.find(".//rel") is not None:
        # A part of a page (trafilatura passes the whole page), or a page with a <rel> element: the
        # first expression also reads a <rel> child's text ("rel='me'"), which pruning can change.
        return _original(tree)
    nodes = _ATTRIBUTES(tree)
    pruned: set[Any] | None = None
    for selected in _candidates(nodes):
        if not selected:
            continue
        if pruned is None:
            pruned = _pruned(tree, nodes)
        for element in selected:
            if element in pruned or any(parent in pruned for parent in element.iterancestors()):
                continue
            if any(inner in pruned for inner in element.iterdescendants()):
                element = prune_unwanted_nodes(deepcopy(element), xpaths.AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < AUTHOR_MAX_CHARS:
                return trafilatura.metadata.normalize_authors(None, content)
    return None


def expressions_digest() -> str:
    """SHA-256 of the text of the installed trafilatura's author expressions."""
    expressions = (*xpaths.AUTHOR_XPATHS, *xpaths.AUTHOR_DISCARD_XPATHS)
    return hashlib.sha256("\n".join(expression.path for expression in expressions).encode()).hexdigest()


def _original(tree: Any) -> str | None:
    """trafilatura's own ``extract_author`` (the one the hook wraps)."""
    current = trafilatura.metadata.extract_author
    return getattr(current, "__wrapped__", current)(tree)


@functools.cache
def _install() -> bool:
    """Wrap ``trafilatura.metadata.extract_author`` (once) so that ``cheaper_author_search`` can answer
    for it; False, and nothing wrapped, when trafilatura's expressions are not the ones read here."""
    if expressions_digest() != EXPRESSIONS_DIGEST or not hasattr(trafilatura.metadata, "normalize_authors"):
        log.warning("trafilatura's author expressions have changed: its own author search runs")
        return False
    original = trafilatura.metadata.extract_author

    @functools.wraps(original)
    def search(tree: Any) -> str | None:
        return extract_author(tree) if _ACTIVE.get() else original(tree)

    trafilatura.metadata.extract_author = search
    return True


@contextmanager
def cheaper_author_search() -> Iterator[None]:
    """Within this block trafilatura's author search is ``extract_author``'s: the same answers, cheaper.

    Outside it (other users of trafilatura in the process, the benchmarks' reference runs) trafilatura
    searches as it always does. Thread-safe: the switch is a context variable.
    """
    if not _install():
        yield
        return
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
