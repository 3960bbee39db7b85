"""How many Luigi tasks a day makes, and what the scheduler costs per task.

    python -m benchmarks.dag_size [--files 20000] [--tiny 120] [--scheduler-tasks 100000]

1. Task count: a folder of ``--files`` one-line files is planned with the default settings and with
   ``shard_files = 100``; the DAG is walked through ``requires()`` (what a Luigi worker does when it
   schedules) and the distinct tasks are counted.
2. Scheduler overhead: ``--tiny`` one-line documents cleaned as one shard (11 tasks) and as one shard
   per file (8 tasks a file more), with the local scheduler and with a luigid on 127.0.0.1; the extra
   wall time divided by the extra tasks is the cost of one task, whatever it does.
3. luigid with a big day (``--scheduler-tasks``, off by default): a DAG of that many tasks, shaped as
   the pipeline's (a chain of 8 tasks per shard, the batch tasks across them), is registered with a
   luigid on 127.0.0.1 through the RPCs a worker makes (``add_task`` with its dependencies), then a
   sample of tasks is handed out and reported done (``get_work``, ``add_task`` DONE) with the whole
   table pending. No cleaning runs: what is timed is the scheduler alone, at that size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import luigi
import luigi.task_register

from pipeline.tasks import SHIPPED_LUIGI_CFG, CleanCorpus

LINE = "The council approved the budget on Tuesday after a long debate about schools.\n"


def count_tasks(raw: Path, config: Path | None) -> int:
    """Distinct tasks in the DAG of ``CleanCorpus`` over ``raw``, walked through ``requires()``."""
    luigi.task_register.Register.clear_instance_cache()
    root = CleanCorpus(raw_dir=str(raw), out_dir=str(raw.parent / "out"), config_path=str(config or ""))
    seen: set[str] = set()
    todo: list[luigi.Task] = [root]
    while todo:
        task = todo.pop()
        if task.task_id in seen:
            continue
        seen.add(task.task_id)
        todo.extend(luigi.task.flatten(task.requires()))
    return len(seen)


def _files(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"doc-{i:07d}.txt").write_text(LINE)


def _run(raw: Path, out: Path, config: Path, url: str | None) -> float:
    command = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out)]
    command += ["--config", str(config)] + (["--scheduler-url", url] if url else [])
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - start


def _luigid(home: Path) -> tuple[int, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    pidfile = home / "luigid.pid"
    luigid = Path(sys.executable).with_name("luigid")
    args = ["--background", "--address", "127.0.0.1", "--port", str(port), "--pidfile", str(pidfile)]
    args += ["--logdir", str(home / "log"), "--state-path", str(home / "state.pickle")]
    env = {**os.environ, "LUIGI_CONFIG_PATH": str(SHIPPED_LUIGI_CFG)}
    subprocess.run([str(luigid), *args], env=env, check=True, timeout=60)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/api/task_list?data=%7B%7D", timeout=2).close()
            return int(pidfile.read_text()), url
        except (OSError, ValueError):
            time.sleep(0.2)
    raise RuntimeError("luigid did not start")


#: The per-shard chain as the scheduler sees it (RawShard is external: done from the start).
CHAIN = (
    "ReadDocuments",
    "ExtractText",
    "RepairEncoding",
    "StripBoilerplate",
    "SegmentParagraphs",
    "TagMetadata",
    "WriteShard",
)


#: How long the benchmark waits for one RPC to luigid.
RPC_WAIT_SECONDS = 900.0


def scheduler_load(url: str, tasks: int, sample: int) -> None:
    """Register a DAG of about ``tasks`` tasks with luigid, then time handing out ``sample`` of them."""
    from luigi.rpc import RemoteScheduler

    # A worker gives up on an RPC after 10 s (luigi's ``[core] rpc_connect_timeout``); here every call
    # is waited for, to time it however long it takes.
    scheduler = RemoteScheduler(url, connect_timeout=RPC_WAIT_SECONDS)
    worker = f"dag-size-{os.getpid()}-{tasks}"
    shards = max(1, (tasks - 3) // (len(CHAIN) + 1))
    prefix = f"load{tasks}-"

    def add(task_id: str, deps: list[str], status: str = "PENDING", runnable: bool = True) -> None:
        family = task_id.split("-", 2)[1]
        scheduler.add_task(
            worker=worker, task_id=task_id, status=status, runnable=runnable, deps=deps, family=family
        )

    start = time.perf_counter()
    learn, dedup, corpus = (
        f"{prefix}{name}" for name in ("LearnBoilerplate", "FindDuplicates", "CleanCorpus")
    )
    ids = {name: [f"{prefix}{name}-{s:06d}" for s in range(shards)] for name in ("RawShard", *CHAIN)}
    add(corpus, ids["WriteShard"])
    add(learn, ids["RepairEncoding"])
    add(dedup, ids["TagMetadata"])
    for s in range(shards):
        add(ids["RawShard"][s], [], status="DONE", runnable=False)
        before = "RawShard"
        for name in CHAIN:
            deps = [ids[before][s]]
            deps += [learn] if name == "StripBoilerplate" else [dedup] if name == "WriteShard" else []
            add(ids[name][s], deps)
            before = name
    registered = time.perf_counter() - start
    total = shards * (len(CHAIN) + 1) + 3
    print(
        f"luigid, {total} tasks: registered in {registered:.0f} s ({registered / total * 1000:.2f} ms a task)"
    )
    took = []
    for _ in range(sample):
        start = time.perf_counter()
        reply = scheduler.get_work(worker=worker, host="dag-size")
        add(reply["task_id"], [], status="DONE")
        took.append(time.perf_counter() - start)
    print(f"  each of the {sample} tasks, s: {' '.join(f'{t:.2f}' for t in took)}")
    per_task = sum(took) / sample * 1000
    hours = per_task * total / 1000 / 3600
    print(
        f"luigid, {total} tasks pending: {per_task:.0f} ms to hand out a task and hear it done"
        f" (x {total} tasks: {hours:.1f} h of scheduler time if it stayed so)"
    )


def main() -> None:
    """Print the task counts and the per-task scheduler cost."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--tiny", type=int, default=120)
    parser.add_argument(
        "--scheduler-tasks", type=int, nargs="*", default=[], help="only time luigid with DAGs of these sizes"
    )
    parser.add_argument(
        "--dispatch-sample", type=int, default=200, help="tasks handed out to time luigid's get_work"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dag-size-"))
    if args.scheduler_tasks:
        try:
            pid, url = _luigid(work)
            try:
                for tasks in args.scheduler_tasks:
                    scheduler_load(url, tasks, args.dispatch_sample)
            finally:
                os.kill(pid, signal.SIGTERM)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        _files(work / "raw", args.files)
        small = work / "shard100.toml"
        small.write_text("[input]\nshard_files = 100\n")
        for label, config in (("default (1000)", None), ("100", small)):
            start = time.perf_counter()
            n = count_tasks(work / "raw", config)
            took = time.perf_counter() - start
            print(f"{args.files} files, shard_files {label}: {n} tasks, planned in {took:.1f} s")

        _files(work / "tiny", args.tiny)
        one, each = work / "one.toml", work / "each.toml"
        one.write_text(f"[input]\nshard_files = {args.tiny}\n")
        each.write_text("[input]\nshard_files = 1\n")
        extra_tasks = count_tasks(work / "tiny", each) - count_tasks(work / "tiny", one)
        pid, url = _luigid(work)
        try:
            for name, target in (("local scheduler", None), ("luigid", url)):
                t_one = _run(work / "tiny", work / f"out-one-{name}", one, target)
                t_each = _run(work / "tiny", work / f"out-each-{name}", each, target)
                per_task = (t_each - t_one) / extra_tasks * 1000
                print(
                    f"{name}: {args.tiny} documents in 1 shard {t_one:.1f} s, in {args.tiny} shards"
                    f" {t_each:.1f} s -> {per_task:.0f} ms per extra task ({extra_tasks} extra tasks)"
                )
        finally:
            os.kill(pid, signal.SIGTERM)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
