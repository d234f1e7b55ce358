"""Where a database lives on a DVC remote: the Dolt remote URL for a DVC remote.

Every database gets its own Dolt remote database under ``<remote>/dolt/``.
Dolt's files there are never at ``<remote>/<2 chars>/<file>``, where ``dvc gc
--cloud`` would take them for DVC objects. Recorded commits are pushed as
``dvc/pin/<commit>`` branches, so databases, projects and git branches that
share a remote cannot overwrite each other's data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .errors import DvcDoltError

DOLT_DIR = "dolt"
# A DVC remote option naming the DynamoDB table Dolt's aws:// remotes need.
S3_TABLE_OPTION = "dolt_dynamodb_table"
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@dataclass(frozen=True)
class DoltRemoteSpec:
    """A Dolt remote: its URL, ``dolt remote add`` flags, and environment."""

    url: str
    params: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


def database_key(def_path: str) -> str:
    """A remote database name for a workspace path: ``data/my labels`` -> ``data-my-labels``.

    Keys of different paths may meet; that is safe, because pins are named by
    commit and never move.
    """
    parts = PurePosixPath(def_path.replace(os.sep, "/")).parts
    name = "-".join(p for p in parts if p not in ("", ".", ".."))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return name or "database"


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def dolt_remote_for(url: str, key: str, options: Mapping[str, Any] | None = None) -> DoltRemoteSpec:
    """Map a DVC remote URL (and its options) to the Dolt remote for database ``key``."""
    options = options or {}
    split = urlsplit(url)
    scheme = split.scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        path = split.path if scheme == "file" else url
        return DoltRemoteSpec(_join(PurePosixPath(os.path.abspath(path)).as_uri(), DOLT_DIR, key))
    if scheme == "s3":
        return _s3(split, key, options)
    if scheme == "gs":
        return _gs(split, key, options)
    if scheme == "azure":
        return _azure(split, key, options)
    if scheme == "dolt":
        return _dolt(split, key, options)
    raise DvcDoltError(
        f"DVC remote '{url}' ({scheme}://) cannot hold Dolt databases: dvc-dolt supports "
        "local paths, file://, s3://, gs://, azure:// and dolt:// remotes"
    )


def _s3(split, key: str, options: Mapping[str, Any]) -> DoltRemoteSpec:
    table = options.get(S3_TABLE_OPTION)
    if not table:
        raise DvcDoltError(
            f"Dolt databases on s3://{split.netloc} need a DynamoDB table: "
            f"`dvc remote modify <name> {S3_TABLE_OPTION} <table>` "
            "(its partition key must be the string attribute `db`)"
        )
    prefix = split.path.strip("/")
    path = "/".join(p for p in (prefix, DOLT_DIR, key) if p)
    env = {}
    params = ["--aws-creds-type", "env"]
    if options.get("region"):
        params += ["--aws-region", str(options["region"])]
    if options.get("endpointurl"):
        env["AWS_ENDPOINT_URL"] = _path_style_endpoint(str(options["endpointurl"]))
    if options.get("profile"):
        params = ["--aws-creds-type", "role", "--aws-creds-profile", str(options["profile"])]
    if options.get("access_key_id"):
        env["AWS_ACCESS_KEY_ID"] = str(options["access_key_id"])
    if options.get("secret_access_key"):
        env["AWS_SECRET_ACCESS_KEY"] = str(options["secret_access_key"])
    if options.get("session_token"):
        env["AWS_SESSION_TOKEN"] = str(options["session_token"])
    if options.get("credentialpath"):
        params = ["--aws-creds-type", "file", "--aws-creds-file", str(options["credentialpath"])]
    return DoltRemoteSpec(f"aws://[{table}:{split.netloc}]/{path}", tuple(params), env)


def _path_style_endpoint(url: str) -> str:
    """``localhost`` as ``127.0.0.1``: Dolt's S3 client has no path-style switch
    and uses path-style URLs only for IP hosts (``bucket.localhost`` never resolves)."""
    split = urlsplit(url)
    if split.hostname != "localhost":
        return url
    netloc = "127.0.0.1" + (f":{split.port}" if split.port else "")
    return split._replace(netloc=netloc).geturl()


def _gs(split, key: str, options: Mapping[str, Any]) -> DoltRemoteSpec:
    prefix = split.path.strip("/")
    path = "/".join(p for p in (prefix, DOLT_DIR, key) if p)
    env = {}
    if options.get("credentialpath"):
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(options["credentialpath"])
    if options.get("endpointurl"):
        # The Go storage client Dolt uses honours the emulator variable.
        env["STORAGE_EMULATOR_HOST"] = str(options["endpointurl"])
    return DoltRemoteSpec(f"gs://{split.netloc}/{path}", (), env)


def _azure(split, key: str, options: Mapping[str, Any]) -> DoltRemoteSpec:
    account = options.get("account_name")
    if not account:
        raise DvcDoltError(
            f"Dolt databases on azure://{split.netloc} need the storage account: "
            "`dvc remote modify <name> account_name <account>`"
        )
    prefix = split.path.strip("/")
    path = "/".join(p for p in (prefix, DOLT_DIR, key) if p)
    # Dolt's az:// speaks https with Azure AD credentials from the environment.
    return DoltRemoteSpec(f"az://{account}.blob.core.windows.net/{split.netloc}/{path}")


def _dolt(split, key: str, options: Mapping[str, Any]) -> DoltRemoteSpec:
    owner = split.path.strip("/")
    if not split.netloc or "/" in owner:
        raise DvcDoltError(
            "a dolt:// remote is dolt://<host>[/<owner>], e.g. "
            f"dolt://doltremoteapi.dolthub.com/my-org; got dolt://{split.netloc}{split.path}"
        )
    host = split.hostname or ""
    scheme = options.get("protocol") or ("http" if host in LOOPBACK else "https")
    return DoltRemoteSpec("/".join(p for p in (f"{scheme}://{split.netloc}", owner, key) if p))


def validate_remote_config(validate: Any, schema_module: Any, data: Any) -> Any:
    """DVC's remote config validator, taught the dolt:// type and the s3 table option."""
    if not isinstance(data, dict):
        return validate(data)
    scheme = urlsplit(str(data.get("url", ""))).scheme
    if scheme == "dolt":
        dolt_schema = schema_module.Schema(
            {
                **schema_module.REMOTE_COMMON,
                "protocol": schema_module.Choices("http", "https"),
            }
        )
        return dolt_schema(data)
    if scheme == "s3" and S3_TABLE_OPTION in data:
        rest = {k: v for k, v in data.items() if k != S3_TABLE_OPTION}
        return {**validate(rest), S3_TABLE_OPTION: str(data[S3_TABLE_OPTION])}
    return validate(data)
