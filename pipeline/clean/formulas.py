"""Formulas as LaTeX in the text, where the page carries their TeX source (``[extract] keep_formulas``).

Extraction drops formulas, and with them words of the sentences around them: Wikipedia puts each
MathML ``<math>`` inside a ``display: none`` span beside a fallback image, both of which go, so "Given a
set of N high-dimensional objects x1, ..., xN" becomes "Given a set of high-dimensional objects ,".
trafilatura's own rescue writes the TeX into the ``<math>``'s tail, inside the hidden span that is then
discarded. Here, before extraction, each formula whose source the page holds (a MathML ``<math>`` with
an ``application/x-tex`` annotation, as KaTeX writes it, or an ``alttext``, as Wikipedia does; a MathJax
``<script type="math/tex">``) becomes its TeX, between ``\\(`` and ``\\)`` in the running text, or
between ``\\[`` and ``\\]`` as a paragraph of its own for a display formula. What renders the formula
for the eye (Wikipedia's fallback image, KaTeX's ``aria-hidden`` glyphs) goes with it: the formula is
replaced together with the wrappers that hold nothing else a reader sees.

Off by default: the dev sets' gold texts were drawn without formulas (a trafilatura-eval snippet reads
"Given a set of high-dimensional objects"; Mozilla's expected texts hold MathML's text, not TeX), so
the scorers count the formulas as noise (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import regex
from lxml import etree

# Wikipedia's alttext wraps the source in "{\displaystyle ...}" (or \textstyle) for its renderer.
_STYLE_WRAPPER = regex.compile(r"\{\\(?:display|text)style\s*(.*)\}", regex.DOTALL)
_TEX_ANNOTATION = etree.XPath('.//*[local-name()="annotation"][@encoding="application/x-tex"]')
_MATH = etree.XPath('//*[local-name()="math"]')
_TEX_SCRIPTS = etree.XPath('//script[starts-with(normalize-space(@type), "math/tex")]')
_HIDDEN_STYLE = regex.compile(r"display\s*:\s*none", regex.IGNORECASE)


def _source(math: Any) -> str:
    """The TeX source a MathML element carries (its annotation, else its alttext), or ''."""
    found = _TEX_ANNOTATION(math)
    tex = (found[0].text if found else None) or math.get("alttext") or ""
    tex = " ".join(tex.split())
    wrapped = _STYLE_WRAPPER.fullmatch(tex)
    return wrapped.group(1).strip() if wrapped else tex


def _unseen(element: Any) -> bool:
    """Whether a reader sees none of ``element``'s text: an image, a hidden or aria-hidden element, or
    one without text."""
    if element.tag == "img" or element.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(element.get("style") or "") or element.get("hidden") is not None:
        return True
    return not "".join(element.itertext()).strip()


def _holder(element: Any) -> Any:
    """The outermost ancestor-or-self of ``element`` that holds nothing a reader sees besides it."""
    node = element
    while (parent := node.getparent()) is not None and parent.getparent() is not None:
        if (parent.text or "").strip():
            break
        others = [child for child in parent if child is not node]
        if any(not _unseen(child) or (child.tail or "").strip() for child in others):
            break
        if (node.tail or "").strip():
            break
        node = parent
    return node


def _replace(node: Any, tex: str, display: bool) -> None:
    """Put ``tex`` where ``node`` stands: in the running text, or as a paragraph for a display formula."""
    parent = node.getparent()
    if display:
        block = etree.Element("p")
        block.text = f"\\[{tex}\\]"
        block.tail = node.tail
        parent.replace(node, block)
        return
    text = f"\\({tex}\\){node.tail or ''}"
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(node)


def formulas_as_latex(tree: Any) -> int:
    """Replace every formula of a parsed page whose TeX source it holds by that source; the count."""
    done = 0
    for math in _MATH(tree):
        tex = _source(math)
        if tex and math.getparent() is not None:
            _replace(_holder(math), tex, math.get("display") == "block")
            done += 1
    for script in _TEX_SCRIPTS(tree):
        tex = " ".join((script.text or "").split())
        if tex and script.getparent() is not None:
            _replace(script, tex, "mode=display" in script.get("type", "").replace(" ", ""))
            done += 1
    return done
