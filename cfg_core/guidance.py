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
And CFG against a rescaled unconditional eps:
    cfg_zero     eps_c + w (eps_c - s* eps_u), s* = <eps_c, eps_u> / |eps_u|^2 per sample   (Fan et al. 2025, CFG-Zero*)

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

from cfg_core.schedule import Schedule, alpha_sigma

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


def _rows(v: Weight | torch.Tensor, x: torch.Tensor):
    """A float as is; a per-row tensor ([N] or a column [N, 1]) as [N, 1, ...] to broadcast against x [N, ...]."""
    return v.reshape((x.shape[0],) + (1,) * (x.ndim - 1)) if isinstance(v, torch.Tensor) else v


def optimal_scale(eps_c: torch.Tensor, eps_u: torch.Tensor) -> torch.Tensor:
    """CFG-Zero*'s s* = <eps_c, eps_u> / |eps_u|^2 per sample, over every dimension but the first.  # [N]

    s* eps_u is the projection of eps_c on eps_u. Guard: |eps_u|^2 is floored at the dtype's smallest normal
    number, so eps_u = 0 gives s* = 0 (there is nothing to project on; s* eps_u = 0 whatever s* is) instead of
    0/0. The paper's code adds 1e-8 to |eps_u|^2 instead: the same to a relative 1e-8 / |eps_u|^2."""
    c, u = eps_c.reshape(eps_c.shape[0], -1), eps_u.reshape(eps_u.shape[0], -1)  # [N, D]
    norm2 = (u * u).sum(1)  # [N]
    return (c * u).sum(1) / norm2.clamp_min(torch.finfo(norm2.dtype).tiny)  # [N]


def zero_velocity_eps(z: torch.Tensor, lam) -> torch.Tensor:
    """The eps whose flow-matching velocity is 0: eps_hat = x_hat = z / (alpha + sigma).  # like z

    Flow matching's x_t = (1 - t) x + t eps is our z rescaled, x_t = z / (alpha + sigma) at the same SNR, and its
    velocity is v = eps - x; v = 0 means eps_hat = x_hat, i.e. z = (alpha + sigma) eps_hat. A DDIM step is an
    Euler step of that ODE, so with this eps it gives z' = z (alpha' + sigma') / (alpha + sigma): x_t stays put."""
    alpha, sigma = (float(v) for v in alpha_sigma(torch.as_tensor(float(lam), dtype=torch.float64)))
    return z / (alpha + sigma)


def first_steps_lam(steps: int, k: int, schedule: Schedule = Schedule()) -> float:
    """The log-SNR of step k of a `steps`-step grid: zero_init_lam = this zeroes exactly the first k steps."""
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= steps:
        raise ValueError(f"zero-init steps must be an integer in [0, {steps}], got {k!r}")
    return -math.inf if k == 0 else float(schedule.sampling_grid(steps)[k - 1])


@dataclass(frozen=True)
class CFGZeroStar:
    """CFG-Zero* (Fan et al. 2025): CFG against the unconditional eps scaled by s*, per sample.

        s*      = <eps_c, eps_u> / |eps_u|^2                        (optimal_scale, per sample)
        eps_hat = s* eps_u + (1 + w)(eps_c - s* eps_u) = eps_c + w (eps_c - s* eps_u)
    (the paper's v = (1 - g) s* v_u + g v_c with its scale g = 1 + w). w = 0: eps_c exactly; s* = 1: CFG; eps_c
    parallel to eps_u: s* eps_u = eps_c, so eps_hat = eps_c at every w. Linear in w (s* does not depend on w),
    so a weight schedule can wrap it; w may be a column [N, 1], also for images [N, C, H, W].

    Zero-init (optional, off by default): the paper zeroes the flow-matching velocity for the first few ODE
    steps. Here a step at lam <= zero_init_lam returns zero_velocity_eps(z, lam) = z / (alpha + sigma), which is
    that zero velocity in eps terms (not eps_hat = 0: that would freeze z / alpha, a different latent). With DDIM
    this is the paper's rule exactly (x_t = z / (alpha + sigma) does not move); ddpm feeds the same x_hat to its
    ancestral step; a pc corrector at lam' <= zero_init_lam sees it too. The strategy sees lam, not the step
    index: first_steps_lam(T, k) gives the threshold that zeroes the first k of T steps. None: never.
    """

    eps_model: object
    label: int
    w: Weight
    zero_init_lam: float | None = None  # log-SNR at and below which the velocity is zeroed; None = no zero-init

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        if self.zero_init_lam is not None and float(lam) <= self.zero_init_lam:
            return zero_velocity_eps(z, lam)
        n = z.shape[0]
        c = torch.cat([_labels(z, self.label), _labels(z, self.eps_model.num_classes)])  # [2N]
        eps_both = _eps(self.eps_model, torch.cat([z, z]), lam, c)  # [2N, ...]
        eps_c, eps_u = eps_both[:n], eps_both[n:]
        s_eps_u = _rows(optimal_scale(eps_c, eps_u), eps_c) * eps_u  # [N, ...] the projection of eps_c on eps_u
        return eps_c + _rows(self.w, eps_c) * (eps_c - s_eps_u)


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
