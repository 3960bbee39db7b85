"""Formulas kept as LaTeX (``[extract] keep_formulas``): Wikipedia's hidden MathML, KaTeX, MathJax."""

from __future__ import annotations

import dataclasses

from pipeline import clean_document
from pipeline.clean.extract_text import page_lines, parse_page
from pipeline.clean.formulas import formulas_as_latex
from pipeline.config import Config, ExtractConfig

# Wikipedia's markup of an inline formula: MathML hidden for screen readers, an image for the eye.
WIKIPEDIA_N = (
    '<span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" '
    'style="display: none;"><math xmlns="http://www.w3.org/1998/Math/MathML" '
    'alttext="{\\displaystyle N}"><semantics><mrow><mi>N</mi></mrow></semantics></math></span>'
    '<img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/f5e3890c" '
    'class="mwe-math-fallback-image-inline" aria-hidden="true" alt="{\\displaystyle N}"></span>'
)
# KaTeX's: MathML with the TeX as an annotation, then the glyphs, hidden from screen readers.
KATEX_SQUARE = (
    '<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">'
    '<semantics><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow>'
    '<annotation encoding="application/x-tex">x^2</annotation></semantics></math></span>'
    '<span class="katex-html" aria-hidden="true"><span class="base"><span class="mord mathnormal">x'
    '</span><span class="msupsub">2</span></span></span></span>'
)
PROSE = " ".join(
    f"Sentence {i} explains how the embedding keeps neighbours close while it spreads the clusters."
    for i in range(10)
)


def _lines(body: str) -> list[str]:
    tree = parse_page(f"<html><body>{body}</body></html>")
    formulas_as_latex(tree)
    return page_lines(tree)


def test_a_hidden_mathml_formula_becomes_its_tex_in_the_sentence() -> None:
    lines = _lines(f"<p>Given a set of {WIKIPEDIA_N} high-dimensional objects, it computes.</p>")
    assert lines == ["Given a set of \\(N\\) high-dimensional objects, it computes."]


def test_the_glyphs_that_render_a_formula_go_with_it() -> None:
    assert _lines(f"<p>The area grows as {KATEX_SQUARE} for a side x.</p>") == [
        "The area grows as \\(x^2\\) for a side x."
    ]


def test_display_formulas_stand_as_paragraphs() -> None:
    mathjax = '<p>Energy and mass:</p><script type="math/tex; mode=display">E = mc^2</script><p>So.</p>'
    assert _lines(mathjax) == ["Energy and mass:", "\\[E = mc^2\\]", "So."]
    block = '<p>Sum:</p><div><math display="block" alttext="\\sum_i x_i"><mi>x</mi></math></div>'
    assert _lines(block) == ["Sum:", "\\[\\sum_i x_i\\]"]
    inline_script = '<p>with <script type="math/tex">a+b</script> in it</p>'
    assert _lines(inline_script) == ["with \\(a+b\\) in it"]


def test_a_formula_without_its_source_is_left_as_it_is() -> None:
    tree = parse_page("<html><body><p>Value <math><mi>y</mi></math> here.</p></body></html>")
    assert formulas_as_latex(tree) == 0
    assert page_lines(tree) == ["Value y here."]


def _page(formula: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>t-distributed embedding | Example Wiki</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/random">Random page</a></li></ul></nav>
<article><h1>t-distributed embedding</h1>
<p>{PROSE}</p><p>Given a set of {formula} high-dimensional objects, the method first computes the
probabilities that are proportional to the similarity of the objects, as the next section shows.</p>
<p>{PROSE}</p></article></body></html>"""


def test_the_pipeline_keeps_formulas_only_when_asked() -> None:
    asked = dataclasses.replace(Config(), extract=ExtractConfig(keep_formulas=True))
    kept = clean_document(_page(WIKIPEDIA_N), format="html", config=asked)
    assert "Given a set of \\(N\\) high-dimensional objects" in kept.text
    default = clean_document(_page(WIKIPEDIA_N), format="html")
    assert "Given a set of high-dimensional objects" in default.text
    assert "\\(" not in default.text and "displaystyle" not in default.text
