"""Which Dolt remote a DVC remote maps to (pure mapping; the real transfers are in tests/cli)."""

import pytest

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.remotes import database_key, dolt_remote_for


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("labels", "labels"),
        ("data/labels", "data-labels"),
        ("data/my labels", "data-my-labels"),
        ("ünï côdé", "n-c-d"),
        ("./x", "x"),
        ("...", "database"),
    ],
)
def test_database_key(path, key):
    assert database_key(path) == key


def test_local_and_file_remotes(tmp_path):
    spec = dolt_remote_for(str(tmp_path / "store"), "labels")
    assert spec.url == (tmp_path / "store" / "dolt" / "labels").as_uri()
    spec = dolt_remote_for((tmp_path / "store").as_uri(), "labels")
    assert spec.url == (tmp_path / "store" / "dolt" / "labels").as_uri()


def test_s3_needs_a_table_and_maps_to_aws():
    with pytest.raises(DvcDoltError, match="dolt_dynamodb_table"):
        dolt_remote_for("s3://bucket/prefix", "labels")
    spec = dolt_remote_for(
        "s3://bucket/prefix",
        "labels",
        {
            "dolt_dynamodb_table": "dolt-manifests",
            "region": "eu-west-1",
            "endpointurl": "http://127.0.0.1:5000",
            "access_key_id": "AKIA_SECRET_ID",
            "secret_access_key": "very-secret",
        },
    )
    assert spec.url == "aws://[dolt-manifests:bucket]/prefix/dolt/labels"
    assert spec.params == ("--aws-creds-type", "env", "--aws-region", "eu-west-1")
    # Secrets travel in the environment, never on a command line.
    assert spec.env["AWS_SECRET_ACCESS_KEY"] == "very-secret"
    assert "very-secret" not in " ".join(spec.params)
    assert spec.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://localhost:9000", "http://127.0.0.1:9000"),
        ("https://localhost/", "https://127.0.0.1/"),
        ("https://minio.example.com:9000", "https://minio.example.com:9000"),
    ],
)
def test_s3_endpoint_on_localhost_uses_the_loopback_ip(endpoint, expected):
    options = {"dolt_dynamodb_table": "t", "endpointurl": endpoint}
    assert dolt_remote_for("s3://b", "k", options).env["AWS_ENDPOINT_URL"] == expected


def test_gs_maps_to_gs_with_emulator_and_credentials():
    spec = dolt_remote_for(
        "gs://bucket/p",
        "labels",
        {"endpointurl": "http://127.0.0.1:4443", "credentialpath": "/k.json"},
    )
    assert spec.url == "gs://bucket/p/dolt/labels"
    assert spec.env == {
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:4443",
        "GOOGLE_APPLICATION_CREDENTIALS": "/k.json",
    }


def test_azure_maps_to_az():
    with pytest.raises(DvcDoltError, match="account_name"):
        dolt_remote_for("azure://container/p", "labels")
    spec = dolt_remote_for("azure://container/p", "labels", {"account_name": "acct"})
    assert spec.url == "az://acct.blob.core.windows.net/container/p/dolt/labels"


@pytest.mark.parametrize(
    ("url", "options", "expected"),
    [
        (
            "dolt://doltremoteapi.dolthub.com/my-org",
            {},
            "https://doltremoteapi.dolthub.com/my-org/labels",
        ),
        ("dolt://127.0.0.1:50051", {}, "http://127.0.0.1:50051/labels"),
        ("dolt://localhost:50051/team", {}, "http://localhost:50051/team/labels"),
        (
            "dolt://dolt.example.com/team",
            {"protocol": "http"},
            "http://dolt.example.com/team/labels",
        ),
    ],
)
def test_dolt_remotes(url, options, expected):
    assert dolt_remote_for(url, "labels", options).url == expected


@pytest.mark.parametrize(
    "url", ["ssh://host/path", "http://host/path", "webdav://host/p", "hdfs://h/p"]
)
def test_other_remotes_are_refused_clearly(url):
    with pytest.raises(DvcDoltError, match="cannot hold Dolt databases"):
        dolt_remote_for(url, "labels")
