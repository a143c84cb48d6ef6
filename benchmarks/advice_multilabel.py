"""Multilabel cases of ``advice.py``: generated tables with rare labels, recommend, trial every multilabel loss.

Each case has eight features and five labels: two common ones (prevalence about 30% and 15%) and
three rare ones at the case's prevalence (1%, 2% or 3%; ``--quick``: 1% and 3%), each label a
noisy threshold of its own linear score so that every label is learnable but not trivially. For
each: profile, recommend (default objectives), then trial recommend's first choice as configured
with plain BCE (the baseline), per-label weighted BCE (pos_weight from the training rows), the
asymmetric loss (Ridnik et al. 2021) at its defaults and the sigmoid focal loss (the asymmetric
loss with γ+ = γ− = 2 and no clip; Lin et al. 2017). A hit is a first choice within noise of the
best on the trial's primary metric (mean average precision over the scored labels).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

LABELS = ("common_a", "common_b", "rare_x", "rare_y", "rare_z")
FOCAL = {"gamma_neg": 2.0, "gamma_pos": 2.0, "clip": 0.0}


def cases(quick: bool) -> list[tuple[str, float, int]]:
    """(name, rare prevalence, rows); rows grow as the prevalence falls so rare labels keep ~40 positives."""
    grid = (0.01, 0.03) if quick else (0.01, 0.02, 0.03)
    rows = {0.01: 4_000, 0.02: 3_000, 0.03: 2_000}
    return [(f"multilabel_rare_{p * 100:g}pct", p, rows[p] // (2 if quick else 1)) for p in grid]


def rare_label_frame(prevalence: float, n: int, seed: int = 0) -> pd.DataFrame:
    """Features x0..x7 and a ``labels`` column ("a|b", empty when no label applies)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    prevalences = (0.3, 0.15, prevalence, prevalence, prevalence)
    columns = []
    for j, p in enumerate(prevalences):
        score = x[:, j] + 0.5 * x[:, (j + 5) % 8] + 0.4 * rng.normal(size=n)
        columns.append(score > np.quantile(score, 1 - p))
    y = np.stack(columns, axis=1)
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(8)])
    frame["labels"] = ["|".join(name for name, on in zip(LABELS, row) if on) for row in y]
    return frame


def evaluate_multilabel_case(name: str, prevalence: float, n: int, seeds: int, epochs: int) -> dict:
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.load import LoadOptions, dataset_from_frame
    from lossadvisor.profiling.measure import ProfileOptions, profile_dataset
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.run import run_trials
    from lossadvisor.trials.train_types import TrainConfig

    frame = rare_label_frame(prevalence, n)
    dataset = dataset_from_frame(frame, LoadOptions(target=("labels",), task="multilabel"), source=name)
    profile = profile_dataset(dataset, ProfileOptions(seed=0, noise=False))
    facts = DataFacts.from_profile(profile)
    rec = recommend(profile, Objectives())
    first = rec.candidates[0] if rec.candidates else rec.baseline
    specs = [CandidateSpec(first.loss, dict(first.params), first.loss == "bce" and not first.params)]
    for spec in (CandidateSpec("bce", {}), CandidateSpec("weighted_bce", {}), CandidateSpec("asymmetric_multilabel", {}),
                 CandidateSpec("asymmetric_multilabel", FOCAL)):
        if spec.label not in {s.label for s in specs}:
            specs.append(CandidateSpec(spec.loss, dict(spec.params), spec.label == "bce" and not specs[0].baseline))
    options = TrialOptions(seeds=seeds, bootstrap=500, device="cpu", train=TrainConfig(epochs=epochs))
    start = time.perf_counter()
    report = run_trials(frame, "labels", facts, specs, options)
    chosen = report.candidates[0]
    vb = chosen.versus_best
    hit = chosen.spec.label == report.best_label or (vb is not None and vb.verdict == "no significant difference")
    print(f"  {name:28s} multilabel {report.metric:16s} first={chosen.spec.label[:40]:40s} "
          f"best={report.best_label[:28] if report.best_label else '-':28s} {'HIT ' if hit else 'MISS'} "
          f"({time.perf_counter() - start:.0f} s)")
    base = next(c for c in report.candidates if c.spec.baseline)
    for c in report.candidates:
        if c is base or c.comparison is None:
            continue
        comp = c.comparison
        print(f"    {c.spec.label[:40]:40s} {report.metric} {c.summary[report.metric][0]:.3f} vs {base.spec.label} "
              f"{base.summary[report.metric][0]:.3f}: {comp.difference:+.3f} [{comp.ci_low:+.3f}, {comp.ci_high:+.3f}] "
              f"{comp.verdict}")
    return {"case": name, "task": "multilabel", "metric": report.metric, "first": chosen.spec.label,
            "best": report.best_label, "hit": hit}
