"""DVC remote types that hold Dolt databases only.

``dolt://host/owner``: DoltHub, DoltLab and any ``dolt sql-server
--remotesapi-port`` serve Dolt databases over HTTP(S); database ``<key>`` of a
project lives at ``https://host/owner/<key>`` (``http://`` on loopback, or with
``dvc remote modify <name> protocol http``). Credentials come from Dolt's own
mechanisms (``dolt creds``), never from DVC's config.

Git repositories (see :mod:`.git_remotes`): git reads the credentials.

Ordinary DVC files need another remote.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dvc_objects.fs.base import FileSystem

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import SCHEME


class DoltRemoteFileSystem(FileSystem):
    protocol = SCHEME
    PARAM_CHECKSUM = "md5"
    # What `dvc version` lists under "Supports" for this scheme.
    REQUIRES: ClassVar[dict[str, str]] = {"dvc-dolt": "dvc_dolt"}
    kind = "dolt://"

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        return path

    def _prepare_credentials(self, **config: Any) -> dict[str, Any]:
        return {}

    @property
    def fs(self):
        raise DvcDoltError(
            f"{self.kind} remotes hold Dolt databases only: send ordinary DVC files to another "
            "remote: make it the default (`dvc remote default <name>`) and send the databases "
            f"here with `dvc config {SCHEME}.remote <this remote>`, or push files with "
            "`dvc push -r <remote> <targets>`"
        )


class GitRemoteFileSystem(DoltRemoteFileSystem):
    protocol = "git"
    kind = "git"
