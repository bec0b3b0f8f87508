"""The lab's pictures for a slide: a view's animation frames at any w, and the training losses.

    lab_frames(view, w)   one RGB frame per animation step of a lab view (explainer.lab.views) at w, titled in lang
    loss_figure(curves)   training losses, one line per network
"""
from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure

from cfg_core import methods
from explainer.figures import figure_rgb
from explainer.fonts import figure_language, font_family
from explainer.i18n import method_short, method_title, t
from explainer.lab.geometry import FIELD_GRID, field_points
from explainer.lab.views import W_GRID, LabView, PanelView, snap_w
from explainer.words import has

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


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
