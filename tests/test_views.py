"""The lab's precomputed views: the batched w grid against the library's own sampler, encoders, validation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from cfg_core.toy.sampling import SampleRequest, run_sample
from explainer.registry import ModelRegistry, rows_to_spec, spec_to_rows
from explainer.views import W_GRID, LabViews, LruCache, PanelSpec, decode_coords, encode_coords, samples_at, snap_w
from cfg_core.mixture_json import MixtureError, load_mixture, mixture_from_dict, mixture_to_dict


@pytest.fixture(scope="module")
def mix():
    return load_mixture("three_gaussians")


@pytest.fixture(scope="module")
def exact_view(mix):
    specs = [PanelSpec("three_gaussians", 0, "cfg", score="exact"), PanelSpec("three_gaussians", 0, "cg", score="exact")]
    return LabViews().view(mix, None, specs)


def test_snap_w_and_bad_w():
    assert snap_w(2.3) == 2.5 and snap_w(0) == 0.0 and snap_w(10) == 10.0
    for bad in (float("nan"), float("inf"), -0.5, 10.5, "2"):
        with pytest.raises(ValueError):
            snap_w(bad)


def test_coords_roundtrip():
    x = torch.tensor([[0.1234, -5.0], [31.9, -0.0004]], dtype=torch.float64)
    assert np.allclose(decode_coords(encode_coords(x), (2, 2)), x.numpy(), atol=6e-4)


@pytest.mark.parametrize("w", [0.0, 3.0])
def test_batched_w_grid_equals_the_library_sampler(mix, exact_view, w):
    """Oracle: one batched run over every w gives, for each w, run_sample's own DDIM samples."""
    ref = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=w, score="exact", steps=50, n=200, seed=0))
    assert np.allclose(samples_at(exact_view, 0, w), ref.x.numpy(), atol=2e-3)


def test_exact_cfg_equals_exact_cg(exact_view):
    """With exact scores CFG at w and CG (conditional base) at w are the same field, hence the same samples."""
    for w in (1.0, 5.0):
        assert np.allclose(samples_at(exact_view, 0, w), samples_at(exact_view, 1, w), atol=2e-3)


def test_view_shapes_and_numbers(exact_view):
    p = exact_view["panels"][0]
    assert p["shape"][0] == len(W_GRID) and p["shape"][2:] == [200, 2]
    assert len(p["numbers"]) == len(W_GRID) and p["field_error"] is None
    mp = [n["mean_posterior"] for n in p["numbers"]]
    assert mp[-1] > mp[0]  # guidance raises p(c|x)
    assert len(exact_view["tilted_contours"]) == len(W_GRID)


def test_spec_validation(mix):
    with pytest.raises(ValueError, match="method"):
        PanelSpec("x", 0, "magic").checked(mix)
    with pytest.raises(ValueError, match="label"):
        PanelSpec("x", 5, "cfg").checked(mix)
    assert PanelSpec("x", 0, "reduced").checked(mix).sampler == "ddpm"


def test_table_roundtrip(mix):
    spec = mixture_to_dict(mix)
    back = mixture_from_dict(rows_to_spec(spec_to_rows(spec), ", ".join(spec["classes"])))
    assert torch.allclose(back.means, mix.means)
    with pytest.raises(MixtureError, match="row 1"):
        rows_to_spec([["a", 0, 1, 0, 1, 1, 0]], "A")


def test_registry_unknown_and_missing_checkpoint(tmp_path, monkeypatch):
    reg = ModelRegistry()
    with pytest.raises(MixtureError, match="unknown dataset"):
        reg.mixture("moons")
    import cfg_core.toy.pretrained as pretrained

    monkeypatch.setattr(pretrained, "CHECKPOINT_ROOT", tmp_path)  # no checkpoints there
    tm, key = reg.trained("ring")
    assert tm is None and key == "" and "ring" in reg.problems


def test_lru_computes_once():
    cache, calls = LruCache(2), []
    for k in (1, 1, 2, 3, 1):
        cache.get_or_compute(k, lambda k=k: calls.append(k) or k)
    assert calls == [1, 2, 3, 1] and len(cache) == 2
