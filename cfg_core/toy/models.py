"""Small networks for 2D data: the eps-network eps_theta(z_lam, c) and the classifiers p_phi(c | z_lam).

EpsMLP: one network for both eps(z, c) and eps(z): the class embedding has num_classes + 1 rows and
row num_classes is the null token (Ho & Salimans train both jointly by dropping c with p_uncond).
Its raw output F is preconditioned as eps_theta = sigma z + alpha F (F plays the role of the
"v" target alpha eps - sigma x): at lam_min, where alpha ~ 5e-4, eps_theta is then z to within
alpha |F|, and x_hat = alpha z - sigma F stays bounded, whereas a raw eps output's error would be
multiplied by 1/alpha ~ 1800 in x_hat on the very first sampling step.
Classifier: logits of p_phi(c | z_lam). noise_aware=True sees lam (the classifier CG needs) and reads
z through alpha z: the true log p(c | z_lam) depends on z only through alpha z at low SNR, so its
gradient must vanish like alpha there; building that in keeps CG's x_hat = (z - sigma eps_hat)/alpha
from amplifying a badly learned gradient by 1/alpha on the first steps.
noise_aware=False ignores lam and is trained on clean x only (the "ordinary" classifier).
The MNIST U-Net lives in unet.py; both follow the same call interfaces (see guidance.py).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from cfg_core.schedule import alpha_sigma

LAM_SCALE = 15.0  # lam / LAM_SCALE is O(1) over the schedule's range


def lam_features(lam: torch.Tensor, dim: int) -> torch.Tensor:
    """Smooth features of the log-SNR: lam / LAM_SCALE and [sin, cos](k pi lam / (2 LAM_SCALE)).  # [N, dim]"""
    t = (lam.float() / LAM_SCALE)[:, None]  # [N, 1] in [-1, 1]
    freqs = torch.arange(1, (dim - 1) // 2 + 1, dtype=torch.float32, device=lam.device) * math.pi / 2
    return torch.cat([t, (t * freqs).sin(), (t * freqs).cos()], dim=1)  # low frequencies only: smooth in lam


class _ResBlock(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, h: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return h + self.net(h + cond)


class EpsMLP(nn.Module):
    """eps_theta(z, lam, c) for D-dimensional data; c == num_classes means unconditional."""

    def __init__(self, num_classes: int, dim: int = 2, hidden: int = 128, depth: int = 3, lam_dim: int = 9):
        super().__init__()
        self.num_classes, self.lam_dim = num_classes, lam_dim
        self.inp = nn.Linear(dim, hidden)
        self.lam_proj = nn.Sequential(nn.Linear(lam_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.class_emb = nn.Embedding(num_classes + 1, hidden)  # last row: the null token
        self.blocks = nn.ModuleList(_ResBlock(hidden) for _ in range(depth))
        self.out = nn.Sequential(nn.SiLU(), nn.Linear(hidden, dim))

    def forward(self, z: torch.Tensor, lam: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        cond = self.lam_proj(lam_features(lam, self.lam_dim)) + self.class_emb(c)  # [N, hidden]
        h = self.inp(z.float())
        for block in self.blocks:
            h = block(h, cond)
        alpha, sigma = alpha_sigma(lam.float()[:, None])  # [N, 1]
        return sigma * z.float() + alpha * self.out(h)  # eps_theta = sigma z + alpha F   [N, dim]


class Classifier(nn.Module):
    """Logits of p_phi(c | z_lam); with noise_aware=False it ignores lam (a clean-data classifier)."""

    def __init__(self, num_classes: int, dim: int = 2, hidden: int = 128, depth: int = 2,
                 lam_dim: int = 9, noise_aware: bool = True):
        super().__init__()
        self.num_classes, self.lam_dim, self.noise_aware = num_classes, lam_dim, noise_aware
        self.inp = nn.Linear(dim, hidden)
        self.lam_proj = nn.Sequential(nn.Linear(lam_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList(_ResBlock(hidden) for _ in range(depth))
        self.out = nn.Sequential(nn.SiLU(), nn.Linear(hidden, num_classes))

    def forward(self, z: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
        if not self.noise_aware:
            h = self.inp(z.float())
            cond = torch.zeros_like(h)
        else:
            alpha, _ = alpha_sigma(lam.float()[:, None])  # [N, 1]
            h = self.inp(alpha * z.float())  # log p(c|z) is a function of alpha z at low SNR
            cond = self.lam_proj(lam_features(lam, self.lam_dim))
        for block in self.blocks:
            h = block(h, cond)
        return self.out(h)  # [N, C]
