"""Shard planning: how a batch's files are grouped into shards."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config, InputConfig
from pipeline.run.plan import MAX_SHARD_FILES, MIN_SHARD_BYTES, TARGET_SHARDS, plan_shards, shard_bytes


def _files(folder: Path, sizes: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        (folder / f"d{i:04d}.txt").write_bytes(b"x" * size)


def test_a_default_shard_is_an_eighth_of_the_batch_but_never_under_the_floor() -> None:
    assert shard_bytes(80 * MIN_SHARD_BYTES) == 10 * MIN_SHARD_BYTES
    assert shard_bytes(MIN_SHARD_BYTES) == MIN_SHARD_BYTES
    assert shard_bytes(0) == MIN_SHARD_BYTES


def test_a_small_batch_is_one_shard(tmp_path: Path) -> None:
    _files(tmp_path, [1000] * 20)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [20]


def test_a_large_batch_is_cut_into_eight_shards_of_equal_bytes(tmp_path: Path) -> None:
    # 40 files of a quarter of the floor each: 10 floors of bytes, 8 shards of 5 files (1.25 floors).
    _files(tmp_path, [MIN_SHARD_BYTES // 4] * 40)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [5] * TARGET_SHARDS


def test_few_large_files_are_not_one_shard(tmp_path: Path) -> None:
    # A batch of a few big containers (WARC, JSONL) is cut by bytes, not by its number of files.
    _files(tmp_path, [4 * MIN_SHARD_BYTES] * 3)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [1, 1, 1]


def test_a_shard_never_holds_more_than_the_file_cap(tmp_path: Path) -> None:
    _files(tmp_path, [1] * (MAX_SHARD_FILES + 5))
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [MAX_SHARD_FILES, 5]


def test_a_shard_size_in_the_settings_is_kept(tmp_path: Path) -> None:
    _files(tmp_path, [MIN_SHARD_BYTES // 4] * 40)
    plan = plan_shards(tmp_path, Config(input=InputConfig(shard_files=16)))
    assert [len(s.paths) for s in plan] == [16, 16, 8]


def test_files_that_give_one_id_share_a_shard_at_a_cut(tmp_path: Path) -> None:
    _files(tmp_path, [MIN_SHARD_BYTES // 4] * 8)
    # Ordered by id then path, d0003.html fills the first shard; d0003.txt still joins it.
    (tmp_path / "d0003.html").write_bytes(b"x" * (MIN_SHARD_BYTES // 4))
    shards = plan_shards(tmp_path, Config())
    assert [len(s.paths) for s in shards] == [5, 4]
    assert {"d0003.txt", "d0003.html"} <= set(shards[0].paths)
