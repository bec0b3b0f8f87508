"""Event handlers of the MNIST tab and the /mnist API endpoint (the tab itself is built in app.py).

Each handler is thin: parse the event's values into one MnistSelection (explainer.mnist.selection; w snapped to
the grid W_GRID), make one call into the tab's service TAB (explainer.mnist.tab.MnistTab: what is ready, what to
sample next, which browser's work is stale), and turn a ValueError into gr.Error. The tab's picture is a gr.HTML
(#mnist-view, drawn by ui/static/mnist.js) fed with explainer.mnist.view JSON; dragging w never calls the server.
    mnist_view_now   a new selection, queue-free and instant: what is ready (all of it, on the atlas)
    mnist_update     the queued stream the browser asks for (the hidden #mnist-resample button) when a view lacks
                     grids or w is released on a grid that is not ready (MnistTab.stream)
"""
from __future__ import annotations

import contextlib

import gradio as gr

from cfg_core.mnist import variants
from explainer.figures import save_animation
from explainer.mnist import figures
from explainer.fonts import figure_language
from explainer.i18n import LANGUAGES, method_short
from explainer.mnist.service import MnistService
from explainer.mnist.atlas import AtlasStore
from explainer.mnist.selection import CHOICES, MnistSelection
from explainer.mnist.tab import MnistTab
from explainer.i18n import method_choice_label as choice_label
from ui.errors import UserError
from ui.files import CHECKPOINT_DIR, animation_path

MNIST_CHOICES = [(choice_label(c), c) for c in CHOICES]  # the registry's (surfaces, compare)


def mnist_choices(lang: str) -> list[tuple[str, str]]:
    """The tab's method menu in lang."""
    return [(choice_label(c, lang), c) for c in variants.tab_choices()]


MNIST_DEFAULTS = MnistSelection()  # digit 3, CFG vs CG, w = 2, seed 0, CG's noise-aware classifier
MNIST = MnistService(CHECKPOINT_DIR / "mnist" if CHECKPOINT_DIR is not None else None)
ATLAS = AtlasStore(MNIST)
TAB = MnistTab(MNIST, ATLAS)


@contextlib.contextmanager
def _user_errors():
    """The library's one-line ValueErrors (a bad value, missing models, a failed grid) as gr.Error."""
    try:
        yield
    except ValueError as err:
        raise UserError(str(err).splitlines()[0]) from None


def _session(request) -> str | None:
    return getattr(request, "session_hash", None) or None


def _mnist_missing() -> str:
    """Why the MNIST tab cannot sample and how to fix it ('' when the models load)."""
    if MNIST.models() is not None:
        return ""
    where = MNIST.checkpoint_dir or "checkpoints/mnist"
    return (f"⚠️ **No digits: the MNIST models could not be loaded** from `{where}`: {MNIST.problem}. "
            "The rest of the app keeps working, and the sweep curves below are from the shipped sweep. To enable "
            "the digits, restore the checkpoint or train it with `python -m cfg_core train --dataset mnist "
            "--out checkpoints/mnist` (about an hour on 2 CPU cores; see docs/MNIST.md).")


def mnist_mark(request: gr.Request = None) -> None:
    """Note that this browser asked for something new, so a stream still sampling small grids for an older request
    stops (queue-free; fired by every new selection and by the browser's resample request)."""
    TAB.mark(_session(request))


def mnist_view_now(label, method, w, seed, classifier, request: gr.Request = None) -> str:
    """A new selection, answered at once without the queue from what is ready (never samples); stream = true in
    the view asks the browser to call mnist_update. 40 students opening the tab cost milliseconds each."""
    with _user_errors():
        return TAB.view_now(MnistSelection.from_controls(label, method, w, seed, classifier), _session(request))


def mnist_update(label, method, w, seed, classifier, request: gr.Request = None):
    """Stream what the view lacks (MnistTab.stream); gr.skip() when the browser asked for something newer first."""
    with _user_errors():
        sel = MnistSelection.from_controls(label, method, w, seed, classifier)
        for view in TAB.stream(sel, _session(request)):
            yield gr.skip() if view is None else view


def mnist_first_show(shown, label, method, w, seed, classifier, request: gr.Request = None):
    """The tab's first selection, queue-free: the view as mnist_view_now (the browser streams the rest), the sweep,
    or what is missing."""
    if shown:
        return gr.skip(), gr.skip(), gr.skip(), True
    problem = _mnist_missing()
    if problem:
        return "", sweep_view(), gr.Markdown(problem, visible=True), True
    return mnist_view_now(label, method, w, seed, classifier, request), sweep_view(), gr.skip(), True


def sweep_view() -> str:
    """The sweep curves for the browser (explainer.mnist.view.sweep_json), made once; '' without a sweep."""
    return TAB.sweep_json()


def mnist_animation(fmt, label, method, w, seed, classifier, lang="en"):
    """The grids' denoising as an MP4 or GIF, titled (methods, digit, w, step) in the reader's language."""
    with _user_errors():
        sel = MnistSelection.from_controls(label, method, w, seed, classifier)
        grids = TAB.grids(sel)
    lang = figure_language(lang if lang in LANGUAGES else "en")
    titles = [method_short(lang, m) for m in sel.methods]
    frames = figures.mnist_titled_frames([g.trajectory for g in grids], titles, sel.label, sel.w, lang)
    out = animation_path(f"mnist-{sel.label}-{sel.method.replace('|', '-vs-')}-w{sel.w:g}.{fmt}")  # pruned
    return gr.File(str(save_animation(frames, out)), visible=True)


def mnist(label: int = 3, method: str = "cfg", w: float = 2.0, seed: int = 0) -> dict:
    """MNIST: 16 guided samples of one digit (a PNG grid, base64) and the confidence of the guide (CG's noisy
    classifier) and of an independent judge classifier.

    Args:
        label: the digit, 0-9.
        method: cfg, cg, scaled, reduced, none, cfgpp, auto, cfg_interval, rescale, threshold or apg.
        w: guidance weight in [0, 10], the paper's w (w = 0: plain conditional; guidance_scale = 1 + w); not snapped.
        seed: seed of the initial noise.
    """
    with _user_errors():
        return TAB.api(MnistSelection.from_api(label, method, w, seed))
