"""Pure figure builders for the app and the docs: data in, images (numpy RGB) or matplotlib Figures out.

    lab_frames(view, w)        one RGB frame per animation step of a lab view (explainer.views) at w
    mnist_grid(x)              [N, 28, 28] in [0, 1] -> one uint8 image of the digits in a square grid
    mnist_titled_frames(...)   grids side by side, animated, with each method's name, the digit, w and the step above:
                               ready for a slide, in English or Korean (explainer.fonts)
    save_animation(frames, p)  MP4 (imageio-ffmpeg) or GIF by the path's suffix
    sweep_figure(sweep, w)     metric-versus-w curves with the current w marked (or unmarked, w = None)

No gradio here; every function is deterministic in its inputs.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib import patheffects
from matplotlib.figure import Figure

from explainer.fonts import figure_language, font_family
from explainer.geometry import FIELD_GRID, field_points
from cfg_core import methods
from explainer.i18n import method_short, method_title, t
from explainer.words import has
from explainer.views import W_GRID, LabView, PanelView, snap_w

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def figure_rgb(fig: Figure) -> np.ndarray:
    """Rasterise a Figure (Agg).  # [H, W, 3] uint8"""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _contours(ax, levels, color, style, alpha: float = 1.0) -> None:
    for li, lines in enumerate(levels or []):
        for flat in lines:
            xy = np.asarray(flat).reshape(-1, 2)
            ax.plot(xy[:, 0], xy[:, 1], color=color, ls=style, lw=1.6 if li == 0 else 1.0,
                    alpha=alpha * (0.9 if li == 0 else 0.6))


def _panel_axes(ax, view: LabView, panel: PanelView, w: float, frame: int, tempered: bool, lang: str = "en") -> None:
    ext, t = view.extent, view.targets
    wi = W_GRID.index(snap_w(w))  # contours: the nearest grid w
    traj, field = panel.at(w)  # [F, n, 2], [P, 2]
    pts = field_points(ext, FIELD_GRID).numpy()
    mag = np.hypot(field[:, 0], field[:, 1])
    ref = np.quantile(mag, 0.8) or 1.0
    scale = np.tanh(mag / ref) / np.maximum(mag, 1e-12) * 0.9 * (ext[1] - ext[0]) / FIELD_GRID
    ax.quiver(pts[:, 0], pts[:, 1], field[:, 0] * scale, field[:, 1] * scale, angles="xy", scale_units="xy",
              scale=1, color="#555", alpha=0.7, width=0.004)
    for k, levels in enumerate(t.all_contours):  # every class in its own colour, the others faint
        if k != view.label:
            _contours(ax, levels, CLASS_COLORS[k % len(CLASS_COLORS)], "-", 0.35)
    color = CLASS_COLORS[view.label % len(CLASS_COLORS)]
    _contours(ax, t.class_contours, color, "-")
    if methods.get(panel.method).uses_w:  # no guidance: w is not used, there is no tilted target to draw
        _contours(ax, t.tilted_contours[wi], "#e07b00", "--")
        if tempered:
            _contours(ax, t.tempered_contours[wi], "#8e24aa", ":")
    for n in range(0, traj.shape[1], 2):
        ax.plot(traj[: frame + 1, n, 0], traj[: frame + 1, n, 1], color=color, alpha=0.15, lw=0.7)
    ax.scatter(traj[frame, :, 0], traj[frame, :, 1], s=9, color=color, edgecolors="white", linewidths=0.4)
    for k, name in enumerate(view.class_names):  # class names at their heaviest component, on top
        comp = int(max((i for i in range(len(view.mixture.weights)) if int(view.mixture.component_class[i]) == k),
                       key=lambda i: float(view.mixture.weights[i])))
        mx, my = view.mixture.means[comp].tolist()
        ax.text(mx, my, name, color=CLASS_COLORS[k % len(CLASS_COLORS)], fontsize=12, fontweight="bold",
                ha="center", va="bottom", parse_math=False,  # a user's name is text: "$^$" is no formula
                path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(method_title(lang, panel.method), fontsize=10, family=font_family(lang))


def lab_frames(view: LabView, w: float, tempered: bool | None = None, lang: str = "en") -> list[np.ndarray]:
    """One RGB frame per kept sampling step, all panels side by side, at any w (interpolated like the canvas),
    with a title (methods, mixture, class, w and 1 + w) and a legend in lang (English without a Hangul font):
    ready for a slide."""
    lang = figure_language(lang)
    family = font_family(lang)
    panels = view.panels
    if tempered is None:
        tempered = any(p.baseline for p in panels)  # naive baselines aim at the tempered density
    frames = []
    n_frames = panels[0].traj.shape[1]
    fig = Figure(figsize=(4.6 * len(panels), 5.4), dpi=100)
    for f in range(n_frames):
        fig.clear()
        for k, panel in enumerate(panels):
            _panel_axes(fig.add_subplot(1, len(panels), k + 1), view, panel, w, f, tempered, lang)
        lam = panels[0].frame_lams[f]
        stage = t(lang, "anim_final") if f == n_frames - 1 else f"λ = {lam}"
        names = [method_short(lang, p.method) for p in panels]
        vs = t(lang, "choice_vs", a=names[0], b=names[1]) if len(names) == 2 else " · ".join(names)
        fig.suptitle(f"{vs}\n{view.mixture.name}, "
                     f"{t(lang, 'anim_class').format(c=view.class_names[view.label])}, "
                     f"{t(lang, 'anim_scale').format(w=f'{w:.3g}', s=f'{1 + w:.3g}')}: {stage}", fontsize=11,
                     family=family, parse_math=False)  # the mixture's and the class's names are user text
        fig.text(0.5, 0.01, t(lang, "anim_legend"), ha="center", fontsize=7.5, color="#333", wrap=True, family=family)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        frames.append(figure_rgb(fig))
    return frames + [frames[-1]] * 4  # hold the final samples for a moment


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
    """(label, colour as #rrggbb, dashed) of the sweep figure's legend, in its order: one colour per method in
    every panel, "X (guide)" dashed and "X (judge)" solid in X's colour, and one grey dashed entry for the guides."""
    from matplotlib.colors import to_hex

    colours: dict[str, str] = {}
    entries: dict[str, tuple[str, str, bool]] = {}
    for metric, series in curves.items():
        if metric == "w":
            continue
        for name in series:
            base, role = _series_base(name)
            colour = colours.setdefault(base, to_hex(f"C{len(colours) % 10}"))
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
    write every word in the reader's language (explainer.mnist_view.sweep_json)."""
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


def loss_figure(curves: dict[str, list[float]], every: int = 50, lang: str = "en") -> Figure:
    """Training losses (one line per network, a point every `every` steps), labelled in lang."""
    lang = figure_language(lang)
    fig = Figure(figsize=(6, 3), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for name, values in curves.items():
        if values:
            ax.plot(np.arange(1, len(values) + 1) * every, values, label=t(lang, f"stage_{name}") if has("en", f"ui.stage_{name}") else name)
    ax.set_xlabel(t(lang, "loss_step"))
    ax.set_ylabel(t(lang, "loss_loss"))
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if any(curves.values()):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
