"""Figure builders: shapes, files that decode, the sweep curves."""
from __future__ import annotations

import warnings

import imageio.v2 as imageio
import numpy as np
import pytest

from explainer import figures, fonts
from explainer.lab import figures as lab_figures
from explainer.mnist import figures as mnist_figures
from explainer.lab.views import LabViews, PanelSpec
from cfg_core.mixture_json import load_mixture


@pytest.fixture(scope="module")
def view():
    return LabViews().view(load_mixture("two_overlapping"), None, [PanelSpec("two_overlapping", 1, "scaled", score="exact")])


def test_lab_frames_and_animation_files(view, tmp_path):
    frames = lab_figures.lab_frames(view, 2.0)
    assert len(frames) == view.panels[0].traj.shape[1] + 4 and frames[0].ndim == 3 and frames[0].dtype == np.uint8
    assert frames[0].std() > 0  # not blank
    mp4 = figures.save_animation(frames[:5], tmp_path / "a.mp4")
    gif = figures.save_animation(frames[:5], tmp_path / "a.gif")
    assert mp4.stat().st_size > 1000 and len(imageio.mimread(gif)) == 5


def test_mnist_grid_and_frames():
    x = np.random.default_rng(0).random((16, 28, 28)).astype(np.float32)
    g = mnist_figures.mnist_grid(x, upscale=1)
    assert g.shape == (4 * 30 + 2, 4 * 30 + 2) and g.dtype == np.uint8
    both = figures.side_by_side([g, g])
    assert both.shape[1] == 2 * g.shape[1] + 12


def test_sweep_and_loss_figures():
    curves = {"w": {"w": [0, 1, 2]}, "accuracy": {"CFG": [0.5, 0.8, 0.9], "CG": [0.5, 0.7, 0.8]}}
    image = figures.figure_rgb(mnist_figures.sweep_figure(curves, 1.0, "t"))
    assert image.ndim == 3 and image.std() > 0
    assert figures.figure_rgb(lab_figures.loss_figure({"eps": [1.0, 0.5], "clf": []})).shape[-1] == 3


def _trajectory(seed: int, steps: int = 10) -> np.ndarray:
    return np.random.default_rng(seed).random((steps + 1, 16, 28, 28)).astype(np.float32)  # [T+1, N, 28, 28]


def test_mnist_titled_frames_hold_the_grids_under_a_title_band():
    one, two = _trajectory(0), _trajectory(1)
    frames = mnist_figures.mnist_titled_frames([one, two], ["CFG", "CG"], 3, 2.0, frames=5)
    assert len(frames) == 5 + 6 and frames[0].ndim == 3 and frames[0].dtype == np.uint8
    grid = mnist_figures.mnist_grid(one[0])
    assert frames[0].shape[0] == grid.shape[0] + 64 and frames[0].shape[1] == 2 * grid.shape[1] + 12
    band = frames[0][:64].astype(int)
    assert (band < 128).any()  # the title band has ink
    assert not np.array_equal(frames[0][:64], frames[3][:64])  # the step changes in the heading
    assert np.array_equal(frames[-1], frames[-7])  # the final samples are held
    narrow = mnist_figures.mnist_titled_frames([one], ["CFG"], 3, 2.0, frames=2)
    assert narrow[0].shape[1] == 640  # one grid is centred on a slide-wide frame that fits the heading


def test_a_korean_animation_is_korean_with_a_hangul_font_and_english_without(monkeypatch):
    traj = _trajectory(2, steps=4)
    english = mnist_figures.mnist_titled_frames([traj], ["CFG"], 7, 3.0, "en", frames=3)
    if fonts.hangul_family() is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for a box
            korean = mnist_figures.mnist_titled_frames([traj], ["CFG"], 7, 3.0, "ko", frames=3)
        assert not np.array_equal(korean[0][:64], english[0][:64])
    monkeypatch.setattr(fonts, "hangul_family", lambda: None)
    assert fonts.figure_language("ko") == "en" and fonts.font_family("ko") == ["DejaVu Sans"]
    fallback = mnist_figures.mnist_titled_frames([traj], ["CFG"], 7, 3.0, "ko", frames=3)
    assert all(np.array_equal(a, b) for a, b in zip(fallback, english))


def test_the_lab_animation_takes_the_language(view, monkeypatch):
    english = lab_figures.lab_frames(view, 2.0)
    if fonts.hangul_family() is not None:
        assert not np.array_equal(lab_figures.lab_frames(view, 2.0, lang="ko")[0], english[0])  # Korean title, legend
    monkeypatch.setattr(fonts, "hangul_family", lambda: None)
    assert np.array_equal(lab_figures.lab_frames(view, 2.0, lang="ko")[0], english[0])  # no font: English
