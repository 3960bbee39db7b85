"""Where the wall time of a pipeline run goes: every task's start and end, and the idle processes.

    python -m benchmarks.timeline --raw DIR [--workers 2] [--config speed.toml] [--out timeline.jsonl]

Runs the real command line (``pipeline.cli.main``, local scheduler) in this process with Luigi event
handlers that note when each task starts and ends (they run in the task's own process), then prints:

- start-up: from the start of this script (once Python and Luigi are imported) to the first task
  (importing the pipeline, planning, preloading the models);
- per task family: how many tasks, their summed duration and CPU time (each task's process, from the
  start of its ``run`` to its end: with several workers a task has a process of its own);
- CPU time of the scheduling process (imports, planning, the models loaded before forking, Luigi's
  scheduling, the forks) and of all task processes together;
- idle: process-seconds during which fewer than ``--workers`` tasks ran between the first task's start
  and the last task's end (barriers, uneven shards), and the tail after the last task;
- the longest single tasks, which show how uneven the shards are.

The output folder is a fresh temporary one (a finished folder would make the run a no-op).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import luigi

START_OF_RUN = time.time()


def _handlers(log: Path) -> None:
    """Append every task's start and end to ``log`` (one JSON line each, from the task's process)."""

    def note(kind: str) -> object:
        def handler(task: luigi.Task, *args: object) -> None:
            shard = getattr(task, "shard", None)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            family = task.get_task_family()
            line = {"event": kind, "task": family, "shard": shard, "t": time.time(), "cpu": cpu}
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")

        return handler

    luigi.Task.event_handler(luigi.Event.START)(note("start"))
    luigi.Task.event_handler(luigi.Event.SUCCESS)(note("end"))
    luigi.Task.event_handler(luigi.Event.FAILURE)(note("end"))


def summarise(
    events: list[dict], workers: int, start: float, end: float, cpu: tuple[float, float] | None = None
) -> str:
    """The report printed for one run; ``cpu`` is the CPU time of the scheduling process and of its
    task processes, when known."""
    begun: dict[tuple[str, object], dict] = {}
    spans: list[tuple[float, float, str, object]] = []
    task_cpu: dict[str, float] = defaultdict(float)
    for event in sorted(events, key=lambda e: e["t"]):
        key = (event["task"], event["shard"])
        if event["event"] == "start":
            begun[key] = event
        elif key in begun:
            started = begun.pop(key)
            spans.append((started["t"], event["t"], event["task"], event["shard"]))
            task_cpu[event["task"]] += event.get("cpu", 0.0) - started.get("cpu", 0.0)
    if not spans:
        return "no task ran (was the output already complete?)"
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    # Sweep over start/end points: time with fewer tasks running than processes is idle capacity.
    points = sorted([(s[0], 1) for s in spans] + [(s[1], -1) for s in spans])
    idle, running, previous = 0.0, 0, first
    for t, step in points:
        idle += max(0, workers - running) * (t - previous)
        running += step
        previous = t
    families: dict[str, list[float]] = defaultdict(list)
    for s in spans:
        families[s[2]].append(s[1] - s[0])
    lines = [
        f"wall {end - start:.1f} s: start-up {first - start:.2f} s, tasks {last - first:.1f} s, "
        f"after the last task {end - last:.2f} s",
        f"idle while tasks ran: {idle:.1f} process-s of {workers * (last - first):.1f} "
        f"({idle / workers:.1f} s of wall time)",
        "",
        "| task | count | summed s | longest s | CPU s |",
        "|---|---|---|---|---|",
    ]
    for family, durations in sorted(families.items(), key=lambda kv: -sum(kv[1])):
        lines.append(
            f"| {family} | {len(durations)} | {sum(durations):.1f} | {max(durations):.1f} "
            f"| {task_cpu[family]:.2f} |"
        )
    if cpu is not None:
        tasks = sum(task_cpu.values())
        lines += [
            "",
            f"CPU: scheduling process {cpu[0]:.2f} s; task processes {cpu[1]:.2f} s, of which in the tasks' "
            f"run {tasks:.2f} s and {cpu[1] - tasks:.2f} s before and after it (fork, Luigi, exit)",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also keep the events here (JSON Lines)")
    args = parser.parse_args(argv)
    from pipeline.cli import main as pipeline_main

    with tempfile.TemporaryDirectory(prefix="timeline-") as tmp:
        log = Path(tmp) / "events.jsonl"
        _handlers(log)
        command = ["run", "--raw", str(args.raw), "--out", os.path.join(tmp, "out")]
        command += ["--workers", str(args.workers), "--log-level", "warning"]
        if args.config:
            command += ["--config", str(args.config)]
        code = pipeline_main(command)
        end = time.time()
        own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        cpu = (own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime)
        events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        if args.out:
            args.out.write_text(log.read_text(encoding="utf-8"), encoding="utf-8")
    print(summarise(events, args.workers, START_OF_RUN, end, cpu if args.workers > 1 else None))
    return code


if __name__ == "__main__":
    sys.exit(main())
