"""MNIST networks, guidance on them, training, metrics, and the shipped checkpoint."""
import json
import shutil

import numpy as np
import pytest
import torch

from cfg_core.checkpoint import CheckpointError
from cfg_core.guidance import ClassifierFree, NoGuidance, classifier_grad
from cfg_core.mnist.metrics import frechet_distance, inception_score, precision_recall, diversity, JudgeOutputs
from cfg_core.mnist.models import DEFAULT_CHECKPOINT, load_mnist_models, sample_mnist
from cfg_core.mnist.training import CONFIGS, STAGES, eps_loss, train_mnist
from cfg_core.schedule import Schedule
from cfg_core.mnist.unet import DigitClassifier, EpsUNet
from cfg_core.mnist.data import Digits


@pytest.fixture(scope="module")
def shipped():
    return load_mnist_models()


def _tiny_eps():
    torch.manual_seed(0)
    net = EpsUNet(channels=(8, 8, 8)).eval()
    torch.nn.init.normal_(net.head[-1].weight, std=0.1)  # the zero-initialised head would hide bugs
    return net


def test_eps_unet_shapes_and_null_token():
    net = _tiny_eps()
    z, lam = torch.randn(3, 1, 28, 28), torch.tensor([-10.0, 0.0, 10.0])
    eps_c = net(z, lam, torch.tensor([1, 2, 3]))
    eps_u = net(z, lam, torch.full((3,), net.num_classes))
    assert eps_c.shape == (3, 1, 28, 28)
    assert not torch.allclose(eps_c, eps_u)  # the null token is a different condition


def test_cfg_w0_is_conditional_and_batched_pass_matches_separate_calls():
    net = _tiny_eps()
    z = torch.randn(4, 1, 28, 28)
    cond = NoGuidance(net, 7).eps_hat(z, 1.5)
    assert torch.allclose(ClassifierFree(net, 7, 0.0).eps_hat(z, 1.5), cond, atol=1e-6)
    lam = torch.full((4,), 1.5)
    eps_u = net(z, lam, torch.full((4,), 10))
    expected = 3.0 * cond - 2.0 * eps_u  # (1 + w) eps_c - w eps_u at w = 2
    assert torch.allclose(ClassifierFree(net, 7, 2.0).eps_hat(z, 1.5), expected, atol=1e-5)


def test_clean_classifier_ignores_lam_noisy_does_not():
    torch.manual_seed(0)
    z = torch.randn(2, 1, 28, 28)
    clean, noisy = DigitClassifier(ch=8, noise_aware=False), DigitClassifier(ch=8, noise_aware=True)
    a, b = torch.full((2,), -5.0), torch.full((2,), 5.0)
    assert clean(z, a).shape == (2, 10)
    assert torch.equal(clean(z, a), clean(z, b))
    assert not torch.allclose(noisy(z, a), noisy(z, b))


def test_cg_gradient_matches_finite_difference():
    torch.manual_seed(0)
    clf = DigitClassifier(ch=8).double().eval()
    z = torch.randn(1, 1, 28, 28, dtype=torch.float64)
    grad = classifier_grad(clf, z, 0.5, 4)
    e = torch.zeros_like(z)
    e[0, 0, 14, 14] = 1e-6
    logp = lambda v: torch.log_softmax(clf(v, torch.full((1,), 0.5, dtype=torch.float64)), 1)[0, 4]
    fd = (logp(z + e) - logp(z - e)) / 2e-6
    assert torch.allclose(grad[0, 0, 14, 14], fd, rtol=1e-4)


def test_eps_loss_of_perfect_model_is_zero_and_random_model_is_not():
    x, c = torch.rand(6, 1, 28, 28) * 2 - 1, torch.arange(6)

    class Oracle(torch.nn.Module):  # knows x, so eps = (z - alpha x) / sigma exactly
        num_classes = 10

        def forward(self, z, lam, c):
            alpha, sigma = torch.sigmoid(lam).sqrt(), torch.sigmoid(-lam).sqrt()
            return (z - alpha[:, None, None, None] * x) / sigma[:, None, None, None]

    g = torch.Generator().manual_seed(0)
    assert eps_loss(Oracle(), x, c, 0.1, Schedule(), g) < 1e-6
    assert eps_loss(_tiny_eps(), x, c, 0.1, Schedule(), g) > 0.5


def test_metric_oracles():
    one_hot = np.eye(10)[np.arange(100) % 10]
    assert inception_score(one_hot) == pytest.approx(10.0, rel=1e-6)  # certain and balanced: IS = #classes
    assert inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)  # uninformative: IS = 1
    rng = np.random.default_rng(0)
    f = rng.normal(size=(4000, 3))
    assert frechet_distance(f, f) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(f + np.array([2.0, 0, 0]), f) == pytest.approx(4.0, abs=1e-6)  # |mu shift|^2
    assert precision_recall(f[:300], f[:300]) == (1.0, 1.0)
    far = precision_recall(f[:300] + 100, f[:300])
    assert far == (0.0, 0.0)
    out = JudgeOutputs(one_hot[:2], np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([1, 1]))
    assert diversity(out) == pytest.approx(5.0)


def _toy_digits(n=40):
    g = torch.Generator().manual_seed(1)
    return Digits(torch.rand(n, 1, 28, 28, generator=g) * 2 - 1, torch.arange(n) % 10)


def test_train_writes_checkpoint_and_resumes(tmp_path):
    data = _toy_digits()
    splits = {"guide": data, "judge": data, "held_out": data}
    config = CONFIGS["tiny"]
    record = train_mnist(splits, config, tmp_path, seed=3, command="cmd", device="cpu")
    assert record["steps"] == {s: 2 for s in STAGES} and record["finished"]
    assert set(record["losses"]) == set(STAGES) and record["seed"] == 3 and record["command"] == "cmd"
    models = load_mnist_models(tmp_path)
    assert models.eps_model.num_classes == 10
    # autoguidance's bad model: the EMA of this run after 1/8 of its eps steps (here step 1 of 2)
    assert record["weak_step"] == 1 and models.eps_weak is not None
    final, weak = models.eps_model.state_dict(), models.eps_weak.state_dict()
    assert final.keys() == weak.keys() and any(not torch.equal(final[k], weak[k]) for k in final)
    from dataclasses import replace
    record = train_mnist(splits, replace(config, eps_steps=4), tmp_path, seed=3, command="cmd", resume=True)
    assert record["steps"]["eps_model"] == 4 and record["steps"]["judge"] == 2
    saved = json.loads((tmp_path / "model.json").read_text())
    assert saved["steps"]["eps_model"] == 4 and saved["seconds"] > 0
    assert torch.equal(load_mnist_models(tmp_path).eps_weak.stem.weight, weak["stem.weight"])  # resume keeps it
    assert saved["command"] == "cmd" and saved["resumed_by"] == ["cmd"]


def test_shipped_checkpoint_record_and_size(shipped):
    weights = DEFAULT_CHECKPOINT / "model.safetensors"
    assert weights.stat().st_size < 10_000_000
    rec = shipped.record
    assert rec["finished"] and rec["command"].startswith("python -m cfg_core train --dataset mnist")
    assert rec["seconds"] < 3600 and rec["steps"]["eps_model"] > 1000
    assert rec["held_out_accuracy"]["judge"] >= 0.97


def test_shipped_cfg_w3_makes_the_requested_digits(shipped):
    """Judge (trained on digits no guide saw) reads CFG samples at w = 3 as the requested digit."""
    for label in (0, 4, 7):
        x = sample_mnist(shipped, label, "cfg", 3.0, n=4, seed=label, steps=25, keep_trajectory=False).x
        with torch.no_grad():
            pred = shipped.judge(x[:, None] * 2 - 1).argmax(1)
        assert (pred == label).float().mean() >= 0.75, (label, pred)


def test_sample_mnist_shapes_and_range(shipped):
    res = sample_mnist(shipped, 2, "cg", 1.0, n=3, seed=0, steps=4, sampler="ddpm", noise_scale=0.5)
    assert res.x.shape == (3, 28, 28) and res.trajectory.shape == (5, 3, 28, 28)
    assert res.x.dtype == torch.float32 and 0 <= float(res.x.min()) and float(res.x.max()) <= 1
    assert torch.equal(res.trajectory[-1], res.x)
    seen = []
    again = sample_mnist(shipped, 2, "cg", 1.0, n=3, seed=0, steps=4, sampler="ddpm", noise_scale=0.5,
                         on_step=lambda t, x01: seen.append((t, x01)))
    assert torch.equal(res.x, again.x)  # seeded, and on_step changes nothing
    assert [t for t, _ in seen] == [1, 2, 3, 4] and torch.equal(seen[-1][1], res.x)
    assert all(x01.shape == (3, 28, 28) and 0 <= float(x01.min()) and float(x01.max()) <= 1 for _, x01 in seen)
    with pytest.raises(ValueError, match="digit 0..9"):
        sample_mnist(shipped, 10, "cfg", 1.0, n=1, seed=0)
    with pytest.raises(ValueError, match="classifier must be one of"):
        sample_mnist(shipped, 1, "cg", 1.0, n=1, seed=0, classifier="judge")
    with pytest.raises(ValueError, match="finite"):
        sample_mnist(shipped, 1, "cfg", float("nan"), n=1, seed=0)


def test_bad_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_mnist_models(tmp_path / "missing")
    for name, mangle in (("truncated", lambda b: b[: len(b) // 2]), ("foreign", lambda b: b"PK\x03\x04" + b"x" * 500)):
        d = tmp_path / name
        shutil.copytree(DEFAULT_CHECKPOINT, d)
        (d / "model.safetensors").write_bytes(mangle((d / "model.safetensors").read_bytes()))
        with pytest.raises(CheckpointError) as err:
            load_mnist_models(d)
        assert "\n" not in str(err.value)
    d = tmp_path / "no_modules"
    shutil.copytree(DEFAULT_CHECKPOINT, d)
    rec = json.loads((d / "model.json").read_text())
    del rec["modules"]
    text = json.dumps(rec)
    (d / "model.json").write_text(text)
    with pytest.raises(CheckpointError, match="does not belong to"):  # an edited record: the weights say so
        load_mnist_models(d)
    import hashlib

    from safetensors.torch import load_file, save_file
    save_file(load_file(d / "model.safetensors"), str(d / "model.safetensors"),  # re-signed: read as such
              metadata={"record_sha256": hashlib.sha256(text.encode()).hexdigest()})
    with pytest.raises(CheckpointError, match="not an MNIST checkpoint"):
        load_mnist_models(d)
