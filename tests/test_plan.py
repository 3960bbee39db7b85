"""Shard planning: how a batch's files are grouped into shards."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config, InputConfig
from pipeline.run.plan import MAX_SHARD_FILES, MIN_SHARD_BYTES, TARGET_SHARDS, plan_shards, shard_size

MB4 = MIN_SHARD_BYTES


def _files(folder: Path, sizes: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        (folder / f"d{i:04d}.txt").write_bytes(b"x" * size)


@pytest.mark.parametrize(
    ("files", "total_bytes", "size"),
    [
        (5, 20_000, 5),  # the seeds: one shard
        (2000, 23 * 10**6, 400),  # 23 MB of text: 5 shards
        (3000, 400 * 10**6, 375),  # 3,000 HTML pages: 8 shards
        (40, 40 * 10**9, 5),  # a few big WARC files: 8 shards too
        (20_000, 10**9, 1000),  # many files: the cap
        (7, 10**9, 1),  # fewer files than shards
    ],
)
def test_a_default_shard_is_an_eighth_of_the_batch_for_every_4_mb_up_to_eight(
    files: int, total_bytes: int, size: int
) -> None:
    assert shard_size(files, total_bytes) == size


def test_a_small_batch_is_one_shard(tmp_path: Path) -> None:
    _files(tmp_path, [1000] * 20)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [20]


def test_a_large_batch_is_cut_into_eight_shards(tmp_path: Path) -> None:
    _files(tmp_path, [MB4 // 4] * 40)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [5] * TARGET_SHARDS


def test_few_large_files_are_not_one_shard(tmp_path: Path) -> None:
    _files(tmp_path, [4 * MB4] * 3)
    assert [len(s.paths) for s in plan_shards(tmp_path, Config())] == [1, 1, 1]


def test_a_changed_file_of_a_large_batch_moves_no_boundary(tmp_path: Path) -> None:
    _files(tmp_path, [MB4 // 4] * 40)
    before = plan_shards(tmp_path, Config())
    (tmp_path / "d0000.txt").write_bytes(b"y" * (MB4 // 2))
    after = plan_shards(tmp_path, Config())
    assert [s.paths for s in after] == [s.paths for s in before]
    assert [s.own for s in after][1:] == [s.own for s in before][1:]


def test_a_shard_never_holds_more_than_the_file_cap() -> None:
    assert shard_size(8 * MAX_SHARD_FILES + 5, 10**10) == MAX_SHARD_FILES


def test_a_shard_size_in_the_settings_is_kept(tmp_path: Path) -> None:
    _files(tmp_path, [MB4 // 4] * 40)
    plan = plan_shards(tmp_path, Config(input=InputConfig(shard_files=16)))
    assert [len(s.paths) for s in plan] == [16, 16, 8]


def test_files_that_give_one_id_share_a_shard_at_a_cut(tmp_path: Path) -> None:
    _files(tmp_path, [10] * 8)
    # Ordered by id then path, d0003.html is the fourth file of the first shard; d0003.txt joins it.
    (tmp_path / "d0003.html").write_bytes(b"x")
    shards = plan_shards(tmp_path, Config(input=InputConfig(shard_files=4)))
    assert [len(s.paths) for s in shards] == [5, 4]
    assert {"d0003.html", "d0003.txt"} <= set(shards[0].paths)
