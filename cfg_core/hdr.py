"""Precision and mode shares: how many samples land on the data of class c, and on which of its modes.

    HDR_c = {x : p(x|c) >= t_c},   t_c such that P_{x ~ p(x|c)}[p(x|c) >= t_c] = 0.99   (the 99 % highest-density
                                   region of class c's own density)
    precision(x_1..n; c) = (1/n) sum_i 1[p(x_i|c) >= t_c]
    mode shares:   s_k = (1/n) sum_i 1[x_i in HDR_c] r_k(x_i|c),   r_k(x|c) = pi_k N_k(x) / sum_{k' in c} pi_k' N_k'(x)
                   for each component k of class c (exact responsibilities; samples off the data count to none, so
                   sum_k s_k = precision)
    target shares: the same s_k under the exact tilted density p(x|c) p(c|x)^w, by quadrature on a grid.

Why not mean p(c|x) alone: far from every class p(c|x) -> 1 for whichever class has the heaviest tail in that
direction, so a guide that flings samples far away (CG with a classifier trained on clean data only) scores a
perfect "fidelity" there. Precision does not count such samples: they are off class c's data.

t_c is the 1 % quantile of log p(x|c) over N_LEVEL samples of p(x|c) drawn from a fixed seed (a constant of the
mixture, not a random draw of the caller: its coverage error is about sqrt(0.01 * 0.99 / N_LEVEL) = 0.0003), and is
cached per (mixture, class).
"""
from __future__ import annotations

import math
import threading

import torch

from cfg_core.mixture import GaussianMixture

HDR_MASS = 0.99  # mass of the highest-density region that counts as "on the data"
N_LEVEL = 100_000  # samples of p(x|c) that fix the level t_c
LEVEL_SEED = 0  # their seed (the level is a constant of the mixture)
TARGET_RES = 200  # grid cells per side for the tilted target's shares
_CACHE_SIZE = 256  # (mixture, class) levels kept
_CHUNK_ENTRIES = 1_000_000  # points x components evaluated at once
_levels: dict[tuple, float] = {}
_levels_lock = threading.Lock()  # the lab computes views on two threads


def _key(mix: GaussianMixture, c: int, mass: float, n: int, seed: int) -> tuple:
    tensors = (mix.means, mix.covs, mix.weights, mix.component_class)
    return (int(c), mass, n, seed, *(t.contiguous().numpy().tobytes() for t in tensors))


def _class_terms(mix: GaussianMixture, x: torch.Tensor, c: int) -> tuple[torch.Tensor, torch.Tensor]:
    """log p(x|c) [N] and the responsibilities r_k(x|c) of class c's components [N, K_c]: the mixture's clean
    component densities, restricted to class c and evaluated in chunks of points (hundreds of components fit)."""
    mask = mix.component_class == int(c)
    m, S = mix.means[mask], mix.covs[mask]  # [K_c, D], [K_c, D, D]
    prec = torch.linalg.inv(S)  # [K_c, D, D]
    log_norm = torch.log(mix.weights[mask]) - 0.5 * (torch.logdet(S) + mix.dim * math.log(2 * math.pi))  # [K_c]
    x = x.reshape(-1, mix.dim).double()
    chunk = max(1, _CHUNK_ENTRIES // len(m))
    parts = []
    for i in range(0, len(x), chunk):
        diff = x[i:i + chunk, None, :] - m[None]  # [n, K_c, D]
        parts.append(log_norm - 0.5 * torch.einsum("nki,kij,nkj->nk", diff, prec, diff))  # log pi_k N_k(x)
    log_wn = torch.cat(parts) if parts else x.new_zeros(0, len(m))  # [N, K_c]
    log_p = torch.logsumexp(log_wn, dim=1) - torch.log(mix.class_prior()[int(c)])
    return log_p, torch.softmax(log_wn, dim=1)


def hdr_log_level(mix: GaussianMixture, c: int, mass: float = HDR_MASS, n: int = N_LEVEL,
                  seed: int = LEVEL_SEED) -> float:
    """log t_c: the (1 - mass) quantile of log p(x|c) under p(x|c), from n samples of a fixed seed (cached)."""
    key = _key(mix, c, mass, n, seed)
    level = _levels.get(key)
    if level is None:
        x = mix.sample(n, c, torch.Generator().manual_seed(seed))  # [n, D]
        log_p, _ = _class_terms(mix, x, c)
        level = float(torch.quantile(log_p, 1.0 - mass))
        with _levels_lock:
            if len(_levels) >= _CACHE_SIZE:
                _levels.pop(next(iter(_levels)))  # the oldest
            _levels[key] = level
    return level


def on_data(mix: GaussianMixture, x: torch.Tensor, c: int) -> torch.Tensor:
    """1[x in HDR_c] per sample (NaN or infinite samples are off the data).  # [N] bool"""
    log_p, _ = _class_terms(mix, x, c)
    return log_p >= hdr_log_level(mix, c)


def precision(mix: GaussianMixture, x: torch.Tensor, c: int) -> float:
    """Share of samples inside class c's 99 % highest-density region of p(x|c)."""
    return float(on_data(mix, x, c).double().mean()) if len(x) else 0.0


def mode_shares(mix: GaussianMixture, x: torch.Tensor, c: int) -> list[float]:
    """Per component of class c (in component order), the share of samples on the data assigned to it by its
    exact responsibility r_k(x|c); the shares sum to the precision."""
    log_p, r = _class_terms(mix, x, c)
    on = r.masked_fill(~(log_p >= hdr_log_level(mix, c))[:, None], 0.0)  # [N, K_c] (NaN samples: 0, not NaN)
    return [float(v) for v in on.sum(0) / max(len(x), 1)]


def tilted_mode_shares(mix: GaussianMixture, c: int, ws, extent: tuple[float, float, float, float] | None = None,
                       resolution: int = TARGET_RES) -> list[list[float]]:
    """The mode shares of the exact tilted density p(x|c) p(c|x)^w for every w in ws, by quadrature on a grid
    over extent (default: the mixture's own extent).  # [W][K_c]"""
    x0, x1, y0, y1 = extent or mix.extent()
    xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    pts = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [R*R, 2]
    log_p, r = _class_terms(mix, pts, c)
    inside = (log_p >= hdr_log_level(mix, c)).double()[:, None] * r  # [R*R, K_c]
    log_post = mix.log_posterior(pts, None)[:, int(c)]  # [R*R]
    out = []
    for w in ws:
        mass = torch.softmax(log_p + float(w) * log_post, dim=0)  # [R*R] the tilted density's cell masses
        out.append([float(v) for v in (mass[:, None] * inside).sum(0)])
    return out
