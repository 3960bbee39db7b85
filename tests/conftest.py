"""Shared fixtures: paths to the seeds and the eval sets, and a clean Luigi instance cache per test."""

from __future__ import annotations

from pathlib import Path

import luigi.task_register
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(autouse=True)
def fresh_luigi_instances():
    """Luigi caches task instances by parameters; a test must never see another test's instance."""
    luigi.task_register.Register.clear_instance_cache()
    yield
    luigi.task_register.Register.clear_instance_cache()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def eval_dir() -> Path:
    if not EVAL.is_dir():
        pytest.skip("the eval sets (../shared/eval) are not beside this checkout")
    return EVAL
