"""The MNIST atlas: its shape and w grid, the warm-up order, save/load with the checkpoint hash, filling it, and
the shipped atlas against fresh samples of MnistService (the same grids the tab would sample)."""
import random
import shutil
import threading

import numpy as np
import pytest

from cfg_core.paths import MNIST_CHECKPOINT
from explainer.mnist.service import N_GRID, GridKey, MnistGrid, MnistService
from explainer.mnist.atlas import (DIGIT_ORDER, FILE_NAME, METHODS, Atlas, AtlasError, AtlasStore, DigitGrid,
                                   checkpoint_sha256, fill, to_digit_grid)
from explainer.lab.views import W_GRID

SHIPPED = MNIST_CHECKPOINT / FILE_NAME


def _grid(value: int, conf: float = 0.5) -> DigitGrid:
    return DigitGrid(np.full((N_GRID, 28, 28), value, np.uint8), conf, conf / 2, conf / 4)


class FakeService:
    """Counts samples; every grid is constant so the tests see where it went."""

    def __init__(self):
        self.sampled, self.checkpoint_dir = [], None

    def cached(self, key):
        return None

    def sample(self, key, keep_trajectory=False):
        self.sampled.append((key.label, key.method, key.w, key.seed))
        x = np.full((N_GRID, 28, 28), key.label / 10, np.float32)
        return MnistGrid(x, x[None], 0.9, 0.8, 0.75, 0.0)


def test_shape_covers_every_digit_method_and_w_of_the_lab_grid():
    atlas = Atlas("sha")
    assert atlas.x.shape == (10, len(METHODS), len(W_GRID), N_GRID, 28, 28) and atlas.x.dtype == np.uint8
    assert atlas.ws == tuple(W_GRID) and atlas.methods == ("cfg", "cg") and atlas.seed == 0
    assert atlas.conf.shape == (10, 2, len(W_GRID), 3) and not atlas.complete


def test_index_only_for_the_default_seed_methods_and_grid_w():
    atlas = Atlas("sha")
    assert atlas.index(3, "cfg", 2.0, 0) == (3, 0, W_GRID.index(2.0))
    assert atlas.index(3, "cfg", 2.0, 1) is None  # another seed
    assert atlas.index(3, "scaled", 2.0, 0) is None and atlas.index(3, "cg_clean", 2.0, 0) is None
    assert atlas.index(3, "cfg", 2.5, 0) is None  # not on the grid
    with pytest.raises(ValueError, match="does not hold"):
        atlas.put(3, "cfg", 2.5, _grid(1))


def test_put_get_and_warm_up_order():
    atlas = Atlas("sha")
    assert atlas.get(3, "cg", 6.0, 0) is None
    atlas.put(3, "cg", 6.0, _grid(7, 0.6))
    got = atlas.get(3, "cg", 6.0, 0)
    assert int(got.digits[0, 0, 0]) == 7 and got.guide_confidence == pytest.approx(0.6)
    todo = atlas.missing()
    assert len(todo) == 10 * 2 * len(W_GRID) - 1 and (3, "cg", 6.0) not in todo
    assert [d for d, _, _ in todo[:27]] == [3] * 27 and todo[27][0] == 8 == DIGIT_ORDER[1]  # default digit, then 8


def test_save_load_checks_the_checkpoint_hash_and_settings(tmp_path):
    atlas = Atlas("abc")
    atlas.put(1, "cfg", 0.0, _grid(9))
    path = atlas.save(tmp_path / "a.npz")
    back = Atlas.load(path, "abc")
    assert back.get(1, "cfg", 0.0, 0).digits.max() == 9 and back.filled.sum() == 1
    with pytest.raises(AtlasError, match="another checkpoint"):
        Atlas.load(path, "other")
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(AtlasError, match="cannot read"):
        Atlas.load(tmp_path / "bad.npz", "abc")
    with pytest.raises(AtlasError, match="cannot read"):
        Atlas.load(tmp_path / "missing.npz", "abc")
    small = Atlas("abc", ws=(0.0, 1.0))
    small.save(tmp_path / "small.npz")
    with pytest.raises(AtlasError, match="other settings"):
        Atlas.load(tmp_path / "small.npz", "abc")
    ddim = Atlas("abc", steps=50, sampler="ddim")  # drawn by the tab's sampler before 2026-12-01
    ddim.save(tmp_path / "ddim.npz")
    with pytest.raises(AtlasError, match="sampler"):
        Atlas.load(tmp_path / "ddim.npz", "abc")
    with np.load(path) as data:  # a file from before the sampler was recorded: DDIM
        np.savez(tmp_path / "old.npz", **{k: data[k] for k in data.files if k != "sampler"})
    with pytest.raises(AtlasError, match="other settings"):
        Atlas.load(tmp_path / "old.npz", "abc")


def test_fill_computes_what_is_missing_and_stops_on_request():
    atlas, service = Atlas("sha"), FakeService()
    atlas.put(3, "cfg", 0.0, _grid(1))
    stop = threading.Event()
    seen = []
    fill(atlas, service, stop, lambda done, total, s: (seen.append(done), stop.set() if done == 5 else None))
    assert len(service.sampled) == 5 and service.sampled[0] == (3, "cg", 0.0, 0)
    fill(atlas, service)
    assert atlas.complete and len(service.sampled) == atlas.filled.size - 1
    assert int(atlas.get(8, "cg", 10.0, 0).digits.max()) == round(0.8 * 255)


def test_to_digit_grid_rounds_like_the_png():
    x = np.linspace(0, 1, N_GRID * 28 * 28, dtype=np.float32).reshape(N_GRID, 28, 28)
    g = to_digit_grid(MnistGrid(x, x[None], 0.1, 0.2, 0.3, 0.0))
    assert g.digits.dtype == np.uint8 and g.digits.max() == 255 and g.judge_accuracy == 0.3
    assert np.array_equal(g.digits, (x * 255).round().astype(np.uint8))


def test_store_without_models_or_with_a_stale_atlas(tmp_path):
    assert AtlasStore(MnistService(tmp_path / "nowhere")).atlas() is None  # models missing: no atlas, no error
    ckpt = tmp_path / "mnist"
    shutil.copytree(MNIST_CHECKPOINT, ckpt, ignore=shutil.ignore_patterns(FILE_NAME, "sweep.json"))
    Atlas("a stale hash").save(ckpt / FILE_NAME)
    store = AtlasStore(MnistService(ckpt))
    atlas = store.atlas()
    assert atlas is not None and store.source.startswith("computing") and "another checkpoint" in store.source
    assert atlas.checkpoint_sha == checkpoint_sha256(ckpt) and store.total == atlas.filled.size and store.done == 0


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped atlas (scripts/build/build_mnist_atlas.py)")
def test_shipped_atlas_matches_the_checkpoint_and_fresh_samples():
    service = MnistService()
    store = AtlasStore(service)
    atlas = store.atlas()
    assert store.source == "shipped" and atlas.complete and atlas.ws == tuple(W_GRID)
    assert np.isfinite(atlas.conf).all() and (atlas.conf >= 0).all() and (atlas.conf <= 1).all()
    rng = random.Random(11)
    for digit, method, w in [(8, "cfg", 6.0), (rng.randrange(10), "cg", rng.choice(W_GRID))]:
        fresh = to_digit_grid(service.grid(GridKey(digit, method, w, 0)))
        stored = atlas.get(digit, method, w, 0)
        assert np.abs(fresh.digits.astype(int) - stored.digits.astype(int)).max() <= 1
        assert stored.judge_confidence == pytest.approx(fresh.judge_confidence, abs=1e-3)
    assert store.grid(GridKey(8, "cfg", 6.0, 0)) is not None and store.grid(GridKey(8, "cfg", 6.0, 1)) is None


def test_store_fills_in_the_background_once_ready(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    service = FakeService()
    service.checkpoint_dir, service.models, service.problem = tmp_path, lambda: object(), None
    store, go = AtlasStore(service), threading.Event()
    thread = store.start(ready=go.is_set, nice=0)
    thread.join(timeout=1.5)
    assert thread.is_alive() and service.sampled == []  # waits for the lab's first views
    go.set()
    thread.join(timeout=60)
    assert store.source == "computed" and store.done == store.total == 10 * 2 * len(W_GRID)
    assert store.grid(GridKey(0, "cg", 10.0, 0)) is not None and not (tmp_path / FILE_NAME).exists()  # never written
