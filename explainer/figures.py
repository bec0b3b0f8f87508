"""Figure plumbing shared by every feature: a Figure rasterised, images side by side, frames saved as MP4 or GIF.

The lab's frames live in explainer.lab.figures, the digits' grids and sweeps in explainer.mnist.figures.
No gradio here; every function is deterministic in its inputs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def figure_rgb(fig: Figure) -> np.ndarray:
    """Rasterise a Figure (Agg).  # [H, W, 3] uint8"""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def side_by_side(images: list[np.ndarray], gap: int = 12) -> np.ndarray:
    """Images of equal height next to each other with white gaps (grey or RGB).  # [H, W(, 3)]"""
    h = max(im.shape[0] for im in images)
    padded = []
    for k, im in enumerate(images):
        im = np.pad(im, [(0, h - im.shape[0]), (0, 0)] + [(0, 0)] * (im.ndim - 2), constant_values=255)
        padded.append(im)
        if k + 1 < len(images):
            padded.append(np.full((h, gap) + im.shape[2:], 255, dtype=np.uint8))
    return np.concatenate(padded, axis=1)


def save_animation(frames: list[np.ndarray], path: str | Path, fps: int = 6) -> Path:
    """Write frames as MP4 (H.264 via imageio-ffmpeg) or GIF, chosen by the suffix."""
    import imageio.v2 as imageio

    from cfg_core.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:  # written beside, then moved into place
        if path.suffix == ".gif":
            imageio.mimsave(tmp, frames, duration=1000 / fps, loop=0)
        else:
            even = [f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2] for f in frames]  # H.264 wants even sizes
            imageio.mimsave(tmp, even, fps=fps, codec="libx264", macro_block_size=1, quality=7)
    return path
