"""The per-document time limit: a timeout must reach the caller whatever the library does with it."""

from __future__ import annotations

import sys
import time

import pytest

from pipeline.clean.guard import DocumentTimeout, time_limit


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_an_except_exception_in_library_code_does_not_swallow_the_timeout() -> None:
    def library_call() -> str:
        try:
            _busy(2.0)
        except Exception:  # noqa: BLE001 - what trafilatura does around its extractors
            return "fallback"
        return "done"

    start = time.perf_counter()
    with pytest.raises(DocumentTimeout), time_limit(0.05):
        library_call()
    assert time.perf_counter() - start < 1.0


def test_an_alarm_lost_in_a_finaliser_is_raised_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A recording hook instead of pytest's, which imports modules on first use: slow enough on a
    # cold machine for the retry alarm to land inside the hook and fail the test for the wrong reason.
    lost: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: lost.append(unraisable.exc_type))

    class Slow:
        def __del__(self) -> None:  # the first alarm lands here, where Python ignores exceptions
            _busy(0.2)

    start = time.perf_counter()
    with pytest.raises(DocumentTimeout), time_limit(0.05):
        Slow()
        _busy(2.0)
    assert time.perf_counter() - start < 1.0
    assert DocumentTimeout in lost


def test_a_block_that_swallows_every_alarm_still_ends_as_a_timeout() -> None:
    with pytest.raises(DocumentTimeout), time_limit(0.05):
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:
            try:
                _busy(0.01)
            except BaseException:  # noqa: BLE001, S110 - a bare except in library code
                pass


def test_a_block_within_its_limit_is_left_alone() -> None:
    with time_limit(1.0):
        _busy(0.01)
    _busy(0.1)  # no alarm left behind
