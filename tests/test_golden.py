"""Same seed, same output: the CLI's samples for the shipped checkpoints match files saved before the layered
redesign (tests/golden/, made from tests/golden/cases.json), and the lab's views match their saved hashes."""
from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from cfg_core.__main__ import main

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = json.loads((GOLDEN / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_samples_unchanged(name, tmp_path):
    out = tmp_path / f"{name}.npz"
    assert main(["sample", *shlex.split(CASES[name]), "--out", str(out)]) == 0
    got, want = np.load(out), np.load(GOLDEN / f"{name}.npz")
    np.testing.assert_array_equal(got["x"], want["x"])
    np.testing.assert_array_equal(got["trajectory"], want["trajectory"])


VIEW_CASES = json.loads((GOLDEN / "lab_views.json").read_text())


@pytest.mark.parametrize("name", sorted(VIEW_CASES))
def test_lab_views_unchanged(name):
    from cfg_core.methods import with_classifier
    from explainer.encode import encode_coords
    from explainer.registry import ModelRegistry
    from explainer.views import LabViews, PanelSpec

    case = VIEW_CASES[name]
    dataset, label, names, sampler, score, classifier, base, lam = case["args"]
    registry = ModelRegistry()
    mix = registry.mixture(dataset)
    tm, model_key = registry.trained(dataset) if score == "learned" else (None, "")
    specs = [PanelSpec(dataset, label, with_classifier(m, classifier), sampler, score, base, 0, lam) for m in names]
    lab_view = LabViews().view(mix, tm, specs, model_key)
    view = lab_view.to_json()
    sha = lambda text: hashlib.sha1(text.encode()).hexdigest()  # noqa: E731
    assert sha(json.dumps(view["tilted_contours"])) == case["tilted_contours"]
    for panel, got, want in zip(lab_view.panels, view["panels"], case["panels"]):
        # the old encoding clipped coordinates to +-32.767 (issue 13); compare in that encoding
        assert sha(encode_coords(np.clip(panel.traj, -32.767, 32.767))) == want["traj"]
        for key in ("field", "field_cond", "field_uncond"):
            assert sha(got[key]) == want[key], key
        assert got["numbers"] == want["numbers"] and got["field_error"] == want["field_error"]
