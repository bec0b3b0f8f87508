"""Small networks for 28x28 digits: the class-conditional eps-network and the image classifiers.

    eps_theta(z_lam, lam, c):  U-Net 28 -> 14 -> 7 -> 14 -> 28, GroupNorm + SiLU residual blocks,
                               conditioned on emb = MLP(Fourier(lam / lam_scale)) + E[c],
                               E has num_classes + 1 rows; c == num_classes is the null token (eps(z)).
    p_phi(c | z_lam, lam):     a CNN 28 -> 14 -> 7 -> pooled features -> logits [N, 10];
                               noise_aware=True adds the lam embedding (Dhariwal & Nichol's noisy
                               classifier), noise_aware=False ignores lam (a clean-data classifier).

Both are small on purpose: 16 CFG samples x 50 steps must run in about a second on 2 CPU cores.
"""
from __future__ import annotations

import math

import torch
from torch import nn

LAM_SCALE = 15.0  # lam / LAM_SCALE lies in [-1, 1] on the sampling range


class LamEmbedding(nn.Module):
    """Fourier features of lam / LAM_SCALE followed by a 2-layer MLP.  # [N] -> [N, dim]"""

    def __init__(self, dim: int, n_freq: int = 16):
        super().__init__()
        self.register_buffer("freqs", math.pi * 2.0 ** torch.linspace(0, 5, n_freq), persistent=False)
        self.mlp = nn.Sequential(nn.Linear(2 * n_freq, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, lam: torch.Tensor) -> torch.Tensor:
        angle = (lam.float() / LAM_SCALE)[:, None] * self.freqs  # [N, n_freq]
        return self.mlp(torch.cat([angle.sin(), angle.cos()], dim=1))  # [N, dim]


def _norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, ch), ch)


class ResBlock(nn.Module):
    """h + conv(silu(gn(conv(silu(gn(h))) + proj(emb)))), with a 1x1 skip when channels change.

    scale_shift=True conditions by adaptive group normalisation instead (Dhariwal & Nichol 2021, section 3):
    h + conv(silu(gn(a) * (1 + s) + b)) with (s, b) = proj(emb). An added bias is partly removed by the
    GroupNorm right after it (each group's mean is subtracted); a scale and shift after the norm are kept whole.
    """

    def __init__(self, c_in: int, c_out: int, emb_dim: int, scale_shift: bool = False):
        super().__init__()
        self.scale_shift = scale_shift
        self.in_layers = nn.Sequential(_norm(c_in), nn.SiLU(), nn.Conv2d(c_in, c_out, 3, padding=1))
        self.emb = nn.Linear(emb_dim, 2 * c_out if scale_shift else c_out) if emb_dim else None
        self.out_layers = nn.Sequential(_norm(c_out), nn.SiLU(), nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, h: torch.Tensor, emb: torch.Tensor | None) -> torch.Tensor:
        a = self.in_layers(h)  # [N, c_out, H, W]
        if self.emb is None:
            return self.skip(h) + self.out_layers(a)
        e = self.emb(emb)[:, :, None, None]  # [N, c_out or 2 c_out, 1, 1]
        if not self.scale_shift:
            return self.skip(h) + self.out_layers(a + e)
        scale, shift = e.chunk(2, dim=1)
        norm, act, conv = self.out_layers
        return self.skip(h) + conv(act(norm(a) * (1 + scale) + shift))


class EpsUNet(nn.Module):
    """eps_theta(z [N,1,28,28], lam [N], c [N] long) -> eps [N,1,28,28]; c == num_classes is null.

    aug_dim > 0 adds the non-leaking augmentation input aug [N, aug_dim] (cfg_core.mnist.augment);
    scale_shift=True conditions every block by adaptive group normalisation (see ResBlock).
    """

    def __init__(self, num_classes: int = 10, channels: tuple[int, int, int] = (16, 32, 64), emb_dim: int = 128,
                 aug_dim: int = 0, scale_shift: bool = False):
        super().__init__()
        self.num_classes = num_classes
        self.lam_emb = LamEmbedding(emb_dim)
        self.class_emb = nn.Embedding(num_classes + 1, emb_dim)
        # augmentation parameters a (cfg_core.mnist.augment); no bias, so a = 0 ("not augmented") adds nothing
        self.aug_emb = nn.Linear(aug_dim, emb_dim, bias=False) if aug_dim else None
        c1, c2, c3 = channels  # at 28x28, 14x14, 7x7
        self.stem = nn.Conv2d(1, c1, 3, padding=1)
        self.down1 = ResBlock(c1, c1, emb_dim, scale_shift)  # 28x28
        self.pool1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)  # -> 14x14
        self.down2 = ResBlock(c2, c2, emb_dim, scale_shift)
        self.pool2 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)  # -> 7x7
        self.mid = ResBlock(c3, c3, emb_dim, scale_shift)
        self.up2 = ResBlock(c3 + c2, c2, emb_dim, scale_shift)  # 14x14, skip from down2
        self.up1 = ResBlock(c2 + c1, c1, emb_dim, scale_shift)  # 28x28, skip from down1
        self.head = nn.Sequential(_norm(c1), nn.SiLU(), nn.Conv2d(c1, 1, 3, padding=1))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, z: torch.Tensor, lam: torch.Tensor, c: torch.Tensor, aug: torch.Tensor | None = None) -> torch.Tensor:
        emb = self.lam_emb(lam) + self.class_emb(c)  # [N, emb_dim]
        if aug is not None:  # training only: sampling leaves it out, which is a = 0
            if self.aug_emb is None:
                raise ValueError("this eps-network was built without augmentation conditioning (aug_dim=0)")
            emb = emb + self.aug_emb(aug.to(emb.dtype))
        emb = nn.functional.silu(emb)
        h1 = self.down1(self.stem(z), emb)  # [N, c1, 28, 28]
        h2 = self.down2(self.pool1(h1), emb)  # [N, c2, 14, 14]
        h = self.mid(self.pool2(h2), emb)  # [N, c3, 7, 7]
        h = nn.functional.interpolate(h, scale_factor=2, mode="nearest")  # [N, c3, 14, 14]
        h = self.up2(torch.cat([h, h2], dim=1), emb)  # [N, c2, 14, 14]
        h = nn.functional.interpolate(h, scale_factor=2, mode="nearest")  # [N, c2, 28, 28]
        h = self.up1(torch.cat([h, h1], dim=1), emb)  # [N, c1, 28, 28]
        return self.head(h)  # [N, 1, 28, 28]


class DigitClassifier(nn.Module):
    """logits of p_phi(c | z_lam) [N, 10]; noise_aware=False ignores lam (a clean-data classifier).

    `features(z, lam)` returns the pooled penultimate features [N, 2 * ch] (the judge's feature space
    for Frechet distance, precision/recall and diversity).
    """

    def __init__(self, num_classes: int = 10, ch: int = 16, noise_aware: bool = True, emb_dim: int = 64):
        super().__init__()
        self.num_classes, self.noise_aware = num_classes, noise_aware
        emb = emb_dim if noise_aware else 0
        self.lam_emb = LamEmbedding(emb_dim) if noise_aware else None
        self.stem = nn.Conv2d(1, ch, 3, padding=1)
        self.block1 = ResBlock(ch, ch, emb)  # 28x28
        self.pool1 = nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1)  # -> 14x14
        self.block2 = ResBlock(2 * ch, 2 * ch, emb)
        self.pool2 = nn.Conv2d(2 * ch, 2 * ch, 3, stride=2, padding=1)  # -> 7x7
        self.block3 = ResBlock(2 * ch, 2 * ch, emb)
        self.out_norm = _norm(2 * ch)
        self.head = nn.Linear(2 * ch, num_classes)

    def features(self, z: torch.Tensor, lam: torch.Tensor | None = None) -> torch.Tensor:
        emb = nn.functional.silu(self.lam_emb(lam)) if self.noise_aware else None
        h = self.block1(self.stem(z), emb)  # [N, ch, 28, 28]
        h = self.block2(self.pool1(h), emb)  # [N, 2ch, 14, 14]
        h = self.block3(self.pool2(h), emb)  # [N, 2ch, 7, 7]
        return nn.functional.silu(self.out_norm(h)).mean(dim=(2, 3))  # [N, 2ch]

    def forward(self, z: torch.Tensor, lam: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(z, lam))  # [N, num_classes]
