"""Training on a 2D mixture: the joint cond/uncond eps-network (Algorithm 1) and the two classifiers.

The losses are cfg_core.training's; this module draws fresh data from the exact mixture and runs Adam.

Algorithm 1 (Ho & Salimans): (x, c) ~ data; c <- null with probability p_uncond; lam ~ schedule;
eps ~ N(0, I); z = alpha x + sigma eps; minimise || eps_theta(z, c) - eps ||^2. One network, both roles.
Noise-aware classifier (for CG): cross-entropy of p_phi(c | z_lam) on z from the same noising.
Clean classifier: cross-entropy on clean x only (the "ordinary" classifier the paper says fails as a guide).
Data are drawn afresh from the exact mixture every step; all randomness comes from one seeded generator.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch

from cfg_core.mixture import GaussianMixture
from cfg_core.schedule import Schedule
from cfg_core.toy.models import Classifier, EpsMLP
from cfg_core.training import classifier_loss, eps_loss

MAX_TRAIN_STEPS = 200_000  # a 2D model converges in a few thousand; more is a typo
Progress = Callable[[str, int, int, float], None]  # (stage, step, total, loss)
ShouldStop = Callable[[], bool]  # asked before every optimiser step; True cancels the training


class TrainingCancelled(Exception):
    """Raised by train_mixture when should_stop() said so (the user cancelled or went away)."""


@dataclass(frozen=True)
class MixtureTrainConfig:
    """Defaults: under 30 s for all three networks on 2 CPU cores, at the README's quality."""

    steps: int = 2000  # eps-network optimiser steps
    classifier_steps: int = 800  # steps for each classifier
    batch_size: int = 512  # fresh samples per step
    lr: float = 2e-3  # Adam, cosine-decayed to zero
    p_uncond: float = 0.1  # probability of the null label (paper: 0.1-0.2 about equal)
    hidden: int = 128  # MLP width
    depth: int = 3  # residual blocks in the eps-network

    def __post_init__(self) -> None:
        for name in ("steps", "classifier_steps", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_TRAIN_STEPS:
                raise ValueError(f"{name} must be an integer in [1, {MAX_TRAIN_STEPS}], got {v!r}")
        if not (isinstance(self.p_uncond, (int, float)) and math.isfinite(self.p_uncond) and 0 < self.p_uncond < 1):
            raise ValueError(f"p_uncond must be in (0, 1) (paper: 0.1-0.2), got {self.p_uncond!r}")


@dataclass
class TrainedMixture:
    """The three networks trained on one mixture, and how they were made."""

    eps_model: EpsMLP
    classifier_noisy: Classifier
    classifier_clean: Classifier
    record: dict


def _fit(net, loss_fn, steps: int, lr: float, stage: str, progress: Progress | None,
         should_stop: ShouldStop | None = None) -> list[float]:
    """Adam with cosine decay; returns the loss every 50 steps (the training curve)."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)  # lr -> 0 over the run
    curve, running = [], 0.0
    for step in range(steps):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"training cancelled at {stage} step {step}/{steps}")
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        running += float(loss.detach())
        if (step + 1) % 50 == 0 or step + 1 == steps:
            curve.append(running / (step % 50 + 1))
            running = 0.0
            if progress is not None:
                progress(stage, step + 1, steps, curve[-1])
    return curve


def train_mixture(mix: GaussianMixture, cfg: MixtureTrainConfig, generator: torch.Generator,
                  schedule: Schedule = Schedule(), progress: Progress | None = None,
                  should_stop: ShouldStop | None = None) -> TrainedMixture:
    """Train the eps-network and both classifiers; the record says what was done and how long it took.
    should_stop() is asked before every step; when it returns True, TrainingCancelled is raised."""
    start = time.perf_counter()
    init_seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):  # initial weights from the generator, global RNG untouched
        torch.manual_seed(init_seed)
        eps_model = EpsMLP(mix.num_classes, mix.dim, cfg.hidden, cfg.depth)
        noisy = Classifier(mix.num_classes, mix.dim, noise_aware=True)
        clean = Classifier(mix.num_classes, mix.dim, noise_aware=False)
    def batch():  # fresh (x, c) from the exact mixture, drawn before the noise of each step
        return mix.sample_labelled(cfg.batch_size, generator)

    losses = {
        "eps_model": _fit(eps_model, lambda: eps_loss(eps_model, *batch(), cfg.p_uncond, schedule, generator),
                          cfg.steps, cfg.lr, "eps_model", progress, should_stop),
        "classifier_noisy": _fit(noisy, lambda: classifier_loss(noisy, *batch(), True, schedule, generator),
                                 cfg.classifier_steps, cfg.lr, "classifier_noisy", progress, should_stop),
        "classifier_clean": _fit(clean, lambda: classifier_loss(clean, *batch(), False, schedule, generator),
                                 cfg.classifier_steps, cfg.lr, "classifier_clean", progress, should_stop),
    }
    record = {"config": asdict(cfg), "schedule": asdict(schedule), "losses_every_50_steps": losses,
              "seconds": round(time.perf_counter() - start, 2), "torch_threads": torch.get_num_threads()}
    return TrainedMixture(eps_model.eval(), noisy.eval(), clean.eval(), record)
