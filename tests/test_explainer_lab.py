"""The lab service: views, the browser payload with its trade-off curves and hints, the summary, /toy's answer."""
import json

import numpy as np
import pytest

from explainer.lab.service import NO_MODEL_NOTE, Lab
from explainer.lab.selection import Selection, SelectionError
from explainer.lab.views import W_GRID, w_neighbours


@pytest.fixture(scope="module")
def lab():
    return Lab()


def test_payload_has_the_view_tradeoff_and_hints(lab):
    sel = Selection(dataset="two_overlapping", method="cfg|scaled", score="exact")
    view, note, extras = lab.payload_parts(sel, {"lang": "ko"})
    data = {**json.loads(view.json_text), "extras": extras}  # what the browser holds once it fetched the file
    assert data["w_grid"] == list(W_GRID) and len(data["panels"]) == 2 and note == ""
    assert data["extras"]["hints"] == {"lang": "ko"}
    assert set(data["extras"]["tradeoff"]) == {"cfg", "scaled"}  # the selection's panels only, never waits
    cfg = data["extras"]["tradeoff"]["cfg"]
    assert cfg["fidelity"] == [n["precision"] for n in view.panels[0].numbers]  # fidelity is the precision
    assert len(cfg["fidelity"]) == len(W_GRID) and cfg["mean_posterior"][-1] > cfg["mean_posterior"][0]
    assert "w = 2" in lab.summary(view, 2.0) and "Score scaling" in lab.summary(view, 2.0)
    ko = lab.summary(view, 2.0, NO_MODEL_NOTE, "ko")  # the numbers' words and the lab's notes in Korean
    assert "다양성" in ko and "diversity" not in ko and "학습된 모델이 없어" in ko and NO_MODEL_NOTE not in ko
    assert lab.summary(view, 2.0, "some other note", "ko").endswith("some other note")


def test_interpolation_between_grid_values(lab):
    view, _ = lab.view(Selection(method="cfg", score="exact"))
    panel = view.panels[0]
    assert w_neighbours(0.3) == (3, 3, 0.0) and w_neighbours(0.4)[:2] == (3, 4)
    i, j, t = w_neighbours(0.4)
    assert t == pytest.approx(0.5)
    traj, field = panel.at(0.4)
    assert np.allclose(traj, 0.5 * (panel.traj[i] + panel.traj[j])) and np.allclose(panel.at(2.0)[0], panel.traj[8])
    with pytest.raises(ValueError):
        w_neighbours(10.5)


def test_errors_and_toy(lab):
    with pytest.raises(SelectionError, match="label must be an integer in \\[0, 1\\]"):
        lab.view(Selection(dataset="ring", label=2))
    with pytest.raises(SelectionError, match="single method"):
        lab.toy(Selection(method="cfg|cg"))
    answer = lab.toy(Selection(dataset="ring", label=0, method="scaled", score="exact", w=0.37).validated())
    assert answer["w"] == 0.3 and len(answer["samples"]) == 200 and answer["guidance_scale"] == pytest.approx(1.3)


def test_the_bad_model_dropdown_and_learned_autoguidance(lab):
    """reference=weak turns the CFG panel into autoguidance on the shipped weak network; a network without one
    falls back to exact scores and says why; reference=random is ICG on the learned model."""
    view, note = lab.view(Selection(method="cfg", reference="weak", score="learned"))
    assert view.panels[0].method == "auto" and view.panels[0].spec.score == "learned" and note == ""
    tm, _ = lab.registry.trained("ring")
    weak, tm.eps_weak = tm.eps_weak, None
    try:
        view, note = lab.view(Selection(dataset="ring", method="cfg", reference="weak", score="learned"))
        assert view.panels[0].spec.score == "exact" and "weaker model" in note
    finally:
        tm.eps_weak = weak
    view, note = lab.view(Selection(method="cfg", reference="random", score="learned"))
    assert view.panels[0].method == "icg" and view.panels[0].spec.score == "learned" and note == ""
