"""A per-document time limit around expensive library calls (HTML extraction)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DocumentTimeout(Exception):
    """A single document took longer than its time limit."""


def _raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise DocumentTimeout()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block after ``seconds`` of wall time.

    Uses a real-time interval timer, so it works in the main thread of a process (which is where
    Luigi runs tasks, in-process or in its worker processes); elsewhere, or with ``seconds <= 0``,
    the block runs without a limit.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
