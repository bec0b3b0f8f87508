"""The MNIST tab's service with a fake sampler (no networks, milliseconds): a new selection is answered from what is
ready and starts only its first missing main grid; a newer selection of the same browser cancels its older prefetch
that has not started (never another browser's); the stream samples the main grids (x_hat previews first), then the
small grids, and stops before a small grid when the browser has asked for something newer; sessions stay bounded.
(The same with the real models: tests/test_ui_mnist.py.)"""
import json
from concurrent.futures import Future

import numpy as np
import pytest

from explainer.mnist import view as mnist_view
from explainer.mnist.service import STEPS, GridKey, MnistGrid
from explainer.mnist.selection import MnistSelection
from explainer.mnist.tab import MnistTab
from explainer.w_grid import W_GRID

SEED = 987_001  # seeds no real test uses: mnist_view caches panels by (digit, method, seed, ready)


class FakeFlight:
    """A grid in flight: its previews at once, a future that has not started."""

    def __init__(self, steps: int = STEPS):
        self.steps, self.future = steps, Future()

    def watch(self, timeout=None):
        for t in (4, 8, 12):
            yield t, np.full((16, 28, 28), t / 16.0, np.float32)


class FakeSampler:
    """MnistService's interface: models, a grid cache, prefetch (one flight per key until it lands)."""

    problem = "no checkpoint"

    def __init__(self, models=True):
        self._models, self.cache, self.flights, self.sampled = models, {}, {}, []

    def models(self):
        return object() if self._models else None

    def cached(self, key):
        return self.cache.get(key)

    def grid(self, key, on_step=None):
        if key not in self.cache:
            self.sampled.append(key)
            x = np.zeros((16, 28, 28), np.float32)
            self.cache[key] = MnistGrid(x, x[None], 0.9, 0.8, 0.7, 0.1)
            self.flights.pop(key, None)
        return self.cache[key]

    def prefetch(self, key):
        if key in self.cache:
            return None
        return self.flights.setdefault(key, FakeFlight())


def _tab(clock=None, **kw):
    now = [100.0]
    tab = MnistTab(FakeSampler(**kw), None, clock=clock or (lambda: now[0]))
    return tab, now


def test_a_view_from_what_is_ready_samples_nothing():
    tab, _ = _tab()
    sel = MnistSelection(label=4, method="cfg|cg", w=3.0, seed=SEED)
    for key in [*sel.keys()] + [sel.key(m, w) for m in sel.methods for w in mnist_view.SMALL_WS]:
        tab.service.grid(key)
    tab.service.sampled.clear()
    view = json.loads(tab.view_now(sel, "s"))
    assert not view["stream"] and view["w"] == 3.0 and not tab.service.flights and not tab.service.sampled
    assert [p["method"] for p in view["panels"]] == ["cfg", "cg"] and not any(p["pending"] for p in view["panels"])
    ready = [w in (*mnist_view.SMALL_WS, 3.0) for w in W_GRID]
    assert all(p["ready"] == ready for p in view["panels"]) and "release" in view["note"]  # no atlas here
    assert [json.loads(v)["source"] for v in tab.stream(sel, "s")] == ["stream"] and not tab.service.sampled


def test_a_new_selection_starts_only_its_first_main_grid():
    tab, _ = _tab()
    sel = MnistSelection(label=1, method="cfg|cg", w=2.0, seed=SEED)
    view = json.loads(tab.view_now(sel, "s"))
    assert view["stream"] and [p["pending"] for p in view["panels"]] == ["sampling CFG…", "sampling CG…"]
    assert list(tab.service.flights) == [GridKey(1, "cfg", 2.0, SEED)] and not tab.service.sampled
    assert tab.prefetched["s"]() is tab.service.flights[GridKey(1, "cfg", 2.0, SEED)]


def test_a_newer_selection_cancels_only_the_same_browsers_unstarted_prefetch():
    tab, _ = _tab()
    tab.view_now(MnistSelection(label=1, method="cfg", seed=SEED), "a")
    tab.view_now(MnistSelection(label=1, method="cfg", seed=SEED + 1), "b")  # another browser
    first, other = tab.prefetched["a"](), tab.prefetched["b"]()
    tab.view_now(MnistSelection(label=1, method="cfg", seed=SEED + 2), "a")
    assert first.future.cancelled() and not tab.prefetched["a"]().future.cancelled()
    assert not other.future.cancelled()  # one browser never cancels another's
    tab.view_now(MnistSelection(label=1, method="cfg", seed=SEED + 2), "a")  # the same again: nothing cancelled
    assert not tab.prefetched["a"]().future.cancelled()


def test_the_stream_samples_main_grids_with_previews_then_the_small_grids():
    tab, _ = _tab()
    sel = MnistSelection(label=2, method="cfg|cg", w=1.5, seed=SEED)
    views = [json.loads(v) for v in tab.stream(sel, "s")]
    cfg, cg = (GridKey(2, m, 1.5, SEED) for m in ("cfg", "cg"))
    assert tab.service.sampled[:2] == [cfg, cg]  # the main grids first, left to right
    assert tab.service.sampled[2:] == [GridKey(2, m, w, SEED) for m in ("cfg", "cg") for w in mnist_view.SMALL_WS]
    previews = [v["panels"][0]["preview_step"] for v in views[:3]]
    assert previews == [[4, STEPS], [8, STEPS], [12, STEPS]] and views[3]["panels"][0]["pending"] == ""
    assert views[3]["panels"][1]["pending"] == "sampling CG…" and "preview" in views[4]["panels"][1]
    assert len(views) == 3 + 1 + 3 + 1 + 2  # CFG: previews, ready; CG: previews, ready; one per row of small grids
    assert all(v["source"] == "stream" and v["w"] == 1.5 for v in views)
    assert all(views[-1]["panels"][i]["ready"] == [w in (*mnist_view.SMALL_WS, 1.5) for w in W_GRID] for i in (0, 1))


def test_a_newer_request_stops_the_stream_before_a_small_grid():
    tab, now = _tab()
    sel = MnistSelection(label=5, method="cfg", w=2.0, seed=SEED)
    tab.service.grid(sel.key("cfg"))  # the main grid is ready, the small ones are not
    tab.service.sampled.clear()
    tab.mark("s")  # the stream's own request: not newer than the stream
    (view,) = tab.stream(sel, "s")
    assert json.loads(view)["panels"][0]["ready"].count(True) == 1 + len(mnist_view.SMALL_WS)
    assert tab.service.sampled == [sel.key("cfg", w) for w in mnist_view.SMALL_WS]

    newer = MnistSelection(label=5, method="cfg", w=2.0, seed=SEED + 1)
    tab.service.grid(newer.key("cfg"))
    tab.service.sampled.clear()
    tab.latest["s"] = now[0] + 5.0  # the browser asked for something newer than the stream
    assert list(tab.stream(newer, "s")) == [None] and not tab.service.sampled  # nothing new to show
    assert len(list(tab.stream(newer, "another browser"))) == 1 and len(tab.service.sampled) == 4

    fresh = MnistSelection(label=5, method="cfg", w=2.0, seed=SEED + 2)
    views = list(tab.stream(fresh, "s"))  # the main grid is sampled; the small grids wait
    assert len(views) == 4 and None not in views and tab.service.sampled[-1] == fresh.key("cfg")


def test_sessions_stay_bounded_and_missing_models_are_one_line():
    tab, now = _tab()
    tab.max_sessions = 10
    tab.latest.update({f"old{i}": now[0] - 7200 for i in range(50)})
    tab.mark("new")
    tab.mark(None)  # no session (the API, the warm-up): nothing kept
    assert list(tab.latest) == ["new"] and not tab.superseded(None, 0.0)
    broken, _ = _tab(models=False)
    with pytest.raises(ValueError, match="^MNIST models are not available: no checkpoint"):
        broken.view_now(MnistSelection(seed=SEED))
    with pytest.raises(ValueError, match="^MNIST models are not available"):
        next(broken.stream(MnistSelection(seed=SEED)))
