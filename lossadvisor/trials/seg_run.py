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
from lossadvisor.trials.cluster_boot import cluster_codes, resampling_note, resampling_summary
from lossadvisor.trials.compare import compare_candidates, score_candidate
from lossadvisor.trials.crossfit import fold_members, fold_output, score_crossfit
from lossadvisor.trials.folds import FoldPlan
from lossadvisor.trials.fit_members import fit_members
from lossadvisor.trials.members import LossFactory, build_loss_module, resolve_device
from lossadvisor.trials.results import CandidateResult, TrialOptions, TrialReport
from lossadvisor.trials.seg_data import SegmentationData, split_images
from lossadvisor.trials.seg_examples import SegExample, segmentation_examples
from lossadvisor.trials.seg_folds import choose_image_folds, fold_note, plan_image_folds
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
    margin: float  # the smallest difference that counts in a verdict (trials.stats.verdict)


# One point of Dice or IoU (0.01), one pixel of hd95: differences below these are within what two
# equally good losses differ by on the same images, and far below the gaps that decide a loss on
# tiny foregrounds (tenths of Dice). The empty-image false-positive rate counts any difference.
MARGINS = {"dice": 0.01, "iou": 0.01, "dice_global": 0.01, "iou_global": 0.01, "hd95": 1.0, "empty_fp_rate": 0.0}
SEG_METRICS = {name: SegMetric(name, m.higher_is_better, m.description, MARGINS[name])
               for name, m in SEGMENTATION_METRICS.items()}


@dataclass(frozen=True)
class SegPrepared:
    """The data a segmentation trial scores against: the split and the truth."""

    data: SegmentationData
    split: Split  # the single split; under cross-fitting the first fold of the first seed
    folds: FoldPlan | None = None


@dataclass(frozen=True)
class SegScorer:
    """Scores members on held-out images; the same interface as :class:`lossadvisor.trials.evaluate.Scorer`."""

    prepared: SegPrepared
    metric_names: tuple[str, ...]
    # Cross-fitting scores a seed's out-of-fold masks together (trials.crossfit.pooled_score): every
    # metric here reads each image's own argmax, and some count only a subset of the images.
    pools_folds = True

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
            return SegMetric(name, True, f"{base} of class {cls}, per image then averaged", MARGINS[base])
        return SEG_METRICS[name]

    def threshold(self, val_output: np.ndarray, form: str, rows: np.ndarray | None = None) -> None:
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

    def validation_scores(self, members: Sequence[Member], outputs: np.ndarray) -> np.ndarray:
        """The selection metric of each member on its validation images (its fold's, when cross-fitted)."""
        plan, sign = self.prepared.folds, 1.0 if self.selection.higher_is_better else -1.0
        values = []
        for member, out in zip(members, outputs):
            rows = self.prepared.split.val if plan is None else plan.splits[member.fold].val
            out = out if plan is None else fold_output(out, rows, plan.n_rows)
            values.append(sign * float(self.weighted(self.selection.name, rows, out, FORM, None)(None)[0]))
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


def _tensors(data: SegmentationData, split: Split, device: str, plan: FoldPlan | None) -> TrainTensors:
    """The images standardized with the (first fold's) training images; under cross-fitting every
    image is on the device once and each member picks its own rows (trials.crossfit.fold_index).

    One affine map per channel for every fold, as for tables (trials.prepare): the first fold's
    training images include images other folds test, so their pixel statistics (never their masks)
    reach those folds' inputs. Two numbers per channel; per-fold maps would need per-member inputs.
    """
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

    if plan is not None:
        from lossadvisor.trials.crossfit import fold_index

        every = np.arange(len(data.images))
        x_all, y_all = x(every), y(every)
        return TrainTensors(x_all, x_all, x_all, y_all, y_all, fold_index(plan, device, own_rows=True))
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
    return fit_members(members, tensors, scorer.validation_scores, options, build_model=build_model, on_epoch=on_epoch, config=config)


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
    seeds = [options.seed + i for i in range(options.seeds)]
    k = choose_image_folds(options.folds, len(data.images))
    plan = plan_image_folds(data.masks, data.n_classes, data.groups, k, seeds) if k > 1 else None
    split = split_images(data, options.seed) if plan is None else plan.splits[0]
    scorer = SegScorer(SegPrepared(data, split, plan), metric_names(data, options.metric))
    channels, classes = data.images.shape[1], data.n_classes

    def build_model(member_seeds: list[int], on: torch.device) -> StackedUNet:
        return StackedUNet(member_seeds, channels, classes, width, levels, on)

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        members = _members(candidates, seeds, device, loss_factory or build_loss_module, data.has_ignored)
        if plan is not None:
            members = fold_members(members, plan, seeds)
        tensors = _tensors(data, split, device, plan)
        outcome = _train(members, tensors, scorer, options, build_model, on_epoch)
    finally:
        torch.set_num_threads(previous_threads)
    traces: list[MemberTrace] = outcome.traces
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(candidates))]
    base_index = next((c for c, s in enumerate(candidates) if s.baseline), 0)
    tested = split.test if plan is None else plan.tested
    # Manifest groups: the intervals resample whole groups of images (trials.cluster_boot).
    clusters = cluster_codes(None if data.groups is None else np.asarray(data.groups), tested)
    if plan is not None:
        results, best = score_crossfit(list(candidates), traces, members, scorer, seeds, base_index, options, clusters)
    else:
        results = [score_candidate(candidates[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
                   for c, idx in enumerate(by_candidate)]
        results, best = compare_candidates(results, by_candidate, base_index, traces, members, scorer, options,
                                           clusters)
    examples = _examples(data, plan, candidates, results, by_candidate, traces, members, scorer, base_index, best)
    return TrialReport(
        task="segmentation", metric=scorer.primary.name, metrics=scorer.metric_names,
        higher_is_better={n: scorer.metric(n).higher_is_better for n in scorer.metric_names},
        split=split.method if plan is None else f"cross-fitted, {plan.k} {plan.scheme} folds of the images",
        rows={"train": len(split.train), "validation": len(split.val), "test": len(tested)},
        n_features=channels, dropped_columns=(), device=device, batched=options.batched,
        cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds), epochs_run=outcome.epochs_run,
        steps=outcome.steps, seconds=round(outcome.seconds, 3), candidates=tuple(results),
        notes=_notes(data, split, plan, options, outcome, width, levels, resampling_note(clusters)),
        resampling=resampling_summary(clusters),
        folds=None if plan is None else {"k": plan.k, "scheme": plan.scheme, "tested_rows": len(plan.tested),
                                         "rows": len(data.images)},
        best_label=None if best is None else candidates[best].label,
        classes=tuple(str(v) for v in data.classes), examples=examples,
    )


def _examples(data: SegmentationData, plan: FoldPlan | None, candidates: Sequence[CandidateSpec],
              results: Sequence[CandidateResult], by_candidate: Sequence[Sequence[int]], traces: list[MemberTrace],
              members: Sequence[Member], scorer: SegScorer, base: int, best: int | None) -> tuple[SegExample, ...]:
    """A few test images with the baseline's and the shown candidate's predictions (first seed each, its
    first fold when cross-fitted): the best candidate, or the best of the others when the baseline is
    best (see trials.seg_examples)."""
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
    first = members[by_candidate[base][0]]
    rows = scorer.prepared.split.test if plan is None else plan.splits[first.fold].test
    cut = (lambda out: out) if plan is None else (lambda out: fold_output(out, rows, plan.n_rows))
    outputs = {candidates[base].label: cut(first_output[base]), candidates[shown].label: cut(first_output[shown])}
    return segmentation_examples(data.images[rows], data.masks[rows], [data.names[i] for i in rows], data.n_classes,
                                 outputs)


def run_segmentation_sweep(data: SegmentationData, sweep: Sweep, options: TrialOptions = TrialOptions(),
                           base_params: Mapping | None = None, **kwargs) -> TrialReport:
    """Guide 6.3.6 for segmentation: one loss parameter over a grid (see :func:`lossadvisor.trials.run.run_sweep`)."""
    from lossadvisor.trials.run import sweep_summary

    specs = sweep_candidates(sweep, "segmentation", base_params)
    report = run_segmentation_trials(data, specs, options, **kwargs)
    return replace(report, sweep=sweep_summary(report, sweep))


def _notes(data: SegmentationData, split: Split, plan: FoldPlan | None, options: TrialOptions, outcome: TrainOutcome,
           width: int, levels: int, resampling: str | None = None) -> tuple[str, ...]:
    h, w = data.images.shape[-2:]
    if plan is None:
        empty = int(data.empty()[split.test].sum())
        where = (f"rows are images ({h}×{w}, {data.images.shape[1]} channel(s)); metrics on {len(split.test)} held-out "
                 f"test images ({empty} with an empty mask); early stopping on {len(split.val)} validation images "
                 f"({split.method})")
    else:
        empty = int(data.empty()[plan.tested].sum())
        where = f"rows are images ({h}×{w}, {data.images.shape[1]} channel(s)); {fold_note(plan, empty)}"
    notes = [
        where,
        f"model: a {levels}-level U-Net of width {width} per member, trained on whole images",
        "dice, iou: per image (mean over the classes in its truth or prediction; an empty prediction on an empty mask "
        "scores 1), then averaged over images; dice:C, iou:C leave out images where class C is in neither; "
        "dice_global, iou_global: counts pooled over all test images",
        "hd95: in pixels, over images where truth and prediction both contain the class; empty_fp_rate: share of "
        f"the {empty} empty test images with any predicted foreground",
    ]
    if resampling is not None:
        notes.append(resampling)
    if data.unpaired:
        shown = ", ".join(data.unpaired[:5]) + (", …" if len(data.unpaired) > 5 else "")
        notes.append(f"{len(data.unpaired)} file(s) without a partner of the same stem were left out: {shown}")
    if data.has_ignored:
        notes.append("mask value 255 is 'ignore': those pixels count in no loss and no metric")
    if options.train.budget_s is not None:
        notes.append(f"time budget {options.train.budget_s:g} s: {outcome.epochs_run} epochs (results depend on speed)")
    if options.seeds < 3:
        notes.append(f"only {options.seeds} seed(s): use --seeds 3 or more before trusting a verdict")
    primary = SegScorer.metric(options.metric or "dice")
    if primary.margin:
        notes.append(f"verdicts: a difference in {primary.name} counts when its 95% interval excludes 0 and it is at "
                     f"least {primary.margin:g} (the smallest difference that matters); smaller ones read as no "
                     "significant difference")
    notes.append("★ marks the best mean, not a significance claim: the verdict column says which differences hold")
    return tuple(notes)

