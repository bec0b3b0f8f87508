"""The one sampler loop, run on exact scores: it must reproduce the mixture and the paper's identities."""
import pytest
import torch

from cfg_core import metrics
from cfg_core.exact import ExactEps
from cfg_core.guidance import NoGuidance
from cfg_core.toy.sampling import SampleRequest, run_sample
from cfg_core.samplers import SamplerConfig, initial_noise, sample, sample_steps
from cfg_core.schedule import Schedule
from cfg_core.mixture_json import load_mixture, load_mixture_file


@pytest.mark.slow  # many exact samples per class (~30 s)
def test_exact_samples_match_every_class_of_unseen_mixture(unseen_json):
    """SW_2 of exact-score DDIM samples to true samples is at the noise floor of two true sets (within 2x)."""
    mix = load_mixture_file(unseen_json)
    for c in range(mix.num_classes):
        x = run_sample(mix, None, SampleRequest(label=c, method="none", score="exact", n=2000, seed=c)).x
        gen = torch.Generator().manual_seed(99 + c)
        reference = mix.sample(20_000, c, gen)  # large, so the floor measures the n = 2000 set's own noise
        floor = metrics.noise_floor(mix, c, 2000, gen, reference=reference)
        sw = metrics.sliced_wasserstein(x, reference, generator=gen)
        assert sw < 2 * floor, (c, sw, floor)  # a lost or misweighted mode gives many times the floor


def test_exact_ancestral_samples_match_the_class():
    mix = load_mixture("two_overlapping")
    x = run_sample(mix, None, SampleRequest(label=1, method="none", score="exact", n=2000, sampler="ddpm", seed=3)).x
    gen = torch.Generator().manual_seed(5)
    assert metrics.sliced_wasserstein(x, mix.sample(2000, 1, gen), generator=gen) < 1.3 * metrics.noise_floor(mix, 1, 2000, gen)


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_exact_cfg_and_cg_agree_with_same_seed(unseen_json, sampler):
    mix = load_mixture_file(unseen_json)
    for w in (0.5, 2.0):
        runs = [run_sample(mix, None, SampleRequest(label=0, method=m, cg_base=b, w=w, score="exact", n=300,
                                                     sampler=sampler, seed=11)).x
                for m, b in (("cfg", "conditional"), ("cg", "conditional"), ("cg", "unconditional"))]
        assert (runs[0] - runs[1]).abs().max() < 1e-3 and (runs[0] - runs[2]).abs().max() < 1e-3


def test_mean_posterior_rises_with_w(unseen_json):
    mix = load_mixture_file(unseen_json)
    for method in ("cfg", "cg"):
        post = [metrics.mean_posterior(mix, run_sample(mix, None, SampleRequest(
            label=1, method=method, w=w, score="exact", n=1000, seed=2)).x, 1) for w in (0.0, 0.5, 2.0, 6.0)]
        assert all(a < b for a, b in zip(post, post[1:])), (method, post)


def test_noise_scale_one_is_the_normal_ancestral_sampler():
    mix = load_mixture("three_gaussians")
    normal = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=1.0, score="exact", n=200, sampler="ddpm", seed=4))
    tau1 = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=1.0, score="exact", n=200, sampler="ddpm",
                                               seed=4, noise_scale=1.0))
    assert torch.equal(normal.trajectory, tau1.trajectory)
    tau_half = run_sample(mix, None, SampleRequest(label=0, method="cfg", w=1.0, score="exact", n=200,
                                                   sampler="ddpm", seed=4, noise_scale=0.5))
    assert not torch.allclose(normal.x, tau_half.x)


def test_reduced_noise_at_tau0_is_deterministic_and_less_diverse():
    mix = load_mixture("three_gaussians")
    req = dict(label=0, method="none", score="exact", n=1000, sampler="ddpm")
    a = run_sample(mix, None, SampleRequest(**req, seed=1, noise_scale=0.0)).x
    full = run_sample(mix, None, SampleRequest(**req, seed=1)).x
    assert metrics.diversity(a) < 0.8 * metrics.diversity(full)


def test_score_scaling_misses_the_tempered_density():
    """The lesson of issue 5: eps_hat = (1+w) eps(z,c) does NOT sample p(x|c)^(1+w).

    Measured on three_gaussians, class 0, 2000 samples (SW_2, exact scores, DDIM T=100): at w = 1 the
    distance is ~0.5 and at w = 3 ~0.36, against a two-sample noise floor of ~0.04: the samples collapse
    to (near) a point, while the tempered density is a Gaussian of variance 0.5/(1+w)."""
    from cfg_core.mixture import grid_density

    mix = load_mixture("three_gaussians")
    for w in (1.0, 3.0):
        x = run_sample(mix, None, SampleRequest(label=0, method="scaled", w=w, score="exact", n=2000, seed=6)).x
        gen = torch.Generator().manual_seed(8)
        tempered = grid_density(lambda p: mix.tempered_log_density(p, 0, w), mix.extent(), 300).sample(2000, gen)
        floor = metrics.noise_floor(mix, 0, 2000, gen)
        assert metrics.sliced_wasserstein(x, tempered, generator=gen) > 5 * floor


def test_trajectory_shape_and_reproducibility():
    mix = load_mixture("ring")
    req = SampleRequest(label=0, method="cfg", w=1.0, score="exact", n=64, steps=30, sampler="ddpm", seed=5)
    a, b = run_sample(mix, None, req), run_sample(mix, None, req)
    assert a.trajectory.shape == (31, 64, 2) and a.x.shape == (64, 2)
    assert torch.equal(a.trajectory, b.trajectory) and torch.equal(a.trajectory[-1], a.x)


def test_sample_steps_yields_every_step_with_x_hat():
    mix = load_mixture("three_gaussians")
    eps = ExactEps(mix)
    z = initial_noise(10, (2,), torch.Generator().manual_seed(0), torch.float64)
    steps = list(sample_steps(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(steps=20)))
    assert [s.index for s in steps] == list(range(20))
    assert all(s.lam < t.lam for s, t in zip(steps, steps[1:]))
    s = steps[5]
    alpha, sigma = torch.sigmoid(torch.tensor(s.lam)).sqrt(), torch.sigmoid(torch.tensor(-s.lam)).sqrt()
    assert torch.allclose(s.x_hat, (s.z - sigma * s.eps_hat) / alpha)


def test_on_step_sees_every_step_and_changes_nothing():
    eps = ExactEps(load_mixture("three_gaussians"))
    z = initial_noise(10, (2,), torch.Generator().manual_seed(0), torch.float64)
    seen = []
    res = sample(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(steps=20), on_step=seen.append)
    plain = sample(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(steps=20))
    assert [s.index for s in seen] == list(range(20)) and torch.equal(seen[-1].x_hat, res.x)
    assert torch.equal(res.x, plain.x) and torch.equal(res.trajectory, plain.trajectory)


def test_clip_keeps_x_hat_in_range():
    mix = load_mixture("ring")
    z = initial_noise(50, (2,), torch.Generator().manual_seed(0), torch.float64)
    res = sample(NoGuidance(ExactEps(mix), 0), z, Schedule(), SamplerConfig(steps=20, clip=1.0))
    assert res.x.abs().max() <= 1.0 + 1e-12


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "euler"}, "sampler must be one of ddim, ddpm"), ({"steps": 1}, "steps must be an integer"),
    ({"steps": 10**6}, "steps must be an integer"), ({"noise_scale": 1.5}, "noise scale tau"),
    ({"noise_scale": float("nan")}, "noise scale tau"), ({"v": -1}, "v must be in"),
])
def test_sampler_config_rejects(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SamplerConfig(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"label": 3}, r"label must be an integer in \[0, 2\]"), ({"label": -1}, "label must be"),
    ({"n": 0}, "n must be an integer"), ({"n": 10**7}, "n must be an integer"),
    ({"w": float("nan")}, "w must be a finite"), ({"method": "magic"}, "method must be one of"),
    ({"score": "guess"}, "score must be one of"), ({"seed": -3}, "seed must be"),
])
def test_sample_request_rejects(kwargs, message):
    mix = load_mixture("three_gaussians")
    with pytest.raises(ValueError, match=message):
        run_sample(mix, None, SampleRequest(**{"label": 0, "score": "exact", **kwargs}))


@pytest.mark.parametrize("kind", ["ddpm", "pc"])
def test_noise_groups_share_every_draw(kind):
    """noise_groups = G: the batch's G groups of chains get the same noise at every step (the lab's w share it), so
    G copies of one start under the same guidance stay identical; each group is still a valid ancestral run."""
    mix = load_mixture("three_gaussians")
    eps = ExactEps(mix)
    z = initial_noise(8, (2,), torch.Generator().manual_seed(0), torch.float64)
    guided = NoGuidance(eps, 0)
    corrector = NoGuidance(eps, 0) if kind == "pc" else None
    shared = sample(guided, z.repeat(3, 1), Schedule(), SamplerConfig(kind=kind, steps=12, noise_groups=3),
                    torch.Generator().manual_seed(1), corrector=corrector).x.reshape(3, 8, 2)
    assert torch.equal(shared[0], shared[1]) and torch.equal(shared[1], shared[2])
    alone = sample(guided, z.repeat(3, 1), Schedule(), SamplerConfig(kind=kind, steps=12),
                   torch.Generator().manual_seed(1), corrector=corrector).x.reshape(3, 8, 2)
    assert not torch.equal(alone[0], alone[1])  # without groups each copy draws its own noise
    with pytest.raises(ValueError, match="noise groups"):
        sample(guided, z[:7].repeat(2, 1)[:13], Schedule(), SamplerConfig(kind=kind, steps=4, noise_groups=2),
               torch.Generator().manual_seed(1), corrector=corrector)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="noise groups"):
            SamplerConfig(noise_groups=bad)
