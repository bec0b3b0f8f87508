"""Ellipses of a 2D mixture's components: the geometry the lab draws over the fitted points.

Component k, N(mu_k, S_k) with S_k = V diag(l_1, l_2) V^T (l_1 >= l_2), has the n_std ellipse
    {x : (x - mu_k)^T S_k^-1 (x - mu_k) = n_std^2},
centred at mu_k with semi-axes n_std sqrt(l_1), n_std sqrt(l_2) along V's columns. It holds the mass
1 - exp(-n_std^2 / 2) of the component (2 std: 86.5 %).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from cfg_core.mixture import GaussianMixture


@dataclass(frozen=True)
class Ellipse:
    """One component's n_std ellipse."""

    component: int  # k, index into the mixture's components
    class_index: int  # c_k
    centre: tuple[float, float]  # mu_k
    semi_axes: tuple[float, float]  # (major, minor) = n_std sqrt(eigenvalues of S_k), major >= minor
    angle_deg: float  # direction of the major axis, degrees counter-clockwise from +x, in (-90, 90]

    def outline(self, n: int = 64) -> np.ndarray:
        """A closed polyline of n + 1 points around the ellipse (first == last).  # [n+1, 2]"""
        t = np.linspace(0, 2 * math.pi, n + 1)
        a, b = self.semi_axes
        th = math.radians(self.angle_deg)
        x, y = a * np.cos(t), b * np.sin(t)
        pts = np.stack([x * math.cos(th) - y * math.sin(th), x * math.sin(th) + y * math.cos(th)], axis=1)
        pts[-1] = pts[0]
        return pts + np.asarray(self.centre)


def ellipses(mixture: GaussianMixture, n_std: float = 2.0) -> list[Ellipse]:
    """The n_std ellipse of every component, in component order."""
    if isinstance(n_std, bool) or not isinstance(n_std, (int, float)) or not (math.isfinite(n_std) and n_std > 0):
        raise ValueError(f"n_std must be a positive number, got {n_std!r}")
    if mixture.dim != 2:
        raise ValueError(f"ellipses are drawn for 2D mixtures, got dimension {mixture.dim}")
    evals, evecs = torch.linalg.eigh(mixture.covs)  # [K, 2] ascending, [K, 2, 2] columns
    out = []
    for k in range(len(mixture.weights)):
        major = evecs[k, :, 1]
        angle = math.degrees(math.atan2(float(major[1]), float(major[0])))
        angle = angle - 180 if angle > 90 else angle + 180 if angle <= -90 else angle  # an axis, not an arrow
        axes = (n_std * math.sqrt(float(evals[k, 1])), n_std * math.sqrt(float(evals[k, 0])))
        out.append(Ellipse(k, int(mixture.component_class[k]), (float(mixture.means[k, 0]),
                                                               float(mixture.means[k, 1])), axes, angle))
    return out
