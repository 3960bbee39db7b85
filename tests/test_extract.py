"""HTML extraction: metadata kept, every dropped line accounted for, time limit, declared charsets."""

from __future__ import annotations

import dataclasses

from pipeline import clean_document
from pipeline.config import Config, ExtractConfig
from pipeline.extract import RULE_NOT_MAIN

BODY = " ".join(
    f"Sentence {i} of the article explains how the harbour was rebuilt after the storm of that winter."
    for i in range(12)
)

ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour rebuilt after the storm | The Coast Gazette</title>
<meta name="author" content="Jane Rivers">
<meta property="og:site_name" content="The Coast Gazette">
<meta name="description" content="How the old harbour was rebuilt.">
<meta property="article:published_time" content="2024-03-05">
<meta property="article:section" content="Local">
<meta property="article:tag" content="harbour">
<link rel="canonical" href="https://gazette.example/harbour">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Harbour rebuilt after the storm</h1>
<p>{BODY}</p><p>{BODY}</p></article>
<footer><p>Copyright 2024 The Coast Gazette</p></footer>
</body></html>"""


def _config(**extract: object) -> Config:
    return dataclasses.replace(Config(), extract=ExtractConfig(**extract))  # type: ignore[arg-type]


def test_metadata_is_kept() -> None:
    doc = clean_document(ARTICLE, format="html")
    assert not doc.rejected
    assert doc.title == "Harbour rebuilt after the storm"
    assert doc.metadata["author"] == "Jane Rivers"
    assert doc.metadata["site_name"] == "The Coast Gazette"
    assert doc.metadata["date"] == "2024-03-05"
    assert doc.metadata["description"] == "How the old harbour was rebuilt."
    assert doc.metadata["categories"] == ["Local"]
    assert doc.metadata["tags"] == ["harbour"]
    assert doc.source.url == "https://gazette.example/harbour"


def test_every_dropped_page_line_is_recorded() -> None:
    doc = clean_document(ARTICLE, format="html")
    removed = {r.text for r in doc.removed if r.rule == RULE_NOT_MAIN}
    assert {"Home", "Sport", "Copyright 2024 The Coast Gazette"} <= removed
    assert "Sentence 3 of the article" in doc.text
    assert not any("Sentence" in line for line in removed)


def test_pathological_page_times_out_as_a_reject() -> None:
    # 3,000 nested tables of 60 cells each: about 0.5 s without a limit, the limit is 20 ms.
    cell = "<td>cell text with a <a href='#'>link</a> and more words</td>" * 60
    page = "<html><body>" + "<table><tr>" * 3000 + cell + "</tr></table>" * 3000 + "</body></html>"
    doc = clean_document(page, format="html", config=_config(timeout_seconds=0.02))
    assert doc.rejected
    assert doc.rejection is not None
    assert doc.rejection.reason == "extraction_timeout"
    assert doc.rejection.stage == "extract_text"


def test_timeout_leaves_ordinary_pages_alone() -> None:
    doc = clean_document(ARTICLE, format="html", config=_config(timeout_seconds=30.0))
    assert not doc.rejected


def test_cp1252_page_with_meta_charset() -> None:
    text = "Le café « naïve » coûte 3 € – “vraiment” – à Paris, déjà célèbre pour ses œuvres."
    page = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head><body><article>'
        + f"<p>{text} {BODY}</p><p>{text}</p></article></body></html>"
    )
    data = page.encode("cp1252")
    doc = clean_document(data, format="html")
    assert not doc.rejected
    assert doc.metadata["encoding"]["charset"].endswith("windows-1252")
    assert doc.metadata["encoding"]["rule"] == "declared"
    assert text in doc.text
    assert doc.metadata["encoding_fixes"] == []


def test_mojibake_in_markup_is_repaired_after_extraction() -> None:
    # UTF-8 text that was once decoded as Windows-1252 and saved again: the repair runs on the
    # extracted text (not the markup) and reaches the title and the dropped page lines too.
    text = "Le café « naïve » coûte 3 € – vraiment – à Paris, déjà célèbre."
    broken = text.encode("utf-8").decode("cp1252")
    page = (
        f'<html><head><meta charset="utf-8"><title>Café {broken[:14]}</title></head><body>'
        f"<nav><p>Menü {broken[:8]}</p></nav><article><p>{broken} {BODY}</p><p>{broken}</p>"
        "</article></body></html>"
    )
    doc = clean_document(page.encode("utf-8"), format="html")
    assert not doc.rejected
    assert text in doc.text
    assert broken not in doc.text
    assert doc.metadata["encoding_fixes"]
    assert doc.title is not None and "Ã" not in doc.title
    assert all("Ã" not in r.text for r in doc.removed)
