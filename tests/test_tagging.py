"""tag_metadata: credits, datelines, taxonomy, counts, language, spun text; the body never changes."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import clean_document
from pipeline.clean.tag_metadata import (
    _ALPHA,
    NgramIndex,
    _duplicate_ngram_chars,
    _top_ngram_chars,
    find_author,
    find_date,
    find_dateline,
    quality_signals,
    spun_signals,
    tag_metadata,
)
from pipeline.document import Document, Removal, Source
from pipeline.text import WORD

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _doc(paragraphs: list[str], removed: tuple[Removal, ...] = ()) -> Document:
    return Document(
        id="t",
        source=Source("t.txt", "text"),
        text="\n\n".join(paragraphs),
        paragraphs=tuple(paragraphs),
        removed=removed,
    )


def test_tagging_never_edits_the_text() -> None:
    doc = _doc(
        ["WASHINGTON (Reuters) - The talks ended on Friday without a deal.", "More text follows here."]
    )
    tagged = tag_metadata(doc)
    assert (tagged.text, tagged.paragraphs) == (doc.text, doc.paragraphs)
    assert tagged.metadata["dateline"] == "WASHINGTON"
    assert tagged.metadata["source_agency"] == "Reuters"


def test_datelines() -> None:
    assert find_dateline("WASHINGTON/BEIRUT The United States is close to a deal.") == (
        "WASHINGTON/BEIRUT",
        None,
    )
    assert find_dateline("BEIRUT (AFP) - Fighting resumed.") == ("BEIRUT", "Agence France-Presse")
    assert find_dateline("NATO The alliance met.") == (None, None)
    assert find_dateline("U.S. officials said on Monday.") == (None, None)


def test_credits_and_taxonomy_come_from_the_removal_log() -> None:
    removed = (
        Removal("(Adapted from Reuters)", "credits.source_agency", "strip_boilerplate"),
        Removal("Categories: Geopolitics, Middle East", "taxonomy.categories", "strip_boilerplate"),
        Removal("Tags: Syria; Aleppo", "taxonomy.tags", "strip_boilerplate"),
    )
    meta = tag_metadata(_doc(["Some body text here."], removed)).metadata
    assert meta["source_agency"] == "Reuters"
    assert meta["categories"] == ["Geopolitics", "Middle East"]
    assert meta["tags"] == ["Syria", "Aleppo"]


def test_every_documented_key_is_present() -> None:
    meta = tag_metadata(_doc(["Short."])).metadata
    for key in (
        "site_name",
        "author",
        "date",
        "source_agency",
        "dateline",
        "categories",
        "tags",
        "word_count",
        "char_count",
        "content_hash",
        "encoding_fixes",
        "quality",
        "duplicate_of",
    ):
        assert key in meta
    assert meta["quality"]["spun"] is None


def test_the_spun_seed_is_flagged_and_the_others_are_not() -> None:
    verdicts = {}
    for path in sorted(SEEDS.glob("*.txt")):
        doc = clean_document(path.read_bytes(), doc_id=path.stem)
        verdicts[path.stem[:3]] = doc.metadata["quality"]["spun"]
    assert verdicts == {"000": False, "001": True, "002": False, "003": False, "004": False}


def test_spun_signal_needs_enough_articles() -> None:
    assert spun_signals("a cat and a dog")["spun"] is None


def test_author_and_date_come_from_removed_bylines_and_date_lines() -> None:
    removed = (
        Removal("By Jane Doe and John Roe", "credits.byline", "segment_paragraphs"),
        Removal("Published: September 29, 2016", "structure.header_zone", "strip_boilerplate"),
        Removal("Advertisement by Google 2016-01-01", "ads.label", "strip_boilerplate"),
    )
    meta = tag_metadata(_doc(["Some body text here."], removed)).metadata
    assert meta["author"] == "Jane Doe and John Roe"
    assert meta["date"] == "2016-09-29"


def test_dates_and_authors_of_single_lines() -> None:
    assert find_date("Posted on 3rd May 2016") == "2016-05-03"
    assert find_date("2019-11-21T10:00") == "2019-11-21"
    assert find_date("February 30, 2016") is None
    assert (
        find_date("The council met on May 3, 2016 to discuss the budget for the coming year again.") is None
    )
    assert find_author("Posted on May 3, 2016 by Jane Doe") == "Jane Doe"
    assert find_author("By the river") is None


def test_quality_keys_are_the_same_on_every_record() -> None:
    short = tag_metadata(_doc(["Short."])).metadata["quality"]
    long = tag_metadata(_doc(["The committee met on Tuesday. " * 40, "Der Ausschuss tagte."])).metadata[
        "quality"
    ]
    assert list(short) == list(long)


def test_gopher_repetition_signals() -> None:
    repeated = tag_metadata(_doc(["one two three four five six " * 20])).metadata["quality"]
    assert repeated["duplicate_5gram_char_fraction"] > 0.6
    assert repeated["top_2gram_char_fraction"] > 0.1
    varied = tag_metadata(_doc(["The committee met on Tuesday to discuss a new budget for schools."]))
    assert varied.metadata["quality"]["duplicate_5gram_char_fraction"] == 0.0


REAL = (
    "The committee met on Tuesday to discuss the new budget for the coming year, and the members said "
    "the plan would raise spending on the schools and the roads by a tenth over the next four years. "
    "An official said the vote is expected next month, after the hearings in every district of the "
    "state. The opposition called the plan an expensive mistake, but the mayor said the city needs it. "
    "The money would also pay for an extra bus line and the repair of the old bridge over the river, "
    "the council said in a statement on the evening of the meeting."
)


def test_spinner_rewrites_are_flagged_and_the_original_is_not() -> None:
    assert spun_signals(REAL)["spun"] is False
    every_the = REAL.replace(" the ", " a ")
    assert spun_signals(every_the)["spun"] is True
    # Half the "the"s swapped: the share stays normal, the "a" before vowel sounds give it away.
    half = (
        REAL.replace("the old", "a old").replace("the evening", "a evening").replace("the opposition", "a x")
    )
    half = (
        half.replace("the hearings", "a hearings").replace("the extra", "a extra").replace("the end", "a end")
    )
    half = half.replace("the election", "a election").replace("the office", "a office")
    assert spun_signals(half + " A official met a engineer and a inspector.")["spun"] is True


def test_acronyms_and_consonant_sounds_are_not_spinner_signs() -> None:
    text = "a USB drive, a European city, a one-off, a unique case, a US official, a useful tool. " * 4
    signals = spun_signals(text + REAL)
    assert signals["a_before_vowel_count"] == 0
    assert signals["spun"] is False


def test_spun_signal_on_real_and_spun_eval_gold_texts(eval_dir: Path) -> None:
    from benchmarks.spun import english_gold_texts, spin

    texts = [text for _, text in itertools.islice(english_gold_texts(eval_dir), 60)]
    real = [spun_signals(t)["spun"] for t in texts]
    spun = [spun_signals(spin(t, 1.0, 0.5, seed=i))["spun"] for i, t in enumerate(texts)]
    assert real.count(True) == 0
    judged = [v for v in spun if v is not None]
    assert judged.count(True) >= 0.9 * len(judged)


def _reference_top_ngram_chars(words: list[str], n: int) -> int:
    """Gopher's top n-gram rule with word tuples in a Counter (the definition the fast form must match)."""
    grams = Counter(zip(*(words[k:] for k in range(n)), strict=False))
    if not grams:
        return 0
    gram, count = grams.most_common(1)[0]
    return (sum(len(w) for w in gram) + n - 1) * count


def _reference_duplicate_ngram_chars(words: list[str], n: int) -> int:
    """Gopher's duplicate n-gram rule, scanning every position with word tuples."""
    grams = list(zip(*(words[k:] for k in range(n)), strict=False))
    seen: set[tuple[str, ...]] = set()
    repeated = i = 0
    while i < len(grams):
        if grams[i] in seen:
            repeated += sum(len(w) for w in grams[i])
            i += n
        else:
            seen.add(grams[i])
            i += 1
    return repeated


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "the", "of", "x"]), max_size=60))
def test_ngram_rules_match_their_word_tuple_definitions(words: list[str]) -> None:
    grams = NgramIndex(words)
    for n in range(1, 11):
        assert _top_ngram_chars(grams, n) == _reference_top_ngram_chars(words, n)
        assert _duplicate_ngram_chars(grams, n) == _reference_duplicate_ngram_chars(words, n)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab1٣’'- \n.é", max_size=80))
def test_alpha_word_fraction_counts_words_with_a_letter(text: str) -> None:
    words = WORD.findall(text)
    expected = round(sum(1 for w in words if _ALPHA.search(w)) / len(words), 4) if words else 0.0
    assert quality_signals([text], None, 0.0)["alpha_word_fraction"] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="theofΣİA1٣’'- .é/", max_size=30), min_size=1, max_size=6))
def test_word_signals_match_their_word_list_definitions(paragraphs: list[str]) -> None:
    """The shortcuts (three-word search, one lower() over all words) agree with per-word definitions."""
    words = WORD.findall("\n".join(paragraphs))
    lowered = [w.lower() for w in words]
    signals = quality_signals(paragraphs, "en", 1.0)
    under = sum(1 for p in paragraphs if len(WORD.findall(p)) < 3)
    assert signals["paragraphs_under_3_words_fraction"] == round(under / len(paragraphs), 4)
    assert signals["gopher_stopword_count"] == sum(1 for w in lowered if w in {"the", "of", "and", "to"})
    if words:
        expected = _reference_top_ngram_chars(lowered, 2) / len("\n".join(paragraphs))
        assert signals["top_2gram_char_fraction"] == round(expected, 4)
    # Words handed in by tag_metadata (from the body with blank lines) give the same signals.
    assert quality_signals(paragraphs, "en", 1.0, WORD.findall("\n\n".join(paragraphs))) == signals
