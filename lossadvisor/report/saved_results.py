"""Read the saved ``--format json`` output of each stage for ``lossadvisor report`` (no heavy imports).

Each kind is recognised by the keys its contract always has, so a trial file given as
``--recommendation`` is refused with a line that says what it is and how to make the right one.
"""

from __future__ import annotations

import json
from pathlib import Path

from lossadvisor.errors import LoadError

# kind: (keys its JSON always has, the command that writes it)
KINDS = {
    "profile": (("schema_version", "task", "rows", "columns", "warnings"), "lossadvisor profile DATA --format json"),
    "recommendation": (("schema_version", "task", "objective", "candidates", "baseline"),
                       "lossadvisor recommend DATA --format json"),
    "trial": (("schema_version", "task", "metric", "metrics", "candidates"), "lossadvisor trial DATA --format json"),
    "check": (("schema_version", "findings", "summary", "passed"), "lossadvisor check DATA --format json"),
}
SUPPORTED_MAJOR = "1"


def read_saved(path: Path, kind: str) -> dict:
    """The JSON object in `path`, checked to be a `kind` document of a schema major version we read."""
    keys, maker = KINDS[kind]
    if not path.is_file():
        raise LoadError(f"{kind} file not found: {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read {kind} file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LoadError(f"{kind} file {path} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    missing = [k for k in keys if not isinstance(document, dict) or k not in document]
    if missing:
        raise LoadError(f"{path} is not a lossadvisor {kind} (no {', '.join(missing)}); make one with `{maker}`")
    if str(document["schema_version"]).split(".")[0] != SUPPORTED_MAJOR:
        raise LoadError(f"{kind} file {path} has schema_version {document['schema_version']}, which is not "
                        f"supported (this version reads {SUPPORTED_MAJOR}.x)")
    return document
