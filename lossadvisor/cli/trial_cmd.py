"""`lossadvisor trial`: short seeded fits that check the candidate losses against a baseline.

Candidates: the top of ``recommend`` (default), ``--losses a,b,c``, ``--candidates rec.json``, or a
``--sweep loss.param=v1,v2``. The report goes to stdout, the progress bar to stderr.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli.options import DataSource, ReportFormat, guarded, reads_data, write_output
from lossadvisor.errors import ConfigError

CANDIDATES = "Candidates"
FIT = "Trial fits"
SEGMENTATION = "Segmentation (images + masks)"
# Defaults for images: small batches give a few hundred optimizer steps on a small set, and small lesions
# are found only after several epochs of predicting all background, so patience is longer.
SEG_BATCH, SEG_EPOCHS, SEG_PATIENCE = 4, 30, 10


class Backend(str, Enum):
    local = "local"
    ray = "ray"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


@guarded
@reads_data
def trial(
    source: DataSource,
    losses: Annotated[Optional[str], typer.Option("--losses", help="Comma-separated loss names to trial, each configured as recommend would for this data and objective.", rich_help_panel=CANDIDATES)] = None,
    candidates: Annotated[Optional[Path], typer.Option("--candidates", help="recommend --format json output to trial.", rich_help_panel=CANDIDATES)] = None,
    sweep: Annotated[Optional[str], typer.Option("--sweep", help="LOSS.PARAM=V1,V2,... e.g. focal.gamma=0,0.5,1,2,5.", rich_help_panel=CANDIDATES)] = None,
    images: Annotated[Optional[Path], typer.Option("--images", help="Folder of images (PNG or .npy), paired with --masks by file stem.", rich_help_panel=SEGMENTATION)] = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", help="CSV with columns image,mask[,group] (paths relative to it); a group stays on one side of the split.", rich_help_panel=SEGMENTATION)] = None,
    top: Annotated[int, typer.Option("--top", help="How many recommended candidates to trial.", min=1, rich_help_panel=CANDIDATES)] = 3,
    objective: Annotated[Optional[str], typer.Option("--objective", help="recall | precision | f1 | fbeta:B | balanced_accuracy | calibration | accuracy | mae | rmse | quantile:Q", rich_help_panel=CANDIDATES)] = None,
    metric: Annotated[Optional[str], typer.Option("--metric", help="Metric that decides (default from the task and objective).", rich_help_panel=FIT)] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Paired seeds per candidate.", min=1, rich_help_panel=FIT)] = 3,
    folds: Annotated[Optional[int], typer.Option("--folds", help="Cross-fitting folds: every row tested once per seed (K ≥ 3); 1 = one train/validation/test split [default: 5 under 20,000 rows, 3 under 100 images, else 1].", show_default=False, rich_help_panel=FIT)] = None,
    epochs: Annotated[Optional[int], typer.Option("--epochs", help="Most epochs per fit (early stopping may end sooner) [default: 10; 30 for images].", min=1, show_default=False, rich_help_panel=FIT)] = None,
    budget: Annotated[Optional[float], typer.Option("--budget", help="Stop after about this many seconds of training.", min=0.1, rich_help_panel=FIT)] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", help="Rows (or images) per minibatch [default: 256; 8 images].", min=1, show_default=False, rich_help_panel=FIT)] = None,
    patience: Annotated[Optional[int], typer.Option("--patience", help="Epochs without validation improvement before a fit stops [default: 3; 10 for images].", min=1, show_default=False, rich_help_panel=FIT)] = None,
    device: Annotated[Device, typer.Option("--device", help="Where to train.", case_sensitive=False, rich_help_panel=FIT)] = Device.auto,
    backend: Annotated[Backend, typer.Option("--backend", help="Where the fits run: this process, or Ray workers (pip install 'lossadvisor[ray]').", case_sensitive=False, rich_help_panel=FIT)] = Backend.local,
    address: Annotated[Optional[str], typer.Option("--address", help="With --backend ray: the cluster to join (default: start a local Ray).", rich_help_panel=FIT)] = None,
    no_batch: Annotated[bool, typer.Option("--no-batch", help="Train one model at a time (slower; same numbers within tolerance).", rich_help_panel=FIT)] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates for the confidence intervals.", min=100, rich_help_panel=FIT)] = 1000,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Write learning curves and metrics to a PNG (needs matplotlib).")] = None,
) -> None:
    """Train the candidate losses and a baseline on short seeded fits, and say which one is better."""
    from lossadvisor.trials.candidates import load_candidates_json, needs_noise_estimate, parse_losses, parse_sweep
    from lossadvisor.trials.plan import SavedCandidates, plan_trial, run_plan, trial_options
    from lossadvisor.trials.members import resolve_device

    for flag, value in (("--losses", losses), ("--sweep", sweep)):
        if value is not None and not value.strip(" ,"):
            from lossadvisor.losses.cards import list_losses

            raise ConfigError(f"{flag} is empty; name losses from: {', '.join(list_losses())}")
    chosen = [name for name, value in (("--losses", losses), ("--candidates", candidates), ("--sweep", sweep)) if value]
    if len(chosen) > 1:
        raise ConfigError(f"give one of --losses, --candidates or --sweep, not {' and '.join(chosen)}")
    if folds is not None and folds < 1:
        raise ConfigError(f"--folds must be at least 1 (1 = one train/validation/test split), got {folds}")
    if source.stream or source.exact:
        raise ConfigError("trial fits its models in memory; --stream and --exact apply to profile, recommend and check")
    if address is not None and backend is not Backend.ray:
        raise ConfigError("--address names a Ray cluster; it needs --backend ray")
    if backend is Backend.ray:
        from lossadvisor.trials.ray_backend import import_ray

        import_ray()   # fail now, with the install command, not after loading the data
    segmentation = source.masks is not None or images is not None or manifest is not None
    if segmentation:
        from lossadvisor.cli.trial_seg import check_segmentation_source

        check_segmentation_source(source, images, manifest)
    elif source.path is None:
        raise ConfigError("trial needs a data file (or '-' for stdin), or --images and --masks for segmentation")
    sweep_spec = parse_sweep(sweep) if sweep else None
    loss_names = parse_losses(losses) if losses else None
    from_file = load_candidates_json(candidates) if candidates else None
    resolve_device(device.value)  # fail before loading when CUDA is asked for and absent
    for path in (output, plot):  # fail before minutes of training, not after
        if path is not None and not path.parent.is_dir():
            raise ConfigError(f"cannot write {path}: folder {path.parent} does not exist")
    if plot is not None:
        _check_matplotlib()
    if segmentation:
        from lossadvisor.cli.trial_seg import segmentation_report

        epochs, batch_size, patience = epochs or SEG_EPOCHS, batch_size or SEG_BATCH, patience or SEG_PATIENCE
        options = trial_options(seeds=seeds, seed=source.seed, metric=metric, objective=objective, batched=not no_batch,
                                device=device.value, threads=source.threads, bootstrap=bootstrap, epochs=epochs,
                                budget=budget, batch_size=batch_size, patience=patience)
        options = replace(options, folds=folds)  # None: cross-fitted under 100 images (trials.seg_folds)
        total = epochs if options.batched else None  # sequential: the number of fits is known later
        from lossadvisor.config_files import configured_rules

        rules_path = configured_rules(Path.cwd())
        saved = SavedCandidates(candidates, *from_file) if from_file else None
        report = segmentation_report(source, images, manifest, loss_names, saved, sweep_spec, objective, top, options,
                                     lambda job: _with_progress(total, options, job), rules_path)
        _write_report(report, fmt, output, plot)
        return
    epochs, batch_size, patience = epochs or 10, batch_size or 256, patience or 3

    from lossadvisor.profiling.profile import Profile
    from lossadvisor.trials.prepare import DataFacts

    dataset = source.load()
    if len(dataset.target) > 1:
        from lossadvisor.trials.folds import check_single_split

        check_single_split(folds, "multi-target")
        report = _multitarget(dataset, source, loss_names, candidates, sweep, seeds, metric, objective, no_batch,
                              device.value, bootstrap, epochs or 10, budget, batch_size or 256, patience or 3)
        _write_report(report, fmt, output, plot)
        return
    needs_recommend = not (loss_names or from_file or sweep_spec)
    from lossadvisor.config_files import configured_rules

    rules_path = configured_rules(Path.cwd())
    by_name = loss_names or ([sweep_spec.loss] if sweep_spec else [])
    profile = Profile.from_dict(source.profile(dataset, noise=needs_recommend or needs_noise_estimate(by_name, rules_path)))
    facts = replace(DataFacts.from_profile(profile), label_separator=source.label_separator)
    saved = SavedCandidates(candidates, *from_file) if from_file else None
    plan = plan_trial(profile, facts, objective=objective, top=top, rules_path=rules_path, losses=loss_names,
                      saved=saved, sweep=sweep_spec)
    options = trial_options(seeds=seeds, seed=source.seed, metric=metric, objective=objective, batched=not no_batch,
                            device=device.value, threads=source.threads, bootstrap=bootstrap, epochs=epochs,
                            budget=budget, batch_size=batch_size, patience=patience)
    if source.sensitive:
        from lossadvisor.profiling.groups import parse_sensitive

        options = replace(options, sensitive=parse_sensitive(source.sensitive))
    options = replace(options, backend=backend.value, address=address, folds=folds)
    total = epochs * (1 if options.batched else plan.fits_per_seed() * seeds)
    report = _with_progress(total, options, lambda tick: run_plan(dataset.frame, dataset.target[0], plan, options,
                                                                  on_epoch=tick))
    _write_report(report, fmt, output, plot)


def _multitarget(dataset, source, loss_names, candidates, sweep, seeds, metric, objective, no_batch, device, bootstrap,
                 epochs, budget, batch_size, patience):
    """Several target columns: a shared trunk with one head each; the candidates are ways to combine the losses."""
    from lossadvisor.trials.multitarget import COMBINERS
    from lossadvisor.trials.multitarget_run import run_multitarget_trials
    from lossadvisor.trials.prepare import DataFacts

    if candidates is not None or sweep is not None:
        raise ConfigError(f"--candidates and --sweep do not apply to several targets: a multi-target trial compares "
                          f"{', '.join(COMBINERS)} (choose with --losses)")
    from lossadvisor.config_files import configured_rules
    from lossadvisor.trials.multitarget_heads import configured_heads
    from lossadvisor.trials.plan import trial_options

    # Each head's loss is its target's recommendation, which reads that target's own noise facts (a noisy
    # class column gets a noise-robust head); --no-noise skips the estimates, as for recommend.
    profile = source.profile(dataset)
    facts = DataFacts.from_profile(profile)
    heads, head_notes = configured_heads(profile, objective, configured_rules(Path.cwd()))  # each target's own loss
    options = trial_options(seeds=seeds, seed=source.seed, metric=metric, objective=objective, batched=not no_batch,
                            device=device, threads=source.threads, bootstrap=bootstrap, epochs=epochs, budget=budget,
                            batch_size=batch_size, patience=patience)
    total = epochs if options.batched else None
    report = _with_progress(total, options, lambda tick: run_multitarget_trials(
        dataset.frame, dataset.target, facts, loss_names, options, on_epoch=tick, heads=heads))
    return replace(report, notes=report.notes + head_notes) if head_notes else report


def _write_report(report, fmt: ReportFormat, output: Optional[Path], plot: Optional[Path]) -> None:
    from lossadvisor.report import trial_render as render

    if plot is not None:
        render.render_plot(report, plot)
    if fmt is ReportFormat.text:
        from lossadvisor.report.fit import output_width

        write_output(render.render_text(report, width=output_width(output is None)), output)
        return
    write_output({"json": render.render_json, "markdown": render.render_markdown}[fmt.value](report), output)


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError("--plot needs matplotlib, which is not installed: pip install 'lossadvisor[plot]'") from None


def _with_progress(total: int | None, options, job):
    """Run ``job(tick)`` under a progress bar on stderr (only on a terminal); ``tick`` advances one epoch."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=sys.stderr)
    with Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total} epochs"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not sys.stderr.isatty()) as bar:
        task_id = bar.add_task("trial", total=None if options.train.budget_s else total)
        return job(lambda _epoch: bar.advance(task_id))
