"""Algorithm 1 of Ho & Salimans as minibatch losses, shared by every data set (2D mixtures and MNIST).

    (x, c) ~ data; c <- null with probability p_uncond; lam ~ schedule; eps ~ N(0, I);
    z = alpha x + sigma eps; minimise || eps_theta(z, c) - eps ||^2. One network, both roles.
Noise-aware classifier (for CG): cross-entropy of p_phi(c | z_lam) on z from the same noising.
Clean classifier: cross-entropy on clean x only (the "ordinary" classifier the paper says fails as a guide).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from cfg_core.schedule import Schedule, q_sample


def eps_loss(eps_model, x: torch.Tensor, c: torch.Tensor, p_uncond: float, schedule: Schedule, gen,
             aug: torch.Tensor | None = None) -> torch.Tensor:
    """One Algorithm 1 minibatch loss: || eps_theta(z_lam, c or null) - eps ||^2 (any data shape; MNIST too).

    aug: the augmentation parameters of x, passed on to the network (MNIST's non-leaking augmentation).
    """
    drop = torch.rand(c.shape, generator=gen) < p_uncond
    c = torch.where(drop, torch.full_like(c, eps_model.num_classes), c)  # null token with prob p_uncond
    lam = schedule.sample_lam(x.shape[0], gen)  # [B]
    eps = torch.randn(x.shape, generator=gen, dtype=x.dtype)
    z = q_sample(x, lam, eps)  # like x
    extra = {} if aug is None else {"aug": aug}
    return F.mse_loss(eps_model(z.float(), lam.float(), c, **extra), eps.float())


def classifier_loss(classifier, x: torch.Tensor, c: torch.Tensor, noisy: bool, schedule: Schedule, gen) -> torch.Tensor:
    """Cross-entropy of p_phi(c | z_lam) on noised x (noisy=True), or on clean x at lam_max."""
    if noisy:
        lam = schedule.sample_lam(x.shape[0], gen)  # [B]
        x = q_sample(x, lam, torch.randn(x.shape, generator=gen, dtype=x.dtype))
    else:
        lam = torch.full((x.shape[0],), schedule.lam_max)
    return F.cross_entropy(classifier(x.float(), lam.float()), c)
