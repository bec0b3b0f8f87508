"""The digits' pictures: grids of samples, their denoising animation for a slide, and the sweep's curves.

    mnist_grid(x)              [N, 28, 28] in [0, 1] -> one uint8 image of the digits in a square grid
    mnist_titled_frames(...)   grids side by side, animated, with each method's name, the digit, w and the step above:
                               ready for a slide, in English or Korean (explainer.fonts)
    sweep_figure(sweep, w)     metric-versus-w curves with the current w marked (or unmarked, w = None)
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from explainer.figures import figure_rgb, side_by_side
from explainer.fonts import figure_language, font_family
from explainer.i18n import t

def mnist_grid(x: np.ndarray, nrow: int | None = None, pad: int = 2, upscale: int = 3) -> np.ndarray:
    """Digits [N, 28, 28] in [0, 1] as one grid image (white gaps).  # [H, W] uint8"""
    x = np.asarray(x, dtype=np.float32)
    n = x.shape[0]
    nrow = nrow or int(math.ceil(math.sqrt(n)))
    ncol = int(math.ceil(n / nrow))
    h, w = x.shape[1:]
    out = np.ones((ncol * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, nrow)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = x[i]
    img = (np.clip(out, 0, 1) * 255).round().astype(np.uint8)
    return np.kron(img, np.ones((upscale, upscale), dtype=np.uint8)) if upscale > 1 else img


def mnist_titled_frames(trajectories: list[np.ndarray], titles: list[str], label: int, w: float, lang: str = "en",
                        frames: int = 26, min_width: int = 640) -> list[np.ndarray]:
    """The denoising animation of one or more grids side by side (trajectories [T+1, N, 28, 28] each), for a slide:
    each grid's method (titles) above it, and a heading with the digit, w, 1 + w and the step under way (step k of
    T; the last frames: the final samples), in lang (English without a Hangul font).  # RGB list"""
    lang = figure_language(lang)
    family = font_family(lang)
    steps = len(trajectories[0]) - 1
    idx = np.unique(np.round(np.linspace(0, steps, frames)).astype(int))
    gap, top = 12, 64  # px between grids; px above them for the heading and the titles
    first = [mnist_grid(tr[0]) for tr in trajectories]  # their sizes set the frame's
    widths, height = [g.shape[1] for g in first], first[0].shape[0]
    body_w = sum(widths) + gap * (len(widths) - 1)
    width = max(body_w, min_width)
    left = (width - body_w) / 2
    heading = (f"{' vs '.join(titles)} · {t(lang, 'anim_digit').format(d=label)} · "
               f"{t(lang, 'anim_scale').format(w=f'{w:.3g}', s=f'{1 + w:.3g}')}")
    fig = Figure(figsize=(width / 100, (height + top) / 100), dpi=100)
    out = []
    for i in idx:
        fig.clear()
        ax = fig.add_axes((left / width, 0, body_w / width, height / (height + top)))
        ax.imshow(side_by_side([mnist_grid(tr[i]) for tr in trajectories], gap), cmap="gray", vmin=0, vmax=255,
                  interpolation="nearest")
        ax.set_axis_off()
        x = left
        for k, title in enumerate(titles):
            fig.text((x + widths[k] / 2) / width, (height + 4) / (height + top), title, ha="center", va="bottom",
                     fontsize=13, fontweight="bold", family=family)
            x += widths[k] + gap
        stage = t(lang, "anim_final") if i == steps else t(lang, "anim_step").format(k=int(i), n=steps)
        fig.text(0.5, 1 - 5 / (height + top), f"{heading} · {stage}", ha="center", va="top", fontsize=11,
                 family=family)
        out.append(figure_rgb(fig))
    return out + [out[-1]] * 6


METRIC_KEYS = {"judge_accuracy": "metric_judge_accuracy", "judge_confidence": "metric_judge_confidence",
               "diversity": "metric_diversity", "fd": "metric_fd", "ink_error": "metric_ink_error",
               "CG: guide vs judge p(c|x)": "metric_guide_judge"}  # sweep_curves' metrics -> explainer.i18n keys
METRIC_TITLES = {metric: t("en", key) for metric, key in METRIC_KEYS.items()}  # the English figure's panel titles


SWEEP_FONT = {"title": 15, "label": 13, "ticks": 12, "legend": 13, "suptitle": 15}  # pt at dpi 100: readable
# on a 1280 x 720 projector where the figure is drawn ~1200 px wide


GUIDE_DASHED = t("en", "guide_dashed")  # the legend's entry for the CG guide's dashed lines


def _series_base(series: str) -> tuple[str, str]:
    """("CG", "guide") for "CG (guide)"; (series, "") for a plain method."""
    if series.endswith(("(guide)", "(judge)")):
        base, role = series.rsplit(" (", 1)
        return base, role
    return series, ""


def sweep_legend(curves: dict[str, dict[str, list[float]]]) -> list[tuple[str, str, bool]]:
    """(label, colour as #rrggbb, dashed) of the sweep figure's legend, in its order: each method in its registry
    colour (the same as in the grids and the lab), "X (guide)" dashed and "X (judge)" solid in X's colour, and one
    grey dashed entry for the guides."""
    from matplotlib.colors import to_hex

    from cfg_core.mnist.variants import NAMES

    registry = {entry.short: entry.colour for entry in NAMES.values()}  # the curves are labelled by short name
    colours: dict[str, str] = {}
    entries: dict[str, tuple[str, str, bool]] = {}
    for metric, series in curves.items():
        if metric == "w":
            continue
        for name in series:
            base, role = _series_base(name)
            colour = colours.setdefault(base, registry.get(base) or to_hex(f"C{len(colours) % 10}"))
            if not role:
                entries.setdefault(base, (base, colour, False))
            elif role.startswith("guide"):
                entries.setdefault(GUIDE_DASHED, (GUIDE_DASHED, "#555555", True))
    return list(entries.values())


def sweep_figure(curves: dict[str, dict[str, list[float]]], w: float | None, title: str = "", ncols: int = 3,
                 labels: bool = True) -> Figure:
    """curves: {metric: {series: values}} plus curves['w'] = {'w': [...]}; a grid of axes (ncols wide), w marked
    by a dashed line (none when w is None: the browser draws it), one shared legend (in the spare axes when
    there is one). x runs over [0, max(10, last w)], the w slider's range. labels=False draws the titles and x labels
    invisibly and leaves the legend out (the spare axes stay empty): the same layout, with room for the browser to
    write every word in the reader's language (explainer.mnist.view.sweep_json)."""
    ws = curves["w"]["w"]
    metrics = [m for m in curves if m != "w"]
    ncols = max(1, min(ncols, len(metrics)))
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig = Figure(figsize=(4.6 * ncols, 3.3 * nrows + (0.6 if title else 0.2)), dpi=100)
    colour = {label: c for label, c, _ in sweep_legend(curves)}
    handles: dict = {}
    for k, metric in enumerate(metrics):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        for series, values in curves[metric].items():
            base, role = _series_base(series)
            (line,) = ax.plot(ws[: len(values)], values, marker="o", ms=5, lw=2, color=colour[base],
                              ls="--" if role.startswith("guide") else "-", label=base)
            if not role:
                handles.setdefault(base, line)
            elif role.startswith("guide"):
                handles.setdefault(GUIDE_DASHED, ax.plot([], [], color="#555", ls="--")[0])
        if w is not None:
            ax.axvline(w, color="k", ls="--", lw=1.5)
        ax.set_xlim(-0.2, max(10.0, max(ws, default=0)) + 0.2)
        ax.set_xticks([t for t in (0, 1, 2, 3, 4, 6, 8, 10) if t <= max(10.0, max(ws, default=0))])
        ink = {} if labels else {"color": "none"}
        ax.set_xlabel(t("en", "sweep_xlabel"), fontsize=SWEEP_FONT["label"], **ink)
        ax.set_title(METRIC_TITLES.get(metric, metric), fontsize=SWEEP_FONT["title"], **ink)
        ax.tick_params(labelsize=SWEEP_FONT["ticks"])
        ax.grid(alpha=0.3)
    if nrows * ncols > len(metrics):  # the spare axes hold the legend
        spare = fig.add_subplot(nrows, ncols, len(metrics) + 1)
        spare.axis("off")
        if labels:
            spare.legend(handles.values(), handles.keys(), loc="center", fontsize=SWEEP_FONT["legend"], frameon=False)
    elif handles and labels:
        fig.axes[0].legend(fontsize=SWEEP_FONT["legend"] - 2)
    if title:
        fig.suptitle(title, fontsize=SWEEP_FONT["suptitle"], **({} if labels else {"color": "none"}))
    fig.tight_layout()
    return fig
