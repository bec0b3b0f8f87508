"""CFG-Zero* (Fan et al. 2025): eps_hat = s* eps_u + (1 + w)(eps_c - s* eps_u), s* = <eps_c, eps_u> / |eps_u|^2 per
sample, against exact answers; its zero-init; and the registry entry through the CLI, the 2D sampler and MNIST."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from cfg_core import methods
from cfg_core.exact import ExactEps
from cfg_core.guidance import (CFGZeroStar, ClassifierFree, NoGuidance, first_steps_lam, optimal_scale,
                               zero_velocity_eps)
from cfg_core.mixture_json import load_mixture
from cfg_core.samplers import SamplerConfig, sample, sample_steps
from cfg_core.schedule import Schedule, alpha_sigma
from cfg_core.weight_schedule import WeightSchedule

ROOT = Path(__file__).resolve().parent.parent
WS = (0.0, 0.5, 2.0, 7.0)


class FixedEps:
    """An eps-model that returns given eps_c and eps_u rows, whatever z (shape-checked): exact answers by hand."""

    num_classes = 3

    def __init__(self, eps_c: torch.Tensor, eps_u: torch.Tensor):
        self.eps_c, self.eps_u = eps_c, eps_u

    def __call__(self, z, lam, c):
        n = self.eps_c.shape[0]
        assert z.shape[0] % n == 0 and z.shape[1:] == self.eps_c.shape[1:]
        rows = torch.arange(z.shape[0]) % n
        uncond = (c == self.num_classes).reshape((-1,) + (1,) * (z.ndim - 1))
        return torch.where(uncond, self.eps_u[rows], self.eps_c[rows])


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.fixture(scope="module")
def mix():
    return load_mixture("three_gaussians")


@pytest.fixture(scope="module")
def eps(mix):
    return ExactEps(mix)


@pytest.mark.parametrize("lam", [-12.0, -1.0, 0.0, 4.0])
def test_w0_is_the_conditional_model_exactly(eps, lam):
    z = _randn(40, 2) * 1.5
    assert torch.equal(CFGZeroStar(eps, 1, 0.0).eps_hat(z, lam), NoGuidance(eps, 1).eps_hat(z, lam))


@pytest.mark.parametrize("w", WS)
def test_the_formula_on_exact_mixture_scores(eps, w):
    z, lam = _randn(30, 2, seed=1) * 2, -0.7
    eps_c, eps_u = NoGuidance(eps, 2).eps_hat(z, lam), NoGuidance(eps, eps.num_classes).eps_hat(z, lam)
    s = (eps_c * eps_u).sum(1, keepdim=True) / (eps_u * eps_u).sum(1, keepdim=True)  # [N, 1]
    want = s * eps_u + (1 + w) * (eps_c - s * eps_u)
    assert torch.allclose(CFGZeroStar(eps, 2, w).eps_hat(z, lam), want, atol=1e-12)


@pytest.mark.parametrize("w", WS)
def test_eps_c_parallel_to_eps_u_is_not_guided(w):
    """eps_c = a eps_u: s* = a, so (1 + w) eps_c - w a eps_u = (1 + w) eps_c - w eps_c = eps_c, at every w
    (CFG would give (a + w (a - 1)) eps_u)."""
    eps_u = _randn(4, 3, seed=2)
    a = torch.tensor([[2.0], [-0.5], [1.0], [0.0]], dtype=torch.float64)
    model = FixedEps(a * eps_u, eps_u)
    z = torch.zeros(4, 3, dtype=torch.float64)
    assert torch.allclose(optimal_scale(a * eps_u, eps_u), a[:, 0], atol=1e-14)
    assert torch.allclose(CFGZeroStar(model, 0, w).eps_hat(z, 0.0), a * eps_u, atol=1e-13)
    assert torch.allclose(ClassifierFree(model, 0, w).eps_hat(z, 0.0), (a + w * (a - 1)) * eps_u, atol=1e-13)


def test_s_star_is_per_sample_over_every_non_batch_dimension():
    """Two images whose eps_c are different multiples of eps_u (plus a part orthogonal to it) get their own s*."""
    eps_u = _randn(2, 1, 4, 4, seed=3)
    ortho = _randn(2, 1, 4, 4, seed=4)
    ortho = ortho - (ortho * eps_u).sum((1, 2, 3), keepdim=True) / (eps_u**2).sum((1, 2, 3), keepdim=True) * eps_u
    scales = torch.tensor([3.0, -0.25], dtype=torch.float64).reshape(2, 1, 1, 1)
    eps_c = scales * eps_u + ortho
    assert torch.allclose(optimal_scale(eps_c, eps_u), scales.flatten(), atol=1e-13)
    w, z = 2.0, torch.zeros(2, 1, 4, 4, dtype=torch.float64)
    both = CFGZeroStar(FixedEps(eps_c, eps_u), 0, w).eps_hat(z, 0.0)
    assert torch.allclose(both, eps_c + w * ortho, atol=1e-13)  # eps_c - s* eps_u is the orthogonal part
    for i in range(2):  # row i alone: the same eps_hat, nothing is shared across the batch
        one = CFGZeroStar(FixedEps(eps_c[i:i + 1], eps_u[i:i + 1]), 0, w).eps_hat(z[i:i + 1], 0.0)
        assert torch.allclose(both[i:i + 1], one, atol=1e-14)


@pytest.mark.parametrize("w", WS)
def test_s_star_one_is_plain_cfg(w):
    eps_u = _randn(5, 2, seed=5)
    d = torch.stack([-eps_u[:, 1], eps_u[:, 0]], 1) * _randn(5, 1, seed=6)  # orthogonal to eps_u, row by row
    model, z = FixedEps(eps_u + d, eps_u), torch.zeros(5, 2, dtype=torch.float64)
    assert torch.allclose(optimal_scale(eps_u + d, eps_u), torch.ones(5, dtype=torch.float64), atol=1e-14)
    assert torch.allclose(CFGZeroStar(model, 0, w).eps_hat(z, 0.0), ClassifierFree(model, 0, w).eps_hat(z, 0.0),
                          atol=1e-13)


def test_zero_unconditional_eps_is_guarded():
    eps_c = _randn(2, 2, seed=7)
    eps_u = torch.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=torch.float64)
    s = optimal_scale(eps_c, eps_u)
    assert s[0] == 0 and torch.isfinite(s).all()
    out = CFGZeroStar(FixedEps(eps_c, eps_u), 0, 3.0).eps_hat(torch.zeros(2, 2, dtype=torch.float64), 0.0)
    assert torch.equal(out[0], 4.0 * eps_c[0])  # s* eps_u = 0 whatever s*: (1 + w) eps_c


def test_a_column_of_w_equals_one_run_per_w(mix, eps):
    models = methods.GuidanceModels(eps)
    z, w_col = _randn(4, 2, seed=8), torch.tensor([[0.0], [1.0], [2.5], [9.0]], dtype=torch.float64)
    batched = methods.make_strategy("cfg_zero", models, 0, w_col).eps_hat(z, -2.0)
    for i, w in enumerate(w_col[:, 0].tolist()):
        assert torch.allclose(batched[i], methods.make_strategy("cfg_zero", models, 0, w).eps_hat(z[i:i + 1], -2.0)[0],
                              atol=1e-13)


def test_a_column_of_w_on_images():
    eps_c, eps_u = _randn(3, 1, 4, 4, seed=9), _randn(3, 1, 4, 4, seed=10)
    model, z = FixedEps(eps_c, eps_u), torch.zeros(3, 1, 4, 4, dtype=torch.float64)
    w_col = torch.tensor([[0.0], [1.0], [4.0]], dtype=torch.float64)
    batched = CFGZeroStar(model, 0, w_col).eps_hat(z, 0.0)
    for i, w in enumerate(w_col[:, 0].tolist()):
        assert torch.allclose(batched[i], CFGZeroStar(model, 0, w).eps_hat(z, 0.0)[i], atol=1e-14)


def test_registry_entry(eps):
    entry = methods.get("cfg_zero")
    assert entry.short == "CFG-Zero*" and entry.batches_w and entry.samplers is None and "schedule" in entry.options
    from cfg_core.mnist.variants import VARIANTS

    others = [m.colour for n, m in methods.METHODS.items() if n != "cfg_zero"] + [v.colour for v in VARIANTS.values()]
    assert entry.colour not in others
    strategy = methods.make_strategy("cfg_zero", methods.GuidanceModels(eps), 1, 2.0)
    assert isinstance(strategy, CFGZeroStar) and strategy.w == 2.0 and strategy.zero_init_lam is None
    with pytest.raises(ValueError, match="cfg_zero takes no CFG\\+\\+ lambda"):
        methods.make_strategy("cfg_zero", methods.GuidanceModels(eps), 1, 2.0,
                              options=methods.GuidanceOptions(cfgpp_lambda=0.5))


def test_a_weight_schedule_outside_its_interval_is_the_conditional_model(eps):
    options = methods.GuidanceOptions(schedule=WeightSchedule("interval", -1.0, 3.0))
    strategy = methods.make_strategy("cfg_zero", methods.GuidanceModels(eps), 0, 4.0, options=options)
    z = _randn(20, 2, seed=11)
    assert torch.equal(strategy.eps_hat(z, -5.0), NoGuidance(eps, 0).eps_hat(z, -5.0))
    assert torch.equal(strategy.eps_hat(z, 1.0), CFGZeroStar(eps, 0, 4.0).eps_hat(z, 1.0))


# zero-init: the flow-matching velocity zeroed, i.e. eps_hat = x_hat = z / (alpha + sigma)

def test_zero_init_is_zero_flow_matching_velocity(eps):
    z, lam = _randn(10, 2, seed=12), -3.0
    alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
    out = CFGZeroStar(eps, 0, 2.0, zero_init_lam=-2.0).eps_hat(z, lam)
    assert torch.allclose(out, z / (alpha + sigma), atol=1e-15) and torch.equal(out, zero_velocity_eps(z, lam))
    x_hat = (z - sigma * out) / alpha
    assert torch.allclose(x_hat, out, atol=1e-12)  # v = eps - x = 0
    assert torch.equal(CFGZeroStar(eps, 0, 2.0, zero_init_lam=-2.0).eps_hat(z, -1.0),
                       CFGZeroStar(eps, 0, 2.0).eps_hat(z, -1.0))  # above the threshold: untouched


@pytest.mark.parametrize("k", [1, 3])
def test_zero_init_with_ddim_keeps_the_flow_matching_latent_for_the_first_k_steps(eps, k):
    steps, config = 12, SamplerConfig(kind="ddim", steps=12)
    strategy = CFGZeroStar(eps, 1, 2.0, zero_init_lam=first_steps_lam(steps, k))
    x_t = [s.z / sum(float(v) for v in alpha_sigma(torch.tensor(s.lam, dtype=torch.float64)))
           for s in sample_steps(strategy, _randn(16, 2, seed=13), Schedule(), config)]  # z / (alpha + sigma)
    for t in range(1, k + 1):  # steps 0..k-1 were zeroed: z_1 .. z_k hold the same x_t
        assert torch.allclose(x_t[t], x_t[0], atol=1e-12)
    assert not torch.allclose(x_t[k + 1], x_t[0], atol=1e-3)  # step k was guided: it moved


def test_zero_init_off_and_on(eps):
    z, config = _randn(32, 2, seed=14), SamplerConfig(kind="ddim", steps=10)
    plain = sample(CFGZeroStar(eps, 0, 2.0), z, Schedule(), config).x
    none = sample(CFGZeroStar(eps, 0, 2.0, zero_init_lam=first_steps_lam(10, 0)), z, Schedule(), config).x
    one = sample(CFGZeroStar(eps, 0, 2.0, zero_init_lam=first_steps_lam(10, 1)), z, Schedule(), config).x
    assert first_steps_lam(10, 0) == -math.inf and torch.equal(plain, none) and not torch.equal(plain, one)
    assert first_steps_lam(10, 10) == Schedule().lam_max
    for bad in (-1, 11, 1.5, True):
        with pytest.raises(ValueError, match="zero-init steps"):
            first_steps_lam(10, bad)


# the registry entry through the surfaces that read METHODS generally

def test_cli_samples_cfg_zero_with_exact_scores(tmp_path):
    out = tmp_path / "cfg_zero.npz"
    r = subprocess.run([sys.executable, "-m", "cfg_core", "sample", "--dataset", "three_gaussians", "--label", "1",
                        "--guidance", "cfg_zero", "--w", "2", "--n", "40", "--score", "exact", "--steps", "20",
                        "--seed", "5", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "wrote 40 samples" in r.stdout
    x = np.load(out)
    assert x["x"].shape == (40, 2) and x["trajectory"].shape == (21, 40, 2) and np.isfinite(x["x"]).all()


def test_cli_refuses_smc_for_cfg_zero_in_one_line(tmp_path, capsys):
    from cfg_core.__main__ import main

    assert main(["sample", "--dataset", "three_gaussians", "--label", "0", "--guidance", "cfg_zero", "--w", "1",
                 "--n", "4", "--score", "exact", "--sampler", "smc", "--out", str(tmp_path / "x.npz")]) == 2
    assert "'cfg_zero' has none" in capsys.readouterr().err


@pytest.mark.parametrize("sampler", ["ddim", "ddpm", "pc"])
def test_toy_sampling_runs_cfg_zero(mix, sampler):
    from cfg_core.toy.sampling import SampleRequest, run_sample

    req = SampleRequest(label=2, method="cfg_zero", w=1.5, score="exact", sampler=sampler, steps=12, n=24, seed=1)
    res = run_sample(mix, None, req)
    assert res.x.shape == (24, 2) and torch.isfinite(res.x).all()
    assert torch.equal(res.x, run_sample(mix, None, req).x)  # same request, same samples
    plain = run_sample(mix, None, SampleRequest(**{**req.__dict__, "method": "none", "w": 0.0})).x
    unguided = run_sample(mix, None, SampleRequest(**{**req.__dict__, "w": 0.0})).x
    assert torch.allclose(unguided, plain, atol=1e-9) and not torch.allclose(res.x, plain, atol=1e-3)
    with_interval = run_sample(mix, None, SampleRequest(**{**req.__dict__, "interval": (-2.0, 2.0)}))
    assert not torch.equal(res.x, with_interval.x)


def test_mnist_samples_cfg_zero_by_its_registry_name(tmp_path, capsys):
    from cfg_core.__main__ import main
    from cfg_core.mnist import variants
    from cfg_core.mnist.models import load_mnist_models, sample_mnist

    assert variants.resolve("cfg_zero") == ("cfg_zero", methods.GuidanceOptions())
    shipped = load_mnist_models()
    kw = dict(n=2, seed=2, steps=5, keep_trajectory=False)
    guided = sample_mnist(shipped, 6, "cfg_zero", 3.0, **kw).x
    assert guided.shape == (2, 28, 28) and torch.isfinite(guided).all()
    assert not torch.allclose(guided, sample_mnist(shipped, 6, "cfg", 3.0, **kw).x, atol=1e-4)
    unguided, plain = (sample_mnist(shipped, 6, name, 0.0, **kw).x for name in ("cfg_zero", "none"))
    assert torch.allclose(unguided, plain, atol=1e-4)
    out = tmp_path / "mnist.npz"
    assert main(["sample", "--dataset", "mnist", "--label", "6", "--guidance", "cfg_zero", "--w", "2", "--n", "2",
                 "--steps", "4", "--out", str(out)]) == 0
    assert out.is_file() and "judge accuracy" in capsys.readouterr().out
