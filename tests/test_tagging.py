"""tag_metadata: credits, datelines, taxonomy, counts, language, spun text; the body never changes."""

from __future__ import annotations

from pathlib import Path

from pipeline import clean_document
from pipeline.document import Document, Removal, Source
from pipeline.tagging import find_dateline, spun_signals, tag_metadata

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
    assert verdicts == {"000": None, "001": True, "002": False, "003": False, "004": False}


def test_spun_signal_needs_enough_articles() -> None:
    assert spun_signals("a cat and a dog")["spun"] is None
