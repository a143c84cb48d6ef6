"""Mergeable summaries for the streaming profile: moments, distinct counts and a seeded uniform sample.

Each is updated batch by batch and merges exactly, so a file is summarised in one pass in bounded memory.

- :class:`Moments`: count, mean and the 2nd-4th central moment sums, merged with the pairwise
  formulas of Pébay (2008, "Formulas for robust, one-pass parallel computation of covariances and
  arbitrary-order statistical moments", Sandia SAND2008-6212, eqs. 2.1-2.4); skewness and kurtosis as
  pandas gives them (adjusted Fisher-Pearson G1 and G2).
- :class:`DistinctCounter`: exact (a set of 64-bit value hashes) up to ``EXACT_DISTINCT``, then a
  HyperLogLog sketch (Flajolet, Fusy, Gandouet & Meunier 2007) with 2^16 registers, 64-bit hashes and
  linear counting for small cardinalities (Heule, Nunkesser & Hall 2013): relative standard error
  1.04 / sqrt(2^16) = 0.41%.
- :func:`row_keys` and :class:`BottomK`: every row gets a pseudo-random key from its position and the
  seed (SplitMix64, Steele, Lea & Flood 2014); the rows with the k smallest keys are a uniform sample
  without replacement, the same whatever the batch sizes, and the k smallest of two samples' union is
  the sample of the union (bottom-k sampling, Cohen & Kaplan 2007).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

EXACT_DISTINCT = 1 << 16
HLL_PRECISION = 16
HLL_STANDARD_ERROR = 1.04 / math.sqrt(1 << HLL_PRECISION)


@dataclass(frozen=True)
class Moments:
    """Count, mean, central moment sums M2..M4, minimum and maximum of finite values."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    @staticmethod
    def of(values: np.ndarray) -> Moments:
        if len(values) == 0:
            return Moments()
        mean = float(values.mean())
        d = values - mean
        d2 = d * d
        return Moments(len(values), mean, float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum()),
                       float(values.min()), float(values.max()))

    def merge(self, other: Moments) -> Moments:
        a, b = self, other
        if a.count == 0:
            return b
        if b.count == 0:
            return a
        na, nb = a.count, b.count
        n = na + nb
        delta = b.mean - a.mean
        mean = a.mean + delta * nb / n
        m2 = a.m2 + b.m2 + delta**2 * na * nb / n
        m3 = a.m3 + b.m3 + delta**3 * na * nb * (na - nb) / n**2 + 3 * delta * (na * b.m2 - nb * a.m2) / n
        m4 = (a.m4 + b.m4 + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
              + 6 * delta**2 * (na * na * b.m2 + nb * nb * a.m2) / n**2 + 4 * delta * (na * b.m3 - nb * a.m3) / n)
        return Moments(n, mean, m2, m3, m4, min(a.minimum, b.minimum), max(a.maximum, b.maximum))

    @property
    def variance(self) -> float:
        return self.m2 / (self.count - 1) if self.count > 1 else 0.0

    @property
    def skewness(self) -> float:
        """G1 = sqrt(n(n-1)) / (n-2) · m3 / m2^1.5 with biased moments (pandas' Series.skew)."""
        n = self.count
        if n < 3 or self.m2 == 0:
            return 0.0
        g1 = (self.m3 / n) / (self.m2 / n) ** 1.5
        return math.sqrt(n * (n - 1)) / (n - 2) * g1

    @property
    def kurtosis(self) -> float:
        """G2 = (n-1) / ((n-2)(n-3)) · ((n+1) g2 + 6), g2 = m4/m2² - 3 (pandas' Series.kurt)."""
        n = self.count
        if n < 4 or self.m2 == 0:
            return 0.0
        g2 = (self.m4 / n) / (self.m2 / n) ** 2 - 3.0
        return (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)


def value_hashes(values: pd.Series) -> np.ndarray:
    """64-bit hashes of the non-missing values; equal values (0.0 and -0.0 too) hash equally."""
    values = values.dropna()
    if values.dtype.kind == "f":
        values = values + 0.0
    return pd.util.hash_array(values.to_numpy())


class DistinctCounter:
    """Distinct non-missing values: exact up to EXACT_DISTINCT, HyperLogLog past it."""

    def __init__(self) -> None:
        self.exact: np.ndarray | None = np.empty(0, dtype=np.uint64)
        self.registers: np.ndarray | None = None

    def update(self, hashes: np.ndarray) -> None:
        if self.exact is not None:
            self.exact = _sorted_unique(np.concatenate([self.exact, hashes]))
            if len(self.exact) <= EXACT_DISTINCT:
                return
            hashes, self.exact = self.exact, None
            self.registers = np.zeros(1 << HLL_PRECISION, dtype=np.uint8)
        index = (hashes >> np.uint64(64 - HLL_PRECISION)).astype(np.int64)
        rest = hashes & np.uint64((1 << (64 - HLL_PRECISION)) - 1)
        rank = (64 - HLL_PRECISION) - _bit_length(rest) + 1   # position of the first 1-bit
        np.maximum.at(self.registers, index, rank.astype(np.uint8))

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    @property
    def count(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        m = float(len(self.registers))
        estimate = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(np.ldexp(1.0, -self.registers.astype(np.int64))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)   # linear counting
        return int(round(estimate))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique was 50x slower on 64-bit hashes here)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _bit_length(values: np.ndarray) -> np.ndarray:
    """Exact bit length of each uint64 (0 for 0), by halving: no float rounding."""
    x = values.copy()
    length = np.zeros(len(x), dtype=np.int64)
    for shift in (32, 16, 8, 4, 2, 1):
        high = x >= np.uint64(1 << shift)
        length[high] += shift
        x[high] >>= np.uint64(shift)
    return length + (x > 0)


def row_keys(start: int, count: int, seed: int) -> np.ndarray:
    """SplitMix64 of (seed, row position) for rows start..start+count-1: a uniform key per row."""
    with np.errstate(over="ignore"):
        z = (np.arange(start, start + count, dtype=np.uint64) + np.uint64(seed * 0x9E3779B97F4A7C15 % 2**64)
             ) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class BottomK:
    """The k rows with the smallest keys seen so far: a seeded uniform sample without replacement."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.parts: list[pd.DataFrame] = []
        self.keys = np.empty(0, dtype=np.uint64)
        self.positions = np.empty(0, dtype=np.int64)
        self.pending = 0

    def update(self, batch: pd.DataFrame, start: int, seed: int) -> None:
        keys = row_keys(start, len(batch), seed)
        positions = np.arange(start, start + len(batch))
        if len(self.keys) >= self.k:
            keep = keys < np.partition(self.keys, self.k - 1)[self.k - 1]
            batch, keys, positions = batch[keep], keys[keep], positions[keep]
        if len(keys) == 0:
            return
        self.parts.append(batch.reset_index(drop=True))
        self.keys = np.concatenate([self.keys, keys])
        self.positions = np.concatenate([self.positions, positions])
        self.pending += len(keys)
        if self.pending > self.k:
            self._shrink()

    def _shrink(self) -> None:
        frame = pd.concat(self.parts, ignore_index=True) if len(self.parts) > 1 else self.parts[0]
        if len(self.keys) > self.k:
            chosen = np.argpartition(self.keys, self.k - 1)[: self.k]
            frame = frame.iloc[chosen].reset_index(drop=True)
            self.keys, self.positions = self.keys[chosen], self.positions[chosen]
        self.parts, self.pending = [frame], 0

    def result(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The sampled rows in file order, and their 0-based positions in the file."""
        if not self.parts:
            return pd.DataFrame(), np.empty(0, dtype=np.int64)
        self._shrink()
        order = np.argsort(self.positions, kind="stable")
        return self.parts[0].iloc[order].reset_index(drop=True), self.positions[order]
