"""dvc-dolt: Dolt databases as DVC outputs and dependencies."""

__version__ = "0.1.0.dev0"
