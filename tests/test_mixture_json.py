"""Mixture presets and the JSON format: every bad input gets its one-line message."""
import json

import pytest
import torch

from cfg_core.mixture_json import (MAX_COMPONENTS, PRESETS, MixtureError, load_mixture, mixture_from_dict,
                               mixture_to_dict, parse_mixture_json)

GOOD = {"name": "t", "classes": ["a", "b"],
        "components": [{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "weight": 1, "class": 0},
                       {"mean": [2, 0], "cov": [[0.5, 0.1], [0.1, 0.5]], "weight": 3, "class": 1}]}


def _with(path, value):
    spec = json.loads(json.dumps(GOOD))
    target = spec
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return spec


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_round_trip(name):
    mix = load_mixture(name)
    again = mixture_from_dict(mixture_to_dict(mix))
    assert torch.allclose(mix.means, again.means) and torch.allclose(mix.weights, again.weights)
    assert mix.weights.sum().item() == pytest.approx(1.0)


def test_paper_figure2_preset_is_three_isotropic_classes():
    mix = load_mixture("three_gaussians")
    assert mix.num_classes == 3 and len(mix.weights) == 3
    for cov in mix.covs:
        assert torch.allclose(cov, cov[0, 0] * torch.eye(2, dtype=torch.float64))


def test_weights_are_relative():
    mix = mixture_from_dict(GOOD)
    assert mix.weights.tolist() == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize("spec, message", [
    (_with(("components",), []), "non-empty list"),
    (_with(("classes",), []), "classes must be a non-empty list"),
    (_with(("classes",), ["a", "a"]), "unique"),
    (_with(("components", 0, "cov"), [[1, 0.5], [0.2, 1]]), "symmetric"),
    (_with(("components", 0, "cov"), [[1, 2], [2, 1]]), "positive definite"),
    (_with(("components", 0, "cov"), [[0, 0], [0, 0]]), "positive definite"),
    (_with(("components", 0, "weight"), -1), "weight must be positive"),
    (_with(("components", 0, "weight"), 0), "weight must be positive"),
    (_with(("components", 0, "class"), 2), r"class must be an integer in \[0, 1\]"),
    (_with(("components", 0, "class"), "a"), "class must be an integer"),
    (_with(("components", 0, "mean"), [1, 2, 3]), "list of 2 numbers"),
    (_with(("components", 0, "mean"), [float("nan"), 0]), "finite number"),
    (_with(("components", 0, "mean"), [1e9, 0]), "within"),
    (_with(("components", 1, "class"), 0), "every class needs at least one component"),
    (_with(("components",), [{"mean": [0, 0]}]), "missing cov, weight, class"),
    (_with(("components",), [GOOD["components"][0]] * (MAX_COMPONENTS + 1)), "at most"),
    ([1, 2], "JSON object"),
])
def test_bad_mixtures_rejected_with_message(spec, message):
    with pytest.raises(MixtureError, match=message):
        mixture_from_dict(spec)


def test_non_json_and_nan_literal():
    with pytest.raises(MixtureError, match="not valid JSON"):
        parse_mixture_json("{name: oops")
    with pytest.raises(MixtureError, match="finite number"):
        parse_mixture_json(json.dumps(GOOD).replace('"weight": 1,', '"weight": NaN,'))
    with pytest.raises(MixtureError, match="at most"):
        parse_mixture_json(" " * 2_000_000)


def test_unknown_preset_and_files(tmp_path):
    with pytest.raises(MixtureError, match="unknown preset 'spiral'; choose one of three_gaussians"):
        load_mixture("spiral")
    with pytest.raises(MixtureError, match="does not exist"):
        load_mixture(str(tmp_path / "missing.json"))
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MixtureError, match="not UTF-8"):
        load_mixture(str(binary))
