"""Member outputs → metrics on the test rows, with thresholds chosen on the validation rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lossadvisor.trials import metrics as M
from lossadvisor.trials.heads import predictions
from lossadvisor.trials.prepare import PreparedData
from lossadvisor.trials.stats import WeightedScore


@dataclass(frozen=True)
class Scorer:
    """How to score members of one trial: its metrics and where their inputs come from."""

    prepared: PreparedData
    metric_names: tuple[str, ...]
    pinball_tau: float = 0.5

    @property
    def primary(self) -> M.Metric:
        return M.METRICS[self.metric_names[0]]

    @property
    def selection(self) -> M.Metric:
        """The metric that picks each member's best epoch on validation rows.

        The primary metric, except recall on a binary task: recall alone is maximised by calling
        every row positive, so epochs are chosen by the threshold-free PR-AUC there.
        """
        if self.prepared.task == "binary" and self.primary.name == "recall":
            return M.METRICS["pr_auc"]
        return self.primary

    def _predict(self, output: np.ndarray, form: str) -> np.ndarray:
        return predictions(output, form, self.prepared.target_mean, self.prepared.target_std)

    def threshold(self, val_output: np.ndarray, form: str, rows: np.ndarray | None = None) -> float | None:
        """Binary: the positive-probability threshold that maximizes F1 on validation rows.

        ``rows``: the validation rows ``val_output`` belongs to (a cross-fitting fold's); default the split's.
        """
        if self.prepared.task != "binary":
            return None
        y_val = self.prepared.y[self.prepared.split.val if rows is None else rows]
        return M.best_f1_threshold(y_val, self._predict(val_output, form)[:, 1])

    def weighted(self, name: str, rows: np.ndarray, output: np.ndarray, form: str, threshold: float | None) -> WeightedScore:
        """Metric ``name`` of one member on ``rows`` as a function of row weights (B, n) → (B,)."""
        metric = M.METRICS[name]
        y = self.prepared.y[rows]
        pred = self._predict(output, form)
        c = self.prepared.n_classes
        if metric.kind == "score":
            return lambda w: metric.compute(y, pred[:, 1], w)
        if metric.kind in ("threshold", "label"):
            if self.prepared.task == "binary":
                labels = (pred[:, 1] >= threshold).astype(np.int64)
            else:
                labels = pred.argmax(axis=1)
            if name in ("macro_f1", "balanced_accuracy"):
                return lambda w: metric.compute(y, labels, w, n_classes=c)
            return lambda w: metric.compute(y, labels, w)
        if name == "pinball":
            return lambda w: metric.compute(y, pred, w, tau=self.pinball_tau)
        return lambda w: metric.compute(y, pred, w)

    def validation_scores(self, forms: Sequence[str], outputs: np.ndarray,
                          folds: Sequence[int] | None = None) -> np.ndarray:
        """Primary metric on validation rows for each member, oriented so that higher is better.

        ``folds``: cross-fitting, each member's fold in the plan; ``outputs`` then cover every row.
        """
        metric = self.selection
        sign = 1.0 if metric.higher_is_better else -1.0
        values = []
        for j, (form, output) in enumerate(zip(forms, outputs)):
            rows = self.prepared.split.val
            if folds is not None:
                rows = self.prepared.folds.splits[folds[j]].val
                output = output[rows]
            threshold = self.threshold(output, form, rows)
            values.append(sign * float(self.weighted(metric.name, rows, output, form, threshold)(None)[0]))
        return np.asarray(values)

    def test_metrics(self, val_output: np.ndarray, test_output: np.ndarray, form: str) -> tuple[dict[str, float], float | None]:
        """Every reported metric on the test rows, and the validation-chosen threshold (binary)."""
        threshold = self.threshold(val_output, form)
        rows = self.prepared.split.test
        values = {
            name: float(self.weighted(name, rows, test_output, form, threshold)(None)[0]) for name in self.metric_names
        }
        return values, threshold
