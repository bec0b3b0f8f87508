"""Non-leaking augmentation for the eps-network (Karras et al. 2022, "Elucidating the Design Space of
Diffusion-Based Generative Models", section 5 and appendix C.4).

With probability p_aug a training digit is rotated, scaled and shifted by a small random affine map, and
the network is told how: its parameters a in [-1, 1]^4 (zero when the digit is left alone) enter the
eps-network as a fourth conditioning input beside lam and c. Sampling passes no parameters, which is
a = 0: "no augmentation", so the samples follow the real digits, not the augmented ones (the augmentation
does not leak), while the network has learnt from many more shapes than the 2,500 guide digits.

    a = (rotation / MAX_ROTATION, log scale / MAX_LOG_SCALE, shift_x / MAX_SHIFT, shift_y / MAX_SHIFT)
"""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

AUG_DIM = 4  # entries of a
MAX_ROTATION = math.radians(15.0)  # radians
MAX_LOG_SCALE = 0.1  # scale in [e^-0.1, e^0.1], about +-10 %
MAX_SHIFT = 2.0  # pixels


def affine_matrices(a: torch.Tensor, side: int) -> torch.Tensor:
    """The sampling grid's affine maps (affine_grid's theta) for parameters a.  # [B, 4] -> [B, 2, 3]"""
    rot, log_scale = a[:, 0] * MAX_ROTATION, a[:, 1] * MAX_LOG_SCALE
    shift = a[:, 2:] * MAX_SHIFT * 2.0 / side  # pixels -> normalised coordinates in [-1, 1]
    inv = torch.exp(-log_scale)
    cos, sin = torch.cos(rot) * inv, torch.sin(rot) * inv
    return torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)


def augment(x: torch.Tensor, p_aug: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits x [B, 1, H, W] in [-1, 1], each transformed with probability p_aug; returns (x', a [B, 4]).

    The background (-1) fills what moves in from outside the frame; untouched digits are returned as they
    were, with a = 0.
    """
    if not 0 <= p_aug <= 1:
        raise ValueError(f"p_aug must be in [0, 1], got {p_aug}")
    n = x.shape[0]
    a = (torch.rand(n, AUG_DIM, generator=generator) * 2 - 1).to(x.device)  # [B, 4]
    applied = (torch.rand(n, generator=generator) < p_aug).to(x.device)  # [B]
    a = a * applied[:, None]
    out = x.clone()
    if applied.any():
        idx = applied.nonzero().squeeze(1)
        grid = F.affine_grid(affine_matrices(a[idx], x.shape[-1]), list(x[idx].shape), align_corners=False)
        out[idx] = F.grid_sample(x[idx] + 1.0, grid, mode="bilinear", padding_mode="zeros", align_corners=False) - 1.0
    return out, a.to(x.dtype)
