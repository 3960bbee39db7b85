"""The phrase catalogue: must-drop and must-keep lines, and the catalogue's own hygiene."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import regex

from pipeline import clean_document
from pipeline.rules import (
    RULES_DIR,
    LineRule,
    ThreadRule,
    declared,
    declared_rules,
    ids,
    line_patterns,
    load_rules,
    normalize_line,
    quoted_speech,
    rules_of,
)

# White space as the catalogue's matching sees it.
_SPACE = regex.compile(r"[\s\p{Zs}\u200b\u200c\u200d\ufeff]+")
CASES = json.loads((Path(__file__).parent / "cases" / "boilerplate_lines.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("line", "rule"), CASES["drop"], ids=[c[0][:40] for c in CASES["drop"]])
def test_catalogue_drops_boilerplate_line(line: str, rule: str) -> None:
    assert load_rules().match_line(line) == rule


@pytest.mark.parametrize("line", CASES["keep"], ids=[c[:40] for c in CASES["keep"]])
def test_catalogue_keeps_sentence_that_mentions_boilerplate(line: str) -> None:
    assert load_rules().match_line(line) is None


def test_every_rule_has_an_id_and_a_reason() -> None:
    rules = load_rules()
    for rule in (*rules.lines, *rules.blocks, *rules.threads):
        concept, _, slug = rule.id.partition(".")
        assert (RULES_DIR / f"{concept}.toml").exists()
        assert slug and rule.why.strip()


def test_normalize_line_strips_decoration_and_case() -> None:
    assert normalize_line("  » SHARE:  ") == "share"
    assert normalize_line("[Advertisement]") == "advertisement"


def _first_rule_one_by_one(line: str) -> str | None:
    """The catalogue's line rules tried one at a time, in order (the definition of ``match_line``)."""
    rules = load_rules()
    key = normalize_line(line)
    if not key:
        return None
    stripped = _SPACE.sub(" ", line).strip()
    if key in rules.phrase_index and not quoted_speech(stripped):
        return rules.phrase_index[key]
    words = stripped.count(" ") + 1
    for rule in rules.lines:
        if words <= rule.max_words and rule.pattern is not None and rule.pattern.fullmatch(stripped):
            return rule.id
    return None


def test_the_patterns_pick_the_same_rule_as_trying_rules_in_order() -> None:
    lines = [c[0] for c in CASES["drop"]] + CASES["keep"]
    seeds = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
    lines += [line for path in seeds for line in path.read_text(encoding="utf-8").splitlines()]
    # Lines around every rule's word bound.
    lines += [" ".join(["Share"] * n) for n in range(1, 100)]
    assert sum(1 for line in lines if _first_rule_one_by_one(line)) > 20
    expected = [_first_rule_one_by_one(line) for line in lines]
    assert [load_rules().match_line(line) for line in lines] == expected


def test_a_line_too_long_for_the_first_rule_that_matches_it_gets_the_next_that_allows_it() -> None:
    def rule(rule_id: str, max_words: int, pattern: str) -> LineRule:
        return LineRule(rule_id, "why", frozenset(), max_words, regex.compile(pattern, regex.IGNORECASE))

    patterns = line_patterns(
        [rule("a.short", 2, r"share.*"), rule("b.other", 9, r"print.*"), rule("c.long", 6, r"share this.*")]
    )
    assert patterns is not None
    assert patterns.match("Share it", 2) == "a.short"
    assert patterns.match("Share this page with friends", 5) == "c.long"
    assert patterns.match("Share this page with all your friends", 7) is None
    assert patterns.match("Print this page with all your friends please", 8) == "b.other"
    assert patterns.match("Print " * 10, 11) is None


def test_thread_signatures_are_short_lines() -> None:
    # A line over the rule's max_words is never tried as a signature, whatever its patterns say.
    rule = ThreadRule("t.x", "why", regex.compile(r".+ said:"), None, None, 2, 0, max_words=3)
    lines = ["Ann said:", "", "Ann and Bob and Carol said:", "Bob said:"]
    assert rule.signature_lines(lines, [1, 0, 5, 1]) == [0, 3]


def test_thread_rules_declare_their_longest_signature() -> None:
    assert {rule.id: rule.max_words for rule in load_rules().threads} == {
        "comments.reader_comments": 40,
        "comments.comment_stamps": 20,
    }


def test_every_rule_id_in_the_output_is_declared_with_a_reason(seeds_dir: Path) -> None:
    """Seeds (text) and an HTML page: each removal's rule, catalogue or code, is in the catalogue."""
    html = "<html><body><nav>Home</nav><article><p>" + "The council met on Tuesday. " * 20 + "</p></article>"
    docs = [clean_document(path.read_bytes()) for path in sorted(seeds_dir.glob("*.txt"))]
    docs.append(clean_document(html, format="html"))
    emitted = {removal.rule for doc in docs for removal in doc.removed}
    assert {"title.heading", "model.line_score", "extract.not_main_content"} <= emitted
    assert emitted <= set(declared_rules())
    assert all(declared_rules()[rule] for rule in emitted)


def test_a_rule_id_missing_from_the_catalogue_fails_where_the_code_names_it(tmp_path: Path) -> None:
    """Renaming a rule in its TOML file without renaming it in code is an error, not a silent loss."""
    catalogue = tmp_path / "rules"
    shutil.copytree(RULES_DIR, catalogue, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    title = catalogue / "title.toml"
    title.write_text(title.read_text(encoding="utf-8").replace('id = "heading"', 'id = "headline"'))
    assert declared("title.headline", str(catalogue)) == "title.headline"
    with pytest.raises(KeyError, match="title.heading"):
        declared("title.heading", str(catalogue))
    with pytest.raises(KeyError, match="nothing.toml"):
        rules_of("nothing", str(catalogue))
    assert ids.TITLE_HEADING in declared_rules() and ids.CREDIT_RULES == rules_of("credits")


def test_a_code_rule_without_a_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text('[[code]]\nid = "silent"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="extra.silent"):
        declared_rules(str(tmp_path))
