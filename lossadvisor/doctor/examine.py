"""The loss doctor: guide 6.3.10's debugging checklist, run on any loss callable.

Checks (collected, never stopping at the first failure):
1. finite-difference gradient check in float64 (torch.autograd.gradcheck) on small inputs;
2. finite values and gradients at extreme inputs (logits ±50 and ±100) in float32 and bfloat16;
3. the loss is smallest at a perfect prediction (vs uniform, random and confidently wrong ones);
4. invariance to batch size under 'mean' (the batch duplicated gives the same loss);
5. gradient scale compared with cross-entropy / MSE on the same inputs (a warning unless absurd).

Input contracts follow :data:`lossadvisor.losses.cards.INPUT_KINDS`. The inputs are made in
:mod:`lossadvisor.doctor.inputs`, the checks live in :mod:`lossadvisor.doctor.checklist`; this module
loads the target, runs the checks and reports.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

from lossadvisor.doctor.checklist import (
    CHECKS,
    DoctorCheck,
    call_loss,
)
from lossadvisor.doctor.inputs import DoctorCallError, InputMaker
from lossadvisor.doctor.probe import DEFAULT_TIMEOUT, CallTimeout, call_with_timeout, contract_check, infer_kinds
from lossadvisor.losses.cards import INPUT_KINDS, LOSS_CARDS, get_card
from lossadvisor.vocabulary import DOCTOR_SCHEMA_VERSION

TASK_INPUTS = {
    "binary": "binary_logits", "multiclass": "class_logits", "multilabel": "multilabel_logits",
    "segmentation": "segmentation_logits", "regression": "regression", "count": "log_mean",
    "multitarget": "multitask", "sequence": "ctc", "embedding": "embedding_labels",
}


@dataclass(frozen=True)
class DoctorReport:
    target: str
    inputs: str
    checks: list[DoctorCheck] = field(default_factory=list)
    reason: str = ""  # why these inputs: given with --task, the zoo card, or inferred by probe calls

    @property
    def passed(self) -> bool:
        return all(c.passed or c.level != "error" for c in self.checks)

    def to_dict(self) -> dict:
        return {"schema_version": DOCTOR_SCHEMA_VERSION, "target": self.target, "inputs": self.inputs,
                "reason": self.reason, "passed": self.passed, "checks": [asdict(c) for c in self.checks]}


# --- loading --------------------------------------------------------------------------

def load_target(target: str, params: dict | None = None) -> tuple[Callable, str | None]:
    """A loss callable from 'file.py:attr', 'module:attr' or a zoo name, and its card's input kind."""
    if ":" not in target:
        from lossadvisor.losses.registry import build_loss

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


def _num_classes(loss) -> int:
    for attr in ("weight", "counts", "priors", "alpha", "margins", "class_weights"):
        value = getattr(loss, attr, None)
        if isinstance(value, (list, tuple)):
            return len(value)
    return 3


def run_doctor(loss: Callable, inputs: str = "class_logits", target: str = "loss", seed: int = 0,
               timeout: float = DEFAULT_TIMEOUT) -> DoctorReport:
    """Run every check on ``loss`` with inputs of kind ``inputs`` (or a task name).

    Raises DoctorCallError when the loss cannot be called on ordinary inputs at all; a call that
    does not return within ``timeout`` seconds, or an output that is not a floating tensor, is a
    failed check.
    """
    kind = TASK_INPUTS.get(inputs, inputs)
    maker = InputMaker(kind, _num_classes(loss), seed=seed)
    try:
        probe = call_with_timeout(lambda: call_loss(loss, kind, maker.random(), maker.target), timeout)
    except CallTimeout as exc:
        return DoctorReport(target, kind, [DoctorCheck("returns within the time limit", False, "error", str(exc))])
    except (Exception, SystemExit) as exc:
        raise DoctorCallError(f"cannot call {target} on {kind} inputs: {type(exc).__name__}: {exc}") from None
    contract = contract_check(loss, probe)
    checks = [contract]
    if not contract.passed:
        return DoctorReport(target, kind, checks)
    for check, name in CHECKS.items():
        try:
            checks.append(call_with_timeout(lambda: check(loss, maker), timeout))
        except CallTimeout as exc:
            checks.append(DoctorCheck(name, False, "error", str(exc)))
        except Exception as exc:
            checks.append(DoctorCheck(name, False, "error", f"{type(exc).__name__}: {exc}"))
    return DoctorReport(target, kind, checks)


def doctor_target(target: str, task: str | None = None, params: dict | None = None, seed: int = 0,
                  timeout: float = DEFAULT_TIMEOUT) -> DoctorReport:
    """Load a loss ('file.py:attr', 'module:attr' or a zoo name) and run the doctor on it.

    Without a task (and no zoo card), the input kinds are inferred by probe calls (lossadvisor.doctor.probe).
    """
    loss, card_inputs = load_target(target, params)
    if task is None and card_inputs is None:
        return _doctor_inferred(loss, target, seed, timeout)
    kind = task or card_inputs
    if kind not in TASK_INPUTS and kind not in INPUT_KINDS:
        raise DoctorCallError(f"unknown task {kind!r}; choose one of {', '.join([*TASK_INPUTS, *INPUT_KINDS])}")
    reason = "given with --task" if task else "from the zoo card"
    return replace(run_doctor(loss, kind, target, seed, timeout), reason=reason)


def _doctor_inferred(loss: Callable, target: str, seed: int, timeout: float) -> DoctorReport:
    inference = infer_kinds(loss, target, _num_classes(loss), seed, timeout)
    reason = "inferred by probe calls: " + inference.reason
    if inference.contract is not None:
        return DoctorReport(target, inference.kinds[0], [inference.contract], reason)
    reports = [run_doctor(loss, kind, target, seed, timeout) for kind in inference.kinds]
    if len(reports) == 1:
        return replace(reports[0], reason=reason)
    checks = [replace(c, name=f"[{r.inputs}] {c.name}") for r in reports for c in r.checks]
    return DoctorReport(target, " + ".join(r.inputs for r in reports), checks, reason)
