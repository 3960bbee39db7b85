"""The command line: ``python -m pipeline run [--raw DIR] [--out DIR] [--workers N] ...``.

``--date D`` cleans one day (``RAW/D`` into ``OUT/D``), ``--from D1 --to D2`` backfills the days of
that range that are missing through Luigi's ``RangeDaily``. Only this module talks to the terminal.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import luigi
import luigi.execution_summary
import luigi.rpc
from luigi.retcodes import retcode
from luigi.tools.range import RangeDaily

from pipeline import __version__, storage
from pipeline.clean.chain import preload_models
from pipeline.clean.readers import may_hold_html
from pipeline.config import load_config
from pipeline.run.layout import manifest_file
from pipeline.run.locking import AlreadyRunning, output_locks
from pipeline.run.progress import ProgressReporter
from pipeline.run.tasks import CleanCorpus, CleanDay, apply_shipped_luigi_config, day_dir
from pipeline.tools.inspect import UnknownDocument, format_inspection, inspect_document
from pipeline.tools.output import NotAnOutputFolder, read_manifest
from pipeline.tools.report import REPORT, write_report
from pipeline.tools.stats import corpus_stats, format_table
from pipeline.tools.verify import verify_output

log = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3  # `inspect`: no document has that id


def exit_code(result: luigi.execution_summary.LuigiRunResult, roots: Sequence[luigi.Task]) -> int:
    """The exit code of a run, from the ``[retcode]`` settings (shipped defaults in luigi.cfg).

    0 when every root task is complete afterwards. Otherwise the same classification the ``luigi``
    command makes (``luigi.retcodes.run_with_retcodes``): the largest code among missing data, a
    failed task, a task held by another worker (already running), a scheduling error and "not run".
    """
    if all(task.complete() for task in roots):
        return 0
    codes = retcode()
    found = {name for name, tasks in luigi.execution_summary._summary_dict(result.worker).items() if tasks}
    candidates = (
        (codes.missing_data, "still_pending_ext"),
        (codes.task_failed, "failed"),
        (codes.already_running, "run_by_other_worker"),
        (codes.scheduling_error, "scheduling_error"),
        (codes.not_run, "not_run"),
    )
    return max([code for code, status in candidates if status in found], default=codes.not_run)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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
    dated = run.add_mutually_exclusive_group()
    dated.add_argument("--date", type=_date, help="clean one day: RAW/DATE into OUT/DATE (YYYY-MM-DD)")
    dated.add_argument("--from", dest="date_from", type=_date, help="first day of a backfill (with --to)")
    run.add_argument("--to", dest="date_to", type=_date, help="last day of a backfill, inclusive")
    _add_inspection_commands(sub, run)
    return parser


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _backfill(args: argparse.Namespace) -> RangeDaily:
    """``RangeDaily --of CleanDay`` over exactly ``--from`` .. ``--to``, however far from today."""
    first, last = args.date_from, args.date_to
    today = datetime.date.today()
    return RangeDaily(
        of=CleanDay,
        of_params={"raw_root": str(args.raw), "out_root": str(args.out), "config_path": args.config},
        start=first,
        stop=last + datetime.timedelta(days=1),
        # RangeDaily only looks 100 days back and 0 days ahead of today, and requires at most 50
        # days per run by default; a backfill asked for by date means every day of it.
        days_back=max(0, (today - first).days + 1),
        days_forward=max(0, (last - today).days + 1),
        task_limit=len(_days(first, last)),
        param_name="date",
    )


def _check_args(args: argparse.Namespace) -> str | None:
    """A usage error message, or None."""
    for location in (args.raw, args.out):
        if storage.is_remote(location):
            try:
                storage.filesystem(location)
            except storage.MissingBackend as exc:
                return str(exc)
    if not storage.is_dir(args.raw):
        return f"raw folder {args.raw} does not exist or is not a folder"
    if storage.same_location(args.out, args.raw):
        return "--out is the --raw folder itself: give the output its own folder (it may lie inside --raw)"
    if args.workers < 1:
        return "--workers must be at least 1"
    if (args.date_from is None) != (args.date_to is None):
        return "--from and --to go together"
    if args.date_from is not None and args.date_to < args.date_from:
        return "--to is before --from"
    try:
        load_config(args.config or None)
    except (OSError, ValueError) as exc:
        return f"config {args.config}: {exc}"
    return None


def _report_corpus(out: str) -> str:
    counts = read_manifest(out)["counts"]
    summary = f"{counts['input']} documents: {counts['clean']} clean, {counts['rejected']} rejected"
    return f"{summary} -> {manifest_file(out)}"


def run_command(args: argparse.Namespace) -> int:
    """Build the DAG for one batch, one day or a range of days, and report how it ended."""
    error = _check_args(args)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    # The shipped luigi.cfg fills in what the user's own Luigi config leaves unset (exit codes among them).
    apply_shipped_luigi_config()
    raw, out = str(args.raw), str(args.out)
    days: list[datetime.date] = []
    task: luigi.Task
    if args.date is not None:
        days = [args.date]
        task = CleanDay(date=args.date, raw_root=raw, out_root=out, config_path=args.config)
        folders = [day_dir(out, args.date)] if storage.is_dir(day_dir(raw, args.date)) else []
    elif args.date_from is not None:
        days = _days(args.date_from, args.date_to)
        task = _backfill(args)
        folders = [day_dir(out, d) for d in days if storage.is_dir(day_dir(raw, d))]
    else:
        task = CleanCorpus(raw_dir=raw, out_dir=out, config_path=args.config)  # type: ignore[call-arg]
        folders = [out]
    scheduler: dict[str, Any] = {"local_scheduler": True}
    # The central scheduler already gives each task to one worker at a time, across hosts; the file
    # lock is for the local scheduler, which cannot see other processes.
    locks: AbstractContextManager[None] = output_locks(folders)
    if args.scheduler_url:
        scheduler = {"scheduler_url": args.scheduler_url}
        locks = nullcontext()
    # Live progress is shown for an undated batch; days and ranges report per day when done.
    stop_progress = _start_progress(args, task) if isinstance(task, CleanCorpus) else (lambda: None)
    if args.workers > 1:
        # Loaded once here and inherited by the forked task processes, not loaded in each.
        pairs = [(day_dir(raw, d), day_dir(out, d)) for d in days] if days else [(raw, out)]
        preload_models(html=any(may_hold_html(r, exclude=o) for r, o in pairs if storage.is_dir(r)))
        # Luigi forks a process per task from this one. Frozen, the inherited objects are left out of
        # the children's garbage collections, which otherwise touch every object's header and so copy
        # every page of it (copy-on-write) again in each task. 2000 text documents, 3 runs each way,
        # medians frozen against not: minor page faults 277k against 444k, CPU 41.6 against 44.2 s,
        # wall 22.3 against 23.7 s.
        gc.freeze()
    try:
        with locks:
            result = luigi.build(
                [task],
                workers=args.workers,
                detailed_summary=True,
                log_level=args.log_level.upper(),
                **scheduler,
            )
    except AlreadyRunning as exc:
        stop_progress()
        print(f"error: {exc}", file=sys.stderr)
        return retcode().already_running
    except luigi.rpc.RPCError as exc:
        stop_progress()
        print(f"error: central scheduler {args.scheduler_url} unreachable: {exc}", file=sys.stderr)
        return retcode().unhandled_exception
    stop_progress()
    code = exit_code(result, [task])
    if code == 0 and not days:
        print(_report_corpus(out))
    for day in days:
        if not storage.is_dir(day_dir(raw, day)):
            print(f"{day}: no raw data in {day_dir(raw, day)}", file=sys.stderr if args.date else sys.stdout)
        elif storage.exists(manifest_file(day_dir(out, day))):
            print(f"{day}: {_report_corpus(day_dir(out, day))}")
    if code != 0:
        print(result.summary_text, file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pipeline`` and the ``textclean`` script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.command == "run":
        return run_command(args)
    if hasattr(args, "handler"):
        try:
            return int(args.handler(args))
        except storage.MissingBackend as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
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
    verify = sub.add_parser("verify", help="check an output folder: counts, parts, unique ids, schema")
    verify.add_argument("out", help="an output folder of `run`")
    verify.set_defaults(handler=verify_command, log_level="WARNING")


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
    target = args.output or storage.join(args.out, REPORT)
    try:
        write_report(args.out, target, sample=args.sample)
    except NotAnOutputFolder as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"report -> {target}")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Check an output folder; exit 1 and list the problems when something is off."""
    problems = verify_output(args.out)
    if problems:
        print(f"{args.out}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"{args.out}: ok")
    return 0
