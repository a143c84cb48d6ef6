"""Turn candidate specs into trainable members: the device, the loss modules, data-derived parameters, tensors.

Split from :mod:`lossadvisor.trials.run`, which trains the members built here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from lossadvisor.class_weights import label_priors
from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.prepare import PreparedData
from lossadvisor.trials.heads import log_link_scale
from lossadvisor.vocabulary import SINGLE_LABEL_TASKS
from lossadvisor.trials.train_types import Member, TrainTensors

LossFactory = Callable[[str, Mapping[str, Any]], Any]
GROUP_LOSSES = ("group_reweighted_ce", "group_dro")  # read the group from the target: need --sensitive
INPUT_FORMS = {"class_logits": "logits", "binary_logits": "binary_logit", "regression": "mean",
               "log_mean": "log_mean", "mean_logvar": "mean_logvar"}


def resolve_device(requested: str) -> str:
    """auto → cuda when available, else cpu; asking for cuda without CUDA is an error."""
    import torch

    if requested not in ("auto", "cpu", "cuda"):
        raise LossAdvisorError(f"unknown device '{requested}'; expected auto, cpu or cuda")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise LossAdvisorError("--device cuda was asked for, but CUDA is not available here (use --device cpu or auto)")
    return requested


def build_loss_module(name: str, params: Mapping[str, Any]):
    """The default loss factory: the project's loss zoo."""
    from lossadvisor.losses.registry import build_loss

    return build_loss(name, **dict(params))


def fill_data_params(spec: CandidateSpec, prepared: PreparedData) -> CandidateSpec:
    """Add the per-class facts a loss requires (class counts, label priors) from the training rows.

    Only these facts are filled, and only where the caller left them out: weights and pos_weight are
    choices that the rule base makes (``trial --losses NAME`` configures NAME through it), so a spec
    without them fails to build with the parameter's name. Priors: Menon et al. 2021.
    """
    if prepared.task not in SINGLE_LABEL_TASKS:
        return spec
    counts = prepared.class_counts().astype(float).tolist()
    derived = {
        "class_balanced": {"counts": counts},
        "ldam": {"counts": counts},
        "logit_adjusted": {"priors": label_priors(counts)},
    }.get(spec.loss, {})
    if spec.loss in GROUP_LOSSES and prepared.groups is not None:
        from lossadvisor.trials.group_losses import group_params

        derived = group_params(spec.loss, prepared)
    missing = {k: v for k, v in derived.items() if k not in spec.params}
    return replace(spec, params={**dict(spec.params), **missing}) if missing else spec


def to_tensors(prepared: PreparedData, device: str, forms: set[str]) -> TrainTensors:
    import torch

    split, x = prepared.split, torch.as_tensor(prepared.features.values)
    y = prepared.y

    def targets(rows: np.ndarray) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        if "logits" in forms:
            out["class"] = torch.as_tensor(y[rows], dtype=torch.long, device=device)
        if "grouped_logits" in forms:  # class + C·group, the target the group-aware losses unpack
            packed = y[rows] + prepared.n_classes * prepared.groups[rows]
            out["class_group"] = torch.as_tensor(packed, dtype=torch.long, device=device)
        if "binary_logit" in forms:
            out["binary"] = torch.as_tensor(y[rows], dtype=torch.float32, device=device)
        if forms & {"mean", "mean_logvar"}:
            std = (y[rows] - prepared.target_mean) / prepared.target_std
            out["standardized"] = torch.as_tensor(std, dtype=torch.float32, device=device)
        if "log_mean" in forms:
            scaled = y[rows] / log_link_scale(prepared.target_mean)
            out["mean_scaled"] = torch.as_tensor(scaled, dtype=torch.float32, device=device)
        return out

    if prepared.folds is not None:  # cross-fitting: every row on the device; each member picks its own
        from lossadvisor.trials.crossfit import fold_index

        every, x_all = np.arange(len(y)), x.to(device)
        y_all = targets(every)
        return TrainTensors(x_all, x_all, x_all, y_all, y_all, fold_index(prepared.folds, device))
    return TrainTensors(
        x_train=x[split.train].to(device), x_val=x[split.val].to(device), x_test=x[split.test].to(device),
        y_train=targets(split.train), y_val=targets(split.val),
    )


def build_members(specs: Sequence[CandidateSpec], prepared: PreparedData, seeds: Sequence[int], device: str,
             factory: LossFactory) -> list[Member]:
    from lossadvisor.losses.cards import get_card
    from lossadvisor.trials.heads import scale_params

    members = []
    for index, spec in enumerate(specs):
        form = INPUT_FORMS.get(get_card(spec.loss).inputs)
        if spec.loss in GROUP_LOSSES:
            if prepared.groups is None:
                raise LossAdvisorError(f"loss '{spec.loss}' needs the groups: pass --sensitive COL")
            form = "grouped_logits"
        if form is None:
            raise LossAdvisorError(f"loss '{spec.loss}' takes {get_card(spec.loss).inputs} inputs; trial fits tabular models")
        if form == "log_mean" and np.any(prepared.y < 0):
            raise LossAdvisorError(f"loss '{spec.loss}' needs a non-negative target; this one goes down to {prepared.y.min():g}")
        params = scale_params(spec.loss, dict(spec.params), prepared.target_std) if form != "log_mean" else dict(spec.params)
        try:
            module = factory(spec.loss, params)
        except LossAdvisorError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise LossAdvisorError(f"cannot build loss {spec.label}: {exc}") from None
        module = module.to(device)
        members.extend(Member(index, seed, module, form) for seed in seeds)
    return members
