"""The second opinion: readability-lxml's text where ours left out much prose and readability extends ours."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline import clean_document
from pipeline.clean import second_opinion as second_opinion_module
from pipeline.clean.extract_text import page_lines, parse_page
from pipeline.clean.second_opinion import accepts, doubtful, dwarfs, extends, prose_chars, second_opinion
from pipeline.config import Config, ExtractConfig

# The test of containment alone; FRAGMENT adds the fragment rule at its default bound.
CFG = ExtractConfig(
    second_opinion_doubt=1.5,
    second_opinion_containment=0.8,
    second_opinion_ratio=1.5,
    second_opinion_fragment_words=0,
)
FRAGMENT = dataclasses.replace(CFG, second_opinion_fragment_words=50)
SENTENCE = "The harbour was rebuilt after the storm of that winter, stone by stone."


def _paragraph(tag: str, i: int) -> str:
    return " ".join(f"Sentence {j} of {tag} paragraph {i} says how the port was rebuilt." for j in range(5))


# An article whose body the site splits into two containers around an advertisement: trafilatura takes
# the first body container (a fifth of the text); readability scores the article as a whole.
SPLIT_BODY = (
    "<html><head><title>Harbour</title></head><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav>"
    "<article><h1>Harbour rebuilt</h1><div class='chunks'><div class='article-body'>"
    + "".join(f"<p>{_paragraph('first', i)}</p>" for i in range(2))
    + "</div><div class='ad'>Advertisement</div><div class='article-body'>"
    + "".join(f"<p>{_paragraph('later', i)}</p>" for i in range(5))
    + "</div></div></article><footer>Copyright</footer></body></html>"
)
# The same article in one container, followed by another story outside it that readability's container
# takes along: what readability adds lies outside the <article> that holds ours.
WITH_ANOTHER_STORY = (
    "<html><head><title>Harbour</title></head><body><div class='page'>"
    "<article><h1>Harbour rebuilt</h1><div class='article-body'>"
    + "".join(f"<p>{_paragraph('first', i)}</p>" for i in range(2))
    + "</div></article><div class='more'>"
    + "".join(f"<p>{_paragraph('bakery', i)}</p>" for i in range(5))
    + "</div></div></body></html>"
)


# A page whose header repeats the site's slogan in two <div class="header-text">: the text a body
# expression can match before the article's own container.
SLOGAN = "Your most important touchpoint to the harbour."
SLOGAN_PAGE = (
    "<html><head><title>Harbour rebuilt | Port News</title></head><body><header>"
    f"<div class='header-logo'><a href='/'>Port News</a></div><div class='header-text'>{SLOGAN}</div>"
    f"<div class='head-right'><div class='header-text'>{SLOGAN}</div></div></header>"
    "<article><h1>Harbour rebuilt</h1><div class='article-content'>"
    + "".join(f"<p>{_paragraph('body', i)}</p>" for i in range(4))
    + "</div></article><footer>Copyright Port News</footer></body></html>"
)


def test_prose_is_counted_as_pipeline_text_defines_it() -> None:
    assert prose_chars([SENTENCE, "Home", "Sport News Weather", "Contact us"]) == len(SENTENCE)


def test_doubtful_when_the_prose_left_out_outweighs_the_text_kept() -> None:
    kept = "x" * 100
    doubt = CFG.second_opinion_doubt
    assert doubtful(kept, [SENTENCE, SENTENCE, SENTENCE], doubt)  # 3 x 71 characters >= 1.5 x 100
    assert not doubtful(kept, [SENTENCE, SENTENCE], doubt)
    assert not doubtful(kept, ["Home"] * 500, doubt)  # a long menu is not prose
    assert not doubtful("", [SENTENCE] * 3, doubt)
    assert not doubtful(kept, [SENTENCE] * 3, 0)


def test_extends_needs_most_of_our_words_and_many_more() -> None:
    ours = "a b c d e f g h i j"
    assert extends(ours, ours + " k l m n o p", CFG)  # all ours, 1.6 x
    assert not extends(ours, ours + " k l m", CFG)  # only 1.3 x
    assert not extends(ours, "a b c d e f g " + "z " * 20, CFG)  # 70% of ours
    assert not extends("", "anything at all", CFG)


def test_accepts_only_within_an_article_that_holds_both() -> None:
    ours, other = "a b c d e f g h i j", "a b c d e f g h i j k l m n o p"
    assert accepts(ours, other, [], CFG)
    assert accepts(ours, other, ["nav " + other + " footer"], CFG)
    assert not accepts(ours, other, ["a b c d e f g h i j"], CFG)
    assert accepts(ours, other, ["a b c d e f g h i j", other], CFG)


def test_a_copy_of_our_text_is_no_extension() -> None:
    # A page that holds its article twice (a desktop and a mobile copy) gives readability both.
    ours = "\n".join(_paragraph("first", i) for i in range(3))
    assert not extends(ours, f"{ours}\n{ours}", CFG)
    assert not extends(SENTENCE, "\n".join([SENTENCE] * 5), CFG)
    assert extends(ours, ours + "\n" + "\n".join(_paragraph("later", i) for i in range(3)), CFG)
    # Short lines repeat on their own, a shop's "Learn more" on every card: each one counts.
    assert extends(SENTENCE, "\n".join([SENTENCE] + ["Learn more"] * 20), CFG)


def test_a_fragment_gives_way_to_a_text_that_dwarfs_it() -> None:
    body = " ".join(_paragraph("body", i) for i in range(2))  # 120 words, none of the slogan's
    assert dwarfs(SLOGAN, body, FRAGMENT) and accepts(SLOGAN, body, [], FRAGMENT)
    assert not accepts(SLOGAN, body, [], CFG)  # without the rule, ours must be held
    assert accepts(SLOGAN, body, ["Harbour rebuilt " + body], FRAGMENT)  # within the page's article
    assert not accepts(SLOGAN, body, ["Another story entirely, with words of its own."], FRAGMENT)
    assert not dwarfs(SLOGAN, "Port News " * 5, FRAGMENT)  # 10 words: not 1.5 x the slogan's 7
    assert not dwarfs(body, body + " " + body, FRAGMENT)  # 120 words are a text, not a fragment
    assert not dwarfs("", body, FRAGMENT)


def test_a_fragment_counts_unspaced_words_by_length() -> None:
    # A Japanese paragraph has no spaces: one white-space token, but as many words as metadata counts.
    japanese = "法律では児童相談所の力を強くしました。" * 12
    assert not dwarfs(japanese, "子ども " * 40, FRAGMENT)


def test_second_opinion_replaces_a_slogan_by_the_article() -> None:
    tree = parse_page(SLOGAN_PAGE)
    left_out = [_paragraph("body", i) for i in range(4)]
    found = second_opinion(SLOGAN_PAGE, tree, f"{SLOGAN}\n{SLOGAN}", left_out, FRAGMENT, page_lines)
    assert found is not None and "body paragraph 3" in found and SLOGAN not in found
    assert second_opinion(SLOGAN_PAGE, tree, f"{SLOGAN}\n{SLOGAN}", left_out, CFG, page_lines) is None


def test_second_opinion_adds_the_rest_of_a_split_body() -> None:
    assert "later paragraph 4" not in clean_document(SPLIT_BODY, format="html", config=_off()).text
    doc = clean_document(SPLIT_BODY, format="html")
    assert "first paragraph 0" in doc.text and "later paragraph 4" in doc.text
    assert not any("later paragraph" in r.text for r in doc.removed)


def test_readability_reads_formulas_as_latex_when_they_are_kept() -> None:
    # The later container, which only readability's text holds, states a formula as Wikipedia does.
    formula = (
        '<span class="mwe-math-element"><span style="display: none;"><math alttext="{\\displaystyle x^{2}}">'
        "<mi>x</mi><mn>2</mn></math></span><img src='x2.svg' alt='x^{2}'></span>"
    )
    page = SPLIT_BODY.replace("later paragraph 4 says", f"later paragraph 4 says {formula}")
    kept = Config(extract=ExtractConfig(keep_formulas=True))
    doc = clean_document(page, format="html", config=kept)
    assert "later paragraph 4 says \\(x^{2}\\)" in doc.text
    assert "later paragraph 4 says how" in clean_document(page, format="html").text  # dropped by default


def test_second_opinion_does_not_add_another_story_outside_the_article() -> None:
    tree = parse_page(WITH_ANOTHER_STORY)
    kept = "\n".join(_paragraph("first", i) for i in range(2))
    left_out = [_paragraph("bakery", i) for i in range(5)]
    other = second_opinion_module.readability_text(WITH_ANOTHER_STORY, page_lines)
    assert "bakery paragraph 4" in other and extends(kept, other, CFG)  # readability takes both stories
    assert second_opinion(WITH_ANOTHER_STORY, tree, kept, left_out, CFG, page_lines) is None
    doc = clean_document(WITH_ANOTHER_STORY, format="html")
    assert "first paragraph 1" in doc.text and "bakery" not in doc.text


def test_a_failing_readability_leaves_our_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: str) -> None:
        raise ValueError("unparseable")

    monkeypatch.setattr(second_opinion_module, "ReadabilityDocument", broken)
    tree = parse_page(SPLIT_BODY)
    assert second_opinion(SPLIT_BODY, tree, "x" * 10, [SENTENCE], CFG, page_lines) is None


def test_second_opinion_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="second_opinion_containment"):
        ExtractConfig(second_opinion_containment=1.5)
    with pytest.raises(ValueError, match="second_opinion"):
        ExtractConfig(second_opinion_ratio=0.5)
    with pytest.raises(ValueError, match="second_opinion"):
        ExtractConfig(second_opinion_doubt=-1)
    with pytest.raises(ValueError, match="second_opinion_fragment_words"):
        ExtractConfig(second_opinion_fragment_words=-1)
    with pytest.raises(ValueError, match="loose_text_recall_doubt"):
        ExtractConfig(loose_text_recall_doubt=-0.1)


def _off() -> Config:
    return Config(extract=ExtractConfig(second_opinion_doubt=0))
