"""Work on several databases at once: each is a dolt process of its own."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

# Databases asked at once where DVC's command has no --jobs (checkout, status).
JOBS = 4


T = TypeVar("T")


R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: list[T], jobs: int = JOBS) -> list[R]:
    """``[fn(item) for item in items]``, up to ``jobs`` at a time."""
    if len(items) < 2 or jobs < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(len(items), jobs)) as pool:
        return list(pool.map(fn, items))


def run_all(
    jobs: Optional[int], work: Iterable[T], fn: Callable[[T], Optional[str]], desc: str
) -> list[str]:
    """Run ``fn(item)`` over the items, ``jobs`` at a time, with a DVC progress bar.

    Returns the error messages.
    """
    from dvc.ui import ui

    work = list(work)
    errors: list[str] = []
    if not work:
        return errors
    with ui.progress(total=len(work), desc=desc, unit="database", leave=False) as bar:  # noqa: SIM117
        with ThreadPoolExecutor(max_workers=max(1, jobs or 4)) as pool:
            for message in pool.map(fn, work):
                bar.update()
                if message:
                    errors.append(message)
    return errors
