"""Dolt databases on cloud DVC remotes, end to end against real local servers:
S3 (dvc-s3 and Dolt's aws:// remote) through moto's S3 + DynamoDB server, and
GCS (dvc-gs and Dolt's gs:// remote) through fake-gcs-server."""

from helpers import default_remote, dvc, error_lines, git, git_commit

from dvc_dolt.dolt import Database


def _s3_repo(repo, make_db, s3, table=None):
    bucket, created = s3.new_bucket_and_table()
    labels = make_db("labels", parent=repo)
    (repo / "model.bin").write_bytes(b"weights")
    dvc(repo, "add", "labels", "model.bin")
    default_remote(repo, f"s3://{bucket}/store", "cloud")
    dvc(repo, "remote", "modify", "cloud", "endpointurl", s3.endpoint)
    dvc(repo, "remote", "modify", "cloud", "region", s3.REGION)
    dvc(repo, "remote", "modify", "cloud", "dolt_dynamodb_table", table or created)
    git_commit(repo, "labels and model on s3")
    return labels, bucket, created


def test_s3_push_and_pull(dvc_repo, make_db, s3, tmp_path):
    labels, bucket, table = _s3_repo(dvc_repo, make_db, s3)
    proc = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'cloud': 1 new commit" in proc.stdout
    assert "2 files pushed" in proc.stdout
    keys = s3.keys(bucket)
    # Dolt's table files under <prefix>/dolt/<database>/, DVC's objects under files/md5/.
    assert any(k.startswith("store/dolt/labels/") for k in keys)
    assert any(k.startswith("store/files/md5/") for k in keys)
    manifests = s3.client("dynamodb").scan(TableName=table)["Items"]
    assert [item["db"]["S"] for item in manifests] == ["store/dolt/labels"]
    assert "in sync" in dvc(dvc_repo, "status", "-c").stdout

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(dvc_repo), str(fresh))
    assert "deleted:" in dvc(fresh, "status", "-c").stdout
    dvc(fresh, "pull")
    pulled = Database(fresh / "labels")
    assert pulled.heads() == labels.heads()
    assert (fresh / "model.bin").read_bytes() == b"weights"


def test_s3_without_the_dynamodb_table(dvc_repo, make_db, s3):
    _s3_repo(dvc_repo, make_db, s3, table="no-such-table")
    proc = dvc(dvc_repo, "push", ok=False)
    assert error_lines(proc) == [
        "ERROR: failed to push data to the cloud - failed to push Dolt databases:"
    ]
    detail = proc.stderr.splitlines()[1]
    assert detail.startswith("Dolt database 'labels' to remote 'cloud': ")
    assert "'no-such-table'" in detail
    assert "ResourceNotFoundException" in detail
    assert "testing" not in proc.stderr  # no credential in any message


def test_gcs_push_and_pull(dvc_repo, make_db, gcs, tmp_path):
    """GCS: dvc-gs and Dolt's gs:// remote against fake-gcs-server."""
    bucket = gcs.new_bucket()
    labels = make_db("labels", parent=dvc_repo)
    (dvc_repo / "model.bin").write_bytes(b"weights")
    dvc(dvc_repo, "add", "labels", "model.bin")
    default_remote(dvc_repo, f"gs://{bucket}/store", "cloud")
    dvc(dvc_repo, "remote", "modify", "cloud", "endpointurl", gcs.endpoint)
    git_commit(dvc_repo, "labels and model on gcs")

    proc = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'cloud': 1 new commit" in proc.stdout
    assert "2 files pushed" in proc.stdout
    names = gcs.names(bucket)
    assert "store/dolt/labels/manifest" in names
    assert any(n.startswith("store/files/md5/") for n in names)
    assert "in sync" in dvc(dvc_repo, "status", "-c").stdout

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(dvc_repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == labels.heads()
    assert (fresh / "model.bin").read_bytes() == b"weights"
