"""The command line: ``python -m pipeline run [--raw DIR] [--out DIR] [--workers N] ...``.

Only this module talks to the terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import luigi
from luigi.execution_summary import LuigiStatusCode

from pipeline import __version__
from pipeline.config import load_config
from pipeline.corpus import MANIFEST
from pipeline.inspect_doc import UnknownDocument, format_inspection, inspect_document
from pipeline.progress import ProgressReporter
from pipeline.report import REPORT, write_report
from pipeline.stats import NotAnOutputFolder, corpus_stats, format_table
from pipeline.tasks import CleanCorpus

log = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3  # `inspect`: no document has that id


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
    _add_inspection_commands(sub, run)
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
    stop_progress = _start_progress(args, task)
    result = luigi.build(
        [task],
        workers=args.workers,
        detailed_summary=True,
        log_level=args.log_level.upper(),
        **scheduler,
    )
    stop_progress()
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
    if hasattr(args, "handler"):
        return int(args.handler(args))
    return EXIT_USAGE


# --- seeing what a run did: progress of `run`, and the `inspect`, `stats`, `report` commands ---


def _add_inspection_commands(sub: argparse._SubParsersAction, run: argparse.ArgumentParser) -> None:
    """The ``--progress`` option of ``run`` and the commands that read an output folder."""
    run.add_argument(
        "--progress",
        choices=("auto", "bar", "log", "none"),
        default="auto",
        help="progress on stderr: a live line on a terminal (bar), a line per 10%% or minute (log);"
        " auto picks bar on a terminal, log otherwise (default: auto)",
    )
    inspect = sub.add_parser("inspect", help="show one document with its removed lines in place")
    inspect.add_argument("out", help="an output folder of `run`")
    inspect.add_argument("id", help="the document id (clean or rejected)")
    inspect.set_defaults(handler=inspect_command, log_level="WARNING")
    stats = sub.add_parser("stats", help="headline numbers of an output folder")
    stats.add_argument("out", help="an output folder of `run`")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(handler=stats_command, log_level="WARNING")
    report = sub.add_parser("report", help="write a self-contained HTML report (OUT/report.html)")
    report.add_argument("out", help="an output folder of `run`")
    report.add_argument("--output", default="", help="where to write it (default: OUT/report.html)")
    report.add_argument(
        "--sample", type=int, default=20, help="documents shown with their removals (default: 20)"
    )
    report.set_defaults(handler=report_command, log_level="WARNING")


def _start_progress(args: argparse.Namespace, task: CleanCorpus) -> Callable[[], None]:
    """Start polling the batch's progress files; return the function that stops it."""
    mode = getattr(args, "progress", "auto")
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "log"
    if mode == "none":
        return lambda: None
    reporter = ProgressReporter(args.out, task.shards, sys.stderr, live=mode == "bar")
    reporter.__enter__()
    return reporter.stop


def inspect_command(args: argparse.Namespace) -> int:
    """Print one document of an output folder, removed lines marked with their rule."""
    try:
        found = inspect_document(args.out, args.id)
    except NotAnOutputFolder as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownDocument:
        print(
            f"error: no document with id {args.id!r} in {args.out} (neither clean nor rejected)",
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    print(format_inspection(found))
    return 0


def stats_command(args: argparse.Namespace) -> int:
    """Print the headline numbers of an output folder as a table or JSON."""
    try:
        headline = corpus_stats(args.out).headline()
    except NotAnOutputFolder as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(headline, indent=2, ensure_ascii=False) if args.json else format_table(headline))
    return 0


def report_command(args: argparse.Namespace) -> int:
    """Write the HTML report of an output folder."""
    target = Path(args.output) if args.output else Path(args.out) / REPORT
    try:
        write_report(args.out, target, sample=args.sample)
    except NotAnOutputFolder as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"report -> {target}")
    return 0
