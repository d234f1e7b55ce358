"""Work on several databases at once: each is a dolt process of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

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
