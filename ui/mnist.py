"""Event handlers of the MNIST tab and the /mnist API endpoint (the tab itself is built in app.py).

The tab's picture is a gr.HTML (#mnist-view, drawn by ui/static/mnist.js) fed with explainer.mnist_view JSON:
every w of W_GRID that is ready for the selection. Dragging w never calls the server. For the default seed, CFG and
CG at every w come from the atlas (explainer.mnist_atlas), so nothing is sampled there.
    mnist_view_now   a new selection, queue-free and instant: what is ready (all of it, on the atlas)
    mnist_update     the queued stream the browser asks for (the hidden #mnist-resample button) when a view lacks
                     grids or w is released on a grid that is not ready: each main grid as it is sampled (the
                     first method first; its x_hat at a few steps while it forms, explainer.grid_flight), then the small grids at
                     w = 0, 1, 3, 6; a newer request from the same browser stops the small grids early.
"""
from __future__ import annotations

import base64
import io
import threading
import time
import weakref

import gradio as gr

from cfg_core import methods as registry
from cfg_core.mnist import variants
from explainer import figures, mnist_view
from explainer.fonts import figure_language
from explainer.i18n import LANGUAGES, method_short, t
from explainer.mnist import MnistService, load_sweep, sweep_curves
from explainer.mnist_atlas import AtlasStore
from explainer.selection import SINGLE, SelectionError, check_integer, check_number, choice_label
from explainer.views import W_GRID, snap_w
from ui.lab import CHECKPOINT_DIR, animation_path
from ui.errors import UserError

MNIST_FIXES = ("cfg|rescale", "cfg|threshold", "cfg|apg")  # CFG next to each saturation fix (try w = 6-10)
MNIST_LATER = ("cfg|auto", "cfg|cfg_interval")  # CFG next to autoguidance and next to a guidance interval


MNIST_CHOICES = [(choice_label(c), c) for c in (*SINGLE, "cfg|cg", "cfg|scaled", *MNIST_LATER, *MNIST_FIXES)]
MNIST_METHODS = {v for _, v in MNIST_CHOICES}
MNIST_NAMES = sorted({m for choice in MNIST_METHODS for m in choice.split("|")})  # every method the tab shows
MNIST_DEFAULTS = (3, "cfg|cg", 2.0, 0, "noisy")  # digit, method, w, seed, CG's classifier
MNIST = MnistService(CHECKPOINT_DIR / "mnist" if CHECKPOINT_DIR is not None else None)
ATLAS = AtlasStore(MNIST)
_LATEST: dict[str, float] = {}  # browser session -> when it last asked for a new view (mnist_mark)
_PREFETCHED: dict[str, weakref.ref] = {}  # browser session -> the GridFlight its last new selection started (weak:
# a landed flight and its previews are freed)
_LATEST_LOCK = threading.Lock()
MAX_SESSIONS_KEPT = 1000  # past this many sessions in _LATEST, those idle for an hour are forgotten


# --- requests ----------------------------------------------------------------------------------------------
def _mnist_missing() -> str:
    """Why the MNIST tab cannot sample and how to fix it ('' when the models load)."""
    if MNIST.models() is not None:
        return ""
    where = MNIST.checkpoint_dir or "checkpoints/mnist"
    return (f"⚠️ **No digits: the MNIST models could not be loaded** from `{where}`: {MNIST.problem}. "
            "The rest of the app keeps working, and the sweep curves below are from the shipped sweep. To enable "
            "the digits, restore the checkpoint or train it with `python -m cfg_core train --dataset mnist "
            "--out checkpoints/mnist` (about an hour on 2 CPU cores; see docs/MNIST.md).")


def _mnist_request(label, method, w, seed, classifier="noisy", snap=True) -> tuple[int, list[str], float, int]:
    """Checked (label, method names, w, seed); w snapped to the tab's grid W_GRID unless snap=False; gr.Error when
    the models are missing or an input is bad."""
    if MNIST.models() is None:
        raise UserError(f"MNIST models are not available: {MNIST.problem}. Train them with "
                        "`python -m cfg_core train --dataset mnist` (see docs/MNIST.md).")
    try:
        w = check_number(w, "w", 0, 10)
        label, seed = check_integer(label, "label", 0, 9), check_integer(seed, "seed", 0, 2**31 - 1)
    except SelectionError as err:
        raise UserError(str(err)) from None
    if method not in MNIST_METHODS and method not in MNIST_NAMES:
        raise UserError(f"method must be one of {', '.join(sorted(MNIST_METHODS))}, got {method!r}")
    if classifier not in ("noisy", "clean"):
        raise UserError(f"CG's classifier must be noisy or clean, got {classifier!r}")
    names = [registry.with_classifier(m, classifier) for m in method.split("|")]
    return label, names, snap_w(w) if snap else w, seed


def _mnist_grid(label, name, w, seed, on_step=None):
    try:
        return MNIST.grid(label, name, w, seed, on_step=on_step)
    except ValueError as err:
        raise UserError(str(err).splitlines()[0]) from None


def _sample_with_previews(label, name, w, seed):
    """Yield (t, steps, x_hat01) at the grid's preview steps while it is sampled on MNIST's workers (started here,
    or already by mnist_view_now), so the student watches the digits form instead of a "sampling…" box; then the
    grid is in MNIST's cache (sampled here if the flight failed or was cancelled: its error reaches the user)."""
    try:
        flight = MNIST.prefetch(label, name, w, seed)
    except ValueError as err:
        raise UserError(str(err).splitlines()[0]) from None
    if flight is not None:
        for t, x01 in flight.watch(timeout=120):
            yield t, flight.steps, x01.numpy()
    _mnist_grid(label, name, w, seed)


def _prefetch(request, label, name, w, seed) -> None:
    """Start sampling a new selection's first missing grid now, before the browser's stream asks for it (a few
    hundred ms sooner); a session's newer selection cancels its older prefetch if that has not started yet."""
    flight = MNIST.prefetch(label, name, w, seed)
    key = getattr(request, "session_hash", None)
    if key is None or flight is None:
        return
    with _LATEST_LOCK:
        old = _PREFETCHED.get(key)
        _PREFETCHED[key] = weakref.ref(flight)
        for dead in [k for k, ref in _PREFETCHED.items() if ref() is None]:  # bounded: landed flights are gone
            del _PREFETCHED[dead]
    old = old() if old is not None else None
    if old is not None and old is not flight:
        old.future.cancel()  # only when it has not started: a running grid finishes (and is cached)


def mnist_grids(label, method, w, seed, classifier="noisy", snap=True):
    """(method names, grids with trajectories) of a request, sampled one after the other (two threads in one
    process contend for the GIL and are slower)."""
    label, names, w, seed = _mnist_request(label, method, w, seed, classifier, snap)
    return names, [_mnist_grid(label, m, w, seed) for m in names]


# --- the view ----------------------------------------------------------------------------------------------
def _note(names, seed) -> dict[str, str]:
    """What the view says about where its grids come from, in every language ("" when all is instant)."""
    atlas = ATLAS.atlas()
    if atlas is not None and seed == atlas.seed and all(m in atlas.methods for m in names) and not atlas.complete:
        return {lang: t(lang, "mnist_precomputing").format(seed=atlas.seed, done=ATLAS.done, total=ATLAS.total)
                for lang in LANGUAGES}
    if atlas is None or seed != atlas.seed or not all(m in atlas.methods for m in names):
        return {lang: t(lang, "mnist_release") for lang in LANGUAGES}
    return {lang: "" for lang in LANGUAGES}


def mnist_view_json(label, names, w, seed, pending=(), stream=False, source="now", progress=None) -> str:
    """The view of what is ready now (atlas or cache); panels in `pending` say they are being sampled, and
    progress {method: mnist_view.preview(...)} adds the x_hat of a grid being sampled."""
    panels = [mnist_view.panel(label, m, seed, {gw: ATLAS.grid(label, m, gw, seed) for gw in W_GRID},
                               {lang: t(lang, "mnist_sampling").format(method=variants.info(m).short)
                                for lang in LANGUAGES} if m in pending else "", (progress or {}).get(m))
              for m in names]
    return mnist_view.view_json(label, w, seed, panels, _note(names, seed), stream, source)


def _todo(label, names, w, seed) -> list[tuple[str, float]]:
    """What the view still lacks: each method's main grid at w, then its small grids (w = 0, 1, 3, 6)."""
    want = [(m, w) for m in names] + [(m, sw) for m in names for sw in mnist_view.SMALL_WS]
    return [(m, x) for m, x in dict.fromkeys(want) if ATLAS.grid(label, m, x, seed) is None]


def mnist_mark(request: gr.Request = None) -> None:
    """Note that this browser asked for something new, so a stream still sampling small grids for an older request
    stops (queue-free; fired by every new selection and by the browser's resample request)."""
    if request is not None and request.session_hash:
        with _LATEST_LOCK:
            now = time.monotonic()
            _LATEST[request.session_hash] = now
            if len(_LATEST) > MAX_SESSIONS_KEPT:  # bounded over hours of visitors: forget sessions idle for an hour
                for key in [k for k, t in _LATEST.items() if now - t > 3600]:
                    del _LATEST[key]


def _superseded(request, since: float) -> bool:
    key = getattr(request, "session_hash", None)
    return key is not None and _LATEST.get(key, 0.0) > since + 0.2


def mnist_view_now(label, method, w, seed, classifier, request: gr.Request = None) -> str:
    """A new selection, answered at once without the queue from what is ready (never samples): the whole view
    when the atlas or the cache has it, else the ready part with "sampling…" panels and stream = true, upon which
    the browser asks for mnist_update (the queued stream). 40 students opening the tab cost milliseconds each."""
    mnist_mark(request)
    label, names, w, seed = _mnist_request(label, method, w, seed, classifier)
    todo = _todo(label, names, w, seed)
    mains = [m for m, x in todo if x == w]
    if mains:
        _prefetch(request, label, mains[0], w, seed)
    return mnist_view_json(label, names, w, seed, set(mains), stream=bool(todo))


def mnist_update(label, method, w, seed, classifier, request: gr.Request = None):
    """Stream what the view lacks: a yield after each sampled main grid (the first method first; before it, one per
    preview of its x_hat) and after each method's small grids; stops early (before a small grid) when the browser has asked for something newer."""
    label, names, w, seed = _mnist_request(label, method, w, seed, classifier)
    start, todo = time.monotonic(), _todo(label, names, w, seed)
    pending = {m for m, x in todo if x == w}
    if not todo:
        yield mnist_view_json(label, names, w, seed, source="stream")
    for k, (m, x) in enumerate(todo):
        if x != w and _superseded(request, start):
            if k == 0:
                yield gr.skip()
            return  # the browser has moved on: the small grids can wait for a later request
        if x == w:  # a main grid: show its x_hat as it forms
            for step, steps, x01 in _sample_with_previews(label, m, x, seed):
                yield mnist_view_json(label, names, w, seed, pending, source="stream",
                                      progress={m: mnist_view.preview(x01, step, steps)})
            pending.discard(m)
        else:
            _mnist_grid(label, m, x, seed)
        last_of_row = k + 1 == len(todo) or todo[k + 1][0] != m or todo[k + 1][1] == w
        if x == w or last_of_row:
            yield mnist_view_json(label, names, w, seed, pending, source="stream")


def mnist_first_show(shown, label, method, w, seed, classifier, request: gr.Request = None):
    """The tab's first selection, queue-free: the view as mnist_view_now (the browser streams the rest), the sweep,
    or what is missing."""
    if shown:
        return gr.skip(), gr.skip(), gr.skip(), True
    problem = _mnist_missing()
    if problem:
        return "", sweep_view(), gr.Markdown(problem, visible=True), True
    return mnist_view_now(label, method, w, seed, classifier, request), sweep_view(), gr.skip(), True


_SWEEP: list[str] = []


def sweep_view() -> str:
    """The sweep curves for the browser (explainer.mnist_view.sweep_json), made once; '' without a sweep."""
    if not _SWEEP:
        sweep = load_sweep()
        _SWEEP.append("" if sweep is None else
                      mnist_view.sweep_json(sweep, sweep_curves(sweep), mnist_view.sweep_title(sweep)))
    return _SWEEP[0]


def mnist_animation(fmt, label, method, w, seed, classifier, lang="en"):
    """The grids' denoising as an MP4 or GIF, titled (methods, digit, w, step) in the reader's language."""
    names, grids = mnist_grids(label, method, w, seed, classifier)
    lang = figure_language(lang if lang in LANGUAGES else "en")
    titles = [method_short(lang, variants.info(m).short) for m in names]
    frames = figures.mnist_titled_frames([g.trajectory for g in grids], titles, int(label), snap_w(float(w)), lang)
    out = animation_path(f"mnist-{label}-{method.replace('|', '-vs-')}-w{snap_w(float(w)):g}.{fmt}")  # pruned
    return gr.File(str(figures.save_animation(frames, out)), visible=True)


def mnist(label: int = 3, method: str = "cfg", w: float = 2.0, seed: int = 0) -> dict:
    """MNIST: 16 guided samples of one digit (a PNG grid, base64) and the confidence of the guide (CG's noisy
    classifier) and of an independent judge classifier.

    Args:
        label: the digit, 0-9.
        method: cfg, cg, scaled, reduced, none, cfgpp, auto, cfg_interval, rescale, threshold or apg.
        w: guidance weight in [0, 10], the paper's w (w = 0: plain conditional; guidance_scale = 1 + w); not snapped.
        seed: seed of the initial noise.
    """
    if not isinstance(method, str) or method not in MNIST_NAMES:
        raise UserError(f"method must be one of {', '.join(MNIST_NAMES)}")
    _, (g,) = mnist_grids(label, method, w, seed, snap=False)
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(figures.mnist_grid(g.x, upscale=1)).save(buf, format="PNG")
    return {"label": int(label), "method": method, "w": float(w), "seed": int(seed),
            "guide_confidence": g.guide_confidence, "judge_confidence": g.judge_confidence,
            "judge_accuracy": g.judge_accuracy, "seconds": round(g.seconds, 3),
            "grid_png_base64": base64.b64encode(buf.getvalue()).decode()}
