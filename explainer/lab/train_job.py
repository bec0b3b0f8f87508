"""*Train your own* as a job: at most one training at a time per app, each cancellable, none left running.

A TrainingJob trains the lab's three networks (ModelRegistry.retrain) in a worker thread and reports
(kind, payload) updates: ("waiting", None) while another training holds the app's single slot,
("progress", (stage, step, n, loss)), then one of ("done", TrainedMixture), ("cancelled", None) or
("error", one line). The worker asks should_stop() before every optimiser step; it is true once cancel()
was called (the UI calls it when the client cancels or its generator is closed) or when nobody has read
the updates for idle_timeout seconds (a client that went away without closing).
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator

from cfg_core.toy.training import MixtureTrainConfig, TrainingCancelled

SPACE_MAX_STEPS = 1500  # eps-network steps on a shared Space (SPACE_ID set): the CPU is every visitor's
SPACE_MAX_CLASSIFIER_STEPS = 600  # steps per classifier on a Space


def on_space() -> bool:
    """True on Hugging Face Spaces (which sets SPACE_ID)."""
    return bool(os.environ.get("SPACE_ID"))


def training_config(steps, classifier_steps, p_uncond, space: bool | None = None
                    ) -> tuple[MixtureTrainConfig, tuple[int, int] | None]:
    """The config for the UI's values (ValueError with one line if unusable) and, when capped on a Space, the caps
    (eps-network steps, classifier steps) for a note; None otherwise."""
    for name, v in (("steps", steps), ("classifier steps", classifier_steps), ("p_uncond", p_uncond)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{name} must be a number, got {str(v)[:40]!r}")
    if steps != int(steps) or classifier_steps != int(classifier_steps):
        raise ValueError(f"steps must be whole numbers, got {steps}, {classifier_steps}")
    steps, classifier_steps, note = int(steps), int(classifier_steps), None
    if (on_space() if space is None else space) and (steps > SPACE_MAX_STEPS or classifier_steps > SPACE_MAX_CLASSIFIER_STEPS):
        steps, classifier_steps = min(steps, SPACE_MAX_STEPS), min(classifier_steps, SPACE_MAX_CLASSIFIER_STEPS)
        note = (SPACE_MAX_STEPS, SPACE_MAX_CLASSIFIER_STEPS)  # the caps; the UI words them in the reader's language
    return MixtureTrainConfig(steps=steps, classifier_steps=classifier_steps, p_uncond=float(p_uncond)), note


class TrainingJobs:
    """The app's training slot: start() makes a job that waits for the slot, trains, and can be cancelled."""

    def __init__(self, registry, idle_timeout: float = 30.0):
        self.registry, self.idle_timeout = registry, idle_timeout
        self._slot = threading.Lock()  # held by the one job that is training
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()

    def start(self, key: str, config: MixtureTrainConfig, data=None) -> "TrainingJob":
        """A job training key's networks (on data, raw labelled points, when given; else on the mixture)."""
        job = TrainingJob(self, key, config, data)
        thread = threading.Thread(target=job.run, name=f"train-{key}", daemon=True)
        with self._lock:
            self._threads = {t for t in self._threads if t.is_alive()} | {thread}
        thread.start()
        return job

    def running(self) -> int:
        """Worker threads still alive (tests and the load check read this)."""
        with self._lock:
            return sum(t.is_alive() for t in self._threads)


class TrainingJob:
    """One training request; see the module docstring for its updates."""

    def __init__(self, jobs: TrainingJobs, key: str, config: MixtureTrainConfig, data=None):
        self.jobs, self.key, self.config, self.data = jobs, key, config, data
        self._stop = threading.Event()
        self._events: queue.Queue = queue.Queue()
        self._last_read = time.monotonic()

    def cancel(self) -> None:
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self._last_read > self.jobs.idle_timeout

    def run(self) -> None:
        """The worker: wait for the slot (or a cancel), train, report the outcome."""
        while not self.jobs._slot.acquire(timeout=0.2):
            if self.should_stop():
                self._events.put(("cancelled", None))
                return
            self._events.put(("waiting", None))
        try:
            tm = self.jobs.registry.retrain(self.key, self.config, lambda *a: self._events.put(("progress", a)),
                                            self.should_stop, self.data)
            self._events.put(("done", tm))
        except TrainingCancelled:
            self._events.put(("cancelled", None))
        except Exception as err:  # reported to the user as one line
            self._events.put(("error", (str(err).splitlines() or [type(err).__name__])[0]))
        finally:
            self.jobs._slot.release()

    def updates(self, poll: float = 0.5) -> Iterator[tuple[str, object]]:
        """The job's updates until it ends; reading them is what keeps the job alive."""
        while True:
            self._last_read = time.monotonic()
            try:
                kind, payload = self._events.get(timeout=poll)
            except queue.Empty:
                continue
            yield kind, payload
            if kind in ("done", "cancelled", "error"):
                return
