"""The w grid both tabs precompute: the 2D lab's views and the MNIST tab's sprites hold one picture per w in W_GRID.

Finer where the paper's best FID lies (w = 0.1-0.3); the lab's browser interpolates between neighbours (same
initial noise, so samples move continuously), the MNIST tab's browser shows the nearest grid value, so any w in
[0, W_MAX_UI] can be shown.

    snap_w(w)          w checked and snapped to the nearest grid value
    w_neighbours(w)    (i, j, t): w = (1 - t) W_GRID[i] + t W_GRID[j], the browser's lerp
Nothing here imports gradio or torch.
"""
from __future__ import annotations

from cfg_core.guidance import check_w

W_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0)
W_MAX_UI = W_GRID[-1]


def check_lab_w(w) -> float:
    """w checked (finite, in [0, MAX_W]) and inside the grid's range [0, W_MAX_UI]."""
    w = check_w(w)
    if w > W_MAX_UI:
        raise ValueError(f"the lab shows w in [0, {W_MAX_UI:g}], got {w:g}")
    return w


def w_neighbours(w) -> tuple[int, int, float]:
    """(i, j, t): w lies between W_GRID[i] and W_GRID[j] = W_GRID[i + 1], at fraction t (the browser's lerp)."""
    w = check_lab_w(w)
    j = next((k for k, g in enumerate(W_GRID) if g >= w), len(W_GRID) - 1)
    if j == 0 or W_GRID[j] == w:
        return j, j, 0.0
    return j - 1, j, (w - W_GRID[j - 1]) / (W_GRID[j] - W_GRID[j - 1])


def snap_w(w) -> float:
    """w checked (check_lab_w) and snapped to the nearest grid value."""
    w = check_lab_w(w)
    return nearest_w(w)


def nearest_w(w: float) -> float:
    """The grid value nearest an already checked w (no check: for a w validated once at the edge)."""
    return min(W_GRID, key=lambda g: abs(g - w))
