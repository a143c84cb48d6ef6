"""Render a profile dict as JSON, Markdown or a rich terminal report (rendering only, no measuring)."""

from __future__ import annotations

import io
import json


def render_json(profile: dict) -> str:
    return json.dumps(profile, indent=2, default=str)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _summary_rows(profile: dict) -> list[tuple[str, str]]:
    rows = [("source", profile["source"]), ("rows × columns", f"{profile['rows']} × {profile['columns']}"),
            ("target", _fmt(profile["target"]) or "–"),
            ("task", f"{profile['task']}  ({'; '.join(profile['task_evidence'])})"),
            ("structure", profile["structure"]["type"])]
    structure = profile["structure"]
    if structure.get("time_column"):
        rows.append(("time", f"column '{structure['time_column']}', monotonic {structure['monotonic']}, "
                             f"regular {structure['regular_spacing']}, lag-1 autocorrelation "
                             f"{_fmt(structure['lag1_autocorrelation'])}"))
    if structure.get("group_column"):
        rows.append(("groups", f"column '{structure['group_column']}', {structure['n_groups']} groups"))
    return rows


def _section_rows(profile: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    sections = []
    if profile["classes"]:
        c = profile["classes"]
        rows = [(str(k), f"{v} ({c['proportions'][k]:.2%})") for k, v in list(c["counts"].items())[:20]]
        rows += [("imbalance ratio", _fmt(c["imbalance_ratio"])), ("normalized entropy", _fmt(c["normalized_entropy"]))]
        sections.append(("Classes", rows))
    if profile["label_noise"]:
        n = profile["label_noise"]
        rate = "not estimated" if n["estimated_rate"] is None else f"{n['estimated_rate']:.1%}"
        ci = f"[{n['ci'][0]:.1%}, {n['ci'][1]:.1%}]" if n.get("ci") else "–"
        rows = [("estimated rate", rate), ("interval", ci)]
        if n.get("reliability"):
            rows.append(("reliability", f"{n['reliability']}: {n['reliability_reason']}"))
        overlap = n.get("overlap")
        if overlap:
            rows.append(("overlap test", f"{'overlap' if overlap['detected'] else 'passed'}: noise floor "
                                         f"{overlap['noise_floor']:.1%} at {overlap['anchor_rows']} anchor rows vs "
                                         f"{overlap['counted']:.1%} counted"))
        rows += [("out-of-fold accuracy", _fmt(n["oof_accuracy"])), ("model", n["model"]),
                 ("rows used", _fmt(n["rows_used"])), ("note", n["note"])]
        rows += [(f"data row {s['row']} (0-based)", f"given {s['given']} → likely {s['likely']} ({s['confidence']:.2f})")
                 for s in n["suspects"][:5]]
        sections.append(("Label noise", rows))
    if profile["target_stats"]:
        t = profile["target_stats"]
        keys = ("mean", "median", "std", "mad", "skewness", "kurtosis", "outlier_fraction", "tail_index",
                "heavy_tailed", "zero_fraction", "is_count", "dispersion", "variance_mean_slope", "min", "max")
        rows = [(k, _fmt(t[k])) for k in keys]
        c = t.get("contamination")
        rows.append(("gross target errors", "not measured" if not c else
                     f"{c['gross_error_fraction']:.1%} of {c['rows_used']} rows, contaminated: "
                     f"{'yes' if c['contaminated'] else 'no'} (outliers explained by the features: "
                     f"{_fmt(c['explained_outlier_share'])}; residual σ {_fmt(c['residual_scale'])})"))
        sections.append(("Target", rows))
    if profile["masks"]:
        m = profile["masks"]
        rows = [("masks", _fmt(m["n_masks"])), ("foreground fraction (mean)", _fmt(m["foreground_fraction"])),
                ("foreground quantiles", _fmt(list(m["foreground_fraction_quantiles"].values()))),
                ("empty masks", _fmt(m["empty_fraction"])),
                ("class pixel fraction", ", ".join(f"{k}: {v:.3%}" for k, v in m["class_pixel_fraction"].items())),
                ("objects (count/min/median/max)", _fmt(list(m["object_sizes"].values())))]
        sections.append(("Masks", rows))
    if profile.get("groups"):
        sections.append(_group_section(profile["groups"]))
    if profile["feature_outliers"]:
        f = profile["feature_outliers"]
        sections.append(("Feature outliers", [("rows with an extreme value", f"{f['fraction']:.2%}"),
                                              ("method", f["method"])]))
    return sections


def _group_section(g: dict) -> tuple[str, list[tuple[str, str]]]:
    """One row per sensitive group: size, base rate or class shares, noise, target spread."""
    rows = []
    for group in g["groups"]:
        text = f"{group['rows']} rows ({group['share']:.1%})"
        if not group["measured"]:
            text += f"; {group['note']}"
        elif group["base_rate"] is not None:
            text += f"; base rate {group['base_rate']:.1%}"
        elif group["class_shares"]:
            text += "; " + ", ".join(f"{k} {v:.0%}" for k, v in list(group["class_shares"].items())[:6])
        if group["target"]:
            t = group["target"]
            text += f"; target mean {t['mean']:.4g}, std {t['std']:.4g}, p10–p90 {t['p10']:.4g}–{t['p90']:.4g}"
        noise = group["label_noise"]
        if noise:
            text += f"; label noise {noise['estimated_rate']:.1%}" if noise["estimated_rate"] is not None \
                else f"; label noise: {noise['note']}"
        rows.append((str(group["group"]), text))
    if g.get("base_rate_gap") is not None:
        rows.append(("base-rate gap (max − min)", f"{g['base_rate_gap']:.3f} (ratio {_fmt(g['base_rate_ratio'])})"))
    if g.get("noise_gap") is not None:
        rows.append(("label-noise gap (max − min)", f"{g['noise_gap']:.3f}"))
    return (f"Groups by {', '.join(g['columns'])}", rows)


def render_markdown(profile: dict) -> str:
    out = ["# lossadvisor profile", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in _summary_rows(profile)]
    for title, rows in _section_rows(profile):
        out += ["", f"## {title}", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    out += ["", "## Warnings", ""]
    out += [f"- **{w['code']}**: {w['message']}" for w in profile["warnings"]] or ["- none"]
    return "\n".join(out) + "\n"


def render_text(profile: dict, width: int | None = None, color: bool = False) -> str:
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
    if profile["warnings"]:
        console.print("[bold]Warnings[/]")
        for w in profile["warnings"]:
            colour = "yellow" if w["severity"] == "warning" else "cyan"
            console.print(f"  [{colour}]{w['code']}[/] {escape(w['message'])}")
    else:
        console.print("No warnings.")
    return buffer.getvalue()
