"""Run a segmentation trial: every candidate × seed trains together as one stacked U-Net.

    data = load_segmentation(Path("images"), Path("masks"))
    report = run_segmentation_trials(data, candidates, TrialOptions(seeds=3))

The machinery is the tabular trial's (:mod:`lossadvisor.trials.train`): paired seeds (seed s fixes
the initial weights and the image order for every loss), one backward and one AdamW step per
minibatch for all members, divergence and early stopping per member, a CUDA graph on a GPU. Only
the model (:mod:`lossadvisor.trials.seg_model`), the data (whole images, split by image) and the
scorer (:mod:`lossadvisor.trials.seg_metrics`, bootstrap over test images) differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import seg_metrics as S
from lossadvisor.trials.candidates import CandidateSpec, Sweep, sweep_candidates
from lossadvisor.trials.compare import compare_candidates, score_candidate
from lossadvisor.trials.fit_members import fit_members
from lossadvisor.trials.members import LossFactory, build_loss_module, resolve_device
from lossadvisor.trials.results import CandidateResult, TrialOptions, TrialReport
from lossadvisor.trials.seg_data import SegmentationData, split_images
from lossadvisor.trials.seg_examples import SegExample, segmentation_examples
from lossadvisor.trials.split import Split
from lossadvisor.trials.stats import WeightedScore
from lossadvisor.trials.train_types import Member, MemberTrace, TrainOutcome, TrainTensors
from lossadvisor.vocabulary import SEGMENTATION_METRICS

FORM = "logits"  # every segmentation loss reads (N, C, H, W) logits and (N, H, W) class codes
# Losses whose step has no host synchronisation (capturable in a CUDA graph); Lovász sorts per image with
# boolean indexing, so it runs eagerly.
GRAPH_SAFE = ("cross_entropy", "dice", "dice_ce", "dice_focal", "tversky", "focal_tversky", "generalized_dice")


@dataclass(frozen=True)
class SegMetric:
    name: str
    higher_is_better: bool
    description: str


SEG_METRICS = {name: SegMetric(name, m.higher_is_better, m.description) for name, m in SEGMENTATION_METRICS.items()}


@dataclass(frozen=True)
class SegPrepared:
    """The data a segmentation trial scores against: the split and the truth."""

    data: SegmentationData
    split: Split


@dataclass(frozen=True)
class SegScorer:
    """Scores members on held-out images; the same interface as :class:`lossadvisor.trials.evaluate.Scorer`."""

    prepared: SegPrepared
    metric_names: tuple[str, ...]

    @property
    def primary(self) -> SegMetric:
        return self.metric(self.metric_names[0])

    @property
    def selection(self) -> SegMetric:
        return self.primary

    @staticmethod
    def metric(name: str) -> SegMetric:
        base, _, cls = name.partition(":")
        if cls:
            return SegMetric(name, True, f"{base} of class {cls}, per image then averaged")
        return SEG_METRICS[name]

    def threshold(self, val_output: np.ndarray, form: str) -> None:
        return None  # classes are the argmax of the logits

    def weighted(self, name: str, rows: np.ndarray, output: np.ndarray, form: str, threshold: float | None) -> WeightedScore:
        data = self.prepared.data
        truth, pred, c = data.masks[rows], output.argmax(axis=1), data.n_classes
        base, _, cls = name.partition(":")
        if base == "hd95":
            values = S.image_hd95(truth, pred, c)
            return lambda w: S.image_mean(values, w)
        if base == "empty_fp_rate":
            truth_empty = ~((truth != 0) & (truth != S.IGNORE_CODE)).reshape(len(truth), -1).any(axis=1)
            pred_any = ((pred != 0) & (truth != S.IGNORE_CODE)).reshape(len(pred), -1).any(axis=1)
            return lambda w: S.empty_fp_rate(truth_empty, pred_any, w)
        tp, fp, fn = S.overlap_counts(truth, pred, c)
        score = S.dice_scores if base.startswith("dice") else S.iou_scores
        if base.endswith("_global"):
            return lambda w: S.pooled(score, tp, fp, fn, w)
        per_class = score(tp, fp, fn)
        if cls:
            values = S.class_values(per_class, tp, fp, fn, data.classes.index(int(cls)) - 1)
        else:
            values = S.per_image(per_class, tp, fp, fn)
        return lambda w: S.image_mean(values, w)

    def validation_scores(self, forms: Sequence[str], outputs: np.ndarray) -> np.ndarray:
        rows, sign = self.prepared.split.val, 1.0 if self.selection.higher_is_better else -1.0
        values = [sign * float(self.weighted(self.selection.name, rows, out, FORM, None)(None)[0]) for out in outputs]
        return np.nan_to_num(np.asarray(values), nan=-np.inf)

    def test_metrics(self, val_output: np.ndarray, test_output: np.ndarray, form: str) -> tuple[dict[str, float], None]:
        rows = self.prepared.split.test
        return {n: float(self.weighted(n, rows, test_output, form, None)(None)[0]) for n in self.metric_names}, None


def metric_names(data: SegmentationData, primary: str | None) -> tuple[str, ...]:
    """The primary metric first, then the mean metrics, then Dice and IoU per class (when several)."""
    names = list(SEG_METRICS)
    if data.n_classes > 2:
        names += [f"{m}:{v}" for m in ("dice", "iou") for v in data.classes[1:]]
    primary = primary or "dice"
    if primary not in names:
        raise LossAdvisorError(f"metric '{primary}' does not apply to segmentation; use one of: {', '.join(names)}")
    return (primary, *[n for n in names if n != primary])


def _tensors(data: SegmentationData, split: Split, device: str) -> TrainTensors:
    import torch

    train = data.images[split.train]
    # Standardize each channel with the training images' statistics only.
    mean = train.mean(axis=(0, 2, 3), keepdims=True)
    std = train.std(axis=(0, 2, 3), keepdims=True)
    images = (data.images - mean) / np.where(std > 0, std, 1.0)

    def x(rows: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(images[rows], dtype=torch.float32, device=device)

    def y(rows: np.ndarray) -> dict[str, torch.Tensor]:
        return {"class": torch.as_tensor(data.masks[rows], dtype=torch.long, device=device)}

    return TrainTensors(x(split.train), x(split.val), x(split.test), y(split.train), y(split.val))


def _members(specs: Sequence[CandidateSpec], seeds: Sequence[int], device: str, factory: LossFactory,
             ignore: bool) -> list[Member]:
    from lossadvisor.losses.cards import get_card

    members = []
    for index, spec in enumerate(specs):
        params = dict(spec.params)
        if ignore and "ignore_index" in {p.name for p in get_card(spec.loss).params}:
            params.setdefault("ignore_index", S.IGNORE_CODE)
        try:
            module = factory(spec.loss, params)
        except LossAdvisorError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise LossAdvisorError(f"cannot build loss {spec.label}: {exc}") from None
        members.extend(Member(index, seed, module.to(device), FORM) for seed in seeds)
    return members


def _train(members: list[Member], tensors: TrainTensors, scorer: SegScorer, options: TrialOptions,
           build_model: Callable, on_epoch: Callable[[int], None] | None) -> TrainOutcome:
    config = options.train
    if config.cuda_graph and not all(_graph_safe(m) for m in members):
        config = replace(config, cuda_graph=False)
    return fit_members(members, tensors, lambda outputs: scorer.validation_scores([FORM] * len(outputs), outputs),
                       options, build_model=build_model, on_epoch=on_epoch, config=config)


def _graph_safe(member: Member) -> bool:
    return getattr(member.loss, "name", "") in GRAPH_SAFE


def run_segmentation_trials(
    data: SegmentationData,
    candidates: Sequence[CandidateSpec],
    options: TrialOptions = TrialOptions(),
    loss_factory: LossFactory | None = None,
    on_epoch: Callable[[int], None] | None = None,
    width: int = 8,
    levels: int = 2,
) -> TrialReport:
    """Train every candidate with ``options.seeds`` paired seeds on the images; compare with the baseline."""
    import torch

    from lossadvisor.trials.seg_model import StackedUNet

    if options.seeds < 1:
        raise LossAdvisorError(f"--seeds must be at least 1, got {options.seeds}")
    if not candidates:
        raise LossAdvisorError("no candidate losses to trial")
    device = resolve_device(options.device)
    split = split_images(data, options.seed)
    scorer = SegScorer(SegPrepared(data, split), metric_names(data, options.metric))
    seeds = [options.seed + i for i in range(options.seeds)]
    channels, classes = data.images.shape[1], data.n_classes

    def build_model(member_seeds: list[int], on: torch.device) -> StackedUNet:
        return StackedUNet(member_seeds, channels, classes, width, levels, on)

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        members = _members(candidates, seeds, device, loss_factory or build_loss_module, data.has_ignored)
        tensors = _tensors(data, split, device)
        outcome = _train(members, tensors, scorer, options, build_model, on_epoch)
    finally:
        torch.set_num_threads(previous_threads)
    traces: list[MemberTrace] = outcome.traces
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(candidates))]
    results = [score_candidate(candidates[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
               for c, idx in enumerate(by_candidate)]
    base_index = next((c for c, s in enumerate(candidates) if s.baseline), 0)
    results, best = compare_candidates(results, by_candidate, base_index, traces, members, scorer, options)
    examples = _examples(data, split, candidates, results, by_candidate, traces, scorer, base_index, best)
    return TrialReport(
        task="segmentation", metric=scorer.primary.name, metrics=scorer.metric_names,
        higher_is_better={n: scorer.metric(n).higher_is_better for n in scorer.metric_names},
        split=split.method, rows={"train": len(split.train), "validation": len(split.val), "test": len(split.test)},
        n_features=channels, dropped_columns=(), device=device, batched=options.batched,
        cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds), epochs_run=outcome.epochs_run,
        steps=outcome.steps, seconds=round(outcome.seconds, 3), candidates=tuple(results),
        notes=_notes(data, split, options, outcome, width, levels),
        best_label=None if best is None else candidates[best].label,
        classes=tuple(str(v) for v in data.classes), examples=examples,
    )


def _examples(data: SegmentationData, split: Split, candidates: Sequence[CandidateSpec],
              results: Sequence[CandidateResult], by_candidate: Sequence[Sequence[int]], traces: list[MemberTrace],
              scorer: SegScorer, base: int, best: int | None) -> tuple[SegExample, ...]:
    """A few test images with the baseline's and the shown candidate's predictions (first seed each):
    the best candidate, or the best of the others when the baseline is best (see trials.seg_examples)."""
    first_output = [traces[idx[0]].test_output for idx in by_candidate]
    others = [c for c in range(len(candidates)) if c != base and first_output[c] is not None]
    if best is not None and best in others:
        shown = best
    else:
        sign = 1.0 if scorer.primary.higher_is_better else -1.0
        means = {c: sign * results[c].summary.get(scorer.primary.name, (np.nan, np.nan))[0] for c in others}
        finite = [c for c in others if np.isfinite(means[c])]
        shown = max(finite, key=lambda c: (means[c], -c)) if finite else None
    if shown is None or first_output[base] is None:
        return ()
    rows = split.test
    outputs = {candidates[base].label: first_output[base], candidates[shown].label: first_output[shown]}
    return segmentation_examples(data.images[rows], data.masks[rows], [data.names[i] for i in rows], data.n_classes,
                                 outputs)


def run_segmentation_sweep(data: SegmentationData, sweep: Sweep, options: TrialOptions = TrialOptions(),
                           base_params: Mapping | None = None, **kwargs) -> TrialReport:
    """Guide 6.3.6 for segmentation: one loss parameter over a grid (see :func:`lossadvisor.trials.run.run_sweep`)."""
    from lossadvisor.trials.run import sweep_summary

    specs = sweep_candidates(sweep, "segmentation", base_params)
    report = run_segmentation_trials(data, specs, options, **kwargs)
    return replace(report, sweep=sweep_summary(report, sweep))


def _notes(data: SegmentationData, split: Split, options: TrialOptions, outcome: TrainOutcome, width: int,
           levels: int) -> tuple[str, ...]:
    empty = int(data.empty()[split.test].sum())
    h, w = data.images.shape[-2:]
    notes = [
        f"rows are images ({h}×{w}, {data.images.shape[1]} channel(s)); metrics on {len(split.test)} held-out test "
        f"images ({empty} with an empty mask); early stopping on {len(split.val)} validation images ({split.method})",
        f"model: a {levels}-level U-Net of width {width} per member, trained on whole images",
        "dice, iou: per image (mean over the classes in its truth or prediction; an empty prediction on an empty mask "
        "scores 1), then averaged over images; dice:C, iou:C leave out images where class C is in neither; "
        "dice_global, iou_global: counts pooled over all test images",
        "hd95: in pixels, over images where truth and prediction both contain the class; empty_fp_rate: share of "
        f"the {empty} empty test images with any predicted foreground",
    ]
    if data.unpaired:
        shown = ", ".join(data.unpaired[:5]) + (", …" if len(data.unpaired) > 5 else "")
        notes.append(f"{len(data.unpaired)} file(s) without a partner of the same stem were left out: {shown}")
    if data.has_ignored:
        notes.append("mask value 255 is 'ignore': those pixels count in no loss and no metric")
    if options.train.budget_s is not None:
        notes.append(f"time budget {options.train.budget_s:g} s: {outcome.epochs_run} epochs (results depend on speed)")
    if options.seeds < 3:
        notes.append(f"only {options.seeds} seed(s): use --seeds 3 or more before trusting a verdict")
    notes.append("★ marks the best mean, not a significance claim: the verdict column says which differences hold")
    return tuple(notes)

