"""Exact mixture maths against autograd, Bayes' rule, and numerical integration."""
import pytest
import torch

from cfg_core.mixture import grid_density
from cfg_core.mixture_json import PRESETS, load_mixture, load_mixture_file

LAMS = (-8.0, -1.0, 0.0, 2.5, 9.0, None)


@pytest.fixture(params=PRESETS)
def mix(request):
    return load_mixture(request.param)


def _z(n=64, seed=0):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2


@pytest.mark.parametrize("lam", LAMS)
def test_score_equals_autograd_of_log_prob(mix, lam):
    for c in [None, *range(mix.num_classes)]:
        z = _z().requires_grad_(True)
        (grad,) = torch.autograd.grad(mix.log_prob(z, lam, c).sum(), z)
        assert torch.allclose(mix.score(z.detach(), lam, c), grad, atol=1e-10)


@pytest.mark.parametrize("lam", [-3.0, 0.0, 4.0])
def test_eps_is_minus_sigma_score(mix, lam):
    sigma = torch.sigmoid(torch.tensor(-lam, dtype=torch.float64)).sqrt()
    z = _z()
    assert torch.allclose(mix.eps(z, lam, 0), -sigma * mix.score(z, lam, 0))


@pytest.mark.parametrize("lam", LAMS)
def test_posterior_is_bayes(mix, lam):
    z = _z()
    prior = mix.class_prior()
    log_joint = torch.stack([mix.log_prob(z, lam, c) + prior[c].log() for c in range(mix.num_classes)], 1)
    assert torch.allclose(mix.posterior(z, lam), torch.softmax(log_joint, 1), atol=1e-12)  # Bayes, in log space
    assert torch.allclose(mix.posterior(z, lam).sum(1), torch.ones(len(z), dtype=torch.float64))
    z.requires_grad_(True)
    (g,) = torch.autograd.grad(mix.log_posterior(z, lam)[:, 0].sum(), z)
    assert torch.allclose(mix.grad_log_posterior(z.detach(), lam, 0), g, atol=1e-10)


@pytest.mark.parametrize("lam", [0.0, None])
def test_densities_integrate_to_one(mix, lam):
    xs = torch.linspace(-8, 8, 500, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, xs, indexing="xy")
    pts = torch.stack([gx.flatten(), gy.flatten()], 1)
    area = float(xs[1] - xs[0]) ** 2
    for c in [None, 0]:
        assert (mix.log_prob(pts, lam, c).exp().sum() * area).item() == pytest.approx(1, abs=2e-3)


def test_samples_match_moments(mix):
    x = mix.sample(200_000, 0, torch.Generator().manual_seed(3))
    mask = mix.component_class == 0
    w = mix.weights[mask] / mix.weights[mask].sum()
    mean = (w[:, None] * mix.means[mask]).sum(0)
    assert torch.allclose(x.mean(0), mean, atol=0.02)
    xl, cl = mix.sample_labelled(100_000, torch.Generator().manual_seed(4))
    assert torch.allclose(torch.bincount(cl, minlength=mix.num_classes).double() / 1e5, mix.class_prior(), atol=0.01)


def test_tilted_density_at_w0_is_the_class_density(mix):
    ext = mix.extent()
    tilted = grid_density(lambda p: mix.tilted_log_density(p, 0, 0.0), ext, 120)
    plain = grid_density(lambda p: mix.log_prob(p, None, 0), ext, 120)
    assert torch.allclose(tilted.density, plain.density, atol=1e-12)
    assert (tilted.density.sum() * tilted.cell_area).item() == pytest.approx(1.0)


def test_tilting_raises_the_posterior_mass(mix):
    """Under p(x|c)p(c|x)^w the expected p(c|x) must rise with w (Figure 2 of the paper)."""
    ext = mix.extent()
    means = []
    for w in (0.0, 1.0, 4.0):
        d = grid_density(lambda p: mix.tilted_log_density(p, 0, w), ext, 150)
        gx, gy = torch.meshgrid(d.xs, d.ys, indexing="xy")
        post = mix.posterior(torch.stack([gx.flatten(), gy.flatten()], 1), None)[:, 0].reshape(150, 150)
        means.append(float((d.density * post).sum() * d.cell_area))
    assert means[0] < means[1] < means[2]


def test_unseen_mixture_from_json(unseen_json):
    mix = load_mixture_file(unseen_json)
    z = _z(16).requires_grad_(True)
    (g,) = torch.autograd.grad(mix.log_prob(z, 0.7, 1).sum(), z)
    assert torch.allclose(mix.score(z.detach(), 0.7, 1), g, atol=1e-10)
