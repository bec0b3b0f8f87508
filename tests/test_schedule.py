"""The VP schedule in log-SNR against its defining formulas."""
import math

import pytest
import torch

from cfg_core.schedule import Schedule, alpha_sigma, q_sample


def test_alpha_sigma_variance_preserving_and_log_snr():
    lam = torch.linspace(-15, 15, 61, dtype=torch.float64)
    alpha, sigma = alpha_sigma(lam)
    assert torch.allclose(alpha**2 + sigma**2, torch.ones_like(lam))
    assert torch.allclose(torch.log(alpha**2 / sigma**2), lam, atol=1e-9)


def test_lam_from_u_endpoints_and_monotone():
    s = Schedule()
    lam = s.lam_from_u(torch.linspace(0, 1, 101, dtype=torch.float64))
    assert lam[0].item() == pytest.approx(s.lam_max, abs=1e-9)
    assert lam[-1].item() == pytest.approx(s.lam_min, abs=1e-9)
    assert torch.all(lam[1:] < lam[:-1])


def test_training_density_is_truncated_hyperbolic_secant():
    """P(lam <= l) for u uniform equals (atan(e^{-lam_max/2}) ... ) closed form: check the CDF."""
    s = Schedule()
    lam = s.sample_lam(200_000, torch.Generator().manual_seed(0)).double()
    b = math.atan(math.exp(-s.lam_max / 2))
    a = math.atan(math.exp(-s.lam_min / 2)) - b
    for l in (-5.0, -1.0, 0.0, 2.0, 6.0):
        cdf = 1 - (math.atan(math.exp(-l / 2)) - b) / a  # P(lam <= l) = P(u >= u(l))
        assert (lam <= l).double().mean().item() == pytest.approx(cdf, abs=0.005)


def test_sampling_grid_runs_from_noise_to_data():
    grid = Schedule().sampling_grid(50)
    assert grid.shape == (50,) and torch.all(grid[1:] > grid[:-1])
    assert grid[0].item() == pytest.approx(-15) and grid[-1].item() == pytest.approx(15)
    with pytest.raises(ValueError, match="at least 2"):
        Schedule().sampling_grid(1)


def test_q_sample_moments():
    x = torch.full((100_000, 2), 2.0, dtype=torch.float64)
    lam = torch.zeros(100_000, dtype=torch.float64)
    z = q_sample(x, lam, torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    assert z.mean().item() == pytest.approx(2 * math.sqrt(0.5), abs=0.01)
    assert z.var().item() == pytest.approx(0.5, abs=0.01)


def test_bad_range_rejected():
    with pytest.raises(ValueError, match="lam_min < lam_max"):
        Schedule(lam_min=3, lam_max=1)
