"""Sequential Monte Carlo over the noise levels: samples of what guidance promises, exactly, on a Gaussian mixture.

CFG and CG at weight w promise the tilted target p(x|c) p(c|x)^w; score scaling promises the tempered p(x|c)^(1+w).
Neither sampler reaches it: the DDIM/ancestral path follows the guided score, which is not the score of any
noised version of the target, and a Langevin corrector cannot move mass between far-apart modes. On a mixture we
know every noised density exactly, so we can anneal through the intermediate targets

    pi_lam(z) ∝ p_lam(z|c) p_lam(c|z)^w        (tilted: CFG, CG)     or     p_lam(z|c)^(1+w)   (tempered)

over the sampling grid lam_1 < ... < lam_T (schedule.sampling_grid) with particles:

    start   z ~ p_lam1(z|c) exactly (x ~ p(x|c), z = alpha x + sigma eps), weights pi_lam1 / p_lam1(z|c)
    level   log weight += log pi_lam'(z) - log pi_lam(z)                      (the same z: an annealed IS step)
            resample (systematic) when ESS < ess_threshold * N
            M MALA steps invariant for pi_lam': z* = z + h g(z) + sqrt(2h) xi, g = grad log pi_lam' (the guided
            score), accepted with the Metropolis-Hastings ratio; h adapts between levels toward ~60 % acceptance
    end     x = (z - sigma eps_hat) / alpha with eps_hat = -sigma g(z): the last level's clean estimate

The weights are what fix the share of each mode: Langevin moves only redistribute mass locally. Exact densities are
needed (learned networks give scores, not densities), so SMC takes exact scores only (`SMCError` otherwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from cfg_core.mixture import GaussianMixture
from cfg_core.schedule import Schedule, alpha_sigma

TARGETS = {"cfg": "tilted", "cg": "tilted", "none": "tilted", "scaled": "tempered"}  # method -> what it promises
MAX_MOVES = 200
MAX_LEVELS = 2000
_DT = torch.float64


class SMCError(ValueError):
    """SMC cannot sample this request (a method without a density target, a learned model), in one line."""


@dataclass(frozen=True)
class SMCConfig:
    """How the particles anneal: T levels, M MALA moves per level, resampling below ESS / N = ess_threshold."""

    steps: int = 100  # T levels (the sampling grid's); the lab uses 50
    moves: int = 5  # M MALA steps per level
    ess_threshold: float = 0.5  # resample when ESS < ess_threshold * N (1: every level; 0: never)
    step_scale: float = 1.0  # the first MALA step, in units of the level's smallest component variance

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or not 2 <= self.steps <= MAX_LEVELS:
            raise SMCError(f"SMC levels (steps) must be an integer in [2, {MAX_LEVELS}], got {self.steps!r}")
        if isinstance(self.moves, bool) or not isinstance(self.moves, int) or not 0 <= self.moves <= MAX_MOVES:
            raise SMCError(f"SMC moves per level must be an integer in [0, {MAX_MOVES}], got {self.moves!r}")
        if not (isinstance(self.ess_threshold, (int, float)) and math.isfinite(self.ess_threshold)
                and 0 <= self.ess_threshold <= 1):
            raise SMCError(f"ESS threshold must be a number in [0, 1], got {self.ess_threshold!r}")
        if not (math.isfinite(self.step_scale) and 0 < self.step_scale <= 10):
            raise SMCError(f"SMC step scale must be in (0, 10], got {self.step_scale!r}")


@dataclass(frozen=True)
class SMCResult:
    x: torch.Tensor  # [N, D] the final particles' clean estimates (equally weighted after the last resampling)
    trajectory: torch.Tensor  # [T + 1, N, D] the particles at every level (after resampling and moves), then x
    ess: list[float] = field(default_factory=list)  # [T] effective sample size / N at each level, before resampling
    resampled: list[bool] = field(default_factory=list)  # [T] whether that level resampled
    acceptance: list[float] = field(default_factory=list)  # [T] MALA acceptance rate at each level
    evaluations: int = 0  # exact (log density, score) evaluations of the N particles, the cost to compare

    @property
    def resampling_events(self) -> int:
        return sum(self.resampled)


def target_of(method: str) -> str:
    """'tilted' or 'tempered': the density a method promises; SMCError for a method that promises none."""
    if method not in TARGETS:
        raise SMCError(f"the smc sampler needs a method whose target is a density of the mixture "
                       f"({', '.join(sorted(TARGETS))}); {method!r} has none")
    return TARGETS[method]


def method_target(method: str, w: float) -> tuple[str, float]:
    """(kind, weight) of the density a method promises at w: 'none' is the tilted target at weight 0."""
    return target_of(method), 0.0 if method == "none" else w


class AnnealedTarget:
    """log pi_lam(z) and its gradient (the guided score) for one class c, weight w and kind."""

    def __init__(self, mix: GaussianMixture, c: int, w: float, kind: str = "tilted"):
        if kind not in ("tilted", "tempered"):
            raise SMCError(f"target must be tilted or tempered, got {kind!r}")
        if not (math.isfinite(w) and w >= 0):
            raise SMCError(f"w must be a finite number >= 0, got {w!r}")
        if not (isinstance(c, int) and 0 <= c < mix.num_classes):
            raise SMCError(f"label must be a class index in [0, {mix.num_classes - 1}], got {c!r}")
        self.mix, self.c, self.w, self.kind = mix, c, float(w), kind

    def log_density(self, z: torch.Tensor, lam: float) -> torch.Tensor:
        """Unnormalised log pi_lam(z).  # [N]"""
        log_cond = self.mix.log_prob(z, lam, self.c)
        if self.kind == "tempered":
            return (1 + self.w) * log_cond
        return log_cond + self.w * self.mix.log_posterior(z, lam)[:, self.c]

    def score(self, z: torch.Tensor, lam: float) -> torch.Tensor:
        """grad_z log pi_lam(z): (1 + w) s(z|c) - w s(z) (tilted) or (1 + w) s(z|c) (tempered).  # [N, D]"""
        cond = self.mix.score(z, lam, self.c)
        if self.kind == "tempered":
            return (1 + self.w) * cond
        return (1 + self.w) * cond - self.w * self.mix.score(z, lam, None)


def effective_sample_size(log_w: torch.Tensor) -> float:
    """ESS / N of normalised weights exp(log_w): 1 for equal weights, 1/N for one particle holding all."""
    w = torch.softmax(log_w, 0)
    return float(1.0 / (w.square().sum() * len(w)))


def systematic_resample(log_w: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Indices of N particles drawn by systematic resampling (one uniform; low variance).  # [N]"""
    n = len(log_w)
    w = torch.softmax(log_w, 0)
    u = (torch.rand(1, generator=generator, dtype=_DT) + torch.arange(n, dtype=_DT)) / n
    return torch.searchsorted(torch.cumsum(w, 0), u).clamp(max=n - 1)


def _mala(target: AnnealedTarget, z, logp, grad, lam, h, moves, generator):
    """M MALA steps invariant for pi_lam; returns z, its log density and score, acceptance rate, evaluations."""
    accepted, evaluations = 0.0, 0
    for _ in range(moves):
        noise = torch.randn(z.shape, generator=generator, dtype=_DT)
        prop = z + h * grad + math.sqrt(2 * h) * noise
        logp_p, grad_p = target.log_density(prop, lam), target.score(prop, lam)
        evaluations += 1
        fwd = -((prop - z - h * grad) ** 2).sum(1) / (4 * h)  # log q(prop | z), up to a constant
        bwd = -((z - prop - h * grad_p) ** 2).sum(1) / (4 * h)  # log q(z | prop)
        log_alpha = logp_p + bwd - logp - fwd
        u = torch.rand(len(z), generator=generator, dtype=_DT)
        accept = (torch.log(u) < log_alpha) & torch.isfinite(log_alpha)
        z = torch.where(accept[:, None], prop, z)
        logp = torch.where(accept, logp_p, logp)
        grad = torch.where(accept[:, None], grad_p, grad)
        accepted += float(accept.double().mean())
    return z, logp, grad, accepted / moves if moves else 1.0, evaluations


def smc_sample(mix: GaussianMixture, c: int, w: float, n: int, kind: str = "tilted",
               config: SMCConfig = SMCConfig(), schedule: Schedule = Schedule(),
               generator: torch.Generator | None = None) -> SMCResult:
    """n samples of the tilted (or tempered) target of class c at weight w by SMC over the sampling grid."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise SMCError(f"SMC needs n >= 2 particles, got {n!r}")
    target = AnnealedTarget(mix, c, w, kind)
    lams = schedule.sampling_grid(config.steps).tolist()
    alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lams[0], dtype=_DT)))
    x0 = mix.sample(n, c, generator)
    z = alpha * x0 + sigma * torch.randn(x0.shape, generator=generator, dtype=_DT)  # exactly p_lam1(z|c)
    logp = target.log_density(z, lams[0])
    log_w = logp - mix.log_prob(z, lams[0], c)  # pi_lam1 / p_lam1(z|c)
    grad = target.score(z, lams[0])
    evaluations = 1
    min_var = float(torch.linalg.eigvalsh(mix.covs).min())
    h_scale = config.step_scale
    zs, ess, resampled, acceptance = [], [], [], []
    for t, lam in enumerate(lams):
        if t > 0:
            logp_new = target.log_density(z, lam)
            log_w = log_w + logp_new - logp
            logp, grad = logp_new, target.score(z, lam)
            evaluations += 1
        ess.append(effective_sample_size(log_w))
        do_resample = ess[-1] < config.ess_threshold
        resampled.append(do_resample)
        if do_resample:
            idx = systematic_resample(log_w, generator)
            z, logp, grad = z[idx], logp[idx], grad[idx]
            log_w = torch.zeros(n, dtype=_DT)
        a, s = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=_DT)))
        h = h_scale * 0.5 * (a * a * min_var + s * s)  # the level's smallest local variance sets the step
        z, logp, grad, rate, evals = _mala(target, z, logp, grad, lam, h, config.moves, generator)
        evaluations += evals
        acceptance.append(rate)
        if config.moves:  # adapt toward ~60 % acceptance for the next level
            h_scale = h_scale * (1.3 if rate > 0.7 else 1 / 1.3 if rate < 0.45 else 1.0)
            h_scale = min(max(h_scale, 1e-4), 10.0)
        zs.append(z)
    if float(log_w.max() - log_w.min()) > 0:  # end equally weighted: what a histogram of samples can show
        idx = systematic_resample(log_w, generator)
        z, grad = z[idx], grad[idx]
        resampled[-1] = True
    a, s = (float(v) for v in alpha_sigma(torch.tensor(lams[-1], dtype=_DT)))
    x = (z + s * s * grad) / a  # x_hat = (z - sigma eps_hat) / alpha with eps_hat = -sigma * grad
    return SMCResult(x=x, trajectory=torch.stack(zs + [x]), ess=ess, resampled=resampled, acceptance=acceptance,
                     evaluations=evaluations)
