"""Read a saved profile (``lossadvisor profile --format json``) without importing the profiler.

``recommend --profile`` and ``check --profile/--baseline`` read profiles through here, so this module
imports nothing heavy (no pandas, sklearn or torch).
"""

from __future__ import annotations

import json
from pathlib import Path

from lossadvisor.errors import LoadError
from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION, same_major


def read_profile_json(path: str | Path, what: str = "profile") -> dict:
    """The profile dict, checked to be a lossadvisor profile of a major version this code reads."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{what} not found: {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read {what} {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LoadError(f"{what} {path} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(document, dict) or "schema_version" not in document or not document.get("task"):
        raise LoadError(f"{what} {path} is not a lossadvisor profile "
                        "(make one with `lossadvisor profile DATA --format json`)")
    if not same_major(document["schema_version"], PROFILE_SCHEMA_VERSION):
        major = PROFILE_SCHEMA_VERSION.split(".")[0]
        raise LoadError(f"{what} {path} has schema_version {document['schema_version']}, which is not supported "
                        f"(this version reads {major}.x)")
    return document
