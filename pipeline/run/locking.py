"""One writer per output folder when runs use Luigi's local scheduler.

With a central ``luigid`` a task is run by one worker at a time, whatever the host. The local
scheduler knows nothing of other processes, so two cron runs of the same day could both clean it.
A run therefore holds an exclusive ``flock`` on ``OUT/_stages/.lock`` while it works (beside the
intermediate files, so the published folder holds only the output); a second run finds the
lock taken and stops with the ``already_running`` exit code. The kernel releases the lock when the
process ends, however it ends, so a killed run never leaves a stale lock behind (the empty file stays).

An output in an object store cannot be locked this way (and an object store has no lock of its own
that every S3-compatible store offers). Two local-scheduler runs of the same ``s3://`` output both
clean it: every file is uploaded whole and both write the same bytes to the same keys, so the output
is still right, but the work is done twice. Several writers of one output take a central ``luigid``.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pipeline import storage
from pipeline.run.layout import lock_file

log = logging.getLogger(__name__)


class AlreadyRunning(Exception):
    """Another process holds the lock of an output folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"another run is writing {folder} (lock {lock_file(folder)} is held)")
        self.folder = folder


@contextmanager
def output_lock(folder: str | Path) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (created if needed) or raise :class:`AlreadyRunning`.

    An object store has no lock to take: the run goes ahead unlocked, with a warning (see the module).
    """
    if storage.is_remote(folder):
        log.warning(
            "%s is in an object store, which has no lock: a second run of it with the local scheduler"
            " would clean it too (the same bytes, twice the work); several writers need --scheduler-url",
            folder,
        )
        yield
        return
    path = Path(folder)
    lock = Path(lock_file(path))
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(path) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def output_locks(folders: Iterable[str | Path]) -> Iterator[None]:
    """Hold the locks of several folders, taken in path order; raise if any is held elsewhere."""
    with ExitStack() as stack:
        for folder in sorted({os.fspath(f) for f in folders}):
            stack.enter_context(output_lock(folder))
        yield
