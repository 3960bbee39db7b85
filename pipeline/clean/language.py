"""The language of a text (py3langid, whose model ships inside its package: nothing is downloaded)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import regex

_ALPHA = regex.compile(r"\p{L}")


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model

    # The model keeps its feature weights in float16 and py3langid multiplies them in float32, so the
    # rows a text uses are converted on every call: a quarter of a classification (1.68 against 1.24 ms
    # a 2,000-character sample, busy machine; 6-7% of tag_metadata's CPU). Converted once here, the
    # scores are the same to the bit (tests/test_language.py); the table takes 57 MB instead of 28,
    # loaded before the workers fork (chain.preload_models).
    weights, priors, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    identifier = LanguageIdentifier(
        weights.astype(np.float32), priors, classes, nextmove, output, norm_probs=True, tk_row=row
    )
    identifier.set_languages(model_languages(classes))
    return identifier


#: py3langid's label for text of no language (digits, code, symbols): the record's language is null.
NO_LANGUAGE = "zxx"


def model_languages(classes: Sequence[str]) -> list[str]:
    """The labels a text is classified among: those with an ISO 639-1 code (two letters), and none.

    py3langid 0.4 also tells varieties that have only a three-letter code (Cantonese ``yue``, Egyptian
    Arabic ``arz``, Nigerian Pidgin ``pcm``); the record's language is ISO 639-1, so such a text gets
    the language of the others it reads most like (``zh``, ``ar``, ``en``).
    """
    return sorted({label for label in classes if len(label) == 2 or label == NO_LANGUAGE})


LANGUAGE_SAMPLE_CHARS = 2_000
# Below this probability the language is left null rather than guessed. py3langid's normalised
# probability (among the ISO 639-1 labels) is near 1 for nearly every body: of the 802 dev gold texts 4
# score below 0.5 and 7 below 0.9; of the 1,797 cleaned dev text dumps 4 below 0.5 and 11 below 0.9
# (benchmarks/evidence.py language). Any floor from 0.3 to 0.6 leaves all but 2-7 of those bodies their
# language.
MIN_PROBABILITY = 0.5


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code of ``text`` and its probability; None below :data:`MIN_PROBABILITY` or for text
    without letters."""
    # py3langid's cost grows with the sample (0.8 ms a body at 2,000 characters, 1.3 at 5,000). On the
    # 435 dev gold texts (196 longer than 5,000 characters) the first 5,000 characters give the same
    # language as the first 20,000 every time; the first 2,000 give the same as the first 5,000 on those
    # texts (336 longer than 2,000) and on the 2,998 bodies of the 3,000-page speed corpus (2,250
    # longer); the first 1,500 give another language on one mixed English/German page.
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if not _ALPHA.search(sample):
        return None, 0.0
    code, score = _language_identifier().classify(sample)
    score = round(float(score), 4)
    return (code if score >= MIN_PROBABILITY and code != NO_LANGUAGE else None), score
