import pytest

from dvc_dolt.dolt import Heads, MalformedChecksumError, decode_checksum, is_checksum
from dvc_dolt.dolt.heads import looks_like_checksum

C = "ips57hs8ko3a3v4lce4e6vvh56m7gpb9"
S = "3am538kpdjcv8f7df9ajrg3sj33rpvai"
W = "30s3ur8hc9rl6n17qhu4jsnbvdcgusvr"


def test_checksum_round_trip():
    heads = Heads(C, S, W, branch="main", head_root=S)
    value = heads.checksum
    assert value == f"{C}-{S}-{W}.dolt"
    decoded = decode_checksum(value)
    assert decoded == heads
    assert (decoded.commit, decoded.staged, decoded.working) == (C, S, W)
    assert decoded.branch is None
    assert is_checksum(value)


def test_branch_and_head_root_are_not_identity():
    assert Heads(C, S, S, branch="main", head_root=S) == Heads(C, S, S, branch="other")


def test_is_clean():
    assert Heads(C, S, S, head_root=S).is_clean
    assert not Heads(C, S, W, head_root=S).is_clean
    assert not Heads(C, W, W, head_root=S).is_clean


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (f"{C}-{S}-{W}", "does not end in '.dolt'"),
        (f"{C}-{S}-{W}.dir", "does not end in '.dolt'"),
        (f"{C}-{S}.dolt", "three '-'-separated hashes"),
        (f"{C}-{S}-{W}-{W}.dolt", "found 4 parts"),
        (f"{C[:-1]}-{S}-{W}.dolt", "HEAD commit 'ips57hs8ko3a3v4lce4e6vvh56m7gpb' has 31"),
        (f"{C}-{S}x-{W}.dolt", "staged root"),
        (
            f"{C}-{S}-{W[:-1]}z.dolt",
            "working root '30s3ur8hc9rl6n17qhu4jsnbvdcgusvz' has characters outside 0-9 and a-v",
        ),
        (f"{C.upper()}-{S}-{W}.dolt", "characters outside"),
        ("", "does not end in '.dolt'"),
        (None, "must be a string"),
        (12, "must be a string"),
    ],
)
def test_malformed_checksums(value, why):
    with pytest.raises(MalformedChecksumError, match=None) as info:
        decode_checksum(value)
    assert why in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not is_checksum(value)


def test_looks_like_checksum_is_about_intent():
    assert looks_like_checksum("garbage.dolt")
    assert not looks_like_checksum("d41d8cd98f00b204e9800998ecf8427e")
    assert not looks_like_checksum(None)


def test_heads_validates_its_fields():
    with pytest.raises(MalformedChecksumError, match="HEAD commit"):
        Heads("nothash", S, W)
