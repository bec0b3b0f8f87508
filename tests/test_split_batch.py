"""explainer.mnist.split_batch: the U-Net's batch as two halves on two threads gives the network's own numbers, keeps the
caller's grad mode, and the app's MNIST service samples the same digits through it."""
from __future__ import annotations

import threading

import pytest
import torch

from cfg_core.mnist.unet import EpsUNet
from explainer.mnist.split_batch import MIN_SPLIT, SplitBatch


def _inputs(n: int):
    g = torch.Generator().manual_seed(n)
    return (torch.randn(n, 1, 28, 28, generator=g), torch.linspace(-10, 10, n),
            torch.randint(0, 11, (n,), generator=g))  # z [n,1,28,28], lam [n], c [n]


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    model = EpsUNet(channels=(8, 16, 16), emb_dim=32).eval()
    for p in model.parameters():  # the head starts at zero; give every layer weight so the output depends on all
        p.data.normal_(0, 0.2)
    return model


@pytest.mark.parametrize("n", [1, MIN_SPLIT - 1, MIN_SPLIT, 7, 32])
def test_same_numbers_as_the_network(net, n):
    z, lam, c = _inputs(n)
    with torch.inference_mode():
        want, got = net(z, lam, c), SplitBatch(net)(z, lam, c)
    assert got.shape == want.shape == (n, 1, 28, 28)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert want.abs().mean() > 1e-3  # the check compares real outputs, not zeros


def test_the_second_half_runs_on_another_thread(net, monkeypatch):
    seen = []
    forward = net.forward

    def spy(z, lam, c):
        seen.append((threading.get_ident(), len(z)))
        return forward(z, lam, c)

    monkeypatch.setattr(net, "forward", spy)
    with torch.no_grad():
        SplitBatch(net)(*_inputs(10))
    assert [n for _, n in seen] == [5, 5]
    assert len({t for t, _ in seen}) == 2


def test_grad_mode_follows_the_caller(net):
    z, lam, c = _inputs(8)
    split = SplitBatch(net)
    with torch.no_grad():
        assert not split(z, lam, c).requires_grad
    z = z.clone().requires_grad_(True)
    out = split(z, lam, c)
    assert out.requires_grad
    out.square().sum().backward()  # gradients reach both halves' inputs
    assert z.grad is not None and (z.grad[:4].abs().sum() > 0) and (z.grad[4:].abs().sum() > 0)


def test_num_classes_and_parameters_pass_through(net):
    split = SplitBatch(net)
    assert split.num_classes == net.num_classes == 10
    assert next(split.parameters()) is next(net.parameters())


def test_an_error_in_the_worker_reaches_the_caller(net):
    z, lam, c = _inputs(8)
    c[-1] = 99  # out of the class embedding's range, in the second half
    with pytest.raises(IndexError):
        SplitBatch(net)(z, lam, c)


def test_the_app_service_samples_the_digits_of_the_plain_models():
    from cfg_core.mnist.models import load_mnist_models, sample_mnist
    from explainer.mnist.service import GridKey, MnistService, tab_sampler

    service = MnistService()
    assert isinstance(service.models().eps_model, SplitBatch) and isinstance(service.models().eps_weak, SplitBatch)
    plain = load_mnist_models()
    for method in ("cfg", "cg", "auto"):
        sampler, steps = tab_sampler(method)  # the tab's: ancestral, 16 steps
        got = service.grid(GridKey(8, method, 3.0, 11, n=4)).x
        want = sample_mnist(plain, 8, method, 3.0, n=4, seed=11, steps=steps, sampler=sampler).x.numpy()
        # float rounding differs with the batch size (oneDNN's blocking), amplified by w: less than a grey level
        assert abs(got - want).max() < 1 / 255 and abs(got - want).mean() < 1e-4, method
