"""Run :func:`lossadvisor.profiling.groups.profile_groups` on a loaded dataset, with the profile's own
label-noise estimator on each large-enough group's rows."""

from __future__ import annotations

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.group_sections import GroupProfile
from lossadvisor.profiling.groups import parse_sensitive, profile_groups
from lossadvisor.profiling.profile import Profile


def measure_groups(dataset, profile: Profile, sensitive: str, options) -> GroupProfile:
    """Per-group facts for the ``--sensitive`` columns of ``dataset`` (``profile``: its measured Profile)."""
    from lossadvisor.profiling.measure import _estimate_noise

    if dataset.frame is None or len(dataset.target) != 1:
        raise LossAdvisorError("--sensitive needs a table with one target column")
    columns = parse_sensitive(sensitive)
    frame, target = dataset.frame, dataset.target[0]
    kinds = profile.overview.column_kinds if profile.overview is not None else {}
    positive = profile.classes.positive if profile.classes is not None else None
    features = dataset.features

    def noise(rows):
        return _estimate_noise(features[rows].reset_index(drop=True), frame[target][rows].reset_index(drop=True),
                               kinds, options)

    measure_noise = options.noise and profile.task in ("binary", "multiclass")
    return profile_groups(frame, target, profile.task, columns, positive, noise if measure_noise else None)
