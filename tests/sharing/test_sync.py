"""How `dvc push/fetch -j N` bounds the Dolt transfers running at once."""

import threading

import pytest

from dvc_dolt.dvc.parallel import run_all


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_run_all_runs_at_most_jobs_at_once(jobs):
    lock = threading.Lock()
    running, peak = 0, 0
    # Every batch of `jobs` transfers meets here, so fewer workers than `jobs`
    # would break the barrier and fail the test (the timeout only guards a hang).
    barrier = threading.Barrier(jobs, timeout=60)

    def transfer(item):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        barrier.wait()
        with lock:
            running -= 1
        return f"failed {item}" if item % 2 else None

    errors = run_all(jobs, range(jobs * 4), transfer, "Testing")
    assert peak == jobs
    assert errors == [f"failed {i}" for i in range(jobs * 4) if i % 2]
