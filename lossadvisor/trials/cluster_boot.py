"""The cluster bootstrap of a grouped trial: which group each tested row belongs to, and what the report says.

When the split (:func:`lossadvisor.trials.split.split_grouped`) or the folds
(:func:`lossadvisor.trials.folds.plan_folds`) keep each group on one side, the rows of a group are
correlated (the same patient, user or site) and the effective sample is nearer the number of
groups than the number of rows. Resampling rows then treats correlated rows as independent and
the interval comes out too narrow. The paired bootstrap
(:func:`lossadvisor.trials.stats.replicate_scores`) instead draws whole groups with replacement
and weights each row by its group's count (Davison & Hinkley 1997, *Bootstrap Methods and their
Application*, §3.8; Field & Welsh 2007, "Bootstrapping clustered data", JRSS B 69(3)).
Guide 6.1.10 / 6.1.11: an honest hold-out and an honest significance test.

The interval of a cluster bootstrap rests on the groups: with few of them (Field & Welsh's
consistency is as the number of groups grows) it is rough, and the note says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FEW_GROUPS = 10  # below this many tested groups the note warns that the interval is rough


def cluster_codes(row_groups: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """The group code (0..G-1, in sorted label order) of each tested row; None when the split was not grouped.

    ``row_groups``: the group label of every row of the trial's table (``PreparedData.split_groups``);
    ``rows``: the tested rows' positions in that table, in the order the scorers see them.
    """
    if row_groups is None:
        return None
    return np.unique(np.asarray(row_groups)[rows], return_inverse=True)[1].reshape(-1).astype(np.int64)


def resampling_summary(clusters: np.ndarray | None) -> dict[str, Any] | None:
    """The report's ``resampling`` field: groups tested and rows tested; None for a row bootstrap."""
    if clusters is None:
        return None
    return {"unit": "groups", "groups_tested": int(np.unique(clusters).size), "rows_tested": int(len(clusters))}


def resampling_note(clusters: np.ndarray | None) -> str | None:
    """One line for the report's notes: the intervals resample whole groups, and how many; None without groups."""
    summary = resampling_summary(clusters)
    if summary is None:
        return None
    groups, rows = summary["groups_tested"], summary["rows_tested"]
    note = (f"intervals resample whole groups (cluster bootstrap, Davison & Hinkley 1997 §3.8): {groups} group(s) "
            f"tested ({rows} rows); each replicate draws {groups} groups with replacement, so a group's rows move "
            "together")
    if groups == 1:
        return (f"only 1 group tested ({rows} rows): the intervals resample whole groups (cluster bootstrap, "
                "Davison & Hinkley 1997 §3.8) and one group gives no interval, so candidates are not compared; "
                "use data with more groups, or cross-fitting (--folds) to test every group")
    if groups < FEW_GROUPS:
        note += (f"; with under {FEW_GROUPS} groups tested the interval is rough (it can only reflect the "
                 "variation between the groups it has)")
    return note
