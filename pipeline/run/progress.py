"""How far a batch is: stage tasks leave small progress files, the command line polls them.

The stage tasks run in Luigi worker processes (or on other machines with ``luigid``), so they do not
talk to the terminal. Each one writes its progress file (:func:`pipeline.run.layout.progress_file`,
``{"done": n, "finished": bool}``, atomically) every few documents. ``python -m pipeline run`` reads
them from a thread, knowing the shard plan of each batch it runs (one folder, or the days of a range
still to clean), and prints a live line on a terminal or a log line now and then otherwise.

Work is counted in document-stages: a batch of N documents is done after N documents went through
each task of a shard (every stage, then the writer). "Documents done" is that work divided by the
number of those tasks. Until a shard's first stage has read it, its document count is its number of
files (a ``.jsonl`` file holds many documents, so the total grows when such a shard is read).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipeline.clean.chain import STAGES
from pipeline.run import layout
from pipeline.run.files import exists, read_json, write_json
from pipeline.run.plan import Shard

#: Every task in a chain, the writer last.
ALL_STAGES: tuple[str, ...] = (*STAGES, layout.WRITE)
# Off a terminal (cron, CI logs) print a line when this share of the work has been added ...
LOG_EVERY_FRACTION = 0.10
# ... or this many seconds have passed since the last line, whichever comes first.
LOG_EVERY_SECONDS = 60.0
# A terminal line is redrawn this often; the files are tiny, so polling costs little.
POLL_SECONDS = 0.5


def record_progress(
    out_dir: str | Path, stage: str, shard: int, digest: str, done: int, finished: bool
) -> None:
    """Called by a stage task: ``done`` documents of this shard have gone through ``stage``."""
    write_json(layout.progress_file(out_dir, stage, shard, digest), {"done": done, "finished": finished})


def documents_written(out_dir: str | Path, stage: str, shard: int, digest: str) -> int | None:
    """How many documents ``stage`` wrote for this shard, as its progress file says once the stage has
    finished; None when there is no such file (removed with the run's other files) or it has not."""
    seen = _read(layout.progress_file(out_dir, stage, shard, digest))
    return seen[0] if seen is not None and seen[1] else None


def _read(path: str) -> tuple[int, bool] | None:
    try:
        data = read_json(path)
        return int(data["done"]), bool(data["finished"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stage_complete(out_dir: str | Path, stage: str, shard: Shard) -> bool:
    # The writer's stats file is written after its part and rejects: it marks the shard finished.
    if stage == layout.WRITE:
        return exists(layout.shard_stats_file(out_dir, shard.index, shard.digest))
    return exists(layout.stage_file(out_dir, stage, shard.index, shard.stage_digest(stage)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The batch's progress at one moment."""

    work_done: int  # document-stages
    work_total: int
    stages: int
    shards_done: int  # shards through every stage
    shards: int
    at: float  # time.monotonic()

    @property
    def documents_done(self) -> float:
        """Documents' worth of work done (document-stages over the number of stages)."""
        return self.work_done / self.stages

    @property
    def documents_total(self) -> int:
        """Documents in the batch, as far as known."""
        return self.work_total // self.stages

    @property
    def fraction(self) -> float:
        """Share of the work done, 0 to 1."""
        return self.work_done / self.work_total if self.work_total else 1.0


#: What earlier polls found out for good, per shard: its number of documents (once its first stage has
#: finished) and the stages it has completed. Outputs are never taken back during a run.
Known = dict[int, tuple[int, set[str]]]
#: One batch as the reporter follows it: its output folder and its shards.
Batch = tuple[str, Sequence[Shard]]


def measure(
    out_dir: str | Path, shards: Sequence[Shard], now: float | None = None, known: Known | None = None
) -> Snapshot:
    """Read the progress files and stage outputs of a batch.

    With ``known`` (kept by the caller between polls), finished stages are not looked at again: a poll
    then reads only the stages still running or to come, not every file of a batch of thousands of
    shards twice a second.
    """
    work_done = work_total = shards_done = 0
    for shard in shards:
        size, completed = known[shard.index] if known and shard.index in known else (None, set())
        if size is None:
            first_stage = ALL_STAGES[0]
            first = _read(
                layout.progress_file(out_dir, first_stage, shard.index, shard.stage_digest(first_stage))
            )
            final = bool(first and first[1])
            size = first[0] if first and final else len(shard.paths)
        else:
            final = True
        for stage in ALL_STAGES:
            if stage in completed or _stage_complete(out_dir, stage, shard):
                completed.add(stage)
                work_done += size
                continue
            seen = _read(layout.progress_file(out_dir, stage, shard.index, shard.stage_digest(stage)))
            if seen and seen[1]:  # finished, and its files already tidied away by the end of the run
                completed.add(stage)
            work_done += min(seen[0], size) if seen else 0
        if known is not None and (final or ALL_STAGES[0] in completed):
            known[shard.index] = (size, completed)
        shards_done += len(completed) == len(ALL_STAGES)
        work_total += size * len(ALL_STAGES)
    return Snapshot(
        work_done,
        work_total,
        len(ALL_STAGES),
        shards_done,
        len(shards),
        time.monotonic() if now is None else now,
    )


def combine(snapshots: Sequence[Snapshot]) -> Snapshot:
    """Several batches' progress (the days of a range) as one."""
    return Snapshot(
        sum(s.work_done for s in snapshots),
        sum(s.work_total for s in snapshots),
        len(ALL_STAGES),
        sum(s.shards_done for s in snapshots),
        sum(s.shards for s in snapshots),
        max((s.at for s in snapshots), default=time.monotonic()),
    )


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def format_progress(start: Snapshot, now: Snapshot) -> str:
    """``1,234/5,000 documents (24.7%)  12.3 docs/s  ETA 5m06s  shards 1/5``."""
    elapsed = now.at - start.at
    rate = (now.documents_done - start.documents_done) / elapsed if elapsed > 0 else 0.0
    line = f"{int(now.documents_done):,}/{now.documents_total:,} documents ({now.fraction:.1%})"
    if rate > 0:
        line += f"  {rate:,.1f} docs/s"
        remaining = now.documents_total - now.documents_done
        line += f"  ETA {_duration(remaining / rate)}" if remaining > 0 else ""
    return f"{line}  shards {now.shards_done}/{now.shards}  elapsed {_duration(elapsed)}"


class ProgressReporter:
    """A thread that polls a batch's progress and prints it to ``stream``.

    On a terminal the line is redrawn in place (carriage return); otherwise a line is printed every
    ``LOG_EVERY_FRACTION`` of the work or ``LOG_EVERY_SECONDS``, whichever comes first, and at the end.
    """

    def __init__(
        self,
        batches: Callable[[], Sequence[Batch]],
        stream: TextIO,
        live: bool,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.batches = batches
        self.stream = stream
        self.live = live
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self._plans: Sequence[Batch] | None = None
        self._known: list[Known] = []
        self._start: Snapshot | None = None
        self._last_logged: Snapshot | None = None
        self._drawn = False

    def __enter__(self) -> ProgressReporter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop polling, print the final state, and end the terminal line."""
        self._stop.set()
        self._thread.join()
        if self._plans is not None and self._start is not None:
            self._emit(self._measure(), final=True)
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()

    def _measure(self) -> Snapshot:
        assert self._plans is not None
        batches = zip(self._plans, self._known, strict=True)
        return combine([measure(out, shards, known=known) for (out, shards), known in batches])

    def _run(self) -> None:
        self._plans = self.batches()
        self._known = [{} for _ in self._plans]
        self._start = self._measure()
        wait = self.poll_seconds
        while not self._stop.wait(wait):
            started = time.perf_counter()
            self._emit(self._measure(), final=False)
            # The poll shares the scheduling process with Luigi: it never takes more than 5% of it.
            wait = max(self.poll_seconds, 20 * (time.perf_counter() - started))

    def _emit(self, snap: Snapshot, final: bool) -> None:
        assert self._start is not None
        line = format_progress(self._start, snap)
        if self.live:
            self.stream.write(f"\r\x1b[K{line}")
            self._drawn = True
        else:
            last = self._last_logged or self._start
            due = (
                snap.fraction - last.fraction >= LOG_EVERY_FRACTION
                or snap.at - last.at >= LOG_EVERY_SECONDS
                # The end is printed unless the last line said it all: documents and shards (a poll may
                # have seen every document written before the last shard's output was complete).
                or (final and (snap.work_done, snap.shards_done) != (last.work_done, last.shards_done))
            )
            if not due:
                return
            self.stream.write(f"progress: {line}\n")
            self._last_logged = snap
        self.stream.flush()
