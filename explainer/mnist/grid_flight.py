"""A grid being sampled, watched while it forms: its x_hat at a few preview steps, for every request waiting on it.

Why: the MNIST tab starts sampling a missing grid the moment a new selection arrives (the queue-free answer), a few
hundred milliseconds before the browser's stream request reaches the server; the stream then watches that flight
instead of starting its own, and shows the same previews it would have drawn itself. Two students waiting on the
same new grid watch one computation.

    flight = GridFlight(steps=20)       previews at preview_steps(20) = [5, 10, 15]
    flight.publish(t, x01)              the sampler's on_step (t = 1..steps); keeps only the preview steps
    flight.finish()                     the grid is done (or failed, or was cancelled): watchers stop
    for t, x01 in flight.watch(): ...   each kept preview once, the newest first-come (a late watcher skips to it)
Nothing here imports gradio or torch.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

PREVIEWS = 3  # x_hat previews of a grid before it is done (~0.2 s apart for a CFG grid of 16 steps on 2 cores)


def preview_steps(steps: int) -> list[int]:
    """The steps whose x_hat a grid being sampled shows: PREVIEWS evenly spaced before the last (5, 10, 15 of 20)."""
    return sorted({round(steps * k / (PREVIEWS + 1)) for k in range(1, PREVIEWS + 1)} - {0, steps})


class GridFlight:
    """The previews of one grid in flight; thread-safe, any number of watchers."""

    def __init__(self, steps: int):
        self.steps = steps
        self.future = None  # the job sampling it, when one was submitted (explainer.mnist.service.MnistService.prefetch)
        self._keep = set(preview_steps(steps))
        self._cond = threading.Condition()
        self._latest: tuple[int, object] | None = None  # (t, x01) of the newest kept step
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def publish(self, t: int, x01) -> None:
        """The sampler's step t (1..steps) with its x_hat in [0, 1]; only the preview steps are kept."""
        if t in self._keep:
            with self._cond:
                self._latest = (t, x01)
                self._cond.notify_all()

    def finish(self) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def watch(self, timeout: float | None = None) -> Iterator[tuple[int, object]]:
        """(t, x01) for each preview newer than the last one yielded, until the flight is done; a watcher that comes
        late starts at the newest preview. Ends early when nothing new arrives within `timeout` seconds."""
        seen = 0
        while True:
            with self._cond:
                newer = lambda: self._done or (self._latest is not None and self._latest[0] > seen)  # noqa: E731
                if not self._cond.wait_for(newer, timeout) or self._done:
                    return
                t, x01 = self._latest
            seen = t
            yield t, x01
