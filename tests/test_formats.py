"""The formats corpus builders use, end to end through real Luigi: WARC, JSONL and compressed inputs in;
compressed, size-capped part files out, loaded the way users load them (pandas, HF datasets) and
validated against the shipped JSON Schema."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import luigi
import pytest
import zstandard
from seed_files import copy_seeds
from warcs import ArcPage, Response, write_arc, write_resource_warc, write_warc

from pipeline.run.files import read_jsonl
from pipeline.tasks import CleanCorpus
from pipeline.tools.output import hf_features, output_schema

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TOPICS = [
    ("Council backs budget", "The city council approved the new budget on Tuesday after a long debate."),
    ("River clean-up begins", "Volunteers started clearing the river banks on Saturday morning in the rain."),
    ("Library opens late", "The central library will stay open until ten in the evening from next week."),
    ("Bakery wins prize", "A family bakery on Mill Street won the regional prize for its rye bread."),
]


def article(title: str, lead: str, charset: str = "utf-8") -> str:
    """A news page with navigation, an ad line and a footer around three paragraphs of body."""
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title} | Example News</title>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1><p>{lead} Officials said more details would follow in the coming days.</p>
<p>Advertisement</p>
<p>Residents welcomed the news and said they had waited a long time for such a change in the café.</p>
<p>A further announcement is expected next month, after a round of meetings in every district.</p>
</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""


@pytest.fixture(scope="module")
def raw_formats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file of each input format builders feed us, with a few records that must be skipped or rejected."""
    raw = copy_seeds(tmp_path_factory.mktemp("raw"), sorted(SEEDS.glob("*.txt"))[:2])
    pages = [
        Response("https://news.example.org/budget", article(*TOPICS[0]).encode("utf-8")),
        # charset only in the HTTP header: the body is Latin-1 ("café")
        Response(
            "https://news.example.org/river",
            article(*TOPICS[1], charset="").replace('<meta charset="">', "").encode("latin-1"),
            "text/html; charset=iso-8859-1",
        ),
        Response("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        Response("https://news.example.org/old", b"<html>Moved</html>", "text/html", "301 Moved Permanently"),
    ]
    (raw / "crawl").mkdir()
    write_warc(raw / "crawl" / "CC-MAIN-0001.warc.gz", pages)
    write_warc(raw / "crawl" / "damaged.warc.gz", [pages[0], pages[0], pages[0]])
    damaged = (raw / "crawl" / "damaged.warc.gz").read_bytes()
    (raw / "crawl" / "damaged.warc.gz").write_bytes(damaged[: len(damaged) * 3 // 4])
    c4 = {"id": "c4-1", "url": "https://news.example.org/library", "timestamp": "2019-04-25T12:57:54Z"}
    c4["text"] = f"{TOPICS[2][0]}\n\n{TOPICS[2][1]} The reading rooms get new lamps and chairs as well."
    (raw / "c4-train.jsonl.gz").write_bytes(gzip.compress(json.dumps(c4).encode() + b"\n", mtime=0))
    dolma = {"id": "d-7", "source": "cc", "metadata": {"url": "https://news.example.org/bakery"}}
    dolma["html"] = article(*TOPICS[3])
    (raw / "dolma.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(json.dumps(dolma).encode()))
    (raw / "captures").mkdir()
    webrecorder = ("https://news.example.org/webrecorder", article(*TOPICS[0]).encode(), "text/html")
    write_resource_warc(raw / "captures" / "session.warc.gz", [webrecorder])
    old_page = ArcPage("http://news.example.org/1996/river", "19961104142103", article(*TOPICS[1]).encode())
    write_arc(raw / "captures" / "IA-001102.arc.gz", [old_page])
    return raw


def build(raw: Path, out: Path, config: str) -> dict[str, Any]:
    """Run the real DAG with a TOML config; return the manifest."""
    config_path = out.parent / f"{out.name}.toml"
    config_path.write_text(config)
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(config_path))
    assert luigi.build([task], local_scheduler=True, workers=1, log_level="WARNING")
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gzip_capped(raw_formats: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gz") / "out"
    manifest = build(raw_formats, out, '[output]\ncompression = "gzip"\nmax_part_records = 2\n')
    return out, manifest


def records_of(out: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [record for part in manifest["parts"] for record in read_jsonl(out / part)]


def test_every_format_flows_to_the_corpus(gzip_capped: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = gzip_capped
    by_id = {r["id"]: r for r in records_of(out, manifest)}
    warc = [r for r in by_id.values() if r["source"]["path"].startswith("crawl/")]
    urls = sorted(r["source"]["url"] for r in warc)
    # CC-MAIN-0001: budget and river (the image and the redirect are skipped); damaged: the pages
    # before the cut
    assert urls.count("https://news.example.org/river") == 1
    assert 2 <= urls.count("https://news.example.org/budget") <= 3 and len(urls) in (3, 4)
    for record in warc:
        assert record["id"].startswith(("crawl/CC-MAIN-0001/urn:uuid:", "crawl/damaged/urn:uuid:"))
        assert record["metadata"]["warc_date"]  # the fetch time; `date` stays the page's own date
        assert "Advertisement" not in record["text"]
    river = next(r for r in warc if r["source"]["url"].endswith("/river"))
    assert "café" in river["text"]
    assert river["metadata"]["encoding"]["rule"] == "declared"
    assert by_id["c4-train/c4-1"]["source"]["url"] == "https://news.example.org/library"
    assert by_id["dolma/d-7"]["source"] == {
        "path": "dolma.jsonl.zst",
        "format": "jsonl",
        "url": "https://news.example.org/bakery",
    }
    (resource,) = [r for r in by_id.values() if r["source"]["path"] == "captures/session.warc.gz"]
    assert resource["id"].startswith("captures/session/urn:uuid:") and resource["metadata"]["warc_date"]
    assert resource["source"]["url"] == "https://news.example.org/webrecorder"
    assert resource["title"] == TOPICS[0][0]
    arc = by_id["captures/IA-001102/1"]
    assert arc["source"] == {
        "path": "captures/IA-001102.arc.gz",
        "format": "arc",
        "url": "http://news.example.org/1996/river",
    }
    assert arc["metadata"]["warc_date"] == "1996-11-04T14:21:03Z"
    assert TOPICS[1][1] in arc["text"]
    rejects = list(read_jsonl(out / "rejected.jsonl"))
    assert [(r["source"]["path"], r["reason"]) for r in rejects] == [
        ("crawl/damaged.warc.gz", "corrupt_compression")
    ]
    counts = manifest["counts"]
    assert counts["input"] == counts["clean"] + counts["rejected"] == len(by_id) + 1


def test_parts_are_gzip_capped_numbered_and_listed(gzip_capped: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = gzip_capped
    parts = manifest["parts"]
    assert parts == [f"part-{i:05d}.jsonl.gz" for i in range(len(parts))]
    assert sorted(p.name for p in out.glob("part-*")) == parts
    sizes = [sum(1 for _ in read_jsonl(out / part)) for part in parts]
    assert all(size <= 2 for size in sizes) and sum(sizes) == manifest["counts"]["clean"]
    assert len(parts) > 1
    for part in parts:
        with gzip.open(out / part, "rt", encoding="utf-8") as handle:  # plain gzip, as `zcat` reads it
            assert all(json.loads(line)["id"] for line in handle)


def test_zstd_parts_split_by_bytes(raw_formats: Path, tmp_path: Path) -> None:
    manifest = build(raw_formats, tmp_path / "out", '[output]\ncompression = "zstd"\nmax_part_bytes = 6000\n')
    parts = manifest["parts"]
    assert parts == [f"part-{i:05d}.jsonl.zst" for i in range(len(parts))] and len(parts) > 1
    total = 0
    for part in parts:
        data = zstandard.ZstdDecompressor().stream_reader(open(tmp_path / "out" / part, "rb")).read()
        lines = data.decode("utf-8").splitlines()
        assert len(data) <= 6000 or len(lines) == 1  # a record larger than the cap gets a part of its own
        total += len(lines)
    assert total == manifest["counts"]["clean"]


def test_every_record_and_reject_matches_the_schema(gzip_capped: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = gzip_capped
    clean = jsonschema.Draft202012Validator(output_schema("clean"))
    rejected = jsonschema.Draft202012Validator(output_schema("rejected"))
    records = records_of(out, manifest)
    for record in records:
        clean.validate(record)
        assert record["text"] == "\n\n".join(record["paragraphs"])
    for reject in read_jsonl(out / "rejected.jsonl"):
        rejected.validate(reject)
    # one key set everywhere: columnar loaders then see one type per column
    assert len({tuple(r["metadata"]) for r in records}) == 1
    assert len({tuple(r["metadata"]["quality"]) for r in records}) == 1


def test_pandas_reads_the_parts(gzip_capped: tuple[Path, dict[str, Any]]) -> None:
    pandas = pytest.importorskip("pandas")
    out, manifest = gzip_capped
    frame = pandas.concat(
        [pandas.read_json(out / part, lines=True, compression="gzip") for part in manifest["parts"]],
        ignore_index=True,
    )
    assert len(frame) == manifest["counts"]["clean"]
    assert list(frame.columns) == [
        "id",
        "text",
        "paragraphs",
        "paragraph_types",
        "title",
        "language",
        "source",
        "removed",
        "metadata",
    ]
    assert all(isinstance(p, list) for p in frame["paragraphs"])
    assert frame["id"].is_unique


def test_hf_datasets_loads_the_parts(
    gzip_capped: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    out, manifest = gzip_capped
    files = [str(out / part) for part in manifest["parts"]]
    cache = str(tmp_path / "cache")
    one = datasets.load_dataset("json", data_files=files[:1], split="train", cache_dir=cache)
    assert one.num_rows == 2 and isinstance(one[0]["paragraphs"], list)
    # all parts at once, with the shipped features: no column type is guessed from the first part
    dataset = datasets.load_dataset(
        "json", data_files=files, split="train", cache_dir=cache, features=hf_features()
    )
    assert dataset.num_rows == manifest["counts"]["clean"]
    assert set(dataset["id"]) == {r["id"] for r in records_of(out, manifest)}
    row = dataset[0]
    assert isinstance(row["paragraphs"], list) and isinstance(row["metadata"]["categories"], list)
    warc_dates = [m["warc_date"] for m in dataset["metadata"]]
    assert any(d is None for d in warc_dates) and any(d for d in warc_dates)
    assert len({tuple(m["quality"]) for m in dataset["metadata"]}) == 1
