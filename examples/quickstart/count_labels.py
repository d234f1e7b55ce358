"""A pipeline stage: count labels per class in the Dolt database `labels`."""

import json
import os
import subprocess

dolt = os.environ.get("DVC_DOLT_DOLT") or "dolt"
out = subprocess.run(
    [dolt, "sql", "-r", "json", "-q",
     "select label as label, count(*) as n from labels group by label order by label"],
    cwd="labels", check=True, capture_output=True, text=True,
).stdout  # fmt: skip
counts = {row["label"]: row["n"] for row in json.loads(out)["rows"]}
with open("counts.json", "w") as f:
    json.dump(counts, f, indent=2, sort_keys=True)
    f.write("\n")
