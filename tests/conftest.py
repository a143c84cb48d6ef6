"""Shared fixtures: small tables written to tmp_path, and the CLI runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def binary_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y"], 300),
                          "label": np.r_[np.zeros(270, int), np.ones(30, int)]})
    path = tmp_path / "binary.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(autouse=True)
def _pipe_width(monkeypatch):
    """Text output in tests is at the pipe width (100 columns), whatever $COLUMNS the shell exported."""
    monkeypatch.delenv("COLUMNS", raising=False)
