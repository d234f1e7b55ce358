import os
import shutil

import pytest

from dvc_dolt.dolt import DoltNotFoundError, DoltVersionError, find_dolt
from dvc_dolt.dolt.binary import (
    BUILT_VERSION,
    MIN_VERSION,
    cache_dir,
    identity,
    is_supported,
    parse_version,
    probe_version,
)


def test_parse_version():
    assert parse_version("dolt version 1.83.2\n") == (1, 83, 2)
    warning = "Warning: you are on an old version of Dolt.\ndolt version 1.40.0\n"
    assert parse_version(warning) == (1, 40, 0)
    assert parse_version("dolt version 2.3.1-rc1") == (2, 3, 1)
    assert parse_version("git version 2.39.5") is None
    assert parse_version("") is None


def test_version_floor_comparison_is_numeric():
    assert is_supported(MIN_VERSION)
    assert is_supported((1, 83, 2))
    assert is_supported((2, 0, 0))
    assert not is_supported((1, 39, 9))
    assert not is_supported((0, 40, 4))
    # 1.100 > 1.40: not a string comparison.
    assert is_supported((1, 100, 0))


def test_real_dolt_is_found_once_per_process():
    first = find_dolt()
    assert first is find_dolt()
    assert is_supported(first.version)
    assert probe_version(first.path) == first.version


def test_missing_dolt_is_one_clear_error(no_dolt_on_path):
    with pytest.raises(DoltNotFoundError) as info:
        find_dolt()
    message = str(info.value)
    assert "dolt was not found on PATH" in message
    assert "install dolt >= 1.40.0" in message
    assert "DVC_DOLT_DOLT" in message


def test_env_var_pointing_at_non_dolt(no_dolt_on_path, monkeypatch):
    monkeypatch.setenv("DVC_DOLT_DOLT", shutil.which("true") or "/bin/true")
    with pytest.raises(DoltVersionError) as info:
        find_dolt()
    assert "does not report a dolt version" in str(info.value)
    assert "$DVC_DOLT_DOLT" in str(info.value)


def test_env_var_pointing_at_missing_file(no_dolt_on_path, monkeypatch, tmp_path):
    monkeypatch.setenv("DVC_DOLT_DOLT", str(tmp_path / "nope" / "dolt"))
    with pytest.raises(DoltVersionError, match="is not an executable file"):
        find_dolt()


def test_env_var_wins_over_path(dolt_bin, no_dolt_on_path, monkeypatch, tmp_path):
    link = tmp_path / "my dolt"
    os.symlink(dolt_bin.path, link)
    monkeypatch.setenv("DVC_DOLT_DOLT", str(link))
    assert find_dolt().path == str(link)


def test_build_cache_is_found(dolt_bin, no_dolt_on_path, monkeypatch, tmp_path):
    """The dolt scripts/install-dolt leaves in the cache is found without PATH."""
    monkeypatch.setenv("DVC_DOLT_CACHE", str(tmp_path / "cache"))
    target = cache_dir() / "dolt"
    assert target.parent.name == f"dolt-{BUILT_VERSION}"
    target.parent.mkdir(parents=True)
    os.symlink(dolt_bin.path, target)
    found = find_dolt()
    assert found.path == str(target)
    assert found.version == dolt_bin.version


def test_identity_names_every_candidate_without_running_one(
    dolt_bin, no_dolt_on_path, monkeypatch, tmp_path, count_dolt_processes
):
    """What the heads cache keys on: each dolt find_dolt() would consider, by stat."""
    on_path = tmp_path / "bin" / "dolt"
    on_path.parent.mkdir()
    on_path.write_bytes(b"#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv("DVC_DOLT_CACHE", str(tmp_path / "cache"))
    cached = cache_dir() / "dolt"
    cached.parent.mkdir(parents=True)
    os.symlink(dolt_bin.path, cached)

    first = identity()
    assert [line.split(":")[0] for line in first.splitlines()] == [str(on_path), str(cached)]
    assert identity() == first
    # The build cache's dolt is replaced: PATH's still comes first, yet the key moves,
    # since find_dolt() falls back to it when PATH's is no dolt.
    cached.unlink()
    shutil.copy2(dolt_bin.path, cached)
    assert identity() == first  # the same file, as far as stat can tell
    os.utime(cached, ns=(0, cached.stat().st_mtime_ns + 10**9))
    assert identity() != first
    # $DVC_DOLT_DOLT is the only candidate when set, even a missing one.
    monkeypatch.setenv("DVC_DOLT_DOLT", str(tmp_path / "nope"))
    assert identity() == f"{tmp_path / 'nope'}:-"
    assert count_dolt_processes == []
