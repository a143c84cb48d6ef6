"""The profile's `sampling` section: what a streaming profile counted exactly, estimated, and measured on its sample.

Filled in by :mod:`lossadvisor.profiling.streaming`; None for a profile of a table read into memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Sampling:
    """What the streaming profile counted exactly, estimated, and measured on its sample."""

    reader: str
    rows_scanned: int
    sample_rows: int
    seed: int
    exact: tuple[str, ...]
    approximate: dict[str, str]
    from_sample: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "mode": "streaming",
            "reader": self.reader,
            "rows_scanned": self.rows_scanned,
            "sample_rows": self.sample_rows,
            "sample_method": "bottom-k uniform sample without replacement: each row keyed by SplitMix64 of "
                             f"(seed {self.seed}, row position), the {self.sample_rows} smallest keys kept, in file order",
            "seed": self.seed,
            "exact": list(self.exact),
            "approximate": dict(self.approximate),
            "from_sample": list(self.from_sample),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sampling:
        return cls(reader=data.get("reader"), rows_scanned=data.get("rows_scanned"), sample_rows=data.get("sample_rows"),
                   seed=data.get("seed"), exact=tuple(data.get("exact") or ()),
                   approximate=dict(data.get("approximate") or {}), from_sample=tuple(data.get("from_sample") or ()))
