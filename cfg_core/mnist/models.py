"""The library API for MNIST: load the four trained networks and draw guided samples.

    eps_hat per method (guidance.make_guidance), Algorithm 2 (samplers.sample) with x_hat clipped
    to [-1, 1]; outputs mapped from the model's [-1, 1] to display [0, 1]:  x01 = (x + 1) / 2.

Methods: any name of cfg_core.methods (cg guided by the noise-aware p_phi(c | z_lam, lam), cg_clean by
the classifier trained on clean digits only, auto by eps_weak: the same run's eps-network at 1/8 of its
steps). The judge is returned for grading, never used as a guide.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from cfg_core.checkpoint import CheckpointError, load_checkpoint, load_module
from cfg_core import methods
from cfg_core.samplers import SampleResult, SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule
from cfg_core.mnist.data import to_unit
from cfg_core.mnist.variants import resolve
from cfg_core.paths import MNIST_CHECKPOINT as DEFAULT_CHECKPOINT

MODULES = ("eps_model", "classifier_noisy", "classifier_clean", "judge")
SHAPE = (1, 28, 28)  # one digit as the networks see it


@dataclass(frozen=True)
class MnistModels:
    """The trained networks (eval mode) and the training record."""

    eps_model: torch.nn.Module  # eps_theta(z, lam, c), EMA weights
    classifier_noisy: torch.nn.Module  # p_phi(c | z_lam, lam), guide
    classifier_clean: torch.nn.Module  # p_phi(c | x), guide trained on clean digits only
    judge: torch.nn.Module  # grader, trained on the judge split
    record: dict  # model.json
    eps_weak: torch.nn.Module | None = None  # autoguidance's bad model (None in checkpoints made before it)


def load_mnist_models(checkpoint_dir: str | Path | None = None, device: str = "cpu") -> MnistModels:
    """Rebuild the four networks from a checkpoint (default: the shipped checkpoints/mnist/)."""
    from cfg_core.mnist.training import build_module

    directory = Path(checkpoint_dir) if checkpoint_dir is not None else DEFAULT_CHECKPOINT
    states, record = load_checkpoint(directory, required=MODULES)
    kwargs = record.get("modules")
    if not isinstance(kwargs, dict) or any(name not in kwargs for name in MODULES):
        raise CheckpointError(f"{directory}/model.json lacks the 'modules' constructor record; "
                              "it is not an MNIST checkpoint (train one with --dataset mnist)")
    nets = {}
    weak = ("eps_model_weak",) if "eps_model_weak" in states else ()
    for name in MODULES + weak:
        try:
            net = build_module(name, kwargs["eps_model" if name == "eps_model_weak" else name])
        except (TypeError, KeyError, ValueError) as err:
            raise CheckpointError(f"{directory}/model.json: bad constructor record for {name} ({err})") from None
        for p in load_module(net, states[name], f"{directory}:{name}").to(device).parameters():
            p.requires_grad_(False)
        nets[name] = net
    weak_net = nets.pop("eps_model_weak", None)
    return MnistModels(**nets, record=record, eps_weak=weak_net)


def check_label(label) -> int:
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= 9:
        raise ValueError(f"label must be a digit 0..9, got {label!r}")
    return label


def guidance_models(models: MnistModels) -> methods.GuidanceModels:
    """The networks a guidance strategy may use (the judge is not among them)."""
    return methods.GuidanceModels(models.eps_model, models.classifier_noisy, models.classifier_clean, models.eps_weak)


def sample_mnist(models: MnistModels, label: int, method: str, w: float, n: int, seed: int, steps: int = 50,
                 sampler: str = "ddim", classifier: str = "noisy", cg_base: str = "conditional",
                 noise_scale: float = 1.0, keep_trajectory: bool = True,
                 options: methods.GuidanceOptions = methods.GuidanceOptions(),
                 on_step: Callable[[int, torch.Tensor], None] | None = None) -> SampleResult:
    """n digits of class `label`: x [n, 28, 28] and trajectory [T+1, n, 28, 28], float32 in [0, 1].
    method: a registry name or a variant's (cfg_core.mnist.variants); options: the method's extras (a guidance
    interval, the saturation fixes' settings); on_step(t, x_hat [n, 28, 28] in [0, 1]) sees each step's clean
    estimate, t = 1..steps (the last one is x)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    name, options = resolve(methods.with_classifier(method, classifier), options)  # a variant name runs its method
    if name == "auto" and models.eps_weak is None:
        raise ValueError("autoguidance needs the weak eps-network (eps_model_weak), and this MNIST checkpoint "
                         "has none: retrain it with python -m cfg_core train --dataset mnist (it keeps one)")
    guidance = methods.make_strategy(name, guidance_models(models), check_label(label), w, cg_base, options=options)
    config = methods.get(name).sampler(SamplerConfig(kind=sampler, steps=steps, noise_scale=noise_scale, clip=1.0), w)
    device = next(models.eps_model.parameters()).device
    generator = torch.Generator().manual_seed(int(seed))
    z = initial_noise(n, SHAPE, generator).to(device)  # [n, 1, 28, 28]
    see = None if on_step is None else lambda step: on_step(step.index + 1,
                                                          to_unit(step.x_hat[:, 0].detach().float().cpu()))
    result = sample(guidance, z, Schedule(), config, generator if device.type == "cpu" else None,
                    keep_trajectory, on_step=see)
    return SampleResult(x=to_unit(result.x[..., 0, :, :].float().cpu()),
                        trajectory=to_unit(result.trajectory[..., 0, :, :].float().cpu()))
