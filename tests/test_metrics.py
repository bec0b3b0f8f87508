"""Metrics against closed-form answers."""
import math

import pytest
import torch

from cfg_core import metrics
from cfg_core.mixture_json import load_mixture


def _gauss(n, seed):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_sliced_wasserstein_of_a_translation():
    """Shifting a set by t gives SW_2 = |t| / sqrt(2) in 2D (E[(theta . t)^2] = |t|^2 / 2)."""
    a = _gauss(4000, 0)
    t = torch.tensor([1.2, -0.5], dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    assert metrics.sliced_wasserstein(a, a + t, n_proj=2000, generator=g) == pytest.approx(t.norm() / math.sqrt(2), rel=0.02)
    assert metrics.sliced_wasserstein(a, a, generator=g) == 0.0


def test_sliced_wasserstein_unequal_sizes_and_noise_floor():
    mix = load_mixture("three_gaussians")
    g = torch.Generator().manual_seed(2)
    floor = metrics.noise_floor(mix, 0, 1000, g)
    assert 0 < floor < 0.1
    far = mix.sample(500, 1, g)
    assert metrics.sliced_wasserstein(mix.sample(2000, 0, g), far, generator=g) > 10 * floor


def test_diversity_of_known_sets():
    assert metrics.diversity(torch.zeros(10, 2)) == 0.0
    two = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert metrics.diversity(two) == pytest.approx(5.0)
    # E|X - Y| for X, Y ~ N(0, I_2) is sqrt(pi)
    assert metrics.diversity(_gauss(3000, 3)) == pytest.approx(math.sqrt(math.pi), rel=0.03)


def test_mean_posterior_and_tilted_distance():
    mix = load_mixture("three_gaussians")
    g = torch.Generator().manual_seed(4)
    x = mix.sample(3000, 0, g)
    assert 0.8 < metrics.mean_posterior(mix, x, 0) < 0.95
    assert metrics.mean_posterior(mix, x, 1) < 0.1
    # exact class samples are at the floor of the w = 0 target, and far from a strongly tilted one
    assert metrics.tilted_distance(mix, x, 0, 0.0, g) < 0.1
    assert metrics.tilted_distance(mix, x, 0, 8.0, g) > 0.15  # measured 0.21; the floor is ~0.04
    rep = metrics.sample_report(mix, x, 0, 0.0, g)
    assert rep.distance_to_class < 0.1 and rep.mean_posterior == pytest.approx(metrics.mean_posterior(mix, x, 0))
