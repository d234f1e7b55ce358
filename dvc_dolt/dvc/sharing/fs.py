"""TODO docstring (from fs)."""

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

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        return path

    def _prepare_credentials(self, **config: Any) -> dict[str, Any]:
        return {}

    @property
    def fs(self):  # type: ignore[override]
        raise DvcDoltError(
            "dolt:// remotes hold Dolt databases only: send ordinary DVC files to another "
            "remote (`dvc push -r <remote> <targets>`)"
        )
