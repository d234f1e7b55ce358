"""dvc-dolt's two local remotes of a database side by side: a folder and a git repository.

    python benchmarks/git_remote.py [--rows 100000,1000000] [--random] [--repeat 3]
    python benchmarks/git_remote.py --rows 1000000 --random --template /tmp/git-remote-template

The same database, pushed and pulled by dvc-dolt to and from:
  file://  a DVC remote in a local folder (`dvc remote add -d storage DIR`):
           dvc-dolt's Dolt remote on it is a file:// one;
  git      the project's own git remote, a bare repository on local disk
           (`git remote add origin .../origin.git`, `dvc remote add -d origin
           git+remote://origin`): Dolt keeps the database under
           `refs/dolt/<key>` there, through the `git` binary.

Each side runs the same round --repeat times, on a fresh copy of the database
and a fresh, empty remote each time, the sides taking turns; each figure is
the median over the rounds. A round: `dvc add db` (which compacts a database
whose journal makes dolt slow: dvc-dolt's default policy, DVC_DOLT_COMPACT
unset), the code committed and pushed to a bare origin.git (both sides: the
git side needs a branch there, and both clone from it), the first `dvc push`,
a 1-row dolt commit + `dvc commit -f` + git commit and push, `dvc push` again,
then `git clone` of origin.git and `dvc pull` in that clone (the file:// side's
clone finds its remote in the committed .dvc/config). The first push of a
database `dvc add` compacted copies its table files (`dolt backup sync-url`,
over git with the remote's --ref; dolt procs `sql:dolt_backup`) instead of
walking its chunks (`push`).

For each of the three dvc commands: seconds, the ratio git / file:// (higher
is slower over git), the dolt processes dvc-dolt started (DVC_DOLT_TRACE, as
bench.py counts them, with their subcommands) and the bytes the command added
to the remote (the folder; for git, the bare repository, measured after the
code's own git push). The notes give, for the pulled clone, its .dolt/noms
and (git) the second copy Dolt keeps in .dolt/git-remote-cache, and the
git-remote-cache the pushing workspace was left with (a push runs in a view
of the database, which links the database's cache: the next push does not
download the remote's ref again; DVC_DOLT_LOCKFREE_READS=0 in the environment
measures pushes run in the database itself). The header names every
DVC_DOLT_* variable set.

Data (--rows sizes): as bench.py's, built by `dolt table import` and
committed, as the import left it (its data in Dolt's chunk journal):
  default    a narrow table (id, label, score), compressible;
  --random   (id, payload text) with an 8-byte random hex payload per row,
             incompressible, each text value a chunk of its own in Dolt 1.x.
--template DIR keeps the built databases (bench.py's layout: one folder per
kind, size and dolt version) for the next run, bench.py's included.

--wait-idle pytest waits before each round while a test run is going on and
runs a round it overlapped again (as bench.py).

dvc_dolt is byte-compiled first, as pip does when it installs a wheel. Needs
dolt >= 1.81.8 (DVC_DOLT_DOLT picks one), git, and a Python with dvc-dolt
installed. Not run in CI. Put a snapshot of the code under test first on
PYTHONPATH to measure it rather than the working tree; the header says which
dvc_dolt ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bench import (
    DATA,
    DVC,
    ENV_COMPACT,
    MARGIN,
    MB,
    Data,
    FileRemote,
    Idle,
    Round,
    Trace,
    change_one_row,
    check_space,
    describe_code,
    dir_size,
    git,
    new_repo,
    prepare_template,
    procs_text,
    remove,
    run,
    run_output,
    setup_identity,
)

from dvc_dolt.dolt import find_dolt
from dvc_dolt.dolt.git_remote import GIT_CACHE_DIR, GIT_REMOTES_VERSION

ADD = "dvc add db"
FIRST_PUSH = "dvc push (first)"
PUSH_CHANGED = "dvc push after a 1-row commit"
PULL = "dvc pull in a fresh git clone"
COMMANDS = [ADD, FIRST_PUSH, PUSH_CHANGED, PULL]
# Bytes each command added to the remote (MB), keyed by command.
ADDED = {FIRST_PUSH: "first push: MB added", PUSH_CHANGED: "push after 1 row: MB added"}
# Sizes (MB) in the pulled clone's database and the pushing workspace's.
CLONE_NOMS = "pulled clone: .dolt/noms"
CLONE_CACHE = f"pulled clone: .dolt/{GIT_CACHE_DIR}"
CLONE_DOLT = "pulled clone: all of .dolt"
WORK_CACHE = f"workspace after the pushes: .dolt/{GIT_CACHE_DIR}"
WORK_NOMS = "workspace after the pushes: .dolt/noms"
SIZES = [CLONE_NOMS, CLONE_CACHE, CLONE_DOLT, WORK_NOMS, WORK_CACHE]


@dataclass(frozen=True)
class Side:
    """Where the database goes: a folder, or the project's own git origin."""

    key: str
    label: str


SIDES = [Side("file", "file://"), Side("git", "git")]
WARM_UP_ROWS = 100


def bare(path: Path) -> Path:
    """An empty bare repository at ``path``, its HEAD on main."""
    remove(path)
    git(path.parent, "init", "-q", "--bare", "-b", "main", str(path))
    return path


def size_mb(path: Path) -> float:
    return dir_size(path) / MB if path.exists() else 0.0


def one_round(base: Path, side: Side, template: Path, data: Data, trace: Trace) -> Round:
    """Every figure of one side in one round; its folders are deleted at the end."""
    out = Round()
    repo = new_repo(base, side.key, template)
    db = repo / "db"
    origin = bare(base / f"{side.key}-origin.git")
    clone = base / f"{side.key}-clone"
    # file://: the DVC remote's folder; git: the bare repository itself.
    remote = origin if side.key == "git" else base / f"{side.key}-remote"

    def measure(what: str, args: list[str], cwd: Path = repo) -> None:
        def once() -> float:
            seconds, said = run_output([DVC, *args], cwd)
            out.said.extend(
                line.strip()
                for line in said.splitlines()
                if any(w in line.lower() for w in ("compact", "warning", "error"))
            )
            return seconds

        out.figures[what], out.procs[what] = trace.watch(once)

    def pushed(what: str) -> None:
        before = size_mb(remote)
        measure(what, ["push"])
        out.figures[ADDED[what]] = size_mb(remote) - before

    try:
        measure(ADD, ["add", "db"])
        git(repo, "remote", "add", "origin", str(origin))
        if side.key == "git":
            run([DVC, "remote", "add", "-d", "origin", "git+remote://origin"], repo)
        else:
            FileRemote(remote).add(repo, None)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "v1")
        git(repo, "push", "-q", "origin", "HEAD:main")
        pushed(FIRST_PUSH)
        change_one_row(db, data)
        run([DVC, "commit", "-f", "db.dvc"], repo)
        git(repo, "commit", "-qam", "v2")
        git(repo, "push", "-q", "origin", "HEAD:main")
        pushed(PUSH_CHANGED)
        out.figures[WORK_NOMS] = size_mb(db / ".dolt" / "noms")
        out.figures[WORK_CACHE] = size_mb(db / ".dolt" / GIT_CACHE_DIR)
        remove(repo)  # the clone needs only origin.git and the remote
        git(base, "clone", "-q", str(origin), str(clone))
        measure(PULL, ["pull"], cwd=clone)
        pulled = clone / "db" / ".dolt"
        out.figures[CLONE_NOMS] = size_mb(pulled / "noms")
        out.figures[CLONE_CACHE] = size_mb(pulled / GIT_CACHE_DIR)
        out.figures[CLONE_DOLT] = size_mb(pulled)
    finally:
        for path in (repo, clone, origin, remote):
            remove(path)
    return out


@dataclass
class Section:
    title: str
    rounds: dict[str, list[Round]]
    notes: list[str]

    def value(self, side: str, what: str) -> Optional[float]:
        values = [r.figures[what] for r in self.rounds[side] if what in r.figures]
        return statistics.median(values) if values else None


def section(
    base: Path, title: str, template: Path, data: Data, repeat: int, size: int, idle: Idle
) -> Section:
    trace = Trace(base / "trace.jsonl")
    rounds: dict[str, list[Round]] = {s.key: [] for s in SIDES}
    load = os.getloadavg()[0]
    for number in range(repeat):
        for side in SIDES:
            # The workspace, the remote, the clone and, over git, Dolt's second
            # copy in the workspace's and the clone's .dolt/git-remote-cache.
            check_space(base, 5 * size + MARGIN, f"the {side.label} side")
            print(f"  round {number + 1}/{repeat}: {side.label}...", flush=True)
            for tries in range(1, idle.redo + 2):
                idle.wait()
                started = time.perf_counter()
                with idle:
                    result = one_round(base, side, template, data, trace)
                result.busy, result.tries = idle.overlapped, tries
                busy = " (other work ran meanwhile)" if result.busy else ""
                print(f"    {time.perf_counter() - started:.0f}s{busy}", flush=True)
                if not result.busy or idle.waited >= idle.limit:
                    break
            rounds[side.key].append(result)
    notes = [f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"]
    if idle.words:
        every = [r for side in SIDES for r in rounds[side.key]]
        notes.append(
            f"other work ({'/'.join(idle.words)}) overlapped {sum(r.busy for r in every)} of"
            f" {len(every)} rounds kept; {sum(r.tries - 1 for r in every)} rounds run again"
        )
    return Section(title, rounds, notes)


def print_section(sec: Section) -> None:
    print(f"\n{sec.title}")
    width = max(len(w) for w in COMMANDS)
    procs = {s.key: {w: procs_text(sec.rounds[s.key], w) for w in COMMANDS} for s in SIDES}
    pw = {s.key: max(len("dolt procs " + s.label), *map(len, procs[s.key].values())) for s in SIDES}
    header = f"{'':{width}}  {'file://':>8}  {'git':>8}  {'git/file':>8}"
    header += f"  {'MB added file://':>16}  {'MB added git':>12}"
    for s in SIDES:
        header += f"  {'dolt procs ' + s.label:<{pw[s.key]}}"
    print(header.rstrip())
    for what in COMMANDS:
        f, g = sec.value("file", what), sec.value("git", what)
        line = f"{what:{width}}  {f:7.2f}s  {g:7.2f}s  {g / f:7.2f}x"
        if what in ADDED:
            fa, ga = sec.value("file", ADDED[what]), sec.value("git", ADDED[what])
            line += f"  {fa:16.3f}  {ga:12.3f}"
        else:
            line += f"  {'-':>16}  {'-':>12}"
        for s in SIDES:
            line += f"  {procs[s.key][what]:<{pw[s.key]}}"
        print(line.rstrip())
    print()
    sw = max(len(w) for w in SIZES)
    print(f"{'MB (median)':{sw}}  {'file://':>9}  {'git':>9}")
    for what in SIZES:
        f, g = sec.value("file", what), sec.value("git", what)
        print(f"{what:{sw}}  {f:9.2f}  {g:9.2f}")
    for line in sec.notes:
        print(line)


def times_text(sec: Section, side: str, what: str) -> str:
    return ", ".join(f"{r.figures[what]:.2f}" for r in sec.rounds[side] if what in r.figures)


def section_notes(sec: Section, info: dict, state: str) -> list[str]:
    lines = [
        f"template: {info[f'{state}_bytes'] / MB:.1f} MB in .dolt, journal"
        f" {info[f'{state}_journal'] / MB:.1f} MB (built in {info['build_s']:.0f}s)"
    ]
    for side in SIDES:
        for what in COMMANDS:
            lines.append(f"{side.label} {what}: {times_text(sec, side.key, what)} s")
        gcs = [
            p.seconds
            for r in sec.rounds[side.key]
            for p in r.procs.get(ADD, [])
            if p.name.endswith("gc")
        ]
        if gcs:
            lines.append(
                f"{side.label}: `dolt gc` in `dvc add` in {len(gcs)} of"
                f" {len(sec.rounds[side.key])} rounds, ~{statistics.median(gcs):.2f}s"
            )
        said = list(dict.fromkeys(line for r in sec.rounds[side.key] for line in r.said))
        lines += [f"{side.label} said: {line}" for line in said[:4]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument(
        "--random",
        action="store_true",
        help="(id, payload text) rows of 8 random bytes, incompressible",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--template", type=Path, help="keep the built databases in this directory and reuse them"
    )
    parser.add_argument(
        "--wait-idle",
        default="",
        metavar="WORDS",
        help="comma-separated words (e.g. pytest): before each round wait while a process"
        " whose command line holds one runs, and run a round it overlapped again",
    )
    parser.add_argument(
        "--wait-max", type=float, default=1200, help="with --wait-idle: seconds to wait in all"
    )
    parser.add_argument(
        "--redo", type=int, default=2, help="with --wait-idle: times to run a round again"
    )
    args = parser.parse_args()
    if ENV_COMPACT in os.environ:
        print(f"(ignoring {ENV_COMPACT}={os.environ.pop(ENV_COMPACT)} of the environment:"
              " the default policy is measured)")  # fmt: skip
    idle = Idle([w for w in args.wait_idle.split(",") if w], args.wait_max, args.redo)
    binary = find_dolt()
    if binary.version < GIT_REMOTES_VERSION:
        parser.error(f"git remotes need dolt >= 1.81.8; {binary.path} is {binary.version_string}")
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="dvc-dolt-git-remote-") as tmp:
        base = Path(tmp)
        setup_identity(base)
        # As installed from a wheel: byte-compiled once, not at every command.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        kind = "random" if args.random else "narrow"
        data = DATA[kind]
        git_version = run_output(["git", "--version"], base)[1].strip()
        header = [
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; dolt"
            f" {binary.version_string} ({binary.path}); {describe_code(base)}; {git_version}",
            f"data: {data.what}; median of {args.repeat} rounds; git/file = git seconds /"
            f" file:// seconds (higher: slower over git); {ENV_COMPACT} unset (default policy)",
            "remotes: file:// = a DVC remote in a local folder; git = git+remote://origin,"
            " the project's origin, a bare repository on local disk",
        ]
        settings = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("DVC_DOLT_")]
        header.append("environment: " + (", ".join(settings) or "no DVC_DOLT_* variable"))
        for line in header:
            print(line, flush=True)
        root = (args.template or base / "template").absolute()
        # The first dvc commands compile DVC and dvc-dolt into PYTHONPYCACHEPREFIX
        # and fill the page cache: a round of each side on a tiny database first.
        print("warm-up: a round of each side on 100 rows (not counted)", flush=True)
        tiny, _ = prepare_template(base / "warm-up", kind, WARM_UP_ROWS)
        for side in SIDES:
            one_round(base, side, tiny / "imported", data, Trace(base / "trace.jsonl"))
        sections: list[Section] = []
        for rows in (int(r) for r in args.rows.split(",")):
            folder, info = prepare_template(root, kind, rows)
            title = (
                f"{rows:,} {kind} rows, {info['imported_bytes'] / MB:.0f} MB in .dolt,"
                " as `dolt table import` left it"
            )
            print(title, flush=True)
            sec = section(
                base, title, folder / "imported", data, args.repeat, info["imported_bytes"], idle
            )
            sec.notes += section_notes(sec, info, "imported")
            sections.append(sec)

    print()
    for line in header:
        print(line)
    for sec in sections:
        print_section(sec)
    print(f"\ntotal: {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
