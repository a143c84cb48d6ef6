"""What a trial reports: the options it ran with and, per candidate and seed, the scores and comparisons.

Split from :mod:`lossadvisor.trials.run`, which fills these in; the report renderers read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.diagnostics import Diagnostic
from lossadvisor.trials.stats import Comparison
from lossadvisor.trials.train_types import TrainConfig


@dataclass(frozen=True)
class TrialOptions:
    """Everything about a trial except the data and the candidates."""

    seeds: int = 3
    seed: int = 0
    metric: str | None = None
    objective: str | None = None
    batched: bool = True
    device: str = "auto"
    threads: int = 1
    bootstrap: int = 1000
    train: TrainConfig = field(default_factory=TrainConfig)
    sensitive: tuple[str, ...] = ()   # --sensitive: per-group metrics and gaps (trials.group_metrics)
    backend: str = "local"            # local, or ray (lossadvisor.trials.ray_backend)
    address: str | None = None        # the Ray cluster; None starts a local Ray instance
    ray_groups: int | None = None     # how many groups of members to send out; None: one per CPU of the cluster
    folds: int | None = 1             # cross-fitting folds (trials.folds); 1: one split; None: 5 under 20,000 rows


@dataclass(frozen=True)
class SeedResult:
    seed: int
    metrics: Mapping[str, float]
    threshold: float | None
    best_epoch: int | None
    diverged_epoch: int | None
    stopped_epoch: int | None


@dataclass(frozen=True)
class CandidateResult:
    spec: CandidateSpec
    seeds: tuple[SeedResult, ...]
    summary: Mapping[str, tuple[float, float]]  # metric → (mean, sd) over seeds
    comparison: Comparison | None  # versus the baseline
    diagnostics: tuple[Diagnostic, ...]
    grad_norm: Mapping[str, float]
    curves: tuple[Mapping[str, list[float]], ...]  # per seed: train_loss, val_loss, val_score
    versus_best: Comparison | None = None  # versus the candidate with the best mean primary metric

    @property
    def diverged(self) -> bool:
        return all(s.diverged_epoch is not None and s.best_epoch is None for s in self.seeds)


@dataclass(frozen=True)
class TrialReport:
    task: str
    metric: str
    metrics: tuple[str, ...]
    higher_is_better: Mapping[str, bool]
    split: str
    rows: Mapping[str, int]
    n_features: int
    dropped_columns: tuple[str, ...]
    device: str
    batched: bool
    cuda_graph: bool
    threads: int
    seeds: tuple[int, ...]
    epochs_run: int
    steps: int
    seconds: float
    candidates: tuple[CandidateResult, ...]
    notes: tuple[str, ...] = ()
    best_label: str | None = None  # the candidate with the best mean primary metric
    sweep: Mapping[str, Any] | None = None
    classes: tuple[str, ...] = ()   # class names by code; for binary the positive class is the last
    groups: Any = None              # trials.group_metrics.GroupReport with --sensitive
    folds: Mapping[str, Any] | None = None  # cross-fitting: k, scheme, tested_rows, rows; None for one split
    examples: tuple[Any, ...] = ()  # segmentation: trials.seg_examples.SegExample, a few held-out predictions
    resampling: Mapping[str, Any] | None = None  # grouped split: unit "groups", groups_tested, rows_tested; None: rows

    @property
    def positive_class(self) -> str | None:
        return self.classes[-1] if self.task == "binary" and len(self.classes) == 2 else None

    @property
    def best(self) -> CandidateResult | None:
        return next((c for c in self.candidates if c.spec.label == self.best_label), None)
