"""The MNIST tab's browser data: one sprite per method with every w of W_GRID, readiness and confidences; the sweep
PNG with the boxes of its axes (the browser draws the current-w line)."""
import base64
import io
import json

import numpy as np
from PIL import Image

from explainer import mnist_view
from explainer.mnist import load_sweep, sweep_curves
from explainer.mnist_atlas import DigitGrid
from explainer.views import W_GRID


def _png(b64: str, mode: str = "L") -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert(mode))


def _grid(value: int) -> DigitGrid:
    return DigitGrid(np.full((16, 28, 28), value, np.uint8), 0.91, 0.82, 0.75)


def test_panel_sprite_holds_every_ready_w_in_grid_order():
    grids = {w: (_grid(200) if w in (0.0, 6.0) else None) for w in W_GRID}
    p = mnist_view.panel(7, "cfg", 123, grids, pending="")
    assert p["ready"] == [w in (0.0, 6.0) for w in W_GRID] and p["cell"] == mnist_view.CELL == 122
    sprite = _png(p["sprite"])
    assert sprite.shape == (len(W_GRID) * 122, 122)
    k = W_GRID.index(6.0)
    assert abs(int(sprite[k * 122 + 10, 10]) - 200) <= 8 and sprite[122 + 10, 10] == 255  # a digit; white when missing
    assert p["conf"][k] == [0.91, 0.82, 0.75] and p["conf"][1] is None
    assert p["short"] == "CFG" and p["short_ko"] == "CFG" and p["colour"].startswith("#")


def test_panel_names_the_method_in_every_language():
    grids = {w: None for w in W_GRID}
    p = mnist_view.panel(3, "auto", 5, grids)
    assert p["short"] == "autoguidance" and p["short_ko"] == "오토가이던스"
    q = mnist_view.panel(3, "cfg_interval", 5, grids)
    assert q["short"] == "CFG, interval" and q["short_ko"] == "CFG, 구간" and q["title"].startswith("CFG only for lam")


def test_panel_is_cached_per_readiness_and_pending_is_not():
    grids = {w: _grid(1) for w in W_GRID}
    a = mnist_view.panel(2, "cg", 99, grids)
    b = mnist_view.panel(2, "cg", 99, grids, pending="sampling CG…")
    assert a["sprite"] is b["sprite"] and a["pending"] == "" and b["pending"] == "sampling CG…"


def test_sprite_is_sent_with_16_greys():
    image = np.arange(256, dtype=np.uint8).reshape(16, 16)
    back = _png(mnist_view.grey16_png_base64(image)).astype(int)
    assert np.abs(back - image).max() <= 8 and len(np.unique(back)) == 16 and back.max() == 255 and back.min() == 0


def test_view_json_names_the_grid_and_small_ws():
    v = json.loads(mnist_view.view_json(3, 2.0, 0, [], "note"))
    assert v["kind"] == "grids" and v["w_grid"] == list(W_GRID) and v["small_ws"] == [0.0, 1.0, 3.0, 6.0]
    assert all(w in W_GRID for w in v["small_ws"]) and v["note"] == "note"


def test_sweep_json_places_each_axes_and_reaches_w_10():
    sweep = load_sweep()
    v = json.loads(mnist_view.sweep_json(sweep, sweep_curves(sweep), "title"))
    img = _png(v["png"], "RGB")
    assert v["kind"] == "sweep" and img.shape[:2] == (v["height"], v["width"]) and v["width"] >= 1200
    assert len(v["axes"]) == len(sweep_curves(sweep)) - 1  # one per metric, not the legend
    for a in v["axes"]:
        assert 0 <= a["x0"] < a["x1"] <= 1 and 0 <= a["top"] < a["bottom"] <= 1
        assert a["xlim"][0] <= 0 and a["xlim"][1] >= 10
