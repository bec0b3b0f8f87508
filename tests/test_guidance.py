"""Guidance strategies: the paper's identities, checked on exact fields."""
import math

import pytest
import torch

from cfg_core.exact import ExactClassifier, ExactEps
from cfg_core.guidance import (ClassifierFree, ClassifierGuided, NoGuidance, ScoreScaled, check_w,
                               classifier_grad)
from cfg_core.mixture_json import load_mixture, load_mixture_file


def _z(n=50, seed=0):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 1.5


@pytest.fixture
def exact():
    mix = load_mixture("three_gaussians")
    return mix, ExactEps(mix), ExactClassifier(mix)


def test_cfg_at_w0_equals_conditional(exact):
    _, eps, _ = exact
    z = _z()
    assert torch.allclose(ClassifierFree(eps, 1, 0.0).eps_hat(z, 0.3), NoGuidance(eps, 1).eps_hat(z, 0.3))


def test_scaled_at_w0_equals_conditional(exact):
    _, eps, _ = exact
    z = _z()
    assert torch.allclose(ScoreScaled(eps, 2, 0.0).eps_hat(z, -1.0), NoGuidance(eps, 2).eps_hat(z, -1.0))
    assert torch.allclose(ScoreScaled(eps, 2, 1.5).eps_hat(z, -1.0), 2.5 * NoGuidance(eps, 2).eps_hat(z, -1.0))


@pytest.mark.parametrize("w", [0.0, 0.3, 1.0, 4.0, 10.0])
@pytest.mark.parametrize("lam", [-10.0, -2.0, 0.0, 3.0, 12.0])
def test_exact_cfg_equals_exact_cg_on_both_bases(exact, w, lam):
    """-sigma grad[log p(z|c) + w log p(c|z)] three ways: CFG(w), CG cond (w), CG uncond (w + 1)."""
    _, eps, cls = exact
    z = _z()
    cfg = ClassifierFree(eps, 0, w).eps_hat(z, lam)
    cg_cond = ClassifierGuided(eps, cls, 0, w, "conditional").eps_hat(z, lam)
    cg_uncond = ClassifierGuided(eps, cls, 0, w, "unconditional").eps_hat(z, lam)
    assert torch.allclose(cfg, cg_cond, atol=1e-10) and torch.allclose(cfg, cg_uncond, atol=1e-10)


def test_exact_cfg_equals_tilted_score(exact):
    mix, eps, _ = exact
    z, lam, w = _z(), 0.5, 2.0
    sigma = math.sqrt(1 / (1 + math.exp(lam)))
    target = -sigma * (mix.score(z, lam, 0) + w * mix.grad_log_posterior(z, lam, 0))
    assert torch.allclose(ClassifierFree(eps, 0, w).eps_hat(z, lam), target, atol=1e-10)


def test_implicit_classifier_matches_true_posterior_gradient(exact):
    """CFG's implicit classifier, -(eps(z,c) - eps(z))/sigma, is the true grad log p(c|z) for exact eps."""
    mix, eps, cls = exact
    z, lam = _z(), 1.0
    sigma = math.sqrt(1 / (1 + math.exp(lam)))
    implicit = -(NoGuidance(eps, 1).eps_hat(z, lam) - eps(z, torch.full((50,), lam), torch.full((50,), 3))) / sigma
    assert torch.allclose(implicit, classifier_grad(cls, z, lam, 1), atol=1e-10)


def test_unseen_mixture_cfg_cg_identity(unseen_json):
    mix = load_mixture_file(unseen_json)
    eps, cls = ExactEps(mix), ExactClassifier(mix)
    z = _z(40, 7)
    for w in (0.5, 3.0):
        a = ClassifierFree(eps, 1, w).eps_hat(z, -0.5)
        b = ClassifierGuided(eps, cls, 1, w, "unconditional").eps_hat(z, -0.5)
        assert torch.allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, 100.5, "2", True, None])
def test_check_w_rejects(bad):
    with pytest.raises(ValueError, match="w must be"):
        check_w(bad)
