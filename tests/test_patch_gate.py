"""A DVC that dvc-dolt does not know is left exactly as shipped (issue 11, section 7).

These tests run the real `dvc` command on a copy of the installed DVC with one
thing changed, as a DVC release would change it: a patch point's parameters,
or the version. scripts/smoke-install does the same against a real DVC
release outside the supported range.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dvc as dvc_package
import pytest
from helpers import dvc

from dvc_dolt import __version__
from dvc_dolt.dvc.plug import gate

REPO = Path(__file__).resolve().parents[1]


def changed_dvc(tmp_path: Path, relpath: str, old: str | None, new: str) -> dict[str, str]:
    """The environment of a `dvc` that imports a copy of DVC with ``old`` -> ``new``
    in ``relpath`` (``old=None``: ``new`` appended)."""
    root = tmp_path / "changed-dvc"
    shutil.copytree(
        Path(dvc_package.__file__).parent,
        root / "dvc",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    target = root / "dvc" / relpath
    text = target.read_text()
    if old is None:
        target.write_text(f"{text}\n{new}\n")
    else:
        assert text.count(old) == 1, f"{relpath} no longer has {old!r}: pick another change"
        target.write_text(text.replace(old, new))
    paths = [str(root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"PYTHONPATH": os.pathsep.join(paths)}


def warnings(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("WARNING:")]


def assert_plain_files(repo: Path) -> None:
    """`dvc add db` recorded the directory as plain DVC does: an md5 of its files."""
    recorded = (repo / "db.dvc").read_text()
    assert re.search(r"md5: [0-9a-f]{32}\.dir\b", recorded), recorded
    assert ".dolt" not in recorded.replace("path: db", "")
    assert any((repo / ".dvc" / "cache").rglob("*.dir")), "DVC cached the files"


@pytest.mark.parametrize(
    ("relpath", "old", "new", "point"),
    [
        # The first module every command imports: nothing was patched before.
        (
            "cli/parser.py",
            "    version,\n]\n",
            "    version,\n]\nCOMMANDS = tuple(COMMANDS)\n",
            "dvc.cli.parser.COMMANDS is a tuple, not a list",
        ),
        # Imported with dvc.repo, after the parser, the config schema and
        # dvc.repo.checkout were patched: those are undone.
        (
            "stage/cache.py",
            "def _can_hash(stage):",
            "def _can_hash(stage, strict=True):",
            "dvc.stage.cache._can_hash has parameters (stage, strict), not (stage)",
        ),
        # A private method the Dolt outputs override, not a patch point itself.
        (
            "output.py",
            "    def _get_hash_meta(self):",
            "    def _get_hash_meta(self, strict=True):",
            "dvc.output.Output._get_hash_meta has parameters (self, strict), not (self)",
        ),
        # A module dvc-dolt only uses, loaded before anything is patched.
        (
            "utils/__init__.py",
            "def resolve_output(inp: str, out: Optional[str], force=False) -> str:",
            "def resolve_output(source: str, out: Optional[str], force=False) -> str:\n"
            "    inp = source",
            "dvc.utils.resolve_output has parameters (source, out, force), not (inp, out, ...)",
        ),
        # A name of another module that `dvc run` relies on.
        (
            "commands/stage.py",
            "def _add_common_args(parser):",
            "def _add_common_args(parser, x=0):",
            "dvc.commands.stage._add_common_args has parameters (parser, x), not (parser)",
        ),
    ],
)
def test_a_changed_patch_point_leaves_dvc_unpatched(
    tmp_path, dvc_repo, make_db, relpath, old, new, point
):
    env = changed_dvc(tmp_path, relpath, old, new)
    make_db("db", parent=dvc_repo)

    add = dvc(dvc_repo, "add", "db", env=env)
    status = dvc(dvc_repo, "status", env=env)
    remote = dvc(dvc_repo, "remote", "add", "r", "dolt://127.0.0.1/db", ok=False, env=env)

    expected = (
        f"WARNING: dvc-dolt {__version__} does not support DVC {dvc_package.__version__}: "
        f"Dolt databases are not handled ({point})"
    )
    assert warnings(add) == [expected]
    assert warnings(status) == [expected]
    assert_plain_files(dvc_repo)
    assert "up to date" in status.stdout
    # DVC's own remote validator, not ours (which had been installed in the
    # second case before the check failed).
    assert "Unsupported URL type dolt://" in remote.stderr


def test_a_late_module_failing_its_check_undoes_every_patch(tmp_path, dvc_repo):
    # dvc.info is imported last, by `dvc version`, after every other patch.
    env = changed_dvc(tmp_path, "info.py", "def get_dvc_info():", "def get_dvc_info(x=0):")
    version = dvc(dvc_repo, "version", env=env)
    plain = dvc(dvc_repo, "version", env={**env, "DVC_DOLT_DISABLE": "1"})

    assert warnings(version) == [
        f"WARNING: dvc-dolt {__version__} does not support DVC {dvc_package.__version__}: "
        "Dolt databases are not handled "
        "(dvc.info.get_dvc_info has parameters (x), not ())"
    ]
    assert "dvc-dolt" not in version.stdout
    assert "Dolt:" not in version.stdout
    assert version.stdout == plain.stdout


@pytest.mark.parametrize("version", ["3.49.0", "3.68.0"])
def test_a_dvc_outside_the_supported_range_is_left_alone(tmp_path, dvc_repo, make_db, version):
    env = changed_dvc(tmp_path, "version.py", None, f"__version__ = {version!r}")
    make_db("db", parent=dvc_repo)

    shown = dvc(dvc_repo, "--version", env=env)
    add = dvc(dvc_repo, "add", "db", env=env)
    status = dvc(dvc_repo, "status", env=env)

    assert shown.stdout.strip() == version
    expected = (
        f"WARNING: dvc-dolt {__version__} does not support DVC {version}: Dolt databases are "
        "not handled (it supports DVC >=3.50,<3.68)"
    )
    for proc in (shown, add, status):
        assert warnings(proc) == [expected]
    assert_plain_files(dvc_repo)
    assert "up to date" in status.stdout


def test_a_patch_module_that_cannot_load_does_not_break_dvc(dvc_repo):
    # As if dvc_dolt.dvc.plug.gate raised on import: `dvc status` still runs, as plain DVC.
    code = (
        "import sys\n"
        "sys.modules['dvc_dolt.dvc.plug.gate'] = None\n"
        "from dvc.cli import main\n"
        "sys.exit(main(['status']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=dvc_repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    [warning] = warnings(proc)
    assert warning.startswith(
        "WARNING: dvc-dolt is switched off, its DVC patches do not load: ModuleNotFoundError: "
    )


def test_supported_range_is_pyprojects():
    declared = re.search(r'"dvc(>=[\d.]+,<[\d.]+)"', (REPO / "pyproject.toml").read_text())
    (low, high) = gate.SUPPORTED_DVC
    assert declared is not None
    assert declared[1] == f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
    assert gate.supported(dvc_package.__version__), "the DVC CI tests on is in the range"


def test_reading_a_table_from_a_path_imports_no_dvc(make_db):
    db = make_db(rows=[(1, "a"), (2, "b")])
    code = (
        "import sys\n"
        "from dvc_dolt import api\n"
        f"frame = api.read({str(db.path)!r}, 't')\n"
        "print(len(frame), sorted(m for m in sys.modules if m == 'dvc' or m.startswith('dvc.')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "[]"]


def test_the_bootstrap_hooks_exactly_the_modules_of_the_table():
    from dvc_dolt._bootstrap import PATCHED_MODULES, WAITING_MODULES
    from dvc_dolt.dvc.plug.points import POINTS

    waiting = {name for name, point in POINTS.items() if point.waits or not point.patch}
    assert set(POINTS) - waiting == PATCHED_MODULES
    assert waiting == WAITING_MODULES


def test_every_name_of_the_patch_table_has_its_shape_in_the_installed_dvc():
    """What the gate checks at each import, checked here for all of them at once."""
    import importlib

    from dvc_dolt.dvc.plug.points import POINTS
    from dvc_dolt.dvc.plug.shape import check

    for name, point in POINTS.items():
        check(importlib.import_module(name), point.shapes)


def _dvc_names_imported() -> set[tuple[str, str]]:
    """(module, name) of every `from dvc... import name` in dvc_dolt, of DVC and
    the libraries whose versions DVC pins (dvc_data, dvc_objects, scmrepo)."""
    import ast

    found = set()
    for path in (REPO / "dvc_dolt").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            if node.module.split(".")[0] in ("dvc", "dvc_data", "dvc_objects", "scmrepo"):
                found.update((node.module, alias.name) for alias in node.names)
    return found


def test_every_dvc_name_the_code_imports_is_in_the_table():
    from dvc_dolt.dvc.plug.points import POINTS

    missing = []
    for module, name in sorted(_dvc_names_imported()):
        if f"{module}.{name}" in POINTS:  # a submodule, itself in the table
            continue
        shapes = POINTS.get(module, None)
        names = {key.lstrip("~").split(".")[0] for key in shapes.shapes} if shapes else set()
        if name not in names:
            missing.append(f"{module}.{name}")
    assert not missing, f"not in dvc_dolt/dvc/plug/points.py: {missing}"
