"""Guidance strategies: how eps_hat is formed from an eps-model (and a classifier) at each step.

Every strategy at weight w aims at the same target p(x|c) p(c|x)^w (w = 0: plain conditional):
    none         eps_hat = eps(z, c)
    cfg          eps_hat = (1 + w) eps(z, c) - w eps(z)                     (Ho & Salimans, eq. 6)
    cg, conditional base    eps_hat = eps(z, c) - w sigma grad_z log p_phi(c|z)   (Dhariwal & Nichol)
    cg, unconditional base  eps_hat = eps(z) - (w + 1) sigma grad_z log p_phi(c|z)
        since p(z|c) p(c|z)^w = p(z) p(c|z)^(w+1): the weight w+1 on an unconditional model
    scaled       eps_hat = (1 + w) eps(z, c): the naive "temperature" baseline (score times 1 + w)

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
METHODS = ("none", "cfg", "cg", "scaled")
CG_BASES = ("conditional", "unconditional")


def check_w(w) -> float:
    """The guidance weight as a float, or ValueError saying what is allowed."""
    if isinstance(w, bool) or not isinstance(w, (int, float)):
        raise ValueError(f"w must be a number, got {w!r}")
    if not math.isfinite(w) or not 0 <= w <= MAX_W:
        raise ValueError(f"w must be a finite number in [0, {MAX_W:g}] (w = 0 is no guidance), got {w}")
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
    w: float

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
    w: float
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
    w: float

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        return (1 + self.w) * _eps(self.eps_model, z, lam, _labels(z, self.label))


def make_guidance(method: str, eps_model, label: int, w: float = 0.0, classifier=None,
                  cg_base: str = "conditional"):
    """The strategy for a method name in METHODS (w validated by check_w)."""
    w = check_w(w)
    if method == "none":
        return NoGuidance(eps_model, label)
    if method == "cfg":
        return ClassifierFree(eps_model, label, w)
    if method == "scaled":
        return ScoreScaled(eps_model, label, w)
    if method == "cg":
        if classifier is None:
            raise ValueError("classifier guidance needs a classifier")
        return ClassifierGuided(eps_model, classifier, label, w, cg_base)
    raise ValueError(f"unknown guidance {method!r}; choose one of {', '.join(METHODS)}")
