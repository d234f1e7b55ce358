"""What a `dvc` command imports of dvc-dolt: only what it uses.

Counted in modules, not timed: a module not imported costs nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import dvc, git

pytestmark = pytest.mark.timeout(120)

# Runs a dvc command in-process, then prints the dvc-dolt and doltcli modules it loaded.
RUN = """
import json, sys
from dvc.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --version exits from argparse
    code = exc.code
print(json.dumps([code, sorted(m for m in sys.modules if m.startswith(("dvc_dolt", "doltcli")))]))
"""


def loaded(repo, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", RUN, *args], cwd=repo, capture_output=True, text=True, check=False
    )
    code, modules = json.loads(proc.stdout.splitlines()[-1])
    assert code == 0, proc.stderr
    return set(modules)


@pytest.fixture
def project(dvc_repo, make_db):
    make_db("db", parent=dvc_repo)
    dvc(dvc_repo, "add", "db")
    git(dvc_repo, "add", "-A")
    git(dvc_repo, "commit", "-qm", "track db")
    return dvc_repo


def test_no_op_commands_import_no_doltcli_and_no_remote_support(project):
    for args in (["status"], ["checkout"], ["commit", "-f"]):
        modules = loaded(project, *args)
        assert "dvc_dolt.dolt.database" in modules, args  # it did see the database
        assert not {m for m in modules if m.startswith("doltcli")}, args
        # The dolt:// remote type loads with a dolt:// remote only.
        assert "dvc_dolt.dvc.sharing.fs" not in modules, args
    # Nor the remote modules, for commands that move nothing.
    remote_modules = {"dvc_dolt.dvc.sharing.remotes", "dvc_dolt.dolt.remote"}
    for args in (["checkout"], ["status"]):
        assert not remote_modules & loaded(project, *args), args


def test_version_flag_imports_no_dolt_layer(tmp_path):
    modules = loaded(tmp_path, "--version")
    assert not {m for m in modules if m.startswith(("dvc_dolt.dolt", "doltcli"))}


def test_config_check_hands_over_every_remote_the_remote_module_handles():
    """The validator's pre-check must say yes to everything dvc_dolt.dvc.sharing.remotes handles."""
    from dvc_dolt.dvc.layout import SCHEME
    from dvc_dolt.dvc.plug import remotes as patches
    from dvc_dolt.dvc.sharing import remotes

    assert SCHEME in remotes.S3_TABLE_OPTION
    ours = [
        {"url": "dolt://host/owner"},
        {"url": "DOLT://host/owner"},
        {"url": " dolt://host/owner"},
        {"url": "s3://bucket/path", remotes.S3_TABLE_OPTION: "table"},
    ]
    assert all(patches._may_be_dolt_remote(data) for data in ours)
    assert not patches._may_be_dolt_remote({"url": "/home/me/.dvc/cache"})
    # A project under a folder named for dolt is not a Dolt remote.
    assert not patches._may_be_dolt_remote({"url": "/home/me/dolt-work/p/.dvc/cache"})
    assert not patches._may_be_dolt_remote({"url": "s3://dolt-bucket/path"})
    assert not patches._may_be_dolt_remote({"url": "s3://bucket/path", "region": "x"})
    assert not patches._may_be_dolt_remote("not a section")


CATCH = """
from dvc_dolt.dolt.runner import run
import doltcli
try:
    run(["checkout", "no-such-branch"], {path!r})
except doltcli.DoltException as exc:
    print("caught", type(exc).__name__)
"""


def test_doltcli_imported_after_dvc_dolt_still_catches(make_db):
    pytest.importorskip("doltcli", reason="doltcli is a dependency on CPython < 3.12 only")
    db = make_db()
    proc = subprocess.run(
        [sys.executable, "-c", CATCH.format(path=str(db.path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.strip() == "caught DoltCommandError", proc.stderr
