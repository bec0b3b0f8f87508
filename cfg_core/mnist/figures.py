"""Pure figure builders for the MNIST sweep (matplotlib Figure objects, Agg; no pyplot state).

    fd_vs_is          FD (judge features) against judge IS, one curve per method, points labelled by w
                      (the shape of Ho & Salimans' Figure 4, FID against IS)
    metrics_vs_w      judge accuracy, confidence, diversity, precision and recall against w
    guide_vs_judge    CG: the guide's confidence on its own samples next to the judge's
    digit_grid        rows = digits 0..9, columns = samples (one method, one w)
    method_grid       rows = methods, columns = digits 0..9 (one sample each, one w)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cfg_core.mnist.variants import info

DPI = 80  # small PNGs for the docs


def _title(method: str) -> str:
    try:
        return info(method).title
    except ValueError:  # a sweep JSON from elsewhere may name anything
        return method


def _colour(method: str) -> str | None:
    try:
        return info(method).colour
    except ValueError:
        return None


def _series(results: list[dict], method: str, key: str) -> tuple[list[float], list[float]]:
    rows = sorted((r for r in results if r["method"] == method), key=lambda r: r["w"])
    return [r["w"] for r in rows], [r[key] for r in rows]


def _methods(results: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["method"] for r in results))


def fd_vs_is(sweep: dict) -> Figure:
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    for method in _methods(sweep["results"]):
        ws, fd = _series(sweep["results"], method, "fd")
        _, is_ = _series(sweep["results"], method, "inception_score")
        ax.plot(is_, fd, "o-", label=_title(method), color=_colour(method), ms=4)
        for w, a, b in zip(ws, is_, fd):
            ax.annotate(f"{w:g}", (a, b), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_yscale("log")  # the reduced-noise baseline's FD is 100x the others'
    ax.set(xlabel="judge Inception Score (higher: more class-certain)",
           ylabel="Frechet distance in judge features (log; lower: closer to real)",
           title="FD vs IS as the guidance weight w grows (labels: w)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def metrics_vs_w(sweep: dict) -> Figure:
    keys = ("judge_accuracy", "judge_confidence", "diversity", "precision", "recall", "fd", "ink_error")
    fig = Figure(figsize=(14, 6))
    for i, key in enumerate(keys):
        ax = fig.add_subplot(2, 4, i + 1)
        for method in _methods(sweep["results"]):
            ws, ys = _series(sweep["results"], method, key)
            ax.plot(ws, ys, "o-", ms=3, label=_title(method), color=_colour(method))
        if key in sweep["real_held_out"]:  # the ink error is measured against the real digits: theirs is 0
            ax.axhline(sweep["real_held_out"][key], color="gray", ls=":", lw=1)
        if key == "fd":
            ax.set_yscale("log")
        ax.set(xlabel="w", title=key.replace("_", " "))
    spare = fig.add_subplot(2, 4, 8)  # the eighth axes holds the legend, clear of every curve
    spare.axis("off")
    spare.legend(*fig.axes[0].get_legend_handles_labels(), loc="center", fontsize=7, frameon=False)
    fig.suptitle("Judge metrics against w (dotted: held-out real digits, half against half)", fontsize=9)
    fig.tight_layout()
    return fig


def guide_vs_judge(sweep: dict) -> Figure:
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for method in ("cg", "cg_clean"):
        color = _colour(method)
        if method not in _methods(sweep["results"]):
            continue
        ws, guide = _series(sweep["results"], method, "guide_confidence")
        _, judge = _series(sweep["results"], method, "judge_confidence")
        ax.plot(ws, guide, "o--", color=color, label=f"{_title(method)}: guide p(c|x)")
        ax.plot(ws, judge, "o-", color=color, label=f"{_title(method)}: judge p(c|x)")
    ax.set(xlabel="w", ylabel="mean probability of the requested digit", ylim=(0, 1.02),
           title="Does CG fool its guide? (dashed: the guide, solid: the judge)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def digit_grid(images: np.ndarray, title: str) -> Figure:
    """images [rows, cols, 28, 28] in [0, 1] as one tiled picture."""
    rows, cols = images.shape[:2]
    tiled = images.transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)  # [rows 28, cols 28]
    fig = Figure(figsize=(cols * 0.45 + 0.3, rows * 0.45 + 0.4))
    ax = fig.add_subplot()
    ax.imshow(tiled, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    fig.tight_layout(pad=0.2)
    return fig


def method_grid(sweep: dict, w: float) -> Figure:
    methods = [m for m in _methods(sweep["results"]) if (m, w) in sweep["grids"]]
    images = np.stack([sweep["grids"][(m, w)][:, :2].reshape(20, 28, 28) for m in methods])
    fig = digit_grid(images, f"w = {w:g}; rows: {', '.join(methods)}; two samples per digit")
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    from cfg_core.atomic import atomic_path

    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI)
    return path


def write_figures(sweep: dict, out_dir: Path) -> list[Path]:
    """All sweep figures as mnist_*.png in out_dir."""
    paths = [save_png(fd_vs_is(sweep), out_dir / "mnist_fd_vs_is.png"),
             save_png(metrics_vs_w(sweep), out_dir / "mnist_metrics_vs_w.png"),
             save_png(guide_vs_judge(sweep), out_dir / "mnist_guide_vs_judge.png")]
    ws = sorted({w for _, w in sweep["grids"]})
    for w in ws:
        if ("cfg", w) in sweep["grids"]:
            grid = digit_grid(sweep["grids"][("cfg", w)], f"CFG, w = {w:g}: rows are digits 0..9")
            paths.append(save_png(grid, out_dir / f"mnist_cfg_grid_w{w:g}.png"))
        paths.append(save_png(method_grid(sweep, w), out_dir / f"mnist_methods_w{w:g}.png"))
    return paths
