"""Extending an MNIST sweep with new w: rows merged in w order, only when the settings match, no w twice."""
import pytest

from cfg_core.mnist.sweep import merge_sweeps
from scripts.extend_mnist_sweep import estimate_seconds

CONFIG = {"ws": [0.0, 1.0], "n_per_class": 20, "steps": 50, "sampler": "ddim", "seed": 0, "methods": ["cfg", "cg"]}


def _sweep(ws, **config):
    rows = [{"method": m, "w": w, "seconds": 10.0 if m == "cfg" else 6.0} for w in ws for m in ("cfg", "cg")]
    return {"config": {**CONFIG, **config, "ws": list(ws)}, "real_held_out": {"n": 500}, "results": rows}


def test_merge_adds_rows_in_w_order():
    merged = merge_sweeps(_sweep([0.0, 1.0]), _sweep([6.0, 3.0]))
    assert merged["config"]["ws"] == [0.0, 1.0, 3.0, 6.0] and merged["real_held_out"] == {"n": 500}
    assert [(r["w"], r["method"]) for r in merged["results"]][-4:] == [(3.0, "cfg"), (3.0, "cg"), (6.0, "cfg"),
                                                                        (6.0, "cg")]


def test_merge_refuses_other_settings_or_a_repeated_w():
    with pytest.raises(ValueError, match="n_per_class"):
        merge_sweeps(_sweep([0.0]), _sweep([6.0], n_per_class=10))
    with pytest.raises(ValueError, match="methods"):
        merge_sweeps(_sweep([0.0]), _sweep([6.0], methods=("cfg",)))
    with pytest.raises(ValueError, match="already has w = 1"):
        merge_sweeps(_sweep([0.0, 1.0]), _sweep([1.0, 2.0]))


def test_estimate_uses_the_seconds_of_the_existing_rows():
    assert estimate_seconds(_sweep([0.0, 1.0]), [6.0, 8.0, 10.0]) == pytest.approx(3 * (10.0 + 6.0))
