"""Event handlers of the MNIST tab and the /mnist API endpoint (the tab itself is built in app.py).

Sampling, grading and caching live in explainer/mnist.py; here: input checks, the streamed two-grid
update (the first grid is shown while the second is sampled), the confidence table and the sweep image.
"""
from __future__ import annotations

import base64
import io

import gradio as gr
import numpy as np

from explainer import figures
from explainer.mnist import MnistService, load_sweep, sweep_curves
from explainer.selection import SINGLE, SelectionError, check_integer, check_number, choice_label
from ui.lab import CHECKPOINT_DIR, animation_path

MNIST_CHOICES = [(choice_label(c), c) for c in (*SINGLE, "cfg|cg", "cfg|scaled")]
MNIST_METHODS = {v for _, v in MNIST_CHOICES}
MNIST_DEFAULTS = (3, "cfg|cg", 2.0, 0, "noisy")  # digit, method, w, seed, CG's classifier
MNIST = MnistService(CHECKPOINT_DIR / "mnist" if CHECKPOINT_DIR is not None else None)


# --- MNIST events ----------------------------------------------------------------------------------------
def _mnist_missing() -> str:
    """Why the MNIST tab cannot sample and how to fix it ('' when the models load)."""
    if MNIST.models() is not None:
        return ""
    where = MNIST.checkpoint_dir or "checkpoints/mnist"
    return (f"⚠️ **No digits: the MNIST models could not be loaded** from `{where}`: {MNIST.problem}. "
            "The rest of the app keeps working, and the sweep curves below are from the shipped sweep. To enable "
            "the digits, restore the checkpoint or train it with `python -m cfg_core train --dataset mnist "
            "--out checkpoints/mnist` (about 40 min on 2 CPU cores; see docs/MNIST.md).")


def _mnist_request(label, method, w, seed) -> tuple[int, list[str], float, int]:
    """Checked (label, methods, w, seed) of an MNIST request; gr.Error when the models are missing or input is bad."""
    if MNIST.models() is None:
        raise gr.Error(f"MNIST models are not available: {MNIST.problem}. Train them with "
                       "`python -m cfg_core train --dataset mnist` (see docs/MNIST.md).")
    try:
        w = check_number(w, "w", 0, 10)
        label, seed = check_integer(label, "label", 0, 9), check_integer(seed, "seed", 0, 2**31 - 1)
    except SelectionError as err:
        raise gr.Error(str(err)) from None
    if method not in MNIST_METHODS:
        raise gr.Error(f"method must be one of {', '.join(sorted(MNIST_METHODS))}, got {method!r}")
    return label, method.split("|"), w, seed


def _mnist_grid(label, m, w, seed, classifier):
    try:
        return MNIST.grid(label, m, w, seed, classifier)
    except ValueError as err:
        raise gr.Error(str(err).splitlines()[0]) from None


def mnist_grids(label, method, w, seed, classifier="noisy"):
    """(methods, grids) of a request, sampled one after the other: two threads in one process contend for the
    GIL and are slower than this."""
    label, methods, w, seed = _mnist_request(label, method, w, seed)
    return methods, [_mnist_grid(label, m, w, seed, classifier) for m in methods]


def _confidence_table(label, w, methods, grids) -> str:
    """Guide vs judge confidence, one column per method (readable next to the grid)."""
    names = dict((v, k) for k, v in MNIST_CHOICES)
    cols = [names.get(m, m).replace(" (baseline)", "") for m in methods]
    rows = [f"**Digit {label}, w = {float(w):g}** (guidance_scale {1 + float(w):g}); grids left to right: "
            + ", ".join(cols), "", "| | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, attr, fmt in (("guide p(c\\|x)¹", "guide_confidence", ".3f"), ("judge p(c\\|x)²", "judge_confidence", ".3f"),
                            ("judge reads it as " + str(label), "judge_accuracy", ".0%"), ("seconds", "seconds", ".2f")):
        rows.append(f"| {name} | " + " | ".join(format(getattr(g, attr), fmt) for g in grids) + " |")
    rows += ["", "¹ mean softmax of the **guide**, the noise-aware classifier that steers CG (CFG never uses it).  ",
             "² the **judge**, an independent classifier trained on other digits: it grades, it never guides."]
    return "\n".join(rows)


def _pending_panel(like: np.ndarray, text: str) -> np.ndarray:
    """A light grey panel the size of `like` with `text` in it: the slot of a grid still being sampled."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (like.shape[1], like.shape[0]), 235)
    ImageDraw.Draw(img).text((like.shape[1] // 2, like.shape[0] // 2), text, fill=60, anchor="mm",
                             font_size=max(12, like.shape[0] // 12))
    return np.asarray(img)  # [H, W] uint8


def _mnist_image(panels: list[np.ndarray]) -> np.ndarray:
    image = figures.side_by_side(panels)
    return np.pad(image, ((36, 0), (0, 0)), constant_values=255)  # room for the image's label and buttons


def mnist_update(label, method, w, seed, classifier):
    """Stream the view: with two methods, the first grid (and its column of the table) as soon as it is sampled,
    the second panel a placeholder and the sweep unchanged; then both grids, the full table and the sweep."""
    label, methods, w, seed = _mnist_request(label, method, w, seed)
    grids = [_mnist_grid(label, methods[0], w, seed, classifier)]
    if len(methods) > 1:
        first = figures.mnist_grid(grids[0].x)
        pending = [_pending_panel(first, f"sampling {m.upper()}…") for m in methods[1:]]
        note = f"\n\n*sampling {', '.join(m.upper() for m in methods[1:])}…*"
        yield (_mnist_image([first, *pending]), _confidence_table(label, w, methods[:1], grids) + note,
               gr.skip())  # the sweep (a new matplotlib figure at a new w) comes with the second grid
        grids += [_mnist_grid(label, m, w, seed, classifier) for m in methods[1:]]
    yield (_mnist_image([figures.mnist_grid(g.x) for g in grids]), _confidence_table(label, w, methods, grids),
           sweep_image(w))


def mnist_first_show(shown, label, method, w, seed, classifier):
    """The tab's first selection: the default grid, the confidences and the sweep (streamed as in mnist_update),
    or what is missing."""
    if shown:
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), True
        return
    problem = _mnist_missing()
    if problem:
        yield None, "", sweep_image(w), problem, True
        return
    for out in mnist_update(label, method, w, seed, classifier):
        yield (*out, "", True)


_SWEEP_IMAGES = {}


def sweep_image(w):
    """The sweep curves with w marked (None without a sweep); cached per w: the JSON is final."""
    w = float(w)
    if w not in _SWEEP_IMAGES:
        sweep = load_sweep()
        if sweep is None:
            return None
        fig = figures.sweep_figure(sweep_curves(sweep), w, _sweep_title(sweep))
        _SWEEP_IMAGES[w] = figures.figure_rgb(fig)
    return _SWEEP_IMAGES[w]


def _sweep_title(sweep: dict) -> str:
    cfg = sweep.get("config") if isinstance(sweep.get("config"), dict) else {}
    how = f"DDIM {cfg.get('steps', '?')} steps, {cfg.get('n_per_class', '?')} digits per class per point"
    return f"MNIST sweep ({how}; the judge's numbers); dashed line: current w"


def mnist_animation(fmt, label, method, w, seed, classifier):
    methods, grids = mnist_grids(label, method, w, seed, classifier)
    per = [figures.mnist_frames(g.trajectory) for g in grids]
    frames = [figures.side_by_side(list(fs)) for fs in zip(*per)]
    out = animation_path(f"mnist-{label}-{method.replace('|', '-vs-')}-w{float(w):g}.{fmt}")  # one temp folder, pruned
    return gr.File(str(figures.save_animation(frames, out)), visible=True)



def mnist(label: int = 3, method: str = "cfg", w: float = 2.0, seed: int = 0) -> dict:
    """MNIST: 16 digits of `label` (PNG grid, base64) and the guide's and judge's confidence.

    method: cfg | cg | scaled | reduced | none; w in [0, 10].
    """
    if not isinstance(method, str) or "|" in method or method not in MNIST_METHODS:
        raise gr.Error("method must be one of cfg, cg, scaled, reduced, none")
    _, (g,) = mnist_grids(label, method, w, seed)
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(figures.mnist_grid(g.x, upscale=1)).save(buf, format="PNG")
    return {"label": int(label), "method": method, "w": float(w), "seed": int(seed),
            "guide_confidence": g.guide_confidence, "judge_confidence": g.judge_confidence,
            "judge_accuracy": g.judge_accuracy, "seconds": round(g.seconds, 3),
            "grid_png_base64": base64.b64encode(buf.getvalue()).decode()}
