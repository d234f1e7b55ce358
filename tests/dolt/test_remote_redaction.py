"""Credentials in remote URLs: redacted in every message, and moved out of URLs
before dolt sees them."""

import pytest

from dvc_dolt.dolt.remote import split_credentials
from dvc_dolt.dolt.runner import redact, redact_argv


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("http://alice:s3cret@host/db", "http://***@host/db"),
        ("at 'https://tok@host:1/db': denied", "at 'https://***@host:1/db': denied"),
        ("dolt://host/org?token=s3cret", "dolt://host/org?token=***"),
        ("https://h/p?a=1&access_token=s3cret&b=2", "https://h/p?a=1&access_token=***&b=2"),
        ("https://h/o?X-Amz-Signature=s3cret", "https://h/o?X-Amz-Signature=***"),
        ("aws://[table:bucket]/path", "aws://[table:bucket]/path"),
        ("file:///tmp/a@b/db", "file:///tmp/a@b/db"),
    ],
)  # fmt: skip
def test_redact(text, shown):
    assert redact(text) == shown


def test_redact_argv():
    argv = ["dolt", "clone", "--user", "alice", "http://alice:pw@h/db?token=t0k", "dest"]
    assert redact_argv(argv) == [
        "dolt",
        "clone",
        "--user",
        "alice",
        "http://***@h/db?token=***",
        "dest",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://alice:s3cret@h:1/db", ("http://h:1/db", "alice", "s3cret")),
        ("https://alice@h/db", ("https://h/db", "alice", None)),
        ("https://al%40ice:p%3Aw@h/db", ("https://h/db", "al@ice", "p:w")),
        ("http://h/db", ("http://h/db", None, None)),
        ("aws://[t:b]/db", ("aws://[t:b]/db", None, None)),
        ("file:///tmp/a@b/db", ("file:///tmp/a@b/db", None, None)),
    ],
)
def test_split_credentials(url, expected):
    assert split_credentials(url) == expected
