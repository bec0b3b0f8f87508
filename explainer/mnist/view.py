"""The MNIST tab as data for the browser (ui/static/mnist.js): digit grids at every w that is ready, and the sweep.

A view is one MnistSelection (digit, methods, seed, w). Each method's panel carries ONE sprite PNG (16 greys, 4 bits): the
4 x 4 grids of every w of W_GRID stacked top to bottom (CELL x CELL pixels each, blank where a w is not ready), the w
that are ready, and each grid's confidences (~27 KB a panel). Dragging w then only picks another cell of a picture the browser already has.
Grids come from the atlas (default seed, CFG and CG) or from the MnistService cache; nothing here samples.

    view_json(sel, panels, ...)               {"kind": "grids", "w_grid", "small_ws", "panels": [...]} as text
    panel(sel, method, grids, pending, progress)  one method's sprite, readiness and confidences (cached),
                                               and while its main grid is sampled, the latest x_hat (preview)
    sweep_json(sweep)                          the sweep curves as a PNG plus where each axes lies in it, so the
                                               browser draws the current-w line itself
Nothing here imports gradio.
"""
from __future__ import annotations

import base64
import io
import json

import numpy as np

from cfg_core.mnist import variants
from explainer.figures import figure_rgb
from explainer.mnist import figures
from explainer.cache import LruCache
from explainer.i18n import LANGUAGES, method_short, method_title, short_in, t
from explainer.mnist.service import SAMPLER, STEPS, tab_sampler
from explainer.mnist.atlas import DigitGrid
from explainer.mnist.selection import MnistSelection
from explainer.w_grid import W_GRID

SMALL_WS = (0.0, 1.0, 3.0, 6.0)  # the row of small grids under the main one
CELL = figures.mnist_grid(np.zeros((16, 28, 28)), upscale=1).shape[0]  # 122: one 4 x 4 grid with 2 px gaps
_PANELS = LruCache(256)  # (label, method, seed, ready w) -> panel dict: the sprite is encoded once


def png_base64(image: np.ndarray, colours: int | None = None) -> str:
    """A uint8 image (grey [H, W] or RGB [H, W, 3]) as base64 PNG, optionally reduced to a palette of `colours`."""
    from PIL import Image

    img = Image.fromarray(image)
    if colours is not None:
        img = img.quantize(colours, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode()


def grey16_png_base64(image: np.ndarray) -> str:
    """A grey uint8 image as a 4-bit PNG of 16 evenly spaced greys (error <= 8/255, invisible on digits; a third
    of the 8-bit size, which matters when a class of 40 opens the tab at once)."""
    from PIL import Image

    img = Image.fromarray(((image.astype(np.uint16) + 8) // 17).astype(np.uint8), mode="P")  # level 0..15
    img.putpalette([17 * k for k in range(16) for _ in range(3)])
    buf = io.BytesIO()
    img.save(buf, format="PNG", bits=4)  # zlib level 6: 7 ms a sprite (optimize=True: 110 ms for 6 % less)
    return base64.b64encode(buf.getvalue()).decode()


def sprite(grids: list[DigitGrid | None]) -> np.ndarray:
    """The grids of every w, top to bottom, white where one is missing.  # [len(grids) * CELL, CELL] uint8"""
    cells = [figures.mnist_grid(g.digits / 255.0, upscale=1) if g is not None else
             np.full((CELL, CELL), 255, np.uint8) for g in grids]
    return np.concatenate(cells, axis=0)


def preview(x01: np.ndarray, step: int, steps: int) -> dict:
    """What a panel shows while its main grid is sampled: x_hat at `step` of `steps` (the network's current guess of
    the clean digits, x01 [16, 28, 28] in [0, 1]) as one 4 x 4 grid PNG."""
    return {"preview": grey16_png_base64(figures.mnist_grid(np.asarray(x01), upscale=1)),
            "preview_step": [int(step), int(steps)]}


def panel(sel: MnistSelection, method: str, grids: dict[float, DigitGrid | None],
          pending: str | dict[str, str] = "", progress: dict | None = None) -> dict:
    """One method's panel of a selection: grids maps every w of W_GRID to its grid (None: not ready). `pending` is the text shown
    while the main grid is being sampled (one string, or one per language: "pending" gets the English,
    "pending_<lang>" the others); `progress` (preview()) the sampling's latest x_hat."""
    ready = tuple(grids.get(w) is not None for w in W_GRID)
    key = (sel.label, method, sel.seed, ready)

    def build() -> dict:
        ordered = [grids.get(w) for w in W_GRID]
        info = variants.info(method)
        return {"method": method, "colour": info.colour,
                **by_language("title", {lang: method_title(lang, method) for lang in LANGUAGES}), **sampler_note(method),
                **by_language("short", {lang: method_short(lang, method) for lang in LANGUAGES}),
                "ready": list(ready), "cell": CELL, "sprite": grey16_png_base64(sprite(ordered)),
                "conf": [None if g is None else [round(g.guide_confidence, 4), round(g.judge_confidence, 4),
                                                 round(g.judge_accuracy, 4)] for g in ordered]}

    return {**_PANELS.get_or_compute(key, build), **by_language("pending", pending), **(progress or {})}


def sampler_note(method: str) -> dict[str, str]:
    """{"sampler": "50 steps", "sampler_ko": ...} for a panel sampled otherwise than the tab's usual (the ancestral
    sampler at STEPS: APG with more steps, CFG++ with DDIM), {} for the others."""
    sampler, steps = tab_sampler(method)
    if (sampler, steps) == (SAMPLER, STEPS):
        return {}
    return by_language("sampler", {lang: t(lang, "panel_steps" if sampler == SAMPLER else "panel_ddim").format(
        steps=steps) for lang in LANGUAGES})


def by_language(key: str, text: str | dict[str, str]) -> dict[str, str]:
    """{key: English} plus {key_<lang>: text} for the other languages of a {lang: text} (a str is English only)."""
    if isinstance(text, str):
        return {key: text}
    return {key: text.get("en", ""), **{f"{key}_{lang}": v for lang, v in text.items() if lang != "en"}}


def view_json(sel: MnistSelection, panels: list[dict], note: str | dict[str, str] = "",
              stream: bool = False, source: str = "now") -> str:
    """The whole view of a selection for the browser; its w is the slider's value (snapped) when the view was
    made (the browser reads the slider itself). stream: some grid is missing and the browser should ask for the streamed completion;
    source: "now" (answered at once from what is ready) or "stream" (from the sampling stream); note: one string or
    one per language (see by_language)."""
    return json.dumps({"kind": "grids", "label": sel.label, "seed": sel.seed, "w": sel.w, "w_grid": list(W_GRID),
                       "small_ws": list(SMALL_WS), "panels": panels, **by_language("note", note), "stream": bool(stream),
                       "source": source})


def sweep_title(sweep: dict) -> dict[str, str]:
    """The sweep figure's title in every language: how it was sampled (an older sweep without a sampler: DDIM)."""
    cfg = sweep.get("config") if isinstance(sweep.get("config"), dict) else {}
    sampler = cfg.get("sampler") if cfg.get("sampler") in ("ddim", "ddpm") else "ddim"
    return {lang: t(lang, "sweep_title").format(sampler=t(lang, f"sampler_{sampler}"), steps=cfg.get("steps", "?"),
                                                n=cfg.get("n_per_class", "?")) for lang in LANGUAGES}


def _text_box(artist, renderer, fig) -> dict:
    """Where a text artist sits, as fractions of the figure from the top-left."""
    box = artist.get_window_extent(renderer)
    w, h = fig.bbox.width, fig.bbox.height
    return {"x0": box.x0 / w, "x1": box.x1 / w, "top": 1 - box.y1 / h, "bottom": 1 - box.y0 / h}


def sweep_json(sweep: dict, curves: dict, title: dict[str, str]) -> str:
    """The sweep figure without a w line and without words, as a PNG, and what the browser writes over it in the
    reader's language: each data axes' box (fractions of width and height from the top-left) with its x range (for
    the dashed current-w line), its title and x label where matplotlib would put them, the figure's title, and the
    legend (label, colour, dashed) for the spare axes' box. Font sizes are fractions of the figure's width."""
    fig = figures.sweep_figure(curves, None, title.get("en", ""), labels=False)
    image = figure_rgb(fig)  # [H, W, 3]; draws the figure, so the texts have their places
    renderer, metrics = fig.canvas.get_renderer(), [m for m in curves if m != "w"]
    boxes, legend_box = [], None
    for ax in fig.axes:
        pos = ax.get_position()  # figure fractions, origin bottom-left
        box = {"x0": pos.x0, "x1": pos.x1, "top": 1 - pos.y1, "bottom": 1 - pos.y0}
        if not ax.lines:  # the spare axes: the legend goes here
            legend_box = box
            continue
        key = figures.METRIC_KEYS.get(metrics[len(boxes)])
        name = {lang: t(lang, key) if key else metrics[len(boxes)] for lang in LANGUAGES}
        boxes.append({**box, "xlim": [float(v) for v in ax.get_xlim()],
                      **by_language("title", name), "title_box": _text_box(ax.title, renderer, fig),
                      "xlabel_box": _text_box(ax.xaxis.label, renderer, fig)})
    if legend_box is not None:  # the legend may use its row's room for titles and x labels too
        row = [a for a in boxes if abs(a["top"] - legend_box["top"]) < 1e-6]
        legend_box = {**legend_box, "top": min([a["title_box"]["top"] for a in row] + [legend_box["top"]]),
                      "bottom": max([a["xlabel_box"]["bottom"] for a in row] + [legend_box["bottom"]])}
    legend = [{**by_language("label", {lang: t(lang, "guide_dashed") if label == figures.GUIDE_DASHED
                                       else short_in(lang, label) for lang in LANGUAGES}),
               "colour": colour, "dashed": dashed} for label, colour, dashed in figures.sweep_legend(curves)]
    suptitle = fig._suptitle  # noqa: SLF001 - matplotlib keeps the figure title here
    width_px = fig.bbox.width
    font = {k: figures.SWEEP_FONT[k] * fig.dpi / 72 / width_px for k in ("title", "label", "legend", "suptitle")}
    ws = sorted({r["w"] for r in sweep["results"]})
    return json.dumps({"kind": "sweep", "png": png_base64(image, colours=64), "width": image.shape[1],
                       "height": image.shape[0], "axes": boxes, "ws": ws, "legend": legend, "legend_box": legend_box,
                       **by_language("title", title), **by_language("xlabel", {lang: t(lang, "sweep_xlabel")
                                                                               for lang in LANGUAGES}),
                       "title_box": _text_box(suptitle, renderer, fig) if suptitle is not None else None,
                       "font": font})
