"""Fixtures every dvc-dolt test reuses: an isolated Dolt config, a factory for
real Dolt databases, a real HTTP Dolt remote (``dolt sql-server
--remotesapi-port``) on 127.0.0.1, cloud emulators, and the projects the
workflow tests (tracking, sharing, experiments, views...) start from."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    COUNT,
    GLOBAL_CONFIG,
    SCALE,
    DbFactory,
    DoltRemoteServer,
    DoltTrace,
    FakeGcsServer,
    MotoServer,
    commit,
    default_remote,
    dolt,
    dvc,
    git,
    git_commit,
    insert,
    serving,
    sql,
    track,
)

from dvc_dolt.dolt import DoltBinary, find_dolt
from dvc_dolt.dolt.errors import DoltError
from dvc_dolt.dolt.trace import ENV_TRACE

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "dvc-dolt tests",
    "GIT_AUTHOR_EMAIL": "tests@dvc-dolt.invalid",
    "GIT_COMMITTER_NAME": "dvc-dolt tests",
    "GIT_COMMITTER_EMAIL": "tests@dvc-dolt.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(scope="session", autouse=True)
def dolt_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private DOLT_ROOT_PATH with user, metrics and version check set."""
    try:
        find_dolt()
    except DoltError as exc:
        pytest.exit(f"dvc-dolt tests need a real dolt: {exc}", returncode=3)
    root = tmp_path_factory.mktemp("dolt-root")
    saved = {k: os.environ.get(k) for k in ("DOLT_ROOT_PATH", "DOLT_CLI_USER")}
    os.environ["DOLT_ROOT_PATH"] = str(root)
    os.environ.pop("DOLT_CLI_USER", None)
    for key, value in GLOBAL_CONFIG.items():
        dolt(root, "config", "--global", "--add", key, value)
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session", autouse=True)
def git_identity() -> Iterator[None]:
    """Commits in test repos need an author; never the developer's own config."""
    saved = {k: os.environ.get(k) for k in _GIT_ENV}
    os.environ.update(_GIT_ENV)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def dvc_repo(tmp_path: Path) -> Path:
    """A fresh git + DVC repository."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    dvc(repo, "init", "-q")
    git(repo, "commit", "-qm", "init dvc")
    return repo


@pytest.fixture(scope="session")
def dolt_bin(dolt_root: Path) -> DoltBinary:
    """The real dolt the suite runs."""
    return find_dolt()


@pytest.fixture
def make_db(tmp_path: Path) -> DbFactory:
    return DbFactory(tmp_path)


@pytest.fixture(scope="session")
def dolt_server(
    tmp_path_factory: pytest.TempPathFactory, dolt_root: Path
) -> Iterator[DoltRemoteServer]:
    """One real HTTP Dolt remote server per test session (per xdist worker)."""
    yield from serving(DoltRemoteServer(tmp_path_factory.mktemp("dolt-server")))


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One real moto server (S3 + DynamoDB) per test session (per xdist worker)."""
    yield from serving(MotoServer(tmp_path_factory.mktemp("moto") / "moto.log"))


@pytest.fixture
def s3(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MotoServer:
    """moto's credentials in the environment, and no AWS config of the developer's."""
    for key, value in MotoServer.CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return moto_server


def _fake_gcs_binary() -> str:
    cache = os.environ.get("DVC_DOLT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dvc-dolt"
    )
    for candidate in (
        os.environ.get("DVC_DOLT_FAKE_GCS"),
        os.path.join(cache, "fake-gcs-server-v1.56.1", "fake-gcs-server"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("the GCS tests need fake-gcs-server: run scripts/install-fake-gcs-server")


@pytest.fixture(scope="session")
def gcs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGcsServer]:
    """One real fake-gcs-server per test session (per xdist worker)."""
    yield from serving(
        FakeGcsServer(_fake_gcs_binary(), tmp_path_factory.mktemp("gcs") / "gcs.log")
    )


@pytest.fixture
def gcs(
    gcs_server: FakeGcsServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> FakeGcsServer:
    # gcsfs would ask the emulator for the bucket's type over gRPC/TLS and
    # retry for minutes; the emulator serves plain HTTP only.
    monkeypatch.setenv("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    # No Google credentials of the developer's: gcsfs falls back to anonymous.
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud-config"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    return gcs_server


@pytest.fixture
def http_remote(dolt_server: DoltRemoteServer) -> str:
    """URL of a fresh, empty database on the HTTP Dolt remote server."""
    return dolt_server.new_database()


@pytest.fixture
def file_remote(tmp_path: Path) -> str:
    return (tmp_path / "file-remote").as_uri()


@pytest.fixture
def no_dolt_on_path(
    dolt_bin: DoltBinary, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """A PATH and cache without dolt, and a fresh lookup."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("DVC_DOLT_DOLT", raising=False)
    monkeypatch.setenv("DVC_DOLT_CACHE", str(tmp_path / "no-cache"))
    find_dolt.cache_clear()
    yield
    find_dolt.cache_clear()


@pytest.fixture
def dolt_trace(tmp_path: Path) -> DoltTrace:
    """Counts the dolt processes of the `dvc` commands run with ``env=dolt_trace.env``
    (or as ``dolt_trace.dvc(...)``)."""
    return DoltTrace(tmp_path / "dolt-trace.jsonl")


@pytest.fixture
def count_dolt_processes(
    dolt_trace: DoltTrace, monkeypatch: pytest.MonkeyPatch, dolt_bin: DoltBinary
) -> DoltTrace:
    """Counts the dolt processes started in this process, and in any `dvc` it runs:
    the argv (after ``dolt``) of each, through ``$DVC_DOLT_TRACE``."""
    monkeypatch.setenv(ENV_TRACE, str(dolt_trace.path))
    return dolt_trace


@pytest.fixture
def exp_repo(dvc_repo, make_db, monkeypatch):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    make_db("labels", parent=repo)
    make_db("scores", parent=repo, rows=[], table="placeholder")
    (repo / "scale.py").write_text(SCALE)
    (repo / "params.yaml").write_text("scale: 1\n")
    dvc(repo, "add", "labels")
    dvc(repo, "stage", "add", "-n", "score", "-d", "scale.py", "-d", "labels", "-p", "scale",
        "-o", "scores", f"{sys.executable} scale.py")  # fmt: skip
    dvc(repo, "repro")
    git_commit(repo, "baseline")
    return repo


@pytest.fixture
def pushed_repo(dvc_repo, make_db, tmp_path):
    """A project whose database `labels` is pushed to a local DVC remote."""
    track(dvc_repo, make_db, "labels", rows=[(1, "a"), (2, "b")])
    default_remote(dvc_repo, tmp_path / "storage")
    git_commit(dvc_repo, "labels")
    dvc(dvc_repo, "push")
    return dvc_repo


@pytest.fixture
def table_repo(dvc_repo, make_db, monkeypatch):
    """A stage `count` that reads table `train` of database `labels` (tables train, test)."""
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo, table="train")
    sql(labels, "create table test (id int primary key, v text)")
    insert(labels, [(1, "x")], table="test")
    commit(labels, "a test table")
    dvc(repo, "add", "labels")
    (repo / "count.py").write_text(COUNT)
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", "labels/train",
        "-M", "count.json", f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    git_commit(repo, "count train rows")
    return repo
