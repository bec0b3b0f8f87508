"""The guidance zoo on exact mixtures: each method against its exact answer (issue 10's oracle tests).

Smaller N and T than the README table (scripts/experiments/zoo_table.py) so the suite stays fast; float64 exact scores.
"""
import math

import pytest
import torch

from cfg_core import methods
from cfg_core.__main__ import main
from cfg_core.exact import ExactEps, blurred
from cfg_core.guidance import (AutoGuidance, ClassifierFree, ClassifierFreePP, IndependentCondition, NoGuidance,
                               cfgpp_equivalent_w, random_labels, xhat_geometry)
from cfg_core.mixture_json import load_mixture
from cfg_core.samplers import SamplerConfig, initial_noise, sample, sample_steps
from cfg_core.schedule import Schedule
from cfg_core.toy import zoo
from cfg_core.weight_schedule import ScheduledWeight, WeightSchedule


def _z(n=64, seed=0):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 1.5


@pytest.fixture(scope="module")
def tg():
    return load_mixture("three_gaussians")


# --- exact identities of the strategies ---------------------------------------------------------------------
def test_blurred_adds_b_times_identity(tg):
    b = blurred(tg, 0.1)
    assert torch.allclose(b.covs, tg.covs + 0.1 * torch.eye(2, dtype=torch.float64))
    assert blurred(tg, 0.0) is tg
    for bad in (-0.1, math.nan, math.inf, True):
        with pytest.raises(ValueError, match="blur must be"):
            blurred(tg, bad)


def test_autoguidance_is_one_formula_and_cfg_is_its_unconditional_case(tg):
    eps, z = ExactEps(tg), _z()
    bad = ExactEps(blurred(tg, 0.16))
    c = torch.zeros(len(z), dtype=torch.long)
    lam = torch.full((len(z),), 0.5, dtype=torch.float64)
    want = 2.5 * eps(z, lam, c) - 1.5 * bad(z, lam, c)
    assert torch.allclose(AutoGuidance(eps, bad, 0, 1.5).eps_hat(z, 0.5), want, atol=1e-12)
    assert torch.allclose(AutoGuidance(eps, eps, 0, 1.5).eps_hat(z, 0.5), NoGuidance(eps, 0).eps_hat(z, 0.5))

    class Unconditional:  # the "bad model" that ignores the label: autoguidance becomes CFG
        num_classes = eps.num_classes

        def __call__(self, z, lam, c):
            return eps(z, lam, torch.full_like(c, eps.num_classes))

    assert torch.allclose(AutoGuidance(eps, Unconditional(), 0, 2.0).eps_hat(z, -1.0),
                          ClassifierFree(eps, 0, 2.0).eps_hat(z, -1.0), atol=1e-12)


def test_icg_draws_one_class_per_sample_and_uses_it(tg):
    eps, z = ExactEps(tg), _z(200)
    c_hat = random_labels(200, 3, seed=5)
    assert torch.equal(c_hat, random_labels(200, 3, seed=5)) and set(c_hat.tolist()) == {0, 1, 2}
    lam = torch.full((200,), -0.5, dtype=torch.float64)
    want = 3.0 * eps(z, lam, torch.ones(200, dtype=torch.long)) - 2.0 * eps(z, lam, c_hat)
    assert torch.allclose(IndependentCondition(eps, 1, 2.0, seed=5).eps_hat(z, -0.5), want, atol=1e-12)
    same = c_hat == 1  # where c^ happens to be c, ICG is the plain conditional model
    cond = NoGuidance(eps, 1).eps_hat(z, -0.5)
    assert torch.allclose(IndependentCondition(eps, 1, 2.0, seed=5).eps_hat(z, -0.5)[same], cond[same], atol=1e-12)


def test_weight_schedules():
    interval, ramp = WeightSchedule("interval", -2.0, 1.0), WeightSchedule("ramp", 0.0, 4.0)
    assert [interval.factor(v) for v in (-3, -2, 0, 1, 1.5)] == [0, 1, 1, 1, 0]
    assert [ramp.factor(v) for v in (-1, 0, 1, 4, 9)] == [0, 0, 0.25, 1, 1]
    assert WeightSchedule().factor(-10) == 1
    for kwargs, msg in (({"kind": "interval", "lo": 1.0, "hi": 0.0}, "lo <= hi"), ({"kind": "cosine"}, "one of"),
                        ({"kind": "ramp"}, "finite lo < hi")):
        with pytest.raises(ValueError, match=msg):
            WeightSchedule(**kwargs)


def test_interval_is_cfg_inside_and_the_conditional_model_outside(tg):
    eps, z = ExactEps(tg), _z()
    opts = methods.GuidanceOptions(schedule=WeightSchedule("interval", -2.0, 1.0))
    models = methods.GuidanceModels(eps)
    strategy = methods.make_strategy("cfg", models, 0, 3.0, options=opts)
    assert isinstance(strategy, ScheduledWeight)
    assert torch.equal(strategy.eps_hat(z, 0.0), ClassifierFree(eps, 0, 3.0).eps_hat(z, 0.0))
    assert torch.equal(strategy.eps_hat(z, 2.0), NoGuidance(eps, 0).eps_hat(z, 2.0))
    with pytest.raises(ValueError, match="none takes no guidance interval"):
        methods.make_strategy("none", models, 0, 3.0, options=opts)


def test_cfgpp_is_ddim_cfg_with_a_step_dependent_w(tg):
    """CFG++'s DDIM step lam -> lam' equals DDIM-CFG's with 1 + w_t = l / (1 - e^((lam - lam')/2))."""
    eps, steps, l = ExactEps(tg), 12, 0.6
    lams = Schedule().sampling_grid(steps).tolist()
    w_of = {lam: cfgpp_equivalent_w(l, lam, nxt) for lam, nxt in zip(lams, lams[1:])}

    class StepW:
        def factor(self, lam):
            return w_of.get(lam, l - 1.0)  # the last step returns x_hat of eps_u + l (eps_c - eps_u)

    config = SamplerConfig(kind="ddim", steps=steps)
    z = initial_noise(100, (2,), torch.Generator().manual_seed(0), torch.float64)
    pp = sample(ClassifierFreePP(eps, 0, l), z, Schedule(), config)
    cfg = sample(ScheduledWeight(ClassifierFree(eps, 0, 1.0), StepW()), z, Schedule(), config)
    assert torch.allclose(pp.trajectory, cfg.trajectory, atol=1e-9, rtol=1e-9)
    fine = Schedule().sampling_grid(200).tolist()  # smaller steps, stronger effective guidance
    assert cfgpp_equivalent_w(l, fine[100], fine[101]) > 3 * max(w_of.values())


def test_xhat_geometry_is_the_steps_x_hat(tg):
    eps, w = ExactEps(tg), 2.5
    z = initial_noise(50, (2,), torch.Generator().manual_seed(1), torch.float64)
    for step in sample_steps(ClassifierFree(eps, 2, w), z, Schedule(), SamplerConfig(steps=10)):
        geo = xhat_geometry(eps, 2, w, step.z, step.lam)
        assert (geo.x_guided - step.x_hat).abs().max() < 1e-12 * max(1.0, float(step.x_hat.abs().max()))


def test_pc_with_no_corrector_steps_is_conditional_ddim(tg):
    eps = ExactEps(tg)
    z = initial_noise(64, (2,), torch.Generator().manual_seed(2), torch.float64)
    ddim = sample(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(steps=20))
    pc0 = sample(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(kind="pc", steps=20, corrector_steps=0),
                 corrector=ClassifierFree(eps, 0, 3.0))
    assert torch.equal(ddim.trajectory, pc0.trajectory)
    with pytest.raises(ValueError, match="corrector"):
        sample(NoGuidance(eps, 0), z, Schedule(), SamplerConfig(kind="pc", steps=5))


# --- what each method samples, against the exact target ---------------------------------------------------
def test_pc_lands_on_the_tilted_target_and_ddim_cfg_does_not(tg):
    kw = {"steps": 100, "n": 1000, "seed": 0}
    pc = zoo.exact_samples("three_gaussians", 0, "cfg", 3.0, sampler="pc", corrector_steps=20, **kw)
    ddim = zoo.exact_samples("three_gaussians", 0, "cfg", 3.0, **kw)
    d_pc, floor = zoo.tilted_ratio(tg, pc, 0, 3.0)
    d_ddim, _ = zoo.tilted_ratio(tg, ddim, 0, 3.0)
    assert d_pc < 1.5 * floor and d_ddim > 10 * floor, (d_pc, d_ddim, floor)


def test_pc_k1_with_twice_w_is_ddpm_cfg(tg):
    kw = {"steps": 100, "n": 1000}
    ddpm = zoo.exact_samples("three_gaussians", 0, "cfg", 3.0, sampler="ddpm", v=0.0, seed=0, **kw)
    ddpm2 = zoo.exact_samples("three_gaussians", 0, "cfg", 3.0, sampler="ddpm", v=0.0, seed=1, **kw)
    pc = zoo.exact_samples("three_gaussians", 0, "cfg", 3.0, sampler="pc", corrector_steps=1, corrector_w=6.0,
                           seed=2, **kw)
    assert zoo.sample_distance(pc, ddpm) < 1.5 * zoo.sample_distance(ddpm2, ddpm)


def test_late_interval_keeps_the_near_mode_full_cfg_empties_it():
    mix, kw = load_mixture("near_far"), {"steps": 100, "n": 1000, "seed": 0}
    tilted = zoo.tilted_near_share(mix, 3.0)
    assert 0.4 < tilted < 0.55
    assert zoo.near_share(zoo.exact_samples("near_far", 0, "cfg", 3.0, **kw)) <= 0.05
    late = zoo.exact_samples("near_far", 0, "cfg", 3.0, interval=(0.0, 15.0), **kw)
    assert abs(zoo.near_share(late) - tilted) <= 0.05
    assert float(mix.posterior(late, None)[:, 0].mean()) >= 0.99
    assert zoo.near_share(zoo.exact_samples("near_far", 0, "cfg", 3.0, interval=(-15.0, -2.0), **kw)) <= 0.10


def test_autoguidance_undoes_the_blur_of_the_good_model():
    mix, kw = load_mixture("ring"), {"steps": 100, "n": 1000, "seed": 0, "good_blur": 0.04}
    std, radius = zoo.ring_stats(mix, zoo.exact_samples("ring", 0, "auto", 0.75, bad_blur=0.16, **kw))
    assert abs(std - 0.244) <= 0.02 and abs(radius - 2.5) <= 0.02, (std, radius)
    blurry = zoo.ring_stats(mix, zoo.exact_samples("ring", 0, "none", 0.0, **kw))[0]
    assert blurry > 0.3  # the good model alone is sqrt(0.06 + 0.04) wide
    cfg_std, cfg_radius = zoo.ring_stats(mix, zoo.exact_samples("ring", 0, "cfg", 2.0, **kw), around="true")
    assert cfg_std > 0.29 and cfg_radius >= 2.6, (cfg_std, cfg_radius)


@pytest.mark.slow  # exact scores of the 288-component mixture (~20 s)
def test_two_squares_guidance_seeks_the_far_edge_then_leaves_the_support():
    mix, kw = load_mixture("two_squares"), {"steps": 50, "n": 600, "seed": 0}
    assert abs(zoo.strip_share(zoo.exact_samples("two_squares", 0, "cfg", 0.0, **kw)) - 0.2) <= 0.04
    assert zoo.strip_share(zoo.exact_samples("two_squares", 0, "cfg", 3.0, **kw)) >= 0.75
    assert zoo.tilted_strip_share(mix, 3.0) <= 0.30
    assert zoo.outside_share(zoo.exact_samples("two_squares", 0, "cfg", 8.0, **kw)) >= 0.5


def test_cfgpp_guides_harder_with_more_steps():
    y = [float(zoo.exact_samples("three_gaussians", 0, "cfgpp", 0.0, cfgpp_lambda=0.6, steps=t, n=500,
                                 seed=0)[:, 1].mean()) for t in (50, 200)]
    assert y[1] - y[0] >= 0.5, y


# --- the command line: every new flag, good and bad ------------------------------------------------------
BASE = ["sample", "--dataset", "three_gaussians", "--label", "0", "--n", "20", "--steps", "8", "--score", "exact"]


@pytest.mark.parametrize("extra", [
    ["--guidance", "cfg", "--w", "3", "--sampler", "pc", "--corrector-steps", "2", "--corrector-w", "6",
     "--corrector-step-scale", "0.5"],
    ["--guidance", "cfg", "--w", "3", "--interval=-2,1"],
    ["--guidance", "auto", "--w", "1", "--good-blur", "0.04", "--bad-blur", "0.2"],
    ["--guidance", "icg", "--w", "2", "--sampler", "ddpm", "--v", "0"],
    ["--guidance", "cfgpp", "--w", "0", "--cfgpp-lambda", "0.4"],
])
def test_cli_new_flags_work(extra, tmp_path):
    assert main(BASE + extra + ["--out", str(tmp_path / "s.npz")]) == 0


@pytest.mark.parametrize("extra, message", [
    (["--guidance", "cfg", "--w", "1", "--sampler", "pc", "--corrector-steps", "-1"], "corrector-steps K"),
    (["--guidance", "cfg", "--w", "1", "--corrector-steps", "3"], "add --sampler pc"),
    (["--guidance", "cfg", "--w", "1", "--corrector-w", "2"], "add --sampler pc"),
    (["--guidance", "cfg", "--w", "1", "--sampler", "pc", "--corrector-w", "-2"], "corrector-w must be"),
    (["--guidance", "cfg", "--w", "1", "--sampler", "pc", "--corrector-step-scale", "0"], "step-scale"),
    (["--guidance", "cfg", "--w", "1", "--interval=1,-1"], "LO <= HI"),
    (["--guidance", "cfg", "--w", "1", "--interval=1"], "two finite"),
    (["--guidance", "none", "--w", "0", "--interval=-1,1"], "takes no guidance interval"),
    (["--guidance", "cfg", "--w", "1", "--good-blur", "-0.1"], "good-blur must be"),
    (["--guidance", "auto", "--w", "1", "--bad-blur", "-1"], "bad-blur must be"),
    (["--guidance", "cfg", "--w", "1", "--bad-blur", "0.1"], "use --guidance auto"),
    (["--guidance", "cfgpp", "--w", "0", "--cfgpp-lambda", "1.5"], "cfgpp-lambda must be"),
    (["--guidance", "cfg", "--w", "1", "--cfgpp-lambda", "0.5"], "takes no CFG\\+\\+ lambda"),
    (["--guidance", "cfgpp", "--w", "0", "--sampler", "ddpm"], "ddim sampler"),
    (["--guidance", "reduced", "--w", "1", "--sampler", "pc"], "not pc"),
    (["--guidance", "cfg", "--w", "1", "--v", "0.2"], "add --sampler ddpm"),
    (["--guidance", "cfg", "--w", "1", "--sampler", "ddpm", "--v", "1.5"], "--v must be"),
])
def test_cli_bad_flags_are_one_line_errors(extra, message, tmp_path, capsys):
    assert main(BASE + extra + ["--out", str(tmp_path / "s.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert __import__("re").search(message, err), err


def test_cli_blur_needs_exact_scores_and_learned_auto_uses_the_shipped_weak_model(tmp_path, capsys):
    learned = [a for a in BASE if a not in ("--score", "exact")]
    assert main(learned + ["--guidance", "cfg", "--w", "1", "--good-blur", "0.1", "--out", str(tmp_path / "a.npz")]) == 2
    assert "--score exact" in capsys.readouterr().err
    assert main(learned + ["--guidance", "auto", "--w", "1", "--bad-blur", "0.2", "--out", str(tmp_path / "c.npz")]) == 2
    assert "--score exact" in capsys.readouterr().err
    assert main(learned + ["--guidance", "auto", "--w", "1", "--out", str(tmp_path / "b.npz")]) == 0
    x_auto = __import__("numpy").load(tmp_path / "b.npz")["x"]
    assert main(learned + ["--guidance", "none", "--w", "0", "--out", str(tmp_path / "n.npz")]) == 0
    x_none = __import__("numpy").load(tmp_path / "n.npz")["x"]
    assert x_auto.shape == x_none.shape and abs(x_auto - x_none).max() > 1e-3  # the weak model changes something


def test_a_checkpoint_without_a_weak_model_refuses_learned_auto(tmp_path):
    from cfg_core.mixture_json import load_mixture
    from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture
    from cfg_core.toy.sampling import SampleRequest, run_sample
    mix = load_mixture("three_gaussians")
    tm = load_trained_mixture(default_checkpoint("three_gaussians"), mix)
    assert tm.eps_weak is not None and tm.eps_weak.inp.out_features == tm.eps_model.inp.out_features // 2
    tm.eps_weak = None  # as loaded from a checkpoint made before weak models existed
    with pytest.raises(ValueError, match="bad .weaker conditional. model"):
        run_sample(mix, tm, SampleRequest(label=0, method="auto", w=1.0, n=10))


@pytest.mark.parametrize("extra", [["--sampler", "pc"], ["--good-blur", "0.1"]])
def test_cli_2d_only_options_are_refused_for_mnist(extra, tmp_path, capsys):
    argv = ["sample", "--dataset", "mnist", "--label", "1", "--guidance", "cfg", "--w", "1", "--n", "2",
            "--out", str(tmp_path / "m.npz"), *extra]
    assert main(argv) == 2 and "2D mixtures only" in capsys.readouterr().err
