"""Which Dolt remote a DVC remote maps to (pure mapping; the real transfers: test_sharing.py)."""

import re

import pytest

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import MAX_KEY, database_key, legacy_database_key
from dvc_dolt.dvc.sharing.remotes import dolt_remote_for


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("labels", "labels"),
        ("my_labels2", "my_labels2"),
        ("data/labels", "data--labels"),
        ("data-labels", "data-2dlabels"),
        ("data/my labels", "data--my-20labels"),
        ("Labels", "-4cabels"),
        ("données", "donn-c3-a9es"),
        ("donnäes", "donn-c3-a4es"),
        ("./x", "x"),
        ("...", "-2e-2e-2e"),
        (".", "-2e"),
    ],
)
def test_database_key(path, key):
    assert database_key(path) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("labels", "labels"),
        ("data/labels", "data-labels"),
        ("data-labels", "data-labels"),
        ("data/my labels", "data-my-labels"),
        ("ünï côdé", "n-c-d"),
        ("./x", "x"),
        ("...", "database"),
    ],
)
def test_legacy_database_key_is_what_earlier_versions_wrote(path, key):
    assert legacy_database_key(path) == key


def _decode(key: str) -> str:
    """The inverse of database_key for keys shorter than MAX_KEY: proves it injective."""
    out, i = bytearray(), 0
    while i < len(key):
        if key[i] != "-":
            out += key[i].encode()
            i += 1
        elif key[i + 1] == "-":
            out += b"/"
            i += 2
        else:
            out.append(int(key[i + 1 : i + 3], 16))
            i += 3
    return out.decode("utf-8", "surrogatepass")


NAMES = [
    "data/labels", "data-labels", "data_labels", "data.labels", "Data/Labels", "data/labels2",
    "données", "donnäes", "données/x", "a/b/c", "a-b/c", "a/b-c", "a--b", "a/-b", "a-/b",
    "-2d", "x/-2f", "x--2f", "日本/データ", "tab\there", "emoji 🙂", "\udcff-bytes",
]  # fmt: skip


def test_database_key_is_injective_and_safe_everywhere():
    keys = [database_key(name) for name in NAMES]
    assert len(set(keys)) == len(NAMES)
    assert len({key.lower() for key in keys}) == len(NAMES)  # case-insensitive stores too
    for name, key in zip(NAMES, keys):
        assert re.fullmatch(r"[a-z0-9_-]+", key), key
        assert _decode(key) == name


def test_long_paths_get_a_bounded_key_with_a_digest():
    a, b = "d" * 70 + "/one", "d" * 70 + "/two"
    assert len(database_key(a)) == len(database_key(b)) == MAX_KEY
    assert database_key(a) != database_key(b)
    assert all(len(database_key(name)) < MAX_KEY for name in NAMES)


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
    assert spec.params == ("--aws-region", "eu-west-1", "--aws-creds-type", "env")
    # Secrets travel in the environment, never on a command line.
    assert spec.env["AWS_SECRET_ACCESS_KEY"] == "very-secret"
    assert "very-secret" not in " ".join(spec.params)
    assert spec.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("options", "params"),
    [
        # The default chain (environment, shared files, instance role): dolt's default.
        ({}, ()),
        ({"region": "r"}, ("--aws-region", "r")),
        ({"profile": "p"}, ("--aws-creds-profile", "p")),
        ({"region": "r", "profile": "p"}, ("--aws-region", "r", "--aws-creds-profile", "p")),
        (
            {"region": "r", "credentialpath": "/c"},
            ("--aws-region", "r", "--aws-creds-type", "file", "--aws-creds-file", "/c"),
        ),
        (
            {"region": "r", "profile": "p", "credentialpath": "/c"},
            (
                *("--aws-region", "r", "--aws-creds-type", "file"),
                *("--aws-creds-file", "/c", "--aws-creds-profile", "p"),
            ),
        ),
        (
            {"profile": "p", "access_key_id": "k", "secret_access_key": "s"},
            ("--aws-creds-type", "env", "--aws-creds-profile", "p"),
        ),
    ],
)
def test_s3_options_combine(options, params):
    spec = dolt_remote_for(
        "s3://b/p", "k", {"dolt_dynamodb_table": "t", "endpointurl": "http://1.2.3.4", **options}
    )
    assert spec.params == params
    assert spec.env["AWS_ENDPOINT_URL"] == "http://1.2.3.4"


def test_s3_configpath_is_the_aws_config_file():
    spec = dolt_remote_for("s3://b", "k", {"dolt_dynamodb_table": "t", "configpath": "/cfg"})
    assert spec.env == {"AWS_CONFIG_FILE": "/cfg"}


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
    ("url", "options"),
    [
        ("dolt://alice:s3cret@hub.example.com/team", {}),
        ("dolt://alice@hub.example.com/team", {"password": "s3cret"}),
        ("dolt://hub.example.com/team", {"user": "alice", "password": "s3cret"}),
    ],
)
def test_dolt_remote_credentials_leave_the_url(url, options):
    spec = dolt_remote_for(url, "labels", options)
    assert spec.url == "https://hub.example.com/team/labels"
    assert spec.user == "alice"
    assert spec.env == {"DOLT_REMOTE_PASSWORD": "s3cret"}
    assert "s3cret" not in " ".join(spec.params)


@pytest.mark.parametrize(
    "url", ["ssh://host/path", "http://host/path", "webdav://host/p", "hdfs://h/p"]
)
def test_other_remotes_are_refused_clearly(url):
    with pytest.raises(DvcDoltError, match="cannot hold Dolt databases"):
        dolt_remote_for(url, "labels")
