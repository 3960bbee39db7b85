"""Which files are input, their ids, and how unreadable files become rejects."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import zstandard

from pipeline.readers import discover, read_items, split_name


def test_split_name_strips_format_and_compression() -> None:
    assert split_name("a/b.html.gz") == ("a/b", "html", ".gz")
    assert split_name("c.txt") == ("c", "text", None)
    assert split_name("d.jsonl.zst") == ("d", "jsonl", ".zst")
    assert split_name("e.pdf") == ("e.pdf", None, None)


def test_discover_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden.txt").write_text("h")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    assert [f.path for f in discover(tmp_path)] == ["a.txt", "b/z.txt"]


def test_compressed_inputs_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"hello gzip"))
    (tmp_path / "b.html.zst").write_bytes(zstandard.ZstdCompressor().compress(b"<p>hello zstd</p>"))
    (item_a,) = read_items(tmp_path, "a.txt.gz", 1000)
    (item_b,) = read_items(tmp_path, "b.html.zst", 1000)
    assert (item_a.id, item_a.data, item_a.content_type) == ("a", b"hello gzip", "text")
    assert (item_b.id, item_b.data, item_b.content_type) == ("b", b"<p>hello zstd</p>", "html")


def _reason(tmp_path: Path, name: str, limit: int = 1000) -> str | None:
    (item,) = read_items(tmp_path, name, limit)
    return item.rejection.reason if item.rejection else None


def test_bad_files_become_rejects_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n ")
    (tmp_path / "trunc.txt.gz").write_bytes(gzip.compress(b"some text " * 100)[:30])
    (tmp_path / "zero.html.zst").write_bytes(b"")
    (tmp_path / "big.txt").write_bytes(b"x" * 2000)
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")
    assert _reason(tmp_path, "empty.txt") == "empty"
    assert _reason(tmp_path, "blank.txt") == "empty"
    assert _reason(tmp_path, "trunc.txt.gz") == "corrupt_compression"
    assert _reason(tmp_path, "zero.html.zst") in ("empty", "corrupt_compression")
    assert _reason(tmp_path, "big.txt") == "too_large"
    assert _reason(tmp_path, "doc.pdf") == "unsupported_format"
    assert _reason(tmp_path, "dangling.txt") == "unreadable"


def test_jsonl_records_are_items_and_a_broken_line_is_a_reject(tmp_path: Path) -> None:
    (tmp_path / "batch.jsonl").write_text(
        '{"id": "a1", "text": "hello", "url": "https://example.org/a"}\n'
        "{broken\n"
        '{"html": "<p>hi</p>"}\n'
        '{"text": ""}\n',
        encoding="utf-8",
    )
    items = list(read_items(tmp_path, "batch.jsonl", 1000))
    assert [i.id for i in items] == ["batch/a1", "batch/1", "batch/2", "batch/3"]
    assert items[0].source.url == "https://example.org/a" and items[0].content_type == "text"
    assert items[1].rejection is not None and items[1].rejection.reason == "invalid_json"
    assert items[2].content_type == "html"
    assert items[3].rejection is not None and items[3].rejection.reason == "empty"
