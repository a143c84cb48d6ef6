"""The segmentation branch of `lossadvisor trial`: images + masks (or a manifest) → a TrialReport.

    lossadvisor trial --images sample_data/images --masks sample_data/masks

Candidates as for tables: the top of ``recommend`` on the masks (with the parameters it derived
from them), ``--losses``, ``--candidates`` or ``--sweep``; the baseline is pixel cross-entropy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from lossadvisor.cli.options import DataSource
from lossadvisor.errors import ConfigError

TABLE_OPTIONS = ("target", "time_column", "group_column", "positive_class")


def check_segmentation_source(source: DataSource, images: Path | None, manifest: Path | None) -> None:
    """Refuse table options and half-given inputs before anything is read."""
    if source.path is not None:
        raise ConfigError("give either a data file or --images/--masks (or --manifest) for segmentation, not both")
    given = [f"--{name.replace('_', '-')}" for name in TABLE_OPTIONS if getattr(source, name) is not None]
    if given:
        raise ConfigError(f"{', '.join(given)} apply to tables, not to a segmentation trial")
    if source.task is not None and source.task.value != "segmentation":
        raise ConfigError(f"--task {source.task.value} conflicts with images and masks (a segmentation task)")
    if manifest is not None and (images is not None or source.masks is not None):
        raise ConfigError("give --manifest or --images/--masks, not both (the manifest lists the files)")
    if manifest is None and images is None:
        raise ConfigError("a segmentation trial needs the images the masks label: --images DIR "
                          "(paired with --masks DIR by file stem), or --manifest FILE")
    if manifest is None and source.masks is None:
        raise ConfigError("--images needs --masks DIR (the masks, paired with the images by file stem)")


def segmentation_report(source: DataSource, images: Path | None, manifest: Path | None, loss_names, saved,
                        sweep_spec, objective: str | None, top: int, options,
                        run: Callable[[Callable], object], rules_path: Path | None):
    """Load the pairs, plan the candidates (:func:`lossadvisor.trials.seg_plan.plan_segmentation`) and run the
    trial through ``run``, which adds the progress bar."""
    from lossadvisor.trials.seg_data import load_segmentation
    from lossadvisor.trials.seg_plan import plan_segmentation, run_segmentation_plan

    data = load_segmentation(images, source.masks, manifest)
    plan = plan_segmentation(lambda: _mask_profile(source, data), objective=objective, top=top, rules_path=rules_path,
                             losses=loss_names, saved=saved, sweep=sweep_spec)
    return run(lambda tick: run_segmentation_plan(data, plan, options, on_epoch=tick))


def _mask_profile(source: DataSource, data):
    from lossadvisor.load import Dataset, LoadOptions
    from lossadvisor.profiling.profile import Profile

    dataset = Dataset(frame=None, target=(), source="masks", options=LoadOptions(task="segmentation"),
                      mask_files=data.mask_files)
    return Profile.from_dict(source.profile(dataset, noise=False))
