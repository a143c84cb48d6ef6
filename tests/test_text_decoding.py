"""Real-world text files: encodings detected (or given with --encoding), compressed files, stdin."""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.errors import LoadError
from lossadvisor.text_decoding import SNIFF_BYTES, decode_bytes, detect_encoding, read_text_file, sniff_file_encoding

CLASSES = ["épicerie", "crème", "niño", "pâtisserie"]
TEXT = "x,classe\n" + "".join(f"{i % 7},{CLASSES[i % 4]}\n" for i in range(120))


def _cli(*args: str, stdin: bytes | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _profile_json(path, *extra) -> dict:
    code, out, err = _cli("profile", path, "--target", "classe", "--no-noise", "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("data", "expected"), [
    (codecs.BOM_UTF8 + "a,é\n".encode(), "utf-8-sig"),
    ("a,é\n".encode("utf-16"), "utf-16"),
    ("a,é\n".encode("utf-32"), "utf-32"),
    ("a,b\n1,é\n".encode("utf-16-le"), "utf-16-le"),
    ("a,b\n1,é\n".encode("utf-16-be"), "utf-16-be"),
    ("a,é\n".encode(), "utf-8"),
    (b"plain ascii\n", "utf-8"),
    ("a,€uro “q”\n".encode("cp1252"), "cp1252"),
    (b"a,caf\xe9\n", "cp1252"),
    (b"a,\x81caf\xe9\n", "latin-1"),  # 0x81 is undefined in Windows-1252
])
def test_detection_order_known_answers(data: bytes, expected: str) -> None:
    assert detect_encoding(data, "x") == expected


def test_binary_bytes_are_refused_not_read_as_latin1() -> None:
    with pytest.raises(LoadError, match="binary data, not text"):
        detect_encoding(bytes(range(256)) * 4, "blob.csv")


def test_a_sample_cut_inside_a_utf8_character_is_still_utf8(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    head = b"a\n" + b"x" * (SNIFF_BYTES - 3) + "é\n".encode()  # é's two bytes straddle the sniffed MiB
    path.write_bytes(head)
    assert sniff_file_encoding(path) == "utf-8"


def test_given_encoding_is_used_and_checked() -> None:
    assert decode_bytes(b"caf\xe9", "x", "latin-1").text == "café"
    with pytest.raises(LoadError, match="is not valid utf-8 text .*byte 0xe9 at position 3"):
        decode_bytes(b"caf\xe9", "x", "utf-8")
    with pytest.raises(LoadError, match="unknown --encoding 'klingon'"):
        decode_bytes(b"x", "x", "klingon")


def test_latin1_csv_with_accented_classes_profiles_and_names_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(TEXT.encode("latin-1"))
    before = path.read_bytes()
    profile = _profile_json(path)
    assert sorted(profile["classes"]["counts"]) == sorted(CLASSES)
    assert profile["classes"]["counts"]["crème"] == 30
    [note] = [w for w in profile["warnings"] if w["code"] == "ENCODING"]
    assert "read as Windows-1252" in note["message"] and note["severity"] == "info"
    code, out, _ = _cli("profile", path, "--target", "classe", "--no-noise")
    assert code == 0 and "Windows-1252" in out and "crème" in out
    assert path.read_bytes() == before


def test_utf8_files_say_nothing_about_encoding(tmp_path: Path) -> None:
    path = tmp_path / "utf8.csv"
    path.write_text(TEXT, encoding="utf-8")
    assert not [w for w in _profile_json(path)["warnings"] if w["code"] == "ENCODING"]


@pytest.mark.parametrize(("name", "encoded", "label"), [
    ("u16.csv", TEXT.encode("utf-16"), "UTF-16"),
    ("u16le.tsv", TEXT.replace(",", "\t").encode("utf-16-le"), "UTF-16 LE"),
    ("cp.jsonl", "".join(json.dumps({"x": i, "classe": CLASSES[i % 4]}, ensure_ascii=False) + "\n"
                         for i in range(40)).encode("cp1252"), "Windows-1252"),
    ("latin.csv.gz", gzip.compress(TEXT.encode("latin-1")), "Windows-1252"),
    ("latin.csv.xz", lzma.compress(TEXT.encode("latin-1")), "Windows-1252"),
])
def test_other_text_encodings_and_compressed_files_are_read(tmp_path: Path, name, encoded, label) -> None:
    path = tmp_path / name
    path.write_bytes(encoded)
    profile = _profile_json(path)
    assert set(profile["classes"]["counts"]) == set(CLASSES)
    assert any(label in w["message"] for w in profile["warnings"] if w["code"] == "ENCODING")


def test_stdin_is_decoded_like_a_file(tmp_path: Path) -> None:
    code, out, err = _cli("profile", "-", "--target", "classe", "--no-noise", "--format", "json",
                          stdin=TEXT.encode("latin-1"))
    assert code == 0, err
    assert "crème" in json.loads(out)["classes"]["counts"]


def test_encoding_option_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "cyrillic.csv"
    path.write_bytes(("x,classe\n" + "".join(f"{i},{'кот' if i % 2 else 'пёс'}\n" for i in range(40))).encode("cp1251"))
    profile = _profile_json(path, "--encoding", "cp1251")
    assert set(profile["classes"]["counts"]) == {"кот", "пёс"}
    assert "read as cp1251" in [w for w in profile["warnings"] if w["code"] == "ENCODING"][0]["message"]


@pytest.mark.parametrize(("name", "content", "args", "message"), [
    ("bad.csv.xz", b"\xfd7zXZ\x00" + b"garbage" * 20, (), "bad.csv.xz is not a valid xz file"),
    ("bad.csv.gz", b"\x1f\x8b\x08\x00" + b"garbage" * 20, (), "bad.csv.gz is not a valid gzip file"),
    ("bad.csv.bz2", b"BZh9" + b"garbage" * 20, (), "bad.csv.bz2 is not a valid bz2 file"),
    ("cut.csv.gz", gzip.compress(TEXT.encode())[:-30], (), "cut.csv.gz is not a valid gzip file"),
    ("blob.csv", bytes(range(256)) * 8, (), "blob.csv is binary data, not text"),
    ("latin.csv", TEXT.encode("latin-1"), ("--encoding", "utf-8"), "is not valid UTF-8 text"),
    ("latin.csv", TEXT.encode("latin-1"), ("--encoding", "klingon"), "unknown --encoding 'klingon'"),
])
def test_broken_text_and_archives_get_one_precise_line(tmp_path: Path, name, content, args, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = _cli("profile", path, "--target", "classe", "--no-noise", *args)
    assert code == 2
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
    assert "internal error" not in err
    assert path.read_bytes() == content


def test_encoding_option_is_refused_for_parquet(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1, 2, 3, 4], "classe": ["a", "b", "a", "b"]}).to_parquet(path)
    code, _, err = _cli("profile", path, "--target", "classe", "--no-noise", "--encoding", "latin-1")
    assert code == 2 and "--encoding applies to text files" in err


RULE = """# règles maison, enregistrées en Windows-1252
- id: MY-001
  summary: Binaire déséquilibré — focal.
  when: {fact: task, eq: binary}
  recommend: {loss: focal, params: {gamma: 1.0}}
  source: guide 6.2.8
"""


def test_config_rules_and_saved_profiles_go_through_the_same_decoding(tmp_path: Path, monkeypatch) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(RULE.encode("cp1252"))
    code, out, err = _cli("rules", "validate", rules)
    assert code == 0 and "ok: 1 rules" in out, err
    code, out, err = _cli("rules", "show", "MY-001", "--rules", rules)
    assert code == 0 and "Binaire déséquilibré" in out, err
    (tmp_path / ".lossadvisor.yaml").write_bytes("# seuils réglés à la main\ncheck:\n  max_imbalance: 30\n"
                                                 "recommend:\n  rules: rules.yaml\n".encode("cp1252"))
    profile = tmp_path / "p.json"
    profile.write_bytes(json.dumps({"schema_version": "1.0", "task": "binary", "source": "données.csv",
                                    "classes": {"counts": {"a": 400, "b": 10}, "imbalance_ratio": 40.0}},
                                   ensure_ascii=False).encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli("check", "--profile", profile, "--format", "json")
    assert code == 1, err  # the config's max_imbalance 30 was read: 40 fails it
    assert "30" in out
    code, out, err = _cli("recommend", "--profile", profile, "--format", "json")
    assert code == 0, err
    assert "MY-001" in json.loads(out)["rules_fired"]


@pytest.mark.parametrize("which", ["config", "pyproject", "rules", "profile"])
def test_binary_config_rule_and_profile_files_are_refused(tmp_path: Path, monkeypatch, which) -> None:
    blob = b"\x00\x01\x02binary\xff\xfe\x00" * 10
    monkeypatch.chdir(tmp_path)
    if which == "config":
        (tmp_path / ".lossadvisor.yaml").write_bytes(blob)
        args = ("recommend", "--task", "binary")
    elif which == "pyproject":
        (tmp_path / "pyproject.toml").write_bytes(blob)
        args = ("recommend", "--task", "binary")
    elif which == "rules":
        (tmp_path / "r.yaml").write_bytes(blob)
        args = ("rules", "validate", "r.yaml")
    else:
        (tmp_path / "p.json").write_bytes(blob)
        args = ("recommend", "--profile", "p.json")
    code, _, err = _cli(*args)
    assert code == 2 and "binary data, not text" in err and len(err.strip().splitlines()) == 1, err


def test_read_text_file_reads_compressed_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json.bz2"
    path.write_bytes(bz2.compress('{"a": "é"}'.encode("utf-16")))
    decoded = read_text_file(path)
    assert json.loads(decoded.text) == {"a": "é"} and decoded.encoding == "utf-16"
