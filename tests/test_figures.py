"""Figure builders: shapes, files that decode, the sweep curves."""
from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest

from explainer import figures
from explainer.views import LabViews, PanelSpec
from cfg_core.mixture_json import load_mixture


@pytest.fixture(scope="module")
def view():
    return LabViews().view(load_mixture("two_overlapping"), None, [PanelSpec("two_overlapping", 1, "scaled", score="exact")])


def test_lab_frames_and_animation_files(view, tmp_path):
    frames = figures.lab_frames(view, 2.0)
    assert len(frames) == view.panels[0].traj.shape[1] + 4 and frames[0].ndim == 3 and frames[0].dtype == np.uint8
    assert frames[0].std() > 0  # not blank
    mp4 = figures.save_animation(frames[:5], tmp_path / "a.mp4")
    gif = figures.save_animation(frames[:5], tmp_path / "a.gif")
    assert mp4.stat().st_size > 1000 and len(imageio.mimread(gif)) == 5


def test_mnist_grid_and_frames():
    x = np.random.default_rng(0).random((16, 28, 28)).astype(np.float32)
    g = figures.mnist_grid(x, upscale=1)
    assert g.shape == (4 * 30 + 2, 4 * 30 + 2) and g.dtype == np.uint8
    frames = figures.mnist_frames(np.stack([x] * 11), frames=5)
    assert len(frames) == 5 + 6 and frames[0].shape[-1] == 3
    both = figures.side_by_side([g, g])
    assert both.shape[1] == 2 * g.shape[1] + 12


def test_sweep_and_loss_figures():
    curves = {"w": {"w": [0, 1, 2]}, "accuracy": {"CFG": [0.5, 0.8, 0.9], "CG": [0.5, 0.7, 0.8]}}
    image = figures.figure_rgb(figures.sweep_figure(curves, 1.0, "t"))
    assert image.ndim == 3 and image.std() > 0
    assert figures.figure_rgb(figures.loss_figure({"eps": [1.0, 0.5], "clf": []})).shape[-1] == 3
