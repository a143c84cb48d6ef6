"""Render a Profile as JSON, Markdown or a rich terminal report (rendering only, no measuring).

The renderers read the typed :class:`~lossadvisor.profiling.profile.Profile` at the contract's precision
(``Profile.as_saved()``, or one read from JSON), so the text shows the numbers the JSON holds.
"""

from __future__ import annotations

import io
import json

from lossadvisor.profiling.group_sections import GroupProfile
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.target_section import TargetProfile


def render_json(profile: Profile) -> str:
    return json.dumps(profile.to_dict(), indent=2, default=str)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _summary_rows(profile: Profile) -> list[tuple[str, str]]:
    structure = profile.structure
    rows = [("source", profile.source), ("rows × columns", f"{profile.rows} × {profile.columns}"),
            ("target", _fmt(profile.target) or "–"),
            ("task", f"{profile.task}  ({'; '.join(profile.task_evidence)})"),
            ("structure", structure.type)]
    if structure.time_column:
        rows.append(("time", f"column '{structure.time_column}', monotonic {structure.monotonic}, "
                             f"regular {structure.regular_spacing}, lag-1 autocorrelation "
                             f"{_fmt(structure.lag1_autocorrelation)}"))
    if structure.group_column:
        rows.append(("groups", f"column '{structure.group_column}', {structure.n_groups} groups"))
    return rows


def _section_rows(profile: Profile) -> list[tuple[str, list[tuple[str, str]]]]:
    sections = []
    if profile.classes is not None:
        c = profile.classes
        shares = c.saved_proportions
        rows = [(str(k), f"{v} ({shares[k]:.2%})") for k, v in list(c.counts.items())[:20]]
        rows += [("imbalance ratio", _fmt(c.imbalance_ratio)), ("normalized entropy", _fmt(c.normalized_entropy))]
        sections.append(("Classes", rows))
    if profile.label_noise is not None:
        n = profile.label_noise
        rate = "not estimated" if n.estimated_rate is None else f"{n.estimated_rate:.1%}"
        ci = f"[{n.ci[0]:.1%}, {n.ci[1]:.1%}]" if n.ci else "–"
        rows = [("estimated rate", rate), ("interval", ci)]
        if n.reliability:
            rows.append(("reliability", f"{n.reliability}: {n.reliability_reason}"))
        overlap = n.overlap
        if overlap:
            rows.append(("overlap test", f"{'overlap' if overlap['detected'] else 'passed'}: noise floor "
                                         f"{overlap['noise_floor']:.1%} at {overlap['anchor_rows']} anchor rows vs "
                                         f"{overlap['counted']:.1%} counted"))
        rows += [("out-of-fold accuracy", _fmt(n.oof_accuracy)), ("model", n.model),
                 ("rows used", _fmt(n.rows_used)), ("note", n.note)]
        rows += [(f"data row {s.row} (0-based)", f"given {s.given} → likely {s.likely} ({s.confidence:.2f})")
                 for s in n.suspects[:5]]
        sections.append(("Label noise", rows))
    if profile.targets:  # multi-target: one row per target replaces the first column's Target table
        sections.append(("Targets (each measured on its own)", [_target_row(t) for t in profile.targets]))
    elif profile.target_stats is not None:
        t = profile.target_stats
        shown = (("mean", t.mean), ("median", t.median), ("std", t.std), ("mad", t.mad), ("skewness", t.skewness),
                 ("kurtosis", t.kurtosis), ("outlier_fraction", t.outlier_fraction), ("tail_index", t.tail_index),
                 ("heavy_tailed", t.heavy_tailed), ("zero_fraction", t.zero_fraction), ("is_count", t.is_count),
                 ("dispersion", t.dispersion), ("variance_mean_slope", t.variance_mean_slope),
                 ("min", t.minimum), ("max", t.maximum))
        rows = [(k, _fmt(v)) for k, v in shown]
        c = t.contamination
        rows.append(("gross target errors", "not measured" if c is None else
                     f"{c.gross_error_fraction:.1%} of {c.rows_used} rows, contaminated: "
                     f"{'yes' if c.contaminated else 'no'} (outliers explained by the features: "
                     f"{_fmt(c.explained_outlier_share)}; residual σ {_fmt(c.residual_scale)})"))
        sections.append(("Target", rows))
    if profile.masks is not None:
        m = profile.masks
        rows = [("masks", _fmt(m.n_masks)), ("foreground fraction (mean)", _fmt(m.foreground_fraction)),
                ("foreground quantiles", _fmt(list(m.foreground_fraction_quantiles.values()))),
                ("empty masks", _fmt(m.empty_fraction)),
                ("class pixel fraction", ", ".join(f"{k}: {v:.3%}" for k, v in m.class_pixel_fraction.items())),
                ("objects (count/min/median/max)", _fmt(list(m.object_sizes.values())))]
        sections.append(("Masks", rows))
    if profile.groups is not None:
        sections.append(_group_section(profile.groups))
    if profile.feature_outliers is not None:
        f = profile.feature_outliers
        sections.append(("Feature outliers", [("rows with an extreme value", f"{f.fraction:.2%}"),
                                              ("method", f.method)]))
    return sections


def _target_row(section: TargetProfile) -> tuple[str, str]:
    """One target of a multi-target profile: its kind and the facts its loss depends on."""
    text = section.kind
    t, c = section.target_stats, section.classes
    if t is not None:
        text += (f"; median {_fmt(t.median)}, MAD {_fmt(t.mad)}, std {_fmt(t.std)}, kurtosis "
                 f"{_fmt(t.kurtosis)}, outliers {_fmt(t.outlier_fraction)}, heavy-tailed {_fmt(t.heavy_tailed)}")
        if t.dispersion is not None:
            text += f", dispersion {_fmt(t.dispersion)}"
    if c is not None:
        text += (f"; {len(c.counts)} classes, imbalance ratio {_fmt(c.imbalance_ratio)}, minority "
                 f"'{c.minority}' {c.saved_proportions[str(c.minority)]:.1%}")
    n = section.label_noise
    if n is not None:
        text += ("; label noise not estimated" if n.estimated_rate is None else
                 f"; label noise {n.estimated_rate:.1%} ({n.reliability} reliability)")
    if t is not None and t.contamination is not None:
        text += f", gross errors {t.contamination.gross_error_fraction:.1%}"
    if section.missing:
        text += f"; {section.missing} missing"
    return str(section.name), text


def _group_section(g: GroupProfile) -> tuple[str, list[tuple[str, str]]]:
    """One row per sensitive group: size, base rate or class shares, noise, target spread."""
    rows = []
    for group in g.groups:
        text = f"{group.rows} rows ({group.share:.1%})"
        if not group.measured:
            text += f"; {group.note}"
        elif group.base_rate is not None:
            text += f"; base rate {group.base_rate:.1%}"
        elif group.class_shares:
            text += "; " + ", ".join(f"{k} {v:.0%}" for k, v in list(group.class_shares.items())[:6])
        if group.target:
            t = group.target
            text += f"; target mean {t['mean']:.4g}, std {t['std']:.4g}, p10–p90 {t['p10']:.4g}–{t['p90']:.4g}"
        if group.noise_rate is not None:
            text += f"; label noise {group.noise_rate:.1%}"
        elif group.noise_note is not None:
            text += f"; label noise: {group.noise_note}"
        rows.append((group.name, text))
    if g.base_rate_gap is not None:
        rows.append(("base-rate gap (max − min)", f"{g.base_rate_gap:.3f} (ratio {_fmt(g.base_rate_ratio)})"))
    if g.noise_gap is not None:
        rows.append(("label-noise gap (max − min)", f"{g.noise_gap:.3f}"))
    return (f"Groups by {', '.join(g.columns)}", rows)


def render_markdown(profile: Profile) -> str:
    out = ["# lossadvisor profile", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in _summary_rows(profile)]
    for title, rows in _section_rows(profile):
        out += ["", f"## {title}", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    out += ["", "## Warnings", ""]
    out += [f"- **{w.code}**: {w.message}" for w in profile.warnings] or ["- none"]
    return "\n".join(out) + "\n"


def render_text(profile: Profile, width: int | None = None, color: bool = False) -> str:
    """The terminal report; `color` adds ANSI colours (for a terminal, not for a file or a pipe)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buffer = io.StringIO()
    # emoji off and data escaped: a class or column named "[b]x" or ":smile:" must print as is
    console = Console(file=buffer, width=width or 100, force_terminal=color, no_color=not color, highlight=False,
                      emoji=False)
    summary = Table(show_header=False, title="lossadvisor profile", title_justify="left", box=None)
    for key, value in _summary_rows(profile):
        summary.add_row(f"[bold]{key}[/]", escape(value))
    console.print(summary)
    for title, rows in _section_rows(profile):
        table = Table(title=title, title_justify="left", show_header=False)
        for key, value in rows:
            table.add_row(escape(key), escape(value))
        console.print(table)
    if profile.warnings:
        console.print("[bold]Warnings[/]")
        for w in profile.warnings:
            colour = "yellow" if w.severity == "warning" else "cyan"
            console.print(f"  [{colour}]{w.code}[/] {escape(w.message)}")
    else:
        console.print("No warnings.")
    return buffer.getvalue()
