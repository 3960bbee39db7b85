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
import os
import sys
import urllib.error
import urllib.request
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
from pipeline.config import load_config
from pipeline.run.files import list_folders
from pipeline.run.layout import manifest_file, stages_dir
from pipeline.run.locking import AlreadyRunning, output_lock, output_locks
from pipeline.run.progress import ProgressReporter
from pipeline.run.retention import NotFinished, tidy_stages
from pipeline.run.tasks import CleanCorpus, CleanDay, apply_shipped_luigi_config, day_dir
from pipeline.tools.inspect import UnknownDocument, format_inspection, inspect_document
from pipeline.tools.output import NotAnOutputFolder, read_manifest
from pipeline.tools.report import REPORT, write_report
from pipeline.tools.stats import corpus_stats, format_table
from pipeline.tools.verify import verify_output

log = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3  # `inspect`: no document has that id
#: What a shell reports for a program killed by SIGPIPE (128 + 13): ``stats OUT | head`` stopped reading.
EXIT_BROKEN_PIPE = 141
#: What ``--help`` says about the program as a whole.
DESCRIPTION = (
    "Clean raw web documents (.txt, .html, .jsonl, .warc, compressed) into JSON Lines corpora. "
    "`run` cleans a folder, one day (--date) or a range of days (--from/--to); "
    "`inspect`, `stats`, `report` and `verify` read an output folder."
)
#: Seconds the scheduler probe waits for luigid: on loopback or a LAN it answers in milliseconds, and
#: Luigi's own RPC retries would take minutes (3 attempts, 30 s apart) to say the same.
SCHEDULER_PROBE_SECONDS = 5.0


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
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=DESCRIPTION)
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
    run.add_argument(
        "--keep-stages",
        action="store_true",
        help="keep every intermediate file of the finished batch under OUT/_stages (default: only the"
        " extracted text of each shard, reused when another shard's input changes)",
    )
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
        of_params={
            "raw_root": str(args.raw),
            "out_root": str(args.out),
            "config_path": args.config,
            "keep_stages": args.keep_stages,
        },
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


def scheduler_unreachable(url: str, timeout: float = SCHEDULER_PROBE_SECONDS) -> str | None:
    """Why the central scheduler at ``url`` cannot be reached (one short HTTP GET), or None if it answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # something answers there; Luigi's own calls say whether it is luigid
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason) or type(reason).__name__


def run_command(args: argparse.Namespace) -> int:
    """Build the DAG for one batch, one day or a range of days, and report how it ended."""
    error = _check_args(args)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.scheduler_url:
        why = scheduler_unreachable(args.scheduler_url)
        if why is not None:
            print(f"error: central scheduler {args.scheduler_url} unreachable: {why}", file=sys.stderr)
            return int(retcode().unhandled_exception)
    # The shipped luigi.cfg fills in what the user's own Luigi config leaves unset (exit codes among them).
    apply_shipped_luigi_config()
    # main() has set up logging for every logger, Luigi's included. Luigi's own setup would add a
    # second handler to 'luigi-interface', whose messages also reach the root logger's: each twice.
    luigi.configuration.get_config().set("core", "no_configure_logging", "true")
    raw, out = str(args.raw), str(args.out)
    days: list[datetime.date] = []
    task: luigi.Task
    undated: list[CleanCorpus] = []
    if args.date is not None:
        days = [args.date]
        task = CleanDay(
            date=args.date, raw_root=raw, out_root=out, config_path=args.config, keep_stages=args.keep_stages
        )
    elif args.date_from is not None:
        days = _days(args.date_from, args.date_to)
        task = _backfill(args)
    else:
        task = CleanCorpus(  # type: ignore[call-arg]
            raw_dir=raw, out_dir=out, config_path=args.config, keep_stages=args.keep_stages
        )
        undated = [task]
    # The batches this run may write: the folder, or each day that has raw data.
    corpora = {day: _day_corpus(args, day) for day in days if storage.is_dir(day_dir(raw, day))}
    batches = list(corpora.values()) or undated
    scheduler: dict[str, Any] = {"local_scheduler": True}
    # The central scheduler already gives each task to one worker at a time, across hosts; the file
    # lock is for the local scheduler, which cannot see other processes.
    locks: AbstractContextManager[None] = output_locks(b.out_dir for b in batches)
    if args.scheduler_url:
        scheduler = {"scheduler_url": args.scheduler_url}
        locks = nullcontext()
    stop_progress: Callable[[], None] = lambda: None  # noqa: E731
    try:
        with locks:
            # A finished batch costs its completeness check (a stat of each raw file), nothing more.
            pending = [b for b in batches if not b.complete()]
            if args.workers > 1 and pending:
                _preload_for_workers()
            if pending:
                stop_progress = _start_progress(args, pending)
            result = luigi.build([task], workers=args.workers, detailed_summary=True, **scheduler)
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(retcode().already_running)
    except luigi.rpc.RPCError as exc:
        print(f"error: central scheduler {args.scheduler_url} unreachable: {exc}", file=sys.stderr)
        return int(retcode().unhandled_exception)
    finally:
        stop_progress()
    code = exit_code(result, [task])
    if not days:
        if code == 0:
            print(_report_corpus(out) if task in pending else f"already complete: {_report_corpus(out)}")
    else:
        for line in day_report(raw, days, corpora, pending):
            print(line, file=sys.stderr if args.date and "no raw data" in line else sys.stdout)
    if code != 0:
        print(result.summary_text, file=sys.stderr)
    return code


def _day_corpus(args: argparse.Namespace, day: datetime.date) -> CleanCorpus:
    raw, out = str(args.raw), str(args.out)
    day_task = CleanDay(
        date=day, raw_root=raw, out_root=out, config_path=args.config, keep_stages=args.keep_stages
    )
    return day_task.corpus()


def _preload_for_workers() -> None:
    """Load the models once here, for the forked task processes to inherit instead of loading each."""
    preload_models()
    # Luigi forks a process per task from this one. Frozen, the inherited objects are left out of
    # the children's garbage collections, which otherwise touch every object's header and so copy
    # every page of it (copy-on-write) again in each task. 2000 text documents, 3 runs each way,
    # medians frozen against not: minor page faults 277k against 444k, CPU 41.6 against 44.2 s,
    # wall 22.3 against 23.7 s.
    gc.freeze()


def day_report(
    raw: str,
    days: Sequence[datetime.date],
    corpora: dict[datetime.date, CleanCorpus],
    pending: Sequence[CleanCorpus],
) -> list[str]:
    """One line per day of a dated run: cleaned, already complete, not complete, or no raw data; a run
    of consecutive days without raw data is one line. ``corpora`` are the days that have raw data,
    ``pending`` those of them that were not complete when the run started."""
    lines: list[str] = []
    empty: list[datetime.date] = []

    def flush_empty() -> None:
        if len(empty) == 1:
            lines.append(f"{empty[0]}: no raw data in {day_dir(raw, empty[0])}")
        elif empty:
            lines.append(f"{empty[0]} .. {empty[-1]}: no raw data in {raw} ({len(empty)} days)")
        empty.clear()

    for day in days:
        corpus = corpora.get(day)
        if corpus is None:
            empty.append(day)
            continue
        flush_empty()
        folder = corpus.out_dir
        if not corpus.complete():
            lines.append(f"{day}: not complete, see the summary below")
        elif corpus in pending:
            lines.append(f"{day}: cleaned, {_report_corpus(folder)}")
        else:
            lines.append(f"{day}: already complete, {_report_corpus(folder)}")
    flush_empty()
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pipeline`` and the ``textclean`` script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "run":
            return run_command(args)
        if hasattr(args, "handler"):
            return int(args.handler(args))
    except storage.MissingBackend as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`stats OUT | head`): stop quietly, as `cat` does. stdout goes to
        # /dev/null so that the interpreter's final flush does not raise the same error again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
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
    gc_ = sub.add_parser("gc", help="remove intermediate files a finished output no longer needs")
    gc_.add_argument("out", help="an output folder of `run`, or the --out of dated runs (every day in it)")
    gc_.add_argument(
        "--keep-stages", action="store_true", help="keep every file of each folder's current batch"
    )
    gc_.set_defaults(handler=gc_command, log_level="WARNING")


def _start_progress(args: argparse.Namespace, batches: Sequence[CleanCorpus]) -> Callable[[], None]:
    """Start polling the batches' progress files; return the function that stops it."""
    mode = getattr(args, "progress", "auto")
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "log"
    if mode == "none":
        return lambda: None
    plans = lambda: [(b.out_dir, b.shards()) for b in batches]  # noqa: E731
    reporter = ProgressReporter(plans, sys.stderr, live=mode == "bar")
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


def _holds_a_run(folder: str) -> bool:
    """Whether ``folder`` is the output folder of a run (it has run files or a manifest)."""
    return storage.is_dir(stages_dir(folder)) or storage.exists(manifest_file(folder))


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def gc_command(args: argparse.Namespace) -> int:
    """Tidy the run files of an output folder, or of every day folder under it."""
    root = str(args.out)
    if not storage.is_dir(root):
        print(f"error: {root} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    if _holds_a_run(root):
        folders = [root]
    else:
        folders = [storage.join(root, name) for name in list_folders(root)]
        folders = [folder for folder in folders if _holds_a_run(folder)]
    code = 0
    for folder in folders:
        try:
            with output_lock(folder):
                done = tidy_stages(folder, keep_all=args.keep_stages)
        except AlreadyRunning as exc:
            print(f"{folder}: left alone, {exc}", file=sys.stderr)
            code = max(code, int(retcode().already_running))
            continue
        except NotFinished as exc:
            print(f"{folder}: left alone, {exc}", file=sys.stderr)
            continue
        print(
            f"{folder}: removed {done.removed_files} files ({_megabytes(done.removed_bytes)}),"
            f" kept {done.kept_files} ({_megabytes(done.kept_bytes)})"
        )
    return code
