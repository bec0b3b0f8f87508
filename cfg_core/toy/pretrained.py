"""Saving and loading the 2D mixture models, and where the shipped ones live.

A mixture checkpoint records the mixture it was trained on, so a checkpoint can never be used with
a different mixture by mistake, and the constructor arguments of every network, so loading rebuilds
exactly what was trained. The shipped checkpoints (checkpoints/<preset>/) are made by
    python -m cfg_core train --dataset <preset> --out checkpoints/<preset>
"""
from __future__ import annotations

from pathlib import Path

import torch

from cfg_core.checkpoint import CheckpointError, load_checkpoint, load_module, save_checkpoint
from cfg_core.mixture import GaussianMixture
from cfg_core.toy.models import Classifier, EpsMLP
from cfg_core.toy.training import TrainedMixture
from cfg_core.paths import CHECKPOINT_ROOT

MODULES = ("eps_model", "classifier_noisy", "classifier_clean")
# what a record may ask the constructors for: anything else is a broken record, refused before allocating
LIMITS = {"num_classes": (1, 64), "dim": (2, 2), "hidden": (1, 4096), "depth": (0, 64), "lam_dim": (1, 1024)}


def default_checkpoint(dataset_name: str) -> Path:
    """The shipped checkpoint directory of a preset."""
    return CHECKPOINT_ROOT / dataset_name


def _eps_kwargs(e: EpsMLP) -> dict:
    return {"num_classes": e.num_classes, "dim": e.inp.in_features, "hidden": e.inp.out_features,
            "depth": len(e.blocks), "lam_dim": e.lam_dim}


def _kwargs(tm: TrainedMixture) -> dict:
    weak = {"eps_weak": _eps_kwargs(tm.eps_weak)} if tm.eps_weak is not None else {}
    return {"eps_model": _eps_kwargs(tm.eps_model), **weak,
            **{name: {"num_classes": m.num_classes, "dim": m.inp.in_features, "hidden": m.inp.out_features,
                      "depth": len(m.blocks), "lam_dim": m.lam_dim, "noise_aware": m.noise_aware}
               for name, m in (("classifier_noisy", tm.classifier_noisy), ("classifier_clean", tm.classifier_clean))}}


def save_trained_mixture(directory: str | Path, tm: TrainedMixture, mixture_spec: dict, extra: dict) -> Path:
    """Write the three networks and a record with the mixture, the constructors and `extra` (command, seed)."""
    record = {**tm.record, **extra, "mixture": mixture_spec, "modules": _kwargs(tm), "kind": "mixture"}
    modules = {"eps_model": tm.eps_model, "classifier_noisy": tm.classifier_noisy,
               "classifier_clean": tm.classifier_clean, **({"eps_weak": tm.eps_weak} if tm.eps_weak is not None else {})}
    return save_checkpoint(directory, modules, record)


def _same_mixture(spec: dict, mix: GaussianMixture) -> bool:
    if spec.get("classes") != list(mix.class_names) or len(spec.get("components", [])) != len(mix.weights):
        return False
    means = torch.tensor([c["mean"] for c in spec["components"]], dtype=torch.float64)
    covs = torch.tensor([c["cov"] for c in spec["components"]], dtype=torch.float64)
    return bool(torch.allclose(means, mix.means, atol=1e-6) and torch.allclose(covs, mix.covs, atol=1e-6))


def _checked_kwargs(kw, name: str) -> dict:
    """A module's constructor arguments from a record, each within LIMITS (ValueError otherwise)."""
    if not isinstance(kw, dict):
        raise ValueError(f"{name} must be an object of constructor arguments")
    for key, value in kw.items():
        if key == "noise_aware":
            if not isinstance(value, bool):
                raise ValueError(f"{name}.noise_aware must be true or false, got {value!r}")
            continue
        lo, hi = LIMITS.get(key, (None, None))
        if lo is None:
            raise ValueError(f"{name} has an unknown setting {key!r}")
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"{name}.{key} must be an integer in [{lo}, {hi}], got {str(value)[:40]}")
    return kw


def load_trained_mixture(directory: str | Path, mixture: GaussianMixture | None = None) -> TrainedMixture:
    """Rebuild the networks of a mixture checkpoint; CheckpointError if it is broken or for another mixture."""
    states, record = load_checkpoint(directory, MODULES)
    if record.get("kind") != "mixture" or "modules" not in record:
        raise CheckpointError(f"{directory} is not a 2D mixture checkpoint (kind={record.get('kind')!r})")
    if mixture is not None and not _same_mixture(record.get("mixture", {}), mixture):
        trained_on = record.get("mixture", {}).get("name")
        other = (f"a different mixture named {mixture.name!r} (its classes or components differ)"
                 if trained_on == mixture.name else repr(mixture.name))
        raise CheckpointError(f"{directory} was trained on mixture {trained_on!r}, not on {other}; "
                              "train one with python -m cfg_core train")
    try:
        kw = {name: _checked_kwargs(record["modules"][name], name) for name in MODULES}
        eps_model = EpsMLP(**kw["eps_model"])
        noisy, clean = Classifier(**kw["classifier_noisy"]), Classifier(**kw["classifier_clean"])
        has_weak = "eps_weak" in states and "eps_weak" in record["modules"]  # older checkpoints have none
        weak = EpsMLP(**_checked_kwargs(record["modules"]["eps_weak"], "eps_weak")) if has_weak else None
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{directory}/model.json has unusable module settings ({str(err)[:160]})") from None
    return TrainedMixture(load_module(eps_model, states["eps_model"], str(directory)),
                          load_module(noisy, states["classifier_noisy"], str(directory)),
                          load_module(clean, states["classifier_clean"], str(directory)), record,
                          load_module(weak, states["eps_weak"], str(directory)) if weak is not None else None)
