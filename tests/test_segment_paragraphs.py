"""segment_paragraphs: one line per paragraph, hard wraps re-joined, hyphens mended where safe, types."""

from __future__ import annotations

import dataclasses
import itertools
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from pipeline.clean.segment_paragraphs import paragraph_type, segment_paragraphs, split_paragraphs
from pipeline.document import Document, Removal, Source

WRAPPED = """The committee met on Tuesday to discuss the new budget for the
coming year, and members said the plan would raise spending on
schools and roads by a tenth over the next four years.

A final vote is expected next month, after a round of public
hearings in every district of the state."""


def test_lines_of_a_text_dump_are_paragraphs_each() -> None:
    assert split_paragraphs("First paragraph.\nSecond paragraph.\n\nThird.") == [
        "First paragraph.",
        "Second paragraph.",
        "Third.",
    ]


def test_hard_wrapped_blocks_are_rejoined() -> None:
    paragraphs = split_paragraphs(WRAPPED)
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("The committee met") and paragraphs[0].endswith("four years.")
    assert "the\ncoming" not in paragraphs[0] and "the coming" in paragraphs[0]


def test_hyphen_at_a_wrap_is_mended_only_when_the_document_knows_the_word() -> None:
    text = (
        "The new information system was installed last year in every depart-\n"
        "ment of the city, and the department says that all the well-\n"
        "known problems with the old one are gone for good, officials said."
    )
    (paragraph,) = split_paragraphs(text)
    assert "every department of the city" in paragraph
    assert "well-known" in paragraph


def test_white_space_is_normalised_inside_paragraphs() -> None:
    assert split_paragraphs("White House\u00a0 Concerned   today") == ["White House Concerned today"]


@pytest.mark.parametrize("content_type", ["text", "html"])
def test_the_title_is_normalised_like_the_text(content_type: str) -> None:
    text = "The White House\u00a0said on Monday that it was concerned about the reports."
    doc = Document(
        id="t",
        source=Source(f"t.{content_type}", content_type),
        text=text,
        title=" White House\u00a0Concerned\u200b ",
        metadata={"content_type": content_type},
    )
    once = segment_paragraphs(doc)
    assert once.paragraphs == ("The White House said on Monday that it was concerned about the reports.",)
    assert once.title == "White House Concerned"
    assert segment_paragraphs(once) == once
    assert segment_paragraphs(dataclasses.replace(doc, title="\u00a0 ")).title is None


def test_paragraph_types() -> None:
    assert paragraph_type("• Two cups of flour") == "list_item"
    assert paragraph_type("What happens next") == "heading"
    assert paragraph_type("The vote is next month.") == "paragraph"


def test_segment_is_idempotent_and_rebuilds_text() -> None:
    doc = Document(id="t", source=Source("t.txt", "text"), text=WRAPPED)
    once = segment_paragraphs(doc)
    assert once.text == "\n\n".join(once.paragraphs)
    assert segment_paragraphs(once) == once


LIST = "What to pack\n- Two warm layers\n- A map of the trail\n  - Nested: a compass\nThat is all you need."


def test_html_list_items_lose_the_extractors_marker_and_keep_their_type() -> None:
    doc = Document(id="h", source=Source("h.html", "html"), text=LIST, metadata={"content_type": "html"})
    once = segment_paragraphs(doc)
    assert once.paragraphs == (
        "What to pack",
        "Two warm layers",
        "A map of the trail",
        "Nested: a compass",
        "That is all you need.",
    )
    assert once.paragraph_types == ("heading", "list_item", "list_item", "list_item", "paragraph")
    assert once.text == "\n\n".join(once.paragraphs)
    assert segment_paragraphs(once) == once


def test_text_documents_keep_their_bullets() -> None:
    doc = Document(id="t", source=Source("t.txt", "text"), text=LIST, metadata={"content_type": "text"})
    assert segment_paragraphs(doc).paragraphs[1:3] == ("- Two warm layers", "- A map of the trail")


def test_wrapped_text_with_paragraphs_split_by_single_line_breaks() -> None:
    paragraphs = [
        "The committee met on Tuesday to discuss the new budget for the coming year, and members said "
        "the plan would raise spending on schools and roads by a tenth over the next four years.",
        "A final vote is expected next month, after a round of public hearings in every district.",
        "Opponents said the increase was reckless and promised to fight it in court if it passes.",
    ]
    wrapped = "\n".join(textwrap.fill(p, width=72) for p in paragraphs)
    assert split_paragraphs(wrapped) == paragraphs


# Lines of 40-100 characters that are paragraphs each (a text dump): nothing may be joined.
UNWRAPPED = [
    "Moscow and Damascus launched a campaign to recapture the city.",
    "Rebel fighters have launched an advance of their own near Hama",
    "Syria’s U.N. Ambassador rejected accusations against the government.",
    "What the ceasefire deal means for Aleppo and its people",
    "Kerry said the United States would keep pushing for a negotiated truce.",
]


def test_short_unwrapped_lines_are_not_joined() -> None:
    assert split_paragraphs("\n".join(UNWRAPPED)) == UNWRAPPED


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("People walk on the rubble in Aleppo, Syria, May 3, 2016. Reuters/Abdalrhman Ismail", "caption"),
        ("A protester in Paris on Friday. (AP Photo/Michel Euler)", "caption"),
        ("Kerry met Lavrov in Geneva on Friday. AFP/Getty Images", "caption"),
        ("He said the AC/DC concert in Sydney was the best of the year.", "paragraph"),
        ("“We have four centres in eastern Aleppo”.", "quote"),
        ("> I disagree with the previous message.", "quote"),
        ("“We will not stop,” he said. “Never.”", "paragraph"),
        ("1. Preheat the oven", "list_item"),
        ("Washington/Beirut", "heading"),
    ],
)
def test_captions_quotes_and_other_types(text: str, kind: str) -> None:
    assert paragraph_type(text) == kind


def test_bylines_leave_the_body_and_are_logged() -> None:
    body = (
        "By Jane Doe and John Roe\n\nThe talks ended on Friday without a deal.\n\nBy the end, nobody spoke."
    )
    doc = segment_paragraphs(Document(id="t", source=Source("t.txt", "text"), text=body))
    assert doc.paragraphs == ("The talks ended on Friday without a deal.", "By the end, nobody spoke.")
    assert [(r.text, r.rule, r.stage) for r in doc.removed] == [
        ("By Jane Doe and John Roe", "credits.byline", "segment_paragraphs")
    ]
    assert segment_paragraphs(doc) == doc


def test_a_byline_keeps_its_place_among_earlier_removals() -> None:
    # The byline's paragraph starts at line 2: the line dropped before it (at 2) stays above it in the
    # log, the one dropped after it (at 3) below it.
    body = "The talks ended on Friday.\n\nBy Jane Doe\n\nBy the end, nobody spoke."
    earlier = (
        Removal("Menu", "extract.not_main_content", "extract_text", 2),
        Removal("Photo credit", "extract.not_main_content", "extract_text", 3),
    )
    doc = segment_paragraphs(Document(id="t", source=Source("t.txt", "text"), text=body, removed=earlier))
    assert [(r.text, r.at) for r in doc.removed] == [("Menu", 1), ("By Jane Doe", 1), ("Photo credit", 1)]


def test_wrap_benchmark_on_eval_gold_texts(eval_dir: Path) -> None:
    from benchmarks.segmentation import _wrap, gold_paragraphs

    docs = list(itertools.islice(gold_paragraphs(eval_dir), 120))
    assert all(split_paragraphs("\n".join(p)) == p for p in docs)
    found = total = 0
    for paragraphs in docs:
        got = split_paragraphs(_wrap(paragraphs, 72, "\n\n"))
        total += len(paragraphs)
        found += sum((Counter(paragraphs) & Counter(got)).values())
    assert found / total >= 0.97


def test_a_fenced_code_block_is_one_code_paragraph_with_its_indentation() -> None:
    text = (
        "Install the package first.\n```python\ndef main():\n    return 1\n\n\n    # done\n```\n"
        "Then run it.\n```\nnot closed"
    )
    doc = segment_paragraphs(Document(id="a", source=Source("a", "text"), text=text))
    assert doc.paragraphs == (
        "Install the package first.",
        "def main():\n    return 1\n\n\n    # done",
        "Then run it.",
        "```",
        "not closed",
    )
    assert doc.paragraph_types[1] == "code" and doc.paragraph_types.count("code") == 1
    assert segment_paragraphs(doc) == doc


def test_a_code_block_that_shows_a_fence_is_fenced_with_a_longer_one() -> None:
    text = "Write it so:\n````markdown\n```python\nprint(1)\n```\n````\nDone."
    doc = segment_paragraphs(Document(id="a", source=Source("a", "text"), text=text))
    assert doc.paragraphs == ("Write it so:", "```python\nprint(1)\n```", "Done.")
    assert doc.paragraph_types == ("paragraph", "code", "paragraph")


# Chinese paragraphs as a CJK mail program wraps them, at 30 characters (60 columns): no spaces, so a
# line can end anywhere; the joined paragraph has no space where the lines met.
ZH = [
    "国家统计局今天发布数据显示，今年前十一个月，全国规模以上工业增加值同比增长百分之五点八，"
    "其中制造业增长较快，高技术制造业增加值增长百分之九点一，比上月加快零点六个百分点。",
    "专家表示，经济运行总体平稳，消费市场继续恢复，社会消费品零售总额同比增长百分之四点二，"
    "其中网上零售额增长百分之七，下一步有关部门将继续加大政策支持力度。",
]


def _wrap_chars(paragraph: str, width: int) -> str:
    return "\n".join(paragraph[i : i + width] for i in range(0, len(paragraph), width))


@pytest.mark.parametrize("width", [20, 30, 35])
def test_chinese_hard_wraps_are_rejoined_without_spaces(width: int) -> None:
    assert split_paragraphs("\n\n".join(_wrap_chars(p, width) for p in ZH)) == ZH


def test_korean_hard_wraps_are_rejoined_with_their_spaces() -> None:
    # Hangul is as wide as Chinese, but Korean puts spaces between words: a wrap is at a space.
    paragraph = (
        "서울시는 6일 올해 시내버스 노선을 대폭 개편한다고 밝혔다. 시는 출퇴근 시간대 혼잡을 줄이기 위해 "
        "간선 노선을 늘리고 지선 노선을 정비할 계획이다. 새 노선은 다음 달부터 단계적으로 시행된다."
    )
    wrapped = textwrap.fill(paragraph, 36)
    assert "\n" in wrapped
    assert split_paragraphs(wrapped + "\n\n" + wrapped) == [paragraph, paragraph]
