"""A small real batch for the tests that read an output folder: the seeds, two HTML pages, a JSONL
file of two documents, and inputs that become rejects, cleaned once per test session by the real DAG."""

from __future__ import annotations

import json
from pathlib import Path

import luigi
import pytest
from seed_files import copy_seeds

from pipeline.tasks import CleanCorpus

NEWS_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Council backs budget | Example News</title>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Council backs budget</h1>
<p>The city council approved the new budget on Tuesday after a debate that lasted well into the night.</p>
<p>Advertisement</p>
<p>Members said the plan would raise spending on schools and roads by a tenth over the next four years.</p>
<p>A final vote on the details is expected next month, after a round of public hearings in every district.</p>
</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""
GERMAN_HTML = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Neue Brücke eröffnet | Stadtblatt</title></head><body>
<header><a href="/">Startseite</a> <a href="/lokales">Lokales</a></header>
<article><h1>Neue Brücke eröffnet</h1>
<p>Die neue Brücke über den Fluss wurde am Montag nach drei Jahren Bauzeit für den Verkehr freigegeben.</p>
<p>Share this</p>
<p>Nach Angaben der Stadt nutzen täglich rund zwanzigtausend Fahrzeuge die Verbindung zwischen den Ufern.</p>
<p>Anwohner hatten sich seit Jahren für den Neubau eingesetzt, weil die alte Brücke marode geworden war.</p>
</article></body></html>"""
JSONL_DOCS = [
    {
        "id": "a",
        "text": "Local library extends opening hours\nAdvertisement\n"
        "The library will open two hours longer on weekdays from next month, the city said on Friday.\n"
        "Readers had asked for evening hours in a survey last year, and the council found the money for it.",
    },
    {
        "id": "b",
        "text": "Ferry timetable changes\nThe ferry company will run an extra boat on Sundays during "
        "the summer season, starting in June, to cope with the growing number of visitors to the islands.",
    },
]


def build_batch(root: Path) -> tuple[Path, Path]:
    """Write the raw batch under ``root/raw``, clean it into ``root/out``; return both folders."""
    raw, out = root / "raw", root / "out"
    (raw / "news").mkdir(parents=True)
    copy_seeds(raw)
    (raw / "news" / "council.html").write_text(NEWS_HTML, encoding="utf-8")
    (raw / "news" / "bruecke.html").write_text(GERMAN_HTML, encoding="utf-8")
    (raw / "feed.jsonl").write_text("".join(json.dumps(d) + "\n" for d in JSONL_DOCS), encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "only-widgets.txt").write_text("Share this\nAdvertisement\nSubscribe to our newsletter\n")
    (raw / "notes.pdf").write_bytes(b"%PDF-1.4")
    return raw, out


def run_batch(raw: Path, out: Path, config: Path | None = None, keep_stages: bool = True) -> None:
    """Clean ``raw`` into ``out`` with the real Luigi DAG and the local scheduler (keeping every stage
    file unless told otherwise)."""
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(
        raw_dir=str(raw), out_dir=str(out), config_path=str(config or ""), keep_stages=keep_stages
    )
    assert luigi.build([task], local_scheduler=True, workers=1, log_level="WARNING")


@pytest.fixture(scope="session")
def cleaned_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The batch, cleaned in shards of four files (so several part files and stage shards exist)."""
    root = tmp_path_factory.mktemp("batch")
    raw, out = build_batch(root)
    config = root / "small-shards.toml"
    config.write_text("[input]\nshard_files = 4\n")
    run_batch(raw, out, config)
    return raw, out
