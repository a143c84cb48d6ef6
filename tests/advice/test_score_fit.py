"""Rule scores fitted from the evidence table: reading, matching, the shrinkage formula, LODO, writing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lossadvisor.advice.evidence_table import read_evidence, read_facts, read_results
from lossadvisor.advice.ruleset import load_rules, shipped_rules_dir
from lossadvisor.advice.score_fit import (EvidenceLinks, Link, find_measurement, fit_scores, link_evidence,
                                          score_drift, with_scores)
from lossadvisor.advice.score_lodo import fit_and_judge, tally
from lossadvisor.advice.score_write import rewrite_text, write_scores
from lossadvisor.errors import ConfigError
from tests.advice.evidence_fixtures import binary_facts, params_of, synthetic_rows, write_table

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "benchmarks" / "evidence" / "results.csv"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture
def table(tmp_path):
    path = write_table(tmp_path / "evidence")
    return read_evidence(path, path.parent / "facts.jsonl")


def _entry(fitted, rule_id, objective):
    return next(e for e in fitted[rule_id] if e.objective == objective)


def test_the_fit_adds_the_shrunk_excess_over_an_average_loss(rules, table) -> None:
    """Each binary case measures 4 losses under f1 and recall with one tie: an average loss ties 1/4 of the
    time, so 3 cases expect 0.75 ties; the regression case measures 2 losses with one tie (expects 0.5)."""
    fitted = fit_scores(rules, link_evidence(rules, table), prior_weight=4)
    bce_f1 = _entry(fitted, "DEF-001", "f1")  # no f1 entry in the prior: the default 0.6; 3 ties in 3
    assert (bce_f1.prior, bce_f1.n, bce_f1.ties, bce_f1.expected) == (0.6, 3, 3, 0.75)
    assert bce_f1.score == round(0.6 + (3 - 0.75) / 7, 3) == 0.921
    sqrt_f1 = _entry(fitted, "IMB-001", "f1")  # the hand-set f1 favourite never tied
    assert (sqrt_f1.n, sqrt_f1.ties, sqrt_f1.score) == (3, 0, round(0.8 - 0.75 / 7, 3)) == (3, 0, 0.693)
    assert _entry(fitted, "IMB-002", "recall").score == 1.0  # 0.86 + 2.25 / 7 = 1.18, kept in [0, 1]
    assert _entry(fitted, "DEF-003", "rmse").score == round(0.68 + (1 - 0.5) / 5, 3) == 0.78
    assert _entry(fitted, "QNT-001", "quantile").score == 1.0  # bare quantile = 0.9; 0.95 + 0.1, kept in [0, 1]


def test_an_adjust_rule_needs_no_correction(rules) -> None:
    """Under calibration CAL-001 takes 0.15 off weighted_bce at ranking time, on top of the fitted score as on
    top of the prior; the fit itself only adds the excess of ties over an average loss."""
    links = EvidenceLinks(tuple(Link("IMB-001", "calibration", s, "clean", True, 0.5) for s in ("a", "b")), (), ())
    entry = _entry(fit_scores(rules, links, prior_weight=4), "IMB-001", "calibration")
    assert (entry.prior, entry.expected) == (0.3, 1.0)
    assert entry.score == round(0.3 + (2 - 1.0) / 6, 3) == 0.467


def test_link_evidence_records_the_cases_average_tie_rate(rules, tmp_path) -> None:
    rows, cases = synthetic_rows()
    rows = [r for r in rows if r["objective"] == "f1" or r["set"] != "alpha"]
    path = write_table(tmp_path / "ev", rows, cases)
    links = link_evidence(rules, read_evidence(path, path.parent / "facts.jsonl")).links
    bases = {(link.rule, link.set, link.objective): link.base for link in links}
    assert bases[("DEF-001", "alpha", "f1")] == 0.25 and bases[("IMB-002", "beta", "recall")] == 0.25
    assert bases[("DEF-003", "delta", "rmse")] == 0.5


def test_rules_without_evidence_keep_the_prior(rules, table) -> None:
    fitted = fit_scores(rules, link_evidence(rules, table))
    assert dict((e.objective, e.score) for e in fitted["NOI-001"]) == dict(rules.get("NOI-001").prior)
    assert all(e.n == 0 for e in fitted["NOI-001"])
    assert _entry(fitted, "IMB-001", "default").score == 0.7  # the default is the prior's


def test_a_larger_prior_weight_moves_scores_less(rules, table) -> None:
    links = link_evidence(rules, table)
    loose, firm = (_entry(fit_scores(rules, links, m), "IMB-001", "f1").score for m in (1, 40))
    assert loose == round(0.8 - 0.75 / 4, 3) and firm == round(0.8 - 0.75 / 43, 3)
    with pytest.raises(ConfigError, match="prior weight"):
        fit_scores(rules, links, 0)


def test_leaving_a_set_out_drops_its_evidence(rules, table) -> None:
    links = link_evidence(rules, table)
    without = fit_scores(rules, links, leave_out="alpha")
    assert (_entry(without, "DEF-001", "f1").n, _entry(without, "DEF-001", "f1").ties) == (2, 2)


def test_matching_tells_configurations_of_one_loss_apart(tmp_path) -> None:
    facts = binary_facts(200, 800)
    rows = read_results(write_table(tmp_path / "ev"))
    alpha_f1 = [r for r in rows if (r.set, r.objective) == ("alpha", "f1")]
    sqrt, full = params_of("IMB-001", facts, "f1"), params_of("IMB-002", facts, "f1")
    assert sqrt == {"pos_weight": 2.0} and full == {"pos_weight": 4.0}
    assert find_measurement(alpha_f1, "weighted_bce", {"pos_weight": 2.0004}).params == {"pos_weight": 2.0}
    assert find_measurement(alpha_f1, "weighted_bce", {"pos_weight": 3.0}) is None
    assert find_measurement(alpha_f1, "bce", {"reduction": "mean"}).params == {}  # card defaults fill both sides
    assert find_measurement(alpha_f1, "bce", {"reduction": "sum"}) is None


def test_links_skip_objectives_the_rules_do_not_rank_by(rules, table) -> None:
    links = link_evidence(rules, table)
    assert links.skipped_objectives == ("pr_auc",)
    assert Link("IMB-002", "recall", "beta", "clean", True, 0.25) in links.links
    assert links.unmeasured == ()


def test_leave_one_dataset_out_beats_the_prior_on_the_synthetic_table(rules, table) -> None:
    fit = fit_and_judge(rules, table)
    by = {(t.objective, t.strategy): (t.ties, t.cases, t.unmeasured) for t in fit.tallies}
    # f1: bce is tied everywhere, the hand-set favourite (IMB-001) nowhere; two other sets teach the fit that.
    assert by[("f1", "fitted")] == (3, 3, 0) and by[("f1", "prior")] == (0, 3, 0) and by[("f1", "baseline")] == (3, 3, 0)
    # recall: the hand-set favourite IMB-002 ties; the plain baseline never does.
    assert by[("recall", "fitted")] == (3, 3, 0) and by[("recall", "baseline")] == (0, 3, 0)
    # quantile (bare, read as 0.9): QNT-001's pinball τ = 0.9 ties; mse, the baseline, does not.
    assert by[("quantile", "fitted")] == (1, 1, 0) and by[("quantile", "baseline")] == (0, 1, 0)
    assert by[("all", "fitted")] == (8, 8, 0) and by[("all", "prior")] == (5, 8, 0) and by[("all", "baseline")] == (4, 8, 0)


def test_an_unmeasured_first_choice_counts_as_not_tied(rules, tmp_path) -> None:
    rows, cases = synthetic_rows()
    rows = [r for r in rows if not (r["set"] == "alpha" and r["objective"] == "recall" and r["loss"] == "weighted_bce")]
    path = write_table(tmp_path / "ev", rows, cases)
    fit = fit_and_judge(rules, read_evidence(path, path.parent / "facts.jsonl"))
    prior = next(j for j in fit.judged if (j.set, j.objective) == ("alpha", "recall"))
    assert dict(prior.outcomes)["prior"] is None  # IMB-002's weighted_bce was not measured on alpha
    counts = {(t.objective, t.strategy): (t.ties, t.unmeasured) for t in tally(fit.judged)}
    assert counts[("recall", "prior")] == (2, 1) and counts[("recall", "fitted")] == (2, 1)
    from lossadvisor.report.score_fit_render import render_fit_markdown

    page = render_fit_markdown(fit.links, fit.fitted, fit.judged, 4, "ev/results.csv")
    assert "| alpha | clean | recall | weighted_bce | no |" in page


def test_drift_is_reported_and_with_scores_removes_it(rules, table) -> None:
    fitted = fit_scores(rules, link_evidence(rules, table))
    drift = score_drift(rules, fitted)
    assert any(line.startswith("IMB-001: ") and "f1: 0.693" in line for line in drift)
    assert score_drift(with_scores(rules, fitted), fitted) == []


RULE_TEXT = """\
# header comment, kept
- id: AAA-001
  summary: Something.
  when: {fact: task, eq: binary}
  recommend: {loss: bce}
  score: {default: 0.6, f1: 0.7}  
  source: Elkan 2001
"""


def test_rewrite_keeps_the_layout_and_adds_the_prior_once(rules, table) -> None:
    from lossadvisor.advice.score_fit import FittedScore

    fitted = {"AAA-001": (FittedScore("AAA-001", "default", 0.6, 0, 0, 0.6),
                          FittedScore("AAA-001", "f1", 0.7, 3, 3, 0.829))}
    once = rewrite_text(RULE_TEXT, fitted)
    assert once == RULE_TEXT.replace("  score: {default: 0.6, f1: 0.7}  \n",
                                     "  score_prior: {default: 0.6, f1: 0.7}\n  score: {default: 0.6, f1: 0.829}\n")
    assert rewrite_text(once, fitted) == once
    with pytest.raises(ConfigError, match="AAA-001: no one-line 'score"):
        rewrite_text(RULE_TEXT.replace("  score: {default: 0.6, f1: 0.7}  \n", ""), fitted)


def test_write_scores_round_trips_through_the_validator(rules, table, tmp_path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), folder)
    fitted = fit_scores(rules, link_evidence(rules, table))
    changed = write_scores(folder, fitted)
    assert {"defaults.yaml", "imbalance.yaml", "regression.yaml"} <= {p.name for p in changed}
    written = load_rules(folder, include_shipped=False)
    assert dict(written.get("IMB-001").scores)["f1"] == 0.693
    assert written.get("IMB-001").prior == rules.get("IMB-001").prior
    assert score_drift(written, fitted) == []
    text = (folder / "imbalance.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Class imbalance") and text.count("score_prior:") == 11


@pytest.mark.parametrize("mutate, message", [
    (lambda rows: [{k: v for k, v in r.items() if k != "tied_with_best"} for r in rows], "missing column"),
    (lambda rows: [{**rows[0], "params": "{oops"}], "'params' is not valid JSON"),
    (lambda rows: [{**rows[0], "params": "[1]"}], "'params' must be a JSON object"),
    (lambda rows: [{**rows[0], "tied_with_best": "maybe"}], "'tied_with_best' must be true or false"),
    (lambda rows: [{**rows[0], "mean": "n/a"}], "'mean' must be a number"),
    (lambda rows: [{**rows[0], "loss": ""}], "column 'loss' is empty"),
    (lambda rows: [{**rows[0], "set": "nowhere"}], "set 'nowhere', condition 'clean' has no facts"),
    (lambda rows: [], "no result rows"),
])
def test_bad_results_are_refused_with_the_line(tmp_path, mutate, message) -> None:
    rows, cases = synthetic_rows()
    path = write_table(tmp_path / "ev", mutate(rows), cases)
    if message == "missing column":  # DictWriter needs the column: write the header without it
        text = path.read_text().splitlines()
        path.write_text("\n".join(line.rsplit(",", 3)[0] if i == 0 else line for i, line in enumerate(text)))
    with pytest.raises(ConfigError, match=message):
        read_evidence(path, path.parent / "facts.jsonl")


@pytest.mark.parametrize("line, message", [
    ("{oops", "line 1: not valid JSON"),
    ("[1]", "expected a JSON object"),
    (json.dumps({"set": "a", "condition": "c", "task": "binary"}), "key 'facts' must be an object"),
    (json.dumps({"set": "a", "task": "binary", "facts": {}}), "key 'condition' is missing"),
])
def test_bad_facts_are_refused_with_the_line(tmp_path, line, message) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_facts(path)


def test_a_repeated_case_and_a_missing_file_are_refused(tmp_path) -> None:
    line = json.dumps({"set": "a", "condition": "c", "task": "binary", "facts": {}})
    (tmp_path / "facts.jsonl").write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: set 'a', condition 'c' repeated"):
        read_facts(tmp_path / "facts.jsonl")
    with pytest.raises(ConfigError, match="evidence file not found"):
        read_facts(tmp_path / "absent.jsonl")


def test_shipped_recommend_rules_carry_their_hand_set_prior(rules) -> None:
    missing = [r.id for r in rules if r.action == "recommend" and r.prior is None]
    assert missing == []


def test_shipped_scores_are_reproduced_from_the_committed_evidence(rules) -> None:
    """The integrator's guard: rules/ must equal `lossadvisor rules fit benchmarks/evidence/results.csv`."""
    if not COMMITTED.is_file():
        pytest.skip(f"no committed evidence table yet ({COMMITTED.relative_to(ROOT)} is absent)")
    table = read_evidence(COMMITTED, COMMITTED.parent / "facts.jsonl")
    drift = score_drift(rules, fit_scores(rules, link_evidence(rules, table)))
    assert drift == [], ("rules/ drifts from the evidence; rerun `lossadvisor rules fit "
                         "benchmarks/evidence/results.csv --write --doc docs/score-fit.md`:\n" + "\n".join(drift))


def test_empty_links_fit_every_rule_to_its_prior(rules) -> None:
    fitted = fit_scores(rules, EvidenceLinks((), (), ()))
    assert all(dict((e.objective, e.score) for e in fitted[r.id]) == dict(r.prior)
               for r in rules if r.action == "recommend")


def test_without_a_committed_table_every_shipped_score_is_its_prior(rules) -> None:
    """What the fit reproduces from no evidence at all: each rule's hand-set prior."""
    if COMMITTED.is_file():
        pytest.skip("the evidence table is committed: the drift test above checks the fitted scores")
    assert [r.id for r in rules if r.action == "recommend" and dict(r.scores) != dict(r.prior)] == []


@pytest.mark.parametrize("prior, message", [
    ("{f1: 0.7}", "key 'score_prior' needs a 'default' entry"),
    ("{default: 0.6, nope: 0.7}", "key 'score_prior.nope': unknown objective"),
    ("{default: 1.5}", "key 'score_prior.default' must be a number in [0, 1], got 1.5"),
])
def test_a_bad_score_prior_is_refused(tmp_path, prior, message) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(RULE_TEXT.replace("  score: {", f"  score_prior: {prior}\n  score: {{"), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"rule AAA-001: {message}")):
        load_rules(path, include_shipped=False)
    path.write_text(RULE_TEXT.replace("  score: {", "  score_prior: {default: 0.5}\n  score: {"), encoding="utf-8")
    assert load_rules(path, include_shipped=False).get("AAA-001").prior == (("default", 0.5),)
