"""The DVC extension for VS Code, as a client: its read calls, with exactly its flags,
on a project like a user's (a database, a stage reading one of its tables, a stage
reading all of it, metrics, plots, a remote, a workspace and a queued experiment, a
Dolt commit made since). With dvc-dolt loaded and switched off, every call exits 0
with JSON alone where JSON is asked, carrying the fields the extension reads; with
dvc-dolt, each database shows once, as a folder with its tables, and no file inside
a `.dolt/` folder ever shows.

A new extension release is one edit here: CALLS and the CONTRACT checks come from
iterative/vscode-dvc, extension/src/cli/dvc/reader.ts (the calls; their flags in
constants.ts) and extension/src/cli/dvc/contract.ts (the output types).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from helpers import DbFactory, commit, default_remote, dvc, git, git_commit, insert

pytestmark = pytest.mark.timeout(600)

PLOTS_DIR = ".dvc/tmp/plots"  # reader.ts: TEMP_PLOTS_DIR

# name -> (argv, contract name or None for text); {head} is git HEAD's sha.
CALLS: dict[str, tuple[list[str], str | None]] = {
    "version": (["--version"], None),
    "root": (["root"], None),
    "dag": (["dag", "--md"], None),
    "stage list": (["stage", "list"], None),
    "data status": (["data", "status", "--granular", "--unchanged", "--json"], "DataStatusOutput"),
    "exp show": (["exp", "show", "--rev", "{head}", "--json"], "ExpShowOutput"),
    "plots diff": (
        ["plots", "diff", "{head}", "workspace", "-o", PLOTS_DIR, "--split", "--json"],
        "PlotsOutput",
    ),
}


# -- contract.ts, as checks ----------------------------------------------------


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _changes(value: Any) -> None:
    # Changes: added/deleted/modified/unknown: string[]; renamed: {new, old}[]
    assert isinstance(value, dict), value
    assert set(value) <= {"added", "deleted", "modified", "renamed", "unknown"}, value
    for kind, paths in value.items():
        if kind == "renamed":
            assert all(set(p) == {"new", "old"} for p in paths), paths
        else:
            assert _strings(paths), paths


def data_status_output(out: Any) -> None:
    assert isinstance(out, dict), out
    assert set(out) <= {"committed", "uncommitted", "not_in_cache", "unchanged"}, out
    for key in ("committed", "uncommitted"):
        if key in out:
            _changes(out[key])
    for key in ("not_in_cache", "unchanged"):
        if key in out:
            assert _strings(out[key]), out[key]


def _files(value: Any, fields: set[str]) -> None:
    assert value is None or isinstance(value, dict), value
    for entry in (value or {}).values():
        assert fields <= set(entry), entry


def _exp_data(data: Any) -> None:
    assert {"rev", "timestamp", "params", "metrics", "deps", "outs", "meta"} <= set(data), data
    _files(data["deps"], {"hash", "size", "nfiles"})
    _files(data["outs"], {"hash", "size", "nfiles", "use_cache", "is_data_source"})


def exp_show_output(out: Any) -> None:
    assert isinstance(out, list), out
    for state in out:
        assert isinstance(state["rev"], str), state
        if state.get("data"):
            _exp_data(state["data"])
        for exp_range in state.get("experiments") or []:
            assert {"revs", "executor"} <= set(exp_range), exp_range
            for rev in exp_range["revs"]:
                assert isinstance(rev["rev"], str), rev
                if rev.get("data"):
                    _exp_data(rev["data"])


def plots_output(out: Any) -> None:
    assert isinstance(out, dict), out
    for plots in out.get("data", {}).values():
        for plot in plots:
            assert plot["type"] in ("vega", "image"), plot
            assert _strings(plot["revisions"]), plot
    for error in out.get("errors", []):
        assert {"rev", "type", "msg"} <= set(error), error


CONTRACT: dict[str, Callable[[Any], None]] = {
    "DataStatusOutput": data_status_output,
    "ExpShowOutput": exp_show_output,
    "PlotsOutput": plots_output,
}


# -- the project -----------------------------------------------------------------

TRAIN = """\
import json
from dvc_dolt import api

threshold = int(open("params.yaml").read().split(":")[1])
frame = api.read("labels", "train")
kept = int((frame["id"] >= threshold).sum())
open("model.txt", "w").write(str(kept))
json.dump({"rows": len(frame), "kept": kept}, open("metrics.json", "w"))
with open("plots.csv", "w") as fobj:
    fobj.write("step,kept\\n" + "".join(f"{i},{i * kept}\\n" for i in range(3)))
"""
REPORT = f"{sys.executable} -c \"open('report.txt', 'w').write('report')\""


@pytest.fixture(scope="module")
def project(tmp_path_factory, dolt_root) -> tuple[Path, str]:
    """The project the extension shows, and git HEAD's sha."""
    base = tmp_path_factory.mktemp("vscode")
    repo = base / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    dvc(repo, "init", "-q")
    make_db = DbFactory(repo)
    labels = make_db("labels", rows=[(1, "cat"), (2, "dog"), (3, "cat")], table="train")
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text("threshold: 1\n")
    dvc(repo, "add", "labels")
    dvc(repo, "stage", "add", "-n", "train", "-d", "train.py", "-d", "labels/train",
        "-p", "threshold", "-o", "model.txt", "-M", "metrics.json", "--plots", "plots.csv",
        f"{sys.executable} train.py")  # fmt: skip
    dvc(repo, "stage", "add", "-n", "report", "-d", "labels", "-o", "report.txt", REPORT)
    dvc(repo, "repro")
    default_remote(repo, base / "storage")
    dvc(repo, "push")
    git_commit(repo, "a project with a database")
    dvc(repo, "exp", "run", "-S", "threshold=2")
    dvc(repo, "exp", "run", "--queue", "-S", "threshold=3")
    # Since then: a Dolt commit, and a new database nobody has added.
    insert(labels, [(4, "bird")], table="train")
    commit(labels, "a fourth label")
    make_db("newdb")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def call(repo: Path, head: str, name: str, on: bool):
    argv, _ = CALLS[name]
    env = None if on else {"DVC_DOLT_DISABLE": "1"}
    return dvc(repo, *(a.format(head=head) for a in argv), env=env)


def paths_in(value: Any) -> list[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [k, *paths_in(v)]]
    if isinstance(value, list):
        return [p for v in value for p in paths_in(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("on", [True, False], ids=["dvc-dolt", "plain DVC"])
@pytest.mark.parametrize("name", list(CALLS))
def test_every_call_the_extension_makes_exits_0_with_its_contract(project, name, on):
    repo, head = project
    proc = call(repo, head, name, on)  # exit 0, or dvc() fails the test
    assert "ERROR" not in proc.stderr, proc.stderr
    contract = CALLS[name][1]
    if contract is None:
        assert proc.stdout.strip(), proc.stderr
        return
    out = json.loads(proc.stdout)  # stdout is the JSON document alone
    CONTRACT[contract](out)
    assert not [p for p in paths_in(out) if ".dolt/" in p or p.endswith("/.dolt")], out


def test_data_status_shows_each_database_once_as_a_folder_with_its_tables(project):
    repo, head = project
    out = json.loads(call(repo, head, "data status", True).stdout)
    entries = paths_in(out)
    assert entries.count("labels/") == 1, out  # a folder: the trailing separator
    assert "labels/train" in out["uncommitted"]["modified"], out  # the new Dolt commit
    assert "newdb/" not in entries  # untracked, and not asked for
    assert not [p for p in entries if "/.dolt" in p], out


def test_exp_show_lists_the_database_and_the_table_a_stage_read(project):
    repo, head = project
    out = json.loads(call(repo, head, "exp show", True).stdout)
    workspace = next(state for state in out if state["rev"] == "workspace")
    assert workspace["data"]["outs"]["labels"]["hash"].endswith(".dolt")
    assert workspace["data"]["outs"]["labels"]["use_cache"] is False
    assert "labels/train" in workspace["data"]["deps"]
    queued = [r for state in out for e in state.get("experiments") or [] for r in e["revs"]]
    assert queued, out  # the workspace run and the queued one
