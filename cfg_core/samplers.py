"""ONE sampling loop (Ho & Salimans, Algorithm 2), deterministic DDIM or ancestral, yielding every step.

For lam_1 < ... < lam_T (uniform u, schedule.sampling_grid) and z_1 ~ N(0, I):
    eps_hat = guidance.eps_hat(z, lam_t)
    x_hat   = (z - sigma_t eps_hat) / alpha_t                      (returned at the last step)
    ddim:   z' = alpha_t' x_hat + sigma_t' eps_hat
    ddpm:   z' ~ N(mu~(z, x_hat), tau^2 (sigma~^2_{t'|t})^(1-v) (sigma^2_{t|t'})^v)
            mu~ = e^(lam-lam') (alpha'/alpha) z + (1 - e^(lam-lam')) alpha' x_hat
            sigma~^2 = (1 - e^(lam-lam')) sigma'^2,   sigma^2_{t|t'} = (1 - e^(lam-lam')) sigma^2
    pc:     predictor = the DDIM step above of the (unguided) strategy, then a corrector at lam' (Bradley &
            Nakkiran 2024, "CFG is a predictor-corrector"): K Langevin steps on the corrector strategy's field,
            z <- z + h s(z) + sqrt(2h) xi,   s = -eps_hat'(z, lam') / sigma',
            h = step_scale * 0.5 (1 - e^(lam - lam')) sigma'^2
The paper uses v = 0.3 at 64x64; tau (noise_scale) = 1 is the normal sampler and tau < 1 is the
"reduced sampler noise" baseline. Guidance enters only through the strategy objects; a strategy with
split_eps (CFG++) defines x_hat with one eps and renoises the DDIM step with another.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from cfg_core.schedule import Schedule, alpha_sigma

SAMPLERS = ("ddim", "ddpm", "pc")
MAX_CORRECTOR_STEPS = 1000  # Langevin steps per level; 20 already reaches the tilted target
MAX_STEPS = 2000  # the paper's T goes to 1024; more only burns CPU


@dataclass(frozen=True)
class SamplerConfig:
    """How to integrate the reverse process."""

    kind: str = "ddim"  # "ddim" (deterministic) or "ddpm" (the paper's ancestral sampler)
    steps: int = 100  # T, number of model evaluations
    v: float = 0.3  # variance interpolation of the ancestral sampler (paper: 0.3 at 64x64)
    noise_scale: float = 1.0  # tau: multiplies the injected ancestral noise (1 = normal)
    clip: float | None = None  # clip x_hat to [-clip, clip] (images), None for 2D data
    corrector_steps: int = 1  # pc only: K Langevin steps at each level (K = 1 with w' = 2w ~ DDPM-CFG)
    corrector_step_scale: float = 1.0  # pc only: multiplies the Langevin step h
    # the batch is noise_groups equal groups of chains that share every noise draw (common random numbers): the lab
    # samples all its w at once from the same noise, so what differs between the groups is guidance alone
    noise_groups: int = 1

    def __post_init__(self) -> None:
        if self.kind not in SAMPLERS:
            raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {self.kind!r}")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or not 2 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be an integer in [2, {MAX_STEPS}], got {self.steps!r}")
        if not (math.isfinite(self.v) and 0 <= self.v <= 1):
            raise ValueError(f"v must be in [0, 1], got {self.v}")
        if not (math.isfinite(self.noise_scale) and 0 <= self.noise_scale <= 1):
            raise ValueError(f"noise scale tau must be in [0, 1] (1 = normal sampler), got {self.noise_scale}")
        k = self.corrector_steps
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= MAX_CORRECTOR_STEPS:
            raise ValueError(f"corrector steps K must be an integer in [0, {MAX_CORRECTOR_STEPS}], got {k!r}")
        if not (math.isfinite(self.corrector_step_scale) and 0 < self.corrector_step_scale <= 10):
            raise ValueError(f"corrector step scale must be in (0, 10], got {self.corrector_step_scale}")
        g = self.noise_groups
        if isinstance(g, bool) or not isinstance(g, int) or g < 1:
            raise ValueError(f"noise groups must be a positive integer, got {g!r}")


@dataclass(frozen=True)
class SamplerStep:
    """What one step of the loop saw and produced."""

    index: int  # t - 1, from 0 to T - 1
    lam: float  # log-SNR lam_t of z
    z: torch.Tensor  # [N, ...] the latent at lam_t
    eps_hat: torch.Tensor  # [N, ...] the guided eps prediction
    x_hat: torch.Tensor  # [N, ...] the implied clean estimate
    eps_renoise: torch.Tensor | None = None  # [N, ...] what DDIM adds back when it is not eps_hat (CFG++)


@dataclass(frozen=True)
class SampleResult:
    x: torch.Tensor  # [N, ...] final samples (x_hat of the last step)
    trajectory: torch.Tensor  # [T + 1, N, ...] z_1, ..., z_T, then x


def _noise(z: torch.Tensor, config: SamplerConfig, generator) -> torch.Tensor:
    """N(0, I) noise like z; with noise_groups = G the batch's G groups get the same draws.  # z's shape"""
    g = config.noise_groups
    if z.shape[0] % g:
        raise ValueError(f"a batch of {z.shape[0]} chains cannot be split into {g} noise groups")
    one = torch.randn((z.shape[0] // g, *z.shape[1:]), generator=generator, dtype=z.dtype, device=z.device)
    return one.repeat(g, *[1] * (z.dim() - 1)) if g > 1 else one


def _transition(z, x_hat, eps_hat, lam, lam_next, config: SamplerConfig, generator) -> torch.Tensor:
    alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
    alpha_n, sigma_n = (float(v) for v in alpha_sigma(torch.tensor(lam_next, dtype=torch.float64)))
    if config.kind in ("ddim", "pc"):  # pc: the predictor is the DDIM step
        return alpha_n * x_hat + sigma_n * eps_hat
    r = math.exp(lam - lam_next)  # e^(lam - lam') < 1
    mean = r * (alpha_n / alpha) * z + (1 - r) * alpha_n * x_hat
    var_post = (1 - r) * sigma_n**2  # sigma~^2_{lam'|lam}
    var_fwd = (1 - r) * sigma**2  # sigma^2_{lam|lam'}
    std = config.noise_scale * math.sqrt(var_post ** (1 - config.v) * var_fwd**config.v)
    return mean + std * _noise(z, config, generator)


def _correct(z, lam, lam_next, corrector, config: SamplerConfig, generator) -> torch.Tensor:
    """K Langevin steps at lam' on the corrector's field: z <- z - (h/sigma') eps_hat' + sqrt(2h) xi."""
    sigma_n = float(alpha_sigma(torch.tensor(lam_next, dtype=torch.float64))[1])
    h = config.corrector_step_scale * 0.5 * (1 - math.exp(lam - lam_next)) * sigma_n**2
    for _ in range(config.corrector_steps):
        with torch.no_grad():
            score = -corrector.eps_hat(z, lam_next) / sigma_n  # [N, ...] the guided score at lam'
        z = z + h * score + math.sqrt(2 * h) * _noise(z, config, generator)
    return z


def _eps_pair(guidance, z, lam) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(eps that defines x_hat, eps DDIM adds back or None when it is the same)."""
    if hasattr(guidance, "split_eps"):
        split = guidance.split_eps(z, lam)
        return split.x, split.renoise
    return guidance.eps_hat(z, lam), None


def sample_steps(guidance, z: torch.Tensor, schedule: Schedule, config: SamplerConfig,
                 generator: torch.Generator | None = None, corrector=None) -> Iterator[SamplerStep]:
    """Run Algorithm 2 from z = z_1 at lam_min, yielding every step (an animation needs them all).

    For config.kind == "pc", `guidance` is the predictor's strategy and `corrector` the Langevin field's."""
    if (config.kind == "pc") != (corrector is not None):
        raise ValueError("the pc sampler needs a corrector strategy, and only pc takes one")
    lams = schedule.sampling_grid(config.steps).tolist()
    for t, lam in enumerate(lams):
        alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
        with torch.no_grad():
            eps_hat, eps_renoise = _eps_pair(guidance, z, lam)
        x_hat = (z - sigma * eps_hat) / alpha
        if config.clip is not None:
            x_hat = x_hat.clamp(-config.clip, config.clip)
            eps_hat = (z - alpha * x_hat) / sigma  # keep DDIM consistent with the clipped x_hat
        yield SamplerStep(t, lam, z, eps_hat, x_hat, eps_renoise)
        if t + 1 < len(lams):
            renoise = eps_hat if eps_renoise is None else eps_renoise
            z = _transition(z, x_hat, renoise, lam, lams[t + 1], config, generator)
            if config.kind == "pc":
                z = _correct(z, lam, lams[t + 1], corrector, config, generator)


def initial_noise(n: int, shape: tuple[int, ...], generator: torch.Generator | None = None,
                  dtype=torch.float32) -> torch.Tensor:
    """z_1 ~ N(0, I) at lam_min.  # [n, *shape]"""
    return torch.randn((n, *shape), generator=generator, dtype=dtype)


def sample(guidance, z: torch.Tensor, schedule: Schedule, config: SamplerConfig,
           generator: torch.Generator | None = None, keep_trajectory: bool = True,
           corrector=None, on_step: Callable[[SamplerStep], None] | None = None) -> SampleResult:
    """Run the loop to the end; the trajectory holds z_1..z_T and the final x.  # [T+1, N, ...]
    on_step, if given, sees every step as it is made (the app shows x_hat while a grid is sampled)."""
    zs, x = [], None
    for step in sample_steps(guidance, z, schedule, config, generator, corrector):
        if on_step is not None:
            on_step(step)
        if keep_trajectory:
            zs.append(step.z)
        x = step.x_hat
    traj = torch.stack(zs + [x]) if keep_trajectory else x[None]
    return SampleResult(x=x, trajectory=traj)
