"""Guidance strategies: how eps_hat is formed from an eps-model (and a classifier) at each step.

Every strategy at weight w aims at the same target p(x|c) p(c|x)^w (w = 0: plain conditional):
    none         eps_hat = eps(z, c)
    cfg          eps_hat = (1 + w) eps(z, c) - w eps(z)                     (Ho & Salimans, eq. 6)
    cg, conditional base    eps_hat = eps(z, c) - w sigma grad_z log p_phi(c|z)   (Dhariwal & Nichol)
    cg, unconditional base  eps_hat = eps(z) - (w + 1) sigma grad_z log p_phi(c|z)
        since p(z|c) p(c|z)^w = p(z) p(c|z)^(w+1): the weight w+1 on an unconditional model
    scaled       eps_hat = (1 + w) eps(z, c): the naive "temperature" baseline (score times 1 + w)
"Guide with a bad model", one formula (1 + w) eps_good(z, c) - w eps_bad, of which CFG is the case eps_bad = eps(z):
    auto         eps_bad = a weaker *conditional* model eps_bad(z, c)       (Karras et al. 2024, autoguidance)
    icg          eps_bad = eps(z, c^), c^ uniform over the classes, drawn once per sample (Sadat et al. 2024)
And one that changes the step rather than eps_hat:
    cfgpp        x_hat from eps_u + l (eps_c - eps_u), l in [0, 1], renoised with eps_u   (Chung et al. 2024, CFG++)

Which strategy a method name means (and how it is titled, drawn and sampled) is cfg_core.methods' one
registry; this module only holds the strategies. w may be a float or a column [N, 1] (one w per row).

Interfaces (small on purpose, so the sampler never sees a concrete network):
    eps_model(z [N, ...], lam [N], c [N] long) -> eps [N, ...]; c == eps_model.num_classes is the null token
    classifier(z [N, ...], lam [N]) -> logits [N, C] of p_phi(c | z_lam)
    strategy.eps_hat(z, lam) -> eps_hat; a strategy whose DDIM step adds back a different eps than the one
    that defines x_hat (CFG++) also has split_eps(z, lam) -> SplitEps.
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


@dataclass(frozen=True)
class AutoGuidance:
    """Autoguidance: (1 + w) eps_good(z, c) - w eps_bad(z, c), the bad model a weaker conditional one."""

    eps_model: object  # the good model
    bad_model: object  # the bad model, same interface (its null label is never used)
    label: int
    w: Weight

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        c = _labels(z, self.label)
        return (1 + self.w) * _eps(self.eps_model, z, lam, c) - self.w * _eps(self.bad_model, z, lam, c)


def random_labels(n: int, num_classes: int, seed: int) -> torch.Tensor:
    """c^ for ICG: uniform over the classes, the same n draws for the same seed at every step.  # [n]"""
    return torch.randint(num_classes, (n,), generator=torch.Generator().manual_seed(int(seed)))


@dataclass(frozen=True)
class IndependentCondition:
    """ICG: (1 + w) eps(z, c) - w eps(z, c^), c^ a random class per sample (drawn once: fixed by seed and N)."""

    eps_model: object
    label: int
    w: Weight
    seed: int = 0  # seeds c^; the same seed and batch size give the same c^ at every step

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        n = z.shape[0]
        c_hat = random_labels(n, self.eps_model.num_classes, self.seed).to(z.device)  # [N]
        eps_both = _eps(self.eps_model, torch.cat([z, z]), lam, torch.cat([_labels(z, self.label), c_hat]))
        return (1 + self.w) * eps_both[:n] - self.w * eps_both[n:]


@dataclass(frozen=True)
class SplitEps:
    """The two eps of a step: `x` defines x_hat = (z - sigma eps_x)/alpha, `renoise` is what DDIM adds back."""

    x: torch.Tensor  # [N, ...]
    renoise: torch.Tensor  # [N, ...]


@dataclass(frozen=True)
class ClassifierFreePP:
    """CFG++: x_hat from eps_u + l (eps_c - eps_u), renoised with eps_u (a DDIM rule; l in [0, 1]).

    One DDIM step from lam to lam' of CFG++ equals a DDIM-CFG step with 1 + w_t = l / (1 - e^((lam - lam')/2)):
    the effective guidance grows as the steps shrink.
    """

    eps_model: object
    label: int
    cfgpp_lambda: float  # l, the interpolation weight towards eps_c

    def __post_init__(self) -> None:
        if not (isinstance(self.cfgpp_lambda, (int, float)) and 0 <= self.cfgpp_lambda <= 1):
            raise ValueError(f"CFG++ lambda must be in [0, 1], got {self.cfgpp_lambda!r}")

    def split_eps(self, z: torch.Tensor, lam) -> SplitEps:
        n = z.shape[0]
        c = torch.cat([_labels(z, self.label), _labels(z, self.eps_model.num_classes)])  # [2N]
        eps_both = _eps(self.eps_model, torch.cat([z, z]), lam, c)  # [2N, ...]
        eps_c, eps_u = eps_both[:n], eps_both[n:]
        return SplitEps(x=eps_u + self.cfgpp_lambda * (eps_c - eps_u), renoise=eps_u)

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        return self.split_eps(z, lam).x


def cfgpp_equivalent_w(cfgpp_lambda: float, lam: float, lam_next: float) -> float:
    """The DDIM-CFG weight w_t whose step lam -> lam' equals CFG++'s: 1 + w_t = l / (1 - e^((lam - lam')/2))."""
    return cfgpp_lambda / (1.0 - math.exp((lam - lam_next) / 2.0)) - 1.0


@dataclass(frozen=True)
class XHatGeometry:
    """Dieleman's picture of CFG at one step: the guided x_hat extrapolates from x_hat_u through x_hat_c."""

    x_c: torch.Tensor  # [N, ...] (z - sigma eps(z, c)) / alpha
    x_u: torch.Tensor  # [N, ...] (z - sigma eps(z)) / alpha
    x_guided: torch.Tensor  # [N, ...] x_c + w (x_c - x_u), the x_hat of CFG's step


def xhat_geometry(eps_model, label: int, w: Weight, z: torch.Tensor, lam: float) -> XHatGeometry:
    """x_hat_c, x_hat_u and the guided x_hat = x_hat_c + w (x_hat_c - x_hat_u) at latent z and log-SNR lam."""
    alpha, sigma = (float(v) for v in alpha_sigma(torch.as_tensor(float(lam), dtype=torch.float64)))
    x_c = (z - sigma * _eps(eps_model, z, lam, _labels(z, label))) / alpha
    x_u = (z - sigma * _eps(eps_model, z, lam, _labels(z, eps_model.num_classes))) / alpha
    return XHatGeometry(x_c, x_u, x_c + w * (x_c - x_u))
