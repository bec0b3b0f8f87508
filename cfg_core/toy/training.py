"""Training on a 2D mixture: the joint cond/uncond eps-network (Algorithm 1) and the two classifiers.

The losses are cfg_core.training's; this module draws the data and runs Adam. The data are any LabelledData:
an exact mixture (fresh samples every step) or a fixed set of labelled points (cfg_core.toy.points.Points,
minibatches drawn with replacement: "your own data").

Algorithm 1 (Ho & Salimans): (x, c) ~ data; c <- null with probability p_uncond; lam ~ schedule;
eps ~ N(0, I); z = alpha x + sigma eps; minimise || eps_theta(z, c) - eps ||^2. One network, both roles.
Noise-aware classifier (for CG): cross-entropy of p_phi(c | z_lam) on z from the same noising.
Clean classifier: cross-entropy on clean x only (the "ordinary" classifier the paper says fails as a guide).
Every step draws a fresh minibatch from the data; all randomness comes from one seeded generator.
estimate_seconds() times a few optimiser steps of each network and says how long train_mixture will take.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Protocol

import torch

from cfg_core.schedule import Schedule
from cfg_core.toy.models import Classifier, EpsMLP
from cfg_core.training import classifier_loss, eps_loss

MAX_TRAIN_STEPS = 200_000  # a 2D model converges in a few thousand; more is a typo
Progress = Callable[[str, int, int, float], None]  # (stage, step, total, loss)
ShouldStop = Callable[[], bool]  # asked before every optimiser step; True cancels the training
STAGES = ("eps_model", "classifier_noisy", "classifier_clean")  # the training order


class LabelledData(Protocol):
    """What training draws (x, c) from: a GaussianMixture or a Points set."""

    @property
    def num_classes(self) -> int: ...

    @property
    def dim(self) -> int: ...

    def sample_labelled(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x [n, dim] float64 and c [n] int64 in [0, num_classes)."""


class TrainingCancelled(Exception):
    """Raised by train_mixture when should_stop() said so (the user cancelled or went away)."""


@dataclass(frozen=True)
class MixtureTrainConfig:
    """Defaults: all three networks in well under 30 s on one CPU thread, learned samples at w = 0 within 2x the
    noise floor (scripts/bench/bench_core.py measures both). Most of the time is the eps-network's forward and
    backward, so its width and step count set the cost: 96 wide x 1500 steps is ~0.45x the old 128 x 2000 at the
    same quality (with lr 4e-3); the classifiers learn an easier task and get a narrower net."""

    steps: int = 1500  # eps-network optimiser steps
    classifier_steps: int = 500  # steps for each classifier
    batch_size: int = 512  # fresh samples per step
    lr: float = 4e-3  # Adam, cosine-decayed to zero (4e-3 beat 2e-3 at 1500 steps on the unseen mixtures)
    p_uncond: float = 0.1  # probability of the null label (paper: 0.1-0.2 about equal)
    hidden: int = 96  # eps-network MLP width
    depth: int = 3  # residual blocks in the eps-network
    classifier_hidden: int = 64  # classifier MLP width (two residual blocks)

    def __post_init__(self) -> None:
        for name in ("steps", "classifier_steps", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_TRAIN_STEPS:
                raise ValueError(f"{name} must be an integer in [1, {MAX_TRAIN_STEPS}], got {v!r}")
        if not (isinstance(self.p_uncond, (int, float)) and math.isfinite(self.p_uncond) and 0 < self.p_uncond < 1):
            raise ValueError(f"p_uncond must be in (0, 1) (paper: 0.1-0.2), got {self.p_uncond!r}")

    def stage_steps(self) -> dict[str, int]:
        """Optimiser steps of each network, in training order."""
        return {"eps_model": self.steps, "classifier_noisy": self.classifier_steps,
                "classifier_clean": self.classifier_steps}


@dataclass
class TrainedMixture:
    """The three networks trained on one mixture, and how they were made; eps_weak is autoguidance's weaker
    conditional model (half the width, an eighth of the steps; None in checkpoints made before it existed)."""

    eps_model: EpsMLP
    classifier_noisy: Classifier
    classifier_clean: Classifier
    record: dict
    eps_weak: EpsMLP | None = None


WEAK_WIDTH, WEAK_STEPS = 0.5, 0.125  # autoguidance's bad model (Karras et al. 2024): a smaller, shorter-trained one


def weak_config(cfg: MixtureTrainConfig) -> MixtureTrainConfig:
    """The weak eps-network's config: half the width, an eighth of the steps, otherwise the same."""
    return replace(cfg, hidden=max(4, int(cfg.hidden * WEAK_WIDTH)), steps=max(1, int(cfg.steps * WEAK_STEPS)))


def train_weak(data: LabelledData, cfg: MixtureTrainConfig, generator: torch.Generator,
               schedule: Schedule = Schedule(), progress: Progress | None = None,
               should_stop: ShouldStop | None = None) -> tuple[EpsMLP, dict]:
    """Autoguidance's bad model: the eps-network of weak_config(cfg) (same loss and data), and its record."""
    start, weak = time.perf_counter(), weak_config(cfg)
    stage = _stages(data, weak, generator, schedule)["eps_model"]
    losses = _fit(stage, weak.steps, "eps_weak", progress, should_stop)
    return stage.net.eval(), {"hidden": weak.hidden, "steps": weak.steps, "losses_every_50_steps": losses,
                              "seconds": round(time.perf_counter() - start, 2)}


@dataclass
class _Stage:
    """One network, its minibatch loss (fresh data and noise from the generator) and its optimiser."""

    net: torch.nn.Module
    loss_fn: Callable[[], torch.Tensor]
    opt: torch.optim.Optimizer

    def step(self) -> torch.Tensor:
        loss = self.loss_fn()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()


def _stages(data: LabelledData, cfg: MixtureTrainConfig, generator: torch.Generator,
            schedule: Schedule) -> dict[str, _Stage]:
    """The three networks (initial weights from the generator, global RNG untouched) with losses and Adam."""
    init_seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        eps_model = EpsMLP(data.num_classes, data.dim, cfg.hidden, cfg.depth)
        noisy = Classifier(data.num_classes, data.dim, cfg.classifier_hidden, noise_aware=True)
        clean = Classifier(data.num_classes, data.dim, cfg.classifier_hidden, noise_aware=False)

    def batch():  # fresh (x, c) from the data, drawn before the noise of each step
        return data.sample_labelled(cfg.batch_size, generator)

    losses = {"eps_model": lambda: eps_loss(eps_model, *batch(), cfg.p_uncond, schedule, generator),
              "classifier_noisy": lambda: classifier_loss(noisy, *batch(), True, schedule, generator),
              "classifier_clean": lambda: classifier_loss(clean, *batch(), False, schedule, generator)}
    nets = {"eps_model": eps_model, "classifier_noisy": noisy, "classifier_clean": clean}
    # fused Adam: one kernel for all parameters instead of ~10 small ops per tensor (same update rule)
    return {k: _Stage(nets[k], losses[k], torch.optim.Adam(nets[k].parameters(), lr=cfg.lr, fused=True))
            for k in STAGES}


def _fit(stage: _Stage, steps: int, name: str, progress: Progress | None,
         should_stop: ShouldStop | None = None) -> list[float]:
    """Adam with cosine decay; returns the loss every 50 steps (the training curve)."""
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(stage.opt, T_max=steps)  # lr -> 0 over the run
    curve, running = [], 0.0
    for step in range(steps):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"training cancelled at {name} step {step}/{steps}")
        running += float(stage.step())
        sched.step()
        if (step + 1) % 50 == 0 or step + 1 == steps:
            curve.append(running / (step % 50 + 1))
            running = 0.0
            if progress is not None:
                progress(name, step + 1, steps, curve[-1])
    return curve


def train_mixture(data: LabelledData, cfg: MixtureTrainConfig, generator: torch.Generator,
                  schedule: Schedule = Schedule(), progress: Progress | None = None,
                  should_stop: ShouldStop | None = None) -> TrainedMixture:
    """Train the eps-network and both classifiers; the record says what was done and how long it took.
    should_stop() is asked before every step; when it returns True, TrainingCancelled is raised."""
    start = time.perf_counter()
    stages = _stages(data, cfg, generator, schedule)
    losses, seconds = {}, {}
    for name, steps in cfg.stage_steps().items():
        t = time.perf_counter()
        losses[name] = _fit(stages[name], steps, name, progress, should_stop)
        seconds[name] = round(time.perf_counter() - t, 2)
    record = {"config": asdict(cfg), "schedule": asdict(schedule), "losses_every_50_steps": losses,
              "seconds": round(time.perf_counter() - start, 2), "stage_seconds": seconds,
              "torch_threads": torch.get_num_threads()}
    nets = {k: s.net.eval() for k, s in stages.items()}
    weak, record["eps_weak"] = train_weak(data, cfg, generator, schedule, progress, should_stop)  # after the rest:
    # the three networks are exactly what they were before the weak model existed (same seed, same draws)
    return TrainedMixture(nets["eps_model"], nets["classifier_noisy"], nets["classifier_clean"], record, weak)


def estimate_seconds(data: LabelledData, cfg: MixtureTrainConfig, probe_steps: int = 8,
                     schedule: Schedule = Schedule()) -> float:
    """Seconds train_mixture(data, cfg) will take in this process now: each network's optimiser step, timed
    over probe_steps steps (after one warm-up step) at the config's sizes and thread settings, times its
    step count. Costs about 3 (probe_steps + 1) steps; the global RNG is untouched."""
    stages = _stages(data, cfg, torch.Generator().manual_seed(0), schedule)
    total = 0.0
    for name, steps in cfg.stage_steps().items():
        stages[name].step()  # warm-up: the first step allocates Adam's state
        t = time.perf_counter()
        for _ in range(probe_steps):
            stages[name].step()
        total += (time.perf_counter() - t) / probe_steps * steps
    return total
