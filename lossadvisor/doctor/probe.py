"""What does a loss take? Probe calls on small inputs of each kind, a time limit, and the output contract.

``doctor FILE.py:fn`` without ``--task`` calls the function on seeded inputs of each kind in
:data:`PROBE_KINDS`. A kind *fits* when the call returns. Binary logits and regression predictions
have the same shape ``(N,)``, and multilabel logits the same shape as a multi-output regression, so a
fitting call is told apart by where the loss is smallest: a logit loss is smaller at confident,
correct logits (±4) than at "prediction = target"; a regression loss is smallest at prediction =
target (guide 6.3.10: "the loss is smallest at a perfect prediction"). Parameter names (``logits``,
``pred``) are reported as evidence and settle a tie.

Every call runs in a worker thread joined with a timeout rather than in a subprocess: the loss, its
module and torch stay loaded once (a subprocess would re-import torch and the user's file, 1-2 s per
call, and pickle tensors both ways), and a hung call is abandoned in a daemon thread, which ends with
the process. The cost is that a runaway call keeps its thread busy until the process exits.
"""

from __future__ import annotations

import inspect
import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from lossadvisor.doctor.checklist import DoctorCheck, call_loss
from lossadvisor.doctor.inputs import DoctorCallError, InputMaker

CLASS_INDEX_KINDS = ("class_logits", "segmentation_logits")  # integer class targets: stricter evidence than floats
PROBE_KINDS = ("class_logits", "binary_logits", "regression", "segmentation_logits", "multilabel_logits")
DEFAULT_TIMEOUT = 30.0
CONTRACT = "returns a floating-point tensor"
_LOGIT_NAMES = ("logit", "logits", "scores")
_REGRESSION_NAMES = ("pred", "preds", "prediction", "predictions", "y_pred", "yhat", "y_hat")


class CallTimeout(Exception):
    """A call to the loss did not return within the time limit."""


def call_with_timeout(fn: Callable[[], Any], timeout: float, quiet: bool = False) -> Any:
    """``fn()`` in a daemon thread; its exception re-raised here, CallTimeout when it does not return in time.

    ``quiet`` silences the warnings of the call: probes feed deliberately mismatched shapes, and torch's
    broadcasting warnings about them are not the user's business.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            if quiet:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    box["value"] = fn()
            else:
                box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="lossadvisor-doctor-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise CallTimeout(f"did not return within {timeout:g} s (--timeout)")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@dataclass(frozen=True)
class Probe:
    """One probe call: did the loss return on this kind, and what."""

    kind: str
    returned: bool
    detail: str              # the first failure, or what it returned
    output_problem: str = ""  # set when it returned something that is not a floating tensor


@dataclass(frozen=True)
class Inference:
    """The kinds chosen for a loss and why."""

    kinds: tuple[str, ...]
    reason: str
    probes: tuple[Probe, ...]
    contract: DoctorCheck | None = None  # a failed output contract or a timeout: the doctor reports only this


def output_problem(value: Any, reduction_mean: bool) -> str:
    """Why a loss output breaks the contract ('' when it keeps it): floating tensor, scalar under 'mean'."""
    import torch

    if inspect.iscoroutine(value):
        value.close()  # never awaited: close it so Python does not warn on stderr
        return "returns a coroutine (an async def?), not a tensor"
    if not isinstance(value, torch.Tensor):
        return f"returns {type(value).__name__}, not a tensor"
    if not value.is_floating_point():
        return f"returns a {str(value.dtype).replace('torch.', '')} tensor; a loss must be floating-point to have gradients"
    if reduction_mean and value.numel() != 1:
        return f"returns shape {tuple(value.shape)} under reduction='mean'; expected a scalar"
    return ""


def reduction_is_mean(loss: Any) -> bool:
    """True when the loss says it averages: a module's ``reduction == 'mean'`` or a ``reduction='mean'`` default."""
    if getattr(loss, "reduction", None) == "mean":
        return True
    try:
        parameter = inspect.signature(loss).parameters.get("reduction")
    except (TypeError, ValueError):
        return False
    return parameter is not None and parameter.default == "mean"


def contract_check(loss: Any, output: Any) -> DoctorCheck:
    """The output contract as a doctor check (error level)."""
    problem = output_problem(output, reduction_is_mean(loss))
    if problem:
        return DoctorCheck(CONTRACT, False, "error", problem)
    shape = "a scalar" if output.numel() == 1 else f"shape {tuple(output.shape)} (the checks sum it)"
    return DoctorCheck(CONTRACT, True, "error", f"{str(output.dtype).replace('torch.', '')}, {shape}")


def _probe(loss: Any, kind: str, classes: int, seed: int, timeout: float) -> Probe:
    maker = InputMaker(kind, classes, seed=seed)
    try:
        value = call_with_timeout(lambda: call_loss(loss, kind, maker.random(), maker.target), timeout, quiet=True)
    except CallTimeout:
        raise
    except (Exception, SystemExit) as exc:
        lines = str(exc).strip().splitlines()
        return Probe(kind, False, f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "))
    problem = output_problem(value, reduction_is_mean(loss))
    return Probe(kind, True, "returned", problem)


def _smallest_at_logits(loss: Any, kind: str, classes: int, seed: int, timeout: float) -> bool | None:
    """For (N,)/(N, L) float targets: is the loss lower at confident right logits than at prediction = target?"""
    target = InputMaker(kind, classes, seed=seed).target
    try:
        at_logits = call_with_timeout(lambda: loss(4.0 * (2 * target - 1), target), timeout, quiet=True)
        at_target = call_with_timeout(lambda: loss(target.clone(), target), timeout, quiet=True)
        a, b = float(at_logits.detach().sum()), float(at_target.detach().sum())
    except CallTimeout:
        raise
    except Exception:  # a loss that fails on exact 0/1 predictions: the behaviour test decides nothing
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        return None
    return a < b


def _name_hint(loss: Any) -> tuple[str, str | None]:
    """The first parameter's name and what it suggests ('logits', 'regression' or None)."""
    forward = getattr(loss, "forward", None)  # an nn.Module's own parameters, not __call__(*args, **kwargs)
    try:
        names = [p.name for p in inspect.signature(forward if callable(forward) else loss).parameters.values()]
    except (TypeError, ValueError):
        return "", None
    first = names[0].lower() if names else ""
    if any(word in first for word in _LOGIT_NAMES):
        return first, "logits"
    if first in _REGRESSION_NAMES:
        return first, "regression"
    return first, None


def infer_kinds(loss: Any, label: str, classes: int = 3, seed: int = 0, timeout: float = DEFAULT_TIMEOUT) -> Inference:
    """The input kinds ``loss`` accepts, why, and the probes behind the choice.

    Raises DoctorCallError listing each kind tried and its first failure when none fits.
    """
    probes: list[Probe] = []
    for kind in PROBE_KINDS:
        try:
            probes.append(_probe(loss, kind, classes, seed, timeout))
        except CallTimeout as exc:
            check = DoctorCheck("returns within the time limit", False, "error", f"{kind} inputs: {exc}")
            return Inference((kind,), f"a probe call on {kind} inputs {exc}", tuple(probes), check)
    fitting = [p for p in probes if p.returned]
    if not fitting:
        tried = "; ".join(f"{p.kind}: {p.detail}" for p in probes)
        raise DoctorCallError(f"cannot tell what {label} takes: no input kind fits (tried {tried}); "
                              "name one with --task")
    broken = next((p for p in fitting if p.output_problem), None)
    if broken is not None:
        check = DoctorCheck(CONTRACT, False, "error", broken.output_problem)
        return Inference((broken.kind,), f"it accepts {broken.kind} inputs", tuple(probes), check)
    name, hint = _name_hint(loss)
    kinds, why = [], []
    takes_class_indices = any(p.kind in CLASS_INDEX_KINDS for p in fitting)
    for probe in fitting:
        if takes_class_indices and probe.kind in ("binary_logits", "multilabel_logits"):
            continue  # e.g. cross-entropy also returns on (N,) floats, reading them as one soft-labelled sample
        if probe.kind in ("binary_logits", "multilabel_logits", "regression"):
            logit_like = _logit_like(loss, probe.kind, classes, seed, timeout, hint)
            if (probe.kind == "regression") == logit_like:
                continue
        kinds.append(probe.kind)
    if not kinds:  # shapes fit but the behaviour test decided nothing: keep every fitting kind
        kinds = [p.kind for p in fitting]
    for kind in kinds:
        why.append(_why(kind, hint))
    refused = [p for p in probes if p.kind not in kinds]
    reason = "; ".join(why)
    if name:
        reason += f" (first parameter '{name}')"
    if refused:
        reason += "; not " + ", ".join(p.kind + f" ({_refusal(p, takes_class_indices)})" for p in refused)
    return Inference(tuple(kinds), reason, tuple(probes))


def _refusal(probe: Probe, takes_class_indices: bool) -> str:
    if not probe.returned:
        return probe.detail if len(probe.detail) <= 90 else probe.detail[:87] + "..."
    if takes_class_indices and probe.kind != "regression":
        return "it takes integer class targets"
    return "not smallest at a perfect prediction"


def _logit_like(loss, kind, classes, seed, timeout, hint) -> bool:
    decided = _smallest_at_logits(loss, "binary_logits" if kind == "regression" else kind, classes, seed, timeout)
    if decided is None:
        return hint != "regression"
    return decided


def _why(kind: str, hint: str | None) -> str:
    if kind in ("binary_logits", "multilabel_logits"):
        return f"{kind}: it returns on them and is smallest at confident correct logits"
    if kind == "regression":
        return "regression: it returns on (N,) predictions and is smallest at prediction = target"
    return f"{kind}: it returns on them"
