"""Language: py3langid's verdict on a sample of the body, with its model loaded once for speed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.language import LANGUAGE_SAMPLE_CHARS, _language_identifier, detect_language


@lru_cache(maxsize=1)
def _as_shipped() -> Any:
    """py3langid's identifier loaded its own way (float16 weights)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _same_scores(text: str) -> bool:
    return bool(np.array_equal(_language_identifier()._decide(text), _as_shipped()._decide(text)))


def test_language_of_plain_texts() -> None:
    assert detect_language("The committee met on Tuesday to discuss the new budget for the year.")[0] == "en"
    assert detect_language("Der Ausschuss hat am Dienstag über den neuen Haushalt beraten.")[0] == "de"
    assert detect_language("2024 — 17:30 / 12.5%") == (None, 0.0)


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
