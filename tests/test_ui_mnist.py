"""The MNIST tab's handlers in-process: a new selection is answered at once (mnist_view_now), whole from the atlas
without sampling on the default seed; otherwise the ready part says stream and mnist_update streams the rest (the
first method's grid, each after previews of its x_hat, then the second); w snaps to the grid; a newer request
stops the small grids; bad input is one clear error. (The service's bookkeeping with a fake sampler, no networks:
tests/test_mnist_tab.py.)"""
import base64
import io
import json
import math
import time
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

import ui.mnist as um
from explainer.mnist import view as mnist_view
from explainer.mnist.grid_flight import preview_steps
from explainer.mnist.service import STEPS, GridKey
from explainer.w_grid import W_GRID

pytestmark = pytest.mark.skipif(um.MNIST.models() is None, reason="MNIST models not available")


def _views(gen):
    return [json.loads(v) for v in gen]


def test_default_view_is_whole_from_the_atlas_without_sampling():
    if um.ATLAS.atlas() is None or not um.ATLAS.atlas().complete:
        pytest.skip("no complete atlas shipped")
    before = len(um.MNIST.cache)
    view = json.loads(um.mnist_view_now(8, "cfg|cg", 6.0, 0, "noisy"))
    assert not view["stream"] and view["source"] == "now"
    (streamed,) = _views(um.mnist_update(8, "cfg|cg", 6.0, 0, "noisy"))  # nothing to add
    assert len(um.MNIST.cache) == before and streamed["panels"] == view["panels"]  # nothing sampled
    assert [p["method"] for p in view["panels"]] == ["cfg", "cg"] and view["w_grid"] == list(W_GRID)
    assert all(all(p["ready"]) and not p["pending"] for p in view["panels"]) and view["note"] == ""
    assert view["panels"][0]["title"] == "Classifier-free guidance" and view["panels"][0]["conf"][11][1] > 0.9


@pytest.mark.timeout(180)
def test_new_seed_streams_the_first_grid_then_the_second():
    k = W_GRID.index(2.0)
    first = json.loads(um.mnist_view_now(5, "cfg|cg", 2.3, 4321, "noisy"))  # w 2.3 snaps to 2
    assert [p["pending"] for p in first["panels"]] == ["sampling CFG…", "sampling CG…"] and first["stream"]
    assert not any(any(p["ready"]) for p in first["panels"]) and "release the slider" in first["note"]
    assert not any("preview" in p for p in first["panels"])
    gen = um.mnist_update(5, "cfg|cg", 2.3, 4321, "noisy")
    views = []
    while not (views and all(p["ready"][k] for p in views[-1]["panels"])):
        views.append(json.loads(next(gen)))
    gen.close()  # the small grids (w = 0, 1, 3, 6) would follow
    assert all(v["source"] == "stream" and v["w"] == 2.0 for v in views)
    steps, at = preview_steps(STEPS), 0  # 4, 8, 12 of 16
    for i, method in enumerate(["cfg", "cg"]):  # CFG's previews, CFG ready, then CG's previews, CG ready
        shown = []
        while "preview" in views[at]["panels"][i]:  # CFG's grid was started by mnist_view_now: its first preview
            p = views[at]["panels"][i]  # may be gone by the time the stream watches it (then the newest comes)
            assert p["method"] == method and p["pending"] and not p["ready"][k] and p["preview_step"][1] == STEPS
            assert Image.open(io.BytesIO(base64.b64decode(p["preview"]))).size == (mnist_view.CELL, mnist_view.CELL)
            assert "preview" not in views[at]["panels"][1 - i]
            shown.append((p["preview_step"][0], p["preview"]))
            at += 1
        assert shown and [t for t, _ in shown] == sorted({t for t, _ in shown}) and {t for t, _ in shown} <= set(steps)
        assert len({png for _, png in shown}) == len(shown)  # the guess changes as the noise goes
        done = views[at]["panels"][i]
        assert done["ready"][k] and not done["pending"] and "preview" not in done
        at += 1
    assert at == len(views)


def test_a_new_selection_starts_its_first_grid_before_the_stream_asks():
    request = SimpleNamespace(session_hash="prefetch-test")
    view = json.loads(um.mnist_view_now(6, "cfg|cg", 1.0, 5151, "noisy", request))
    assert view["stream"] and all(p["pending"] for p in view["panels"])
    flight = um.TAB.prefetched["prefetch-test"]()  # in flight: a CFG grid takes about a second
    cfg, cg = GridKey(6, "cfg", 1.0, 5151), GridKey(6, "cg", 1.0, 5151)
    assert flight is not None and um.MNIST.prefetch(cfg) is flight  # asked again: no second job
    shown = [t for t, _ in flight.watch(timeout=120)]
    assert flight.done and set(shown) <= set(preview_steps(STEPS))
    assert um.MNIST.cached(cfg) is not None and um.MNIST.prefetch(cfg) is None
    assert um.MNIST.cached(cg) is None  # only the first panel's grid starts early


def test_a_newer_request_stops_the_small_grids():
    session = SimpleNamespace(session_hash="test-session")
    um.mnist_mark(session)
    assert not um.TAB.superseded("test-session", time.monotonic())
    um.TAB.latest["test-session"] = time.monotonic() + 100  # a request newer than the stream
    um.MNIST.grid(GridKey(5, "cfg", 2.0, 4321))  # the main grid is ready, the small ones are not
    before = len(um.MNIST.cache)
    out = list(um.mnist_update(5, "cfg", 2.0, 4321, "noisy", session))  # main grid cached, small ones not
    assert len(out) == 1 and isinstance(out[0], type(gr.skip())) and len(um.MNIST.cache) == before


@pytest.mark.parametrize("args, match", [((3, "cfg", math.nan, 0, "noisy"), "w must be"),
                                         ((12, "cfg", 1.0, 0, "noisy"), "label"),
                                         ((3, "cfg|zoo", 1.0, 0, "noisy"), "method must be"),
                                         ((3, "cg", 1.0, 0, "dirty"), "classifier"),
                                         ((3, "cg", 1.0, -1, "noisy"), "seed")])
def test_bad_input_is_one_clear_error(args, match):
    with pytest.raises(gr.Error, match=match):
        um.mnist_view_now(*args)
    with pytest.raises(gr.Error, match=match):
        next(um.mnist_update(*args))


def test_sweep_view_reaches_w_10():
    v = json.loads(um.sweep_view())
    assert v["kind"] == "sweep" and max(v["ws"]) == 10.0 and len(v["axes"]) == 5


def _file_path(value) -> str:
    value = value.value if hasattr(value, "value") else value
    return value["path"] if isinstance(value, dict) else getattr(value, "path", value)


def test_the_animation_is_titled_in_the_readers_language():
    import imageio.v2 as imageio

    from explainer import fonts

    korean = imageio.mimread(_file_path(um.mnist_animation("gif", 3, "cfg|cg", 2.0, 0, "noisy", "ko")))
    english = imageio.mimread(_file_path(um.mnist_animation("gif", 3, "cfg|cg", 2.0, 0, "noisy", "en")))
    assert len(english) == STEPS + 1  # z_1 and every step of the sampler (the GIF merges the held final frames)
    assert np.array_equal(np.asarray(english[-1])[64:], np.asarray(korean[-1])[64:])  # the same digits
    titles_differ = not np.array_equal(np.asarray(english[0])[:64], np.asarray(korean[0])[:64])
    assert titles_differ == (fonts.hangul_family() is not None)  # Korean where a font can write it, else English
    unknown = imageio.mimread(_file_path(um.mnist_animation("gif", 3, "cfg|cg", 2.0, 0, "noisy", "xx")))
    assert np.array_equal(np.asarray(unknown[0]), np.asarray(english[0]))
