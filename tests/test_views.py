"""The lab's precomputed views: the batched w grid against the library's own sampler, shapes, validation."""
from __future__ import annotations

import numpy as np
import pytest

from cfg_core.toy.sampling import SampleRequest, run_sample
from cfg_core.mixture_json import load_mixture
from explainer.views import W_GRID, LabViews, PanelSpec, snap_w


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
    assert p["shape"][0] == len(W_GRID) and p["shape"][2:] == [200, 2] and p["coord_scale"] == 1000
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
