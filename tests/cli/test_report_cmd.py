"""`lossadvisor report`: the page's content and accessibility, the Markdown variant, and every error path."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lossadvisor.profiling.profile import Profile
from lossadvisor.report.charts import forest_plot, label_noise, outlier_fences, target_histogram
from lossadvisor.report.page import page_content
from tests.cli_helpers import run_cli as _run, one_error_line as _error

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100"]
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    """profile, recommend, trial and check JSON of a small imbalanced binary table, as CI would save them."""
    folder = tmp_path_factory.mktemp("report")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["y"] = (x[:, 0] + 0.3 * rng.normal(size=400) > 1.0).astype(int)
    data = folder / "binary.csv"
    frame.to_csv(data, index=False)
    paths = {kind: folder / f"{kind}.json" for kind in ("profile", "recommendation", "trial", "check")}
    for args in (["profile", data, "--target", "y", "--format", "json", "-o", paths["profile"]],
                 ["recommend", "--profile", paths["profile"], "--format", "json", "-o", paths["recommendation"]],
                 ["trial", data, "--target", "y", "--format", "json", "-o", paths["trial"], "--device", "cpu", *FAST]):
        result = _run(*args)
        assert result.exit_code == 0, result.output
    _run("check", "--profile", paths["profile"], "--format", "json", "-o", paths["check"])
    paths["data"] = data
    return paths


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


class _Outline(HTMLParser):
    """Headings, images without alt, svgs without a title, tables without a header, scripts and links out."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.images_without_alt = 0
        self.svgs = self.svg_titles = 0
        self.tables = self.tables_with_th = 0
        self._in_table_has_th: list[bool] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag == "img" and not attrs.get("alt"):
            self.images_without_alt += 1
        if tag == "svg" and attrs.get("role") == "img":
            self.svgs += 1
        if tag == "title" and self.svgs:
            self.svg_titles += 1
        if tag == "table":
            self.tables += 1
            self._in_table_has_th.append(False)
        if tag == "th" and self._in_table_has_th:
            self._in_table_has_th[-1] = True
        if tag == "script" or (tag in ("link", "img") and (attrs.get("href") or attrs.get("src") or "").startswith("http")):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables_with_th += self._in_table_has_th.pop()


def test_fences_are_median_plus_minus_3_5_robust_sd():
    low, high = outlier_fences(1.0, 2.0)
    assert low == pytest.approx(1 - 3.5 * 1.4826 * 2) and high == pytest.approx(1 + 10.3782)
    assert outlier_fences(1.0, 0.0) is None


def _trial(verdict: str, diff: float, low: float, high: float) -> dict:
    return {"task": "binary", "metric": "pr_auc", "metrics": ["pr_auc"], "higher_is_better": {"pr_auc": True},
            "best": "focal", "candidates": [
                {"label": "bce", "loss": "bce", "params": {}, "baseline": True, "vs_baseline": None,
                 "metrics": {"pr_auc": {"mean": 0.5, "sd": 0.01}}},
                {"label": "focal", "loss": "focal", "params": {"gamma": 1.0}, "baseline": False,
                 "metrics": {"pr_auc": {"mean": 0.5 + diff, "sd": 0.02}},
                 "vs_baseline": {"difference": diff, "ci": [low, high], "verdict": verdict, "seeds_paired": 3}}]}


REC = {"task": "binary", "objective": {"label": "f1", "assumed": False},
       "candidates": [{"loss": "focal", "params": {"gamma": 1.0}, "rationale": "rare class", "source": "guide 6.2.8",
                       "score": 0.8, "rules": ["IMB-007"], "param_sources": {}, "caveats": [], "confidence": "medium"}],
       "baseline": {"loss": "bce", "params": {}, "rationale": "plain", "source": "guide 6.1.1", "score": 0.6}}


@pytest.mark.parametrize("verdict, diff, low, high, expected", [
    ("better", 0.1, 0.02, 0.2, "supported"),
    ("worse", -0.1, -0.2, -0.02, "not supported"),
    ("no significant difference", 0.01, -0.05, 0.07, "no significant difference"),
])
def test_summary_says_whether_the_trial_supports_the_first_choice(verdict, diff, low, high, expected):
    summary = page_content(None, REC, _trial(verdict, diff, low, high)).summary
    assert summary.verdict == expected
    assert summary.choice == "focal (gamma=1)" and "rare class" in summary.why
    assert f"{diff:+.4f} [{low:+.4f}, {high:+.4f}]" in summary.verdict_text
    assert page_content(None, REC, None).summary.verdict == "not trialled"


def test_forest_plot_draws_one_interval_per_compared_candidate_and_says_so_in_its_alt_text():
    chart = forest_plot(_trial("better", 0.1, 0.02, 0.2))
    assert "focal +0.1000 [+0.0200, +0.2000] better" in chart.alt
    assert chart.svg.startswith("<svg") and f'<title id="forest-plot-title">{chart.alt}</title>' in chart.svg
    assert forest_plot({"candidates": [_trial("better", 0.1, 0, 1)["candidates"][0]]}) is None


def test_charts_without_data_are_left_out():
    assert label_noise(Profile.from_dict({"label_noise": None})) is None
    assert target_histogram(Profile.from_dict({"target_stats": None})) is None


def test_target_histogram_names_the_fences():
    stats = {"sample": [0.0, 1.0, 2.0, 50.0], "median": 1.0, "mad": 1.0, "min": 0.0, "max": 50.0,
             "outlier_fraction": 0.25, "kurtosis": 3.0, "is_integer": False}
    chart = target_histogram(Profile.from_dict({"target_stats": stats}))
    assert "fences at -4.189 and 6.189" in chart.alt and "25.0% of rows lie outside" in chart.alt


def test_html_page_from_saved_json_is_self_contained_and_accessible(saved, tmp_path):
    out = tmp_path / "report.html"
    result = _run("report", "--profile", saved["profile"], "--recommendation", saved["recommendation"],
                  "--trial", saved["trial"], "--check", saved["check"], "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    outline = _Outline()
    outline.feed(page)
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:])), outline.headings
    assert outline.svgs >= 4 and outline.svg_titles == outline.svgs  # class balance, noise, forest, curves
    assert outline.tables and outline.tables_with_th == outline.tables
    assert outline.images_without_alt == 0 and outline.external == []
    trial = _load(saved["trial"])
    focal_row = next(c for c in trial["candidates"] if not c["baseline"])
    assert focal_row["label"] in page and f"{focal_row['vs_baseline']['difference']:+.4f}" in page
    summary = page[page.index('class="summary"'):page.index("</section>")]
    rec = _load(saved["recommendation"])
    assert rec["candidates"][0]["loss"] in summary and "Trial" in summary
    assert "Check results" in page and '"schema_version"' not in page  # no raw JSON
    assert len(page.encode()) < 2_000_000


def test_markdown_has_the_same_summary_and_no_charts(saved):
    result = _run("report", "--profile", saved["profile"], "--recommendation", saved["recommendation"],
                  "--trial", saved["trial"], "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("## lossadvisor report:") and "| **Trial** |" in text and "<svg" not in text
    assert "Charts (class balance" in text and "| candidate |" in text


def test_report_runs_the_pipeline_on_data(saved, tmp_path):
    out = tmp_path / "page.html"
    result = _run("report", saved["data"], "--target", "y", "-o", out, "--seeds", "1", "--epochs", "1",
                  "--bootstrap", "100", "--no-noise")
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert 'id="trial-heading"' in page and 'id="fig-learning-curves"' in page and 'id="fig-class-balance"' in page


def test_masks_get_the_foreground_chart_and_a_note_instead_of_a_trial(tmp_path):
    out = tmp_path / "masks.html"
    result = _run("report", "--masks", SAMPLE / "masks", "-o", out)
    assert result.exit_code == 0, result.output
    assert "note: no trial" in result.stderr
    page = out.read_text()
    assert 'id="fig-mask-fractions"' in page and 'id="trial-heading"' not in page
    assert "foreground share per mask" in page
    assert "segmentation task on 40 masks of 64 × 64 pixels" in page


def test_a_partial_set_of_saved_results_renders_what_it_has(saved):
    result = _run("report", "--trial", saved["trial"], "--format", "markdown")
    assert result.exit_code == 0 and "### Trial" in result.stdout and "### Data" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--profile", "nope.json"], "profile file not found: nope.json"),
    ([], "give a data file (or --masks DIR), or saved results"),
])
def test_usage_errors(args, message):
    assert message in _error(_run("report", *args))


def test_bad_json_wrong_kind_and_unsupported_version(saved, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert "is not valid JSON (line 1)" in _error(_run("report", "--profile", bad))
    assert "is not a lossadvisor recommendation" in _error(_run("report", "--recommendation", saved["trial"]))
    future = tmp_path / "future.json"
    future.write_text(json.dumps({**_load(saved["trial"]), "schema_version": "2.0"}))
    assert "schema_version 2.0, which is not supported" in _error(_run("report", "--trial", future))
    other = tmp_path / "regression.json"
    other.write_text(json.dumps({**_load(saved["trial"]), "task": "regression"}))
    assert "describe different tasks" in _error(_run("report", "--profile", saved["profile"], "--trial", other))


def test_data_and_saved_results_together_and_a_missing_output_folder(saved, tmp_path):
    assert "not both" in _error(_run("report", saved["data"], "--profile", saved["profile"]))
    assert "does not exist" in _error(_run("report", "--profile", saved["profile"], "-o", tmp_path / "no" / "r.html"))
    assert "check file not found" in _error(_run("report", "--profile", saved["profile"], "--check", tmp_path / "c.json"))


def test_html_without_matplotlib_says_how_to_install(saved, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    line = _error(_run("report", "--profile", saved["profile"], "-o", "unused.html"))
    assert line == "error: the HTML report needs matplotlib, which is not installed: pip install 'lossadvisor[report]'"
    assert _run("report", "--profile", saved["profile"], "--format", "markdown").exit_code == 0


def test_segmentation_examples_plug_into_the_trial_section():
    """A segmentation trial adds `examples` to its JSON; the page shows each with alt text per overlay."""
    from lossadvisor.report.html import render_html

    pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
    trial = _trial("better", 0.1, 0.02, 0.2)
    trial["examples"] = [{"caption": "case_003", "image": pixel,
                          "overlays": {"ground truth": pixel, "focal": pixel}}]
    page = render_html(None, REC, trial)
    assert "Example predictions" in page and page.count(pixel) == 3
    assert 'alt="ground truth overlaid on image case_003"' in page and 'alt="focal overlaid on image case_003"' in page
