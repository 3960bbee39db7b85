"""The phrase catalogue: must-drop and must-keep lines, and the catalogue's own hygiene."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex

from pipeline.rules import RULES_DIR, ThreadRule, load_rules, normalize_line

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
    if key in rules.phrase_index:
        return rules.phrase_index[key]
    stripped = _SPACE.sub(" ", line).strip()
    words = stripped.count(" ") + 1
    for rule in rules.lines:
        if words <= rule.max_words and any(p.fullmatch(stripped) for p in rule.patterns):
            return rule.id
    return None


def test_bucketed_patterns_pick_the_same_rule_as_trying_rules_in_order() -> None:
    lines = [c[0] for c in CASES["drop"]] + CASES["keep"]
    seeds = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
    lines += [line for path in seeds for line in path.read_text(encoding="utf-8").splitlines()]
    # Lines around every bucket's word bound, so each bucket and its neighbours are exercised.
    lines += [" ".join(["Share"] * n) for n in range(1, 100)]
    assert sum(1 for line in lines if _first_rule_one_by_one(line)) > 20
    expected = [_first_rule_one_by_one(line) for line in lines]
    assert [load_rules().match_line(line) for line in lines] == expected


def test_thread_signatures_are_short_lines() -> None:
    # A line over the rule's max_words is never tried as a signature, whatever its patterns say.
    rule = ThreadRule("t.x", "why", regex.compile(r".+ said:"), None, None, 2, 0, max_words=3)
    lines = ["Ann said:", "", "Ann and Bob and Carol said:", "Bob  said:"]
    assert rule.signature_lines(lines, [1, 0, 5, 1]) == [0, 3]


def test_thread_rules_declare_their_longest_signature() -> None:
    assert {rule.id: rule.max_words for rule in load_rules().threads} == {
        "comments.reader_comments": 40,
        "comments.comment_stamps": 20,
    }

