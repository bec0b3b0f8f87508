"""Precision and mode shares (cfg_core.hdr) against the exact mixture: samples of p(x|c) itself, exact CFG, CG with
a clean-data classifier, points far away; the lab's panel numbers and /toy carry them; the trade-off plot's fidelity."""
from __future__ import annotations

import math

import pytest
import torch

from cfg_core import hdr
from cfg_core.metrics import mean_posterior
from cfg_core.mixture_json import load_mixture
from cfg_core.smc import SMCConfig, smc_sample
from cfg_core.toy.sampling import SampleRequest, run_sample
from explainer.lab.selection import Selection
from explainer.lab.service import Lab
from explainer.lab.views import W_GRID, LabViews, PanelSpec

NEAR = 1  # near_far: class A's components are (-3, 0) (far from B) and (1.2, 0) (near B), in that order


@pytest.fixture(scope="module")
def three():
    return load_mixture("three_gaussians")


@pytest.fixture(scope="module")
def near_far():
    return load_mixture("near_far")


@pytest.mark.parametrize("name", ["three_gaussians", "near_far", "ring"])
def test_samples_of_the_class_itself_are_99_percent_on_the_data(name):
    mix, n = load_mixture(name), 20_000
    x = mix.sample(n, 0, torch.Generator().manual_seed(1))  # another seed than the level's
    mc = math.sqrt(0.99 * 0.01 / n)  # 0.0007; the level's own error is 0.0003
    assert hdr.precision(mix, x, 0) == pytest.approx(hdr.HDR_MASS, abs=4 * mc + 0.001)
    assert sum(hdr.mode_shares(mix, x, 0)) == pytest.approx(hdr.precision(mix, x, 0), abs=1e-12)


def test_the_level_is_deterministic_and_cached(three):
    assert hdr.hdr_log_level(three, 0) == hdr.hdr_log_level(load_mixture("three_gaussians"), 0)
    assert hdr.hdr_log_level(three, 0) != hdr.hdr_log_level(three, 0, mass=0.5)


def test_points_far_away_are_off_the_data_though_p_c_given_x_is_one(three):
    """The reason for precision: far from every class p(c|x) -> 1 for one class, so mean p(c|x) rewards them."""
    mean = three.means[three.component_class == 0].mean(0)
    far = (mean + 40 * mean / mean.norm()).repeat(5, 1)  # [5, 2], 40 units further out along c's own direction
    assert mean_posterior(three, far, 0) > 0.99 and hdr.precision(three, far, 0) == 0.0
    odd = torch.tensor([[float("nan"), 0.0], [float("inf"), 0.0], [1e6, -1e6]])
    assert hdr.precision(three, odd, 0) == 0.0 and hdr.mode_shares(three, odd, 0) == [0.0]


def test_exact_cfg_at_w3_stays_on_the_data(three):
    for w, low in ((0.0, 0.97), (3.0, 0.9)):
        x = run_sample(three, None, SampleRequest(label=0, method="cfg", w=w, score="exact", steps=50, n=1000)).x
        assert hdr.precision(three, x, 0) > low


def test_clean_classifier_cg_throws_samples_off_the_data():
    """CG with the classifier trained on clean x only (the shipped networks, as /toy builds it): mean p(c|x) says
    ~1, precision says most samples are not on the data; noise-aware CG at the same w stays on it."""
    lab = Lab()
    clean = lab.toy(Selection(dataset="three_gaussians", method="cg", classifier="clean", w=3.0).validated())
    noisy = lab.toy(Selection(dataset="three_gaussians", method="cg", classifier="noisy", w=3.0).validated())
    assert clean["score"] == noisy["score"] == "learned"
    assert clean["mean_posterior"] > 0.99 and clean["precision"] < 0.5
    assert noisy["precision"] > 0.9
    curves = lab.views.tradeoff(load_mixture("three_gaussians"), [p.spec for p in lab.view(Selection(
        dataset="three_gaussians", method="cg", classifier="clean"))[0].panels], lab.registry.trained("three_gaussians")[1])
    assert set(curves) == {"cg_clean"} and curves["cg_clean"]["fidelity"][W_GRID.index(3.0)] == clean["precision"]


def test_target_shares_by_quadrature(near_far):
    """At w = 0 the tilted target is p(x|c): half of the 99 % on each mode; guidance keeps about half on the near
    mode (docs/RESULTS.md: 0.536 / 0.464 by nearest mean)."""
    (w0, w3), = [hdr.tilted_mode_shares(near_far, 0, [0.0, 3.0])]
    assert w0 == pytest.approx([0.495, 0.495], abs=0.003)
    assert 0.42 < w3[NEAR] < 0.5 and sum(w3) == pytest.approx(0.99, abs=0.01)


def test_near_far_smc_keeps_the_near_mode_and_ddim_and_pc_empty_it(near_far):
    """Exact scores at w = 3: SMC's near-mode share within 0.05 of the tilted target's, DDIM's and PC's (K = 20) not."""
    target = hdr.tilted_mode_shares(near_far, 0, [3.0])[0][NEAR]
    share = {}
    for name, sampler, k in (("ddim", "ddim", None), ("pc", "pc", 20)):
        req = SampleRequest(label=0, method="cfg", w=3.0, score="exact", sampler=sampler, steps=50, n=1000,
                            corrector_steps=k)
        share[name] = hdr.mode_shares(near_far, run_sample(near_far, None, req).x, 0)[NEAR]
    res = smc_sample(near_far, 0, 3.0, 1000, config=SMCConfig(steps=100, moves=9), generator=torch.Generator().manual_seed(0))
    share["smc"] = hdr.mode_shares(near_far, res.x, 0)[NEAR]
    assert abs(share["smc"] - target) < 0.05
    assert abs(share["ddim"] - target) > 0.3 and abs(share["pc"] - target) > 0.1


def test_panel_numbers_carry_precision_and_mode_shares(near_far):
    view = LabViews().view(near_far, None, [PanelSpec("near_far", 0, "cfg", score="exact")])
    numbers = view.panels[0].numbers
    i = W_GRID.index(3.0)
    assert len(numbers) == len(W_GRID) and 0 <= numbers[i]["precision"] <= 1
    assert len(numbers[i]["mode_shares"]) == 2 and numbers[i]["mode_shares"][NEAR] < 0.05  # DDIM empties it
    assert numbers[i]["target_mode_shares"] == pytest.approx(
        hdr.tilted_mode_shares(near_far, 0, [3.0], view.extent)[0], abs=1e-4)
    assert sum(numbers[0]["mode_shares"]) == pytest.approx(numbers[0]["precision"], abs=2e-4)
