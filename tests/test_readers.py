"""Which files are input, their ids, how containers (JSONL, WARC) split, and how damage becomes rejects."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st
from warcs import ArcPage, Response, write_arc, write_resource_warc, write_warc

from pipeline.clean.readers import (
    bounded_lines,
    discover,
    media_type_and_charset,
    read_items,
    split_name,
)
from pipeline.document import Source


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


def test_discover_never_lists_the_output_folder_under_any_of_its_names(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "clean" / "_stages").mkdir(parents=True)
    (tmp_path / "clean" / "part-00000.jsonl").write_text("{}\n")
    (tmp_path / "clean" / "_stages" / "x.jsonl").write_text("{}\n")
    (tmp_path / "cleaner").mkdir()
    (tmp_path / "cleaner" / "b.txt").write_text("b")
    alias = tmp_path.parent / f"{tmp_path.name}-alias"
    alias.symlink_to(tmp_path / "clean")
    for out in (tmp_path / "clean", alias, tmp_path / "clean" / ".." / "clean"):
        assert [f.path for f in discover(tmp_path, exclude=out)] == ["a.txt", "cleaner/b.txt"]
    assert discover(tmp_path, exclude=tmp_path) == []
    assert discover(tmp_path, exclude=tmp_path / "not-yet") == discover(tmp_path)


def test_compressed_inputs_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"hello gzip"))
    (tmp_path / "b.html.zst").write_bytes(zstandard.ZstdCompressor().compress(b"<p>hello zstd</p>"))
    (item_a,) = read_items(tmp_path, "a.txt.gz", 1000)
    (item_b,) = read_items(tmp_path, "b.html.zst", 1000)
    assert (item_a.id, item_a.data, item_a.content_type) == ("a", b"hello gzip", "text")
    assert (item_b.id, item_b.data, item_b.content_type) == ("b", b"<p>hello zstd</p>", "html")


def _reason(tmp_path: Path, name: str, limit: int = 1000) -> str | None:
    (item,) = read_items(tmp_path, name, limit)
    return item.problem.reason if item.problem else None


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
    assert items[1].problem is not None and items[1].problem.reason == "invalid_json"
    assert items[2].content_type == "html"
    assert items[3].problem is not None and items[3].problem.reason == "empty"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60).map(lambda b: bytes(b"ab\r\n{"[x % 5] for x in b)), st.integers(1, 7))
def test_bounded_lines_number_lines_like_splitlines(data: bytes, chunk_size: int) -> None:
    lines = list(bounded_lines(io.BytesIO(data), limit=1000, chunk_size=chunk_size))
    assert lines == data.splitlines()


def test_bounded_lines_skip_an_over_long_line_without_keeping_it() -> None:
    data = b"short\n" + b"x" * 50 + b"\nafter\n" + b"y" * 50
    assert list(bounded_lines(io.BytesIO(data), limit=20, chunk_size=8)) == [b"short", None, b"after", None]


def test_jsonl_is_streamed_past_any_file_size_and_an_over_long_line_is_a_reject(tmp_path: Path) -> None:
    # Ten times the document limit in one file: read line by line, every record is an item.
    record = json.dumps({"text": "w" * 80}).encode() + b"\n"
    lines = [record] * 120
    lines[7] = json.dumps({"text": "z" * 900}).encode() + b"\n"  # over 8 x the limit as one line
    (tmp_path / "big.jsonl").write_bytes(b"".join(lines))
    items = list(read_items(tmp_path, "big.jsonl", 100))
    assert len(items) == 120
    assert items[7].problem is not None and items[7].problem.reason == "too_large"
    assert all(i.problem is None for k, i in enumerate(items) if k != 7)


def test_truncated_jsonl_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    body = b"".join(
        json.dumps({"id": f"r{k}", "text": f"record {k} " * 30}).encode() + b"\n" for k in range(400)
    )
    data = gzip.compress(body, mtime=0)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 3 // 4])
    items = list(read_items(tmp_path, "cut.jsonl.gz", 100_000))
    assert items[-1].id == "cut" and items[-1].problem is not None
    assert items[-1].problem.reason == "corrupt_compression"
    kept = [i for i in items[:-1] if i.problem is None]
    assert len(kept) > 100 and [i.id for i in kept] == [f"cut/r{k}" for k in range(len(kept))]


def test_jsonl_without_records_is_an_empty_reject(tmp_path: Path) -> None:
    (tmp_path / "none.jsonl").write_bytes(b"\n  \n")
    assert [
        (i.id, i.problem.reason if i.problem else None) for i in read_items(tmp_path, "none.jsonl", 100)
    ] == [("none", "empty")]


# --- compressed containers -------------------------------------------------------------------------


def test_multi_frame_zstd_is_read_whole(tmp_path: Path) -> None:
    cctx = zstandard.ZstdCompressor()
    lines = [b'{"id": "a", "text": "first"}\n', b'{"id": "b", "text": "second"}\n']
    (tmp_path / "frames.jsonl.zst").write_bytes(b"".join(cctx.compress(line) for line in lines))
    assert [i.id for i in read_items(tmp_path, "frames.jsonl.zst", 1000)] == ["frames/a", "frames/b"]


def test_truncated_zstd_is_corrupt_not_short(tmp_path: Path) -> None:
    data = zstandard.ZstdCompressor().compress(b"some text that goes on " * 200)
    (tmp_path / "cut.txt.zst").write_bytes(data[: len(data) // 2])
    assert _reason(tmp_path, "cut.txt.zst", 100_000) == "corrupt_compression"


def test_dolma_and_datatrove_urls_come_from_metadata(tmp_path: Path) -> None:
    (tmp_path / "dolma.jsonl.gz").write_bytes(
        gzip.compress(
            b'{"id": "d1", "text": "hello", "source": "cc", "metadata": {"url": "https://example.org/d"}}\n'
            b'{"id": "d2", "text": "hello", "url": "https://example.org/top", "metadata": {"url": "x"}}\n'
        )
    )
    items = list(read_items(tmp_path, "dolma.jsonl.gz", 1000))
    assert [i.source.url for i in items] == ["https://example.org/d", "https://example.org/top"]


# --- WARC ------------------------------------------------------------------------------------------

PAGE = b"<!DOCTYPE html><html><body><p>Caf\xe9 page %d</p>%s</body></html>"


def _pages(n: int, pad: int = 0) -> list[Response]:
    filler = [b"<p>%s</p>" % os.urandom(pad).hex().encode() if pad else b"" for _ in range(n)]
    return [
        Response(f"https://example.org/{i}", PAGE % (i, filler[i]), "text/html; charset=ISO-8859-1")
        for i in range(n)
    ]


def test_warc_html_responses_become_items_with_url_charset_and_date(tmp_path: Path) -> None:
    responses = [
        *_pages(2),
        Response("https://example.org/logo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        Response("https://example.org/old", b"<html>Moved</html>", "text/html", "301 Moved Permanently"),
        Response("https://example.org/bare", b"  <html><p>no header</p></html>", None),
        Response("https://example.org/data", b"a,b\n1,2\n", None),
        Response(
            "https://example.org/x", b"<html><p>xhtml</p></html>", 'application/xhtml+xml;charset="UTF-8"'
        ),
    ]
    ids = write_warc(tmp_path / "crawl.warc.gz", responses)
    items = list(read_items(tmp_path, "crawl.warc.gz", 10_000))
    assert [i.id for i in items] == [f"crawl/{ids[k]}" for k in (0, 1, 4, 6)]
    assert all(i.problem is None and i.content_type == "html" for i in items)
    first = items[0]
    assert first.data == PAGE % (0, b"")
    assert first.source == Source(path="crawl.warc.gz", format="warc", url="https://example.org/0")
    assert first.declared_charset == "iso-8859-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first.metadata["warc_date"])
    assert [i.declared_charset for i in items[2:]] == [None, "utf-8"]


@pytest.mark.parametrize("wrapper", ["plain", "per-record gzip", "whole-file gzip", "zstd"])
def test_warc_in_every_wrapper_gives_the_same_items(tmp_path: Path, wrapper: str) -> None:
    write_warc(tmp_path / "ref.warc", _pages(3), gzip=False)
    plain = (tmp_path / "ref.warc").read_bytes()
    names = {
        "plain": ("w.warc", plain),
        "whole-file gzip": ("w.warc.gz", gzip.compress(plain)),
        "zstd": ("w.warc.zst", zstandard.ZstdCompressor().compress(plain)),
    }
    if wrapper == "per-record gzip":
        write_warc(tmp_path / "w.warc.gz", _pages(3), gzip=True)
        name = "w.warc.gz"
    else:
        name, data = names[wrapper]
        (tmp_path / name).write_bytes(data)
    items = list(read_items(tmp_path, name, 10_000))
    assert [(i.data, i.source.url) for i in items] == [(p.body, p.url) for p in _pages(3)]
    assert all(i.id.startswith("w/urn:uuid:") for i in items)


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc", "cut.warc.zst"])
def test_truncated_warc_keeps_the_records_before_the_damage_and_one_reject(tmp_path: Path, name: str) -> None:
    # Incompressible padding: zstandard decodes whole blocks (up to 128 KiB), so the file must span several.
    pages = _pages(40, pad=3000)
    write_warc(tmp_path / "full.warc", pages, gzip=False)
    plain = (tmp_path / "full.warc").read_bytes()
    if name.endswith(".gz"):
        write_warc(tmp_path / "full.warc.gz", pages, gzip=True)
        data = (tmp_path / "full.warc.gz").read_bytes()
    elif name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(plain)
    else:
        data = plain
    (tmp_path / name).write_bytes(data[: int(len(data) * 0.8)])
    items = list(read_items(tmp_path, name, 10_000))
    good, bad = items[:-1], items[-1]
    assert 10 <= len(good) < 40 and all(i.problem is None for i in good)
    assert [i.data for i in good] == [p.body for p in pages[: len(good)]]
    assert bad.problem is not None and bad.id.startswith("cut/")
    assert bad.problem.reason == ("invalid_warc" if name == "cut.warc" else "corrupt_compression")


def test_broken_and_empty_warcs_are_rejects(tmp_path: Path) -> None:
    (tmp_path / "garbage.warc").write_bytes(b"this is not a web archive\r\n\r\n" * 10)
    (tmp_path / "empty.warc.gz").write_bytes(gzip.compress(b""))
    write_warc(tmp_path / "big.warc.gz", [Response("https://example.org/big", b"<html>" + b"x" * 5000)])
    (garbage,) = read_items(tmp_path, "garbage.warc", 1000)
    assert garbage.problem is not None and garbage.problem.reason == "invalid_warc"
    assert _reason(tmp_path, "empty.warc.gz") == "empty"
    assert _reason(tmp_path, "big.warc.gz") == "too_large"


def test_warc_resource_records_holding_html_are_pages(tmp_path: Path) -> None:
    """Webrecorder stores a captured page as a resource record: the page itself, no HTTP headers."""
    pages = [
        ("https://example.org/story", PAGE % (1, b""), "text/html; charset=utf-8"),
        ("https://example.org/style.css", b"p { color: red }", "text/css"),
        ("https://example.org/x", b"<html><p>xhtml</p></html>", "application/xhtml+xml"),
    ]
    ids = write_resource_warc(tmp_path / "capture.warc.gz", pages)
    items = list(read_items(tmp_path, "capture.warc.gz", 10_000))
    assert [i.id for i in items] == [f"capture/{ids[0]}", f"capture/{ids[2]}"]
    first = items[0]
    assert (first.data, first.content_type, first.declared_charset) == (PAGE % (1, b""), "html", "utf-8")
    assert first.source == Source(path="capture.warc.gz", format="warc", url="https://example.org/story")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first.metadata["warc_date"])


ARC_PAGES = [
    ArcPage("http://example.org/a.html", "19961104142103", PAGE % (0, b"")),
    ArcPage("http://example.org/logo.gif", "19961104142104", b"GIF89a", content_type="image/gif"),
    ArcPage("http://example.org/gone", "19961104142105", b"<html>Gone</html>", status="404 Not Found"),
    ArcPage("http://example.org/b.html", "19961104142109", PAGE % (1, b""), "text/html; charset=iso-8859-1"),
]


@pytest.mark.parametrize("name", ["old.arc", "old.arc.gz"])
def test_arc_files_are_read_like_warc_with_url_and_date(tmp_path: Path, name: str) -> None:
    write_arc(tmp_path / name, ARC_PAGES, gzip=name.endswith(".gz"))
    assert split_name(name) == ("old", "arc", ".gz" if name.endswith(".gz") else None)
    items = list(read_items(tmp_path, name, 10_000))
    # An ARC record has no id: its place in the file (the version block is record 0) stands for one.
    assert [i.id for i in items] == ["old/1", "old/4"]
    assert all(i.problem is None and i.content_type == "html" for i in items)
    assert [i.data for i in items] == [PAGE % (0, b""), PAGE % (1, b"")]
    assert items[0].source == Source(path=name, format="arc", url="http://example.org/a.html")
    assert [i.metadata["warc_date"] for i in items] == ["1996-11-04T14:21:03Z", "1996-11-04T14:21:09Z"]
    assert [i.declared_charset for i in items] == [None, "iso-8859-1"]


def test_a_cut_or_broken_arc_keeps_the_pages_before_and_one_reject(tmp_path: Path) -> None:
    write_arc(tmp_path / "full.arc", ARC_PAGES, gzip=False)
    data = (tmp_path / "full.arc").read_bytes()
    (tmp_path / "cut.arc").write_bytes(data[: data.index(b"http://example.org/b.html") + 200])
    items = list(read_items(tmp_path, "cut.arc", 10_000))
    assert [i.id for i in items] == ["cut/1", "cut/4"]
    assert items[0].problem is None
    assert items[1].problem is not None and items[1].problem.reason == "invalid_arc"
    (tmp_path / "junk.arc").write_bytes(b"this is not a web archive\n" * 10)
    assert _reason(tmp_path, "junk.arc") == "invalid_arc"


def test_media_type_and_charset() -> None:
    assert media_type_and_charset('Text/HTML; Charset="UTF-8"') == ("text/html", "utf-8")
    assert media_type_and_charset("text/html") == ("text/html", None)
    assert media_type_and_charset("") == (None, None)
    assert media_type_and_charset(None) == (None, None)
