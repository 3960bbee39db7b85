"""The command line: ``python -m pipeline run [--raw DIR] [--out DIR] [--workers N] ...``.

Only this module talks to the terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import luigi
from luigi.execution_summary import LuigiStatusCode

from pipeline import __version__
from pipeline.config import load_config
from pipeline.corpus import MANIFEST
from pipeline.tasks import CleanCorpus

log = logging.getLogger(__name__)

EXIT_USAGE = 2


def _retcodes() -> dict[LuigiStatusCode, int]:
    """Luigi run status -> exit code, from the ``[retcode]`` settings (shipped defaults in luigi.cfg)."""
    cfg = luigi.configuration.get_config()

    def code(name: str, default: int) -> int:
        return cfg.getint("retcode", name, default)

    return {
        LuigiStatusCode.SUCCESS: 0,
        LuigiStatusCode.SUCCESS_WITH_RETRY: 0,
        LuigiStatusCode.FAILED: code("task_failed", 30),
        LuigiStatusCode.FAILED_AND_SCHEDULING_FAILED: code("task_failed", 30),
        LuigiStatusCode.SCHEDULING_FAILED: code("scheduling_error", 35),
        LuigiStatusCode.NOT_RUN: code("not_run", 25),
        LuigiStatusCode.MISSING_EXT: code("missing_data", 20),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="clean every document under --raw into --out")
    run.add_argument("--raw", default="data/raw", help="folder of raw inputs (default: data/raw)")
    run.add_argument("--out", default="data/clean", help="output folder (default: data/clean)")
    run.add_argument("--workers", type=int, default=1, help="parallel Luigi worker processes (default: 1)")
    run.add_argument("--scheduler-url", default=None, help="central luigid, e.g. http://127.0.0.1:8082")
    run.add_argument("--config", default="", help="TOML file of settings (default: built-in settings)")
    run.add_argument("--log-level", default="WARNING", help="Luigi and pipeline log level (default: WARNING)")
    return parser


def run_command(args: argparse.Namespace) -> int:
    """Build the DAG for one batch and report how it ended."""
    raw = Path(args.raw)
    if not raw.is_dir():
        print(f"error: raw folder {raw} does not exist or is not a folder", file=sys.stderr)
        return EXIT_USAGE
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        load_config(args.config or None)
    except (OSError, ValueError) as exc:
        print(f"error: config {args.config}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(args.out), config_path=args.config)  # type: ignore[call-arg]
    scheduler = {"scheduler_url": args.scheduler_url} if args.scheduler_url else {"local_scheduler": True}
    result = luigi.build(
        [task],
        workers=args.workers,
        detailed_summary=True,
        log_level=args.log_level.upper(),
        **scheduler,
    )
    exit_code = _retcodes().get(result.status, 1)
    manifest_path = Path(args.out) / MANIFEST
    if exit_code == 0 and manifest_path.exists():
        counts = json.loads(manifest_path.read_text(encoding="utf-8"))["counts"]
        print(
            f"{counts['input']} documents: {counts['clean']} clean, {counts['rejected']} rejected"
            f" -> {manifest_path}"
        )
    else:
        print(result.summary_text, file=sys.stderr)
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pipeline`` and the ``textclean`` script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.command == "run":
        return run_command(args)
    return EXIT_USAGE
