"""The saturation fixes (cfg_core.saturation) against identities: at its neutral setting each IS CFG; at others it
does what its paper says (std matched, x_hat within [-1, 1], update capped); and their command-line flags."""
import math

import numpy as np
import pytest
import torch

from cfg_core import methods
from cfg_core.__main__ import main
from cfg_core.mixture_json import load_mixture
from cfg_core.schedule import alpha_sigma
from cfg_core.toy.sampling import SampleRequest, models_for, run_sample


@pytest.fixture(scope="module")
def models():
    return models_for(load_mixture("three_gaussians"), None, "exact")


def _z(n=64, scale=1.0):
    return scale * torch.randn(n, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)


def _eps(name, models, w=3.0, lam=0.5, z=None, **options):
    strategy = methods.make_strategy(name, models, 0, w, options=methods.GuidanceOptions(**options))
    return strategy.eps_hat(_z() if z is None else z, lam)


def test_neutral_settings_are_cfg(models):
    cfg = _eps("cfg", models)
    assert torch.equal(_eps("rescale", models, rescale_phi=0.0), cfg)
    assert torch.allclose(_eps("apg", models, apg=(1.0, math.inf, 0.0)), cfg, atol=1e-12, rtol=0)
    small = _z(scale=0.05)  # |x_hat| < 1 everywhere at lam = 8: nothing to threshold
    assert torch.allclose(_eps("threshold", models, lam=8.0, z=small), _eps("cfg", models, lam=8.0, z=small),
                          atol=1e-12, rtol=0)


def test_rescale_matches_the_conditional_std(models):
    z = _z()
    full = _eps("rescale", models, z=z, rescale_phi=1.0)
    cond = models.eps_model(z, torch.full((len(z),), 0.5, dtype=torch.float64), torch.zeros(len(z), dtype=torch.long))
    assert torch.allclose(full.std(1), cond.std(1), rtol=1e-9)


def test_threshold_keeps_x_hat_within_one(models):
    lam, z = -2.0, _z(scale=3.0)
    alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
    x_hat = (z - sigma * _eps("threshold", models, w=8.0, lam=lam, z=z, threshold_p=0.9)) / alpha
    assert x_hat.abs().max() <= 1 + 1e-9
    raw = (z - sigma * _eps("cfg", models, w=8.0, lam=lam, z=z)) / alpha
    assert raw.abs().max() > 1.5  # there was something to threshold


def test_apg_caps_the_update_and_keeps_momentum(models):
    z, lam, w, r = _z(), 0.0, 4.0, 0.1
    alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
    strategy = methods.make_strategy("apg", models, 0, w, options=methods.GuidanceOptions(apg=(1.0, r, 0.5)))
    c = torch.zeros(len(z), dtype=torch.long)
    x_c = (z - sigma * models.eps_model(z, torch.full((len(z),), lam, dtype=torch.float64), c)) / alpha
    first = strategy.eps_hat(z, lam)
    x_hat = (z - sigma * first) / alpha
    assert ((x_hat - x_c).norm(dim=1) <= w * r + 1e-9).all()
    assert not torch.allclose(strategy.eps_hat(z, lam), first)  # the momentum of the first call counts
    fresh = methods.make_strategy("apg", models, 0, w, options=methods.GuidanceOptions(apg=(1.0, r, 0.5)))
    assert torch.equal(fresh.eps_hat(z, lam), first)  # a new strategy (a new run) starts without momentum


@pytest.mark.parametrize("options, message", [(dict(rescale_phi=1.5), "rescale phi"),
                                              (dict(threshold_p=0.0), "percentile"),
                                              (dict(apg=(2.0, 1.0, 0.0)), "APG eta"),
                                              (dict(apg=(0.0, -1.0, 0.0)), "APG r")])
def test_bad_settings_are_one_line_errors(models, options, message):
    name = "rescale" if "rescale_phi" in options else "threshold" if "threshold_p" in options else "apg"
    with pytest.raises(ValueError, match=message):
        _eps(name, models, **options)


def test_cli_flags(tmp_path, capsys):
    base = ["sample", "--dataset", "three_gaussians", "--score", "exact", "--label", "0", "--w", "3", "--n", "50",
            "--steps", "20"]
    assert main(base + ["--guidance", "cfg", "--rescale", "0.7", "--out", str(tmp_path / "a.npz")]) == 0
    assert main(base + ["--guidance", "rescale", "--out", str(tmp_path / "b.npz")]) == 0
    assert np.array_equal(np.load(tmp_path / "a.npz")["x"], np.load(tmp_path / "b.npz")["x"])  # default phi 0.7
    assert main(base + ["--guidance", "apg", "--apg-eta", "0.5", "--out", str(tmp_path / "c.npz")]) == 0
    for extra, message in ((["--guidance", "cfg", "--rescale", "2"], "--rescale must be"),
                           (["--guidance", "cfg", "--apg-eta", "0.5"], "takes no APG settings"),
                           (["--guidance", "cg", "--threshold", "0.9"], "takes no threshold percentile"),
                           (["--guidance", "cfg", "--rescale", "0.5", "--threshold", "0.9"], "two different fixes")):
        capsys.readouterr()
        assert main(base + extra + ["--out", str(tmp_path / "d.npz")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and message in err and "\n" not in err


def test_mnist_takes_the_interval_and_the_fixes(tmp_path):
    base = ["sample", "--dataset", "mnist", "--label", "3", "--w", "6", "--n", "2", "--steps", "8"]
    for extra in (["--guidance", "cfg", "--interval=-1,3.3"], ["--guidance", "cfg", "--rescale", "0.7"],
                  ["--guidance", "cfg", "--threshold", "0.995"], ["--guidance", "apg"]):
        out = tmp_path / f"{extra[-1]}.npz"
        assert main(base + extra + ["--out", str(out)]) == 0
        assert np.load(out)["x"].shape == (2, 28, 28)


def test_run_sample_rescale_is_the_registry_method():
    mix = load_mixture("three_gaussians")
    a = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=2.0, score="exact", n=20, steps=10,
                                            rescale_phi=0.3))
    b = run_sample(mix, None, SampleRequest(label=0, method="rescale", w=2.0, score="exact", n=20, steps=10,
                                            rescale_phi=0.3))
    assert torch.equal(a.x, b.x)
