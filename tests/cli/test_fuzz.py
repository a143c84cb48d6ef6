"""Property-based fuzzing of the CLI's promise (hypothesis), in-process through the CLI runner.

For tables, mask folders, rule files, config files, saved profiles and option values, whatever the
input: the exit code is 0, 1 (only for check) or 2; on 2, stderr is exactly one ``error:`` line that is
not the generic internal-error line; no traceback and no Python warning; the inputs are unchanged.

The default run is short and derandomized (a fixed example sequence, so CI is deterministic);
``pytest -m fuzz`` runs the long, random profile (set FUZZ_EXAMPLES to change its size).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import string
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lossadvisor.cli.main import app

# No shrinking: shrinking a CLI input took minutes per failure; the failing example is printed whole.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
SHORT = settings(max_examples=60, deadline=None, derandomize=True, database=None, phases=PHASES,
                 suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1500")), deadline=None, database=None,
                phases=PHASES, suppress_health_check=list(HealthCheck))

TASKS = ["binary", "multiclass", "multilabel", "regression", "count", "multitarget", "segmentation"]
ODD_CELLS = ["", "NA", "nan", "NaN", "inf", "-inf", "1e308", "1e309", "-1e309", "true", "False", '"', "'", "a|b", "|",
             "[1, 2]", "{}", "null", "0x1F", "1,5", " 7 ", "é", "\u00a0", "💥", "\\", "\t", "1_000", "--1"]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def check_promise(args: list[str], root: Path, allowed=(0, 2), stdin: bytes | None = None, cwd: Path | None = None,
                  must_fail: bool = False) -> tuple[int, str]:
    """Run the CLI once and assert its promise; returns (exit code, stderr)."""
    before = _snapshot(root)
    old = os.getcwd()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if cwd is not None:
                os.chdir(cwd)
            result = CliRunner().invoke(app, args, input=stdin)
        finally:
            os.chdir(old)
    err = result.stderr
    where = f"lossadvisor {' '.join(args)!r}\nstderr: {err!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}\n{where}")
    assert result.exit_code in allowed, where
    assert "Traceback" not in err and "Warning" not in err, where
    assert not caught, f"{[str(w.message) for w in caught]}\n{where}"
    if result.exit_code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), where
        assert "internal error" not in lines[0], where
    if must_fail:
        assert result.exit_code == 2, where
    assert _snapshot(root) == before, f"an input file changed\n{where}"
    return result.exit_code, err


@contextlib.contextmanager
def _folder():
    with tempfile.TemporaryDirectory(prefix="lossadvisor-fuzz-") as name:
        yield Path(name)


# --- tables ----------------------------------------------------------------------------------

cells = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
    st.sampled_from(ODD_CELLS),
    st.sampled_from(["a", "b", "c"]),
)
names = st.one_of(st.sampled_from(["label", "target", "y", "x", "f1", "a", "é", "", "label"]),
                  st.text(alphabet=string.ascii_letters + "_ é", min_size=1, max_size=5))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
              st.sampled_from(["a", "b", "é", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["k", "v"]), inner, max_size=2)),
    max_leaves=4,
)


@st.composite
def tables(draw) -> tuple[str, bytes]:
    """(file name, bytes): CSV/TSV text, JSON Lines, Parquet, in several encodings and compressions."""
    kind = draw(st.sampled_from(["csv", "csv", "tsv", "jsonl", "parquet", "garbage"]))
    header = draw(st.lists(names, min_size=1, max_size=4))
    n_rows = draw(st.integers(0, 25))
    if kind == "garbage":
        return draw(st.sampled_from(["g.csv", "g.tsv", "g.jsonl", "g.parquet", "g.csv.gz", "g.csv.xz"])), \
            draw(st.binary(min_size=1, max_size=200))
    if kind == "jsonl":
        rows = [draw(st.one_of(st.dictionaries(st.sampled_from(header), json_values, max_size=4),
                               json_values)) for _ in range(n_rows)]
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
        return "t.jsonl", data
    rows = [[draw(cells) for _ in header] for _ in range(n_rows)]
    if kind == "parquet":
        import pandas as pd

        frame = pd.DataFrame({f"{name}{i}" if header.count(name) > 1 else name: [r[i] for r in rows]
                              for i, name in enumerate(header)})
        if n_rows and draw(st.booleans()):
            frame[f"{frame.columns[0]}_bytes"] = [draw(st.sampled_from([b"\x00\xff", b"cat"])) for _ in range(n_rows)]
        if n_rows and draw(st.booleans()):
            frame[frame.columns[-1]] = pd.to_numeric(frame[frame.columns[-1]], errors="coerce")
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return "t.parquet", buffer.getvalue()
    sep = "," if kind == "csv" else "\t"
    text = "\n".join(sep.join(row) for row in [header, *rows]) + draw(st.sampled_from(["\n", "", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    compression = draw(st.sampled_from(["", "", "", ".gz", ".xz", ".bz2"]))
    if compression:
        import bz2
        import gzip
        import lzma

        data = {".gz": gzip.compress, ".xz": lzma.compress, ".bz2": bz2.compress}[compression](data)
        if draw(st.booleans()):
            data = data[: max(1, len(data) // 2)]  # truncated archive
    return f"t.{kind}{compression}", data


def _table_case(case, command, extra):
    name, data = case
    with _folder() as root:
        path = root / name
        path.write_bytes(data)
        check_promise([command, str(path), "--no-noise", *extra], root, allowed=(0, 1, 2) if command == "check" else (0, 2))


table_options = st.lists(st.one_of(
    st.tuples(st.just("--task"), st.sampled_from(TASKS)),
    st.tuples(st.just("--target"), st.sampled_from(["label", "target", "x", "a,b", "nope", "é"])),
    st.tuples(st.just("--positive-class"), st.sampled_from(["a", "1", "zz", ""])),
    st.tuples(st.just("--label-separator"), st.sampled_from(["|", ",", ""])),
    st.tuples(st.just("--encoding"), st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252", "nope"])),
), max_size=2).map(lambda pairs: [x for pair in pairs for x in pair])


@SHORT
@given(tables(), st.sampled_from(["profile", "recommend", "check"]), table_options)
def test_fuzz_tables(case, command, extra) -> None:
    _table_case(case, command, extra)


@pytest.mark.fuzz
@LONG
@given(tables(), st.sampled_from(["profile", "recommend", "check"]), table_options)
def test_fuzz_tables_long(case, command, extra) -> None:
    _table_case(case, command, extra)


# --- mask folders ----------------------------------------------------------------------------

@st.composite
def masks(draw) -> list[tuple[str, bytes]]:
    files = []
    for index in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["int", "int", "float", "bool", "structured", "string", "scalar", "png", "garbage",
                                     "big", "object"]))
        shape = tuple(draw(st.lists(st.integers(0, 6), min_size=2, max_size=2)))
        buffer = io.BytesIO()
        if kind == "png":
            from PIL import Image

            mode = draw(st.sampled_from(["L", "RGB", "F", "I;16"]))
            array = np.arange(max(1, shape[0]) * max(1, shape[1]), dtype=np.uint8).reshape(max(1, shape[0]), -1) % 3
            Image.fromarray(array.astype(np.uint8)).convert(mode).save(buffer, format="TIFF" if mode == "F" else "PNG")
            files.append((f"m{index}.png", buffer.getvalue()))
            continue
        if kind == "garbage":
            files.append((f"m{index}.{draw(st.sampled_from(['png', 'npy']))}", draw(st.binary(max_size=64))))
            continue
        if kind == "int":
            array = np.array(draw(st.lists(st.integers(-3, 300), min_size=1, max_size=36)))
            array = np.resize(array, shape).astype(draw(st.sampled_from(["int8", "uint8", "int64", "uint16"])))
        elif kind == "float":
            values = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, 0.5, math.nan, math.inf, -1.0, 1e300]),
                                   min_size=1, max_size=36))
            with np.errstate(over="ignore"):  # 1e300 in float16 is inf: one more non-finite value, on purpose
                array = np.resize(np.array(values), shape).astype(draw(st.sampled_from(["float32", "float64", "float16"])))
        elif kind == "bool":
            array = np.resize(np.array([True, False]), shape)
        elif kind == "structured":
            array = np.zeros(shape, dtype=[("a", "i4"), ("b", "f4")])
        elif kind == "string":
            array = np.resize(np.array(["0", "1", "x"]), shape)
        elif kind == "object":
            array = np.resize(np.array([0, None], dtype=object), shape)
        elif kind == "big":
            array = np.resize(np.array([0, 2**40, -(2**40)], dtype=np.int64), shape)
        else:
            array = np.array(draw(st.integers(0, 3)))
        np.save(buffer, array, allow_pickle=kind == "object")
        files.append((f"m{index}.npy", buffer.getvalue()))
    return files


def _mask_case(files, command):
    with _folder() as root:
        folder = root / "masks"
        folder.mkdir()
        for name, data in files:
            (folder / name).write_bytes(data)
        check_promise([command, "--masks", str(folder)], root, allowed=(0, 1, 2) if command == "check" else (0, 2))


@SHORT
@given(masks(), st.sampled_from(["profile", "recommend", "check"]))
def test_fuzz_mask_folders(files, command) -> None:
    _mask_case(files, command)


@pytest.mark.fuzz
@LONG
@given(masks(), st.sampled_from(["profile", "recommend", "check"]))
def test_fuzz_mask_folders_long(files, command) -> None:
    _mask_case(files, command)


# --- rule files ------------------------------------------------------------------------------

rule_values = st.one_of(json_values, st.sampled_from([
    {"fact": "task", "eq": "binary"}, {"fact": ["task"], "eq": "binary"}, {"fact": "nope", "gt": 1},
    {"all": [{"fact": "rows", "gt": 10}]}, {"any": "x"}, {"not": {"fact": "rows", "lt": "x"}},
    {"loss": "focal", "params": {"gamma": 1.0}}, {"loss": "focal", "params": {"gamma": {"derive": {"a": 1}}}},
    {"loss": "focal", "params": {"gamma": {"derive": "focal_gamma"}}}, {"loss": "nope"},
    {"losses": ["focal"], "score": 0.1}, {"losses": "focal", "score": math.inf}, {"default": 0.5, "f1": 2},
]))


@st.composite
def rule_files(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=120))
    rules = []
    for index in range(draw(st.integers(0, 3))):
        rule = {"id": draw(st.sampled_from([f"R-{index}", "R-0", "", 5])), "summary": "s", "source": "guide 6.1",
                "when": {"fact": "task", "eq": "binary"}, "recommend": {"loss": "focal"}}
        if draw(st.booleans()):  # a nested field of the wrong type: fact as a list, derive as a mapping, ...
            rule["when"] = {"fact": draw(st.one_of(json_values, st.just("task"))), "eq": "binary"}
            rule["recommend"] = {"loss": "focal", "params": {"gamma": {"derive": draw(json_values)}}}
        for key in draw(st.lists(st.sampled_from(["id", "summary", "when", "recommend", "adjust", "advise", "score",
                                                   "confidence", "caveats", "aliases", "source", "extra"]),
                                 max_size=3)):
            if draw(st.booleans()):
                rule.pop(key, None)
            else:
                rule[key] = draw(rule_values)
        rules.append(rule)
    document = {"rules": rules} if draw(st.booleans()) else rules
    return yaml.safe_dump(document, allow_unicode=True).encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])),
                                                                errors="replace")


def _rule_case(data, command):
    with _folder() as root:
        path = root / "rules.yaml"
        path.write_bytes(data)
        args = ["rules", "validate", str(path)] if command == "validate" else \
            ["recommend", "--task", "binary", "--rules", str(path)]
        check_promise(args, root)


@SHORT
@given(rule_files(), st.sampled_from(["validate", "recommend"]))
def test_fuzz_rule_files(data, command) -> None:
    _rule_case(data, command)


@pytest.mark.fuzz
@LONG
@given(rule_files(), st.sampled_from(["validate", "recommend"]))
def test_fuzz_rule_files_long(data, command) -> None:
    _rule_case(data, command)


# --- config files ----------------------------------------------------------------------------

GOOD_PROFILE = {"schema_version": "1.0", "source": "x.csv", "rows": 400, "columns": 3, "target": ["y"],
                "task": "binary", "classes": {"counts": {"a": 380, "b": 20}, "n_classes": 2, "imbalance_ratio": 19.0,
                                              "majority": "a", "minority": "b"},
                "label_noise": {"estimated_rate": 0.02, "ci": [0.01, 0.03], "reliable": True},
                "overview": {"missing_fraction": {"x": 0.0, "y": 0.0}, "duplicate_fraction": 0.0}, "warnings": []}
config_keys = st.sampled_from(["max_imbalance", "max-noise", "min_rows", "expect_task", "levels", "strict", "noise_bound",
                               "rules", "max_missing", "nope", "same_task", "expect_target"])


@st.composite
def config_files(draw) -> tuple[str, bytes]:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([".lossadvisor.yaml", "pyproject.toml"])), draw(st.binary(max_size=80))
    sections = {}
    for section in draw(st.lists(st.sampled_from(["check", "recommend", "other"]), max_size=2, unique=True)):
        sections[section] = draw(st.one_of(st.dictionaries(config_keys, json_values, max_size=3), json_values))
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-16"]))
    if draw(st.booleans()):
        return ".lossadvisor.yaml", yaml.safe_dump(sections, allow_unicode=True).encode(encoding, errors="replace")
    lines = []
    for section, body in sections.items():
        lines.append(f"[tool.lossadvisor.{section}]")
        for key, value in (body.items() if isinstance(body, dict) else []):
            lines.append(f'"{key}" = {json.dumps(value) if not isinstance(value, dict) else "{}"}')
    return "pyproject.toml", "\n".join(lines).encode(encoding, errors="replace")


def _config_case(case, command):
    name, data = case
    with _folder() as root:
        (root / name).write_bytes(data)
        profile = root / "p.json"
        profile.write_text(json.dumps(GOOD_PROFILE))
        args = ["check", "--profile", "p.json"] if command == "check" else ["recommend", "--profile", "p.json"]
        check_promise(args, root, allowed=(0, 1, 2) if command == "check" else (0, 2), cwd=root)


@SHORT
@given(config_files(), st.sampled_from(["check", "recommend"]))
def test_fuzz_config_files(case, command) -> None:
    _config_case(case, command)


@pytest.mark.fuzz
@LONG
@given(config_files(), st.sampled_from(["check", "recommend"]))
def test_fuzz_config_files_long(case, command) -> None:
    _config_case(case, command)


# --- saved profiles --------------------------------------------------------------------------

def _paths(document, prefix=()):
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _paths(value, (*prefix, index))


@st.composite
def saved_profiles(draw) -> bytes:
    document = json.loads(json.dumps(GOOD_PROFILE))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(st.one_of(json_values, st.sampled_from(["bogus", "Binary", True, -1, 1e308, {}])))
    text = json.dumps(document, ensure_ascii=False)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # a truncated file
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])), errors="replace")


def _profile_case(data, command):
    with _folder() as root:
        path = root / "p.json"
        path.write_bytes(data)
        good = root / "good.json"
        good.write_text(json.dumps(GOOD_PROFILE))
        args = {"recommend": ["recommend", "--profile", str(path)],
                "check": ["check", "--profile", str(path), "--no-config"],
                "baseline": ["check", "--profile", str(good), "--baseline", str(path), "--no-config"],
                "stdin": ["recommend", "--profile", "-"]}[command]
        code, err = check_promise(args, root, allowed=(0, 1, 2) if command in ("check", "baseline") else (0, 2),
                                  stdin=data if command == "stdin" else None)
        try:
            task = json.loads(data.decode("utf-8")).get("task")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return
        if task not in TASKS:
            assert code == 2, f"a profile with task {task!r} was accepted by {args}"


@SHORT
@given(saved_profiles(), st.sampled_from(["recommend", "check", "baseline", "stdin"]))
def test_fuzz_saved_profiles(data, command) -> None:
    _profile_case(data, command)


@pytest.mark.fuzz
@LONG
@given(saved_profiles(), st.sampled_from(["recommend", "check", "baseline", "stdin"]))
def test_fuzz_saved_profiles_long(data, command) -> None:
    _profile_case(data, command)


# --- option values ---------------------------------------------------------------------------

FACT_FLAGS = {"--imbalance-ratio": "binary", "--noise-rate": "multiclass", "--foreground-fraction": "segmentation",
              "--empty-fraction": "segmentation", "--outlier-fraction": "regression", "--kurtosis": "regression",
              "--dispersion": "count", "--zero-fraction": "count", "--mad": "regression", "--fn-cost": "binary",
              "--fp-cost": "binary", "--under-cost": "regression", "--over-cost": "regression"}
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["nan", "inf", "-inf", "NaN", "Infinity", "1e309", "-0", "0", "1", "0.5", "2", "1e308",
                                     "", "x", "1,5", "4294967296", "-1"]))


def _option_case(flag, value):
    with _folder() as root:
        args = ["recommend", "--task", FACT_FLAGS[flag], flag, value]
        code, _ = check_promise(args, root)
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and not math.isfinite(number):
            assert code == 2, f"{flag} {value} was accepted"


@SHORT
@given(st.sampled_from(sorted(FACT_FLAGS)), numbers)
def test_fuzz_fact_flags(flag, value) -> None:
    _option_case(flag, value)


@pytest.mark.fuzz
@LONG
@given(st.sampled_from(sorted(FACT_FLAGS)), numbers)
def test_fuzz_fact_flags_long(flag, value) -> None:
    _option_case(flag, value)

