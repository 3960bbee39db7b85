"""What the benchmark scripts share: how they run the real pipeline command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The environment of a pipeline run from a benchmark: this checkout's package first.
PIPELINE_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def pipeline_command(raw: Path, out: Path, workers: int, config: Path, *extra: str) -> list[str]:
    """``python -m pipeline run`` over ``raw`` into ``out`` with ``workers`` processes and a config file."""
    command = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out)]
    return command + ["--workers", str(workers), "--config", str(config), *extra]
