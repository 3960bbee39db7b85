"""What README.md and docs/operations.md tell a user to type works: every command line and Python snippet
of their code blocks that can run on one machine is run, in a temporary folder laid out as the docs
assume; the few that cannot are listed below with the reason. So the docs cannot drift from the program."""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import DOCUMENTS, ROOT, Block, code_blocks
from seed_files import copy_seeds

from pipeline import cli

SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
#: Blocks the docs show that are not run here, by a piece of their text, and why.
NOT_RUN = {
    "pip install": "installs the package (network, minutes): the tests run in that installation",
    "# m h dom mon dow": "a crontab entry (needs cron); its command is the backfill line, run here",
    "luigid --background": "starts luigid with system folders: tests/test_scheduler.py runs this very"
    " block with folders of its own",
}
#: The programs a command line of the docs starts with.
PROGRAMS = ("python ", "python3 ", "luigi ", ".venv/bin/", "LUIGI_CONFIG_PATH=", "install ", "#")
#: Placeholders of the docs and what they stand for in the folder the commands run in.
PLACEHOLDERS = {"OUT": "data/clean"}


def _logical_lines(text: str) -> list[str]:
    """The block's lines with backslash continuations joined."""
    return [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip()]


def _is_command_block(block: Block) -> bool:
    lines = _logical_lines(block.text)
    return bool(lines) and lines[0].startswith(PROGRAMS) and not _is_synopsis(block)


def _is_synopsis(block: Block) -> bool:
    return block.text.startswith("python -m pipeline run [")


def _is_python(block: Block) -> bool:
    return block.text.startswith(("from pipeline", "import "))


def _blocks() -> list[Block]:
    return [block for document in DOCUMENTS for block in code_blocks(document)]


def _not_run(block: Block) -> str | None:
    return next((why for text, why in NOT_RUN.items() if text in block.text), None)


def _shell(line: str, first_id: str) -> str:
    """A line of the docs as this test runs it: this installation's programs, placeholders filled in."""
    line = re.sub(r"\[[^\]]*\]", "", line)  # optional arguments of a usage line
    words = []
    for word in shlex.split(line, comments=True):
        if word in ("python", "python3"):
            word = sys.executable
        elif word == "luigi":
            word = str(BIN / "luigi")
        elif word == "ID":
            word = first_id
        words.append(PLACEHOLDERS.get(word, word))
    return shlex.join(words)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the docs' commands run in: ``data/raw`` with two days of the seeds, and a page."""
    work = tmp_path_factory.mktemp("docs")
    seeds = sorted(SEEDS.glob("*.txt"))
    for day, picked in (("2026-11-20", seeds[:2]), ("2026-11-21", seeds[2:3])):
        copy_seeds(work / "data" / "raw" / day, picked)
    (work / "page.html").write_text(
        "<html><head><title>Budget</title></head><body><nav>Home | World</nav><article><p>"
        + "The council approved the budget on Tuesday after a long debate about schools. " * 3
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    return work


def test_every_command_and_snippet_of_the_docs_runs(folder: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HF_DATASETS_CACHE": str(folder / ".hf-cache"),
        "HF_HUB_OFFLINE": "1",
    }
    ran, failures = [], []
    for block in _blocks():
        if _is_python(block):
            done = subprocess.run(
                [sys.executable, "-c", block.text], cwd=folder, env=env, capture_output=True, text=True
            )
            ran.append(block.where)
            if done.returncode != 0:
                failures.append(f"{block.where}: Python snippet failed\n{done.stderr[-2000:]}")
            continue
        if not _is_command_block(block) or _not_run(block):
            continue
        for line in _logical_lines(block.text):
            if line.startswith("#") or not line.startswith(PROGRAMS):
                continue
            command = _shell(line, _first_id(folder))
            done = subprocess.run(command, shell=True, cwd=folder, env=env, capture_output=True, text=True)
            ran.append(f"{block.where}: {line}")
            if done.returncode != 0:
                failures.append(f"{block.where}: `{line}` exited {done.returncode}\n{done.stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)
    # What the docs promise is there: the days, the undated batch, the report.
    assert (folder / "data" / "clean" / "manifest.json").is_file()
    assert (folder / "data" / "clean" / "2026-11-20" / "manifest.json").is_file()
    assert (folder / "data" / "clean" / "report.html").is_file()
    assert len(ran) >= 12, ran


def _first_id(folder: Path) -> str:
    part = folder / "data" / "clean" / "part-00000.jsonl"
    if not part.is_file():
        return "ID"
    return str(json.loads(part.read_text(encoding="utf-8").splitlines()[0])["id"])


def test_every_line_not_run_is_listed_with_its_reason_and_every_reason_is_used() -> None:
    commands = [block.text for block in _blocks() if _is_command_block(block)]
    used = {text for text in NOT_RUN if any(text in block for block in commands)}
    assert used == set(NOT_RUN), "a reason for a line the docs no longer have"


def test_the_usage_lines_name_only_options_the_command_has(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    shown = capsys.readouterr().out
    synopses = [block for block in _blocks() if _is_synopsis(block)]
    assert synopses
    for block in synopses:
        for option in re.findall(r"--[a-z][a-z-]+", block.text):
            assert option in shown, f"{block.where}: {option}"


def test_the_task_counts_of_the_docs_are_the_dags(tmp_path: Path) -> None:
    from benchmarks.dag_size import count_tasks

    raw = copy_seeds(tmp_path / "raw")
    config = tmp_path / "two-file-shards.toml"
    config.write_text("[input]\nshard_files = 2\n")
    shards = math.ceil(len(list(raw.iterdir())) / 2)
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`8 × shards + 3`" in operations
    assert "`8 x shards + 3`" in readme
    assert count_tasks(raw, config) == 8 * shards + 3
