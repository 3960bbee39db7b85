"""Text primitives the stages share: white space, sentence ends, and the words each stage counts."""

from __future__ import annotations

import textwrap
import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.text as text_module
from pipeline.clean.segment_paragraphs import paragraph_type, split_paragraphs
from pipeline.config import BoilerplateConfig
from pipeline.text import (
    CLAUSE_END,
    DOTTED_WORD,
    SENTENCE_END,
    SENTENCE_ENDS,
    WIDE_CHAR,
    columns,
    count_words,
    dotted_words,
    is_prose,
    line_info,
    prose_lines,
    squeeze_paragraph,
    squeeze_spaces,
    unwrapped,
)

# White space as the catalogue's matching sees it (what squeeze_spaces' shortcut must agree with).
_SPACE = regex.compile(r"[\s\p{Zs}\u200b\u200c\u200d\ufeff]+")


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2003\u2028\u200b\u200c\u200d\ufeffab.", max_size=40
    )
)
def test_squeeze_spaces_is_the_regex_squeeze(line: str) -> None:
    """The str.split() shortcut gives what the white-space regex gives, odd separators included."""
    assert squeeze_spaces(line) == _SPACE.sub(" ", line).strip()
    # Segmentation's squeezer leaves the zero-width joiners in.
    segment_space = regex.compile(r"[\s\p{Zs}\u200b\ufeff]+")
    assert squeeze_paragraph(line) == segment_space.sub(" ", line).strip()


@given(st.text(alphabet=".!?…。！？:'\"”’»)]\\^- ab\n\t[", max_size=8))
def test_sentence_end_patterns_are_built_as_written(text: str) -> None:
    """The patterns built from SENTENCE_STOPS and CLOSERS are the classes their comments describe."""
    assert bool(SENTENCE_END.search(text)) == bool(regex.search(r"[.!?…。！？]['\"”’»)\]]*\s*$", text))
    assert bool(CLAUSE_END.search(text)) == bool(regex.search(r"[.!?…。！？:]['\"”’»)\]]*$", text))
    assert SENTENCE_ENDS.findall(text) == regex.findall(r"[.!?…。！？]+['\"”’»)\]]*(?=\s|$)", text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09'’.- \t\xa0éßİſ٣Ⅻ字"), max_size=30) | st.text(max_size=30))
def test_dotted_words_are_the_unicode_pattern_s(text: str) -> None:
    """The standard library's engine on ASCII text finds the words the Unicode pattern finds."""
    assert dotted_words(text) == DOTTED_WORD.findall(text)


# Lines that make and break wrapped blocks: prose, short words, a wrapped run, blank and long lines.
_BODY_LINES = st.sampled_from(
    [
        "",
        "  ",
        "\u200b",
        "\u200d",
        "Home",
        "The council met on Tuesday and agreed to the plan.",
        "the council met on Tuesday to discuss a plan for the",
        "roads and schools of the town, which the mayor said was",
        "long overdue",
        "a line much longer than any column a text is wrapped at, " * 2,
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_BODY_LINES, max_size=14), st.sets(st.integers(0, 15)))
def test_prose_lines_among_some_reads_them_as_the_whole_body_does(lines: list[str], among: set[int]) -> None:
    text = "\n".join(lines)
    asked = {i for i in among if i < len(text.split("\n"))}
    every = prose_lines(text, BoilerplateConfig())
    found = prose_lines(text, BoilerplateConfig(), among=asked)
    # Lines of the same blocks may come along, rightly.
    assert found & asked == every & asked
    assert found <= every


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("The committee met on Tuesday.", 5),
        ("U.S. sales rose 3.5%", 4),
        # Korean puts spaces between words: its words are counted as written.
        ("서울시는 6일 발표했다.", 3),
        # Chinese and Japanese put none: 11 and 31 of their characters, at two a word.
        ("分行业看，制造业增长较快。", 6),
        ("東京都は6日、新型コロナウイルスの感染者が新たに確認されたと発表した。", 16),
        ("首页", 1),
        # Mixed: "Kindle" and "for" as written, then the ten kana ("PC", glued to them, goes with them).
        ("Kindle for PCをインストールすると", 7),
    ],
)
def test_unspaced_scripts_are_counted_by_their_length(line: str, words: int) -> None:
    assert line_info(line).words == words


def test_a_short_chinese_sentence_reads_as_prose_and_a_menu_item_does_not() -> None:
    cfg = BoilerplateConfig()
    assert is_prose(line_info("分行业看，制造业增长较快。"), cfg)
    assert not is_prose(line_info("首页"), cfg)


def test_a_text_dump_whose_lines_line_up_is_not_unwrapped() -> None:
    # A page's text dump: headlines of about the same length one under the other look like a wrapped
    # paragraph, but they are a minority of its lines; only segmentation, after the boilerplate
    # stages, may join such a run.
    headlines = [
        "Council approves the budget for the coming year after long talks",
        "Storm closes the coastal road for the second time this month and",
        "Local school wins the regional science prize for its water project",
    ]
    story = (
        "The committee met on Tuesday to discuss the new budget for the coming year, and members said "
        "the plan would raise spending on schools and roads."
    )
    dump = "\n\n".join(["Home\nNews\nSport", "\n".join(headlines), story, "Contact\nPrivacy\nTerms"])
    # On their own the headlines are a wrapped paragraph; in the dump they are 3 of its 10 lines.
    assert len(split_paragraphs("\n".join(headlines))) == 1
    assert unwrapped(dump) == dump


def test_unwrapped_joins_wrapped_paragraphs_and_leaves_code_and_single_lines() -> None:
    prose = (
        "The committee met on Tuesday to discuss the new budget for the coming year. Members said the "
        "plan would raise spending on schools and roads by a tenth, and a final vote is expected next "
        "month after a round of public hearings in every district."
    )
    code = "```\nfor row in rows:\n    print(row)\n```"
    text = "\n\n".join(["Budget approved", textwrap.fill(prose, 60), code, textwrap.fill(prose, 60)])
    assert unwrapped(text).split("\n\n") == ["Budget approved", prose, code, prose]


def test_wide_characters_are_the_ones_unicode_draws_two_columns_wide() -> None:
    # The blocks of Hangul, CJK, kana and full-width forms (wide emoji and symbols are left out).
    blocks = [(0x1100, 0x1200), (0x2E80, 0xA500), (0xA960, 0xA980), (0xAC00, 0xD7B0), (0xF900, 0xFB00)]
    blocks += [(0xFE10, 0xFE70), (0xFF00, 0x10000), (0x20000, 0x20100)]
    for code in (code for start, end in blocks for code in range(start, end)):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cn", "Cs", "Co"):
            continue
        assert bool(WIDE_CHAR.match(ch)) == (unicodedata.east_asian_width(ch) in "WF"), hex(code)
    assert columns("中文 text") == 9
    assert columns("plain") == 5


def test_a_long_wrapped_paragraph_is_joined_reading_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A hex dump's lines all look full: one wrapped paragraph of 5,000 lines. Looking for a hyphen at the
    # end of everything joined so far, at every line, made the join quadratic (20,000 such lines: 4 s).
    read: list[int] = []
    hyphen_at_end = text_module.HYPHEN_AT_END

    class Recording:
        def search(self, line: str) -> object:
            read.append(len(line))
            return hyphen_at_end.search(line)

    monkeypatch.setattr(text_module, "HYPHEN_AT_END", Recording())
    lines = [" ".join(f"{(i * 24 + j) % 256:02x}" for j in range(24))[:71] for i in range(5000)]
    assert unwrapped("\n".join(lines)) == " ".join(lines)
    assert max(read) <= 71


@pytest.mark.parametrize(
    ("text", "words"),
    [("The committee met on Tuesday.", 5), ("质量很好，物流很快。", 4), ("Kindle for PCを使う", 4), ("", 0)],
)
def test_count_words_counts_chinese_and_japanese_by_their_length(text: str, words: int) -> None:
    assert count_words(text) == words


_WORDS = st.sampled_from(["alpha", "well-", "known", "de-", "gamma", "中文", "字。", "，", "ｱｲ", "end."])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDS, min_size=1, max_size=60), min_size=1, max_size=6),
    st.integers(min_value=30, max_value=110),
    st.sampled_from(["\n\n", "\n"]),
)
def test_unwrapped_loses_no_character(paragraphs: list[list[str]], width: int, separator: str) -> None:
    """Whatever it joins, unwrapped keeps every character but white space and a mended hyphen."""
    text = separator.join(textwrap.fill(" ".join(words), width) for words in paragraphs)

    def letters(t: str) -> str:
        return "".join(t.split()).replace("-", "")

    assert letters(unwrapped(text)) == letters(text)


@pytest.mark.parametrize(
    ("line", "terminal"),
    [("「引き続き注意が必要だ。」", True), ("他说：“有信心完成全年目标。”", True), ("（记者 王明）", False)],
)
def test_cjk_closing_brackets_may_follow_a_sentence_end(line: str, terminal: bool) -> None:
    assert line_info(line).terminal is terminal


def test_a_line_ending_in_a_full_width_colon_opens_what_follows() -> None:
    assert CLAUSE_END.search("他说：")
    assert paragraph_type("他说：") == "paragraph"
    assert paragraph_type("“数字”赋能农业") == "heading"
