"""strip_boilerplate: titles, comment forms, structural zones, and the accounting of removed lines."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.clean.lineclass import line_shape, load_model
from pipeline.clean.strip_boilerplate import holes, sparing_prose, strip_boilerplate
from pipeline.clean.tag_metadata import tag_metadata
from pipeline.clean.title import split_site_suffix
from pipeline.config import BoilerplateConfig
from pipeline.document import Document, Removal, Source
from pipeline.rules import RuleSet, load_rules
from pipeline.rules.ids import LINE_SCORE
from pipeline.text import line_info

# The hand-written structural rules (the classifier switched off); the model has its own tests below.
CFG = BoilerplateConfig(line_model=False)
MODEL_CFG = BoilerplateConfig()
PAGES = json.loads((Path(__file__).parent / "cases" / "plain_text_pages.json").read_text(encoding="utf-8"))
PROSE = [
    "The committee met on Tuesday to discuss the new budget for the coming year.",
    "Members said the plan would raise spending on schools and roads by a tenth.",
    "A final vote is expected next month, after a round of public hearings.",
]


def _doc(lines: list[str], **meta: object) -> Document:
    return Document(
        id="t",
        source=Source("t.txt", "text"),
        text="\n".join(lines),
        metadata={"content_type": "text", **meta},
    )


def _lines(doc: Document) -> list[str]:
    return [line for line in doc.text.split("\n") if line.strip()]


def _strip(lines: list[str], **meta: object) -> Document:
    return strip_boilerplate(_doc(lines, **meta), load_rules(), CFG)


def test_title_is_taken_from_the_header_and_its_copies_removed() -> None:
    doc = _strip(["Click Here!", "Budget Plan Moves Ahead | Example News", "Budget Plan Moves Ahead", *PROSE])
    assert doc.title == "Budget Plan Moves Ahead"
    assert _lines(doc) == PROSE
    assert [r.rule for r in doc.removed] == ["share.click_here", "title.heading", "title.repeat"]
    # The site name in the title line is tagging's to read from the removal log.
    assert "site_name" not in doc.metadata
    assert tag_metadata(doc).metadata["site_name"] == "Example News"


def test_a_first_line_with_a_site_suffix_is_the_title_over_a_menu_item_shown_twice() -> None:
    """A text dump of an HTML page starts with its <title>; a menu shows some items twice."""
    menu = ["About", "Work With Us", "Work With Us", "Destinations"]
    doc = _strip(["My Month Backpacking Through Asia - Example Travel", *menu, *PROSE])
    assert doc.title == "My Month Backpacking Through Asia"
    # Where several header lines carry a site suffix (a section's header and the story's title), the
    # first is not singled out: the longer title wins.
    headers = [
        "World News Opinion | Example News",
        "Budget Plan Moves Ahead In The Senate | Example News Archive",
    ]
    assert _strip([*headers, *PROSE]).title == "Budget Plan Moves Ahead In The Senate"


def test_removals_are_logged_in_document_order_across_stages() -> None:
    # Extraction dropped a teaser between the first and second paragraph (before line 2) and lost track
    # of one line (no position); stripping then removes the share bar above both (line 0).
    earlier = (
        Removal("Teaser of another story", "extract.not_main_content", "extract_text", 2),
        Removal("A line ftfy split", "extract.not_main_content", "extract_text", None),
    )
    doc = dataclasses.replace(_doc(["Share this article", *PROSE]), removed=earlier)
    stripped = strip_boilerplate(doc, load_rules(), CFG)
    assert _lines(stripped) == PROSE
    assert [(r.text, r.at) for r in stripped.removed] == [
        ("Share this article", 0),
        ("Teaser of another story", 1),
        ("A line ftfy split", None),
    ]


def test_the_line_model_never_removes_three_times_the_prose_it_leaves() -> None:
    infos = [line_info(line) for line in ["Menu", *PROSE, "Home"]]
    every = {0, 1, 2, 3, 4}
    # It would leave "Home" (1 word) and remove 41 words of prose: the prose stays, the menu goes.
    assert sparing_prose(every - {4}, infos, [None] * 5, MODEL_CFG) == {0}
    # Leaving the first sentence and "Home" (15 words), it removes 27 of prose: that it may cut.
    assert sparing_prose({0, 2, 3}, infos, [None] * 5, MODEL_CFG) == {0, 2, 3}
    # What other rules removed is not left: the share of the prose is against the lines that stay.
    assert sparing_prose({0, 1, 2, 3}, infos, [None, None, None, None, "share.button"], MODEL_CFG) == {0}
    # Leaving a menu of 8 words, it would remove five times as much prose: the prose stays.
    menu = [line_info(line) for line in ["Home News Sport Weather Travel Culture Money Jobs", *PROSE]]
    assert sparing_prose({1, 2, 3}, menu, [None] * 4, MODEL_CFG) == set()


def test_the_line_model_leaves_short_runs_between_kept_lines() -> None:
    # Lines 0-9 non-blank; 5 is blank. Kept: 0, 3, 7, 9. The model would cut 1-2, 4+6 (a blank line
    # between them is no break), 8; the catalogue removed 10, and the model would cut 11 below it.
    index = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    verdicts: list[str | None] = [None] * 12
    verdicts[10] = "share.button"
    cut = {1, 2, 4, 6, 8, 11}
    assert holes(index, cut, verdicts, longest=2) == {1, 2, 4, 6, 8}
    # A run longer than the bound is no hole; nor a run at the top or bottom of what is kept.
    assert holes(index, cut, verdicts, longest=1) == {8}
    assert holes(index, {0, 1, 8, 9}, verdicts, longest=5) == set()
    # A run next to a line another rule removed has no kept line on that side.
    assert holes(index, {11}, verdicts, longest=5) == set()
    assert holes([0, 1, 2], {1}, ["title.heading", None, None], longest=5) == set()


def test_a_heading_between_kept_paragraphs_stays(eval_dir: Path) -> None:
    # An essay's "Bibliography" between its last paragraph and its references: the model alone cut
    # the heading (cleaneval-dev, whose gold keeps it; the model never trained on that set).
    dump = eval_dir / "cleaneval-dev" / "textdump" / "final-84.txt"
    if not dump.exists():
        pytest.skip("cleaneval-dev is not in the eval folder")
    doc = strip_boilerplate(_doc(dump.read_text(encoding="utf-8").split("\n")), load_rules(), MODEL_CFG)
    lines = _lines(doc)
    assert "Bibliography" in lines
    assert lines[lines.index("Bibliography") - 1].startswith("Whose Beowulf is this?")


def test_a_transcript_the_line_model_misreads_keeps_its_prose(eval_dir: Path) -> None:
    # A parliament transcript, its speeches between speaker names and page numbers: the model kept
    # one speech of 446 words and removed 23,694 words of the others (cleaneval-dev, bow F1 0.03).
    dump = eval_dir / "cleaneval-dev" / "textdump" / "final-626.txt"
    if not dump.exists():
        pytest.skip("cleaneval-dev is not in the eval folder")
    doc = strip_boilerplate(_doc(dump.read_text(encoding="utf-8").split("\n")), load_rules(), MODEL_CFG)
    assert "Mr IAN COHEN [2.47 p.m.]: The Greens are pleased" in doc.text
    assert "Debate resumed from an earlier hour." in doc.text


@pytest.mark.parametrize("cfg", [CFG, MODEL_CFG], ids=["hand-rules", "line-model"])
@pytest.mark.parametrize("title", ["Budget approved", "Budget", "Why the council said yes"])
def test_a_short_line_alone_above_the_body_is_the_title(title: str, cfg: BoilerplateConfig) -> None:
    doc = strip_boilerplate(_doc([title, "", *PROSE]), load_rules(), cfg)
    assert doc.title == title
    assert _lines(doc) == PROSE
    assert [(r.text, r.rule) for r in doc.removed] == [(title, "title.heading")]


@pytest.mark.parametrize("line", ["By Jane Doe", "May 3, 2016", "Contents:"])
def test_a_byline_date_or_label_alone_above_the_body_is_no_title(line: str) -> None:
    doc = strip_boilerplate(_doc([line, "", *PROSE]), load_rules(), CFG)
    assert doc.title is None


@pytest.mark.parametrize(
    "lines",
    [
        ["café café café café"],
        ["Great kettle, would buy again"],
        ["", "  Short note to self  ", ""],
        ["A one-line record", "Share this"],
    ],
    ids=["latin-1-line", "review", "blank-lines-around", "only-line-after-the-rules"],
)
@pytest.mark.parametrize("cfg", [CFG, MODEL_CFG], ids=["hand-rules", "line-model"])
def test_a_documents_only_line_is_its_body_not_its_title(lines: list[str], cfg: BoilerplateConfig) -> None:
    doc = strip_boilerplate(_doc(lines), load_rules(), cfg)
    assert doc.title is None
    assert [line.strip() for line in _lines(doc)] == [lines[0].strip() or lines[1].strip()]
    assert not [r for r in doc.removed if r.rule.startswith("title.")]


# A Chinese news page. Its sentences carry no spaces: as dotted words the lead paragraph is four
# "words" and a short sentence two, so no line above the fifth would read as prose, the lead would be
# taken for the title and the sentences above the first long one for a header zone.
ZH_MENU = ["首页", "新闻", "财经", "体育", "登录", "注册"]
ZH_HEADLINE = "统计局：前十一个月工业增加值增长5.8%"
ZH_BODY = [
    "新华社北京12月6日电 国家统计局今天发布数据显示，"
    "今年前十一个月，全国规模以上工业增加值同比增长百分之五点八。",
    "分行业看，制造业增长较快。",
    "专家表示，经济运行总体平稳。",
    "他说：“我们有信心完成全年目标。”",
    "数据显示，高技术制造业增加值增长百分之九点一，比上月加快零点六个百分点，对全部规模以上工业增长的贡献率达到百分之三十以上，拉动作用明显增强。",
    "消费市场继续恢复。",
    "社会消费品零售总额同比增长百分之四点二，其中网上零售额增长百分之七。",
    "下一步，有关部门将继续加大政策支持力度。",
]
ZH_FOOTER = ["版权所有 © 2024 新华网", "联系我们", "关于我们"]


@pytest.mark.parametrize("cfg", [CFG, MODEL_CFG], ids=["hand-rules", "line-model"])
@pytest.mark.parametrize("headline", [True, False], ids=["headline", "no-headline"])
def test_a_cjk_page_keeps_its_sentences_and_finds_its_title(
    headline: bool, cfg: BoilerplateConfig, request: pytest.FixtureRequest
) -> None:
    if cfg.line_model and not headline:
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="the line model keeps the menu's last item, next to the body, on this 17-line page "
                "without a headline (probability 0.60; the model trained with seed 1 drops it at 0.43): a "
                "short page is all main region, so the distance to it tells its lines nothing",
            )
        )
    body = [line for paragraph in ZH_BODY for line in ("", paragraph)]
    lines = [*ZH_MENU, *([ZH_HEADLINE] if headline else []), *body, "", *ZH_FOOTER]
    doc = strip_boilerplate(_doc(lines), load_rules(), cfg)
    kept = _lines(doc)
    assert [line for line in kept if line in ZH_BODY] == ZH_BODY
    assert not set(kept) & set(ZH_MENU)
    assert doc.title == (ZH_HEADLINE if headline else None)


def test_a_given_title_with_the_site_name_still_finds_the_headline() -> None:
    """An HTML page's metadata title often ends in the site's name; the headline in the body does not,
    and the record's title does not either."""
    lines = ["Council backs budget after long debate", *PROSE]
    for title, site in (
        ("Council backs budget after long debate - Example News", "Example News"),
        ("Council backs budget after long debate | Example News", None),
    ):
        meta = {"content_type": "html", **({"site_name": site} if site else {})}
        doc = dataclasses.replace(_doc(lines, **meta), title=title)
        stripped = strip_boilerplate(doc, load_rules(), CFG)
        assert _lines(stripped) == PROSE and stripped.title == lines[0]
        assert [(r.rule, r.text) for r in stripped.removed] == [("title.repeat", lines[0])]
    # A headline that is not the title stays.
    doc = dataclasses.replace(_doc(lines, content_type="html"), title="Another story - Example News")
    assert _lines(strip_boilerplate(doc, load_rules(), CFG)) == lines


def test_a_given_titles_site_suffix_is_told_by_the_urls_host() -> None:
    """A short headline's dash suffix is the site's only when a name of the site says so."""
    page = Source("p.html", "html", "https://www.battery-news.de/2022/01/story")
    doc = Document(id="p", source=page, text="\n".join(PROSE), metadata={"content_type": "html"})
    for title, expected in (
        ("Battery outlook - Battery-News.de", "Battery outlook"),
        ("Battery outlook - Part Two", None),
    ):
        stripped = strip_boilerplate(dataclasses.replace(doc, title=title), load_rules(), CFG)
        assert stripped.title == (expected or title)


TEASERS = [
    "Storm Closes Schools Across The County Heavy snow kept the buses off the roads for a second day.",
    "Council Names New Library Director The board picked a longtime member of staff after a search.",
]
HEADLINE = "Budget Plan Moves Ahead In The Senate"


def _rules_of(doc: Document) -> dict[str, str]:
    return {r.text: r.rule for r in doc.removed}


def test_the_teasers_between_the_title_and_the_headline_go() -> None:
    """A text dump starts with the page's <title>, and the headline repeats it just above the
    article: the site's teasers between the two read as prose, and go for where they stand."""
    page = [f"{HEADLINE} | Example News", "Menu", *TEASERS, HEADLINE, *PROSE]
    for cfg in (CFG, MODEL_CFG):
        doc = strip_boilerplate(_doc(page), load_rules(), cfg)
        assert _lines(doc) == PROSE and doc.title == HEADLINE
    rules = _rules_of(_strip(page))
    assert [rules[line] for line in TEASERS] == ["structure.above_headline"] * 2
    assert rules[HEADLINE] == "title.repeat"
    # A declared title (a JSON Lines record's) is no <title> on the first line: an intro above a
    # section that repeats it stays.
    declared = dataclasses.replace(_doc([*TEASERS, HEADLINE, *PROSE]), title=HEADLINE)
    assert _lines(strip_boilerplate(declared, load_rules(), CFG)) == [*TEASERS, *PROSE]


def test_a_first_line_whose_title_recurs_as_the_headline_is_the_title() -> None:
    """Where another line above the body has a site suffix too (a section's header), the first line
    is still the page's <title> when the article's headline repeats it below."""
    section = "World News Opinion And Analysis Section Weekly Archive | Example News"
    page = [f"{HEADLINE} | Example News", section, *TEASERS, HEADLINE, *PROSE]
    doc = _strip(page)
    assert doc.title == HEADLINE and _lines(doc) == PROSE
    # Without the headline below, the longer of the two wins, as before.
    assert _strip([f"{HEADLINE} | Example News", section, *PROSE]).title == section.split(" | ")[0]


def test_a_copy_of_the_title_without_the_body_below_it_is_no_headline() -> None:
    """A link to the page in a list below the article, or a title found under the first line (a
    report's contents, a blog's list of posts), says nothing of where the article starts."""
    related = [f"{HEADLINE} | Example News", *TEASERS, *PROSE, "Most read", HEADLINE, "Contact us"]
    assert "structure.above_headline" not in _rules_of(_strip(related))
    assert set(TEASERS) <= set(_lines(_strip(related)))
    not_on_top = ["Home", f"{HEADLINE} | Example News", *TEASERS, HEADLINE, *PROSE]
    doc = _strip(not_on_top)
    assert doc.title == HEADLINE and set(TEASERS) <= set(_lines(doc))
    # Nor is a first line without a site's name surely the page's <title>: the heading of a list of
    # translations, which the footer repeats above its own sentences.
    no_site = [HEADLINE, *TEASERS, HEADLINE, *PROSE]
    doc = _strip(no_site)
    assert doc.title == HEADLINE and set(TEASERS) <= set(_lines(doc))


def test_wordpress_comment_form_is_removed_as_one_block() -> None:
    form = [
        "Leave a Reply",
        "Fill in your details below or click an icon to log in: Logo",
        "Google photo",
        "Connecting to %s",
        "%d bloggers like this:",
    ]
    doc = _strip(["A Title Of Some Words", *PROSE, *form])
    assert _lines(doc) == PROSE
    assert [r.rule for r in doc.removed[1:]] == ["comments.wordpress_reply_form"] * 5


# A 60-word article: enough kept text above a thread for comments.reader_comments (50 words).
ARTICLE = [
    *PROSE,
    "Opponents said the increase was overdue after years of frozen spending on repairs and parks.",
    "The mayor said she would sign the budget but warned of a deficit within two years.",
]
COMMENTS = [
    "jbaxt says:",
    "November 19, 2019 at 6:34 am",
    "It is a good thing the council finally agreed on something this year.",
    "Reply",
    "Ann Smith on November 19, 2019 at 6:44 am said:",
    "Spending on roads is long overdue, the potholes on my street are a disgrace.",
]


def test_reader_comments_under_the_article_are_dropped_from_the_first_signature() -> None:
    doc = _strip(["A Title Of Some Words", *ARTICLE, *COMMENTS])
    assert _lines(doc) == ARTICLE
    rules = {r.text: r.rule for r in doc.removed}
    assert rules["jbaxt says:"] == rules[COMMENTS[-1]] == "comments.reader_comments"
    assert rules["Reply"] == "comments.form_line"
    assert strip_boilerplate(doc, load_rules(), CFG) == doc


REPLY = "Agreed, and the parks need the money just as much as the roads do."
LONG_ARTICLE = ARTICLE * 3  # 180 words: comments.comment_stamps wants 150 above the thread


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("December 30, 2024 at 3:45 pm", "January 1, 2025 at 12:11 am"),
        # Blogger prints the name and the stamp on one line.
        ("Amy September 11, 2008 at 2:06 PM", "Mark Jones April 2, 2010 at 6:46 AM"),
        # Disqus and forum themes print the time since and the time of day.
        ("2 days ago at 07:47 am", "2 days ago at 08:12 am"),
    ],
)
def test_comment_time_stamps_alone_mark_a_thread_under_a_long_article(first: str, second: str) -> None:
    stamps = [first, COMMENTS[2], second, REPLY]
    doc = _strip(["A Title Of Some Words", *LONG_ARTICLE, *stamps])
    assert _lines(doc) == LONG_ARTICLE
    assert {r.rule for r in doc.removed if r.text in stamps} == {"comments.comment_stamps"}
    # Under a short text (a Q&A page's question with its comments) the stamps are not a thread.
    assert REPLY in _lines(_strip(["A Title Of Some Words", *ARTICLE, *stamps]))


def test_stamps_of_questions_and_of_teasers_mark_no_thread() -> None:
    """Stack Exchange prints 'asked ... at' over a question's answers; news sites stamp the teasers of
    a list beside the article with the time since alone ('vor 14 Stunden'), and the article goes on
    below that list."""
    q_and_a = ["asked Dec 18, 2011 at 21:10", COMMENTS[2], "answered Dec 19, 2011 at 6:52", REPLY]
    assert REPLY in _lines(_strip(["A Title Of Some Words", *LONG_ARTICLE, *q_and_a]))
    teasers = ["VOR 14 STUNDEN", TEASERS[0], "3 hours ago", TEASERS[1], *ARTICLE]
    assert ARTICLE[-1] in _lines(_strip(["A Title Of Some Words", *LONG_ARTICLE, *teasers]))


def test_posts_with_signatures_from_the_top_are_content_not_a_thread() -> None:
    """A forum page's posts carry signatures too, but they start before any kept text."""
    posts = [COMMENTS[0], COMMENTS[1], ARTICLE[0], ARTICLE[1], COMMENTS[4], ARTICLE[2], ARTICLE[3]]
    assert ARTICLE[3] in _lines(_strip(posts))


def test_a_name_with_says_is_a_signature_only_above_a_date() -> None:
    quoted = [*ARTICLE, "The minister says:", PROSE[0], "The mayor says:", PROSE[1]]
    assert _lines(_strip(["A Title Of Some Words", *quoted])) == quoted


def test_short_lines_outside_the_prose_are_header_and_footer() -> None:
    doc = _strip(["World", "Politics", "Budget Plan Moves Ahead Again", *PROSE, "Mideast Egypt Migrants"])
    rules = [(r.text, r.rule) for r in doc.removed]
    assert ("World", "structure.header_zone") in rules
    assert ("Mideast Egypt Migrants", "structure.footer_zone") in rules
    assert _lines(doc) == PROSE


def test_a_run_of_short_lines_inside_the_prose_is_a_link_list() -> None:
    doc = _strip(
        ["Budget Plan Moves Ahead Again", PROSE[0], "Sports", "Weather", "Opinion", PROSE[1], PROSE[2]]
    )
    assert [r.rule for r in doc.removed if r.text in ("Sports", "Weather", "Opinion")] == [
        "structure.link_list"
    ] * 3


def test_a_single_subheading_inside_the_prose_is_kept() -> None:
    doc = _strip(["Budget Plan Moves Ahead Again", PROSE[0], "What happens next", PROSE[1], PROSE[2]])
    assert "What happens next" in doc.text


def test_html_documents_skip_the_structural_zones() -> None:
    # The extractor gives an HTML document its title (from the markup).
    page = dataclasses.replace(
        _doc(["Short opener", *PROSE, "Short closer"], content_type="html"), title="Budget news"
    )
    doc = strip_boilerplate(page, load_rules(), CFG)
    assert "Short opener" in doc.text and "Short closer" in doc.text


def test_lines_that_are_only_a_list_marker_are_removed() -> None:
    # Empty list items as the extractor renders them ("- " for an <li> without text).
    lines = [PROSE[0], "- ", "-", " * ", "•", PROSE[1], "- Fast setup for every device", "--- 3", PROSE[2]]
    doc = strip_boilerplate(_doc(lines, content_type="html"), load_rules(), CFG)
    assert _lines(doc) == [PROSE[0], PROSE[1], "- Fast setup for every device", "--- 3", PROSE[2]]
    assert [r.rule for r in doc.removed] == ["structure.empty_item"] * 4


def test_dash_suffix_is_split_only_when_it_looks_like_a_site() -> None:
    assert split_site_suffix("So Many Ways to Play and Pay - WSJ") == ("So Many Ways to Play and Pay", "WSJ")
    assert split_site_suffix("Russia - US talks collapse") == ("Russia - US talks collapse", None)
    assert split_site_suffix("Talks collapse in Geneva | Example Daily News Online Edition")[1] == (
        "Example Daily News Online Edition"
    )


def test_nothing_to_strip_returns_the_same_document() -> None:
    doc = _doc(PROSE)
    once = strip_boilerplate(doc, load_rules(), CFG)
    assert strip_boilerplate(once, load_rules(), CFG) == once


@pytest.mark.parametrize("page", PAGES, ids=[p["label"] for p in PAGES])
def test_line_model_keeps_the_body_and_drops_the_furniture_of_a_page(page: dict) -> None:
    doc = strip_boilerplate(_doc(page["lines"]), load_rules(), MODEL_CFG)
    kept = _lines(doc)
    for line in page["must_keep"]:
        assert line in kept
    removed = {r.text: r.rule for r in doc.removed}
    for line in page["must_drop"]:
        assert line in removed
    assert LINE_SCORE in removed.values()


# Lines the model should drop but keeps (none at present: "Mayor unveils transit plan", the first
# teaser right after the body, has been dropped since the page-context features).
KNOWN_MISSES = [(p, line) for p in PAGES for line in p["known_misses"]]


@pytest.mark.parametrize(
    ("page", "line"),
    [pytest.param(p, line, marks=pytest.mark.xfail(strict=True)) for p, line in KNOWN_MISSES],
    ids=[line for _, line in KNOWN_MISSES],
)
def test_line_model_known_misses(page: dict, line: str) -> None:
    doc = strip_boilerplate(_doc(page["lines"]), load_rules(), MODEL_CFG)
    assert line not in _lines(doc)


def test_line_model_runs_once_so_the_stage_is_idempotent() -> None:
    page = PAGES[0]
    once = strip_boilerplate(_doc(page["lines"]), load_rules(), MODEL_CFG)
    assert strip_boilerplate(once, load_rules(), MODEL_CFG) == once


def test_line_model_can_be_switched_off() -> None:
    off = dataclasses.replace(MODEL_CFG, line_model=False)
    doc = strip_boilerplate(_doc(PAGES[0]["lines"]), load_rules(), off)
    assert LINE_SCORE not in {r.rule for r in doc.removed}


def test_shipped_model_scores_every_non_blank_line_in_order() -> None:
    index, scores = load_model().scores(["Home", "", *PROSE, "   "])
    assert index == [0, 2, 3, 4]
    assert all(0.0 <= s <= 1.0 for s in scores)


def _walk_trees(forest, row: list[float]) -> float:  # type: ignore[no-untyped-def]
    """The forest's log-odds by walking its node arrays (the reference the compiled form must match)."""
    z = forest.base
    for feature, threshold, left, right, value in forest.trees:
        node = 0
        while feature[node] >= 0:
            node = left[node] if row[feature[node]] <= threshold[node] else right[node]
        z += value[node]
    return z


@pytest.mark.parametrize("stage", ["stage1", "stage2"])
def test_vectorised_forest_matches_tree_walk(stage: str) -> None:
    forest = getattr(load_model(), stage)
    width = 1 + max(max(t[0]) for t in forest.trees)
    # Each split's own threshold and values just around it, so both branches of every node are taken.
    thresholds = sorted({t for tree in forest.trees for f, t in zip(tree[0], tree[1], strict=True) if f >= 0})
    rows = [
        [thresholds[(k * 7 + j) % len(thresholds)] + delta for j in range(width)]
        for k in range(min(400, len(thresholds)))
        for delta in (-1e-9, 0.0, 1e-9)
    ]
    # All rows in one call (the way pages are scored), each bit-identical to walking the trees alone.
    assert forest.log_odds(np.array(rows)).tolist() == [_walk_trees(forest, row) for row in rows]


def test_a_page_gets_the_same_verdicts_whatever_pages_came_before() -> None:
    # The per-line memos (pipeline.text.line_memo) keep results across pages: a page cleaned after
    # others, with its lines already remembered, must come out as it does in a fresh process.
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    pages = [path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt"))]
    pages += ["\n".join(page["lines"]) for page in PAGES]
    assert len(pages) >= 7

    def clean(text: str, rules: RuleSet) -> Document:
        return strip_boilerplate(_doc(text.split("\n")), rules, MODEL_CFG)

    alone = []
    for page in pages:
        line_info.cache_clear()
        line_shape.cache_clear()
        alone.append(clean(page, load_rules.__wrapped__()))
    rules = load_rules.__wrapped__()
    # Twice over, so that the second round reads every line from the memos.
    assert [clean(page, rules) for page in pages] == alone
    assert [clean(page, rules) for page in pages] == alone
    assert line_shape.cache_info().hits > 0
