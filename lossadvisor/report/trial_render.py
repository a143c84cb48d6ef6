"""Render a TrialReport: rich text table, versioned JSON, Markdown for a PR comment, a PNG plot.

Renderers compute nothing: every number comes from the report.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

from lossadvisor.errors import LossAdvisorError
from lossadvisor.report.group_render import group_dict, group_lines
from lossadvisor.trials.results import CandidateResult, TrialReport
from lossadvisor.trials.stats import Comparison
from lossadvisor.vocabulary import TRIAL_SCHEMA_VERSION



def _num(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _comparison(c: Comparison | None) -> dict | None:
    if c is None:
        return None
    return {"difference": _num(c.difference, 5), "ci": [_num(c.ci_low, 5), _num(c.ci_high, 5)],
            "verdict": c.verdict, "seeds_paired": c.seeds_paired}


def _candidate(c: CandidateResult) -> dict:
    return {
        "label": c.spec.label, "loss": c.spec.loss, "params": dict(c.spec.params), "baseline": c.spec.baseline,
        "diverged": c.diverged,
        "metrics": {name: {"mean": _num(m), "sd": _num(s)} for name, (m, s) in c.summary.items()},
        "vs_baseline": _comparison(c.comparison), "vs_best": _comparison(c.versus_best),
        "per_seed": [
            {"seed": s.seed, "metrics": {k: _num(v) for k, v in s.metrics.items()}, "threshold": _num(s.threshold),
             "best_epoch": None if s.best_epoch is None else s.best_epoch + 1,
             "diverged_epoch": None if s.diverged_epoch is None else s.diverged_epoch + 1,
             "early_stopped_epoch": None if s.stopped_epoch is None else s.stopped_epoch + 1}
            for s in c.seeds
        ],
        "diagnostics": [{"code": d.code, "message": d.message, "advice": d.advice, "source": d.source}
                        for d in c.diagnostics],
        "grad_norm": {k: _num(v) for k, v in c.grad_norm.items()},
        "curves": [{k: [_num(v, 5) for v in values] for k, values in curve.items()} for curve in c.curves],
    }


def report_dict(report: TrialReport) -> dict:
    """The ``--format json`` object (schema_version 1.0); NaN becomes null."""
    return {
        "schema_version": TRIAL_SCHEMA_VERSION, "task": report.task, "metric": report.metric,
        "metrics": list(report.metrics), "higher_is_better": dict(report.higher_is_better),
        "split": report.split, "rows": dict(report.rows), "n_features": report.n_features,
        "dropped_columns": list(report.dropped_columns), "device": report.device, "batched": report.batched,
        "cuda_graph": report.cuda_graph, "threads": report.threads, "seeds": list(report.seeds),
        "epochs_run": report.epochs_run, "steps": report.steps, "seconds": report.seconds,
        "best": report.best_label, "notes": list(report.notes), "sweep": report.sweep,
        "class_order": list(report.classes), "positive_class": report.positive_class,
        "candidates": [_candidate(c) for c in report.candidates],
        **({"groups": group_dict(report.groups)} if report.groups is not None else {}),
        **({"folds": dict(report.folds)} if report.folds is not None else {}),
        **({"resampling": dict(report.resampling)} if report.resampling is not None else {}),
        **({"examples": [e.to_dict() for e in report.examples]} if report.examples else {}),
    }


def render_json(report: TrialReport) -> str:
    return json.dumps(report_dict(report), indent=2, default=str)


def _mean_sd(c: CandidateResult, name: str) -> str:
    mean, sd = c.summary.get(name, (math.nan, math.nan))
    return "diverged" if not math.isfinite(mean) else f"{mean:.4f}±{sd:.4f}"


def _vs(c: CandidateResult) -> tuple[str, str]:
    if c.spec.baseline:
        return "baseline", ""
    comp = c.comparison
    if comp is None or not math.isfinite(comp.ci_low):
        return "—", "not compared"
    return f"{comp.difference:+.4f} [{comp.ci_low:+.4f}, {comp.ci_high:+.4f}]", comp.verdict


def _main_metrics(report: TrialReport) -> list[str]:
    """The metrics of the main table; per-class ones (``dice:1``) get a table of their own."""
    return [n for n in report.metrics if ":" not in n]


def _class_metrics(report: TrialReport) -> list[str]:
    return [n for n in report.metrics if ":" in n]


def _headline(report: TrialReport) -> str:
    positive = f" (positive class '{report.positive_class}')" if report.positive_class else ""
    unit = " images" if report.task == "segmentation" else ""
    split = f"{report.split} split {report.rows['train']}/{report.rows['validation']}/{report.rows['test']}{unit}"
    if report.folds is not None:  # cross-fitted: the scheme, K, and how many rows each seed tests
        f = report.folds
        split = f"{f['k']} {f['scheme']} folds, {f['tested_rows']}/{f['rows']} {unit.strip() or 'rows'} tested per seed"
    return (f"{report.task}{positive} · metric {report.metric} · {len(report.seeds)} seeds · {report.epochs_run} epochs · "
            f"{split} · "
            f"{report.device}{' (CUDA graph)' if report.cuda_graph else ''} · "
            f"{'batched' if report.batched else 'sequential'} · {report.seconds:.1f} s")


def _sweep_line(report: TrialReport) -> str | None:
    sw = report.sweep
    if not sw:
        return None
    stable = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sw["stable_values"]) or "none"
    return (f"sweep {sw['loss']}.{sw['param']}: best {sw['best_value']}; {report.metric} within noise of the best "
            f"for {sw['param']} ∈ {{{stable}}} (guide 6.3.6)")


def _examples_line(report: TrialReport) -> str | None:
    """Segmentation: which held-out images the JSON carries as examples, with each shown candidate's Dice."""
    if not report.examples:
        return None
    shown = [f"{e.name} (" + ", ".join(f"{label} {value:.3f}" for label, value in e.dice.items()) + ")"
             for e in report.examples]
    return (f"example predictions (first seed, per-image Dice), drawn as overlays by `lossadvisor report` "
            f"from the JSON: {'; '.join(shown)}")


def render_text(report: TrialReport, width: int = 100) -> str:
    """Rich tables that fit `width`: the deciding metric, the difference and the verdict first; the other
    metrics beside them while they fit, else in a table under it. No colour codes (files and pipes)."""
    from rich.table import Table

    from lossadvisor.report.fit import plain_console, split_columns

    console = plain_console(width)
    console.print(_headline(report))
    labels = [c.spec.label + (" ★" if c.spec.label == report.best_label else "") for c in report.candidates]

    def table(metrics, with_verdict: bool) -> Table:
        grid = Table(show_lines=False)
        grid.add_column("candidate", overflow="fold", min_width=min(16, max(map(len, labels))))
        for name in metrics:
            grid.add_column(f"{name} {'↑' if report.higher_is_better[name] else '↓'}", justify="right", no_wrap=True)
        if with_verdict:
            grid.add_column(f"Δ {report.metric} vs baseline [95% CI]", justify="right")
            grid.add_column("verdict")
        for label, c in zip(labels, report.candidates):
            cells = [label, *[_mean_sd(c, n) for n in metrics]]
            grid.add_row(*cells, *(_vs(c) if with_verdict else ()))
        return grid

    others = [name for name in _main_metrics(report) if name != report.metric]
    groups = split_columns(console, lambda cols: table([report.metric, *cols], True),
                           lambda cols: table(cols, False), others)
    console.print(table([report.metric, *groups[0]], True))
    for group in groups[1:]:
        console.print(table(group, False))
    if _class_metrics(report):
        # One row per class metric and one column per candidate (numbered as in the main table's order):
        # with many classes, a column per metric would not fit.
        console.print("per class, label or target (mean±sd over seeds; columns: " +
                      ", ".join(f"#{i} {c.spec.label}" for i, c in enumerate(report.candidates, 1)) + ")")
        per_class = Table(show_lines=False)
        per_class.add_column("metric")
        for i in range(1, len(report.candidates) + 1):
            per_class.add_column(f"#{i}", justify="right")
        for name in _class_metrics(report):
            per_class.add_row(f"{name} {'↑' if report.higher_is_better[name] else '↓'}",
                              *[_mean_sd(c, name) for c in report.candidates])
        console.print(per_class)
    for line in (_sweep_line(report), _examples_line(report)):
        if line:
            console.print(line)
    for c in report.candidates:
        for d in c.diagnostics:
            console.print(f"{c.spec.label}: {d.code}: {d.message}. {d.advice} ({d.source})")
    for line in group_lines(report.groups) if report.groups is not None else ():
        console.print(line)
    for note in report.notes:
        console.print(f"note: {note}")
    return console.file.getvalue()


def render_markdown(report: TrialReport) -> str:
    """A Markdown table for a pull-request comment."""
    lines = ["### lossadvisor trial", "", _headline(report), ""]
    header = ["candidate", *[f"{n} {'↑' if report.higher_is_better[n] else '↓'}" for n in _main_metrics(report)],
              f"Δ {report.metric} vs baseline [95% CI]", "verdict"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for c in report.candidates:
        delta, verdict = _vs(c)
        label = f"`{c.spec.label}`" + (" ★" if c.spec.label == report.best_label else "")
        lines.append("| " + " | ".join([label, *[_mean_sd(c, n) for n in _main_metrics(report)], delta, verdict]) + " |")
    if _class_metrics(report):
        header = ["metric", *[f"`{c.spec.label}`" for c in report.candidates]]
        lines += ["", "**Per class, label or target**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join([f"{n} {'↑' if report.higher_is_better[n] else '↓'}",
                                     *[_mean_sd(c, n) for c in report.candidates]]) + " |"
                  for n in _class_metrics(report)]
    for line in (_sweep_line(report), _examples_line(report)):
        if line:
            lines += ["", line]
    flags = [f"- `{c.spec.label}` **{d.code}**: {d.message}. {d.advice} ({d.source})"
             for c in report.candidates for d in c.diagnostics]
    if flags:
        lines += ["", "**Diagnostics**", *flags]
    if report.groups is not None:
        lines += ["", "```", *group_lines(report.groups), "```"]
    lines += ["", *[f"_{note}_  " for note in report.notes]]
    return "\n".join(lines) + "\n"


def render_plot(report: TrialReport, path: Path) -> None:
    """Learning curves (train and validation loss per candidate) and the metric per candidate."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LossAdvisorError("--plot needs matplotlib: pip install 'lossadvisor[plot]'") from None
    fig, (curves, bars) = plt.subplots(1, 2, figsize=(12, 4.5))
    for i, c in enumerate(report.candidates):
        color = f"C{i % 10}"
        for j, curve in enumerate(c.curves):
            label = c.spec.label if j == 0 else None
            curves.plot(_x(curve["train_loss"]), curve["train_loss"], color=color, alpha=0.5, label=label)
            curves.plot(_x(curve["val_loss"]), curve["val_loss"], color=color, linestyle="--", alpha=0.9)
    curves.set_xlabel("epoch")
    curves.set_ylabel("loss (solid: train, dashed: validation)")
    curves.set_yscale("symlog")
    curves.legend(fontsize=7)
    labels = [c.spec.label for c in report.candidates]
    means = [c.summary[report.metric][0] for c in report.candidates]
    sds = [c.summary[report.metric][1] for c in report.candidates]
    bars.barh(range(len(labels)), means, xerr=sds, color=[f"C{i % 10}" for i in range(len(labels))])
    bars.set_yticks(range(len(labels)), labels, fontsize=7)
    bars.set_xlabel(f"test {report.metric} (mean ± sd over seeds)")
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise LossAdvisorError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def _x(values: list[Any]) -> list[int]:
    return list(range(1, len(values) + 1))
