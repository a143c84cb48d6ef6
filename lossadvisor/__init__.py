"""lossadvisor: measure the data, choose and configure the loss, prove it with trial fits.

The public Python API is imported lazily so that ``import lossadvisor`` stays cheap:

    >>> from lossadvisor import profile_table
    >>> profile = profile_table("sample_data/imbalanced_binary.csv", target="label")
    >>> profile.classes.imbalance_ratio
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {  # the public API, in pipeline order; docs/api.md and the README list the same names
    "load_dataset": ("lossadvisor.load", "load_dataset"),
    "LoadOptions": ("lossadvisor.load", "LoadOptions"),
    "profile_table": ("lossadvisor.profiling.measure", "profile_table"),
    "Profile": ("lossadvisor.profiling.profile", "Profile"),
    "Objectives": ("lossadvisor.advice.objectives", "Objectives"),
    "recommend": ("lossadvisor.advice.ranking", "recommend"),
    "build_loss": ("lossadvisor.losses.registry", "build_loss"),
    "get_card": ("lossadvisor.losses.cards", "get_card"),
    "list_losses": ("lossadvisor.losses.cards", "list_losses"),
    "check_profile": ("lossadvisor.checks.gate", "check_profile"),
    "Thresholds": ("lossadvisor.checks.outcome", "Thresholds"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'lossadvisor' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
