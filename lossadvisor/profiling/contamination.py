"""The profile fact that tells gross target errors from a genuine heavy tail (a pandas-free section type).

A heavy tail is not contamination. A lognormal price driven by the features has many outlying targets, but
the features predict them; a target that was mistyped, mis-scaled or mis-joined is outlying *and* not
predicted by the features at all. :mod:`lossadvisor.profiling.target_errors` measures the second kind with
out-of-fold residuals of a robust model; this module holds the result, read by the rules as
``target_stats.gross_error_fraction`` and ``target_stats.contaminated`` (docs/profile-schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

RESIDUAL_Z_CUTOFF = 5.0         # a residual this many local robust σ away is a gross error, not a tail
CONTAMINATED_FRACTION = 0.03    # gross errors in at least this share of rows: the targets are contaminated
METHOD = ("out-of-fold HistGradientBoostingRegressor (absolute error), 5 folds; a row is a gross error when its "
          "target is outlying (robust z > 3.5) and its residual is beyond robust z 5 within its decile of the "
          "prediction")


@dataclass(frozen=True)
class TargetContamination:
    """How many outlying targets the features cannot explain at all.

    ``gross_error_fraction``: share of the rows used whose target is outlying (robust z > 3.5) and whose
    out-of-fold residual is beyond ``RESIDUAL_Z_CUTOFF`` robust σ of the residuals in its decile of the
    prediction (the local scale, so a multiplicative tail is judged against its own spread).
    ``explained_outlier_share``: share of the outlying targets the features predict (None without outliers).
    ``residual_scale``: 1.4826 × MAD of all out-of-fold residuals, in target units (Huber's δ is judged
    against it). ``contaminated``: ``gross_error_fraction ≥ CONTAMINATED_FRACTION``.
    """

    gross_error_fraction: float
    explained_outlier_share: float | None
    residual_scale: float
    rows_used: int
    contaminated: bool
    method: str = METHOD

    def to_dict(self) -> dict:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {"gross_error_fraction": rounded(self.gross_error_fraction),
                "explained_outlier_share": rounded(self.explained_outlier_share),
                "residual_scale": rounded(self.residual_scale), "rows_used": self.rows_used,
                "contaminated": self.contaminated, "method": self.method}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetContamination:
        return cls(gross_error_fraction=data.get("gross_error_fraction"),
                   explained_outlier_share=data.get("explained_outlier_share"),
                   residual_scale=data.get("residual_scale"), rows_used=data.get("rows_used"),
                   contaminated=data.get("contaminated"), method=data.get("method", METHOD))
