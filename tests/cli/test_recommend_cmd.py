"""End-to-end: `lossadvisor recommend` and `lossadvisor rules` through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
PROFILE = {
    "schema_version": "1.0", "source": "x.csv", "rows": 5000, "columns": 10, "target": ["y"], "task": "multiclass",
    "structure": {"type": "tabular"},
    "classes": {"counts": {"a": 4000, "b": 800, "c": 200}, "n_classes": 3, "imbalance_ratio": 20.0},
    "label_noise": {"estimated_rate": 0.03, "ci": [0.02, 0.04], "reliable": True},
    "target_stats": None, "masks": None, "feature_outliers": None, "warnings": [],
}


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    return path


def test_recommend_from_a_profile_as_json(runner: CliRunner, profile_path: Path) -> None:
    result = runner.invoke(app, ["recommend", "--profile", str(profile_path), "--format", "json", "--top", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1.0" and data["task"] == "multiclass"
    assert data["class_order"] == ["a", "b", "c"]
    assert [c["loss"] for c in data["candidates"]] == ["weighted_cross_entropy", "class_balanced"]
    assert data["candidates"][0]["params"]["weight"] == pytest.approx([0.3892, 0.870271, 1.740542], rel=1e-4)
    assert data["baseline"]["loss"] == "cross_entropy"
    assert data["objective"]["assumed"] is True


def test_recommend_text_and_markdown(runner: CliRunner, profile_path: Path) -> None:
    text = runner.invoke(app, ["recommend", "--profile", str(profile_path), "--objective", "recall"])
    assert text.exit_code == 0 and "Recommended losses" in text.stdout and "logit_adjusted" in text.stdout
    md = runner.invoke(app, ["recommend", "--profile", str(profile_path), "--format", "markdown"])
    assert md.exit_code == 0 and md.stdout.startswith("# Loss recommendation")
    assert "| 1 | `weighted_cross_entropy` |" in md.stdout


def test_recommend_without_data_from_stated_facts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["recommend", "--task", "segmentation", "--foreground-fraction", "0.01",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    top2 = [c["loss"] for c in json.loads(result.stdout)["candidates"][:2]]
    assert set(top2) <= {"tversky", "focal_tversky", "dice_ce"}


def test_recommend_binary_from_a_stated_ratio_and_cost(runner: CliRunner) -> None:
    result = runner.invoke(app, ["recommend", "--task", "binary", "--imbalance-ratio", "50", "--fn-cost", "10",
                                 "--format", "json", "--top", "5"])
    data = json.loads(result.stdout)
    by_rule = {c["rules"][0]: c for c in data["candidates"]}
    assert by_rule["CST-001"]["params"] == {"pos_weight": 10.0}
    assert by_rule["IMB-001"]["params"]["pos_weight"] == pytest.approx(50 ** 0.5, rel=1e-5)


def test_emitted_python_snippet_runs(runner: CliRunner, profile_path: Path, tmp_path: Path) -> None:
    snippet = tmp_path / "loss.py"
    result = runner.invoke(app, ["recommend", "--profile", str(profile_path), "--emit", "python", str(snippet)])
    assert result.exit_code == 0, result.output
    text = snippet.read_text()
    assert "build_loss('weighted_cross_entropy'" in text and "torch.nn.CrossEntropyLoss(weight=" in text
    run = subprocess.run([sys.executable, str(snippet)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(": ") for line in run.stdout.strip().splitlines())
    assert float(lines["loss"]) == pytest.approx(float(lines["plain torch"]), rel=1e-5)


def test_recommend_from_a_profile_imports_neither_torch_nor_sklearn(profile_path: Path) -> None:
    code = (
        "import sys\nfrom lossadvisor.cli.main import app\n"
        f"try:\n    app(['recommend', '--profile', {str(profile_path)!r}, '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('torch', 'sklearn', 'pandas', 'cleanlab') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in run.stdout, run.stdout[-300:] + run.stderr[-300:]


def test_recommend_profiles_a_data_file_first(runner: CliRunner, tmp_path: Path) -> None:
    rows = ["x1,x2,y"] + [f"{i % 7},{(i * 3) % 11},{1 if i % 25 == 0 else 0}" for i in range(500)]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n")
    result = runner.invoke(app, ["recommend", str(data), "--target", "y", "--no-noise", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["task"] == "binary" and out["class_order"] == ["0", "1"]
    weighted = next(c for c in out["candidates"][:2] if c["loss"] == "weighted_bce")  # beside bce (docs/score-fit.md)
    assert weighted["params"]["pos_weight"] == pytest.approx((480 / 20) ** 0.5, rel=1e-4)


ERRORS = [
    (["--task", "binary", "--objective", "f2"], "unknown objective 'f2'"),
    (["--task", "binary", "--objective", "mae"], "objective 'mae' does not apply to a binary task"),
    (["--task", "binary", "--fn-cost", "-1"], "--fn-cost must be a positive number"),
    (["--task", "regression", "--fn-cost", "3"], "--fn-cost/--fp-cost apply to classification"),
    (["--task", "binary", "--budget", "slow"], "unknown budget 'slow'"),
    (["--task", "binary", "--rules", "/nonexistent/rules"], "rules path not found"),
    (["--profile", "/nonexistent/p.json"], "profile not found"),
    ([], "give a data file, --profile, or --task"),
    (["--task", "binary", "--structure", "tree"], "unknown --structure 'tree'"),
    (["--task", "binary", "--emit", "rust", "x.rs"], "--emit supports 'python FILE'"),
]


@pytest.mark.parametrize("args, fragment", ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_bad_input_is_one_line_and_exit_2(runner: CliRunner, args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["recommend", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0]


def test_a_profile_with_another_schema_major_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**PROFILE, "schema_version": "2.0"}))
    result = runner.invoke(app, ["recommend", "--profile", str(path)])
    assert result.exit_code == 2 and "has schema_version 2.0, which is not supported" in result.stderr


def test_a_malformed_user_rule_names_file_rule_and_key(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "- id: MY-1\n  summary: s\n  source: guide 6.1.5\n  when: {fact: task, eq: binary}\n"
        "  recommend: {loss: focal, params: {gamma: -2}}\n")
    result = runner.invoke(app, ["recommend", "--task", "binary", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert "mine.yaml: rule MY-1: key 'recommend.params'" in result.stderr and "gamma" in result.stderr


def test_user_rules_override_by_id(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "- id: DEF-001\n  summary: mine\n  source: guide 6.1.5\n  when: {fact: task, eq: binary}\n"
        "  recommend: {loss: focal, params: {gamma: 0.5}}\n  score: 1.0\n")
    result = runner.invoke(app, ["recommend", "--task", "binary", "--rules", str(tmp_path), "--format", "json"])
    top = json.loads(result.stdout)["candidates"][0]
    assert top["loss"] == "focal" and top["params"] == {"gamma": 0.5} and top["rules"] == ["DEF-001"]


def test_rules_list_show_validate(runner: CliRunner, tmp_path: Path) -> None:
    listing = runner.invoke(app, ["rules", "list"])
    assert listing.exit_code == 0 and "IMB-001" in listing.stdout and "weighted_bce" in listing.stdout
    show = runner.invoke(app, ["rules", "show", "CNT-002"])
    assert show.exit_code == 0 and "tweedie" in show.stdout and "clip(variance-mean slope, 1.1, 1.9)" in show.stdout
    assert runner.invoke(app, ["rules", "validate", str(ROOT / "rules")]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: B-1\n  summary: s\n  source: g\n  when: {fact: nope, eq: 1}\n  advise: x\n")
    result = runner.invoke(app, ["rules", "validate", str(bad)])
    assert result.exit_code == 2 and "bad.yaml: rule B-1: unknown fact 'nope'" in result.stderr


def test_rules_show_unknown_id_is_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rules", "show", "XYZ-9"])
    assert result.exit_code == 2 and result.stderr.startswith("error: unknown rule 'XYZ-9'")


def test_docs_rules_md_is_generated_from_the_rule_files() -> None:
    from lossadvisor.advice.ruleset import load_rules, shipped_rules_dir
    from lossadvisor.report.rules_render import render_docs

    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render_docs(load_rules(), shipped_rules_dir()), \
        "docs/rules.md is stale: run `lossadvisor rules docs -o docs/rules.md`"


SAMPLES = [  # file, target, extra args, losses allowed in the top 2 (issue #4's acceptance families)
    ("clean_balanced.csv", "label", ["--no-noise"], {"cross_entropy"}),
    ("imbalanced_binary.csv", "label", ["--no-noise"], {"weighted_bce", "class_balanced", "focal", "logit_adjusted"}),
    ("noisy_multiclass.csv", "label", [], {"gce", "sce", "nce_rce", "bootstrap"}),
    ("heavy_tail_regression.csv", "target", ["--no-noise"], {"huber", "quantile", "log_cosh", "mae", "mse"}),
    ("counts.csv", "visits", ["--no-noise"], {"poisson", "tweedie"}),
    ("multilabel.csv", "labels", ["--no-noise"], {"bce", "weighted_bce", "asymmetric_multilabel"}),
    ("timeseries.csv", "demand", ["--no-noise"], {"mse", "huber", "quantile", "poisson", "tweedie"}),
]


@pytest.mark.parametrize("name, target, extra, allowed", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_every_sample_file_gets_the_family_its_condition_calls_for(runner, name, target, extra, allowed) -> None:
    path = ROOT / "sample_data" / name
    if not path.exists():
        pytest.skip(f"{path} not generated")
    result = runner.invoke(app, ["recommend", str(path), "--target", target, "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    top2 = [c["loss"] for c in json.loads(result.stdout)["candidates"][:2]]
    assert top2 and set(top2) & allowed, top2  # a loss of the family in the top two (first: the fitted scores')
    if name == "clean_balanced.csv":
        assert top2[0] == "cross_entropy"
    if name == "heavy_tail_regression.csv":
        assert {"huber", "quantile", "log_cosh"} & set(top2), top2


def test_the_sample_masks_get_an_overlap_loss(runner) -> None:
    masks = ROOT / "sample_data" / "masks"
    if not masks.exists():
        pytest.skip("sample masks not generated")
    result = runner.invoke(app, ["recommend", "--masks", str(masks), "--format", "json"])
    assert result.exit_code == 0, result.output
    top2 = [c["loss"] for c in json.loads(result.stdout)["candidates"][:2]]
    assert set(top2) <= {"dice_ce", "tversky", "focal_tversky", "dice_focal"}


def test_user_rules_from_the_config_file(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "r.yaml").write_text(
        "- id: DEF-001\n  summary: mine\n  source: guide 6.1.5\n  when: {fact: task, eq: binary}\n"
        "  recommend: {loss: focal, params: {gamma: 0.5}}\n  score: 1.0\n")
    (tmp_path / ".lossadvisor.yaml").write_text("recommend:\n  rules: mine\ncheck:\n  min_rows: 10\n")
    work = tmp_path / "sub"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(app, ["recommend", "--task", "binary", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["candidates"][0]["rules"] == ["DEF-001"]
    (tmp_path / ".lossadvisor.yaml").write_text("recommend:\n  rule_dir: mine\n")
    bad = runner.invoke(app, ["recommend", "--task", "binary"])
    assert bad.exit_code == 2 and "unknown recommend key 'rule_dir'" in bad.stderr


def test_recommend_text_shows_confidence_facts_and_composite_components(runner):
    # Bug: "[medium confidence]", "[cost.fn=5, cost.fp=1]" and "[bce×1, …]" were eaten as markup tags.
    result = runner.invoke(app, ["recommend", "--task", "segmentation", "--foreground-fraction", "0.01",
                                 "--fn-cost", "5", "--fp-cost", "1"])
    assert result.exit_code == 0, result.output
    assert "[cost.fn=5, cost.fp=1]" in result.stdout
    assert "confidence]" in result.stdout
    result = runner.invoke(app, ["recommend", "--task", "binary", "--imbalance-ratio", "100"])
    assert result.exit_code == 0, result.output
    assert "components=[bce×1" in result.stdout


def test_names_are_found_whatever_their_case_and_emit_says_where_it_wrote(tmp_path):
    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["explain", "Focal-Tversky"]).exit_code == 0
    shown = runner.invoke(app, ["rules", "show", "imb-001"])
    assert shown.exit_code == 0 and "IMB-001" in shown.stdout
    snippet = tmp_path / "loss.py"
    result = runner.invoke(app, ["recommend", "--task", "binary", "--imbalance-ratio", "50", "--emit", "python", str(snippet)])
    assert result.exit_code == 0 and f"to {snippet}" in result.stderr and snippet.exists()


def test_contradictory_recommend_flags_are_refused():
    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

    runner = CliRunner()
    for args, message in (
        (["--task", "regression", "--n-classes", "5"], "--n-classes describes binary/multiclass/multilabel data"),
        (["--task", "binary", "--foreground-fraction", "0.01"], "--foreground-fraction describes segmentation data"),
        (["--task", "regression", "--objective", "quantile:0.9", "--under-cost", "1", "--over-cost", "9"],
         "contradicts --under-cost/--over-cost, which imply quantile 0.1"),
    ):
        result = runner.invoke(app, ["recommend", *args])
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    agreeing = ["recommend", "--task", "regression", "--objective", "quantile:0.9", "--under-cost", "9", "--over-cost", "1"]
    assert runner.invoke(app, agreeing).exit_code == 0


def test_emitted_snippet_for_multilabel_feeds_one_logit_per_label(runner, tmp_path):
    # Bug: the multilabel snippet demonstrated bce on torch.randn(8), one logit per row, not (8, labels).
    import subprocess
    import sys

    from tests.conftest import SAMPLE_DATA

    snippet = tmp_path / "loss.py"
    result = runner.invoke(app, ["recommend", str(SAMPLE_DATA / "multilabel.csv"), "--target", "labels", "--no-noise",
                                 "--emit", "python", str(snippet)])
    assert result.exit_code == 0, result.output
    text = snippet.read_text()
    assert "logits = torch.randn(8, 5)" in text and "target = torch.randint(0, 2, (8, 5)).float()" in text
    run = subprocess.run([sys.executable, str(snippet)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    loss, plain = (float(line.split(":")[1]) for line in run.stdout.splitlines())
    assert loss == pytest.approx(plain)


@pytest.mark.parametrize("noise, message", [
    # The saved-profile schema (lossadvisor/schemas) answers first, naming the place; conditions.profile_facts
    # keeps its own check for profile dicts given to the Python API.
    ({"reliability": "sure"}, 'label_noise.reliability must be one of "high", "moderate", "low", "none", null, got "sure"'),
    ({"overlap": [True]}, "label_noise.overlap must be an object or null, got a list of 1 item"),
    ({"overlap": {"detected": "yes"}}, 'label_noise.overlap.detected must be true or false or null, got "yes"'),
])
def test_a_profile_with_a_malformed_noise_grade_is_refused(runner: CliRunner, tmp_path: Path, noise, message) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**PROFILE, "label_noise": {**PROFILE["label_noise"], **noise}}), encoding="utf-8")
    result = runner.invoke(app, ["recommend", "--profile", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: ") and message in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_an_unsure_heavy_noise_profile_gets_the_gce_hedge_naming_trial(runner: CliRunner, tmp_path: Path) -> None:
    noise = {"estimated_rate": 0.25, "ci": [0.15, 0.34], "reliable": False, "reliability": "low",
             "overlap": {"detected": False}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**PROFILE, "label_noise": noise}), encoding="utf-8")
    result = runner.invoke(app, ["recommend", "--profile", str(path), "--format", "json", "--top", "4"])
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout)["candidates"]
    gce = next(c for c in top if c["loss"] == "gce")  # top 4: the fitted imbalance scores lead (docs/score-fit.md)
    assert "NOI-008" in gce["rules"] and any("lossadvisor trial" in c for c in gce["caveats"])
