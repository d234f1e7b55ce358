"""Ship dvc_dolt.pth in editable installs too (hatchling skips force-include there)."""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            build_data["force_include_editable"]["src-pth/dvc_dolt.pth"] = "dvc_dolt.pth"
