"""`python -m pipeline verify`: a good folder passes; each kind of damage is reported and exits non-zero."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import luigi
import pytest

from pipeline.cli import main
from pipeline.tasks import CleanCorpus
from pipeline.tools.verify import verify_output

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def good_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, raw / seed.name)
    (raw / "empty.txt").write_bytes(b"")
    out = tmp_path_factory.mktemp("out")
    luigi.task_register.Register.clear_instance_cache()
    assert luigi.build(
        [CleanCorpus(raw_dir=str(raw), out_dir=str(out))], local_scheduler=True, log_level="WARNING"
    )
    return out


def _copy(good: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(good, out, ignore=shutil.ignore_patterns("_stages"))
    return out


def test_a_fresh_run_verifies(good_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_output(good_output) == []
    assert main(["verify", str(good_output)]) == 0
    assert "ok" in capsys.readouterr().out


def _damage_counts(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["counts"]["clean"] += 1
    (out / "manifest.json").write_text(json.dumps(manifest))


def _damage_part(out: Path) -> None:
    part = out / "part-00000.jsonl"
    part.write_text(part.read_text()[:-40] + "\n")


def _damage_schema(out: Path) -> None:
    part = out / "part-00000.jsonl"
    lines = part.read_text().splitlines()
    record = json.loads(lines[0])
    del record["metadata"]["content_hash"]
    part.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")


def _damage_ids(out: Path) -> None:
    part = out / "part-00000.jsonl"
    lines = part.read_text().splitlines()
    part.write_text("\n".join([lines[0], *lines[1:], lines[0]]) + "\n")


def _damage_missing_part(out: Path) -> None:
    (out / "part-00000.jsonl").unlink()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_damage_counts, "the manifest says"),
        (_damage_part, "cannot be read"),
        (_damage_schema, "content_hash"),
        (_damage_ids, "also in"),
        (_damage_missing_part, "missing"),
    ],
    ids=["counts", "truncated-part", "schema", "duplicate-id", "missing-part"],
)
def test_damage_is_reported(
    good_output: Path, tmp_path: Path, damage, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _copy(good_output, tmp_path)
    damage(out)
    problems = verify_output(out)
    assert any(expected in p for p in problems), problems
    assert main(["verify", str(out)]) == 1
    assert expected in capsys.readouterr().err


def test_a_folder_without_manifest_is_reported(tmp_path: Path) -> None:
    assert "does not exist" in verify_output(tmp_path)[0]
