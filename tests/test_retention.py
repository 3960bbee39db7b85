"""The run's own files stay bounded: a finished run keeps only what the next one reuses, compressed; a
changed input file re-extracts only its shard; ``gc`` tidies folders of earlier runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import luigi
import pytest
from seed_files import copy_seeds

from pipeline import cli
from pipeline.run.locking import output_lock
from pipeline.run.retention import NotFinished, tidy_stages
from pipeline.tasks import CleanCorpus


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return copy_seeds(tmp_path / "raw")


@pytest.fixture
def one_file_shards(tmp_path: Path) -> Path:
    config = tmp_path / "one-file-shards.toml"
    config.write_text("[input]\nshard_files = 1\n")
    return config


def _build(raw: Path, out: Path, config: Path, keep_stages: bool = False) -> list[str]:
    """Clean ``raw`` into ``out`` with the real DAG; the families of the tasks that ran, in order."""
    started: list[str] = []

    def record(task: luigi.Task) -> None:
        started.append(task.get_task_family())

    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(config), keep_stages=keep_stages)
    luigi.Task.event_handler(luigi.Event.START)(record)
    try:
        assert luigi.build([task], local_scheduler=True, workers=1, log_level="WARNING")
    finally:
        luigi.Task._event_callbacks[luigi.Task][luigi.Event.START].discard(record)
    return started


def _stage_files(out: Path) -> list[str]:
    """The run files of ``out`` but the lock (whose empty file stays where a lock was ever taken)."""
    stages = out / "_stages"
    return sorted(str(p.relative_to(stages)) for p in stages.rglob("*") if p.is_file() and p.name != ".lock")


def _published(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.rglob("*") if p.is_file())


def test_a_finished_run_keeps_only_each_shards_extracted_text_compressed(
    raw: Path, one_file_shards: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(raw, out, one_file_shards)
    kept = _stage_files(out)
    # How far each task got (a few bytes each: 7 tasks of 5 shards), for the progress display.
    assert sum(name.startswith("_progress/") for name in kept) == 35
    kept = [name for name in kept if not name.startswith("_progress/")]
    assert kept[0] == "batch.json"
    # Per shard its repaired documents (zstandard) and its line counts; nothing after the barrier.
    assert [name.split("/")[0] for name in kept[1:]] == ["repair_encoding"] * 10
    assert sum(name.endswith(".jsonl.zst") for name in kept) == 5
    assert sum(name.endswith(".counts.json") for name in kept) == 5


def test_a_changed_file_re_extracts_only_its_shard_and_the_output_is_a_fresh_runs(
    raw: Path, one_file_shards: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(raw, out, one_file_shards)
    changed = sorted(raw.iterdir())[2]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nOne more paragraph arrived with the update.\n"
    )
    ran = _build(raw, out, one_file_shards)
    # Reading, extraction and repair of the four untouched shards are not redone; the rest is, everywhere.
    assert [ran.count(family) for family in ("ReadDocuments", "ExtractText", "RepairEncoding")] == [1, 1, 1]
    assert ran.count("StripBoilerplate") == ran.count("WriteShard") == 5
    fresh = tmp_path / "fresh"
    _build(raw, fresh, one_file_shards)
    assert _published(out) == _published(fresh)
    # The changed shard's old files went with the run that replaced them.
    assert _stage_files(out) == _stage_files(fresh)


def test_keep_stages_keeps_the_batch_and_a_changed_setting_leaves_nothing_stale(
    raw: Path, one_file_shards: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(raw, out, one_file_shards, keep_stages=True)
    every = _stage_files(out)
    folders = {name.split("/")[0] for name in every if "/" in name}
    assert {"read_documents", "strip_boilerplate", "tag_metadata", "write", "find_duplicates"} <= folders
    # Another setting: a new batch. Whatever the first one kept is stale and goes.
    other = tmp_path / "two-file-shards.toml"
    other.write_text("[input]\nshard_files = 2\n")
    _build(raw, out, other)
    fresh = tmp_path / "fresh"
    _build(raw, fresh, other)
    assert _stage_files(out) == _stage_files(fresh)


def test_gc_tidies_finished_days_and_leaves_unfinished_and_locked_ones_alone(
    raw: Path, one_file_shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "clean"
    for day in ("2026-11-18", "2026-11-19", "2026-11-20"):
        _build(raw, root / day, one_file_shards, keep_stages=True)
    full = sorted(_files(root / "2026-11-18"))
    # A run that has planned a new batch and not published it yet: its files are still needed.
    record = root / "2026-11-19" / "_stages" / "batch.json"
    record.write_text(record.read_text().replace('"fingerprint": "', '"fingerprint": "0'))
    with output_lock(root / "2026-11-20"):
        assert cli.main(["gc", str(root)]) == 10
    shown = capsys.readouterr()
    assert f"{root / '2026-11-18'}: removed " in shown.out
    assert "2026-11-19: left alone" in shown.err and "2026-11-20: left alone" in shown.err
    tidied = sorted(_files(root / "2026-11-18"))
    assert len(tidied) < len(full)
    assert _stage_files(root / "2026-11-18") == _stage_files_of_a_default_run(raw, one_file_shards, tmp_path)
    assert len(_stage_files(root / "2026-11-20")) > len(_stage_files(root / "2026-11-18"))
    with pytest.raises(NotFinished):
        tidy_stages(root / "2026-11-19")


def _stage_files_of_a_default_run(raw: Path, config: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "default"
    _build(raw, out, config)
    return _stage_files(out)


def test_gc_leaves_a_batch_being_built_alone(raw: Path, one_file_shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(raw, out, one_file_shards, keep_stages=True)
    # A new batch is planned (a changed file) and its first shard's chain is done; with luigid no run
    # holds the folder's lock, so only the record of the batch being built protects its files.
    changed = sorted(raw.iterdir())[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA late correction.\n")
    luigi.task_register.Register.clear_instance_cache()
    corpus = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(one_file_shards))
    first = corpus.requires()[0]
    assert luigi.build([first], local_scheduler=True, workers=1, log_level="WARNING")
    built = _stage_files(out)
    with pytest.raises(NotFinished):
        tidy_stages(out)
    assert _stage_files(out) == built
