"""Sample-quality numbers for 2D mixtures, each against an exact answer.

    sliced_wasserstein(a, b)   SW_2 = sqrt(E_theta W_2^2(theta.a, theta.b)) over random directions theta
    noise_floor(...)           SW_2 between two independent exact sample sets of the same size: the
                               distance a perfect sampler would still show
    mean_posterior(x, c)       mean exact p(c | x) of samples (fidelity: how "class-like" they are)
    diversity(x)               mean pairwise Euclidean distance between samples
    tilted_distance(x, c, w)   SW_2 to samples of the exact tilted density p(x|c) p(c|x)^w on a grid
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from cfg_core.mixture import GaussianMixture, grid_density

DEFAULT_PROJECTIONS = 256  # random directions; SW's own Monte Carlo error is then ~1% of its value


def _directions(n_proj: int, dim: int, generator: torch.Generator | None) -> torch.Tensor:
    theta = torch.randn(n_proj, dim, generator=generator, dtype=torch.float64)
    return theta / theta.norm(dim=1, keepdim=True)  # [P, D]


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, n_proj: int = DEFAULT_PROJECTIONS,
                       generator: torch.Generator | None = None) -> float:
    """SW_2 between two sample sets (sizes may differ: quantiles are compared)."""
    a, b = a.reshape(len(a), -1).double(), b.reshape(len(b), -1).double()
    theta = _directions(n_proj, a.shape[1], generator)
    pa, pb = torch.sort(a @ theta.T, dim=0).values, torch.sort(b @ theta.T, dim=0).values  # [Na, P], [Nb, P]
    if len(pa) != len(pb):
        m = min(len(pa), len(pb))
        pa, pb = _quantiles(pa, m), _quantiles(pb, m)
    return float(((pa - pb) ** 2).mean().sqrt())


def _quantiles(sorted_proj: torch.Tensor, m: int) -> torch.Tensor:
    """m evenly spaced quantiles (linear interpolation) of each column of a sorted array.  # [m, P]"""
    pos = torch.linspace(0, len(sorted_proj) - 1, m, dtype=torch.float64)
    lo = pos.floor().long()
    hi = torch.clamp(lo + 1, max=len(sorted_proj) - 1)
    frac = (pos - lo)[:, None]
    return sorted_proj[lo] * (1 - frac) + sorted_proj[hi] * frac


def noise_floor(mix: GaussianMixture, c: int | None, n: int, generator: torch.Generator | None = None,
                repeats: int = 5, reference: torch.Tensor | None = None) -> float:
    """Mean SW_2 of a fresh exact sample set of size n to `reference` (or to a second fresh set)."""
    total = 0.0
    for _ in range(repeats):
        other = mix.sample(n, c, generator) if reference is None else reference
        total += sliced_wasserstein(mix.sample(n, c, generator), other, generator=generator)
    return total / repeats


def mean_posterior(mix: GaussianMixture, x: torch.Tensor, c: int) -> float:
    """Mean exact p(c | x) of clean samples."""
    return float(mix.posterior(x.double(), None)[:, int(c)].mean())


def diversity(x: torch.Tensor) -> float:
    """Mean pairwise Euclidean distance (0 when every sample is the same point)."""
    x = x.reshape(len(x), -1).double()
    n = len(x)
    return float(torch.cdist(x, x).sum() / (n * (n - 1))) if n > 1 else 0.0


def tilted_samples(mix: GaussianMixture, c: int, w: float, n: int, generator: torch.Generator | None = None,
                   resolution: int = 300) -> torch.Tensor:
    """n samples of the exact tilted density p(x|c) p(c|x)^w, drawn from a fine grid.  # [n, 2]"""
    density = grid_density(lambda p: mix.tilted_log_density(p, c, w), mix.extent(), resolution)
    return density.sample(n, generator)


def tilted_distance(mix: GaussianMixture, x: torch.Tensor, c: int, w: float,
                    generator: torch.Generator | None = None) -> float:
    """SW_2 from samples to the exact tilted target p(x|c) p(c|x)^w."""
    return sliced_wasserstein(x, tilted_samples(mix, c, w, max(len(x), 2000), generator), generator=generator)


@dataclass(frozen=True)
class SampleReport:
    """All the numbers the UI and the sweep show for one sample set."""

    mean_posterior: float  # exact p(c|x) averaged over samples
    diversity: float  # mean pairwise distance
    distance_to_class: float  # SW_2 to exact p(x|c) samples
    distance_to_tilted: float  # SW_2 to exact p(x|c) p(c|x)^w samples


def sample_report(mix: GaussianMixture, x: torch.Tensor, c: int, w: float,
                  generator: torch.Generator | None = None) -> SampleReport:
    """Every metric above for one set of class-c samples at guidance weight w."""
    ref = mix.sample(max(len(x), 2000), c, generator)
    return SampleReport(mean_posterior(mix, x, c), diversity(x),
                        sliced_wasserstein(x, ref, generator=generator), tilted_distance(mix, x, c, w, generator))
