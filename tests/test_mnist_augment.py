"""Non-leaking augmentation of the eps-network (cfg_core/mnist/augment.py, Karras et al. 2022).

Checked against exact answers: a = 0 leaves digits bit for bit, a pure shift by MAX_SHIFT pixels is an exact
integer translation with background filling in, and an eps-network told a = 0 gives what it gives with no
augmentation input at all (so sampling, which passes none, draws un-augmented digits).
"""
import math

import pytest
import torch

from cfg_core.mnist.augment import AUG_DIM, MAX_SHIFT, affine_matrices, augment
from cfg_core.mnist.training import MnistTrainConfig, build_module, module_kwargs
from cfg_core.mnist.unet import EpsUNet
from cfg_core.schedule import Schedule
from cfg_core.training import eps_loss


def _digits(n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = -torch.ones(n, 1, 28, 28)
    x[:, :, 8:20, 10:18] = torch.rand(n, 1, 12, 8, generator=g) * 2 - 1  # ink in the middle, background -1
    return x


def test_p_zero_changes_nothing_and_reports_zero_parameters():
    x = _digits()
    out, a = augment(x, 0.0, torch.Generator().manual_seed(1))
    assert torch.equal(out, x) and a.shape == (6, AUG_DIM) and not a.any()


def test_p_one_transforms_every_digit_with_parameters_in_the_unit_box():
    x = _digits(64)
    out, a = augment(x, 1.0, torch.Generator().manual_seed(2))
    assert (a != 0).all(dim=1).all() and a.abs().max() <= 1
    assert not torch.equal(out, x) and out.min() >= -1 - 1e-6 and out.max() <= 1 + 1e-6


def test_the_fraction_transformed_follows_p_aug():
    out, a = augment(_digits(2000), 0.3, torch.Generator().manual_seed(3))
    frac = (a != 0).any(dim=1).float().mean().item()
    assert abs(frac - 0.3) < 0.04  # 4.4 standard errors of a binomial(2000, 0.3) fraction


def test_untouched_digits_are_returned_exactly():
    x = _digits(200)
    out, a = augment(x, 0.5, torch.Generator().manual_seed(4))
    kept = ~(a != 0).any(dim=1)
    assert kept.any() and torch.equal(out[kept], x[kept])


def test_zero_parameters_are_the_identity_map():
    theta = affine_matrices(torch.zeros(3, AUG_DIM), 28)
    assert torch.allclose(theta, torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(3, 2, 3))


def test_a_full_shift_moves_the_digit_by_max_shift_pixels_exactly():
    """a = (0, 0, 1, 0) samples the input MAX_SHIFT pixels to the right: an exact integer translation."""
    x = _digits(2)
    theta = affine_matrices(torch.tensor([[0.0, 0.0, 1.0, 0.0]] * 2), 28)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    moved = torch.nn.functional.grid_sample(x + 1, grid, align_corners=False) - 1
    s = int(MAX_SHIFT)
    assert torch.allclose(moved[..., :, :-s], x[..., :, s:], atol=1e-5)  # out(i) = in(i + s)
    assert torch.allclose(moved[..., :, -s:], torch.full_like(moved[..., :, -s:], -1.0), atol=1e-6)  # background


def test_rotation_parameter_rotates_the_sampling_grid():
    theta = affine_matrices(torch.tensor([[1.0, 0.0, 0.0, 0.0]]), 28)[0]
    angle = math.radians(15.0)
    assert torch.allclose(theta[:, :2], torch.tensor([[math.cos(angle), -math.sin(angle)],
                                                      [math.sin(angle), math.cos(angle)]]), atol=1e-6)


def test_bad_probability_is_refused():
    with pytest.raises(ValueError, match="p_aug"):
        augment(_digits(), 1.5, torch.Generator())
    with pytest.raises(ValueError, match="p_aug"):
        MnistTrainConfig(p_aug=-0.1)


def test_network_told_no_augmentation_equals_network_without_the_input():
    torch.manual_seed(0)
    net = EpsUNet(channels=(16, 16, 16), aug_dim=AUG_DIM).eval()  # groups of 2: 8 would norm a bias away
    torch.nn.init.normal_(net.head[-1].weight)  # the zero-initialised head would hide any difference
    z, lam, c = torch.randn(4, 1, 28, 28), torch.linspace(-5, 5, 4), torch.tensor([0, 3, 7, 10])
    with torch.no_grad():
        plain = net(z, lam, c)
        assert torch.allclose(plain, net(z, lam, c, aug=torch.zeros(4, AUG_DIM)), atol=1e-6)
        assert not torch.allclose(plain, net(z, lam, c, aug=torch.ones(4, AUG_DIM)), atol=1e-4)


def test_network_without_augmentation_input_refuses_parameters():
    net = EpsUNet(channels=(8, 8, 8))
    with pytest.raises(ValueError, match="aug_dim"):
        net(torch.randn(1, 1, 28, 28), torch.zeros(1), torch.zeros(1, dtype=torch.long), aug=torch.zeros(1, AUG_DIM))


def test_records_name_the_augmentation_input_only_when_trained_with_it():
    assert "aug_dim" not in module_kwargs(MnistTrainConfig(p_aug=0.0))["eps_model"]
    kwargs = module_kwargs(MnistTrainConfig(p_aug=0.3))["eps_model"]
    assert kwargs["aug_dim"] == AUG_DIM and build_module("eps_model", kwargs).aug_emb.in_features == AUG_DIM


def test_eps_loss_trains_the_augmentation_embedding():
    torch.manual_seed(0)
    net = EpsUNet(channels=(16, 16, 16), aug_dim=AUG_DIM)
    g = torch.Generator().manual_seed(5)
    x, a = augment(_digits(8), 1.0, g)
    eps_loss(net, x, torch.arange(8) % 10, 0.1, Schedule(), g, aug=a).backward()
    torch.nn.init.normal_(net.head[-1].weight)
    net.zero_grad()
    eps_loss(net, x, torch.arange(8) % 10, 0.1, Schedule(), g, aug=a).backward()
    assert net.aug_emb.weight.grad is not None and net.aug_emb.weight.grad.abs().sum() > 0


# Adaptive group normalisation (unet.ResBlock scale_shift), trained beside the augmentation in the same issue.

def _outputs_for_each_label(net):
    torch.manual_seed(1)
    z, lam = torch.randn(1, 1, 28, 28).expand(11, 1, 28, 28), torch.zeros(11)
    with torch.no_grad():
        return net(z, lam, torch.arange(11))  # digits 0..9 and the null label at one z


def test_an_added_bias_is_normed_away_where_scale_and_shift_survive():
    """With one channel per GroupNorm group an added per-channel bias is subtracted again by the norm, so the
    additive U-Net cannot see its label at all; the scale-and-shift one can."""
    torch.manual_seed(0)
    for scale_shift, differs in ((False, False), (True, True)):
        net = EpsUNet(channels=(8, 8, 8), scale_shift=scale_shift).eval()
        torch.nn.init.normal_(net.head[-1].weight)
        out = _outputs_for_each_label(net)
        assert (out.std(dim=0).max() > 1e-3) == differs


def test_scale_shift_is_recorded_and_checked():
    kwargs = module_kwargs(MnistTrainConfig(scale_shift=True))["eps_model"]
    assert kwargs["scale_shift"] is True and build_module("eps_model", kwargs).up1.scale_shift
    assert "scale_shift" not in module_kwargs(MnistTrainConfig(scale_shift=False))["eps_model"]
    with pytest.raises(ValueError, match="scale_shift must be true or false"):
        build_module("eps_model", {"channels": [8, 8, 8], "scale_shift": 1})


def test_additive_blocks_keep_the_shipped_parameter_names():
    """Checkpoints written before scale_shift load unchanged: same names and shapes in the additive U-Net."""
    plain, adaptive = EpsUNet(), EpsUNet(scale_shift=True)
    names = {k: v.shape for k, v in plain.state_dict().items()}
    assert names.keys() == adaptive.state_dict().keys()
    assert names["down1.emb.weight"] == (16, 128) and adaptive.state_dict()["down1.emb.weight"].shape == (32, 128)
