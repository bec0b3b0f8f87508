"""API tests of the launched app through gradio_client: /toy and /mnist, bad input, the server keeps serving
(the MNIST tab's streaming handler: tests/test_ui_mnist.py)."""
from __future__ import annotations

import json
import math
import os
import urllib.request

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from gradio_client import Client  # noqa: E402

import app  # noqa: E402


def _raw_call(base: str, endpoint: str, data_text: str) -> str:
    """POST a raw JSON body (so NaN can be sent, as a hand-written HTTP client could) and read the SSE reply."""
    req = urllib.request.Request(f"{base}gradio_api/call/{endpoint}", data=data_text.encode(),
                                 headers={"Content-Type": "application/json"})
    event_id = json.loads(urllib.request.urlopen(req, timeout=30).read())["event_id"]
    return urllib.request.urlopen(f"{base}gradio_api/call/{endpoint}/{event_id}", timeout=60).read().decode()


@pytest.fixture(scope="module")
def client(app_url):
    c = Client(app_url, verbose=False)
    c.base_url = app_url
    return c


def test_api_lists_toy_and_mnist(client):
    info = client.view_api(return_format="dict", print_info=False)
    names = set(info["named_endpoints"])
    assert {"/toy", "/mnist"} <= names
    params = {p["parameter_name"] for p in info["named_endpoints"]["/toy"]["parameters"]}
    assert {"dataset", "label", "method", "w"} <= params


@pytest.mark.timeout(120)
def test_toy_returns_samples_and_guidance_sharpens(client):
    r0 = client.predict(dataset="three_gaussians", label=0, method="cfg", w=0.0, score="exact", api_name="/toy")
    r4 = client.predict(dataset="three_gaussians", label=0, method="cfg", w=4.0, score="exact", api_name="/toy")
    assert len(r0["samples"]) == 200 and len(r0["samples"][0]) == 2
    assert r0["guidance_scale"] == 1.0 and r4["guidance_scale"] == 5.0
    assert r4["mean_posterior"] > r0["mean_posterior"]  # guidance makes samples more class-like
    assert r4["diversity"] < r0["diversity"]  # ... and less diverse
    assert all(math.isfinite(v) for v in (r4["distance_to_class"], r4["distance_to_tilted"]))
    assert r0["precision"] > 0.95 and 0 <= r4["precision"] <= 1  # share on the data: inside the 99 % HDR of p(x|c)


@pytest.mark.timeout(120)
def test_toy_learned_reports_field_error_and_snaps_w(client):
    r = client.predict(dataset="three_gaussians", label=1, method="scaled", w=2.3, api_name="/toy")
    assert r["w"] == 2.0 and r["score"] == "learned"  # the nearest value of the lab's w grid
    assert 0 <= r["learned_field_error"] < 1


@pytest.mark.timeout(120)
def test_toy_custom_mixture_json(client):
    mix = ('{"name": "two", "classes": ["L", "R"], "components": ['
           '{"mean": [-1, 0], "cov": [[0.3, 0], [0, 0.3]], "weight": 1, "class": 0},'
           '{"mean": [1, 0], "cov": [[0.3, 0], [0, 0.3]], "weight": 1, "class": 1}]}')
    r = client.predict(dataset="custom", label=1, method="cg", w=1.0, mixture_json=mix, api_name="/toy")
    assert r["class_name"] == "R" and r["score"] == "exact"  # untrained custom mixture: exact scores
    assert "exact" in r["note"]


@pytest.mark.parametrize("kwargs, message", [
    ({"w": 11.0}, "w"),
    ({"w": -1.0}, "w must be"),
    ({"dataset": "moons"}, "unknown dataset"),
    ({"dataset": "custom", "mixture_json": "{not json"}, "JSON"),
    ({"dataset": "custom", "mixture_json": '{"classes": ["a"], "components": []}'}, "components"),
    ({"method": "magic"}, "method"),
    ({"label": 7}, "label"),
])
def test_toy_bad_input_is_an_error_and_server_keeps_serving(client, kwargs, message):
    args = {"dataset": "three_gaussians", "label": 0, "method": "cfg", "w": 1.0, "score": "exact", **kwargs}
    with pytest.raises(Exception, match=message):
        client.predict(**args, api_name="/toy")
    ok = client.predict(dataset="three_gaussians", label=0, method="cfg", w=1.0, score="exact", api_name="/toy")
    assert ok["w"] == 1.0


def test_toy_huge_mixture_json_refused(client):
    with pytest.raises(Exception, match="at most"):
        client.predict(dataset="custom", mixture_json=" " * 1_200_000, api_name="/toy")


@pytest.mark.timeout(120)
def test_mnist_endpoint(client):
    if app.MNIST.models() is None:
        with pytest.raises(Exception, match="MNIST models are not available"):
            client.predict(label=3, method="cfg", w=2.0, seed=0, api_name="/mnist")
        return
    r = client.predict(label=3, method="cg", w=2.0, seed=0, api_name="/mnist")
    assert r["label"] == 3 and 0 <= r["guide_confidence"] <= 1 and 0 <= r["judge_confidence"] <= 1
    assert len(r["grid_png_base64"]) > 100
    with pytest.raises(Exception, match="w must be"):
        client.predict(label=3, method="cfg", w=10.5, seed=0, api_name="/mnist")
    with pytest.raises(Exception, match="label"):
        client.predict(label=12, method="cfg", w=1.0, seed=0, api_name="/mnist")


def test_raw_http_nan_w_is_refused_and_server_keeps_serving(client):
    reply = _raw_call(client.base_url, "toy", '{"data": ["three_gaussians", 0, "cfg", NaN, "ddim", "exact", "noisy", 0, ""]}')
    assert "event: error" in reply
    reply = _raw_call(client.base_url, "toy", '{"data": ["three_gaussians", 0, "cfg", 1.0, "ddim", "exact", "noisy", 0, ""]}')
    assert "event: complete" in reply and '"mean_posterior"' in reply
