"""One way to open a file, plain or compressed: every member and frame read, a cut one an error."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.compression import DAMAGED, open_compressed, open_decompressed
from pipeline.run.files import WRITE_RUN_BYTES, read_jsonl, write_jsonl

LINES = st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30)


@settings(max_examples=50, deadline=None)
@given(LINES, st.sampled_from(["x.jsonl", "x.jsonl.gz", "x.jsonl.zst"]))
def test_lines_read_back_as_written_whatever_the_compression(lines: list[bytes], name: str) -> None:
    data = b"".join(line + b"\n" for line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, name)
        with open_compressed(path, name) as handle:
            handle.write(data)
        with open_decompressed(path) as stream:
            assert list(stream) == [line + b"\n" for line in lines]


def test_every_gzip_member_and_zstandard_frame_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.gz").write_bytes(gzip.compress(b"one\n") + gzip.compress(b"two\n"))
    zst = zstandard.ZstdCompressor()
    (tmp_path / "a.zst").write_bytes(zst.compress(b"one\n") + zst.compress(b"two\n"))
    for name in ("a.gz", "a.zst"):
        with open_decompressed(tmp_path / name) as stream:
            assert list(stream) == [b"one\n", b"two\n"]


@pytest.mark.parametrize("name", ["cut.jsonl.gz", "cut.jsonl.zst"])
def test_a_cut_file_is_an_error_not_a_shorter_file(tmp_path: Path, name: str) -> None:
    data = b'{"id": "a"}\n' * 2000
    whole = gzip.compress(data) if name.endswith(".gz") else zstandard.ZstdCompressor().compress(data)
    (tmp_path / name).write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DAMAGED), open_decompressed(tmp_path / name) as stream:
        list(stream)


@pytest.mark.parametrize("name", ["records.jsonl", "records.jsonl.gz", "records.jsonl.zst"])
def test_records_across_several_write_runs_read_back_in_order(tmp_path: Path, name: str) -> None:
    """``write_jsonl`` hands the file runs of records: every record, in order, whatever the run breaks."""
    records = [{"n": n, "text": "x" * (n * 997 % 90_000)} for n in range(80)]
    assert sum(len(r["text"]) for r in records) > 2 * WRITE_RUN_BYTES
    path = tmp_path / name
    assert write_jsonl(path, records) == len(records)
    assert list(read_jsonl(path)) == records
    assert write_jsonl(tmp_path / f"empty-{name}", []) == 0
    assert list(read_jsonl(tmp_path / f"empty-{name}")) == []
