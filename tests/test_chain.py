"""The chain of stages: clean_document's arguments and the body a clean document must keep."""

from __future__ import annotations

import importlib
import textwrap

import pytest

from pipeline import clean_document
from pipeline.clean.chain import STAGES, stage_functions
from pipeline.clean.segment_paragraphs import require_body
from pipeline.config import Config, config_from_dict
from pipeline.document import Document, Rejection, Source
from pipeline.tasks import RawShard, ShardStage, WriteShard
from tests.test_segment_paragraphs import ZH, _wrap_chars


@pytest.mark.parametrize("fmt", ["htm", "HTML", "jsonl", "warc", ""])
def test_clean_document_refuses_an_unknown_format(fmt: str) -> None:
    with pytest.raises(ValueError, match="format must be one of text, html"):
        clean_document("<p>A page.</p>", format=fmt)


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        ('"' * 20_000, "text"),
        ("... --- ...", "text"),
        ("┒(⌣˛⌣)┎", "text"),
        ("Home About", "text"),
        ("<html><body><div><p>Home About</p></div></body></html>", "html"),
    ],
    ids=["quotes", "punctuation", "emoticon", "menu-words", "html-menu"],
)
def test_a_body_without_words_is_a_no_text_reject(content: str, fmt: str) -> None:
    doc = clean_document(content, format=fmt)
    assert doc.rejection is not None
    assert (doc.rejection.stage, doc.rejection.reason) == ("segment_paragraphs", "no_text")


@pytest.mark.parametrize(
    "content",
    ["Great kettle, would buy again", "café café café café", "Budget approved\n\nThe vote is on Tuesday."],
)
def test_short_documents_with_words_stay_clean(content: str) -> None:
    doc = clean_document(content)
    assert doc.rejection is None and doc.metadata["word_count"] >= 3


def test_the_word_floor_is_a_setting_and_counts_words_like_word_count() -> None:
    doc = Document("d", Source("d.txt", "text"), text="Hi guys 😍", metadata={"content_type": "text"})
    assert require_body(doc, 1, 3).rejection == Rejection(
        "segment_paragraphs", "no_text", "2 words left, fewer than 3"
    )
    assert require_body(doc, 1, 2).rejection is None
    empty = Document("e", Source("e.txt", "text"), text=" ", metadata={"content_type": "text"})
    assert require_body(empty, 1, 3).rejection == Rejection(
        "segment_paragraphs", "empty_after_cleaning", "0 characters left"
    )
    assert Config().output.min_words == 3
    relaxed = config_from_dict({"output": {"min_words": 0}})
    assert clean_document("...", config=relaxed).rejection is None


def test_every_stage_is_a_module_and_a_task_of_its_name() -> None:
    """``strip_boilerplate``: module pipeline.clean.strip_boilerplate, task StripBoilerplate, in order."""
    for stage in STAGES:
        module = importlib.import_module(f"pipeline.clean.{stage}")
        assert module.STAGE == stage
        assert ShardStage.by_stage[stage].__name__ == stage.title().replace("_", "")
    assert list(stage_functions(Config())) == list(STAGES[1:])
    chain = [ShardStage.by_stage[stage] for stage in STAGES]
    assert chain[0].previous() is RawShard
    assert [task.previous() for task in chain[1:]] == chain[:-1]
    assert WriteShard.previous() is chain[-1]


# A news story as a mail or a text file carries it, hard-wrapped at 72 columns: each line of a paragraph
# on its own is a short line without a stop, which the boilerplate stages took for a menu item, a
# title or a header line (on the dev sets' gold texts wrapped so, the chain kept 83% of the words it
# keeps, 93%, of the same texts one paragraph a line).
STORY = [
    "The national statistics office said on Tuesday that industrial output in the first eleven months "
    "of the year grew by 5.8 percent, with manufacturing growing faster than mining and utilities.",
    "High-tech manufacturing rose 9.1 percent, 0.6 points faster than in the month before, and "
    "contributed more than a third of the growth of all industry, the office said.",
    "Experts said the economy was stable overall and consumption continued to recover, with retail "
    "sales up 4.2 percent and online sales up seven percent; the authorities will keep up their support.",
]


@pytest.mark.parametrize("width", [60, 72, 80])
def test_a_hard_wrapped_plain_text_keeps_every_paragraph(width: int) -> None:
    doc = clean_document("\n\n".join(textwrap.fill(p, width) for p in STORY) + "\n", format="text")
    assert list(doc.paragraphs) == STORY
    assert not doc.removed


def test_a_hard_wrapped_chinese_text_keeps_every_paragraph() -> None:
    doc = clean_document("\n\n".join(_wrap_chars(p, 30) for p in ZH) + "\n", format="text")
    assert list(doc.paragraphs) == ZH
    assert not doc.removed


@pytest.mark.parametrize("review", ["质量很好，物流很快。", "とても良い商品でした。", "Great kettle, buy it"])
def test_a_short_review_is_kept_in_any_script(review: str) -> None:
    # Chinese and Japanese put no spaces between words: counted as runs of letters, this review was two
    # words and a no_text reject; two characters count as a word.
    doc = clean_document(review, format="text")
    assert doc.rejection is None
    assert doc.text == review
    assert doc.metadata["word_count"] >= 4
