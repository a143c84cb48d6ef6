"""The torch-free loss cards and parameter validation."""

import inspect
import subprocess
import sys

import pytest

from lossadvisor.errors import LossAdvisorError
from lossadvisor.losses.cards import (CARD_TASKS, INPUT_KINDS, LOSS_CARDS, ParamError, UnknownLossError, get_card,
                                    list_losses, validate_params)

ISSUE_NAMES = """cross_entropy weighted_cross_entropy class_balanced focal logit_adjusted ldam poly1 label_smoothing gce
sce nce_rce bootstrap mae_classification bce weighted_bce asymmetric_multilabel soft_fbeta dice generalized_dice
dice_ce dice_focal tversky focal_tversky lovasz mse mae huber log_cosh quantile asymmetric_mse poisson tweedie
gaussian_nll ctc triplet contrastive info_nce composite uncertainty_weighted""".split()


def test_every_issue_name_has_a_card():
    assert set(ISSUE_NAMES) <= set(list_losses())
    assert {"l1_penalty", "l2_penalty", "elastic_net"} <= set(list_losses())


@pytest.mark.parametrize("name", list(LOSS_CARDS))
def test_card_is_complete(name):
    card = get_card(name)
    assert card.tasks and set(card.tasks) <= set(CARD_TASKS)
    assert card.inputs in INPUT_KINDS
    assert card.formula and card.purpose and card.pitfalls and card.source.startswith("guide 6.")
    validate_params(name, card.example)  # the example configuration is valid
    if card.torch_equivalent:
        card.torch_equivalent.format(**validate_params(name, card.example))


def test_bad_parameter_message_follows_the_template():
    with pytest.raises(ParamError) as err:
        validate_params("focal", {"gamma": -1})
    assert str(err.value) == "The 'gamma' parameter of focal must be a float in [0, inf). Got -1."
    assert isinstance(err.value, LossAdvisorError)


@pytest.mark.parametrize("name, params, expected", [
    ("gce", {"q": 0}, "The 'q' parameter of gce must be a float in (0, 1]. Got 0."),
    ("quantile", {"tau": 1.0}, "The 'tau' parameter of quantile must be a float in (0, 1). Got 1.0."),
    ("focal", {"reduction": "avg"}, "The 'reduction' parameter of focal must be one of 'mean', 'sum', 'none'. Got 'avg'."),
    ("ctc", {"zero_infinity": 1}, "The 'zero_infinity' parameter of ctc must be a bool. Got 1."),
    ("focal", {"alpha": 1.5}, "The 'alpha' parameter of focal must be a float in [0, 1] or a list of floats, "
                              "each in [0, inf) or None. Got 1.5."),
    ("class_balanced", {"counts": [10, 0]}, "The 'counts' parameter of class_balanced must be a list of floats, "
                                            "each in (0, inf). Got [10, 0]."),
])
def test_bad_parameters(name, params, expected):
    with pytest.raises(ParamError, match=None) as err:
        validate_params(name, params)
    assert str(err.value) == expected


def test_defaults_filled_and_numbers_coerced():
    assert validate_params("focal", {"gamma": 2}) == {"gamma": 2.0, "alpha": None, "ignore_index": -100,
                                                      "reduction": "mean"}
    assert validate_params("sce")["A"] == -4.0
    assert validate_params("focal_tversky")["gamma"] == pytest.approx(4 / 3)


def test_unknown_and_missing_parameters():
    with pytest.raises(ParamError, match="did you mean 'gamma'"):
        validate_params("focal", {"gama": 1})
    with pytest.raises(ParamError, match="'counts' parameter of ldam is required"):
        validate_params("ldam", {})


def test_unknown_loss_names_close_matches():
    with pytest.raises(UnknownLossError, match="did you mean 'focal'"):
        get_card("focall")


def test_composite_components_are_validated():
    with pytest.raises(ParamError, match="'gamma' parameter of focal"):
        validate_params("composite", {"components": [{"loss": "focal", "params": {"gamma": -1}}]})
    with pytest.raises(UnknownLossError):
        validate_params("composite", {"components": ["nope"]})


def test_module_defaults_match_the_cards():
    from lossadvisor.losses.registry import LOSS_CLASSES

    for name, cls in LOSS_CLASSES.items():
        if name in ("composite", "uncertainty_weighted"):
            continue
        signature = inspect.signature(cls.__init__)
        for spec in get_card(name).params:
            default = signature.parameters[spec.name].default
            if not spec.required:
                assert default == pytest.approx(spec.default) if isinstance(spec.default, float) else \
                    default == spec.default, (name, spec.name)


def test_specs_and_card_commands_do_not_import_torch():
    code = ("import sys, lossadvisor.losses.cards, lossadvisor.cli.losses_cmd; "
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)
