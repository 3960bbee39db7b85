"""The sample documents of ``seeds/``, copied into the raw folders that tests build."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def copy_seeds(folder: Path, seeds: Iterable[Path] | None = None) -> Path:
    """Copy the seed text files (all of them, or ``seeds``) into ``folder``, made if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")) if seeds is None else seeds:
        (folder / seed.name).write_bytes(seed.read_bytes())
    return folder
