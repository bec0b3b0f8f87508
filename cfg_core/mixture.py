"""Exact Gaussian mixture under the VP noising process: the oracle every learned piece is checked against.

Each component k (class c_k, weight pi_k, mean mu_k, covariance S_k) noised to log-SNR lam is
    q(z_lam | k) = N(alpha mu_k, alpha^2 S_k + sigma^2 I),
so at every lam the noisy marginal is again a mixture and everything is closed form:
    log p(z|c) = logsumexp_{k in c} [log pi_k + log N_k(z)] - log p(c),
    grad_z log p(z|c) = sum_{k in c} r_k(z) * (-(Sigma_k)^-1 (z - m_k)),   r_k = responsibilities,
    eps*(z, c) = -sigma * grad_z log p(z|c),   p(c|z) = p(z|c) p(c) / p(z).
The clean density (lam = +inf, alpha = 1, sigma = 0) gives the paper's Figure 2 target
p(x|c) p(c|x)^w and the tempered density p(x|c)^(1+w), normalised on a grid.

All maths runs in float64; inputs are converted and results come back as float64 tensors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from cfg_core.schedule import alpha_sigma

_DT = torch.float64


@dataclass(frozen=True)
class GaussianMixture:
    """A class-labelled mixture of Gaussians in D dimensions (validated by cfg_core.mixture_json)."""

    name: str
    class_names: tuple[str, ...]
    means: torch.Tensor  # [K, D]
    covs: torch.Tensor  # [K, D, D], symmetric positive definite
    weights: torch.Tensor  # [K], normalised to sum 1
    component_class: torch.Tensor  # [K] int64 in [0, C)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def class_prior(self) -> torch.Tensor:
        """p(c) = sum of the weights of class c's components.  # [C]"""
        return torch.zeros(self.num_classes, dtype=_DT).index_add_(0, self.component_class, self.weights)

    # --- per-component quantities at noise level lam (None = clean data) ---------------------
    def _noisy(self, lam) -> tuple[torch.Tensor, torch.Tensor]:
        if lam is None:
            return self.means, self.covs
        alpha, sigma = alpha_sigma(torch.as_tensor(lam, dtype=_DT))
        eye = torch.eye(self.dim, dtype=_DT)
        return alpha * self.means, alpha**2 * self.covs + sigma**2 * eye  # [K, D], [K, D, D]

    def _component_terms(self, z: torch.Tensor, lam) -> tuple[torch.Tensor, torch.Tensor]:
        """log(pi_k N_k(z)) [N, K] and grad_z log N_k(z) [N, K, D]."""
        m, S = self._noisy(lam)
        z = torch.as_tensor(z, dtype=_DT)
        L = torch.linalg.cholesky(S)  # [K, D, D]
        diff = z[:, None, :] - m[None]  # [N, K, D]
        sol = torch.cholesky_solve(diff.permute(1, 2, 0), L)  # [K, D, N] = S^-1 (z - m)
        sol = sol.permute(2, 0, 1)  # [N, K, D]
        maha = (diff * sol).sum(-1)  # [N, K]
        logdet = 2 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)  # [K]
        log_n = -0.5 * (maha + logdet + self.dim * math.log(2 * math.pi))
        return log_n + torch.log(self.weights), -sol

    def _class_mask(self, c) -> torch.Tensor:
        """[K] bool mask of class c's components, or all components for c = None."""
        if c is None:
            return torch.ones_like(self.component_class, dtype=torch.bool)
        return self.component_class == int(c)

    # --- exact densities, scores, eps and posteriors -----------------------------------------
    def log_prob(self, z: torch.Tensor, lam, c: int | None = None) -> torch.Tensor:
        """log p(z_lam | c), or log p(z_lam) for c = None.  # [N]"""
        log_wn, _ = self._component_terms(z, lam)
        mask = self._class_mask(c)
        log_pc = torch.tensor(0.0, dtype=_DT) if c is None else torch.log(self.class_prior()[int(c)])
        return torch.logsumexp(log_wn[:, mask], dim=1) - log_pc

    def score(self, z: torch.Tensor, lam, c: int | None = None) -> torch.Tensor:
        """grad_z log p(z_lam | c) (c = None: unconditional), analytic.  # [N, D]"""
        log_wn, grads = self._component_terms(z, lam)
        mask = self._class_mask(c)
        r = torch.softmax(log_wn[:, mask], dim=1)  # [N, K_c] responsibilities
        return (r[..., None] * grads[:, mask]).sum(1)

    def eps(self, z: torch.Tensor, lam, c: int | None = None) -> torch.Tensor:
        """eps*(z, c) = -sigma_lam grad_z log p(z|c): the ideal eps-prediction.  # [N, D]"""
        _, sigma = alpha_sigma(torch.as_tensor(lam, dtype=_DT))
        return -sigma * self.score(z, lam, c)

    def log_posterior(self, z: torch.Tensor, lam) -> torch.Tensor:
        """log p(c | z_lam) for every class.  # [N, C]"""
        log_wn, _ = self._component_terms(z, lam)
        per_class = torch.full((log_wn.shape[0], self.num_classes), -math.inf, dtype=_DT)
        for c in range(self.num_classes):
            per_class[:, c] = torch.logsumexp(log_wn[:, self._class_mask(c)], dim=1)
        return per_class - torch.logsumexp(log_wn, dim=1, keepdim=True)

    def posterior(self, z: torch.Tensor, lam) -> torch.Tensor:
        """p(c | z_lam).  # [N, C]"""
        return self.log_posterior(z, lam).exp()

    def grad_log_posterior(self, z: torch.Tensor, lam, c: int) -> torch.Tensor:
        """grad_z log p(c | z_lam) = score(z|c) - score(z).  # [N, D]"""
        return self.score(z, lam, c) - self.score(z, lam, None)

    # --- samples and grid densities -----------------------------------------------------------
    def sample(self, n: int, c: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """n exact samples of p(x | c) (or p(x) for c = None).  # [n, D]"""
        mask = self._class_mask(c)
        idx_c = torch.nonzero(mask).squeeze(1)
        k = idx_c[torch.multinomial(self.weights[mask], n, replacement=True, generator=generator)]
        L = torch.linalg.cholesky(self.covs)  # [K, D, D]
        e = torch.randn(n, self.dim, generator=generator, dtype=_DT)
        return self.means[k] + torch.einsum("nij,nj->ni", L[k], e)

    def sample_labelled(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """n samples of the joint p(x, c): x [n, D] and their classes c [n] (training data)."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        L = torch.linalg.cholesky(self.covs)  # [K, D, D]
        e = torch.randn(n, self.dim, generator=generator, dtype=_DT)
        return self.means[k] + torch.einsum("nij,nj->ni", L[k], e), self.component_class[k]

    def extent(self, margin: float = 3.5) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) covering every component to `margin` standard deviations."""
        std = torch.sqrt(torch.diagonal(self.covs, dim1=-2, dim2=-1))  # [K, D]
        lo = (self.means - margin * std).min(0).values
        hi = (self.means + margin * std).max(0).values
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def tilted_log_density(self, x: torch.Tensor, c: int, w: float) -> torch.Tensor:
        """Unnormalised log of p(x|c) p(c|x)^w (the paper's Figure 2 target).  # [N]"""
        return self.log_prob(x, None, c) + w * self.log_posterior(x, None)[:, int(c)]

    def tempered_log_density(self, x: torch.Tensor, c: int, w: float) -> torch.Tensor:
        """Unnormalised log of p(x|c)^(1+w): what naive score scaling would hope to hit.  # [N]"""
        return (1 + w) * self.log_prob(x, None, c)


@dataclass(frozen=True)
class GridDensity:
    """A density on a regular 2D grid, normalised so that sum(density) * cell_area = 1."""

    xs: torch.Tensor  # [W] cell centres along x
    ys: torch.Tensor  # [H] cell centres along y
    density: torch.Tensor  # [H, W]

    @property
    def cell_area(self) -> float:
        return float((self.xs[1] - self.xs[0]) * (self.ys[1] - self.ys[0]))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples: a cell by its mass, then uniform within the cell.  # [n, 2]"""
        flat = (self.density * self.cell_area).flatten()
        idx = torch.multinomial(flat, n, replacement=True, generator=generator)
        dx, dy = float(self.xs[1] - self.xs[0]), float(self.ys[1] - self.ys[0])
        jitter = torch.rand(n, 2, generator=generator, dtype=_DT) - 0.5
        px = self.xs[idx % len(self.xs)] + jitter[:, 0] * dx
        py = self.ys[idx // len(self.xs)] + jitter[:, 1] * dy
        return torch.stack([px, py], dim=1)


def grid_density(log_density, extent: tuple[float, float, float, float], resolution: int = 200) -> GridDensity:
    """Evaluate an unnormalised log-density on a grid over `extent` and normalise it there."""
    xs = torch.linspace(extent[0], extent[1], resolution, dtype=_DT)
    ys = torch.linspace(extent[2], extent[3], resolution, dtype=_DT)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")  # [H, W] each
    pts = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [H*W, 2]
    logp = log_density(pts).reshape(resolution, resolution)
    p = torch.exp(logp - logp.max())
    area = float((xs[1] - xs[0]) * (ys[1] - ys[0]))
    return GridDensity(xs, ys, p / (p.sum() * area))
