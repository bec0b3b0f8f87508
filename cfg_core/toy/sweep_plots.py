"""Matplotlib figures of a 2D-mixture sweep (pure: a SweepResult in, a Figure out, no pyplot state).

Four panels against w (fidelity, diversity, distance to the tilted target, distance to the class) and a
fidelity/diversity trade-off panel, the 2D analogue of the paper's FID-versus-IS curve (Figure 4).
Distances and diversity use a log axis: CG with the clean classifier flies off by orders of magnitude
and score scaling collapses to a point (diversity ~ 0, drawn at FLOOR), and both must stay readable.
"""
from __future__ import annotations

from matplotlib.figure import Figure

from cfg_core.methods import METHODS

FLOOR = 1e-3  # values below this (a collapsed sample set) are drawn at the floor of the log axis
PANELS = (("mean_posterior", "mean exact p(c|x)  (fidelity)"), ("diversity", "mean pairwise distance"),
          ("distance_to_tilted", "SW2 to p(x|c)p(c|x)^w"), ("distance_to_class", "SW2 to p(x|c)"))


def sweep_figure(result) -> Figure:
    """Curves per method over w, plus the fidelity/diversity trade-off."""
    fig = Figure(figsize=(15, 3.4), layout="constrained")
    axes = fig.subplots(1, 5)
    methods = list(dict.fromkeys(r.method for r in result.rows))
    for m in methods:
        rows = [r for r in result.rows if r.method == m]
        method = METHODS[m]
        label, colour, ls = method.title, method.colour, method.line
        ws = [r.w for r in rows]
        for ax, (key, title) in zip(axes, PANELS):
            vals = [getattr(r, key) for r in rows]
            if key != "mean_posterior":
                vals = [max(v, FLOOR) for v in vals]
                ax.set_yscale("log")
            ax.plot(ws, vals, ls, color=colour, marker="o", ms=3, label=label)
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("w (guidance_scale = 1 + w)", fontsize=8)
        axes[4].plot([r.mean_posterior for r in rows], [max(r.diversity, FLOOR) for r in rows], ls, color=colour,
                     marker="o", ms=3, label=label)
    axes[4].set_yscale("log")
    axes[4].set_xlabel("mean exact p(c|x)  (fidelity)", fontsize=8)
    axes[4].set_ylabel("diversity", fontsize=8)
    axes[4].set_title("trade-off (cf. paper Fig. 4)", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{result.dataset}: {result.score} quantities, {result.sampler}, T={result.steps}, "
                 f"n={result.n} per class", fontsize=10, parse_math=False)  # the dataset's name is user text
    return fig
