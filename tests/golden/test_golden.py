"""Every command's output on the sample data stays byte-identical to the recorded goldens.

A deliberate change of output is re-recorded with ``python tests/golden/record.py`` (see cases.py for
the cases and for the volatile fields that are normalised) and named in the commit message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import GOLDEN, golden_cases, golden_path, run_case, stdout_suffix  # noqa: E402

CASES = golden_cases()
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))


def test_every_case_has_a_recorded_golden() -> None:
    assert sorted(MANIFEST) == sorted(case.name for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_output_matches_the_golden(case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # check --format auto would switch to annotations
    outcome = run_case(case)
    expected = golden_path(case, stdout_suffix(case)).read_text(encoding="utf-8")
    recorded = MANIFEST[case.name]
    assert (outcome["exit_code"], outcome["stderr"]) == (recorded["exit_code"], recorded["stderr"])
    assert outcome["stdout"] == expected
