"""Render a SearchReport: plain text, versioned JSON, and a slice plot per searched parameter.

Renderers compute nothing: every number comes from the report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.results import CandidateResult
from lossadvisor.trials.search_final import SearchReport
from lossadvisor.trials.stats import Comparison

SCHEMA_VERSION = "1.0"


def _num(value: float | None, digits: int = 5) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _comparison(c: Comparison) -> dict:
    return {"difference": _num(c.difference), "ci": [_num(c.ci_low), _num(c.ci_high)], "verdict": c.verdict,
            "seeds_paired": c.seeds_paired}


def _result(r: CandidateResult) -> dict:
    return {"label": r.spec.label, "loss": r.spec.loss, "params": dict(r.spec.params),
            "metrics": {k: {"mean": _num(m), "sd": _num(s)} for k, (m, s) in r.summary.items()}}


def report_dict(report: SearchReport) -> dict:
    """The ``--format json`` object (schema_version 1.0); NaN becomes null."""
    o = report.outcome
    return {
        "schema_version": SCHEMA_VERSION, "task": report.task, "metric": o.metric, "study_name": o.study_name,
        "rungs": list(o.rungs), "brackets_run": o.brackets_run, "seeds": o.seeds, "search_seconds": o.seconds,
        "full_fit_equivalents": _num(report.full_fit_equivalents, 3), "resumed_trials": o.resumed_trials,
        "trials": [{"number": t.number, "family": t.family, "point": dict(t.point), "loss": t.spec.label,
                    "epochs": t.epochs, "validation_value": _num(t.value), "state": t.state} for t in o.trials],
        "best": {"trial": o.best.number, "family": o.best.family, "point": dict(o.best.point),
                 "loss": o.best.spec.loss, "params": dict(o.best.spec.params)},
        "importances": {k: dict(v) for k, v in o.importances.items()}, "importance_note": o.importance_note,
        "final": {"test_rows": report.test_rows, "seconds": report.final_seconds,
                  "baseline": _result(report.baseline),
                  "default": {**_result(report.default), "source": report.default_source},
                  "best": _result(report.best),
                  "best_vs_baseline": _comparison(report.versus_baseline),
                  "best_vs_default": _comparison(report.versus_default),
                  **({"resampling": dict(report.resampling)} if report.resampling is not None else {})},
    }


def render_json(report: SearchReport) -> str:
    return json.dumps(report_dict(report), indent=2)


def _fmt(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _groups(report: SearchReport) -> str:
    """Grouped split: how many groups were tested, and that the intervals resample them (trials.cluster_boot)."""
    if report.resampling is None:
        return ""
    return f" ({report.resampling['groups_tested']} groups; the intervals resample whole groups)"


def render_text(report: SearchReport) -> str:
    o, metric = report.outcome, report.outcome.metric
    done = sum(t.state == "complete" for t in o.trials)
    lines = [
        f"search: {len(o.trials)} trials ({done} trained to the last rung), {o.brackets_run} bracket(s) this run"
        + (f", {o.resumed_trials} from the stored study" if o.resumed_trials else ""),
        f"rungs (epochs): {', '.join(map(str, o.rungs))}; {o.seeds} paired seeds; validation {metric}; "
        f"{o.seconds:g} s; cost {report.full_fit_equivalents:.2f} full fits per seed",
        "",
        f"best: {o.best.spec.label}   (trial {o.best.number}, validation {metric} {_fmt(o.best.value)})",
        "",
        f"held-out comparison on {report.test_rows} test rows{_groups(report)} the search never scored ({metric}, "
        "mean ± sd over seeds):",
    ]
    for name, r in (("baseline", report.baseline), (f"default ({report.default_source})", report.default),
                    ("best", report.best)):
        mean, sd = r.summary[metric]
        lines.append(f"  {name:<34} {r.spec.label:<46} {_fmt(mean)} ± {_fmt(sd)}")
    for name, c in (("best − baseline", report.versus_baseline), ("best − default", report.versus_default)):
        lines.append(f"  {name}: {_fmt(c.difference)}  95% CI [{_fmt(c.ci_low)}, {_fmt(c.ci_high)}]  {c.verdict}")
    lines += ["", "parameter importances (" + o.importance_note + "):"]
    if not o.importances:
        lines.append("  not enough trials to estimate")
    for family, values in o.importances.items():
        shown = ", ".join(f"{k} {v:.2f}" for k, v in values.items()) or "not estimable (values all equal)"
        lines.append(f"  {family}: {shown}")
    lines += ["", "trials:"]
    for t in o.trials:
        point = ", ".join(f"{k}={v:.4g}" for k, v in t.point.items())
        lines.append(f"  #{t.number:<3} {t.family:<9} {point:<28} {t.epochs:>3} epochs  {_fmt(t.value)}  {t.state}")
    return "\n".join(lines) + "\n"


def render_plot(report: SearchReport, path: Path) -> None:
    """Slice plot: each searched parameter against the validation value, one marker per rung reached."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LossAdvisorError("--plot needs matplotlib: pip install 'lossadvisor[plot]'") from None
    o = report.outcome
    keys = list(dict.fromkeys(f"{t.family}.{k}" for t in o.trials for k in t.point))
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        family, name = key.split(".", 1)
        for level, epochs in enumerate(o.rungs):
            xs = [t.point[name] for t in o.trials if t.family == family and t.epochs == epochs]
            ys = [t.value for t in o.trials if t.family == family and t.epochs == epochs]
            ax.scatter(xs, ys, s=18 + 14 * level, color=f"C{level}", label=f"{epochs} epochs", alpha=0.8)
        if o.best.family == family:
            ax.axvline(o.best.point[name], color="k", linestyle=":", linewidth=1)
        ax.set_xlabel(key)
        ax.set_ylabel(f"validation {o.metric}")
        ax.legend(fontsize=7, title="rung reached", title_fontsize=7)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise LossAdvisorError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
