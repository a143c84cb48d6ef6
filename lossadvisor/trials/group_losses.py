"""Configure the group-aware losses from the training rows' group counts (``--sensitive``).

group_reweighted_ce: w_g = n / (G·n_g), each group weighs as much as any other (Sagawa et al. 2020's
reweighting baseline; Idrissi et al. 2022). group_dro: the counts n_g themselves (they set G and
the group adjustment C/√n_g). Groups are counted on the training rows only.
"""

from __future__ import annotations

import numpy as np


def group_counts(prepared) -> list[float]:
    """Training rows per group code (every group, even one absent from the training rows)."""
    counts = np.bincount(prepared.groups[prepared.split.train], minlength=len(prepared.group_names))
    return counts.astype(float).tolist()


def balanced_group_weights(counts: list[float]) -> list[float]:
    """w_g = n / (G·n_g); a group with no training row gets weight 0 (it contributes no rows)."""
    n, g = float(sum(counts)), len(counts)
    return [round(n / (g * c), 6) if c > 0 else 0.0 for c in counts]


def group_params(loss: str, prepared) -> dict:
    """The loss's group parameters. A group too small to measure (< MIN_GROUP_ROWS training rows) gets
    no more weight than the smallest measured group: 13 rows weighted ×46 would be fitted to their noise."""
    from lossadvisor.profiling.group_sections import MIN_GROUP_ROWS

    counts = group_counts(prepared)
    if loss == "group_reweighted_ce":
        weights = balanced_group_weights(counts)
        measured = [w for w, c in zip(weights, counts) if c >= MIN_GROUP_ROWS]
        cap = max(measured) if measured else max(weights)
        return {"group_weight": [min(max(w, 1e-6), cap) for w in weights]}
    return {"group_counts": [max(c, 1.0) for c in counts]}
