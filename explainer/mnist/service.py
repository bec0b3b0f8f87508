"""What the app's MNIST tab shows: guided digit grids, the guide's and the judge's confidence, the sweep.

    GridKey(label, method, w, seed)  one grid: a digit, a registry method, w, seed (and n digits), made from a
                                   validated MnistSelection (explainer.mnist.selection) or the atlas's coordinates
    grid(key)                      n digits of one method (sample_mnist), cached per key
    prefetch(key)                  start sampling a grid on the service's two workers (unless cached or already
                                   in flight); the GridFlight to watch its x_hat previews (explainer.mnist.grid_flight)
    cached(key) / sample(key)      the cached grid or None (never samples); a grid sampled outside the cache
    grid_confidence(models, x, label)  mean softmax p(c|x) of the guide (noise-aware classifier) and of the
                                   independent judge on the final samples, both read at the clean end
                                   lam = Schedule().lam_max on x in [-1, 1]
    sweep_curves(sweep, methods)   the sweep JSON (cfg_core.mnist.sweep) as {metric: {series: values}}
Method names are cfg_core.methods' registry names (reduced: ancestral sampler, tau = 1/(1+w)).
Nothing here imports gradio; models load lazily (never at import), their eps-networks split over both cores
(split_eps_models).
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from cfg_core import methods
from cfg_core.mnist import variants
from cfg_core.mnist.metrics import accuracy, classifier_confidence, judge_outputs
from cfg_core.mnist.metrics import confidence as judge_confidence
from cfg_core.paths import MNIST_SWEEP
from explainer.cache import LruCache
from explainer.mnist.grid_flight import GridFlight
from explainer.mnist.split_batch import SplitBatch

MAX_W = 10.0  # the tab's slider range
N_GRID = 16
SAMPLER = "ddpm"  # the paper's ancestral sampler (Algorithm 2, v = 0.3): the judge reads its digits best
STEPS = 16  # its steps: 16 judge as well as 50 (w = 0: 0.869 vs 0.874; DDIM 50: 0.817, the 7,500-step network), 3x faster
DDIM_STEPS = 50  # for a method that runs only with DDIM (CFG++: its renoising step is DDIM's)
# A method whose settings are tied to a step count names it in the registry (mnist_steps): APG's momentum (beta over
# steps) was tuned at 50; at 16 it breaks the digits (w = 6: judge accuracy 0.60 against 1.00 at 50 ancestral steps)


def tab_sampler(method: str) -> tuple[str, int]:
    """(sampler, steps) the tab draws a method with: the ancestral sampler at STEPS (the registry's mnist_steps for a method
    tied to a step count), or DDIM at DDIM_STEPS for a method the ancestral sampler cannot run (docs/MNIST.md, "The
    tab's sampler")."""
    name = variants.resolve(method)[0]
    allowed = methods.get(name).samplers
    if allowed is not None and SAMPLER not in allowed:
        return "ddim", DDIM_STEPS
    return SAMPLER, methods.get(name).mnist_steps or STEPS


@dataclass(frozen=True)
class MnistGrid:
    x: np.ndarray  # [N, 28, 28] in [0, 1]
    trajectory: np.ndarray  # [T+1, N, 28, 28]
    guide_confidence: float  # mean p_guide(c | x), noise-aware classifier at the clean end
    judge_confidence: float  # mean p_judge(c | x)
    judge_accuracy: float  # fraction the judge reads as c
    seconds: float


@dataclass(frozen=True)
class GridKey:
    """One grid, and its cache key. Built from a validated selection (MnistSelection.key) or from the atlas's own
    coordinates, so nothing here checks it again."""

    label: int  # the digit c, 0..9
    method: str  # a registry method or MNIST variant, CG with its classifier (cg, cg_clean)
    w: float  # the paper's w
    seed: int  # seed of the initial noise
    n: int = N_GRID  # digits in the grid


def grid_confidence(models, x01: torch.Tensor, label: int) -> tuple[float, float, float]:
    """(guide p(c|x), judge p(c|x), judge accuracy), both classifiers at lam_max on x in [-1, 1]."""
    labels = [label] * len(x01)
    judged = judge_outputs(models.judge, x01, labels)
    return classifier_confidence(models.classifier_noisy, x01, labels), judge_confidence(judged), accuracy(judged)


class MnistService:
    """Lazily loaded MNIST models and a cache of grids; `problem` says why the tab cannot sample."""

    def __init__(self, checkpoint_dir: str | Path | None = None):
        self.checkpoint_dir, self._models, self.problem = checkpoint_dir, None, None
        self._lock = threading.Lock()
        self.cache = LruCache(128)
        self._flights: dict[GridKey, GridFlight] = {}  # grids being sampled by prefetch, by cache key
        self._flights_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mnist-grid")  # prefetched grids

    def models(self):
        with self._lock:
            if self._models is None and self.problem is None:
                try:
                    from cfg_core.mnist.models import load_mnist_models

                    self._models = split_eps_models(load_mnist_models(self.checkpoint_dir))
                except Exception as err:  # missing module, missing or corrupt checkpoint: explain, keep serving
                    self.problem = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            return self._models

    def grid(self, key: GridKey, on_step=None) -> MnistGrid:
        """The grid with its trajectory (for animations), sampled once per key (tab_sampler) and cached;
        on_step(t, x_hat01) sees each step of a grid sampled now (sample_mnist's; not called for a cached grid)."""
        def compute() -> MnistGrid:
            with self._flights_lock:
                flight = self._flights.get(key)

            def step(t, x01):
                if flight is not None:
                    flight.publish(t, x01)
                if on_step is not None:
                    on_step(t, x01)
            return self._sample(key, on_step=step)
        return self.cache.get_or_compute(key, compute)

    def prefetch(self, key: GridKey) -> GridFlight | None:
        """Start sampling a grid on the service's workers, unless it is cached (None) or already in flight (that
        flight); watch the returned flight for its previews, then grid() has it (or samples it again, when the
        flight failed or was cancelled: flight.future.cancel() before it starts)."""
        with self._flights_lock:
            if self.cache.peek(key) is not None:
                return None
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = GridFlight(tab_sampler(key.method)[1])
                flight.future = self._pool.submit(self.grid, key)
                flight.future.add_done_callback(lambda _: self._landed(key, flight))
        return flight

    def _landed(self, key, flight: GridFlight) -> None:
        with self._flights_lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
        flight.finish()

    def cached(self, key: GridKey) -> MnistGrid | None:
        """The grid if it is in the cache (never samples, never waits)."""
        return self.cache.peek(key)

    def sample(self, key: GridKey, keep_trajectory: bool = False) -> MnistGrid:
        """A grid sampled now, outside the cache (the atlas's warm-up: 280 trajectories would flood it)."""
        return self._sample(key, keep_trajectory)

    def _sample(self, key: GridKey, keep_trajectory: bool = True, on_step=None) -> MnistGrid:
        import time

        from cfg_core.mnist.models import sample_mnist

        models = self.models()
        if models is None:
            raise ValueError(f"the MNIST models are not available ({self.problem})")
        sampler, steps = tab_sampler(key.method)
        t0 = time.perf_counter()
        res = sample_mnist(models, key.label, key.method, key.w, n=key.n, seed=key.seed, steps=steps, sampler=sampler,
                           keep_trajectory=keep_trajectory, on_step=on_step)
        guide, judge, acc = grid_confidence(models, res.x, key.label)
        return MnistGrid(res.x.numpy(), res.trajectory.numpy(), guide, judge, acc, time.perf_counter() - t0)


def split_eps_models(models):
    """The models with each eps-network computing its batch on both cores (explainer.mnist.split_batch): same samples,
    about half the wait. The classifiers stay as they are (CG's gradient is a small part of its time)."""
    weak = None if models.eps_weak is None else SplitBatch(models.eps_weak)
    return replace(models, eps_model=SplitBatch(models.eps_model), eps_weak=weak)


def load_sweep(path: Path | None = MNIST_SWEEP) -> dict | None:
    """The shipped MNIST sweep (checkpoints/mnist/sweep.json), or None when it is missing or unreadable."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data.get("results"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


def sweep_curves(sweep: dict, metrics=("judge_accuracy", "fd", "diversity", "ink_error")) -> dict:
    """{metric: {method: values over w}, 'w': {'w': ws}} for the methods of the sweep (sorted by w); a metric no
    method has at every w (an older sweep without the ink error) is left out."""
    rows = sweep["results"]
    ws = sorted({r["w"] for r in rows})
    curves: dict = {"w": {"w": ws}}
    for metric in metrics:
        series = {}
        for method in dict.fromkeys(r["method"] for r in rows):
            by_w = {r["w"]: r.get(metric) for r in rows if r["method"] == method}
            if all(by_w.get(w) is not None for w in ws):
                series[_title(method)] = [by_w[w] for w in ws]
        if series:
            curves[metric] = series
    guide = {_title(m) + " (guide)": [] for m in ("cg", "cg_clean")}
    for m in ("cg", "cg_clean"):
        by_w = {r["w"]: r.get("guide_confidence") for r in rows if r["method"] == m}
        if by_w and all(by_w.get(w) is not None for w in ws):
            guide[_title(m) + " (guide)"] = [by_w[w] for w in ws]
            guide[_title(m) + " (judge)"] = [r["judge_confidence"] for r in sorted(
                (r for r in rows if r["method"] == m), key=lambda r: r["w"])]
    curves["CG: guide vs judge p(c|x)"] = {k: v for k, v in guide.items() if v}
    return curves


def _title(method: str) -> str:
    """A method's short name for the sweep's legend (ten methods share it)."""
    try:
        return variants.info(method).short
    except ValueError:  # a sweep JSON may name a method this version does not know
        return method
