"""Line-level boilerplate removal: the phrase catalogue, the title, and structural zones.

Every non-blank line of the body gets one verdict: kept, or removed by a rule whose id is recorded.
Removed lines become blank lines, so they also act as paragraph breaks; kept lines keep their order.

Order of decisions (the first that claims a line wins):
1. ``[[block]]`` rules of the catalogue (a comment form from "Leave a Reply" to "%d bloggers like this:");
2. ``[[line]]`` rules of the catalogue (whole-line phrases and patterns), and lines that are nothing
   but a list marker (``structure.empty_item``);
3. the title: picked from the lines above the first prose line, never the last line left
   (``title.heading``), and every other copy of it (``title.repeat``);
4. structure, for plain text: the learned line classifier of :mod:`pipeline.clean.lineclass`
   (``model.line_score``), which judges each line by its shape, its neighbours and its place in the
   page, and leaves a short run it would cut between two lines it keeps (a hole in the text); or,
   with ``line_model = false``, the hand rules: short lines above the first prose line
   (``structure.header_zone``), below the last one (``structure.footer_zone``), and runs of short
   lines between prose (``structure.link_list``); then, for plain text whose first line is its title
   with a site's name (a text dump's ``<title>``), every line still kept above the headline, the first
   copy of the title that the body follows (``structure.above_headline``);
5. for plain text, ``[[thread]]`` rules of the catalogue: reader comments under the main text, from the
   first comment signature to the end of the page (``comments.reader_comments``). They run last because
   they need the kept text above the thread: a forum's posts start before any.

The classifier reads a line in the context of the whole page, so it runs once per document: a
document that already carries removals of this stage is not re-scored (its context is gone), which
keeps the stage idempotent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

import regex

from pipeline.clean.lineclass import load_model
from pipeline.clean.title import find_title, split_site_suffix, title_copies, title_recurs
from pipeline.config import BoilerplateConfig
from pipeline.document import Document, Removal, merged_removals
from pipeline.rules import RuleSet, line_key, normalize_line, normalize_squeezed
from pipeline.rules.ids import (
    ABOVE_HEADLINE,
    EMPTY_ITEM,
    FOOTER_ZONE,
    HEADER_ZONE,
    LINE_SCORE,
    LINK_LIST,
    REPEATED_LINE,
    TITLE_HEADING,
    TITLE_REPEAT,
)
from pipeline.text import (
    LineInfo,
    code_lines,
    is_prose,
    is_substantial,
    line_info,
    prose_lines,
    squeeze_spaces,
)

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module
#: The line model judges a line against its page; a page of fewer lines than this is too little
#: context (it dropped the only sentence of one-line documents and the last of a three-sentence
#: one), so short documents get the hand rules instead.
MODEL_MIN_LINES = 5
#: Nor does it remove this many times as much prose (words of punctuated or long lines) as it leaves:
#: a page of which it would keep a quarter of the prose or less is one whose main text it failed to
#: find, not a page that is three quarters boilerplate. Left out by set (each set cleaned by a model
#: trained on the others, ``train_lineclass.py --by-set --pipeline``), 3 against 10, seeds 0 / 1 / 2:
#: zyte-aeb 0 / 0 / -0.0002, wcxb-dev +0.0002 / +0.0050 / 0, trafilatura-eval +0.0013 / +0.0003 /
#: +0.0005, cleaneval-dev +0.0017 / +0.0046 / +0.0011; replayed on those records (mean of the seeds),
#: 2 costs zyte-aeb 0.0047 and 5 or 7 change no set by more than 0.0007. With the shipped model (in
#: sample but for cleaneval-dev), 3 changes five pages more than 10: two for the better (wcxb-dev 0.00
#: -> 0.37, cleaneval-dev 0.34 -> 0.97) and three where the model is right (wcxb-dev 0.40 -> 0.20,
#: 0.35 -> 0.32; a trafilatura-eval page keeps a 'without' snippet): on a set it never saw, its misses
#: are the more common.
MODEL_MAX_PROSE_LOSS = 3
#: Nor does it cut a run of at most this many lines out of the text it keeps: a run it alone cuts
#: (no other rule removes a line of it) with a kept line above and below is a hole in the main text,
#: mostly a heading, a short paragraph or a list the page set apart. Left out by set (each set cleaned
#: by a model trained on the others, ``train_lineclass.py --by-set --pipeline``, mean of seeds 0, 1
#: and 2), change against cutting every such run:
#:
#:   longest run kept   zyte-aeb   wcxb-dev   trafilatura-eval   cleaneval-dev
#:   1                  +0.0005    +0.0038    +0.0008            +0.0019
#:   2                  +0.0008    +0.0054    +0.0014            +0.0031
#:   3                  +0.0002    +0.0070    +0.0016            +0.0043
#:   4                  +0.0003    +0.0082    +0.0019            +0.0051
#:   5                  +0.0006    +0.0091    +0.0014            +0.0057
#:   6                  +0.0001    +0.0106    +0.0008            +0.0064
#:   8                  -0.0004    +0.0129    +0.0010            +0.0072
#:   any                -0.0034    +0.0188    +0.0012            +0.0136
#:
#: 5 had the largest smallest gain over the four sets on seeds 0 and 1 (+0.0007 on zyte-aeb); with
#: seed 2, every bound from 1 to 6 gains on all four sets, and between 2 and 6 zyte-aeb and
#: trafilatura-eval move by less than one seed differs from another (0.005 or more on a set). Longer
#: runs are mostly what a news page puts between its article and its comments. On the pages the model
#: was trained on it costs trafilatura-eval 0.005 in-sample and 0.003 in 5 folds (seed 0), where the
#: model's cuts are right more often than on a set it never saw.
MODEL_MAX_GAP = 5
#: The headline is a copy of the title that the body follows: a kept prose line among the next this
#: many non-blank lines (a dateline, a byline, a "Filed under" line and a photo credit may come
#: first). A copy that nothing kept follows closely is a link to the page in a menu, a teaser list or
#: a share bar, often below the body. The lines above the headline removed, change in bow F1
#: (trafilatura-eval: snippet F1) of the four dev sets' text dumps, each cleaned on its own
#: (``pipeline.clean_document``, shipped line model):
#:
#:   lines searched   zyte-aeb   wcxb-dev   trafilatura-eval   cleaneval-dev
#:   2                +0.0009    +0.0003    +0.0001            +0.0000
#:   4                +0.0051    +0.0003    +0.0001            +0.0000
#:   6                +0.0074    +0.0006    +0.0003            +0.0000
#:   10               +0.0074    +0.0007    +0.0003            +0.0000
#:   20               +0.0074    +0.0010    +0.0001            +0.0000
#:
#: Whatever the first line (``title_on_top`` in ``classify_lines``), 6 scores +0.0074 / +0.0006 /
#: -0.0008 / -0.0033: a title found further down is a report's contents or a blog's list of posts.
#: Without the site suffix on the first line, the same in-sample, but a model that keeps a page's
#: footer (trained with another seed) loses a cleaneval-dev page whole (0.88 -> 0.03): its first
#: line, "Translations of this page", heads a list the footer repeats above "Please send ..." lines.
HEADLINE_PROSE_WITHIN = 6
_LONE_MARKER = regex.compile(r"[-–—*•·◦▪]")


def _apply_blocks(norms: Sequence[str], verdicts: list[str | None], rules: RuleSet) -> None:
    for block in rules.blocks:
        i = 0
        while i < len(norms):
            if verdicts[i] is None and norms[i] in block.start:
                # The widget runs to its last closing line in the window ("Akismet ..." then "%d bloggers").
                window = range(i + 1, min(len(norms), i + block.max_lines + 1))
                ends = [j for j in window if norms[j] in block.end]
                if ends:
                    for k in range(i, ends[-1] + 1):
                        if norms[k] and verdicts[k] is None:
                            verdicts[k] = block.id
                    i = ends[-1]
            i += 1


def _apply_structure(
    infos: Sequence[LineInfo], live: Sequence[int], verdicts: list[str | None], cfg: BoilerplateConfig
) -> None:
    prose = [i for i in live if is_prose(infos[i], cfg)]
    if not prose:
        return
    first, last = prose[0], prose[-1]
    for i in live:
        if verdicts[i] is not None or is_substantial(infos[i], cfg):
            continue
        if i < first:
            verdicts[i] = HEADER_ZONE
        elif i > last:
            verdicts[i] = FOOTER_ZONE
    run: list[int] = []
    for i in [*live, -1]:
        short = i >= 0 and verdicts[i] is None and first < i < last
        if short and not is_substantial(infos[i], cfg) and not infos[i].terminal:
            run.append(i)
            continue
        if len(run) >= cfg.link_list_min_run:
            for j in run:
                verdicts[j] = LINK_LIST
        run = []


def _apply_headline(infos: Sequence[LineInfo], verdicts: list[str | None], cfg: BoilerplateConfig) -> None:
    """Remove the lines still kept above the headline: the first copy of the title (of three words
    or more; a shorter one is as likely a menu item) with a kept prose line just below it."""
    headline = next((i for i, v in enumerate(verdicts) if v == TITLE_REPEAT and infos[i].words >= 3), None)
    if headline is None:
        return
    below = [i for i in range(headline + 1, len(infos)) if infos[i].words][:HEADLINE_PROSE_WITHIN]
    if any(verdicts[i] is None and is_prose(infos[i], cfg) for i in below):
        for i in range(headline):
            if verdicts[i] is None and infos[i].words:
                verdicts[i] = ABOVE_HEADLINE


def _apply_threads(
    lines: Sequence[str],
    squeezed: Sequence[str],
    infos: Sequence[LineInfo],
    verdicts: list[str | None],
    rules: RuleSet,
) -> None:
    words = [info.words for info in infos]
    for thread in rules.threads:
        signatures = thread.signature_lines(squeezed, words)
        if len(signatures) < thread.min_signatures:
            continue
        start = signatures[0]
        before = sum(words[i] for i in range(start) if verdicts[i] is None)
        if before < thread.min_words_before:
            continue
        for i in range(start, len(lines)):
            if verdicts[i] is None and lines[i].strip():
                verdicts[i] = thread.id


def _apply_model(
    lines: Sequence[str], infos: Sequence[LineInfo], verdicts: list[str | None], cfg: BoilerplateConfig
) -> None:
    model = load_model()
    index, scores = model.scores(lines)
    threshold = model.threshold
    cut = {i for i, score in zip(index, scores, strict=True) if verdicts[i] is None and score < threshold}
    cut = sparing_prose(cut, infos, verdicts, cfg)
    for i in cut - holes(index, cut, verdicts, MODEL_MAX_GAP):
        verdicts[i] = LINE_SCORE


def holes(
    index: Sequence[int], cut: AbstractSet[int], verdicts: Sequence[str | None], longest: int
) -> set[int]:
    """The lines of ``cut`` that lie in runs of at most ``longest`` lines of it, each run with a kept
    line (in neither ``cut`` nor removed by a verdict) just above and just below it.

    ``index`` holds the non-blank lines in order: blank lines neither start nor end a run.
    """
    found: set[int] = set()
    run: list[int] = []
    kept_above = False
    for i in index:
        if i in cut:
            run.append(i)
            continue
        kept = verdicts[i] is None
        if run and kept_above and kept and len(run) <= longest:
            found.update(run)
        run = []
        kept_above = kept
    return found


def sparing_prose(
    cut: set[int], infos: Sequence[LineInfo], verdicts: Sequence[str | None], cfg: BoilerplateConfig
) -> set[int]:
    """The lines of ``cut`` (the line model's) to remove: all of them, or the non-prose ones when their
    prose has :data:`MODEL_MAX_PROSE_LOSS` times the words of what the other verdicts leave."""
    prose = {i for i in cut if is_prose(infos[i], cfg)}
    left = sum(info.words for i, info in enumerate(infos) if verdicts[i] is None and i not in cut)
    if prose and sum(infos[i].words for i in prose) >= MODEL_MAX_PROSE_LOSS * left:
        return cut - prose
    return cut


def classify_lines(
    lines: Sequence[str],
    rules: RuleSet,
    cfg: BoilerplateConfig,
    *,
    title: str | None = None,
    structural: bool = True,
    line_model: bool = False,
    detect_title: bool = True,
    learned: frozenset[str] = frozenset(),
    site_hints: Sequence[str] = (),
) -> tuple[list[str | None], str | None]:
    """A verdict (rule id, or None to keep) for each line, and the title found when none was given.

    ``site_hints``: names the site goes by (its ``site_name``, its URL's host), to tell a site suffix of a
    given title.

    ``learned`` holds the :func:`~pipeline.rules.line_key` of lines learned as boilerplate from the
    batch (see :mod:`pipeline.corpus.learn_boilerplate`); the catalogue's own rules take precedence over them.
    """
    given_title = title is not None
    infos = [line_info(line) for line in lines]
    # Each line squeezed once: the catalogue's phrases, patterns and thread signatures all read it so.
    squeezed = [squeeze_spaces(line) for line in lines]
    norms = [normalize_squeezed(line) for line in squeezed]
    verdicts: list[str | None] = [None] * len(lines)
    _apply_blocks(norms, verdicts, rules)
    repeated = []
    for i, line in enumerate(lines):
        if verdicts[i] is None and norms[i]:
            verdicts[i] = rules.match_squeezed(squeezed[i])
            if verdicts[i] is None and learned and line_key(line, norms[i]) in learned:
                repeated.append(i)
        elif verdicts[i] is None and _LONE_MARKER.fullmatch(line.strip()):
            verdicts[i] = EMPTY_ITEM
    # A line of a wrapped prose paragraph is never learned, nor taken as a learned line of another page.
    prose = prose_lines("\n".join(lines), cfg, among=repeated) if repeated else set()
    for i in repeated:
        if i not in prose:
            verdicts[i] = REPEATED_LINE
    live = [i for i, n in enumerate(norms) if n and verdicts[i] is None]
    # A text dump of an HTML page starts with its <title> ("Story | Site"), and the article's headline
    # repeats it just above the article: what stands between the two is the site's menus and teasers.
    # A first line without a site's name, or a title found further down, is a heading among others;
    # so is a declared title's copy in a text whose first line is not the title (an intro above a
    # section that repeats the title would go, and no dev page has a declared title to measure it on).
    title_on_top = False
    if title is None and detect_title:
        first_prose = next((i for i in live if is_prose(infos[i], cfg)), len(lines))
        # A title stands above a body: the last line left is never one, so a document of one line (a
        # short review, a one-line JSONL record) keeps it as its body instead of becoming its own title.
        header = [i for i in live[:-1] if i < first_prose]
        found = find_title(infos, header, first_recurs=bool(header) and title_recurs(lines, live))
        if found is not None:
            verdicts[found] = TITLE_HEADING
            title, site = split_site_suffix(lines[found])
            title = title.strip()
            title_on_top = site is not None and found == next(i for i, n in enumerate(norms) if n)
    if title:
        keys = {normalize_line(title)}
        if given_title:
            # A title from the page's metadata often carries the site's name ("Story - Site"), which
            # the headline in the body does not: the headline is then the title without it, and so is
            # the record's title.
            bare = split_site_suffix(title, site_hints)[0].strip()
            keys.add(normalize_line(bare))
            title = bare or title
        keys.discard("")
        for i in title_copies(lines, [i for i in live if verdicts[i] is None], keys):
            verdicts[i] = TITLE_REPEAT
    remaining = sum(1 for i in live if verdicts[i] is None)
    if structural and line_model and remaining >= MODEL_MIN_LINES:
        _apply_model(lines, infos, verdicts, cfg)
    elif structural:
        live = [i for i in live if verdicts[i] is None]
        _apply_structure(infos, live, verdicts, cfg)
    if structural and title_on_top:
        _apply_headline(infos, verdicts, cfg)
    if structural:
        _apply_threads(lines, squeezed, infos, verdicts, rules)
    return verdicts, title


def strip_boilerplate(
    doc: Document, rules: RuleSet, cfg: BoilerplateConfig, learned: frozenset[str] = frozenset()
) -> Document:
    """Remove boilerplate lines from a document's body, recording each with its rule.

    ``learned``: keys of the lines learned as boilerplate for the document's site.
    """
    if doc.rejected or not doc.text:
        return doc
    lines = doc.text.split("\n")
    structural = doc.metadata.get("content_type") != "html" or cfg.structure_on_html
    # Scored in the context of the whole page, so only once (see the module docstring).
    scored = cfg.line_model and any(r.stage == STAGE for r in doc.removed)
    # The lines of a fenced code block are code, whatever they say ("tags = {", "search:"): only the
    # lines around them are judged.
    code = code_lines(lines)
    judged = [i for i in range(len(lines)) if i not in code]
    judged_verdicts, title = classify_lines(
        [lines[i] for i in judged],
        rules,
        cfg,
        title=doc.title,
        structural=structural and not scored,
        line_model=cfg.line_model,
        detect_title=not scored,
        learned=learned,
        site_hints=[str(hint) for hint in (doc.metadata.get("site_name"), doc.source.host) if hint],
    )
    verdicts: list[str | None] = [None] * len(lines)
    for i, verdict in zip(judged, judged_verdicts, strict=True):
        verdicts[i] = verdict
    kept = [line if verdict is None else "" for line, verdict in zip(lines, verdicts, strict=True)]
    text, new_place = _squeeze_blank_lines(kept)
    if text == doc.text and title == doc.title:
        return doc
    cut = [
        (i, Removal(line.strip(), verdict, STAGE, new_place(i)))
        for i, (line, verdict) in enumerate(zip(lines, verdicts, strict=True))
        if verdict is not None
    ]
    removed = merged_removals(doc.removed, new_place, cut)
    return dataclasses.replace(doc, text=text, title=title, removed=removed)


def _squeeze_blank_lines(lines: Sequence[str]) -> tuple[str, Callable[[int], int]]:
    """The lines joined, runs of blank lines made one, none at the ends; and where a point before
    input line ``i`` now is (before which output line)."""
    out: list[str] = []
    before: list[int] = []
    for line in lines:
        before.append(len(out))
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line.rstrip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out), lambda i: min(before[i] if i < len(before) else len(out), len(out))
