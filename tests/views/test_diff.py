"""`dvc diff` with Dolt databases: each database with the rows its tables gained, lost
and changed, the tables stages read, and DVC's own output where no database is."""

import json
import textwrap

import pytest
from helpers import commit, dolt, dvc, git, git_commit, insert, sql

from dvc_dolt.dolt import Database


def test_diff_shows_databases_with_row_counts(two_stage_repo):
    repo, first, second = two_stage_repo
    text = dvc(repo, "diff", "HEAD~1", "HEAD").stdout
    assert "Modified:" in text
    lines = [line.strip() for line in text.splitlines()]
    assert "labels/" in lines
    assert "preds/" in lines
    assert "labels/t: +1 -0 ~1" in lines
    assert "preds/preds: +1 -0 ~1" in lines

    data = json.loads(dvc(repo, "diff", "HEAD~1", "HEAD", "--json", "--show-hash").stdout)
    entry = next(e for e in data["modified"] if e["path"] == "labels/")
    assert entry["hash"] == {"old": first["labels"].commit, "new": second["labels"].commit}
    assert entry["dolt"]["tables"]["t"] == {"rows_added": 1, "rows_deleted": 0, "rows_modified": 1}

    md = dvc(repo, "diff", "HEAD~1", "HEAD", "--md").stdout
    assert "| labels/    | t       | 1       | 0         | 1          |" in md

    # The workspace against HEAD: a new uncommitted Dolt commit shows up too.
    labels = Database(repo / "labels")
    insert(labels, [(4, "d")])
    commit(labels, "one more")
    text = dvc(repo, "diff").stdout
    assert "labels/t: +1 -0 ~0" in [line.strip() for line in text.splitlines()]
    assert dolt(labels.path, "status").startswith("On branch main")


def test_diff_without_dolt_outputs_is_dvc_s(dvc_repo):
    (dvc_repo / "f.txt").write_text("one")
    dvc(dvc_repo, "add", "f.txt")
    git_commit(dvc_repo, "f")
    (dvc_repo / "f.txt").write_text("two")
    dvc(dvc_repo, "add", "f.txt")
    text = dvc(dvc_repo, "diff").stdout
    assert text == textwrap.dedent(
        """\
        Modified:
            f.txt

        files summary: 1 modified
        """
    )


@pytest.mark.timeout(300)
def test_diff_lists_the_tables_stages_read_with_their_row_counts(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    first = labels.heads().commit
    insert(labels, [(3, "c"), (4, "d")], table="train")
    sql(labels, "update train set v = 'A' where id = 1")
    commit(labels, "two more training labels, one changed")
    insert(labels, [(9, "t")], table="test")
    commit(labels, "a test label")
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")
    git(repo, "commit", "-qam", "train moved on")
    now = labels.heads().commit

    out = dvc(repo, "diff", "HEAD~1", "HEAD").stdout
    assert "count: labels/train: +2 -0 ~1" in out, out
    shown = json.loads(dvc(repo, "diff", "--json", "--show-hash", "HEAD~1", "HEAD").stdout)
    (entry,) = shown["dolt tables read"]
    assert entry["path"] == "labels/train"
    assert entry["stage"] == "count"
    assert entry["hash"] == {"old": first, "new": now}
    assert entry["dolt"] == {"rows_added": 2, "rows_deleted": 0, "rows_modified": 1}
    md = dvc(repo, "diff", "--md", "HEAD~1", "HEAD").stdout
    assert "| count   | labels/train | 2       | 0         | 1          |" in md, md

    # Against the workspace: what the stage would read now.
    sql(labels, "delete from train where id = 4")
    out = dvc(repo, "diff").stdout
    assert "count: labels/train: +0 -1 ~0" in out, out
    # Only the test table moves: nothing the stage reads changed.
    sql(labels, "insert into train values (4, 'd')")
    insert(labels, [(10, "u")], table="test")
    assert "labels/train" not in dvc(repo, "diff").stdout
