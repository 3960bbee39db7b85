"""tag_metadata: site, credits, taxonomy, counts and signals from body and removal log; text unchanged."""

from __future__ import annotations

from pathlib import Path

from pipeline import clean_document
from pipeline.clean.tag_metadata import tag_metadata
from pipeline.document import Document, Removal, Source

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


def test_the_site_name_comes_from_the_removed_title_line_unless_the_page_named_it() -> None:
    title = Removal("Budget Plan Moves Ahead | Example News", "title.heading", "strip_boilerplate")
    assert tag_metadata(_doc(["Some body text here."], (title,))).metadata["site_name"] == "Example News"
    named = _doc(["Some body text here."], (title,)).with_metadata(site_name="The Gazette")
    assert tag_metadata(named).metadata["site_name"] == "The Gazette"
    plain = Removal("Budget Plan Moves Ahead", "title.heading", "strip_boilerplate")
    assert tag_metadata(_doc(["Some body text here."], (plain,))).metadata["site_name"] is None


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


def test_author_and_date_come_from_removed_bylines_and_date_lines() -> None:
    removed = (
        Removal("By Jane Doe and John Roe", "credits.byline", "segment_paragraphs"),
        Removal("Published: September 29, 2016", "structure.header_zone", "strip_boilerplate"),
        Removal("Advertisement by Google 2016-01-01", "ads.label", "strip_boilerplate"),
    )
    meta = tag_metadata(_doc(["Some body text here."], removed)).metadata
    assert meta["author"] == "Jane Doe and John Roe"
    assert meta["date"] == "2016-09-29"


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
