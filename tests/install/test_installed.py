"""dvc-dolt installed as a user installs it, driven through the real `dvc`, `git`
and `dolt`: the scenarios of scripts/smoke-install. The script builds the
virtualenvs and runs this directory with the first one's python; anywhere else
these tests skip.

1. The newest CPython, with the wheel of the checkout and the supported DVC
   (DVC_DOLT_SMOKE_PYTHON: that virtualenv's python): dvc add a database, dvc
   status, dvc push to a local remote, git clone + dvc pull; the clone's database
   must be at the recorded commit, read back through dvc_dolt.api.
2. A DVC release outside the supported range (DVC_DOLT_SMOKE_OLD_VENV: that
   virtualenv; DVC_DOLT_SMOKE_OLD_DVC: its DVC version; DVC_DOLT_SMOKE_VERSION:
   the version of dvc-dolt installed there): --version, init, add of a file and
   of a database directory, status all work as plain DVC, each printing exactly
   one warning line.

Everything runs in subprocesses: this process imports neither dvc nor dvc_dolt.
The script sets the rest of the environment: DVC_DOLT_DOLT, a private
DOLT_ROOT_PATH with a user, the git identity, no PYTHONPATH.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

SMOKE_PYTHON = os.environ.get("DVC_DOLT_SMOKE_PYTHON", "")
OLD_VENV = os.environ.get("DVC_DOLT_SMOKE_OLD_VENV", "")
_BY_THE_SCRIPT = "run by scripts/smoke-install, in the virtualenv it builds"

newest_cpython = pytest.mark.skipif(
    not SMOKE_PYTHON,
    reason=f"{_BY_THE_SCRIPT}: DVC_DOLT_SMOKE_PYTHON is unset",
)
unsupported_dvc = pytest.mark.skipif(
    not OLD_VENV,
    reason=f"{_BY_THE_SCRIPT}: DVC_DOLT_SMOKE_OLD_VENV is unset",
)
# Real dvc, git and dolt processes; none of them may hang the script.
pytestmark = pytest.mark.timeout(600)


def run(cwd: Path, *cmd: str | Path) -> subprocess.CompletedProcess[str]:
    """Run cmd in cwd; if it fails, the test fails with its output."""
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"'{' '.join(map(str, cmd))}' failed in {cwd} (exit {proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}",
            pytrace=False,
        )
    return proc


def dolt() -> str:
    return os.environ["DVC_DOLT_DOLT"]


def dolt_head(db: Path) -> str:
    out = run(db, dolt(), "sql", "-r", "csv", "-q", "select dolt_hashof('HEAD') as h").stdout
    return out.splitlines()[-1]


# -- 1. the newest CPython, the supported DVC ------------------------------------


class Smoke(NamedTuple):
    python: Path
    venv: Path
    dvc: Path


class Project(NamedTuple):
    work: Path
    path: Path
    commit: str  # of the database `db`, made before `dvc add`


def expect_no_warning(proc: subprocess.CompletedProcess[str], what: str) -> None:
    warned = [line for line in proc.stderr.splitlines() if line.startswith("WARNING:")]
    assert not warned, f"'{what}' warned:\n{proc.stderr}"


@pytest.fixture(scope="module")
def smoke() -> Smoke:
    python = Path(SMOKE_PYTHON)
    venv = python.parent.parent
    return Smoke(python, venv, venv / "bin" / "dvc")


@pytest.fixture(scope="module")
def project(smoke: Smoke, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A git + DVC project with a Dolt database `db` of two rows, not yet tracked."""
    work = tmp_path_factory.mktemp("newest")
    path = work / "project"
    path.mkdir()
    run(path, "git", "init", "-q", "-b", "main")
    run(path, smoke.dvc, "init", "-q")
    run(path, "git", "commit", "-qm", "init DVC")
    db = path / "db"
    db.mkdir()
    run(db, dolt(), "init", "-b", "main")
    rows = "create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')"
    run(db, dolt(), "sql", "-q", rows)
    run(db, dolt(), "add", "-A")
    run(db, dolt(), "commit", "-m", "two rows")
    return Project(work, path, dolt_head(db))


@pytest.fixture(scope="module")
def tracked(smoke: Smoke, project: Project) -> subprocess.CompletedProcess[str]:
    """`dvc add db` in the project."""
    return run(project.path, smoke.dvc, "add", "db")


@newest_cpython
def test_imports_from_the_virtualenv(smoke: Smoke, tmp_path: Path, note) -> None:
    code = 'import dvc_dolt, dvc, sys; print(dvc_dolt.__file__, dvc.__version__, "doltcli" in sys.modules)'  # noqa: E501
    out = run(tmp_path, smoke.python, "-c", code).stdout.rstrip("\n")
    note(f"dvc-dolt, DVC, doltcli imported: {out}")
    assert out.startswith(f"{smoke.venv}/"), f"dvc_dolt was not imported from {smoke.venv}"


@newest_cpython
def test_add_records_the_dolt_commit(project: Project, tracked) -> None:
    expect_no_warning(tracked, "dvc add db")
    recorded = (project.path / "db.dvc").read_text()
    # YAML may fold the long value onto the next line.
    folded = re.sub(r"[ \n]", "", recorded)
    pattern = rf"checksum:{project.commit}-[0-9a-v]{{32}}-[0-9a-v]{{32}}\.dolt"
    assert re.search(pattern, folded), (
        f"db.dvc does not record Dolt commit {project.commit}:\n{recorded}"
    )


@newest_cpython
def test_status_up_to_date(smoke: Smoke, project: Project, tracked) -> None:
    proc = run(project.path, smoke.dvc, "status")
    expect_no_warning(proc, "dvc status")
    assert "up to date" in proc.stdout, f"dvc status: database not up to date:\n{proc.stdout}"


@newest_cpython
def test_push_then_clone_and_pull(smoke: Smoke, project: Project, tracked, note) -> None:
    run(project.path, smoke.dvc, "remote", "add", "-d", "store", project.work / "store")
    run(project.path, "git", "add", "-A")
    run(project.path, "git", "commit", "-qm", "track db")
    expect_no_warning(run(project.path, smoke.dvc, "push"), "dvc push")

    run(project.work, "git", "clone", "-q", project.path, "clone")
    clone = project.work / "clone"
    expect_no_warning(run(clone, smoke.dvc, "pull"), "dvc pull")
    pulled = dolt_head(clone / "db")
    assert pulled == project.commit, (
        f"the clone's database is at {pulled}, not the recorded {project.commit}"
    )
    code = 'from dvc_dolt import api; print(len(api.read("db", "t")))'
    rows = run(clone, smoke.python, "-c", code).stdout.rstrip("\n")
    assert rows == "2", f"api.read in the clone: {rows} rows, not 2"
    note(f"add, status, push, clone + pull of a Dolt database: OK (commit {project.commit})")


# -- 2. a DVC release outside the supported range ---------------------------------


class Old(NamedTuple):
    dvc: Path
    version: str  # of DVC
    expected: str  # the start of the one line each command prints on stderr


class OldProject(NamedTuple):
    path: Path
    results: dict[str, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def old() -> Old:
    version = os.environ["DVC_DOLT_SMOKE_OLD_DVC"]
    package = os.environ["DVC_DOLT_SMOKE_VERSION"]
    expected = (
        f"WARNING: dvc-dolt {package} does not support DVC {version}: "
        "Dolt databases are not handled"
    )
    return Old(Path(OLD_VENV) / "bin" / "dvc", version, expected)


def one_warning(old: Old, proc: subprocess.CompletedProcess[str], what: str) -> None:
    """The command says once that dvc-dolt is off, and nothing else on stderr."""
    lines = proc.stderr.splitlines()
    one_line = len(lines) == 1 and lines[0].startswith(old.expected)
    assert one_line, (
        f"DVC {old.version} '{what}': stderr is not one line '{old.expected} (...)':\n{proc.stderr}"
    )


@pytest.fixture(scope="module")
def old_project(old: Old, tmp_path_factory: pytest.TempPathFactory) -> OldProject:
    """A git + DVC project made by the old DVC, with a file and a Dolt database added."""
    path = tmp_path_factory.mktemp("old")
    results = {}
    run(path, "git", "init", "-q", "-b", "main")
    results["dvc init"] = run(path, old.dvc, "init", "-q")
    (path / "file.txt").write_text("plain data\n")
    results["dvc add file.txt"] = run(path, old.dvc, "add", "file.txt")
    (path / "db").mkdir()
    run(path / "db", dolt(), "init", "-b", "main")
    results["dvc add db"] = run(path, old.dvc, "add", "db")
    return OldProject(path, results)


@unsupported_dvc
def test_old_dvc_version(old: Old, tmp_path: Path, note) -> None:
    proc = run(tmp_path, old.dvc, "--version")
    one_warning(old, proc, "dvc --version")
    note(f"DVC {old.version}: {proc.stderr.rstrip()}")
    printed = proc.stdout.rstrip("\n")
    assert printed == old.version, f"dvc --version printed {printed}"


@unsupported_dvc
@pytest.mark.parametrize("command", ["dvc init", "dvc add file.txt", "dvc add db"])
def test_old_dvc_warns_once(old: Old, old_project: OldProject, command: str) -> None:
    one_warning(old, old_project.results[command], command)


@unsupported_dvc
def test_old_dvc_adds_a_database_as_plain_files(old: Old, old_project: OldProject) -> None:
    recorded = (old_project.path / "db.dvc").read_text()
    assert re.search(r"md5: [0-9a-f]{32}\.dir", recorded), (
        f"DVC {old.version} did not record db as plain files:\n{recorded}"
    )


@unsupported_dvc
def test_old_dvc_status(old: Old, old_project: OldProject, note) -> None:
    proc = run(old_project.path, old.dvc, "status")
    one_warning(old, proc, "dvc status")
    assert "up to date" in proc.stdout, f"DVC {old.version}: dvc status:\n{proc.stdout}"
    note(f"DVC {old.version}: --version, init, add (a file, a database as files), status: OK")
