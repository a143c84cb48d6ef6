"""What the one-page report says, read from the saved JSON of each stage (nothing is measured here).

:func:`page_content` turns the typed :class:`~lossadvisor.profiling.profile.Profile` and the ``--format json``
dicts of ``recommend``, ``trial`` and ``check`` into one :class:`PageContent` that the HTML and Markdown templates both render, so the two
formats cannot say different things. The summary at the top answers the three questions a reviewer has
— what data is this, which loss and why, does the trial support it — so nobody scrolls to find them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.profile import Profile

REPORT_SCHEMA = "1.0"
SEGMENTATION_EXAMPLES_KEY = "examples"  # trial JSON: trials.seg_examples.SegExample dicts (or ready data-URI views)


@dataclass(frozen=True)
class Summary:
    """The three answers at the top of the page."""

    data: str                 # "binary classification of 'label', 5000 rows × 10 columns"
    conditions: tuple[str, ...]
    choice: str               # "weighted_bce (pos_weight=7.073)"
    why: str
    verdict: str              # "supported", "not supported", "no significant difference", "not trialled"
    verdict_text: str


@dataclass(frozen=True)
class PageContent:
    """Everything the templates show; the Profile at the contract's precision, the other stages' own JSON."""

    title: str
    summary: Summary
    profile: Profile | None
    recommendation: dict | None
    trial: dict | None
    check: dict | None
    candidates: tuple[dict, ...] = ()
    trial_rows: tuple[dict, ...] = ()
    target_fences: tuple[float, float] | None = None
    segmentation_examples: tuple[dict, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def page_content(profile: Profile | None, recommendation: dict | None, trial: dict | None,
                 check: dict | None = None) -> PageContent:
    """Assemble the page from whichever stages' JSON were given (at least one)."""
    if not any((profile, recommendation, trial, check)):
        raise LossAdvisorError("nothing to report: give data, or at least one of --profile, --recommendation, --trial")
    from lossadvisor.report.charts import outlier_fences

    stats = profile.target_stats if profile is not None else None
    fences = outlier_fences(stats.median, stats.mad or 0.0) if stats is not None and stats.median is not None else None
    candidates = tuple(_candidate_view(c, rank) for rank, c in enumerate((recommendation or {}).get("candidates", []), 1))
    source = (profile.source if profile is not None else None) or (check or {}).get("source") or "saved results"
    return PageContent(
        title=f"lossadvisor report: {source}",
        summary=_summary(profile, recommendation, trial),
        profile=profile, recommendation=recommendation, trial=trial, check=check,
        candidates=candidates,
        trial_rows=tuple(_trial_row(c, trial) for c in (trial or {}).get("candidates", [])),
        target_fences=fences,
        segmentation_examples=_examples(trial),
    )


def _examples(trial: dict | None) -> tuple[dict, ...]:
    examples = (trial or {}).get(SEGMENTATION_EXAMPLES_KEY) or ()
    if not examples or not isinstance(examples, list):
        return ()
    from lossadvisor.report.seg_overlay import example_views

    return example_views(examples)


def _summary(profile: Profile | None, rec: dict | None, trial: dict | None) -> Summary:
    task = profile.task if profile is not None else (rec or trial or {}).get("task", "unknown")
    masks = profile.masks if profile is not None else None
    if profile is not None and masks is not None and not profile.rows:
        data = f"{task} task on {masks.n_masks} masks of {' × '.join(map(str, masks.shape or ()))} pixels"
    elif profile is not None:
        target = ", ".join(profile.target) or "masks"
        data = (f"{task} task on '{target}', {profile.rows:,} rows × {profile.columns} columns, "
                f"{profile.structure.type if profile.structure is not None else 'tabular'} structure")
    if profile is not None:
        conditions = tuple(w.message for w in profile.warnings) or ("no warnings: clean, balanced data",)
    else:
        data, conditions = f"{task} task (no profile given)", ()
    if rec:
        chosen = (rec.get("candidates") or [rec["baseline"]])[0]
        choice = loss_label(chosen)
        objective = rec["objective"]["label"] + (" (assumed)" if rec["objective"].get("assumed") else "")
        why = f"{chosen['rationale']} ({chosen['source']}; ranked for {objective})"
    else:
        choice, why = "no recommendation given", ""
    verdict, text = _trial_verdict(rec, trial)
    return Summary(data, conditions, choice, why, verdict, text)


def _trial_verdict(rec: dict | None, trial: dict | None) -> tuple[str, str]:
    """Does the trial back the first recommendation? Read from its paired comparison to the baseline."""
    if not trial:
        return "not trialled", "no trial in this report"
    metric = trial.get("metric", "metric")
    chosen = (rec.get("candidates") or [rec["baseline"]])[0] if rec else None
    row = _matching_candidate(chosen, trial) if chosen else None
    best = trial.get("best")
    if row is None:
        compared = [c for c in trial.get("candidates", []) if c.get("vs_baseline")]
        better = [c["label"] for c in compared if c["vs_baseline"]["verdict"] == "better"]
        if better:
            return "see table", f"better than the baseline on {metric}: {', '.join(better)} (best mean: {best})"
        return "see table", f"no candidate beat the baseline on {metric} (best mean: {best})"
    if row.get("baseline"):
        beaten = [c["label"] for c in trial.get("candidates", []) if (c.get("vs_baseline") or {}).get("verdict") == "better"]
        if beaten:
            return "not supported", f"the recommended baseline was beaten on {metric} by {', '.join(beaten)}"
        return "supported", f"no alternative beat the recommended baseline '{row['label']}' on {metric}"
    comp = row.get("vs_baseline") or {}
    verdict = comp.get("verdict")
    if verdict is None or comp.get("difference") is None:
        return "not compared", f"'{row['label']}' could not be compared to the baseline"
    diff = f"Δ {metric} {comp['difference']:+.4f} [{comp['ci'][0]:+.4f}, {comp['ci'][1]:+.4f}] over {comp['seeds_paired']} paired seeds"
    if verdict == "better":
        return "supported", f"'{row['label']}' beat the baseline: {diff}"
    if verdict == "worse":
        return "not supported", f"'{row['label']}' did worse than the baseline: {diff}"
    return "no significant difference", f"'{row['label']}' is within noise of the baseline: {diff}"


def _matching_candidate(chosen: dict, trial: dict) -> dict | None:
    """The trial row for the recommended loss: same loss and parameters, else the first with the same loss."""
    rows = trial.get("candidates", [])
    same = [r for r in rows if r.get("loss") == chosen["loss"]]
    exact = [r for r in same if _close(r.get("params") or {}, chosen.get("params") or {})]
    return (exact or same or [None])[0]


def _close(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, (int, float)):
            if not math.isclose(x, y, rel_tol=1e-4):
                return False
        elif x != y:
            return False
    return True


def loss_label(candidate: dict) -> str:
    """"focal (gamma=1, alpha=0.8761)": the loss and its parameters, lists shortened."""
    params = candidate.get("params") or {}
    if not params:
        return candidate["loss"]
    return f"{candidate['loss']} ({', '.join(f'{k}={short_value(v)}' for k, v in params.items())})"


def short_value(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[" + ", ".join(f"{c.get('loss')}×{c.get('weight', 1.0):g}" for c in value) + "]"
    if isinstance(value, list):
        shown = ", ".join(short_value(v) for v in value[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _candidate_view(cand: dict, rank: int) -> dict:
    """A recommended candidate with its parameters' formulas flattened for a table."""
    derived = [{"name": name, "value": short_value(cand["params"].get(name)), "formula": src.get("formula"),
                "facts": ", ".join(f"{k}={short_value(list(v.values()) if isinstance(v, dict) else v)}"
                                   for k, v in (src.get("facts") or {}).items()), "rule": src.get("rule")}
               for name, src in (cand.get("param_sources") or {}).items() if src.get("formula")]
    return {**cand, "rank": rank, "label": loss_label(cand), "derived": derived}


def _trial_row(cand: dict, trial: dict) -> dict:
    """One trial candidate as table cells: mean ± sd per metric, the difference, the verdict, the flags."""
    cells = []
    for name in trial.get("metrics", []):
        m = (cand.get("metrics") or {}).get(name) or {}
        cells.append(("diverged", "") if m.get("mean") is None else (f"{m['mean']:.4f}", f"± {m.get('sd') or 0:.4f}"))
    comp = cand.get("vs_baseline")
    if cand.get("baseline"):
        delta, interval, verdict = "baseline", "", "baseline"
    elif not comp or comp.get("difference") is None:
        delta, interval, verdict = "—", "", "not compared"
    else:
        delta, interval = f"{comp['difference']:+.4f}", f"[{comp['ci'][0]:+.4f}, {comp['ci'][1]:+.4f}]"
        verdict = comp["verdict"]
    return {"label": cand["label"], "best": cand["label"] == trial.get("best"), "cells": cells, "delta": delta,
            "interval": interval, "verdict": verdict, "diagnostics": cand.get("diagnostics") or []}
