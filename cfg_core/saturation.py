"""What strong guidance does to images, and three published fixes, as strategies around a guided eps.

At large w, CFG's x_hat = x_hat_c + w (x_hat_c - x_hat_u) overshoots: images saturate (too much ink, values pinned
at the clip). Each fix changes how the guided eps becomes the step's x_hat; at its neutral setting it IS the
strategy it wraps (tested):

    rescale    (Lin et al. 2023, "Common diffusion noise schedules are flawed", CFG-rescale; as diffusers'
               rescale_noise_cfg): eps_r = eps_hat * std(eps_c) / std(eps_hat) per sample,
               eps = phi eps_r + (1 - phi) eps_hat.                                   phi = 0: the inner strategy
    threshold  (Saharia et al. 2022, Imagen's dynamic thresholding): x_hat = (z - sigma eps_hat) / alpha,
               s = max(1, quantile_P(|x_hat|)) per sample, x_hat <- clip(x_hat, -s, s) / s,
               eps = (z - alpha x_hat) / sigma.                     |x_hat| <= 1 everywhere: the inner strategy
    apg        (Sadat et al. 2024, adaptive projected guidance): in x_hat space D = x_hat_c - x_hat_u, with momentum
               D <- D + beta D_prev, capped D <- D min(1, r / ||D||), split into D_par (along x_hat_c) and D_orth;
               x_hat = x_hat_c + w (D_orth + eta D_par).                  eta = 1, r = inf, beta = 0: exactly CFG
APG keeps its momentum between steps, so one ProjectedGuidance serves one sampling run (make_strategy builds a new
one per run). Norms and standard deviations are per sample, over every dimension but the first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from cfg_core.guidance import Weight, _eps, _labels
from cfg_core.schedule import alpha_sigma

DEFAULT_RESCALE_PHI = 0.7  # Lin et al.'s recommended phi
DEFAULT_THRESHOLD_P = 0.995  # Imagen's percentile
DEFAULT_APG = (0.0, 15.0, -0.5)  # APG's eta (parallel part kept), r (norm cap), beta (momentum): the paper's defaults


def _per_sample(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1)  # [N, D]


def _shape_like(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.reshape((x.shape[0],) + (1,) * (x.ndim - 1))  # [N] -> [N, 1, ...]


def _alpha_sigma(lam) -> tuple[float, float]:
    alpha, sigma = alpha_sigma(torch.as_tensor(float(lam), dtype=torch.float64))
    return float(alpha), float(sigma)


def check_fraction(v, what: str, lo: float, hi: float, lo_open: bool = False) -> float:
    """v as a float in [lo, hi] ((lo, hi] with lo_open), or ValueError with one line."""
    ok = (not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
          and (lo < v if lo_open else lo <= v) and v <= hi)
    if not ok:
        raise ValueError(f"{what} must be a number in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {v!r}")
    return float(v)


@dataclass(frozen=True)
class Rescaled:
    """CFG-rescale around a strategy: its eps_hat brought back to the std of eps(z, c), mixed by phi."""

    inner: object  # the guided strategy (CFG)
    eps_model: object  # the conditional model whose std eps_hat is brought back to
    label: int
    phi: float = DEFAULT_RESCALE_PHI

    def __post_init__(self) -> None:
        check_fraction(self.phi, "rescale phi", 0.0, 1.0)

    @property
    def w(self):
        return self.inner.w

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        guided = self.inner.eps_hat(z, lam)
        cond = _eps(self.eps_model, z, lam, _labels(z, self.label))
        ratio = _per_sample(cond).std(1) / _per_sample(guided).std(1).clamp_min(1e-12)  # [N]
        return self.phi * guided * _shape_like(ratio, z) + (1 - self.phi) * guided


@dataclass(frozen=True)
class Thresholded:
    """Dynamic thresholding around a strategy: x_hat clipped to its per-sample P-quantile s >= 1, divided by s."""

    inner: object
    percentile: float = DEFAULT_THRESHOLD_P

    def __post_init__(self) -> None:
        check_fraction(self.percentile, "threshold percentile P", 0.0, 1.0, lo_open=True)

    @property
    def w(self):
        return self.inner.w

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        alpha, sigma = _alpha_sigma(lam)
        x_hat = (z - sigma * self.inner.eps_hat(z, lam)) / alpha
        s = torch.quantile(_per_sample(x_hat).abs().float(), self.percentile, dim=1).to(z.dtype).clamp_min(1.0)
        s = _shape_like(s, z)
        x_hat = torch.maximum(torch.minimum(x_hat, s), -s) / s
        return (z - alpha * x_hat) / sigma


@dataclass(frozen=True)
class ProjectedGuidance:
    """APG: CFG's x_hat update with momentum, a norm cap and the part along x_hat_c scaled by eta."""

    eps_model: object
    label: int
    w: Weight
    eta: float = DEFAULT_APG[0]
    r: float = DEFAULT_APG[1]
    beta: float = DEFAULT_APG[2]
    _state: dict = field(default_factory=dict, compare=False, repr=False)  # the momentum D_prev of this run

    def __post_init__(self) -> None:
        check_fraction(self.eta, "APG eta", 0.0, 1.0)
        if isinstance(self.r, bool) or not isinstance(self.r, (int, float)) or not self.r > 0:
            raise ValueError(f"APG r (norm cap) must be a positive number (inf: no cap), got {self.r!r}")
        check_fraction(self.beta, "APG beta (momentum)", -1.0, 1.0)

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        n = z.shape[0]
        alpha, sigma = _alpha_sigma(lam)
        c = torch.cat([_labels(z, self.label), _labels(z, self.eps_model.num_classes)])  # [2N]
        eps_both = _eps(self.eps_model, torch.cat([z, z]), lam, c)
        x_c, x_u = ((z - sigma * eps_both[:n]) / alpha, (z - sigma * eps_both[n:]) / alpha)
        d = x_c - x_u
        previous = self._state.get("d")
        if previous is not None and previous.shape == d.shape:
            d = d + self.beta * previous
        self._state["d"] = d
        if math.isfinite(self.r):
            norm = _per_sample(d).norm(dim=1).clamp_min(1e-12)  # [N]
            d = d * _shape_like(torch.clamp(self.r / norm, max=1.0), z)
        flat_c = _per_sample(x_c)
        along = (_per_sample(d) * flat_c).sum(1) / (flat_c * flat_c).sum(1).clamp_min(1e-12)  # [N]
        d_par = _shape_like(along, z) * x_c
        x_hat = x_c + self.w * ((d - d_par) + self.eta * d_par)
        return (z - alpha * x_hat) / sigma
