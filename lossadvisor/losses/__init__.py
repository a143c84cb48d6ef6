"""The torch loss zoo and its registry.

``build_loss(name, **params)`` or ``build_loss({"loss": name, "params": {...}})`` returns a
configured ``torch.nn.Module``; the parameters and cards live (torch-free) in
:mod:`lossadvisor.loss_specs`. Input contracts per task are on each class and card.
"""

from lossadvisor.loss_specs import LOSS_CARDS, ParamError, UnknownLossError, get_card, list_losses, validate_params
from lossadvisor.losses.classification import *  # noqa: F401,F403
from lossadvisor.losses.combine import *  # noqa: F401,F403
from lossadvisor.losses.multilabel import *  # noqa: F401,F403
from lossadvisor.losses.regression import *  # noqa: F401,F403
from lossadvisor.losses.registry import LOSS_CLASSES, build_loss
from lossadvisor.losses.segmentation import *  # noqa: F401,F403
from lossadvisor.losses.structured import *  # noqa: F401,F403

__all__ = [
    "build_loss", "list_losses", "get_card", "validate_params", "LOSS_CARDS", "LOSS_CLASSES",
    "ParamError", "UnknownLossError",
    *(cls.__name__ for cls in LOSS_CLASSES.values()), "class_balanced_weights",
]
