"""The exact mixture dressed as an eps-model and a classifier, so guidance and samplers can run on it.

    ExactEps(z, lam, c)     = eps*(z, c) = -sigma grad log p(z|c)   (c == num_classes: eps*(z) unconditional)
    ExactClassifier(z, lam) = log p(c | z_lam), the true noisy posterior (logits for the guidance hooks)

With these, CFG at weight w and CG at weight w (conditional base) or w + 1 (unconditional base) are
algebraically the same field: -sigma grad[log p(z|c) + w log p(c|z)].

    blurred(mix, b)         the same mixture with every covariance + b I: an exact "imperfect network"
                            (autoguidance's bad model with b = B, a blurred good model with b = G)
"""
from __future__ import annotations

import math
from dataclasses import replace

import torch

from cfg_core.mixture import GaussianMixture


def blurred(mix: GaussianMixture, b: float) -> GaussianMixture:
    """The mixture with every covariance S_k replaced by S_k + b I (b >= 0; b = 0 returns mix itself)."""
    if isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b) or b < 0:
        raise ValueError(f"blur must be a finite number >= 0 (added to every covariance), got {b!r}")
    if b == 0:
        return mix
    eye = torch.eye(mix.dim, dtype=mix.covs.dtype)
    return replace(mix, name=f"{mix.name}+{b:g}I", covs=mix.covs + float(b) * eye)  # [K, D, D]


class ExactEps:
    """eps*(z, c) of a GaussianMixture with the eps_model interface (float64 inside)."""

    def __init__(self, mixture: GaussianMixture):
        self.mixture = mixture
        self.num_classes = mixture.num_classes

    def __call__(self, z: torch.Tensor, lam: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        out = torch.empty(z.shape, dtype=torch.float64)
        for lam_v in torch.unique(lam):
            for c_v in torch.unique(c):
                rows = (lam == lam_v) & (c == c_v)
                cls = None if int(c_v) == self.num_classes else int(c_v)
                out[rows] = self.mixture.eps(z[rows].detach(), float(lam_v), cls)
        return out.to(z.dtype)


class ExactClassifier:
    """log p(c | z_lam) of a GaussianMixture with the classifier interface (differentiable in z).

    clean=True is the exact *clean-data* posterior p(c | x) applied to z at every noise level: the
    best possible "ordinary" classifier, which still gives the wrong guidance at high noise.
    """

    def __init__(self, mixture: GaussianMixture, clean: bool = False):
        self.mixture = mixture
        self.num_classes = mixture.num_classes
        self.clean = clean

    def __call__(self, z: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
        if self.clean:
            return self.mixture.log_posterior(z, None)
        out = torch.zeros(z.shape[0], self.num_classes, dtype=torch.float64)
        for v in torch.unique(lam):
            idx = (lam == v).nonzero().squeeze(1)
            out = out.index_copy(0, idx, self.mixture.log_posterior(z[idx], float(v)))  # differentiable
        return out
