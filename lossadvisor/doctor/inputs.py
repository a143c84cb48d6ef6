"""Seeded small inputs for the loss doctor, one contract per input kind.

Input contracts follow :data:`lossadvisor.losses.cards.INPUT_KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lossadvisor.errors import LossAdvisorError
from lossadvisor.losses.cards import INPUT_KINDS

LOGIT_KINDS = ("class_logits", "binary_logits", "multilabel_logits", "segmentation_logits", "ctc")
EXTREMES = {"regression": (1e3, 1e4), "log_mean": (20.0, 30.0), "mean_logvar": (20.0, 30.0)}


class DoctorCallError(LossAdvisorError):
    """The doctor's target cannot be imported, constructed or called."""


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
