"""The MNIST tab as a service, without gradio: a MnistSelection in, the browser's view (explainer.mnist.view JSON)
out. It decides what to sample next and keeps the per-browser bookkeeping; ui/mnist.py only parses events.

A view holds, per panel, the grids of every w of W_GRID that are ready (the atlas: default seed, CFG and CG; or the
sampler's cache). What a selection still lacks, in order: each panel's main grid at the selection's w, then its
small grids at the other w of the row (mnist_view.SMALL_WS = 0, 1, 3, 6).

    view_now(sel, session)   what is ready, never samples (milliseconds: 40 students opening the tab at once);
                             starts the first missing main grid on the sampler's workers at once, and cancels that
                             browser's older prefetch when it has not started yet (superseded)
    stream(sel, session)     the rest as views: each main grid (its x_hat previews while it forms,
                             explainer.mnist.grid_flight), then the small grids; before a small grid it stops when the
                             browser has asked for something newer (mark): None then means "nothing new to show"
    mark(session)            this browser asked for something new (a new selection, or a resample request)
    grids(sel) / api(sel)    the selection's grids with trajectories (animations); the /mnist answer
`session` is the browser session's id (gradio's session_hash) or None; sessions are forgotten after an hour idle.
"""
from __future__ import annotations

import base64
import io
import threading
import time
import weakref
from collections.abc import Iterator

import numpy as np

from cfg_core.mnist import variants
from explainer.mnist import figures
from explainer.mnist import view as mnist_view
from explainer.i18n import LANGUAGES, t
from explainer.mnist.service import GridKey, MnistGrid, load_sweep, sweep_curves
from explainer.mnist.atlas import DigitGrid, to_digit_grid
from explainer.mnist.selection import MnistSelection
from explainer.w_grid import W_GRID

MAX_SESSIONS_KEPT = 1000  # past this many browser sessions, those idle for an hour are forgotten
SESSION_IDLE_S = 3600
NEWER_BY_S = 0.2  # a mark this much after a stream began supersedes it (the stream's own request marks too)
WATCH_TIMEOUT_S = 120  # the longest wait for a grid's next x_hat preview


class MnistTab:
    """What the tab shows for a selection, from `service` (explainer.mnist.service.MnistService: models, grid cache,
    prefetch workers) and `atlas` (explainer.mnist.atlas.AtlasStore, or None: the cache alone)."""

    def __init__(self, service, atlas=None, clock=time.monotonic, max_sessions: int = MAX_SESSIONS_KEPT):
        self.service, self.atlas, self.clock, self.max_sessions = service, atlas, clock, max_sessions
        self.latest: dict[str, float] = {}  # session -> when it last asked for something new (mark)
        self.prefetched: dict[str, weakref.ref] = {}  # session -> the GridFlight its last new selection started
        # (weak: a landed flight and its previews are freed)
        self._lock = threading.Lock()
        self._sweep: list[str] = []

    # --- what is ready ---------------------------------------------------------------------------------------
    def require_models(self) -> None:
        """ValueError with one line when the MNIST models cannot be loaded."""
        if self.service.models() is None:
            raise ValueError(f"MNIST models are not available: {self.service.problem}. Train them with "
                             "`python -m cfg_core train --dataset mnist` (see docs/MNIST.md).")

    def ready(self, key: GridKey) -> DigitGrid | None:
        """The grid if it is ready (atlas or cache); never samples."""
        if self.atlas is not None:
            return self.atlas.grid(key)
        cached = self.service.cached(key)
        return None if cached is None else to_digit_grid(cached)

    def todo(self, sel: MnistSelection) -> list[GridKey]:
        """What the view still lacks: each panel's main grid at sel.w, then its small grids (SMALL_WS)."""
        want = [*sel.keys()] + [sel.key(m, w) for m in sel.methods for w in mnist_view.SMALL_WS]
        return [key for key in dict.fromkeys(want) if self.ready(key) is None]

    def note(self, sel: MnistSelection) -> dict[str, str]:
        """What the view says about where its grids come from, in every language ("" when all is instant)."""
        atlas = self.atlas.atlas() if self.atlas is not None else None
        covered = atlas is not None and sel.seed == atlas.seed and all(m in atlas.methods for m in sel.methods)
        if covered and not atlas.complete:
            return {lang: t(lang, "mnist_precomputing").format(seed=atlas.seed, done=self.atlas.done,
                                                               total=self.atlas.total) for lang in LANGUAGES}
        return {lang: "" if covered else t(lang, "mnist_release") for lang in LANGUAGES}

    def view_json(self, sel: MnistSelection, pending=(), stream: bool = False, source: str = "now",
                  progress: dict | None = None) -> str:
        """The view of what is ready now; panels whose method is in `pending` say they are being sampled, and
        progress {method: mnist_view.preview(...)} adds the x_hat of a grid being sampled."""
        panels = [mnist_view.panel(sel, m, {w: self.ready(sel.key(m, w)) for w in W_GRID},
                                   {lang: t(lang, "mnist_sampling").format(method=variants.info(m).short)
                                    for lang in LANGUAGES} if m in pending else "", (progress or {}).get(m))
                  for m in sel.methods]
        return mnist_view.view_json(sel, panels, self.note(sel), stream, source)

    # --- the events ------------------------------------------------------------------------------------------
    def view_now(self, sel: MnistSelection, session: str | None = None) -> str:
        """A new selection, answered from what is ready: the whole view when the atlas or the cache has it, else
        the ready part with "sampling…" panels and stream = true (the browser then asks for stream())."""
        self.mark(session)
        self.require_models()
        todo = self.todo(sel)
        mains = [key for key in todo if key.w == sel.w]
        if mains:
            self._prefetch(mains[0], session)
        return self.view_json(sel, {key.method for key in mains}, stream=bool(todo))

    def stream(self, sel: MnistSelection, session: str | None = None) -> Iterator[str | None]:
        """What the view lacks, as views: one after each preview of a main grid's x_hat and when it is done (the
        first panel first), one after each panel's small grids; None (once, and only first) when a newer request
        of the same browser came before anything was sampled."""
        self.require_models()
        start, todo = self.clock(), self.todo(sel)
        pending = {key.method for key in todo if key.w == sel.w}
        if not todo:
            yield self.view_json(sel, source="stream")
        for k, key in enumerate(todo):
            main = key.w == sel.w
            if not main and self.superseded(session, start):
                if k == 0:
                    yield None
                return  # the browser has moved on: the small grids can wait for a later request
            if main:
                for step, steps, x01 in self._watch(key):
                    yield self.view_json(sel, pending, source="stream",
                                         progress={key.method: mnist_view.preview(x01, step, steps)})
                pending.discard(key.method)
            else:
                self.service.grid(key)
            last_of_row = k + 1 == len(todo) or todo[k + 1].method != key.method or todo[k + 1].w == sel.w
            if main or last_of_row:
                yield self.view_json(sel, pending, source="stream")

    def grids(self, sel: MnistSelection) -> list[MnistGrid]:
        """The panels' grids with trajectories, sampled one after the other (two threads in one process contend
        for the GIL and are slower)."""
        self.require_models()
        return [self.service.grid(key) for key in sel.keys()]

    def api(self, sel: MnistSelection) -> dict:
        """The /mnist answer: one method's 16 digits as a PNG (base64) and the guide's and the judge's confidence."""
        from PIL import Image

        (g,) = self.grids(sel)
        buf = io.BytesIO()
        Image.fromarray(figures.mnist_grid(g.x, upscale=1)).save(buf, format="PNG")
        return {"label": sel.label, "method": sel.method, "w": sel.w, "seed": sel.seed,
                "guide_confidence": g.guide_confidence, "judge_confidence": g.judge_confidence,
                "judge_accuracy": g.judge_accuracy, "seconds": round(g.seconds, 3),
                "grid_png_base64": base64.b64encode(buf.getvalue()).decode()}

    def sweep_json(self) -> str:
        """The sweep curves for the browser (mnist_view.sweep_json), made once; '' without a sweep."""
        if not self._sweep:
            sweep = load_sweep()
            self._sweep.append("" if sweep is None else
                               mnist_view.sweep_json(sweep, sweep_curves(sweep), mnist_view.sweep_title(sweep)))
        return self._sweep[0]

    # --- sampling and the sessions ---------------------------------------------------------------------------
    def _watch(self, key: GridKey) -> Iterator[tuple[int, int, np.ndarray]]:
        """(t, steps, x_hat01) at the grid's preview steps while it is sampled on the workers (started here, or
        already by view_now), so the student watches the digits form; then the grid is in the cache (sampled
        here when the flight failed or was cancelled: its error reaches the user)."""
        flight = self.service.prefetch(key)
        if flight is not None:
            for step, x01 in flight.watch(timeout=WATCH_TIMEOUT_S):
                yield step, flight.steps, np.asarray(x01)
        self.service.grid(key)

    def _prefetch(self, key: GridKey, session: str | None) -> None:
        """Start sampling a new selection's first missing grid now, before the browser's stream asks for it (a few
        hundred ms sooner); the same browser's older prefetch is cancelled if it has not started yet (a running
        grid finishes and is cached). One browser never cancels another's."""
        flight = self.service.prefetch(key)
        if session is None or flight is None:
            return
        with self._lock:
            old = self.prefetched.get(session)
            self.prefetched[session] = weakref.ref(flight)
            for dead in [k for k, ref in self.prefetched.items() if ref() is None]:  # bounded: landed flights go
                del self.prefetched[dead]
        old = old() if old is not None else None
        if old is not None and old is not flight and old.future is not None:
            old.future.cancel()

    def mark(self, session: str | None) -> None:
        """Note that this browser asked for something new, so its stream still sampling small grids for an older
        request stops."""
        if not session:
            return
        with self._lock:
            now = self.clock()
            self.latest[session] = now
            if len(self.latest) > self.max_sessions:  # bounded over hours of visitors
                for key in [k for k, at in self.latest.items() if now - at > SESSION_IDLE_S]:
                    del self.latest[key]

    def superseded(self, session: str | None, since: float) -> bool:
        """Whether this browser asked for something new after `since` (its stream's start)."""
        return session is not None and self.latest.get(session, 0.0) > since + NEWER_BY_S
