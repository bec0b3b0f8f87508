"""cfg_core.smc against exact answers: SMC reaches the tilted target's mode shares where DDIM cannot, the tempered
target of one Gaussian has a closed form, and the pieces (ESS, resampling, MALA) do what they say."""
import math

import pytest
import torch

from cfg_core.mixture import grid_density
from cfg_core.mixture_json import load_preset, mixture_from_dict
from cfg_core.smc import (AnnealedTarget, SMCConfig, SMCError, effective_sample_size, smc_sample, systematic_resample,
                          target_of)
from cfg_core.toy.sampling import SampleRequest, run_sample


def _near_share(x: torch.Tensor) -> float:
    return float((x[:, 0] > -0.9).double().mean())  # near_far: class A's modes at x = -3 and x = 1.2


def test_smc_puts_the_tilted_targets_mass_on_the_near_mode():
    mix, w = load_preset("near_far"), 3.0
    g = grid_density(lambda p: mix.tilted_log_density(p, 0, w), (-6, 6, -4, 4), 400)
    gx, _ = torch.meshgrid(g.xs, g.ys, indexing="xy")
    target = float((g.density * (gx > -0.9)).sum() * g.cell_area)
    assert 0.4 < target < 0.5
    res = smc_sample(mix, 0, w, 1500, config=SMCConfig(steps=40, moves=4), generator=torch.Generator().manual_seed(0))
    assert abs(_near_share(res.x) - target) < 0.05
    ddim = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=w, score="exact", steps=40, n=500, seed=0)).x
    assert _near_share(ddim) < 0.05  # what guidance's sampler does instead: the near mode empties
    assert res.evaluations == 1 + 39 + 40 * 4 and len(res.ess) == 40 and res.trajectory.shape == (41, 1500, 2)
    assert res.resampling_events >= 1 and all(0 < e <= 1 for e in res.ess)


def test_tempered_single_gaussian_has_the_closed_form():
    """p(x|c)^(1+w) of N(m, S) is N(m, S / (1 + w))."""
    mix = mixture_from_dict({"name": "one", "classes": ["a", "b"], "components": [
        {"mean": [1.0, -0.5], "cov": [[0.8, 0.3], [0.3, 0.5]], "weight": 1, "class": 0},
        {"mean": [-2.0, 2.0], "cov": [[0.3, 0], [0, 0.3]], "weight": 1, "class": 1}]})
    w = 2.0
    res = smc_sample(mix, 0, w, 4000, kind="tempered", config=SMCConfig(steps=30, moves=3),
                     generator=torch.Generator().manual_seed(1))
    x = res.x
    assert torch.allclose(x.mean(0), torch.tensor([1.0, -0.5], dtype=torch.float64), atol=0.05)
    cov = torch.cov(x.T)
    assert torch.allclose(cov, mix.covs[0] / (1 + w), atol=0.04)


def test_annealed_target_score_is_the_gradient_of_its_log_density():
    mix = load_preset("three_gaussians")
    z = torch.randn(5, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_()
    for kind in ("tilted", "tempered"):
        t = AnnealedTarget(mix, 1, 2.5, kind)
        (grad,) = torch.autograd.grad(t.log_density(z, 0.7).sum(), z)
        assert torch.allclose(grad, t.score(z.detach(), 0.7), atol=1e-8)


def test_ess_and_systematic_resampling():
    assert effective_sample_size(torch.zeros(10, dtype=torch.float64)) == pytest.approx(1.0)
    one = torch.full((10,), -math.inf, dtype=torch.float64)
    one[3] = 0.0
    assert effective_sample_size(one) == pytest.approx(0.1)
    assert systematic_resample(one, torch.Generator().manual_seed(0)).tolist() == [3] * 10
    w = torch.rand(300, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    w = w / w.sum()
    for seed in range(5):
        counts = torch.bincount(systematic_resample(torch.log(w), torch.Generator().manual_seed(seed)), minlength=300)
        assert counts.sum() == 300 and bool(((counts - 300 * w).abs() < 1 + 1e-9).all())  # within one of N w_i


@pytest.mark.parametrize("method", ["reduced", "cg_clean", "auto", "icg", "cfgpp", "rescale", "apg"])
def test_methods_without_a_density_target_are_refused(method):
    with pytest.raises(SMCError, match="needs a method whose target is a density"):
        target_of(method)
    assert target_of("cfg") == target_of("cg") == "tilted" and target_of("scaled") == "tempered"


@pytest.mark.parametrize("kwargs, match", [({"steps": 1}, "levels"), ({"moves": -1}, "moves"),
                                           ({"ess_threshold": 1.5}, "ESS threshold"),
                                           ({"step_scale": 0.0}, "step scale")])
def test_bad_settings_are_one_line(kwargs, match):
    with pytest.raises(SMCError, match=match):
        SMCConfig(**kwargs)


def test_cli_smc_and_its_one_line_refusals(tmp_path, capsys):
    import numpy as np

    from cfg_core.__main__ import main

    out = tmp_path / "s.npz"
    base = ["sample", "--dataset", "near_far", "--label", "0", "--w", "3", "--n", "400", "--out", str(out)]
    assert main(base + ["--guidance", "cfg", "--sampler", "smc", "--score", "exact", "--steps", "40",
                        "--smc-moves", "4"]) == 0
    x = np.load(out)["x"]
    assert x.shape == (400, 2) and 0.3 < float((x[:, 0] > -0.9).mean()) < 0.6  # the near mode keeps its share
    capsys.readouterr()
    for extra, match in ((["--guidance", "cfg", "--sampler", "smc"], "add --score exact"),
                         (["--guidance", "cfgpp", "--sampler", "smc", "--score", "exact"], "has none"),
                         (["--guidance", "cfg", "--score", "exact", "--smc-moves", "3"], "add --sampler smc"),
                         (["--guidance", "cfg", "--score", "exact", "--sampler", "smc", "--ess-threshold", "nan"],
                          "ESS threshold"),
                         (["--guidance", "cfg", "--score", "exact", "--sampler", "smc", "--interval=-3,3"],
                          "do not apply")):
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:") and match in err[0], err


def test_the_lab_offers_smc_with_its_ess_per_level():
    import json

    from explainer.lab.service import Lab
    from explainer.lab.selection import Selection, SelectionError
    from explainer.lab.views import STEPS, W_GRID

    lab = Lab()
    sel = Selection(dataset="near_far", method="cfg", sampler="smc", score="exact").validated()
    lab.payload_parts(sel)  # the browser's payload too (its trade-off plot skips methods SMC cannot run)
    view, _ = lab.view(sel)
    panel = view.panels[0]
    assert len(panel.smc["ess"]) == len(W_GRID) and all(len(e) == STEPS for e in panel.smc["ess"])
    near = float((panel.samples(3.0)[:, 0] > -0.9).mean())
    assert 0.3 < near < 0.65  # the near mode keeps its share (DDIM: under 0.05, test above)
    meta = json.loads(view.json_text)["panels"][0]
    assert meta["resampling_events"] == panel.smc["resampling_events"] and len(meta["ess"]) == len(W_GRID)
    with pytest.raises(SelectionError, match="choose score = exact"):
        lab.view(Selection(dataset="near_far", method="cfg", sampler="smc").validated())
    with pytest.raises(ValueError, match="has none"):
        lab.view(Selection(dataset="near_far", method="cfg", reference="weak", sampler="smc", score="exact").validated())

