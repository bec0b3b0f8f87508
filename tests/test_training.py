"""Models and training on mixtures: shapes, the null token, reproducibility, and quality of the shipped models."""
import pytest
import torch

from cfg_core import metrics
from cfg_core.toy.sampling import SampleRequest, run_sample
from cfg_core.toy.models import Classifier, EpsMLP
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, estimate_seconds, train_mixture
from cfg_core.mixture_json import PRESETS, load_mixture


def test_eps_mlp_shapes_and_null_token():
    net = EpsMLP(num_classes=3)
    z, lam = torch.randn(8, 2), torch.linspace(-15, 15, 8)
    c = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])  # 3 = null
    assert net(z, lam, c).shape == (8, 2)
    assert net.class_emb.num_embeddings == 4
    with pytest.raises(IndexError):
        net(z, lam, torch.full((8,), 4))


def test_eps_preconditioning_gives_z_at_pure_noise():
    """eps_theta = sigma z + alpha F, so at lam_min the prediction is z whatever F is."""
    net = EpsMLP(num_classes=2)
    z = torch.randn(16, 2)
    out = net(z, torch.full((16,), -15.0), torch.zeros(16, dtype=torch.long))
    assert torch.allclose(out, z, atol=5e-3)


def test_clean_classifier_ignores_lam_noisy_one_does_not():
    clean, noisy = Classifier(3, noise_aware=False), Classifier(3, noise_aware=True)
    z = torch.randn(5, 2)
    assert torch.equal(clean(z, torch.zeros(5)), clean(z, torch.full((5,), -7.0)))
    assert not torch.allclose(noisy(z, torch.zeros(5)), noisy(z, torch.full((5,), -7.0)))


def test_training_is_reproducible_and_learns():
    mix = load_mixture("three_gaussians")
    cfg = MixtureTrainConfig(steps=150, classifier_steps=100, batch_size=256)
    a = train_mixture(mix, cfg, torch.Generator().manual_seed(3))
    b = train_mixture(mix, cfg, torch.Generator().manual_seed(3))
    for k, v in a.eps_model.state_dict().items():
        assert torch.equal(v, b.eps_model.state_dict()[k])
    curve = a.record["losses_every_50_steps"]["eps_model"]
    assert curve[-1] < curve[0]
    cls_curve = a.record["losses_every_50_steps"]["classifier_noisy"]
    assert cls_curve[-1] < cls_curve[0]


def test_estimate_seconds_predicts_the_training_time():
    """A few timed probe steps per network, scaled by the step counts: within 3x of the real run (the CPU is
    shared, so only the order of magnitude is asserted), and the global RNG is left alone."""
    mix = load_mixture("two_overlapping")
    cfg = MixtureTrainConfig(steps=200, classifier_steps=100)
    state = torch.get_rng_state()
    predicted = estimate_seconds(mix, cfg)
    assert torch.equal(state, torch.get_rng_state())
    actual = train_mixture(mix, cfg, torch.Generator().manual_seed(0)).record
    assert sum(actual["stage_seconds"].values()) / 3 < predicted < 3 * actual["seconds"]
    assert set(actual["stage_seconds"]) == {"eps_model", "classifier_noisy", "classifier_clean"}


@pytest.mark.parametrize("kwargs, message", [({"steps": 0}, "steps must be"), ({"p_uncond": 0.0}, "p_uncond"),
                                             ({"p_uncond": 1.5}, "p_uncond"), ({"batch_size": -2}, "batch_size")])
def test_bad_training_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MixtureTrainConfig(**kwargs)


@pytest.mark.slow  # samples every shipped model at size (~60 s)
@pytest.mark.parametrize("preset", PRESETS)
def test_shipped_model_samples_at_w0_are_close_to_the_data(preset):
    """Learned DDIM samples at w = 0: SW_2 to each class within 2x the two-sample noise floor."""
    mix = load_mixture(preset)
    trained = load_trained_mixture(default_checkpoint(preset), mix)
    assert trained.record["command"].startswith(f"python -m cfg_core train --dataset {preset}")
    for c in range(mix.num_classes):
        x = run_sample(mix, trained, SampleRequest(label=c, method="cfg", w=0.0, n=2000, seed=1)).x
        gen = torch.Generator().manual_seed(21 + c)
        reference = mix.sample(20_000, c, gen)
        floor = metrics.noise_floor(mix, c, 2000, gen, reference=reference)
        assert metrics.sliced_wasserstein(x, reference, generator=gen) < 2 * floor


@pytest.mark.slow  # learned CFG and CG at size (~8 s)
def test_shipped_learned_cfg_and_cg_raise_the_posterior():
    mix = load_mixture("two_overlapping")
    trained = load_trained_mixture(default_checkpoint("two_overlapping"), mix)
    for method in ("cfg", "cg"):
        post = [metrics.mean_posterior(mix, run_sample(mix, trained, SampleRequest(
            label=0, method=method, w=w, n=1000, seed=0)).x, 0) for w in (0.0, 1.0, 4.0)]
        assert post[0] < post[1] < post[2], (method, post)
