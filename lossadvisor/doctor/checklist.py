"""The loss doctor's checks (guide 6.3.10), each run on a loss and an :class:`InputMaker`."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Callable

from lossadvisor.doctor.inputs import InputMaker

PER_SAMPLE_KINDS = ("class_logits", "binary_logits", "multilabel_logits", "segmentation_logits", "regression",
                    "log_mean", "mean_logvar", "ctc")


@dataclass(frozen=True)
class DoctorCheck:
    """One check's verdict: level is 'error' (fails the doctor), 'warning' or 'info'."""

    name: str
    passed: bool
    level: str
    detail: str


# --- calling --------------------------------------------------------------------------

def _tensors(output) -> list:
    return list(output) if isinstance(output, (tuple, list)) else [output]


def _cast(obj, dtype, grad: bool = False):
    """Cast a prediction (tensor, tuple or list of tensors) and mark it for gradients."""
    import torch

    if isinstance(obj, (tuple, list)):
        return type(obj)(_cast(x, dtype, grad) for x in obj)
    if isinstance(obj, torch.Tensor) and obj.is_floating_point():
        out = obj.detach().to(dtype)
        return out.requires_grad_(grad)
    return obj


def call_loss(loss: Callable, kind: str, output, target):
    """Call the loss as its input kind expects: parameters alone, else prediction and target."""
    return loss(output) if kind == "parameters" else loss(output, target)


def _value_and_grad(loss, kind, output, target, dtype):
    """Loss (summed to a scalar) and the gradient w.r.t. the prediction, in ``dtype``."""
    import torch

    out = _cast(output, dtype, grad=True)
    tgt = _cast(target, dtype) if kind in ("binary_logits", "multilabel_logits", "embedding_pairs",
                                          "regression", "log_mean", "mean_logvar", "multitask") else target
    value = call_loss(loss, kind, out, tgt)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"the loss returned {type(value).__name__}, not a tensor")
    total = value.sum()
    if not total.requires_grad:
        raise TypeError("the loss does not depend differentiably on the prediction (no grad_fn)")
    grads = torch.autograd.grad(total, _tensors(out), allow_unused=True)
    grads = [torch.zeros_like(o) if g is None else g for g, o in zip(grads, _tensors(out))]
    return total.detach(), grads


def _finite(value, grads) -> bool:
    import torch

    return bool(torch.isfinite(value.float()).all()) and all(bool(torch.isfinite(g.float()).all()) for g in grads)


def _fmt(x) -> str:
    return f"{float(x):.4g}"


# --- the checks -----------------------------------------------------------------------

def check_gradients(loss, maker: InputMaker) -> DoctorCheck:
    import torch

    name = "gradient check (float64, finite differences)"
    inputs = [t for t in _tensors(_cast(maker.random(), torch.float64, grad=True))]
    shape = maker.random()

    def fn(*xs):
        out = tuple(xs) if isinstance(shape, tuple) else (list(xs) if isinstance(shape, list) else xs[0])
        return call_loss(loss, maker.kind, out, maker.target).sum()

    # A stateful loss (group DRO's group weights) is checked with its state held: the optimizer's
    # gradient treats that state as a constant, and finite differences must not move it.
    hold = getattr(loss, "hold_state", None)
    try:
        with hold() if callable(hold) else contextlib.nullcontext():
            ok = torch.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False)
    except Exception as exc:
        return DoctorCheck(name, False, "error", f"{type(exc).__name__}: {exc}")
    if ok:
        return DoctorCheck(name, True, "error", "analytic gradients match finite differences")
    _, grads = _value_and_grad(loss, maker.kind, maker.random(), maker.target, torch.float64)
    return DoctorCheck(name, False, "error",
                       f"analytic gradients differ from finite differences on random inputs "
                       f"(analytic norm {_fmt(sum(g.norm() for g in grads))})")


def check_extremes(loss, maker: InputMaker) -> DoctorCheck:
    import torch

    failures = []
    for dtype in (torch.float32, torch.bfloat16):
        for label, output in maker.extremes():
            where = f"{str(dtype).replace('torch.', '')} {label}"
            try:
                value, grads = _value_and_grad(loss, maker.kind, output, maker.target, dtype)
            except Exception as exc:
                failures.append(f"{where}: {type(exc).__name__}: {exc}")
                continue
            if not _finite(value, grads):
                bad_grad = not all(bool(torch.isfinite(g.float()).all()) for g in grads)
                failures.append(f"{where}: loss {_fmt(value)}" + (", gradient not finite" if bad_grad else ""))
    name = "finite at extreme inputs (float32, bfloat16)"
    if failures:
        return DoctorCheck(name, False, "error", "; ".join(failures[:4]) + (" …" if len(failures) > 4 else ""))
    return DoctorCheck(name, True, "error", f"{2 * len(maker.extremes())} extreme inputs give finite values and gradients")


def check_minimum(loss, maker: InputMaker) -> DoctorCheck:
    import torch

    name = "smallest at a perfect prediction"
    best, _ = _value_and_grad(loss, maker.kind, maker.perfect(), maker.target, torch.float64)
    lower = []
    for label, output in maker.worse():
        value, _ = _value_and_grad(loss, maker.kind, output, maker.target, torch.float64)
        if not float(value) >= float(best) - 1e-7 * (1 + abs(float(best))):
            lower.append(f"{label}: {_fmt(value)}")
    if lower or not math.isfinite(float(best)):
        return DoctorCheck(name, False, "error", f"perfect prediction scores {_fmt(best)} but " + "; ".join(lower))
    return DoctorCheck(name, True, "error", f"perfect {_fmt(best)} ≤ {', '.join(l for l, _ in maker.worse())}")


def check_batch_invariance(loss, maker: InputMaker) -> DoctorCheck:
    import torch

    name = "invariant to batch size ('mean')"
    if maker.kind not in PER_SAMPLE_KINDS:
        return DoctorCheck(name, True, "info", f"skipped: {maker.kind} losses depend on the batch composition")
    output = maker.random()
    once, _ = _value_and_grad(loss, maker.kind, output, maker.target, torch.float64)
    twice, _ = _value_and_grad(loss, maker.kind, torch.cat([output, output]),
                               torch.cat([maker.target, maker.target]), torch.float64)
    if once.numel() != 1 or not torch.allclose(once, twice, rtol=1e-4, atol=1e-9):
        return DoctorCheck(name, False, "error",
                           f"batch of {maker.n}: {_fmt(once)}; the same batch twice: {_fmt(twice)} "
                           "(a sum-reduced loss ties the learning rate to the batch size)")
    return DoctorCheck(name, True, "error", f"{_fmt(once)} for the batch and for the batch duplicated")


def _reference(kind: str):
    """The standard loss on the same inputs: cross-entropy, BCE, MSE, Poisson, Gaussian NLL, CTC."""
    import torch.nn.functional as F

    from lossadvisor.losses.structured import CTCLoss

    return {
        "class_logits": ("cross-entropy", F.cross_entropy),
        "segmentation_logits": ("cross-entropy", F.cross_entropy),
        "binary_logits": ("BCE", F.binary_cross_entropy_with_logits),
        "multilabel_logits": ("BCE", F.binary_cross_entropy_with_logits),
        "regression": ("MSE", lambda p, t: F.mse_loss(p.reshape(t.shape), t)),
        "log_mean": ("Poisson NLL", F.poisson_nll_loss),
        "mean_logvar": ("Gaussian NLL", lambda p, t: F.gaussian_nll_loss(p[:, 0], t, p[:, 1].exp())),
        "ctc": ("CTC", CTCLoss()),
    }.get(kind)


def check_gradient_scale(loss, maker: InputMaker) -> DoctorCheck:
    import torch

    name = "gradient scale vs a standard loss"
    ref = _reference(maker.kind)
    output = maker.random()
    _, grads = _value_and_grad(loss, maker.kind, output, maker.target, torch.float64)
    norm = float(sum(g.norm() for g in grads))
    if norm == 0.0:
        return DoctorCheck(name, False, "error", "the gradient is exactly zero at random inputs")
    if ref is None:
        return DoctorCheck(name, True, "info", f"gradient norm {_fmt(norm)} (no standard loss for {maker.kind})")
    ref_name, ref_fn = ref
    _, ref_grads = _value_and_grad(ref_fn, maker.kind, output, maker.target, torch.float64)
    ratio = norm / max(float(sum(g.norm() for g in ref_grads)), 1e-300)
    detail = f"gradient norm {_fmt(ratio)}× that of {ref_name} on the same inputs"
    if not 1e-6 <= ratio <= 1e6:
        return DoctorCheck(name, False, "error", detail + " (absurd: check the scale)")
    if not 1e-2 <= ratio <= 1e2:
        return DoctorCheck(name, False, "warning", detail + " (rescale or retune the learning rate)")
    return DoctorCheck(name, True, "warning", detail)


CHECKS = {
    check_gradients: "gradient check (float64, finite differences)",
    check_extremes: "finite at extreme inputs (float32, bfloat16)",
    check_minimum: "smallest at a perfect prediction",
    check_batch_invariance: "invariant to batch size ('mean')",
    check_gradient_scale: "gradient scale vs a standard loss",
}
