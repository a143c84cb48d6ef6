"""Iterative stratification for multilabel rows (Sechidis, Tsoumakas & Vlahavas 2011, Algorithm 1).

A per-label stratified split is impossible when rows carry several labels, and a random split
can leave a rare label out of the validation or test rows entirely. Iterative stratification
fills the parts label by label, rarest first: each row carrying the current label goes to the
part that still wants most of that label (ties: the part that wants most rows, then the seeded
random order), so each label is spread over the parts in proportion as far as its count allows. Written from the
paper (it is about thirty lines; scikit-multilearn's version is unmaintained and pulls in a
dependency this project does not otherwise need).
"""

from __future__ import annotations

import numpy as np

from lossadvisor.trials.split import FRACTIONS, Split


def iterative_split(labels: np.ndarray, seed: int, fractions: tuple[float, ...] = FRACTIONS) -> Split:
    """Split rows of a 0/1 label matrix (n, L) into train/validation/test by iterative stratification."""
    rng = np.random.default_rng(seed)
    y = np.asarray(labels, dtype=bool)
    n, n_labels = y.shape
    r = np.asarray(fractions, dtype=np.float64)
    wanted_rows = r * n
    wanted = np.outer(r, y.sum(axis=0))  # (parts, labels): how many positives of each label a part still wants
    part = np.full(n, -1)
    left = np.ones(n, dtype=bool)
    while True:
        counts = y[left].sum(axis=0)
        if not counts.any():
            break
        label = int(np.flatnonzero(counts == counts[counts > 0].min())[0])
        rows = rng.permutation(np.flatnonzero(left & y[:, label]))
        for row in rows:
            best = np.flatnonzero(wanted[:, label] == wanted[:, label].max())
            if len(best) > 1:
                best = best[wanted_rows[best] == wanted_rows[best].max()]
            chosen = int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])
            part[row], left[row] = chosen, False
            wanted[chosen] -= y[row]
            wanted_rows[chosen] -= 1
    for row in rng.permutation(np.flatnonzero(left)):  # rows without any label: to the part that wants most rows
        best = np.flatnonzero(wanted_rows == wanted_rows.max())
        chosen = int(best[rng.integers(len(best))])
        part[row] = chosen
        wanted_rows[chosen] -= 1
    train, val, test = (np.flatnonzero(part == p) for p in range(3))
    return Split(train, val, test, "iterative stratification")
