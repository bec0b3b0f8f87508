"""Fitting a mixture to labelled points: recovery of a known mixture, BIC choices, degenerate data, the JSON, ellipses."""
import math

import numpy as np
import pytest
import torch

from cfg_core import metrics
from cfg_core.mixture_json import load_mixture_file, load_preset, mixture_from_dict
from cfg_core.random_mixture import random_mixture_spec
from cfg_core.toy.ellipses import ellipses
from cfg_core.toy.fit import MAX_COMPONENTS_LIMIT, REG_COVAR, check_max_components, fit_mixture, write_fit_json
from cfg_core.toy.points import Points, make_dataset

RATIO_TARGET = 1.5  # issue 12: exact samples of the fit within 1.5x the two-sample noise floor


def points_of(mix, n=3000, seed=1) -> Points:
    x, c = mix.sample_labelled(n, torch.Generator().manual_seed(seed))
    return Points(x.numpy(), c.numpy(), mix.class_names)


def recovery_ratios(truth, fitted, counts, seed=5, repeats=20) -> list[float]:
    """Per class: mean SW_2(fit samples, true samples) / mean SW_2(true, true), both at the class's data size."""
    gen = torch.Generator().manual_seed(seed)
    ratios = []
    for c, n in enumerate(counts):
        fit_sw = sum(metrics.sliced_wasserstein(fitted.sample(n, c, gen), truth.sample(n, c, gen), generator=gen)
                     for _ in range(repeats)) / repeats
        ratios.append(fit_sw / metrics.noise_floor(truth, c, n, gen, repeats=repeats))
    return ratios


@pytest.mark.parametrize("truth", [load_preset("three_gaussians"), mixture_from_dict(random_mixture_spec(404))],
                         ids=["three_gaussians", "unseen_404"])
def test_fit_recovers_a_known_mixture(truth):
    points = points_of(truth)
    result = fit_mixture(points, seed=0)
    ratios = recovery_ratios(truth, result.mixture, points.class_counts().tolist())
    assert max(ratios) < RATIO_TARGET, ratios
    true_k = torch.bincount(truth.component_class).tolist()
    assert [f.n_components for f in result.classes] == true_k  # BIC finds the number of components
    prior = result.mixture.class_prior().numpy()
    assert np.allclose(prior, points.class_counts() / len(points))  # p(c) = class frequency


def test_fit_is_seeded_and_reports_bic_per_k():
    points = make_dataset("moons", 600, seed=2)
    a, b = fit_mixture(points, 4, seed=3), fit_mixture(points, 4, seed=3)
    assert torch.equal(a.mixture.means, b.mixture.means) and torch.equal(a.mixture.covs, b.mixture.covs)
    for f in a.classes:
        assert len(f.bic_by_k) == 4 and f.bic == min(f.bic_by_k) and f.n_components == f.bic_by_k.index(f.bic) + 1
        assert f.loglik_per_point < 0 and f.n_points == 300
    assert len(a.summary_lines()) == 2 and "k = " in a.summary_lines()[0] and "BIC = " in a.summary_lines()[0]


def test_max_components_caps_k_also_for_small_classes():
    points = make_dataset("circles", 60, seed=0)  # 30 points per class: at most 30 // 5 = 6 components
    for f in fit_mixture(points, MAX_COMPONENTS_LIMIT).classes:
        assert len(f.bic_by_k) == 6
    one = fit_mixture(points, 1)
    assert len(one.mixture.weights) == 2 and all(f.n_components == 1 for f in one.classes)
    tiny = Points(np.r_[np.random.default_rng(0).normal(size=(10, 2)), np.eye(2).repeat(5, 0)],
                  np.r_[np.zeros(10, int), np.ones(10, int)], ("a", "b"))
    assert [len(f.bic_by_k) for f in fit_mixture(tiny).classes] == [2, 2]  # 10 points: k <= 2
    for bad in (0, MAX_COMPONENTS_LIMIT + 1, 2.5, True):
        with pytest.raises(ValueError, match="max components must be an integer"):
            check_max_components(bad)


def test_degenerate_data_still_fit():
    line = make_dataset("circles", 200, noise=0.0, seed=0)  # every class on a curve
    rng = np.random.default_rng(0)
    same = Points(np.r_[np.full((20, 2), 1.0), rng.normal(size=(20, 2))], np.repeat([0, 1], 20), ("dot", "cloud"))
    flat = Points(np.c_[np.linspace(-2, 2, 40), np.zeros(40)], np.repeat([0, 1], 20), ("left", "right"))
    for points in (line, same, flat):
        mix = fit_mixture(points).mixture
        assert float(torch.linalg.eigvalsh(mix.covs).min()) >= REG_COVAR * 0.999
        assert torch.isfinite(mix.score(torch.zeros(3, 2, dtype=torch.float64), 0.0, 0)).all()


def test_json_loads_back_as_the_same_mixture(tmp_path):
    result = fit_mixture(make_dataset("blobs", 300, seed=1), name="my blobs")
    path = write_fit_json(result, tmp_path / "fit.json")
    loaded = load_mixture_file(path)
    assert loaded.name == "my blobs" and loaded.class_names == ("A", "B", "C")
    assert torch.allclose(loaded.means, result.mixture.means) and torch.allclose(loaded.covs, result.mixture.covs)
    assert torch.allclose(loaded.weights, result.mixture.weights)
    assert result.to_dict()["fit"]["classes"][0]["n_components"] == result.classes[0].n_components
    with pytest.raises(ValueError, match="mixture name"):
        fit_mixture(make_dataset("blobs", 300, seed=1), name="a/b")


def test_ellipses_match_the_covariances():
    theta = math.radians(30)
    R = torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], dtype=torch.float64)
    cov = R @ torch.diag(torch.tensor([4.0, 1.0], dtype=torch.float64)) @ R.T
    mix = mixture_from_dict({"name": "e", "classes": ["a", "b"], "components": [
        {"mean": [1.0, -1.0], "cov": cov.tolist(), "weight": 1, "class": 0},
        {"mean": [0.0, 0.0], "cov": [[1.0, 0.0], [0.0, 1.0]], "weight": 1, "class": 1}]})
    e = ellipses(mix, n_std=2)
    assert e[0].centre == (1.0, -1.0) and e[0].class_index == 0 and e[1].class_index == 1
    assert e[0].semi_axes == pytest.approx((4.0, 2.0)) and e[0].angle_deg == pytest.approx(30.0)
    ring = torch.from_numpy(e[0].outline(32)) - torch.tensor([1.0, -1.0], dtype=torch.float64)  # [33, 2]
    maha = (ring @ torch.linalg.inv(cov) * ring).sum(1)
    assert torch.allclose(maha, torch.full_like(maha, 4.0)) and torch.equal(ring[0], ring[-1])
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="n_std must be a positive number"):
            ellipses(mix, bad)
