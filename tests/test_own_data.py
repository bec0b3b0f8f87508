"""Your own data, without a browser: the canvas's points, the fit it shows, the preview that follows a dragged
component, the server functions' argument handling and every bad input as a one-line error."""
import json

import numpy as np
import pytest

from cfg_core.mixture_json import MixtureError, mixture_from_dict
from cfg_core.toy.points import PointsError, make_dataset
from explainer.own_data import service as own_data
from ui import own_data as ui_own


@pytest.fixture(scope="module")
def blobs_fit():
    return own_data.fit_json(make_dataset("blobs", 600, seed=1), max_components=4)


def test_points_round_trip_and_fit_shape(blobs_fit):
    pts = make_dataset("moons", 200, seed=0)
    back = own_data.points_from_json(json.dumps(own_data.points_json(pts)))
    assert np.allclose(back.xy, pts.xy, atol=1e-4) and (back.labels == pts.labels).all()
    assert [c["name"] for c in blobs_fit["classes"]] == ["A", "B", "C"]
    assert all(1 <= c["k"] <= 4 for c in blobs_fit["classes"]) and len(blobs_fit["ellipses"]) == sum(
        c["k"] for c in blobs_fit["classes"])
    mixture_from_dict(blobs_fit["mixture"])  # the lab can load it


def test_the_preview_follows_a_dragged_component(blobs_fit):
    """Moving class A's only... or first component far away moves class A's guided samples with it."""
    mix = blobs_fit["mixture"]
    comps = [i for i, c in enumerate(mix["components"]) if c["class"] == 0]
    before = np.array(own_data.preview(mix, 0, 0.0)["samples"]).mean(0)
    moved = mix
    for k in comps:  # move every component of class A by (+2, 0)
        m = moved["components"][k]["mean"]
        moved = own_data.moved(moved, k, [m[0] + 2.0, m[1]])
    after = np.array(own_data.preview(moved, 0, 0.0)["samples"]).mean(0)
    assert 1.6 < after[0] - before[0] < 2.4 and abs(after[1] - before[1]) < 0.4
    assert mix["components"][comps[0]]["mean"] != moved["components"][comps[0]]["mean"]  # a copy was changed


def test_guidance_in_the_preview_raises_p_c_given_x(blobs_fit):
    mix = blobs_fit["mixture"]
    assert own_data.preview(mix, 1, 4.0)["mean_posterior"] >= own_data.preview(mix, 1, 0.0)["mean_posterior"]


@pytest.mark.parametrize("data, message", [
    ("not json", "not valid JSON"), ({"xy": []}, "need xy, labels and class_names"),
    ({"xy": [], "labels": [], "class_names": ["A"]}, "no points yet"),
    ({"xy": [[0, 0]], "labels": [0, 1], "class_names": ["A"]}, "same length"),
    ({"xy": [["a", 0]], "labels": [0], "class_names": ["A"]}, "two numbers"),
    ({"xy": [[0, 0]], "labels": ["x"], "class_names": ["A"]}, "labels must be class indices"),
    ({"xy": [[float("nan"), 0]] * 20 + [[1, 1]] * 20, "labels": [0] * 20 + [1] * 20, "class_names": ["A", "B"]},
     "(?i)finite|nan"),
])
def test_bad_points_are_one_line_errors(data, message):
    with pytest.raises(PointsError, match=message):
        own_data.points_from_json(data if isinstance(data, str) else json.dumps(data))


@pytest.mark.parametrize("component, mean, message", [(99, [0, 0], "component must be"), (0, [0], "two finite"),
                                                     (0, [float("inf"), 0], "two finite"), (0, [100, 0], "two finite")])
def test_bad_moves_are_refused(blobs_fit, component, mean, message):
    with pytest.raises(MixtureError, match=message):
        own_data.moved(blobs_fit["mixture"], component, mean)


def test_server_functions_take_the_js_argument_list_and_answer_errors(blobs_fit):
    pts = own_data.points_json(make_dataset("circles", 200, seed=0))
    fit = json.loads(ui_own.fit_points([json.dumps(pts), 3]))
    assert len(fit["classes"]) == 2 and all(c["k"] <= 3 for c in fit["classes"])
    out = json.loads(ui_own.drag_preview([json.dumps(blobs_fit["mixture"]), 0, [1.0, 1.0], 0, 2.0]))
    assert len(out["samples"]) == own_data.PREVIEW_SAMPLES and out["mixture"]["components"][0]["mean"] == [1.0, 1.0]
    assert "error" in json.loads(ui_own.fit_points(["{}", 3]))
    assert "at least 10" in json.loads(ui_own.fit_points([json.dumps({"xy": [[0, 0], [1, 1]], "labels": [0, 1],
                                                                      "class_names": ["A", "B"]})]))["error"]
    assert "max components" in json.loads(ui_own.fit_points([json.dumps(pts), 99]))["error"]
    assert "w must be" in json.loads(ui_own.drag_preview([json.dumps(blobs_fit["mixture"]), -1, [0, 0], 0, 11]))["error"]
    assert "could not be read" in json.loads(ui_own.drag_preview(["{broken", -1]))["error"]
    assert "expected 1 to 5 arguments" in json.loads(ui_own.drag_preview([1, 2, 3, 4, 5, 6]))["error"]


def test_generate_and_csv_upload(tmp_path):
    out = json.loads(ui_own.generate("moons", 300, 0.1, 0, 4))
    assert len(out["points"]["xy"]) == 300 and out["fit"]["classes"][0]["name"] == "upper"
    assert "error" in json.loads(ui_own.generate("spirals", 300, 0.1, 0, 4))
    assert "n must be" in json.loads(ui_own.generate("moons", 10**7, 0.1, 0, 4))["error"]
    good = tmp_path / "p.csv"
    rng = np.random.default_rng(0)
    rows = [f"{x:.4f},{y:.4f},{'cat' if i % 2 else 'dog'}" for i, (x, y) in enumerate(rng.normal(size=(60, 2)))]
    good.write_text("x,y,label\n" + "\n".join(rows) + "\n")
    out = json.loads(ui_own.upload_csv(str(good), 3))
    assert out["points"]["class_names"] == ["dog", "cat"] and len(out["fit"]["classes"]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,nan,0\n")
    assert "error" in json.loads(ui_own.upload_csv(str(bad), 3))


def test_use_in_lab_hands_the_fit_and_points_to_the_lab(blobs_fit):
    pts = own_data.points_json(make_dataset("blobs", 300, seed=0))
    text, dataset, label, score, points, tabs = ui_own.use_in_lab(json.dumps(
        {"mixture": blobs_fit["mixture"], "label": 2, "points": pts}))
    assert json.loads(text)["classes"] == ["A", "B", "C"] and dataset["value"] == "custom" and score["value"] == "exact"
    assert json.loads(points)["labels"] == pts["labels"]
    import gradio as gr
    with pytest.raises(gr.Error, match="nothing to use yet"):
        ui_own.use_in_lab(json.dumps({"points": pts}))
