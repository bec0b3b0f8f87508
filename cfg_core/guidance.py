"""Guidance strategies: how eps_hat is formed from an eps-model (and a classifier) at each step.

Every strategy at weight w aims at the same target p(x|c) p(c|x)^w (w = 0: plain conditional):
    none         eps_hat = eps(z, c)
    cfg          eps_hat = (1 + w) eps(z, c) - w eps(z)                     (Ho & Salimans, eq. 6)
    cg, conditional base    eps_hat = eps(z, c) - w sigma grad_z log p_phi(c|z)   (Dhariwal & Nichol)
    cg, unconditional base  eps_hat = eps(z) - (w + 1) sigma grad_z log p_phi(c|z)
        since p(z|c) p(c|z)^w = p(z) p(c|z)^(w+1): the weight w+1 on an unconditional model
    scaled       eps_hat = (1 + w) eps(z, c): the naive "temperature" baseline (score times 1 + w)

Which strategy a method name means (and how it is titled, drawn and sampled) is cfg_core.methods' one
registry; this module only holds the strategies. w may be a float or a column [N, 1] (one w per row).

Interfaces (small on purpose, so the sampler never sees a concrete network):
    eps_model(z [N, ...], lam [N], c [N] long) -> eps [N, ...]; c == eps_model.num_classes is the null token
    classifier(z [N, ...], lam [N]) -> logits [N, C] of p_phi(c | z_lam)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from cfg_core.schedule import alpha_sigma

MAX_W = 100.0  # beyond this every method has long collapsed onto a point; a typo more likely
CG_BASES = ("conditional", "unconditional")
Weight = float | torch.Tensor  # one w, or a column [N, 1]: row i of a batch guided with w[i] (the lab's w grid)


def check_w(w, max_w: float = MAX_W) -> Weight:
    """The guidance weight as a float (or a checked column tensor [N, 1]), or ValueError saying what is allowed."""
    if isinstance(w, torch.Tensor):
        if w.ndim != 2 or w.shape[1] != 1 or not bool(torch.isfinite(w).all()) or not (
                (w >= 0).all() and (w <= max_w).all()):
            raise ValueError(f"a batch of w must be a finite column [N, 1] with values in [0, {max_w:g}]")
        return w
    if isinstance(w, bool) or not isinstance(w, (int, float)):
        raise ValueError(f"w must be a number, got {w!r}")
    if not math.isfinite(w) or not 0 <= w <= max_w:
        raise ValueError(f"w must be a finite number in [0, {max_w:g}] (w = 0 is no guidance), got {w}")
    return float(w)


def _labels(z: torch.Tensor, c: int) -> torch.Tensor:
    return torch.full((z.shape[0],), int(c), dtype=torch.long, device=z.device)


def _lams(z: torch.Tensor, lam) -> torch.Tensor:
    return torch.full((z.shape[0],), float(lam), dtype=z.dtype, device=z.device)


def _eps(eps_model, z: torch.Tensor, lam, c: torch.Tensor) -> torch.Tensor:
    return eps_model(z, _lams(z, lam), c).to(z.dtype)


def classifier_grad(classifier, z: torch.Tensor, lam, label: int) -> torch.Tensor:
    """grad_z log p_phi(c | z_lam) by autograd (p_phi given as logits).  # like z"""
    with torch.enable_grad():
        zg = z.detach().requires_grad_(True)
        log_p = torch.log_softmax(classifier(zg, _lams(zg, lam)), dim=-1)[:, int(label)]  # [N]
        (grad,) = torch.autograd.grad(log_p.sum(), zg)
    return grad.to(z.dtype)


@dataclass(frozen=True)
class NoGuidance:
    """The plain conditional model eps(z, c): the target p(x|c)."""

    eps_model: object
    label: int

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        return _eps(self.eps_model, z, lam, _labels(z, self.label))


@dataclass(frozen=True)
class ClassifierFree:
    """CFG: (1 + w) eps(z, c) - w eps(z), conditional and null label in ONE batched pass."""

    eps_model: object
    label: int
    w: Weight

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        n = z.shape[0]
        c = torch.cat([_labels(z, self.label), _labels(z, self.eps_model.num_classes)])  # [2N]
        eps_both = _eps(self.eps_model, torch.cat([z, z]), lam, c)  # [2N, ...]
        eps_c, eps_u = eps_both[:n], eps_both[n:]
        return (1 + self.w) * eps_c - self.w * eps_u


@dataclass(frozen=True)
class ClassifierGuided:
    """CG: eps_base - k sigma grad log p_phi(c|z), k = w on a conditional base, w + 1 on an unconditional one."""

    eps_model: object
    classifier: object
    label: int
    w: Weight
    base: str = "conditional"

    def __post_init__(self) -> None:
        if self.base not in CG_BASES:
            raise ValueError(f"cg base must be one of {', '.join(CG_BASES)}, got {self.base!r}")

    @property
    def classifier_scale(self) -> float:
        """guided-diffusion's classifier_scale for this w: w (conditional base) or w + 1 (unconditional)."""
        return self.w if self.base == "conditional" else self.w + 1

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        base_label = self.label if self.base == "conditional" else self.eps_model.num_classes
        eps_base = _eps(self.eps_model, z, lam, _labels(z, base_label))
        _, sigma = alpha_sigma(torch.as_tensor(float(lam), dtype=torch.float64))
        grad = classifier_grad(self.classifier, z, lam, self.label)
        return eps_base - self.classifier_scale * float(sigma) * grad


@dataclass(frozen=True)
class ScoreScaled:
    """Naive baseline: eps_hat = (1 + w) eps(z, c), the score times 1 + w at every noise level."""

    eps_model: object
    label: int
    w: Weight

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        return (1 + self.w) * _eps(self.eps_model, z, lam, _labels(z, self.label))
