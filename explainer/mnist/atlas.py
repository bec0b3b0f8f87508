"""The MNIST atlas: every digit x {CFG, CG} x every w of the shared grid W_GRID, at the default seed, ready before
anyone asks, so dragging w on the MNIST tab swaps pictures in the browser instead of sampling.

    x[digit, method, k]     16 digits (uint8, 0..255 = (x01 * 255).round()) of MnistService.grid(GridKey(digit,
                            method, W_GRID[k], SEED)): the same samples the tab would draw (its sampler: SAMPLER at
                            STEPS, recorded in the file)
    conf[digit, method, k]  (guide p(c|x), judge p(c|x), judge accuracy) of those digits

Shipped as checkpoints/mnist/atlas.npz (~1.5 MB, made by scripts/build/build_mnist_atlas.py) and trusted only when its
recorded sha256 of model.safetensors matches the checkpoint being served; a missing or stale atlas is filled in
the background after start-up (fill()), lowest priority, one grid at a time, so a retrained model never shows
old pictures. Nothing here imports gradio.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainer.mnist.service import N_GRID, SAMPLER, STEPS, GridKey, MnistGrid, MnistService
from explainer.w_grid import W_GRID

METHODS = ("cfg", "cg")  # the default view's two panels; CG with the noise-aware guide
SEED = 0  # the tab's default seed
DIGIT_ORDER = (3, 8, 0, 1, 2, 4, 5, 6, 7, 9)  # the default digit first, then the lesson's best picture (8)
FILE_NAME = "atlas.npz"  # inside the MNIST checkpoint folder
SIDE = 28


class AtlasError(ValueError):
    """An atlas file that cannot be used (missing, corrupt, another checkpoint, other settings), one line."""


@dataclass(frozen=True)
class DigitGrid:
    """What the browser draws for one (digit, method, w): the digits and their confidences."""

    digits: np.ndarray  # [N, 28, 28] uint8
    guide_confidence: float
    judge_confidence: float
    judge_accuracy: float


def to_digit_grid(grid: MnistGrid) -> DigitGrid:
    """A sampled grid as the browser gets it (8-bit digits, the same rounding as figures.mnist_grid)."""
    digits = (np.clip(grid.x, 0, 1) * 255).round().astype(np.uint8)  # [N, 28, 28]
    return DigitGrid(digits, grid.guide_confidence, grid.judge_confidence, grid.judge_accuracy)


def checkpoint_sha256(checkpoint_dir: str | Path) -> str:
    """sha256 of the checkpoint's weights file: an atlas is valid only for the weights that drew it."""
    digest = hashlib.sha256()
    with (Path(checkpoint_dir) / "model.safetensors").open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Atlas:
    """The [digit, method, w] grids of one checkpoint at SEED, filled in any order, thread-safe."""

    def __init__(self, checkpoint_sha: str, ws=W_GRID, methods=METHODS, seed: int = SEED, n: int = N_GRID,
                 steps: int = STEPS, sampler: str = SAMPLER):
        self.checkpoint_sha, self.ws, self.methods = checkpoint_sha, tuple(float(w) for w in ws), tuple(methods)
        self.seed, self.n, self.steps, self.sampler = seed, n, steps, sampler
        self.x = np.zeros((10, len(self.methods), len(self.ws), n, SIDE, SIDE), np.uint8)
        self.conf = np.full((10, len(self.methods), len(self.ws), 3), np.nan, np.float32)
        self.filled = np.zeros((10, len(self.methods), len(self.ws)), bool)
        self._lock = threading.Lock()

    def index(self, label: int, method: str, w: float, seed: int) -> tuple[int, int, int] | None:
        """Where (label, method, w, seed) sits in the atlas, or None when the atlas does not cover it."""
        if seed != self.seed or method not in self.methods or float(w) not in self.ws or not 0 <= label <= 9:
            return None
        return int(label), self.methods.index(method), self.ws.index(float(w))

    def get(self, label: int, method: str, w: float, seed: int) -> DigitGrid | None:
        at = self.index(label, method, w, seed)
        if at is None or not self.filled[at]:
            return None
        g, j, a = (float(v) for v in self.conf[at])
        return DigitGrid(self.x[at], g, j, a)

    def put(self, label: int, method: str, w: float, grid: DigitGrid) -> None:
        at = self.index(label, method, w, self.seed)
        if at is None:
            raise ValueError(f"the atlas does not hold digit {label}, method {method!r}, w = {w:g}")
        with self._lock:
            self.x[at] = grid.digits
            self.conf[at] = (grid.guide_confidence, grid.judge_confidence, grid.judge_accuracy)
            self.filled[at] = True

    @property
    def complete(self) -> bool:
        return bool(self.filled.all())

    def missing(self) -> list[tuple[int, str, float]]:
        """(digit, method, w) still to compute, in warm-up order: digit by digit (DIGIT_ORDER), every w, both methods."""
        return [(d, m, w) for d in DIGIT_ORDER for w in self.ws for m in self.methods
                if not self.filled[self.index(d, m, w, self.seed)]]

    def save(self, path: str | Path) -> Path:
        """Write the atlas (npz, compressed); only a complete atlas is worth shipping."""
        from cfg_core.atomic import atomic_path

        with atomic_path(Path(path)) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, x=self.x, conf=self.conf, filled=self.filled, ws=np.array(self.ws),
                                methods=np.array(self.methods), seed=self.seed, n=self.n, steps=self.steps,
                                sampler=self.sampler, checkpoint_sha=self.checkpoint_sha)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path, checkpoint_sha: str) -> "Atlas":
        """The atlas in `path`, or AtlasError when it is unreadable or was drawn by other weights or settings."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                stored = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError) as err:
            raise AtlasError(f"cannot read the MNIST atlas {path}: {err}") from None
        if str(stored.get("checkpoint_sha", "")) != checkpoint_sha:
            raise AtlasError(f"the MNIST atlas {path} was drawn by another checkpoint (sha256 differs); "
                             "rebuild it with scripts/build/build_mnist_atlas.py")
        atlas = cls(checkpoint_sha)
        settings = (tuple(stored["ws"].tolist()), tuple(stored["methods"].tolist()), int(stored["seed"]),
                    int(stored["n"]), int(stored["steps"]), str(stored.get("sampler", "ddim")))  # older files: DDIM
        if settings != (atlas.ws, atlas.methods, atlas.seed, atlas.n, atlas.steps, atlas.sampler) or \
                stored["x"].shape != atlas.x.shape or stored["conf"].shape != atlas.conf.shape:
            raise AtlasError(f"the MNIST atlas {path} has other settings (w grid, methods, seed, n, sampler or steps) than "
                             "the app; rebuild it with scripts/build/build_mnist_atlas.py")
        atlas.x[...], atlas.conf[...], atlas.filled[...] = stored["x"], stored["conf"], stored["filled"]
        return atlas


def fill(atlas: Atlas, service: MnistService, stop: threading.Event | None = None, progress=None) -> int:
    """Sample every missing grid through `service` (a grid already in its cache is reused; new ones skip the cache
    and keep no trajectory); progress(done, total, seconds) after each. Returns the number computed."""
    todo, t0 = atlas.missing(), time.perf_counter()
    for k, (digit, method, w) in enumerate(todo):
        if stop is not None and stop.is_set():
            return k
        key = GridKey(digit, method, w, atlas.seed, atlas.n)
        grid = service.cached(key) or service.sample(key)
        atlas.put(digit, method, w, to_digit_grid(grid))
        if progress is not None:
            progress(k + 1, len(todo), time.perf_counter() - t0)
    return len(todo)


class AtlasStore:
    """The atlas the app serves: the shipped file when it was drawn by the weights being served, otherwise an empty
    one that start() fills in the background. `source` says which ("shipped", "computing: why", "computed")."""

    def __init__(self, service: MnistService, path: str | Path | None = None):
        self.service, self._path, self._atlas, self.source = service, path, None, ""
        self.done = self.total = 0
        self._lock = threading.Lock()

    @property
    def checkpoint_dir(self) -> Path:
        from cfg_core.paths import MNIST_CHECKPOINT

        return Path(self.service.checkpoint_dir or MNIST_CHECKPOINT)

    @property
    def path(self) -> Path:
        return Path(self._path) if self._path is not None else self.checkpoint_dir / FILE_NAME

    def atlas(self) -> Atlas | None:
        """The served atlas (loaded once); None when the MNIST models cannot be loaded."""
        with self._lock:
            if self._atlas is None and self.service.models() is not None:
                sha = checkpoint_sha256(self.checkpoint_dir)
                try:
                    self._atlas, self.source = Atlas.load(self.path, sha), "shipped"
                except AtlasError as err:
                    self._atlas, self.source = Atlas(sha), f"computing: {err}"
                self.total, self.done = int(self._atlas.filled.size), int(self._atlas.filled.sum())
            return self._atlas

    def grid(self, key: GridKey) -> DigitGrid | None:
        """The grid if it is ready: from the atlas, else from the service's cache (never samples)."""
        atlas = self.atlas()
        found = atlas.get(key.label, key.method, key.w, key.seed) if atlas is not None and key.n == atlas.n else None
        if found is None and atlas is not None:
            cached = self.service.cached(key)
            found = to_digit_grid(cached) if cached is not None else None
        return found

    def fill(self, stop: threading.Event | None = None) -> None:
        """Compute what the atlas lacks (the warm-up's job; a shipped complete atlas costs nothing)."""
        atlas = self.atlas()
        if atlas is None or atlas.complete:
            return

        def progress(done, total, seconds):
            self.done = int(atlas.filled.sum())

        fill(atlas, self.service, stop, progress)
        if atlas.complete:
            self.source = "computed"

    def start(self, ready=lambda: True, nice: int = 10) -> threading.Thread:
        """Fill in a daemon thread at a low priority (Linux nice), once ready() says the lab's first views are
        done (polled every second)."""
        import os

        def work():
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)  # this thread only
            except (AttributeError, OSError):
                pass
            while not ready():
                time.sleep(1.0)
            t0 = time.perf_counter()
            try:
                self.fill()
            except Exception as err:  # noqa: BLE001 - never take the server down from the warm-up
                print(f"MNIST atlas warm-up failed: {err}", flush=True)
                return
            print(f"MNIST atlas: {self.done}/{self.total} grids ({self.source or 'no models'}) "
                  f"in {time.perf_counter() - t0:.0f} s", flush=True)

        thread = threading.Thread(target=work, daemon=True, name="mnist-atlas")
        thread.start()
        return thread
