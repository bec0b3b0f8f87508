"""The lab's precomputed views: the batched w grid against the library's own sampler, shapes, validation."""
from __future__ import annotations

import numpy as np
import pytest

from cfg_core.toy.sampling import SampleRequest, run_sample
from cfg_core.mixture_json import load_mixture
from explainer.encode import VIEW_COORD_SCALE
from explainer.lab.views import W_GRID, LabViews, PanelSpec, snap_w


@pytest.fixture(scope="module")
def mix():
    return load_mixture("three_gaussians")


@pytest.fixture(scope="module")
def exact_view(mix):
    specs = [PanelSpec("three_gaussians", 0, "cfg", score="exact"), PanelSpec("three_gaussians", 0, "cg", score="exact")]
    return LabViews().view(mix, None, specs)


def test_snap_w_and_bad_w():
    assert snap_w(2.3) == 2.0 and snap_w(0.27) == 0.3 and snap_w(0) == 0.0 and snap_w(10) == 10.0
    for bad in (float("nan"), float("inf"), -0.5, 10.5, "2"):
        with pytest.raises(ValueError):
            snap_w(bad)


@pytest.mark.parametrize("w", [0.0, 3.0])
def test_batched_w_grid_equals_the_library_sampler(mix, exact_view, w):
    """Oracle: one batched run over every w gives, for each w, run_sample's own DDIM samples."""
    ref = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=w, score="exact", steps=50, n=200, seed=0))
    assert np.allclose(exact_view.panels[0].samples(w), ref.x.numpy(), atol=2e-3)


def test_exact_cfg_equals_exact_cg(exact_view):
    """With exact scores CFG at w and CG (conditional base) at w are the same field, hence the same samples."""
    for w in (1.0, 5.0):
        assert np.allclose(exact_view.panels[0].samples(w), exact_view.panels[1].samples(w), atol=2e-3)


def test_view_shapes_and_numbers(exact_view):
    p = exact_view.to_json()["panels"][0]
    assert p["shape"][0] == len(W_GRID) and p["shape"][2:] == [200, 2] and p["coord_scale"] == VIEW_COORD_SCALE
    assert len(p["numbers"]) == len(W_GRID) and p["field_error"] is None
    mp = [n["mean_posterior"] for n in p["numbers"]]
    assert mp[-1] > mp[0]  # guidance raises p(c|x)
    assert len(exact_view.targets.tilted_contours) == len(W_GRID)
    assert exact_view.panels[0].title == "Classifier-free guidance"


def test_views_are_cached_and_far_samples_are_not_clipped(mix):
    views = LabViews()
    spec = [PanelSpec("three_gaussians", 0, "cg_clean", score="exact")]
    a, b = views.view(mix, None, spec), views.view(mix, None, spec)
    assert a is b and a.json_text is b.json_text
    far = np.abs(a.panels[0].traj).max()
    panel = a.to_json()["panels"][0]
    assert panel["coord_scale"] * far <= 32767 and (far < 32 or panel["coord_scale"] < 1000)


def test_spec_validation(mix):
    with pytest.raises(ValueError, match="method"):
        PanelSpec("x", 0, "magic").checked(mix)
    with pytest.raises(ValueError, match="label"):
        PanelSpec("x", 5, "cfg").checked(mix)
    assert PanelSpec("x", 0, "reduced").checked(mix).sampler == "ddpm"


@pytest.fixture(scope="module")
def corrector_view(mix):
    specs = [PanelSpec("three_gaussians", 0, "cfg", score="exact"),
             PanelSpec("three_gaussians", 0, "cfg", "pc", score="exact", corrector_steps=20)]
    return LabViews().view(mix, None, specs)


@pytest.mark.slow  # K = 20 corrector steps at every w of the grid (~7 s); test_guidance_zoo checks pc too
def test_the_corrector_lands_on_the_tilted_target_and_ddim_does_not(corrector_view):
    """Bradley & Nakkiran: DDIM-CFG at w = 3 is far from p(x|c) p(c|x)^w; pc with K = 20, w' = w is close to it."""
    i = W_GRID.index(3.0)
    ddim, pc = (p.numbers[i]["distance_to_tilted"] for p in corrector_view.panels)
    assert pc < 0.3 * ddim and pc < 0.2
    assert corrector_view.panels[1].spec.sampler == "pc" and corrector_view.panels[1].spec.corrector_steps == 20


def test_the_guided_clean_estimate_is_extrapolated_by_w(exact_view):
    """Dieleman's geometry: for CFG the step's x_hat = x_hat_c + w (x_hat_c - x_hat_u), every frame and every w."""
    p = exact_view.panels[0]
    xc, xu, xg = (p.xhat[k] for k in ("xhat_c", "xhat_u", "xhat_g"))
    assert xc.shape == (len(W_GRID), p.traj.shape[1] - 1, 12, 2) and np.abs(xg).max() < 50  # nothing clipped here
    w = np.array(W_GRID)[:, None, None, None]
    assert np.allclose(xg, xc + w * (xc - xu), rtol=0, atol=1e-10)
    assert "xhat_c" in p.to_json() and p.to_json()["xhat_shape"] == list(xc.shape)


def test_an_interval_guides_only_inside_it(mix):
    """A panel guided only for lam in [lo, hi] equals run_sample with --interval (the same schedule), and an
    interval that no step reaches is the plain conditional model."""
    spec = PanelSpec("three_gaussians", 0, "cfg", score="exact", schedule="interval", lam_lo=0.0, lam_hi=20.0)
    view = LabViews().view(mix, None, [spec])
    ref = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=3.0, score="exact", steps=50, n=200, seed=0,
                                              interval=(0.0, 20.0)))
    assert np.allclose(view.panels[0].samples(3.0), ref.x.numpy(), atol=2e-3)
    never = LabViews().view(mix, None, [PanelSpec("three_gaussians", 0, "cfg", score="exact", schedule="interval",
                                                  lam_lo=30.0, lam_hi=40.0)])
    assert np.allclose(never.panels[0].samples(10.0), never.panels[0].samples(0.0), atol=1e-9)


def test_settings_a_panel_does_not_use_are_reset(mix):
    """Unused settings never split the cache: a DDIM panel forgets K, an unschedulable method its interval,
    learned scores the blurs, CFG++ runs DDIM whatever the sampler."""
    s = PanelSpec("three_gaussians", 0, "cfg", "ddim", corrector_steps=9, schedule="constant", lam_lo=1.0,
                  good_blur=0.3).checked(mix)
    assert (s.corrector_steps, s.lam_lo, s.good_blur) == (1, -3.0, 0.0)
    assert PanelSpec("three_gaussians", 0, "cfgpp", "pc").checked(mix).sampler == "ddim"
    assert PanelSpec("three_gaussians", 0, "reduced", schedule="interval", lam_lo=0.0).checked(mix).schedule == "constant"
    with pytest.raises(ValueError, match="start < end"):
        PanelSpec("three_gaussians", 0, "cfg", schedule="interval", lam_lo=2.0, lam_hi=1.0).checked(mix)


def test_exact_autoguidance_uses_the_blurred_bad_model(mix):
    """auto with bad blur B = good blur G is the plain conditional model (eps_good = eps_bad)."""
    view = LabViews().view(mix, None, [PanelSpec("three_gaussians", 0, "auto", score="exact", good_blur=0.1,
                                                 bad_blur=0.1)])
    assert np.allclose(view.panels[0].samples(4.0), view.panels[0].samples(0.0), atol=1e-9)
