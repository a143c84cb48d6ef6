"""name → ready ``nn.Module``: one entry per card in :mod:`lossadvisor.losses.cards`."""

from __future__ import annotations

from typing import Any, Mapping

from torch import nn

from lossadvisor.losses.cards import LOSS_CARDS, ParamError, validate_params
from lossadvisor.losses import classification as cls
from lossadvisor.losses import combine, group, multilabel, regression, segmentation, structured

LOSS_CLASSES: dict[str, type[nn.Module]] = {
    module.name: module
    for module in (
        cls.CrossEntropyLoss, cls.WeightedCrossEntropyLoss, cls.ClassBalancedLoss, cls.FocalLoss,
        cls.LogitAdjustedLoss, cls.LDAMLoss, cls.Poly1Loss, cls.LabelSmoothingLoss, cls.GCELoss, cls.SCELoss,
        cls.NCERCELoss, cls.BootstrapLoss, cls.MAEClassificationLoss,
        group.GroupReweightedCrossEntropyLoss, group.GroupDROLoss,
        multilabel.BCELoss, multilabel.WeightedBCELoss, multilabel.AsymmetricMultilabelLoss,
        multilabel.SoftFBetaLoss,
        segmentation.DiceLoss, segmentation.GeneralizedDiceLoss, segmentation.DiceCELoss,
        segmentation.DiceFocalLoss, segmentation.TverskyLoss, segmentation.FocalTverskyLoss,
        segmentation.LovaszSoftmaxLoss,
        regression.MSELoss, regression.MAELoss, regression.HuberLoss, regression.LogCoshLoss,
        regression.QuantileLoss, regression.AsymmetricMSELoss, regression.PoissonLoss, regression.TweedieLoss,
        regression.GaussianNLLLoss,
        structured.CTCLoss, structured.TripletLoss, structured.ContrastiveLoss, structured.InfoNCELoss,
        combine.CompositeLoss, combine.UncertaintyWeightedLoss,
        combine.L1Penalty, combine.L2Penalty, combine.ElasticNetPenalty,
    )
}

assert set(LOSS_CLASSES) == set(LOSS_CARDS), set(LOSS_CLASSES) ^ set(LOSS_CARDS)


def build_loss(name_or_spec: str | Mapping[str, Any], **params: Any) -> nn.Module:
    """A configured loss module from a name and parameters, or from a spec dict.

    ``build_loss("focal", gamma=2)`` and ``build_loss({"loss": "focal", "params": {"gamma": 2}})``
    are the same; keyword arguments override the spec's params. Parameters are checked
    against the card (ParamError with the one message template).
    """
    if isinstance(name_or_spec, Mapping):
        spec = dict(name_or_spec)
        name = spec.pop("loss", spec.pop("name", None))
        merged = dict(spec.pop("params", None) or {})
        extra = set(spec) - {"weight", "rationale", "source", "id"}
        if name is None or extra:
            raise ParamError(f"a loss spec needs 'loss' and optional 'params'; got keys {sorted(name_or_spec)}")
        merged.update(params)
        params = merged
    else:
        name = name_or_spec
    checked = validate_params(name, params)
    if name == "composite":
        modules, weights, names = combine._build_components(name, checked["components"], build_loss,
                                                             checked["reduction"])
        return combine.CompositeLoss(modules, weights, names)
    if name == "uncertainty_weighted":
        modules, _, names = combine._build_components(name, checked["components"], build_loss,
                                                      checked["reduction"])
        return combine.UncertaintyWeightedLoss(modules, names, checked["init_log_var"])
    return LOSS_CLASSES[name](**checked)
