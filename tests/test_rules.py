"""The phrase catalogue: must-drop and must-keep lines, and the catalogue's own hygiene."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.rules import RULES_DIR, load_rules, normalize_line

CASES = json.loads((Path(__file__).parent / "cases" / "boilerplate_lines.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("line", "rule"), CASES["drop"], ids=[c[0][:40] for c in CASES["drop"]])
def test_catalogue_drops_boilerplate_line(line: str, rule: str) -> None:
    assert load_rules().match_line(line) == rule


@pytest.mark.parametrize("line", CASES["keep"], ids=[c[:40] for c in CASES["keep"]])
def test_catalogue_keeps_sentence_that_mentions_boilerplate(line: str) -> None:
    assert load_rules().match_line(line) is None


def test_every_rule_has_an_id_and_a_reason() -> None:
    rules = load_rules()
    for rule in (*rules.lines, *rules.blocks):
        concept, _, slug = rule.id.partition(".")
        assert (RULES_DIR / f"{concept}.toml").exists()
        assert slug and rule.why.strip()


def test_normalize_line_strips_decoration_and_case() -> None:
    assert normalize_line("  » SHARE:  ") == "share"
    assert normalize_line("[Advertisement]") == "advertisement"
