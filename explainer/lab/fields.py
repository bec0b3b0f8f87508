"""The score fields the lab draws at one noise level lam, on the arrow grid, for every w of the grid.

    guided       s_hat = -eps_hat(z, lam) / sigma                  (the method's field, per w)
    cond/uncond  -eps(z, c) / sigma and -eps(z) / sigma             (the two ingredients of CFG)
    implicit     -(eps(z, c) - eps(z)) / sigma = grad log p(c|z)     (CFG's implicit classifier; exact for exact eps)
    classifier   grad_z log p_phi(c | z_lam)                         (the classifier CG follows: noisy or clean)
    posterior    exact p(c | z_lam) on a grid                        (where guidance pushes towards)
    x_hat        at each kept frame z_t: x_hat_c, x_hat_u and the method's guided x_hat = (z - sigma eps_hat)/alpha
                 (for CFG x_hat_c + w (x_hat_c - x_hat_u): guidance extrapolates the clean estimate; Dieleman)
and the p(z_lam)-weighted relative error of a learned field against the exact one:
    err = sqrt( sum_z p(z) |s_learned - s_exact|^2 / sum_z p(z) |s_exact|^2 ).
"""
from __future__ import annotations

import torch

from cfg_core import methods
from cfg_core.guidance import classifier_grad
from cfg_core.schedule import alpha_sigma
from cfg_core.toy.sampling import models_for

POSTERIOR_RES = 48  # cells per side of the p(c|z) heatmap


def panel_models(mix, trained, spec, exact: bool) -> methods.GuidanceModels:
    """The models a panel's methods use: exact (with the spec's blurs) or the trained networks."""
    if exact:
        return models_for(mix, None, "exact", spec.good_blur, spec.bad_blur)
    return models_for(mix, trained, "learned")


def batched_guidance(mix, trained, spec, w_col: torch.Tensor, exact: bool):
    """The method's ordinary strategy with w as a column tensor [N, 1]: row i is guided with weight w_col[i]
    (and the panel's options: weight schedule over lam, ICG's seed)."""
    return methods.make_strategy(spec.method, panel_models(mix, trained, spec, exact), spec.label, w_col,
                                 spec.cg_base, options=spec.options)


def guided_field(mix, trained, spec, points: torch.Tensor, exact: bool, w_grid) -> torch.Tensor:
    """s_hat = -eps_hat / sigma at spec.field_lam for every w on the points.  # [W, P, 2]"""
    dtype = torch.float64 if exact else torch.float32
    w_col = torch.tensor(w_grid, dtype=dtype).repeat_interleave(len(points))[:, None]
    guidance = batched_guidance(mix, trained, spec, w_col, exact)
    z = points.to(dtype).repeat(len(w_grid), 1)
    with torch.no_grad():
        eps_hat = guidance.eps_hat(z, spec.field_lam)  # [W*P, 2]
    _, sigma = alpha_sigma(torch.tensor(spec.field_lam, dtype=torch.float64))
    return (-eps_hat.double() / sigma).reshape(len(w_grid), len(points), 2)


def plain_fields(mix, trained, spec, points: torch.Tensor) -> dict[str, torch.Tensor]:
    """Conditional and unconditional score fields -eps(z, c)/sigma and -eps(z)/sigma.  # [P, 2] each"""
    exact = spec.score == "exact"
    eps_model = panel_models(mix, trained, spec, exact).eps_model
    dtype = torch.float64 if exact else torch.float32
    z = points.to(dtype)
    lam = torch.full((len(z),), spec.field_lam, dtype=dtype)
    _, sigma = alpha_sigma(torch.tensor(spec.field_lam, dtype=torch.float64))
    out = {}
    for name, c in (("cond", spec.label), ("uncond", mix.num_classes)):
        with torch.no_grad():
            eps = eps_model(z, lam, torch.full((len(z),), c, dtype=torch.long))
        out[name] = -eps.double() / sigma
    out["implicit"] = out["cond"] - out["uncond"]  # -(eps_c - eps_u) / sigma
    return out


def classifier_field(mix, trained, spec, points: torch.Tensor) -> torch.Tensor:
    """grad_z log p_phi(c | z_lam) of the classifier the method guides with (noise-aware unless cg_clean).  # [P, 2]"""
    models = panel_models(mix, trained, spec, spec.score == "exact")
    guide = models.classifier_clean if methods.get(spec.method).classifier == "clean" else models.classifier_noisy
    dtype = torch.float64 if spec.score == "exact" else torch.float32
    return classifier_grad(guide, points.to(dtype), spec.field_lam, spec.label).double()


def posterior_map(mix, label: int, lam: float, extent, res: int = POSTERIOR_RES) -> torch.Tensor:
    """Exact p(c | z_lam) on a res x res grid of cell centres, row-major from the bottom left.  # [res, res]"""
    x0, x1, y0, y1 = extent
    xs = torch.linspace(x0, x1, res + 1, dtype=torch.float64)
    ys = torch.linspace(y0, y1, res + 1, dtype=torch.float64)
    cx, cy = (xs[1:] + xs[:-1]) / 2, (ys[1:] + ys[:-1]) / 2
    gx, gy = torch.meshgrid(cx, cy, indexing="xy")
    z = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [res*res, 2]
    return mix.posterior(z, lam)[:, label].reshape(res, res)


def field_error(mix, learned: torch.Tensor, exact: torch.Tensor, points: torch.Tensor, lam: float) -> list[float]:
    """Per w, the p(z_lam)-weighted relative error of the learned field (see the module docstring)."""
    p = mix.log_prob(points, lam).exp()  # [P]
    num = (p * ((learned - exact) ** 2).sum(-1)).sum(-1)  # [W]
    den = (p * (exact**2).sum(-1)).sum(-1).clamp_min(1e-300)
    return [round(float(v), 4) for v in (num / den).sqrt()]




XHAT_SAMPLES = 12  # samples whose clean estimates the x_hat overlay draws
XHAT_LIMIT = 50.0  # clean estimates are clipped to this box (strong guidance at high noise throws them far)


def xhat_frames(mix, trained, spec, traj: torch.Tensor, frame_lams: list, w_grid, m: int = XHAT_SAMPLES) -> dict:
    """x_hat_c, x_hat_u and the guided x_hat of the first m samples at every kept frame but the last (the final x)
    for every w.  # each [W, F-1, m, 2]

    traj [W, F, n, 2] holds the kept latents; frame_lams their log-SNRs. The guided one is the method's own
    eps_hat, so for CFG it equals x_hat_c + w (x_hat_c - x_hat_u) exactly (tested)."""
    exact = spec.score == "exact"
    dtype = torch.float64 if exact else torch.float32
    W, m = len(w_grid), min(m, traj.shape[2])
    w_col = torch.tensor(w_grid, dtype=dtype).repeat_interleave(m)[:, None]  # [W*m, 1]
    eps_model = panel_models(mix, trained, spec, exact).eps_model
    guidance = batched_guidance(mix, trained, spec, w_col, exact)
    out = {"xhat_c": [], "xhat_u": [], "xhat_g": []}
    for f, lam in enumerate(frame_lams[:-1]):
        z = traj[:, f, :m].reshape(W * m, -1).to(dtype)
        alpha, sigma = (float(v) for v in alpha_sigma(torch.tensor(float(lam), dtype=torch.float64)))
        lam_t = torch.full((len(z),), float(lam), dtype=dtype)
        with torch.no_grad():
            eps_c = eps_model(z, lam_t, torch.full((len(z),), spec.label, dtype=torch.long))
            eps_u = eps_model(z, lam_t, torch.full((len(z),), mix.num_classes, dtype=torch.long))
            eps_g = guidance.eps_hat(z, float(lam))
        for key, eps in (("xhat_c", eps_c), ("xhat_u", eps_u), ("xhat_g", eps_g)):
            out[key].append(((z - sigma * eps) / alpha).double().reshape(W, m, -1))
    return {k: torch.stack(v, dim=1).clamp(-XHAT_LIMIT, XHAT_LIMIT) for k, v in out.items()}  # [W, F-1, m, 2]
