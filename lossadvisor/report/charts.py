"""The report's charts: matplotlib figures written as inline SVG, from saved results only.

Each function takes the typed ``Profile`` (at the contract's precision) or the trial's JSON dict
(``--format json``) and returns a
:class:`Chart` (SVG text plus alt text and a caption), or ``None`` when the data has nothing to draw.
They compute nothing a stage did not measure: the only arithmetic is placing the robust outlier fences
(median ± 3.5·1.4826·MAD, the profile's own definition) and binning the saved target sample.

Why inline SVG with text kept as text (``svg.fonttype = none``): it is the smallest offline form we
measured (benchmarks/report_speed.py prints the figures), stays sharp at any zoom, and its labels can be
searched and read by screen readers. A Vega-Lite spec would need the Vega runtime inlined in every page.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.profile import Profile

ROBUST_Z = 3.5            # the profile's outlier rule: |x − median| / (1.4826·MAD) > 3.5
MAD_TO_SD = 1.4826
VERDICT_COLOURS = {"better": "#1a7f37", "worse": "#cf222e", "no significant difference": "#57606a"}
WIDTH_IN = 7.0            # figure width in inches; the page scales the SVG to its column


@dataclass(frozen=True)
class Chart:
    """One figure for the page: inline SVG markup, alt text for screen readers, and a visible caption."""

    key: str
    svg: str
    alt: str
    caption: str


def require_matplotlib() -> None:
    """Fail with the install line when the report extra is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise LossAdvisorError("the HTML report needs matplotlib, which is not installed: "
                               "pip install 'lossadvisor[report]'") from None


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _svg(fig, key: str, alt: str) -> str:
    """The figure as an <svg> element: no XML prolog, fixed ids (same input, same bytes), a <title> for alt text."""
    import matplotlib

    plt = _pyplot()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    title = alt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("<svg ", f'<svg role="img" aria-labelledby="{key}-title" class="chart" ', 1).replace(
        ">", f'><title id="{key}-title">{title}</title>', 1)


def _figure(height: float, ncols: int = 1, **kw):
    plt = _pyplot()
    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    return plt.subplots(1, ncols, figsize=(WIDTH_IN, height), layout="constrained", **kw)


def outlier_fences(median: float, mad: float) -> tuple[float, float] | None:
    """The robust outlier fences the profile counts against: median ± 3.5·1.4826·MAD (None when MAD is 0)."""
    if not mad or not math.isfinite(mad) or not math.isfinite(median):
        return None
    half = ROBUST_Z * MAD_TO_SD * mad
    return median - half, median + half


def class_balance(profile: Profile, most: int = 20) -> Chart | None:
    """Rows per class (the largest `most` classes), with counts and shares written on the bars."""
    classes = profile.classes
    if classes is None or not classes.counts:
        return None
    items = sorted(classes.counts.items(), key=lambda kv: -kv[1])[:most]
    fig, ax = _figure(0.6 + 0.28 * len(items))
    names = [str(k) for k, _ in items][::-1]
    counts = [v for _, v in items][::-1]
    bars = ax.barh(range(len(names)), counts, color="#0969da")
    ax.set_yticks(range(len(names)), [_short(n, 28) for n in names])
    total = sum(classes.counts.values())
    ax.bar_label(bars, [f"{c:,} ({c / total:.1%})" for c in counts], padding=3, fontsize=8)
    ax.set_xlim(0, max(counts) * 1.3)
    ax.set_xlabel("rows")
    n_classes = len(classes.counts)
    more = n_classes - len(items)
    ratio = classes.imbalance_ratio
    alt = (f"Bar chart of rows per class: {', '.join(f'{n} {c}' for n, c in items[:5])}"
           f"{' and more' if len(items) > 5 else ''}; imbalance ratio {_num(ratio)}.")
    caption = (f"Rows per class{f' (largest {most} of {n_classes})' if more > 0 else ''}; "
               f"imbalance ratio (majority/minority) {_num(ratio)}.")
    return Chart("class-balance", _svg(fig, "class-balance", alt), alt, caption)


def label_noise(profile: Profile) -> Chart | None:
    """Estimated share of wrong labels per class, with the overall estimate and its interval."""
    noise = profile.label_noise
    if noise is None or not noise.per_class:
        return None
    items = sorted(noise.per_class.items(), key=lambda kv: -(kv[1] or 0))[:20]
    fig, ax = _figure(0.8 + 0.28 * len(items))
    names = [_short(str(k), 28) for k, _ in items][::-1]
    rates = [v or 0.0 for _, v in items][::-1]
    bars = ax.barh(range(len(names)), rates, color="#bf8700")
    ax.bar_label(bars, [f"{r:.1%}" for r in rates], padding=3, fontsize=8, zorder=5,  # readable over the line
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.set_yticks(range(len(names)), names)
    rate, ci = noise.estimated_rate, noise.ci
    if ci:
        ax.axvspan(ci[0], ci[1], color="#57606a", alpha=0.15, label=f"overall 95% interval [{ci[0]:.1%}, {ci[1]:.1%}]")
    if rate is not None:
        ax.axvline(rate, color="#57606a", linestyle="--", label=f"overall estimate {rate:.1%}")
        fig.legend(loc="outside upper center", ncol=2, fontsize=8, frameon=False)
    ax.set_xlim(0, max(rates + [rate or 0, (ci or [0, 0])[1]]) * 1.35 or 1)
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel("estimated share of wrong labels, by given class")
    overall = "abstained" if rate is None else f"{rate:.1%}"
    alt = (f"Bar chart of the estimated label-noise rate per class; overall {overall}; "
           f"{len(noise.suspects)} most suspicious rows listed in the table below.")
    caption = (f"Label noise by class (confident learning on out-of-fold predictions); overall {overall}. "
               "The most suspicious rows are listed below.")
    return Chart("label-noise", _svg(fig, "label-noise", alt), alt, caption)


def target_histogram(profile: Profile) -> Chart | None:
    """Histogram of the saved target sample with the median and the robust outlier fences."""
    stats = profile.target_stats
    if stats is None or not stats.sample:
        return None
    sample = [v for v in stats.sample if v is not None and math.isfinite(v)]
    if not sample:
        return None
    fig, ax = _figure(2.6)
    integer = bool(stats.is_integer) and max(sample) - min(sample) <= 60
    bins: Any = [x - 0.5 for x in range(int(min(sample)), int(max(sample)) + 2)] if integer else 40
    import numpy as np

    counts, edges = np.histogram(sample, bins=bins)
    ax.stairs(counts, edges, fill=True, color="#0969da", alpha=0.85)  # one path, not one patch per bin
    ax.axvline(stats.median, color="#24292f", linewidth=1.2, label=f"median {_num(stats.median)}")
    fences = outlier_fences(stats.median, stats.mad or 0.0)
    if fences:
        for i, fence in enumerate(fences):
            ax.axvline(fence, color="#cf222e", linestyle="--", label="robust outlier fences (median ± 3.5·1.4826·MAD)"
                       if i == 0 else None)
    fig.legend(fontsize=8, frameon=False, loc="outside upper center", ncol=2)  # above the bars, never on them
    ax.set_xlabel("target value")
    ax.set_ylabel(f"rows (sample of {len(sample)})")
    fence_text = f"fences at {_num(fences[0])} and {_num(fences[1])}" if fences else "no fences (MAD is 0)"
    alt = (f"Histogram of {len(sample)} sampled target values from {_num(stats.minimum)} to {_num(stats.maximum)}; "
           f"median {_num(stats.median)}; {fence_text}; {_pct(stats.outlier_fraction)} of rows lie outside.")
    caption = (f"Target distribution (seeded sample of {len(sample)} rows) with the robust outlier fences; "
               f"{_pct(stats.outlier_fraction)} of all rows are outliers, excess kurtosis "
               f"{_num(stats.kurtosis)}.")
    return Chart("target-histogram", _svg(fig, "target-histogram", alt), alt, caption)


def mask_fractions(profile: Profile) -> Chart | None:
    """Foreground share per mask (quantiles over masks) and the pixel share of each class."""
    masks = profile.masks
    if masks is None:
        return None
    quantiles = masks.foreground_fraction_quantiles
    fig, (left, right) = _figure(2.4, ncols=2)
    names = list(quantiles)
    values = [quantiles[n] or 0.0 for n in names]
    left.plot(values, range(len(names)), marker="o", color="#0969da")
    left.set_yticks(range(len(names)), names)
    left.axvline(masks.foreground_fraction, color="#24292f", linestyle="--",
                 label=f"mean {masks.foreground_fraction:.2%}")
    left.xaxis.set_major_formatter(_percent())
    left.xaxis.set_major_locator(_few_ticks())
    left.set_xlabel("foreground share of a mask's pixels")
    fig.legend(fontsize=8, frameon=False, loc="outside upper center")
    classes = masks.class_pixel_fraction
    cls_names = [str(k) for k in classes]
    shares = [classes[k] for k in classes]
    bars = right.barh(range(len(cls_names)), shares, color="#8250df")
    right.bar_label(bars, [f"{s:.2%}" for s in shares], padding=3, fontsize=8)
    right.set_yticks(range(len(cls_names)), [f"class {n}" for n in cls_names])
    right.set_xscale("log")
    right.set_xlim(min([s for s in shares if s > 0] or [1e-4]) / 2, 8)
    right.set_xlabel("share of all pixels (log scale)")
    empty = _pct(masks.empty_fraction)
    alt = (f"Two charts. Left: foreground share per mask, quantiles over {masks.n_masks} masks, "
           f"{', '.join(f'{n} {v:.2%}' for n, v in zip(names, values))}. Right: pixel share per class, "
           f"{', '.join(f'class {n} {s:.2%}' for n, s in zip(cls_names, shares))}. {empty} of masks are empty.")
    caption = (f"Mask foreground: quantiles of the per-mask foreground share over {masks.n_masks} masks "
               f"(mean {masks.foreground_fraction:.2%}; {empty} empty), and each class's share of all pixels.")
    return Chart("mask-fractions", _svg(fig, "mask-fractions", alt), alt, caption)


def learning_curves(trial: dict) -> Chart | None:
    """Train (solid) and validation (dashed) loss per epoch, one panel per candidate, one line per seed."""
    cands = [c for c in trial.get("candidates", []) if c.get("curves")]
    if not cands:
        return None
    ncols = min(3, len(cands))
    nrows = math.ceil(len(cands) / ncols)
    plt = _pyplot()
    plt.rcParams.update({"font.size": 8, "axes.spines.top": False, "axes.spines.right": False})
    height = 2.1 * nrows + 0.5
    # Fixed margins, not a layout engine: a layout engine draws every panel twice, and this chart has many.
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH_IN, height), squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.55 / height, top=1 - 0.55 / height, wspace=0.32,
                        hspace=0.75 / (2.1 - 0.4))
    for ax, cand in zip(axes.flat, cands):
        for curve in cand["curves"]:
            for key, style in (("train_loss", "-"), ("val_loss", "--")):
                ys = [y for y in curve.get(key, []) if y is not None]
                ax.plot(range(1, len(ys) + 1), ys, style, color="#0969da" if key == "train_loss" else "#bf8700",
                        alpha=0.8, linewidth=1)
        ax.set_title(_short(cand["label"], 30) + (" (baseline)" if cand.get("baseline") else ""), fontsize=7.5)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in list(axes.flat)[len(cands):]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel("loss")
    fig.legend(handles=[plt.Line2D([], [], color="#0969da", label="train loss"),
                        plt.Line2D([], [], color="#bf8700", linestyle="--", label="validation loss")],
               loc="upper center", ncol=2, frameon=False, fontsize=8)
    alt = (f"Learning curves for {len(cands)} candidates ({', '.join(c['label'] for c in cands)}): training and "
           f"validation loss per epoch, one line per seed.")
    caption = ("Learning curves: training loss (solid) and validation loss (dashed) per epoch, one line per seed. "
               "Each panel has its own scale: losses differ in size, so compare shapes, not heights.")
    return Chart("learning-curves", _svg(fig, "learning-curves", alt), alt, caption)


def forest_plot(trial: dict) -> Chart | None:
    """Each candidate's paired difference to the baseline on the deciding metric, with its 95% interval."""
    rows = list(_compared(trial))
    if not rows:
        return None
    fig, ax = _figure(0.8 + 0.38 * len(rows))
    for i, (label, diff, low, high, verdict) in enumerate(reversed(rows)):
        colour = VERDICT_COLOURS.get(verdict, "#57606a")
        ax.plot([low, high], [i, i], color=colour, linewidth=2)
        ax.plot([diff], [i], "o", color=colour)
    ax.axvline(0, color="#24292f", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [f"{_short(r[0], 34)}\n{r[4]}" for r in reversed(rows)], fontsize=8)
    metric = trial.get("metric", "metric")
    better = "higher" if trial.get("higher_is_better", {}).get(metric, True) else "lower"
    ax.set_xlabel(f"Δ {metric} vs baseline (candidate − baseline; {better} is better)")
    ax.margins(x=0.15)
    alt = "Forest plot of the paired difference to the baseline: " + "; ".join(
        f"{label} {diff:+.4f} [{low:+.4f}, {high:+.4f}] {verdict}" for label, diff, low, high, verdict in rows) + "."
    caption = (f"Paired difference in test {metric} to the baseline '{_baseline_label(trial)}' (same seeds, same "
               "minibatch order) with 95% bootstrap intervals; an interval that crosses 0 is no significant difference.")
    return Chart("forest-plot", _svg(fig, "forest-plot", alt), alt, caption)


def _compared(trial: dict) -> Iterator[tuple[str, float, float, float, str]]:
    for cand in trial.get("candidates", []):
        comp = cand.get("vs_baseline")
        if cand.get("baseline") or not comp or comp.get("difference") is None or None in comp.get("ci", [None]):
            continue
        yield cand["label"], comp["difference"], comp["ci"][0], comp["ci"][1], comp["verdict"]


def _baseline_label(trial: dict) -> str:
    return next((c["label"] for c in trial.get("candidates", []) if c.get("baseline")), "baseline")


def profile_charts(profile: Profile) -> dict[str, Chart]:
    """Every profile chart that has data, by key."""
    charts = (class_balance(profile), label_noise(profile), target_histogram(profile), mask_fractions(profile))
    return {c.key: c for c in charts if c is not None}


def trial_charts(trial: dict) -> dict[str, Chart]:
    """Every trial chart that has data, by key."""
    charts = (learning_curves(trial), forest_plot(trial))
    return {c.key: c for c in charts if c is not None}


def _few_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4)


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=None)


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"
