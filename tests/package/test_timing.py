"""gencourse.timing: the processor time of one call, against time.thread_time read directly."""

import time

import pytest

from gencourse import timing


def _busy(n: int = 20_000) -> int:
    """Pure-Python work, about a millisecond of one thread's processor time."""
    total = 0
    for k in range(n):
        total += k * k
    return total


def _thread_seconds_per_call(fn, calls: int = 30) -> float:
    """The independent reference: the mean processor time of ``calls`` calls, read directly."""
    fn()  # warm up, as the timer does
    start = time.thread_time()
    for _ in range(calls):
        fn()
    return (time.thread_time() - start) / calls


def test_cpu_seconds_measures_the_processor_time_of_one_call():
    reference = _thread_seconds_per_call(_busy)
    measured = timing.cpu_seconds(_busy, min_run_time=0.05)
    assert 0.5 * reference < measured < 2.0 * reference, (measured, reference)


def test_cpu_seconds_does_not_charge_waiting():
    # 3 ms of sleep per call: on the wall clock each call takes more than 3 ms, but the thread
    # computes only _busy's share, which is all that the processor time charges
    def wait_then_work() -> None:
        time.sleep(0.003)
        _busy()

    reference = _thread_seconds_per_call(_busy)
    measured = timing.cpu_seconds(wait_then_work, min_run_time=0.02)
    assert measured < reference + 0.001, (measured, reference)


def test_cpu_seconds_rejects_bad_arguments():
    with pytest.raises(TypeError, match="fn must be callable"):
        timing.cpu_seconds(3.0)
    with pytest.raises(ValueError, match="min_run_time must be a positive"):
        timing.cpu_seconds(_busy, min_run_time=0.0)
    with pytest.raises(TypeError, match="min_run_time must be a number"):
        timing.cpu_seconds(_busy, min_run_time="1")
