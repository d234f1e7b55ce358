"""DVC remote settings reach Dolt: S3 options that combine, and settings changed
after a database was first pushed. Real moto S3 + DynamoDB on 127.0.0.1."""

from __future__ import annotations

import json

from helpers import default_remote, dolt, dvc, git, git_commit, track

from dvc_dolt.dolt import Database

REGION = "eu-west-1"
QUERY = "select params from dolt_remotes where url like 'aws://%'"


def _table_in(s3, region: str) -> tuple[str, str]:
    """A bucket, and a DynamoDB table that exists in ``region`` only (moto keeps
    tables per region, as AWS does)."""
    import boto3

    bucket, _ = s3.new_bucket_and_table()
    table = f"manifests-{region}-{bucket}"
    boto3.client(
        "dynamodb",
        endpoint_url=s3.endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "db", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "db", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return bucket, table


def _repo_on_s3(repo, make_db, s3, table: str, bucket: str, **options: str) -> Database:
    labels = track(repo, make_db, "labels")
    default_remote(repo, f"s3://{bucket}/store", "cloud")
    dvc(repo, "remote", "modify", "cloud", "endpointurl", s3.endpoint)
    dvc(repo, "remote", "modify", "cloud", "dolt_dynamodb_table", table)
    for option, value in options.items():
        dvc(repo, "remote", "modify", "cloud", option, value)
    git_commit(repo, "labels on s3")
    return labels


def test_region_profile_credentialpath_and_endpoint_apply_together(
    dvc_repo, make_db, s3, tmp_path, monkeypatch
):
    # The only credentials are those of profile "team" in this file: dropping
    # the profile (or the file) leaves dolt without any; dropping the region
    # misses the table.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[team]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    bucket, table = _table_in(s3, REGION)
    labels = _repo_on_s3(
        dvc_repo,
        make_db,
        s3,
        table,
        bucket,
        region=REGION,
        profile="team",
        credentialpath=str(credentials),
    )
    proc = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'cloud': 1 new commit" in proc.stdout
    assert any(k.startswith("store/dolt/labels/") for k in s3.keys(bucket))
    assert "in sync" in dvc(dvc_repo, "status", "-c").stdout

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(dvc_repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == labels.heads()


def test_changed_settings_reach_a_database_pushed_before(dvc_repo, make_db, s3):
    bucket, table = _table_in(s3, REGION)
    labels = _repo_on_s3(dvc_repo, make_db, s3, table, bucket, region="us-west-2")
    proc = dvc(dvc_repo, "push", ok=False)
    assert "Dolt database 'labels' to remote 'cloud'" in proc.stderr
    assert "testing" not in proc.stderr

    dvc(dvc_repo, "remote", "modify", "cloud", "region", REGION)
    proc = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'cloud': 1 new commit" in proc.stdout
    rows = json.loads(dolt(labels.path, "sql", "-r", "json", "-q", QUERY))["rows"]
    assert [row["params"]["aws-region"] for row in rows] == [REGION]
