"""Run :func:`lossadvisor.profiling.groups.profile_groups` on a loaded dataset, with the profile's own
label-noise estimator on each large-enough group's rows."""

from __future__ import annotations

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.groups import GroupProfile, parse_sensitive, profile_groups


def measure_groups(dataset, facts: dict, sensitive: str, options) -> GroupProfile:
    """Per-group facts for the ``--sensitive`` columns of ``dataset`` (``facts``: its profile dict)."""
    from lossadvisor.profiling.measure import _estimate_noise

    if dataset.frame is None or len(dataset.target) != 1:
        raise LossAdvisorError("--sensitive needs a table with one target column")
    columns = parse_sensitive(sensitive)
    frame, target = dataset.frame, dataset.target[0]
    kinds = (facts.get("overview") or {}).get("column_kinds") or {}
    positive = (facts.get("classes") or {}).get("positive")
    features = dataset.features

    def noise(rows):
        return _estimate_noise(features[rows].reset_index(drop=True), frame[target][rows].reset_index(drop=True),
                               kinds, options)

    measure_noise = options.noise and facts["task"] in ("binary", "multiclass")
    return profile_groups(frame, target, facts["task"], columns, positive, noise if measure_noise else None)
