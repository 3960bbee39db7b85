"""Language: py3langid's verdict on a sample of the body, with its model loaded once for speed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.language import (
    LANGUAGE_SAMPLE_CHARS,
    _language_identifier,
    detect_language,
    model_languages,
)


@lru_cache(maxsize=1)
def _as_shipped() -> Any:
    """py3langid's identifier loaded its own way (float16 weights)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(model_languages(identifier.nb_classes))
    return identifier


def _same_scores(text: str) -> bool:
    return bool(np.array_equal(_language_identifier()._decide(text), _as_shipped()._decide(text)))


def test_language_of_plain_texts() -> None:
    assert detect_language("The committee met on Tuesday to discuss the new budget for the year.")[0] == "en"
    assert detect_language("Der Ausschuss hat am Dienstag über den neuen Haushalt beraten.")[0] == "de"
    assert detect_language("2024 — 17:30 / 12.5%") == (None, 0.0)


def test_the_language_is_an_iso_639_1_code_or_null() -> None:
    """Varieties with a three-letter code only get a language of two letters; no language is null."""
    assert all(
        len(label) == 2 for label in model_languages(["en", "yue", "zh", "pcm", "zxx"]) if label != "zxx"
    )
    labels = set(_language_identifier().nb_classes)
    assert "en" in labels and "zh" in labels and "pcm" not in labels and "yue" not in labels
    # Nigerian Pidgin and Cantonese, which py3langid's full model labels pcm and yue.
    assert (
        detect_language("Wetin dey happen for dis country? Dem say di goment no go pay di workers again.")[0]
        == "en"
    )
    assert detect_language("佢哋話今日唔使返學，因為落緊好大雨，啲人都唔想出街。")[0] == "zh"


def test_weights_are_float32_once_loaded() -> None:
    assert _language_identifier().nb_ptc.dtype == np.float32


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="the quick brown fox éàüß ñ日本語 русский 1.,-\n", max_size=200))
def test_float32_weights_score_as_the_shipped_model(text: str) -> None:
    assert _same_scores(text)


def test_float32_weights_score_as_the_shipped_model_on_eval_pages(eval_dir: Path) -> None:
    """Every page of the many-language eval set, as the samples detect_language classifies."""
    dumps = sorted((eval_dir / "trafilatura-eval" / "textdump").glob("*.txt"))
    assert dumps
    for path in dumps:
        assert _same_scores(path.read_text(encoding="utf-8")[:LANGUAGE_SAMPLE_CHARS]), path.name
