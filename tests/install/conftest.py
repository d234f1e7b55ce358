"""What the tests of this directory note (versions, commits, DVC's warning) is
shown in a section at the end of pytest's output, so scripts/smoke-install's log
keeps it on success too."""

from __future__ import annotations

from typing import Callable

import pytest

_NOTES = pytest.StashKey[list]()


@pytest.fixture
def note(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """note(line): one line for the closing `smoke-install` section."""
    return request.config.stash.setdefault(_NOTES, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    notes = config.stash.get(_NOTES, [])
    if notes:
        terminalreporter.section("smoke-install")
        for line in notes:
            terminalreporter.write_line(line)
