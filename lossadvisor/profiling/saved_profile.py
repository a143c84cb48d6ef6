"""Read a saved profile (``lossadvisor profile --format json``) without importing the profiler: the JSON boundary.

``recommend --profile`` and ``check --profile/--baseline`` read profiles through here, so this module
imports nothing heavy (no pandas, sklearn or torch).
"""

from __future__ import annotations

from pathlib import Path

from lossadvisor.errors import LoadError
from lossadvisor.profiling.profile import Profile
from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION, same_major


def read_profile_json(path: str | Path, what: str = "profile") -> dict:
    """The profile dict, checked against the profile contract (lossadvisor/schemas); ``-`` reads stdin."""
    from lossadvisor.contracts import parse_json, validate_document
    from lossadvisor.text_decoding import read_stdin_text, read_text_file

    if str(path) == "-":
        source, text = "<stdin>", read_stdin_text().text
    else:
        path = Path(path)
        if not path.is_file():
            raise LoadError(f"{what} not found: {path}")
        source, text = str(path), read_text_file(path).text
    document = parse_json(text, f"{what} {source}")
    if not isinstance(document, dict) or "schema_version" not in document or "task" not in document:
        raise LoadError(f"{what} {source} is not a lossadvisor profile "
                        "(make one with `lossadvisor profile DATA --format json`)")
    if not same_major(document["schema_version"], PROFILE_SCHEMA_VERSION):
        major = PROFILE_SCHEMA_VERSION.split(".")[0]
        raise LoadError(f"{what} {source} has schema_version {document['schema_version']}, which is not supported "
                        f"(this version reads {major}.x)")
    validate_document(document, "profile", source)
    return document


def read_profile(path: str | Path, what: str = "profile") -> Profile:
    """The saved profile as the typed :class:`Profile` (checked like :func:`read_profile_json`)."""
    return Profile.from_dict(read_profile_json(path, what))
