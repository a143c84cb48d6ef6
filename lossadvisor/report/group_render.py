"""Render a trial's per-group metrics and fairness gaps (``--sensitive``): text lines and a JSON dict.

Renderers compute nothing: every number comes from :class:`lossadvisor.trials.group_metrics.GroupReport`.
"""

from __future__ import annotations

import math

from lossadvisor.trials.group_metrics import GroupReport
from lossadvisor.trials.stats import Comparison


def _num(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _gap(c: Comparison) -> dict:
    return {"value": _num(c.difference), "ci": [_num(c.ci_low), _num(c.ci_high)]}


def _versus(c: Comparison, name: str) -> dict:
    return {"difference": _num(c.difference), "ci": [_num(c.ci_low), _num(c.ci_high)], "verdict": _word(c, name)}


def _word(c: Comparison, name: str) -> str:
    """better/worse from the comparison, in words that say which way the gap moved."""
    spread = name.endswith(("_gap", "_difference"))
    if c.verdict == "better":
        return "narrower" if spread else "better"
    if c.verdict == "worse":
        return "wider" if spread else "worse"
    return c.verdict


def group_dict(report: GroupReport) -> dict:
    return {
        "columns": list(report.columns), "gaps": list(report.gap_names), "too_small": list(report.small_groups),
        "candidates": [{
            "label": c.label,
            "groups": [{"group": g.group, "test_rows": g.test_rows, "measured": g.measured,
                        **({k: _num(v) for k, v in g.values.items()} if g.measured else
                           {"note": "too few test rows to measure"})} for g in c.groups],
            "gaps": {k: _gap(v) for k, v in c.gaps.items()},
            "vs_baseline": {k: _versus(v, k) for k, v in c.versus_baseline.items()},
        } for c in report.candidates],
    }


def group_lines(report: GroupReport) -> list[str]:
    """Plain lines for the text and Markdown reports."""
    lines = [f"groups by {', '.join(report.columns)} (test rows; gaps with 95% intervals; Δ vs the baseline's gap):"]
    for c in report.candidates:
        per_group = "; ".join(
            f"{g.group} n={g.test_rows} " + (", ".join(f"{k} {v:.3f}" for k, v in g.values.items()) if g.measured
                                             else "too few test rows to measure")
            for g in c.groups)
        lines.append(f"  {c.label}: {per_group}")
        for name in report.gap_names:
            if name not in c.gaps:
                continue
            g = c.gaps[name]
            text = f"    {name} {g.difference:.4f} [{g.ci_low:.4f}, {g.ci_high:.4f}]"
            if name in c.versus_baseline:
                v = c.versus_baseline[name]
                text += f"   Δ {v.difference:+.4f} [{v.ci_low:+.4f}, {v.ci_high:+.4f}] {_word(v, name)}"
            lines.append(text)
    if report.small_groups:
        lines.append(f"  left out of the gaps (too few test rows, < 30): {', '.join(report.small_groups)}")
    return lines
