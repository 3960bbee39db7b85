"""The speed benchmark runs end to end on a tiny corpus and reports what the docs quote from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.heldout import GRID, Page, rotations, setting_label
from benchmarks.quality import catastrophic_pages, page_score
from benchmarks.references import cache_key, missing_libraries
from benchmarks.speed import paired_ratios, round_shares
from pipeline.config import ExtractConfig

ROOT = Path(__file__).resolve().parent.parent


def test_round_shares_pair_each_pipeline_run_with_its_own_in_process_run() -> None:
    rounds = [
        {"seconds": 10.0, "cpu": 20.0, "in_seconds": 9.0, "in_cpu": 19.0},
        {"seconds": 12.0, "cpu": 20.0, "in_seconds": 9.0, "in_cpu": 15.0},
        {"seconds": 10.0, "cpu": 20.0, "in_seconds": 8.0, "in_cpu": 18.0},
    ]
    text = round_shares(rounds)
    assert "wall 10%, 25%, 20% (median 20%)" in text
    assert "CPU 5%, 25%, 10% (median 10%)" in text


def test_paired_ratios_divide_each_pipeline_run_by_the_reference_run_beside_it() -> None:
    rounds = [
        {"seconds": 12.0, "cpu": 24.0, "ref_seconds": 10.0, "ref_cpu": 20.0},
        {"seconds": 9.0, "cpu": 22.0, "ref_seconds": 10.0, "ref_cpu": 20.0},
        {"seconds": 10.0, "cpu": 21.0, "ref_seconds": 8.0, "ref_cpu": 20.0},
    ]
    text = paired_ratios(rounds, "trafilatura")
    assert "over trafilatura run right after it" in text
    assert "wall 1.20x, 0.90x, 1.25x (median 1.20x)" in text
    assert "CPU 1.20x, 1.10x, 1.05x (median 1.10x)" in text


def test_speed_benchmark_runs_the_pipeline_and_the_references(eval_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "speed.json"
    command = [
        sys.executable,
        "benchmarks/speed.py",
        "--eval",
        str(eval_dir),
        "--kind",
        "text",
        "--docs",
        "12",
        "--workers",
        "1",
        "--shard-files",
        "4",
        "--repeat",
        "2",
        "--json",
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Orchestration share round by round" in done.stdout
    assert "Pipeline time over ftfy.fix_text run right after it" in done.stdout
    (row,) = json.loads(out.read_text(encoding="utf-8"))
    assert row["docs"] == 12 and len(row["rounds"]) == 2
    assert set(row["reference_seconds"]) == {"ftfy.fix_text", "C4 line filter"}
    assert all(r["seconds"] > 0 and r["in_seconds"] > 0 and r["ref_seconds"] > 0 for r in row["rounds"])
    assert row["reference_cpu_seconds"]["ftfy.fix_text"] > 0
    assert row["stage_seconds"]["strip_boilerplate"] > 0


def test_compare_reports_what_differs_between_two_output_folders(tmp_path: Path) -> None:
    from benchmarks.compare import differences

    def folder(name: str, text: str, reason: str, stages: list[str]) -> Path:
        out = tmp_path / name
        out.mkdir()
        (out / "part-00000.jsonl").write_text(json.dumps({"id": "a", "text": text}) + "\n")
        (out / "rejected.jsonl").write_text(json.dumps({"id": "b", "reason": reason}) + "\n")
        manifest = {"parts": ["part-00000.jsonl"], "rejected": "rejected.jsonl", "stages": stages}
        (out / "manifest.json").write_text(json.dumps(manifest))
        return out

    base = folder("base", "Same text.", "empty", ["read"])
    assert differences(base, folder("same", "Same text.", "empty", ["read"])) == []
    found = differences(base, folder("other", "Other text.", "binary", ["read", "tag"]))
    assert found == [
        "part-00000.jsonl a: text differ",
        "rejected.jsonl b: reason differ",
        "manifest stages: ['read'] against ['read', 'tag']",
    ]


def test_page_score_is_bow_f1_else_the_pages_own_snippet_f1() -> None:
    assert page_score({"id": "a", "bow_f1": "0.5000", "snip_tp": ""}) == 0.5
    # 1 snippet found, 1 kept that should not be, 1 missing: 2 / (2 + 1 + 1)
    assert page_score({"id": "b", "bow_f1": "", "snip_tp": "1", "snip_fp": "1", "snip_fn": "1"}) == 0.5
    assert page_score({"id": "c", "bow_f1": "", "snip_tp": "0", "snip_fp": "0", "snip_fn": "0"}) is None
    assert page_score({"id": "d", "bow_f1": "", "snip_tp": ""}) is None


def test_a_catastrophic_page_is_far_below_both_references() -> None:
    ours = {"lost": 0.1, "below_one": 0.1, "close": 0.5, "no_reference": 0.0}
    references = {
        "trafilatura": {"lost": 0.9, "below_one": 0.9, "close": 0.79},
        "readability": {"lost": 0.5, "below_one": 0.3, "close": 0.95},
    }
    assert catastrophic_pages(ours, references) == ["lost"]
    assert catastrophic_pages(ours, {}) == []


@pytest.mark.skipif(bool(missing_libraries()), reason="the bench extra (reference extractors) is missing")
def test_quality_benchmark_scores_the_pipeline_beside_the_references(eval_dir: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "quality.json", tmp_path / "cache"
    command = [sys.executable, "benchmarks/quality.py", "--eval", str(eval_dir), "--sets", "cleaneval-dev"]
    command += ["--input", "html", "--limit", "3", "--workers", "1"]
    command += ["--json", str(out), "--cache", str(cache)]
    for _ in range(2):  # the second run reads the references from the cache
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert "| catastrophic |" in done.stdout and "Catastrophic pages" in done.stdout
    (row,) = json.loads(out.read_text(encoding="utf-8"))
    assert row["pages"] == 3 and row["set"] == "cleaneval-dev"
    assert 0 < row["trafilatura"] <= 1 and 0 < row["readability"] <= 1
    assert isinstance(row["catastrophic"], list)
    (trafilatura_cache,) = (cache / cache_key("trafilatura")).glob("*.json")
    assert len(json.loads(trafilatura_cache.read_text(encoding="utf-8"))) == 3


def _page(name: str, ours: float, other: float, doubt: float) -> Page:
    """A page whose left-out prose is ``doubt`` times its kept text and whose readability text extends it."""
    left_out = ["A sentence long enough to read as prose, it says, and it ends with a full stop."] * 20
    prose = sum(len(line) for line in left_out)
    kept = "w " * int(prose / doubt / 2)
    return Page(name, f"{name}-{ours}-{other}", kept, left_out, kept * 3, [], ours, other)


def test_each_held_out_setting_is_tuned_on_the_other_sets_only() -> None:
    # Readability's text helps on three sets and hurts on the fourth: tuned without the fourth, the
    # second opinion is on, and the fourth's held-out score shows the loss that its in-sample tuning hides.
    pages = [_page(name, 0.5, 0.9, 5.0) for name in ("zyte-aeb", "wcxb-dev", "trafilatura-eval")]
    pages.append(_page("cleaneval-dev", 0.9, 0.2, 5.0))
    table = rotations(pages)
    cleaneval, zyte = table["sets"]["cleaneval-dev"], table["sets"]["zyte-aeb"]
    assert cleaneval["held_out_setting"] != "off"
    assert cleaneval["held_out"] == pytest.approx(0.2) and cleaneval["off"] == pytest.approx(0.9)
    assert zyte["held_out"] == pytest.approx(0.9) and zyte["off"] == pytest.approx(0.5)


def test_grid_starts_with_the_second_opinion_off_and_holds_the_shipped_setting() -> None:
    assert GRID[0].second_opinion_doubt == 0
    assert setting_label(GRID[0]) == "off"
    assert any(cfg == ExtractConfig() for cfg in GRID)
