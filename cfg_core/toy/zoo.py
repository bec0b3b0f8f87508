"""What each guidance method samples on an exact mixture, as numbers: the guidance-zoo measurements.

Every number compares samples drawn with the exact eps (float64) to an exact answer:
    tilted_ratio        SW_2(samples, tilted target) / floor,  floor = SW_2 between two tilted-target sets of
                        the same size; the tilted target p(x|c) p(c|x)^w is sampled from a fine grid
    near_share          near_far, class A: the share of samples in the mode next to class B (x > -0.9)
    ring_stats          ring class: within-mode std (per axis, around each mode's sample mean, or around the
                        true mode centre) and the mean radius of the mode centres
    strip_share         two_squares, class 0: the share in the outer 20 % strip (x < -1.65, beyond included)
    outside_share       two_squares, class 0: the share outside the support [-2, -0.25] x [-1, 1]
scripts/experiments/zoo_table.py prints the docs/RESULTS.md table from these; tests/test_guidance_zoo.py checks smaller runs.
"""
from __future__ import annotations

import torch

from cfg_core import metrics
from cfg_core.mixture import GaussianMixture, grid_density
from cfg_core.mixture_json import load_mixture
from cfg_core.toy.sampling import SampleRequest, run_sample

NEAR_FAR_SPLIT = -0.9  # x between class A's far mode (-3, 0) and its near mode (1.2, 0)
SQUARE = (-2.0, -0.25, -1.0, 1.0)  # two_squares class 0's support: xmin, xmax, ymin, ymax
STRIP_EDGE = SQUARE[0] + 0.2 * (SQUARE[1] - SQUARE[0])  # x below this: the outer 20 % strip (-1.65)
GRID = 400  # cells per axis for exact tilted quantities


def exact_samples(dataset: str, label: int, method: str, w: float, **request) -> torch.Tensor:
    """Samples of one method on the exact mixture (request: any SampleRequest field).  # [n, 2]"""
    req = SampleRequest(label=label, method=method, w=w, score="exact", **request)
    return run_sample(load_mixture(dataset), None, req, keep_trajectory=False).x


def _tilted_grid(mix: GaussianMixture, label: int, w: float):
    return grid_density(lambda p: mix.tilted_log_density(p, label, w), mix.extent(), GRID)


def tilted_ratio(mix: GaussianMixture, x: torch.Tensor, label: int, w: float, seed: int = 0,
                 repeats: int = 3) -> tuple[float, float]:
    """(SW_2 of x to the tilted target, the floor: SW_2 between two tilted sets of len(x)), each over repeats."""
    gen = torch.Generator().manual_seed(seed)
    density = _tilted_grid(mix, label, w)
    dist = floor = 0.0
    for _ in range(repeats):
        ref, other = density.sample(len(x), gen), density.sample(len(x), gen)
        dist += metrics.sliced_wasserstein(x, ref, generator=gen) / repeats
        floor += metrics.sliced_wasserstein(other, ref, generator=gen) / repeats
    return dist, floor


def sample_distance(a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> float:
    """SW_2 between two sample sets."""
    return metrics.sliced_wasserstein(a, b, generator=torch.Generator().manual_seed(seed))


def near_share(x: torch.Tensor) -> float:
    """near_far class A: the share of samples in the near mode (x > -0.9)."""
    return float((x[:, 0] > NEAR_FAR_SPLIT).double().mean())


def tilted_near_share(mix: GaussianMixture, w: float) -> float:
    """The exact near-mode share of class A's tilted target p(x|A) p(A|x)^w (on the grid)."""
    d = _tilted_grid(mix, 0, w)
    mass = d.density * d.cell_area  # [H, W]
    return float(mass[:, d.xs > NEAR_FAR_SPLIT].sum())


def ring_stats(mix: GaussianMixture, x: torch.Tensor, label: int = 0, around: str = "sample") -> tuple[float, float]:
    """(within-mode std per axis, mean radius of the mode centres), samples assigned to the nearest true mode.

    around="sample": the spread around each cluster's own sample mean (its shape); around="true": around the
    true mode centre (shape plus any shift of the cluster)."""
    modes = mix.means[mix.component_class == label]  # [M, 2]
    nearest = torch.cdist(x.double(), modes).argmin(1)  # [n]
    sq, radii, count = 0.0, [], 0
    for k in range(len(modes)):
        xs = x[nearest == k].double()
        if len(xs) < 2:
            continue
        centre = xs.mean(0)
        sq += float(((xs - (centre if around == "sample" else modes[k])) ** 2).sum())
        count += len(xs)
        radii.append(float(centre.norm()))
    return (sq / (2 * count)) ** 0.5, sum(radii) / len(radii)


def strip_share(x: torch.Tensor) -> float:
    """two_squares class 0: the share of samples in the outer 20 % strip (x < -1.65, beyond the edge included)."""
    return float((x[:, 0] < STRIP_EDGE).double().mean())


def outside_share(x: torch.Tensor) -> float:
    """two_squares class 0: the share of samples outside the square [-2, -0.25] x [-1, 1]."""
    inside = (x[:, 0] >= SQUARE[0]) & (x[:, 0] <= SQUARE[1]) & (x[:, 1] >= SQUARE[2]) & (x[:, 1] <= SQUARE[3])
    return float((~inside).double().mean())


def tilted_strip_share(mix: GaussianMixture, w: float) -> float:
    """The exact outer-strip share of class 0's tilted target on two_squares (on the grid)."""
    d = _tilted_grid(mix, 0, w)
    mass = d.density * d.cell_area  # [H, W]
    return float(mass[:, d.xs < STRIP_EDGE].sum())
