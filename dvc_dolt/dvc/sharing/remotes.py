"""Where a database lives on a DVC remote: the Dolt remote URL for a DVC remote.

Every database gets its own Dolt remote database under ``<remote>/dolt/``.
Dolt's files there are never at ``<remote>/<2 chars>/<file>``, where ``dvc gc
--cloud`` would take them for DVC objects. Recorded commits are pushed as
``dvc/pin/<commit>`` branches, so databases, projects and git branches that
share a remote cannot overwrite each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Optional
from urllib.parse import urlsplit

from dvc_dolt.dolt.remote import credentials_env, split_credentials
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import DOLT_DIR
from dvc_dolt.dvc.sharing.git_remotes import git_remote, git_url_of

# A DVC remote option naming the DynamoDB table Dolt's aws:// remotes need.
S3_TABLE_OPTION = "dolt_dynamodb_table"


LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@dataclass(frozen=True)
class DoltRemoteSpec:
    """A Dolt remote: its URL, ``dolt remote add`` flags, environment and user.

    The URL never holds credentials: a password travels in ``env``
    (``DOLT_REMOTE_PASSWORD``), where no ``ps`` shows it.
    """

    url: str
    params: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    user: Optional[str] = None

    @classmethod
    def from_url(
        cls, url: str, user: Optional[str] = None, password: Optional[str] = None
    ) -> DoltRemoteSpec:
        """The spec of a Dolt remote URL, its credentials (if any) moved out of it."""
        clean, url_user, url_password = split_credentials(url)
        user = user or url_user
        password = password if password is not None else url_password
        return cls(clean, env=credentials_env(password), user=user)


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def dolt_remote_for(url: str, key: str, options: Mapping[str, Any] | None = None) -> DoltRemoteSpec:
    """Map a DVC remote URL (and its options) to the Dolt remote for database ``key``."""
    options = options or {}
    git_url = git_url_of(url)
    if git_url is not None:
        params, env = git_remote(git_url, key)
        return DoltRemoteSpec(git_url, params, env)
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
        f"DVC remote '{redact(url)}' ({scheme}://) cannot hold Dolt databases: dvc-dolt supports "
        "local paths, file://, s3://, gs://, azure://, dolt:// and git remotes"
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
    params = []
    if options.get("region"):
        params += ["--aws-region", str(options["region"])]
    if options.get("endpointurl"):
        env["AWS_ENDPOINT_URL"] = _path_style_endpoint(str(options["endpointurl"]))
    if options.get("configpath"):
        env["AWS_CONFIG_FILE"] = str(options["configpath"])
    for option, variable in _S3_KEYS.items():
        if options.get(option):
            env[variable] = str(options[option])
    # Which credentials, as DVC (boto) picks them: keys given in the config
    # first, then the credentials file, then the profile, then the default
    # chain (environment, shared files, instance role), which is dolt's
    # "role" type.
    if "AWS_ACCESS_KEY_ID" in env:
        params += ["--aws-creds-type", "env"]
    elif options.get("credentialpath"):
        params += ["--aws-creds-type", "file", "--aws-creds-file", str(options["credentialpath"])]
    if options.get("profile"):
        params += ["--aws-creds-profile", str(options["profile"])]
    return DoltRemoteSpec(f"aws://[{table}:{split.netloc}]/{path}", tuple(params), env)


_S3_KEYS = {
    "access_key_id": "AWS_ACCESS_KEY_ID",
    "secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "session_token": "AWS_SESSION_TOKEN",
}


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
            f"dolt://doltremoteapi.dolthub.com/my-org; got {redact(split.geturl())}"
        )
    host = split.hostname or ""
    scheme = options.get("protocol") or ("http" if host in LOOPBACK else "https")
    url = "/".join(p for p in (f"{scheme}://{split.netloc}", owner, key) if p)
    return DoltRemoteSpec.from_url(url, options.get("user"), options.get("password"))


def validate_remote_config(validate: Any, schema_module: Any, data: Any) -> Any:
    """DVC's remote config validator, taught the dolt:// type and the s3 table option."""
    if not isinstance(data, dict):
        return validate(data)
    url = str(data.get("url", ""))
    git_url = git_url_of(url)
    if git_url is not None:
        # Git reads the credentials; the URL is as Dolt would rewrite it, so
        # that DVC picks the git remote's file system by its scheme.
        return {**schema_module.Schema(schema_module.REMOTE_COMMON)(data), "url": git_url}
    scheme = urlsplit(url).scheme
    if scheme == "dolt":
        dolt_schema = schema_module.Schema(
            {
                **schema_module.REMOTE_COMMON,
                "protocol": schema_module.Choices("http", "https"),
                # Like DVC's http remotes: `dvc remote modify --local NAME password ...`.
                "user": str,
                "password": str,
            }
        )
        return dolt_schema(data)
    if scheme == "s3" and S3_TABLE_OPTION in data:
        rest = {k: v for k, v in data.items() if k != S3_TABLE_OPTION}
        return {**validate(rest), S3_TABLE_OPTION: str(data[S3_TABLE_OPTION])}
    return validate(data)
