"""The command line as an operator meets it: its help, its messages, how it ends when cut off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _pipeline(*argv: str, stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline ...`` in its own process, as cron or a shell starts it."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_help_speaks_to_the_user(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out
    assert "``" not in shown and ":mod:" not in shown and "this module" not in shown
    assert "inspect" in shown and "--date" in shown


def test_a_luigi_warning_is_printed_once(tmp_path: Path) -> None:
    # A day without raw data: Luigi warns that the external RawDay task is missing.
    (tmp_path / "raw").mkdir()
    done = _pipeline(
        "run", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--date", "2026-11-19"
    )
    assert done.returncode == 20
    assert done.stderr.count("does not exist (yet?)") == 1, done.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        cli.main(
            ["run", "--raw", str(SEEDS), "--out", str(out), "--log-level", "ERROR", "--progress", "none"]
        )
        == 0
    )
    read, write = os.pipe()
    os.close(read)  # `stats OUT | head` once head has exited: every write fails with EPIPE
    try:
        done = _pipeline("stats", str(out), stdout=write)
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == cli.EXIT_BROKEN_PIPE
