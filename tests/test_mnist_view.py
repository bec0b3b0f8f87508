"""The MNIST tab's browser data: one sprite per method with every w of W_GRID, readiness and confidences; the sweep
PNG with the boxes of its axes (the browser draws the current-w line)."""
import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from explainer.mnist import view as mnist_view
from explainer.mnist.service import load_sweep, sweep_curves
from explainer.mnist.atlas import DigitGrid
from explainer.mnist.selection import MnistSelection
from explainer.w_grid import W_GRID


def _png(b64: str, mode: str = "L") -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert(mode))


def _grid(value: int) -> DigitGrid:
    return DigitGrid(np.full((16, 28, 28), value, np.uint8), 0.91, 0.82, 0.75)


def test_panel_sprite_holds_every_ready_w_in_grid_order():
    grids = {w: (_grid(200) if w in (0.0, 6.0) else None) for w in W_GRID}
    p = mnist_view.panel(MnistSelection(label=7, seed=123), "cfg", grids, pending="")
    assert p["ready"] == [w in (0.0, 6.0) for w in W_GRID] and p["cell"] == mnist_view.CELL == 122
    sprite = _png(p["sprite"])
    assert sprite.shape == (len(W_GRID) * 122, 122)
    k = W_GRID.index(6.0)
    assert abs(int(sprite[k * 122 + 10, 10]) - 200) <= 8 and sprite[122 + 10, 10] == 255  # a digit; white when missing
    assert p["conf"][k] == [0.91, 0.82, 0.75] and p["conf"][1] is None
    assert p["short"] == "CFG" and p["short_ko"] == "CFG" and p["colour"].startswith("#")


def test_panel_names_the_method_in_every_language():
    grids = {w: None for w in W_GRID}
    p = mnist_view.panel(MnistSelection(seed=5), "auto", grids)
    assert p["short"] == "autoguidance" and p["short_ko"] == "오토가이던스"
    q = mnist_view.panel(MnistSelection(seed=5), "cfg_interval", grids)
    assert q["short"] == "CFG, interval" and q["short_ko"] == "CFG, 구간" and q["title"].startswith("CFG only for lam")


def test_panel_is_cached_per_readiness_and_pending_is_not():
    grids = {w: _grid(1) for w in W_GRID}
    a = mnist_view.panel(MnistSelection(label=2, seed=99), "cg", grids)
    b = mnist_view.panel(MnistSelection(label=2, w=6.0, seed=99), "cg", grids, pending="sampling CG…")  # any w
    assert a["sprite"] is b["sprite"] and a["pending"] == "" and b["pending"] == "sampling CG…"


def test_sprite_is_sent_with_16_greys():
    image = np.arange(256, dtype=np.uint8).reshape(16, 16)
    back = _png(mnist_view.grey16_png_base64(image)).astype(int)
    assert np.abs(back - image).max() <= 8 and len(np.unique(back)) == 16 and back.max() == 255 and back.min() == 0


def test_view_json_names_the_grid_and_small_ws():
    v = json.loads(mnist_view.view_json(MnistSelection(), [], "note"))
    assert (v["label"], v["w"], v["seed"], v["stream"], v["source"]) == (3, 2.0, 0, False, "now")
    assert v["kind"] == "grids" and v["w_grid"] == list(W_GRID) and v["small_ws"] == [0.0, 1.0, 3.0, 6.0]
    assert all(w in W_GRID for w in v["small_ws"]) and v["note"] == "note"


def _inside(box) -> bool:
    return 0 <= box["x0"] < box["x1"] <= 1 and 0 <= box["top"] < box["bottom"] <= 1


def test_sweep_json_places_each_axes_and_reaches_w_10():
    sweep = load_sweep()
    v = json.loads(mnist_view.sweep_json(sweep, sweep_curves(sweep), {"en": "title", "ko": "제목"}))
    img = _png(v["png"], "RGB")
    assert v["kind"] == "sweep" and img.shape[:2] == (v["height"], v["width"]) and v["width"] >= 1200
    assert len(v["axes"]) == len(sweep_curves(sweep)) - 1  # one per metric, not the legend
    for a in v["axes"]:
        assert _inside(a) and a["xlim"][0] <= 0 and a["xlim"][1] >= 10


def test_sweep_json_carries_every_word_in_both_languages_where_matplotlib_would_put_it():
    sweep = load_sweep()
    v = json.loads(mnist_view.sweep_json(sweep, sweep_curves(sweep), mnist_view.sweep_title(sweep)))
    cfg = sweep["config"]
    assert v["title"].startswith(f"MNIST sweep (ancestral sampler, {cfg['steps']} steps, {cfg['n_per_class']} digits")
    assert v["title_ko"].startswith(f"MNIST w 훑기 (조상 샘플러, {cfg['steps']}단계") and _inside(v["title_box"])
    assert (v["xlabel"], v["xlabel_ko"]) == ("w (paper)", "w (논문)")
    titles = [(a["title"], a["title_ko"]) for a in v["axes"]]
    assert titles[0] == ("judge accuracy (↑ more class-like)", "심판 정확도 (↑ 클래스다움)") and len(set(titles)) == 5
    for a in v["axes"]:  # the title above its axes, the x label below
        assert _inside(a["title_box"]) and a["title_box"]["bottom"] <= a["top"] + 1e-3
        assert _inside(a["xlabel_box"]) and a["xlabel_box"]["top"] >= a["bottom"]
    labels = {e["label"]: e for e in v["legend"]}
    assert len(v["legend"]) == len(cfg["methods"]) + 1 and _inside(v["legend_box"])
    assert labels["autoguidance"]["label_ko"] == "오토가이던스" and labels["CFG"]["colour"].startswith("#")
    assert labels["dashed: the guide's p(c|x)"]["dashed"] and not labels["CFG"]["dashed"]
    assert all(0.005 < f < 0.05 for f in v["font"].values())  # fractions of the figure's width
    older = {**sweep, "config": {k: x for k, x in cfg.items() if k != "sampler"}}  # before the sampler was recorded
    assert mnist_view.sweep_title(older)["en"].startswith("MNIST sweep (DDIM, ")


def test_the_sweep_png_has_no_words_but_the_labelled_figure_does():
    from explainer.mnist import figures

    curves = sweep_curves(load_sweep())
    bare = figures.sweep_figure(curves, None, "title", labels=False)
    texts = [t for ax in bare.axes if ax.lines for t in (ax.title, ax.xaxis.label)] + [bare._suptitle]
    assert all(t.get_color() == "none" for t in texts) and all(ax.get_legend() is None for ax in bare.axes)
    full = figures.sweep_figure(curves, None, "title")
    assert full.axes[0].title.get_color() != "none" and any(ax.get_legend() is not None for ax in full.axes)


def test_the_tab_samples_with_the_ancestral_sampler_except_where_a_method_needs_ddim():
    from explainer.mnist.service import DDIM_STEPS, SAMPLER, STEPS, tab_sampler

    assert (SAMPLER, STEPS) == ("ddpm", 16) and DDIM_STEPS == 50
    for name in ("cfg", "cg", "cg_clean", "scaled", "reduced", "none", "auto", "cfg_interval", "rescale", "threshold"):
        assert tab_sampler(name) == ("ddpm", 16), name
    assert tab_sampler("apg") == ("ddpm", 50)  # its momentum is tuned for 50 steps
    assert tab_sampler("cfgpp") == ("ddim", 50)  # CFG++ renoises with DDIM by construction
    notes = {m: mnist_view.sampler_note(m) for m in ("cfg", "apg", "cfgpp")}
    assert notes["cfg"] == {} and notes["apg"] == {"sampler": "50 steps", "sampler_ko": "50단계"}
    assert notes["cfgpp"] == {"sampler": "DDIM, 50 steps", "sampler_ko": "DDIM, 50단계"}
    with pytest.raises(ValueError, match="unknown guidance method"):
        tab_sampler("nope")
