"""A per-document time limit around expensive library calls (HTML extraction)."""

from __future__ import annotations

import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DocumentTimeout(BaseException):
    """A single document took longer than its time limit.

    A BaseException, like KeyboardInterrupt, because it arrives asynchronously, anywhere in library
    code: an ``except Exception`` there (trafilatura has several) must not swallow it.
    """


#: After the limit, the timer fires again at this interval until the block has ended: an alarm that
#: lands where Python cannot raise (a finaliser: "Exception ignored in ...") is not the last one.
RETRY_SECONDS = 0.05


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block after ``seconds`` of wall time.

    Uses a real-time interval timer, so it works in the main thread of a process (which is where
    Luigi runs tasks, in-process or in its worker processes); elsewhere, or with ``seconds <= 0``,
    the block runs without a limit. Should every raise be lost (each alarm landing in a finaliser)
    and the block end on its own after the limit, the timeout is raised when it ends.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    expired = False

    def _raise_timeout(signum: int, frame: FrameType | None) -> None:
        nonlocal expired
        expired = True
        raise DocumentTimeout()

    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if expired:
        raise DocumentTimeout()


class DocumentTooBig(Exception):
    """A single document needed more memory than its limit."""


def _address_space() -> int | None:
    """This process's current virtual memory size in bytes (Linux), or None where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


@contextmanager
def memory_limit(budget_bytes: int) -> Iterator[None]:
    """Raise :class:`DocumentTooBig` when the block allocates more than ``budget_bytes`` of address space.

    Lowers the soft ``RLIMIT_AS`` to the current size plus the budget for the duration of the block,
    so a pathological page fails its own allocation (MemoryError) instead of exhausting the machine and
    getting the whole worker killed. Without ``/proc`` (not Linux) or with a budget <= 0, no limit.
    """
    current = _address_space()
    if budget_bytes <= 0 or current is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + budget_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield  # an outer limit is tighter already
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    except MemoryError as exc:
        raise DocumentTooBig() from exc
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
