"""Where the lab draws: the view window of a mixture, the arrow grid of the score field, HDR contours.

HDR contour of mass m: the level set {x : p(x) = t} whose superlevel set {p >= t} holds mass m (on the grid).
"""
from __future__ import annotations

import contourpy
import numpy as np
import torch

from cfg_core.mixture import GaussianMixture

FIELD_GRID = 17  # G: arrows per side
HDR_MASSES = (0.5, 0.9)  # contour levels: the regions holding this much mass


def view_extent(mix: GaussianMixture) -> tuple[float, float, float, float]:
    """A square window holding every component to 3.5 std, the N(0, I) start of sampling, and 40 % more
    room on each side for guided samples, which strong guidance pushes beyond the class support."""
    x0, x1, y0, y1 = mix.extent(3.5)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = 1.4 * max(x1 - x0, y1 - y0, 6.0) / 2
    return (round(cx - half, 3), round(cx + half, 3), round(cy - half, 3), round(cy + half, 3))


def field_points(extent, g: int = FIELD_GRID) -> torch.Tensor:
    """Centres of a g x g grid of arrows, row-major from the bottom left.  # [g*g, 2]"""
    x0, x1, y0, y1 = extent
    dx, dy = (x1 - x0) / g, (y1 - y0) / g
    xs = torch.linspace(x0 + dx / 2, x1 - dx / 2, g, dtype=torch.float64)
    ys = torch.linspace(y0 + dy / 2, y1 - dy / 2, g, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)


def hdr_contours(density, masses=HDR_MASSES) -> list[list[list[float]]]:
    """Contours of the highest-density regions holding each mass: per level, polylines [x0,y0,x1,y1,...] at 0.01
    units (under a screen pixel, as the samples)."""
    d = density.density.numpy()
    flat = np.sort(d.ravel())[::-1]
    cum = np.cumsum(flat) / flat.sum()
    gen = contourpy.contour_generator(density.xs.numpy(), density.ys.numpy(), d)
    out = []
    for m in masses:
        level = float(flat[min(np.searchsorted(cum, m), len(flat) - 1)])
        lines = gen.lines(level)
        out.append([np.round(line[:: max(1, len(line) // 120)], 2).ravel().tolist() for line in lines])
    return out
