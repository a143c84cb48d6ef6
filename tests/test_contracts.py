"""The JSON contracts: the shipped schemas match what the commands write, and readers refuse the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.contracts import CONTRACTS, schema, validate_document
from lossadvisor.errors import LoadError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
PROFILE_RUNS = [  # (file, extra args): every sample, so every section of the profile is exercised
    ("imbalanced_binary.csv", ()), ("noisy_multiclass.csv", ()), ("heavy_tail_regression.csv", ("--no-noise",)),
    ("counts.csv", ("--target", "visits", "--no-noise")), ("timeseries.csv", ("--target", "demand", "--no-noise")),
    ("multilabel.csv", ("--target", "labels", "--no-noise")),
]


def _cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def _declared_keys_cover(document, node: dict, root: dict, where: str = "") -> list[str]:
    """Keys the document holds that the schema does not declare (the schema is checked against the output)."""
    if "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[1]]
    for option in node.get("anyOf", []):
        if isinstance(document, dict) and "object" in json.dumps(option):
            return _declared_keys_cover(document, option, root, where)
    missing = []
    if isinstance(document, dict) and "properties" in node:
        for key, value in document.items():
            if key not in node["properties"]:
                missing.append(f"{where}{key}")
            else:
                missing += _declared_keys_cover(value, node["properties"][key], root, f"{where}{key}.")
    elif isinstance(document, dict) and isinstance(node.get("additionalProperties"), dict):
        for key, value in document.items():
            missing += _declared_keys_cover(value, node["additionalProperties"], root, f"{where}{key}.")
    elif isinstance(document, list) and isinstance(node.get("items"), dict):
        for index, value in enumerate(document):
            missing += _declared_keys_cover(value, node["items"], root, f"{where}[{index}].")
    return missing


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> dict[str, dict]:
    out = {}
    for name, extra in PROFILE_RUNS:
        code, text, err = _cli("profile", SAMPLES / name, "--format", "json", *extra)
        assert code == 0, err
        out[name] = json.loads(text)
    code, text, err = _cli("profile", SAMPLES / "groups_binary.csv", "--sensitive", "region", "--no-noise",
                           "--format", "json")
    assert code == 0, err
    out["groups"] = json.loads(text)
    code, text, err = _cli("profile", "--masks", SAMPLES / "masks", "--format", "json")
    assert code == 0, err
    out["masks"] = json.loads(text)
    return out


def test_every_schema_compiles_and_is_draft7() -> None:
    import fastjsonschema

    for contract in CONTRACTS:
        document = schema(contract)
        assert document["$schema"].startswith("http://json-schema.org/draft-07")
        fastjsonschema.compile(document)


def test_the_shipped_validators_are_generated_from_the_current_schemas() -> None:
    import importlib

    import fastjsonschema

    from lossadvisor.schemas.generate import generated_code, schema_digest

    for contract in CONTRACTS:
        module = importlib.import_module(f"lossadvisor.schemas._{contract}_validator")
        assert module.SCHEMA_SHA256 == schema_digest(contract), \
            f"{contract}.schema.json changed: run python -m lossadvisor.schemas.generate"
        if module.VERSION == fastjsonschema.VERSION:  # the same generator gives the same code
            assert Path(module.__file__).read_text(encoding="utf-8") == generated_code(contract)


def test_profiles_of_every_sample_match_the_schema_and_declare_every_key(profiles) -> None:
    profile_schema = schema("profile")
    for name, profile in profiles.items():
        validate_document(profile, "profile", name)
        assert _declared_keys_cover(profile, profile_schema, profile_schema) == [], name
        json.dumps(profile, allow_nan=False)  # our own output must pass our strict reader (no NaN)
    sections = {k for p in profiles.values() for k, v in p.items() if v is not None}
    assert sections >= {"classes", "label_noise", "target_stats", "feature_outliers", "masks", "overview"}


def test_the_profile_schema_lists_exactly_the_profile_fields() -> None:
    import dataclasses

    from lossadvisor.profiling.profile import Profile

    fields = {f.name for f in dataclasses.fields(Profile)} - {"extra"}  # extra: unknown keys of a newer version
    assert set(schema("profile")["properties"]) == fields


def test_recommendations_match_the_schema(profiles, tmp_path: Path) -> None:
    rec_schema = schema("recommendation")
    for name, profile in profiles.items():
        path = tmp_path / "p.json"
        path.write_text(json.dumps(profile))
        code, text, err = _cli("recommend", "--profile", path, "--format", "json", "--top", "5")
        assert code == 0, err
        rec = json.loads(text)
        validate_document(rec, "recommendation", name)
        assert _declared_keys_cover(rec, rec_schema, rec_schema) == [], name


def test_trial_reports_match_the_schema(binary_csv: Path) -> None:
    code, text, err = _cli("trial", binary_csv, "--losses", "focal,bce", "--seeds", "2", "--epochs", "2",
                           "--bootstrap", "100", "--device", "cpu", "--format", "json")
    assert code == 0, err
    report = json.loads(text)
    validate_document(report, "trial", "trial")
    trial_schema = schema("trial")
    assert _declared_keys_cover(report, trial_schema, trial_schema) == []


@pytest.mark.parametrize(("edit", "message"), [
    (lambda p: p["classes"].update(imbalance_ratio={}),
     "classes.imbalance_ratio must be a number ≥ 1 or null, got an object"),
    (lambda p: p["classes"].update(imbalance_ratio=0.5), "classes.imbalance_ratio must be a number ≥ 1 or null, got 0.5"),
    (lambda p: p.update(task="bogus"), 'task must be one of "binary", '),
    (lambda p: p.update(task="Binary"), 'got "Binary"'),
    (lambda p: p.update(task=True), "got true"),
    (lambda p: p.update(rows="many"), 'rows must be a whole number ≥ 0, got "many"'),
    (lambda p: p["label_noise"].update(ci=[0.1]), "label_noise.ci must be a list of 2 items or null, got a list of 1 item"),
    (lambda p: p["label_noise"].update(estimated_rate=2), "label_noise.estimated_rate must be a number in [0, 1] or null"),
    (lambda p: p["classes"].update(counts={"a": -1}), "classes.counts.a must be a whole number ≥ 0, got -1"),
    (lambda p: p.update(warnings=[{"code": "X"}]), "warnings[0].message is missing"),
    (lambda p: p.update(target="label"), 'target must be a list, got "label"'),
    (lambda p: p.update(structure=[]), "structure must be an object or null, got a list of 0 items"),
])
def test_a_hand_edited_profile_is_refused_with_the_first_offending_path(profiles, tmp_path: Path, edit, message) -> None:
    profile = json.loads(json.dumps(profiles["imbalanced_binary.csv"]))
    edit(profile)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile))
    before = path.read_bytes()
    for args in (("recommend", "--profile", path), ("check", "--profile", path),
                 ("check", SAMPLES / "imbalanced_binary.csv", "--baseline", path, "--no-noise")):
        code, _, err = _cli(*args)
        assert code == 2, (args, err)  # a corrupt baseline is bad input, never a failed data check
        assert err.startswith(f"error: {path}: ") and message in err
        assert len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_nan_and_bad_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"schema_version": "1.0", "task": "binary", "classes": {"imbalance_ratio": NaN}}')
    code, _, err = _cli("recommend", "--profile", path)
    assert code == 2 and "NaN is not valid JSON" in err
    path.write_text('{"schema_version": "1.0", "task": ')
    code, _, err = _cli("check", "--profile", path)
    assert code == 2 and "is not valid JSON (line 1)" in err
    path.write_text("[" * 100_000)
    code, _, err = _cli("recommend", "--profile", path)
    assert code == 2 and err.startswith("error: ") and "internal" not in err


def test_recommend_reads_a_profile_from_stdin(profiles) -> None:
    result = CliRunner().invoke(app, ["recommend", "--profile", "-", "--format", "json"],
                                input=json.dumps(profiles["noisy_multiclass.csv"]))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["task"] == "multiclass"
    result = CliRunner().invoke(app, ["recommend", "--profile", "-"], input='{"schema_version": "1.0", "task": 3}')
    assert result.exit_code == 2 and result.stderr.startswith("error: <stdin>: task must be one of")


def test_validate_document_names_the_source() -> None:
    with pytest.raises(LoadError, match=r"^x\.json: candidates\[0\]\.loss must be a string, got 3$"):
        validate_document({"candidates": [{"loss": 3}]}, "recommendation", "x.json")


def test_trial_candidates_file_is_validated(binary_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps({"schema_version": "1.0", "task": "binary", "candidates": {"loss": "focal"}}))
    code, _, err = _cli("trial", binary_csv, "--candidates", path, "--seeds", "1", "--epochs", "1")
    assert code == 2 and "candidates must be a list, got an object" in err
