"""The version probe: each dolt binary is asked its version once, across processes.

The probe (``dolt version``) is remembered in ``dolt-versions.json`` under
``$DVC_DOLT_CACHE``, keyed by the binary's path and ``stat`` facts; when it does
run, it is traced and logged like every other dolt process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import dvc

from dvc_dolt.dolt import DoltVersionError, find_dolt

pytestmark = pytest.mark.timeout(120)

VERSIONS_FILE = "dolt-versions.json"

FIND = "from dvc_dolt.dolt import find_dolt; print(find_dolt().path, find_dolt().version_string)"


class Trace:
    def __init__(self, path: Path) -> None:
        self.path = path

    def probes(self) -> int:
        """`dolt version` processes announced since the last call."""
        if not self.path.exists():
            return 0
        lines = [json.loads(line) for line in self.path.read_text().splitlines()]
        self.path.unlink()
        return sum(entry["argv"] == ["dolt", "version"] for entry in lines)


@pytest.fixture
def trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trace:
    monkeypatch.setenv("DVC_DOLT_TRACE", str(tmp_path / "trace.jsonl"))
    return Trace(tmp_path / "trace.jsonl")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty dvc-dolt cache directory; the versions file in it."""
    monkeypatch.setenv("DVC_DOLT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / VERSIONS_FILE


@pytest.fixture
def link(dolt_bin, cache, trace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """$DVC_DOLT_DOLT: a new symlink to the real dolt, and a fresh lookup."""
    path = tmp_path / "bin" / "dolt"
    path.parent.mkdir()
    os.symlink(dolt_bin.path, path)
    monkeypatch.setenv("DVC_DOLT_DOLT", str(path))
    find_dolt.cache_clear()
    yield path
    find_dolt.cache_clear()


def lookup():
    find_dolt.cache_clear()
    return find_dolt()


def fake_old_dolt(path: Path) -> None:
    """A script that claims an old version: only to test the refusal, never dolt behaviour."""
    path.write_text("#!/bin/sh\necho 'dolt version 1.0.0'\n")
    path.chmod(0o755)


def test_second_process_runs_no_version_probe(link, cache, trace, dolt_bin):
    for expected in (1, 0, 0):
        proc = subprocess.run(
            [sys.executable, "-c", FIND], capture_output=True, text=True, check=True
        )
        assert proc.stdout.split() == [str(link), dolt_bin.version_string]
        assert trace.probes() == expected
    entries = json.loads(cache.read_text())["dolts"]
    assert list(entries) == [str(link)]
    assert entries[str(link)]["version"] == dolt_bin.version_string
    # Written by rename: no temporary file is left behind.
    assert os.listdir(cache.parent) == [VERSIONS_FILE]


def test_probe_is_logged_by_dvc_verbose(link, trace, tmp_path):
    first = dvc(tmp_path, "version", "-v")
    assert "DEBUG: running dolt version" in first.stdout
    assert "DEBUG: dolt version: exit 0 in " in first.stdout
    assert trace.probes() == 1
    second = dvc(tmp_path, "version", "-v")
    assert "running dolt version" not in second.stdout
    assert "dvc-dolt" in second.stdout
    assert trace.probes() == 0


def test_replaced_binary_is_asked_again(link, trace, dolt_bin):
    assert lookup().version == dolt_bin.version
    assert trace.probes() == 1
    assert lookup().version == dolt_bin.version
    assert trace.probes() == 0

    link.unlink()
    fake_old_dolt(link)
    with pytest.raises(DoltVersionError, match=r"is dolt 1\.0\.0") as probed:
        lookup()
    assert trace.probes() == 1
    # An old version is remembered, and refused in the same words.
    with pytest.raises(DoltVersionError) as cached:
        lookup()
    assert trace.probes() == 0
    assert str(cached.value) == str(probed.value)

    link.unlink()
    os.symlink(dolt_bin.path, link)
    assert lookup().version == dolt_bin.version
    assert trace.probes() == 1


def test_touched_binary_is_asked_again(link, trace, dolt_bin, monkeypatch, tmp_path):
    copy = tmp_path / "copy" / "dolt"
    copy.parent.mkdir()
    shutil.copy2(dolt_bin.path, copy)
    monkeypatch.setenv("DVC_DOLT_DOLT", str(copy))
    assert lookup().path == str(copy)
    assert trace.probes() == 1
    lookup()
    assert trace.probes() == 0
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert lookup().version == dolt_bin.version
    assert trace.probes() == 1


def test_new_dolt_on_path_is_seen(link, trace, dolt_bin, monkeypatch, tmp_path):
    monkeypatch.delenv("DVC_DOLT_DOLT")
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        os.symlink(dolt_bin.path, folder / "dolt")
    monkeypatch.setenv("PATH", str(second))
    assert lookup().path == str(second / "dolt")
    assert trace.probes() == 1
    monkeypatch.setenv("PATH", f"{first}{os.pathsep}{second}")
    assert lookup().path == str(first / "dolt")
    assert trace.probes() == 1
    # $DVC_DOLT_DOLT, once set, is the one asked, even where PATH's is known.
    monkeypatch.setenv("DVC_DOLT_DOLT", str(link))
    assert lookup().path == str(link)
    assert trace.probes() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
        b"[]",
        b'{"dolts": []}',
        b'{"dolts": {"%s": {"stat": 1, "version": "9.9.9"}}}',
        b'{"dolts": {"%s": {"stat": "0:0:0:0:0", "version": "9.9.9"}}}',
        b'{"dolts": {"%s": {"stat": "<facts>", "version": "not a version"}}}',
    ],
)
def test_corrupt_cache_is_ignored_and_rewritten(link, cache, trace, dolt_bin, content):
    lookup()  # learn the link's facts
    facts = json.loads(cache.read_text())["dolts"][str(link)]["stat"]
    content = content.replace(b"%s", str(link).encode()).replace(b"<facts>", facts.encode())
    cache.write_bytes(content)
    trace.probes()
    assert lookup().version == dolt_bin.version
    assert trace.probes() == 1
    entry = json.loads(cache.read_text())["dolts"][str(link)]
    assert entry == {"stat": facts, "version": dolt_bin.version_string}


def test_unwritable_cache_only_costs_a_probe(link, trace, dolt_bin, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("DVC_DOLT_CACHE", str(blocker / "cache"))
    for _ in range(2):
        assert lookup().version == dolt_bin.version
        assert trace.probes() == 1


def test_not_a_dolt_is_never_remembered(link, cache, trace, monkeypatch):
    monkeypatch.setenv("DVC_DOLT_DOLT", shutil.which("true") or "/bin/true")
    for _ in range(2):
        with pytest.raises(DoltVersionError, match="does not report a dolt version"):
            lookup()
        assert trace.probes() == 1
    assert not cache.exists()
