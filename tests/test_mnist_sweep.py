"""Extending an MNIST sweep with new w: rows merged in w order, only when the settings match, no w twice."""
import pytest

from cfg_core.mnist.sweep import merge_sweeps
from scripts.experiments.extend_mnist_sweep import estimate_seconds

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


def test_steps_for_gives_a_method_its_own_steps_and_must_match_to_merge(monkeypatch):
    from cfg_core.mnist import sweep as sw
    from cfg_core.mnist.cli import _steps_for

    assert _steps_for("apg=50, cfg=20") == (("apg", 50), ("cfg", 20)) and _steps_for(None) == ()
    for bad, match in (("apg", "METHOD=STEPS"), ("apg=1", "METHOD=STEPS"), ("apg=x", "METHOD=STEPS"),
                       ("nope=50", "unknown guidance method")):
        with pytest.raises(ValueError, match=match):
            _steps_for(bad)
    seen = []
    monkeypatch.setattr(sw, "sample_mnist", lambda models, c, **kw: seen.append((kw["method"], kw["steps"])) or
                        type("R", (), {"x": __import__("torch").zeros(1, 28, 28)})())
    config = sw.SweepConfig(ws=(1.0,), n_per_class=1, steps=16, methods=("cfg", "apg"), steps_for=(("apg", 50),))
    sw.sample_all_digits(None, "cfg", 1.0, config)
    sw.sample_all_digits(None, "apg", 1.0, config)
    assert set(seen) == {("cfg", 16), ("apg", 50)}
    assert merge_sweeps(_sweep([0.0]), _sweep([6.0], steps_for=[]))  # a sweep from before steps_for had none
    with pytest.raises(ValueError, match="steps_for"):
        merge_sweeps(_sweep([0.0]), _sweep([6.0], steps_for=[["apg", 50]]))
