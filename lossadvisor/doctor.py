"""The loss doctor: guide 6.3.10's debugging checklist, run on any loss callable.

Checks (collected, never stopping at the first failure):
1. finite-difference gradient check in float64 (torch.autograd.gradcheck) on small inputs;
2. finite values and gradients at extreme inputs (logits ±50 and ±100) in float32 and bfloat16;
3. the loss is smallest at a perfect prediction (vs uniform, random and confidently wrong ones);
4. invariance to batch size under 'mean' (the batch duplicated gives the same loss);
5. gradient scale compared with cross-entropy / MSE on the same inputs (a warning unless absurd).

Input contracts follow :data:`lossadvisor.loss_specs.INPUT_KINDS`.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from lossadvisor.errors import LossAdvisorError
from lossadvisor.loss_specs import INPUT_KINDS, LOSS_CARDS, get_card

TASK_INPUTS = {
    "binary": "binary_logits", "multiclass": "class_logits", "multilabel": "multilabel_logits",
    "segmentation": "segmentation_logits", "regression": "regression", "count": "log_mean",
    "multitarget": "multitask", "sequence": "ctc", "embedding": "embedding_labels",
}
PER_SAMPLE_KINDS = ("class_logits", "binary_logits", "multilabel_logits", "segmentation_logits", "regression",
                    "log_mean", "mean_logvar", "ctc")
LOGIT_KINDS = ("class_logits", "binary_logits", "multilabel_logits", "segmentation_logits", "ctc")
EXTREMES = {"regression": (1e3, 1e4), "log_mean": (20.0, 30.0), "mean_logvar": (20.0, 30.0)}


class DoctorCallError(LossAdvisorError):
    """The doctor's target cannot be imported, constructed or called."""


@dataclass(frozen=True)
class DoctorCheck:
    """One check's verdict: level is 'error' (fails the doctor), 'warning' or 'info'."""

    name: str
    passed: bool
    level: str
    detail: str


@dataclass(frozen=True)
class DoctorReport:
    target: str
    inputs: str
    checks: list[DoctorCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed or c.level != "error" for c in self.checks)

    def to_dict(self) -> dict:
        return {"schema_version": 1, "target": self.target, "inputs": self.inputs, "passed": self.passed,
                "checks": [asdict(c) for c in self.checks]}


# --- loading --------------------------------------------------------------------------

def load_target(target: str, params: dict | None = None) -> tuple[Callable, str | None]:
    """A loss callable from 'file.py:attr', 'module:attr' or a zoo name, and its card's input kind."""
    if ":" not in target:
        from lossadvisor.losses import build_loss

        example = dict(get_card(target).example)
        example.update(params or {})
        return build_loss(target, **example), LOSS_CARDS[target].inputs
    where, _, attr = target.rpartition(":")
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise DoctorCallError(f"no such file: {where}")
            spec = importlib.util.spec_from_file_location(f"_lossadvisor_doctor_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except DoctorCallError:
        raise
    except (Exception, SystemExit) as exc:  # user code that calls sys.exit() on import must not set our exit code
        raise DoctorCallError(f"cannot import {where}: {type(exc).__name__}: {exc}") from None
    if not hasattr(module, attr):
        raise DoctorCallError(f"{where} has no attribute {attr!r}")
    return _as_callable(getattr(module, attr), target), None


def _as_callable(obj, label: str) -> Callable:
    import torch

    if isinstance(obj, type):
        if not issubclass(obj, torch.nn.Module):
            raise DoctorCallError(f"{label} is a class but not a torch.nn.Module")
        try:
            return obj()
        except Exception as exc:
            raise DoctorCallError(f"cannot construct {label} with no arguments: {type(exc).__name__}: {exc}") from None
    if callable(obj):
        return obj
    raise DoctorCallError(f"{label} is not callable")


# --- inputs ---------------------------------------------------------------------------

@dataclass
class Case:
    """Prediction(s) and target for one call; ``output`` may be a tuple (multitask)."""

    output: object
    target: object
    label: str = ""


class InputMaker:
    """Seeded small inputs of one kind: random, perfect, worse and extreme predictions."""

    def __init__(self, kind: str, num_classes: int = 3, n: int = 4, seed: int = 0) -> None:
        import torch

        if kind not in INPUT_KINDS:
            raise DoctorCallError(f"unknown input kind {kind!r}; choose one of {', '.join(INPUT_KINDS)}")
        self.kind, self.c, self.n = kind, num_classes, n
        self.gen = torch.Generator().manual_seed(seed)
        self.target = self._target()

    def _randn(self, *shape):
        import torch

        return torch.randn(*shape, generator=self.gen, dtype=torch.float64)

    def _target(self):
        import torch

        n, c, g = self.n, self.c, self.gen
        if self.kind == "class_logits":
            return torch.arange(n) % c
        if self.kind == "binary_logits":
            return (torch.arange(n) % 2).double()
        if self.kind == "multilabel_logits":
            return (torch.rand(n, 3, generator=g) < 0.5).double()
        if self.kind == "segmentation_logits":
            t = torch.randint(0, c, (n, 4, 4), generator=g)
            t[0] = 0  # an empty mask: every class but background absent from sample 0
            return t
        if self.kind in ("regression", "mean_logvar"):
            return self._randn(n)
        if self.kind == "log_mean":
            return torch.randint(1, 10, (n,), generator=g).double()
        if self.kind == "ctc":
            t = torch.randint(1, c, (n, 3), generator=g)
            t[0, 2] = -1
            return t
        if self.kind == "embedding_labels":
            return torch.arange(n) // 2
        if self.kind == "embedding_pairs":
            return torch.eye(n, max(n, 6), dtype=torch.float64)
        if self.kind == "multitask":
            return (self._randn(n), self._randn(n))
        return None  # parameters

    def perfect(self, scale: float = 4.0):
        """A perfect prediction; for logits, confident with margin 2·scale."""
        import torch
        import torch.nn.functional as F

        t, k = self.target, self.kind
        if k == "class_logits":
            return scale * (2 * F.one_hot(t, self.c).double() - 1)
        if k in ("binary_logits", "multilabel_logits"):
            return scale * (2 * t - 1)
        if k == "segmentation_logits":
            return scale * (2 * F.one_hot(t, self.c).permute(0, 3, 1, 2).double() - 1)
        if k == "regression":
            return t.clone()
        if k == "log_mean":
            return torch.log(t)
        if k == "mean_logvar":
            return torch.stack([t, torch.zeros_like(t)], dim=1)
        if k == "ctc":
            frames = torch.zeros(self.n, 8, dtype=torch.long)  # blanks between labels
            for i, row in enumerate(t):
                labels = [int(x) for x in row if x >= 0]
                for j, lab in enumerate(labels):
                    frames[i, 2 * j + 1] = lab
            return scale * (2 * F.one_hot(frames, self.c).double() - 1)
        if k == "embedding_labels":
            return F.one_hot(t, 8).double()
        if k == "embedding_pairs":
            return t.clone()
        if k == "multitask":
            return tuple(x.clone() for x in t)
        return [torch.zeros(5, dtype=torch.float64)]

    def random(self):
        p = self.perfect()
        if isinstance(p, tuple):
            return tuple(self._randn(*x.shape) for x in p)
        if isinstance(p, list):
            return [self._randn(*x.shape) for x in p]
        out = self._randn(*p.shape)
        if self.kind == "log_mean":
            out = out + p
        return out

    def worse(self) -> list[tuple[str, object]]:
        """Predictions that must not score below the perfect one."""
        import torch

        p, cases = self.perfect(), [("random", self.random())]
        if self.kind in LOGIT_KINDS:
            cases += [("uniform", torch.zeros_like(p)), ("confidently wrong", -p)]
        elif self.kind in ("regression", "log_mean"):
            cases += [("off by +0.5", p + 0.5), ("off by -0.5", p - 0.5)]
        elif self.kind == "mean_logvar":
            cases += [("mean off by 1", p + torch.tensor([1.0, 0.0], dtype=p.dtype))]
        elif self.kind == "embedding_labels":
            cases += [("collapsed", torch.ones_like(p))]
        elif self.kind == "embedding_pairs":
            cases += [("mismatched", torch.roll(p, 1, dims=0))]
        return cases

    def extremes(self) -> list[tuple[str, object]]:
        """Extreme predictions (float64; the caller casts)."""
        import torch

        cases = []
        for s in EXTREMES.get(self.kind, (50.0, 100.0)):
            if self.kind in LOGIT_KINDS:
                p = self.perfect(s)
                cases += [(f"logits ±{s:g}, confidently right", p), (f"logits ±{s:g}, confidently wrong", -p)]
            elif self.kind == "regression":
                cases += [(f"prediction {sign}{s:g}", sign_v * s * torch.ones(self.n, dtype=torch.float64))
                          for sign, sign_v in (("+", 1), ("-", -1))]
            elif self.kind == "log_mean":
                cases += [(f"log-mean {sign}{s:g}", sign_v * s * torch.ones(self.n, dtype=torch.float64))
                          for sign, sign_v in (("+", 1), ("-", -1))]
            elif self.kind == "mean_logvar":
                cases += [(f"log-variance {sign}{s:g}",
                           torch.stack([self.target, sign_v * s * torch.ones(self.n, dtype=torch.float64)], 1))
                          for sign, sign_v in (("+", 1), ("-", -1))]
            elif self.kind == "multitask":
                cases += [(f"predictions ±{s:g}", tuple(s * torch.ones_like(x) for x in self.target))]
            elif self.kind == "parameters":
                cases += [(f"weights ±{s:g}", [s * (2 * (torch.arange(5) % 2) - 1).double()])]
            else:
                p = self.perfect()
                cases += [(f"embeddings ×{s:g}", s * p)]
        return cases


def _num_classes(loss) -> int:
    for attr in ("weight", "counts", "priors", "alpha", "margins", "class_weights"):
        value = getattr(loss, attr, None)
        if isinstance(value, (list, tuple)):
            return len(value)
    return 3


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


def _call(loss: Callable, kind: str, output, target):
    return loss(output) if kind == "parameters" else loss(output, target)


def _value_and_grad(loss, kind, output, target, dtype):
    """Loss (summed to a scalar) and the gradient w.r.t. the prediction, in ``dtype``."""
    import torch

    out = _cast(output, dtype, grad=True)
    tgt = _cast(target, dtype) if kind in ("binary_logits", "multilabel_logits", "embedding_pairs",
                                          "regression", "log_mean", "mean_logvar", "multitask") else target
    value = _call(loss, kind, out, tgt)
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
        return _call(loss, maker.kind, out, maker.target).sum()

    try:
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

    from lossadvisor.losses import CTCLoss

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


def run_doctor(loss: Callable, inputs: str = "class_logits", target: str = "loss", seed: int = 0) -> DoctorReport:
    """Run every check on ``loss`` with inputs of kind ``inputs`` (or a task name).

    Raises DoctorCallError when the loss cannot be called on ordinary inputs at all.
    """
    import torch

    kind = TASK_INPUTS.get(inputs, inputs)
    maker = InputMaker(kind, _num_classes(loss), seed=seed)
    try:
        probe = _call(loss, kind, maker.random(), maker.target)
    except (Exception, SystemExit) as exc:
        raise DoctorCallError(f"cannot call {target} on {kind} inputs: {type(exc).__name__}: {exc}") from None
    if not isinstance(probe, torch.Tensor):
        raise DoctorCallError(f"{target} returned {type(probe).__name__}, not a tensor")
    checks = []
    for check, name in CHECKS.items():
        try:
            checks.append(check(loss, maker))
        except Exception as exc:
            checks.append(DoctorCheck(name, False, "error", f"{type(exc).__name__}: {exc}"))
    return DoctorReport(target, kind, checks)


def doctor_target(target: str, task: str | None = None, params: dict | None = None, seed: int = 0) -> DoctorReport:
    """Load a loss ('file.py:attr', 'module:attr' or a zoo name) and run the doctor on it."""
    loss, card_inputs = load_target(target, params)
    kind = task or card_inputs or "class_logits"
    if kind not in TASK_INPUTS and kind not in INPUT_KINDS:
        raise DoctorCallError(f"unknown task {kind!r}; choose one of {', '.join([*TASK_INPUTS, *INPUT_KINDS])}")
    return run_doctor(loss, kind, target, seed)
