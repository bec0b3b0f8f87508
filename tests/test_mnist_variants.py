"""The later guidance variants on MNIST: named variants (cfg_core.mnist.variants), autoguidance with the weak
checkpoint of the same run, and both in the sweep and the tab's choices."""
import json

import pytest
import torch

from cfg_core import methods
from cfg_core.mnist import variants
from cfg_core.mnist.models import load_mnist_models, sample_mnist
from cfg_core.mnist.sweep import MNIST_SWEEP_METHODS, SweepConfig
from cfg_core.weight_schedule import WeightSchedule


@pytest.fixture(scope="module")
def shipped():
    return load_mnist_models()


def test_variant_names_resolve_to_a_registry_method_with_options():
    method, options = variants.resolve("cfg_interval")
    assert method == "cfg" and options.schedule == WeightSchedule("interval", *variants.INTERVAL)
    assert variants.resolve("rescale") == ("rescale", methods.GuidanceOptions())
    assert variants.info("cfg_interval").short == "CFG, interval" and variants.info("cg").classifier == "noisy"
    with pytest.raises(ValueError, match="unknown guidance method 'nope'.*cfg_interval"):
        variants.info("nope")
    with pytest.raises(ValueError, match="fixes its own options"):
        variants.resolve("cfg_interval", methods.GuidanceOptions(cfgpp_lambda=0.5))


def test_cfg_interval_is_cfg_with_the_interval(shipped):
    kw = dict(n=2, seed=3, steps=6, keep_trajectory=False)
    named = sample_mnist(shipped, 4, "cfg_interval", 3.0, **kw).x
    explicit = sample_mnist(shipped, 4, "cfg", 3.0, options=variants.VARIANTS["cfg_interval"].options, **kw).x
    full = sample_mnist(shipped, 4, "cfg", 3.0, **kw).x
    assert torch.equal(named, explicit) and not torch.equal(named, full)


def test_autoguidance_uses_the_weak_checkpoint(shipped):
    """The shipped checkpoint carries the run's 1/8-step EMA; auto at w = 0 is the conditional model, at w > 0
    it is (1 + w) eps_good - w eps_bad, different from CFG."""
    assert shipped.eps_weak is not None and shipped.record["weak_step"] == shipped.record["steps"]["eps_model"] // 8
    kw = dict(n=2, seed=1, steps=6, keep_trajectory=False)
    assert torch.equal(sample_mnist(shipped, 7, "auto", 0.0, **kw).x, sample_mnist(shipped, 7, "none", 0.0, **kw).x)
    assert not torch.equal(sample_mnist(shipped, 7, "auto", 2.0, **kw).x, sample_mnist(shipped, 7, "cfg", 2.0, **kw).x)


def test_autoguidance_without_a_weak_model_says_how_to_get_one(shipped):
    from dataclasses import replace

    old = replace(shipped, eps_weak=None)  # a checkpoint made before weak models
    with pytest.raises(ValueError, match="has none: retrain it with python -m cfg_core train --dataset mnist"):
        sample_mnist(old, 1, "auto", 1.0, n=1, seed=0, steps=4)


def test_sweep_runs_the_variants_by_default():
    assert SweepConfig().methods == MNIST_SWEEP_METHODS
    assert {"auto", "cfg_interval", "rescale", "threshold", "apg"} <= set(MNIST_SWEEP_METHODS)
    for name in MNIST_SWEEP_METHODS:
        variants.info(name)


def test_sweep_figures_title_the_variants():
    from cfg_core.mnist.figures import _colour, _title

    assert _title("cfg_interval") == variants.VARIANTS["cfg_interval"].title and _colour("cfg_interval")
    assert _title("from_elsewhere") == "from_elsewhere" and _colour("from_elsewhere") is None


def test_cli_samples_mnist_with_autoguidance(tmp_path, capsys):
    from cfg_core.__main__ import main

    out = tmp_path / "auto.npz"
    assert main(["sample", "--dataset", "mnist", "--label", "3", "--guidance", "auto", "--w", "1", "--n", "2",
                 "--steps", "4", "--out", str(out)]) == 0
    assert out.is_file() and "judge accuracy" in capsys.readouterr().out


def test_tab_offers_cfg_next_to_autoguidance_and_the_interval():
    um = pytest.importorskip("ui.mnist")
    if um.MNIST.models() is None:
        pytest.skip("MNIST models not available")
    labels = dict((v, k) for k, v in um.MNIST_CHOICES)
    assert labels["cfg|auto"] == "CFG vs autoguidance" and labels["cfg|cfg_interval"] == "CFG vs CFG, interval"
    view = json.loads(um.mnist_view_now(2, "cfg|cfg_interval", 3.0, 77, "noisy"))
    assert [p["method"] for p in view["panels"]] == ["cfg", "cfg_interval"]
    assert view["panels"][1]["title"].startswith("CFG only for lam in [-1, 3.3]")


def test_ink_error_oracles():
    from cfg_core.mnist.metrics import ink_error

    real = torch.zeros(4, 28, 28)
    real[2:] = 0.5  # class 1 is grey
    labels = [0, 0, 1, 1]
    assert ink_error(real, labels, real, labels) == 0.0
    assert ink_error(torch.ones(4, 28, 28), labels, real, labels) == pytest.approx((1.0 + 0.5) / 2)
    assert ink_error(real[2:], [1, 1], real, labels) == 0.0  # only the classes sampled count


def test_sweep_curves_leave_out_a_metric_an_older_sweep_lacks():
    from explainer.mnist.service import sweep_curves

    rows = [{"method": m, "w": w, "judge_accuracy": 0.9, "fd": 0.2, "diversity": 1.0, "guide_confidence": None}
            for m in ("cfg", "cfg_interval") for w in (0.0, 1.0)]
    curves = sweep_curves({"results": rows})
    assert "ink_error" not in curves and set(curves["fd"]) == {"CFG", "CFG, interval"}
    rows[0]["ink_error"] = rows[1]["ink_error"] = 0.01
    assert set(sweep_curves({"results": rows})["ink_error"]) == {"CFG"}


def test_api_samples_a_later_method_and_refuses_a_pair():
    um = pytest.importorskip("ui.mnist")
    if um.MNIST.models() is None:
        pytest.skip("MNIST models not available")
    import gradio as gr

    out = um.mnist(label=1, method="auto", w=1.0, seed=11)
    assert out["method"] == "auto" and 0 <= out["judge_accuracy"] <= 1 and out["grid_png_base64"]
    with pytest.raises(gr.Error, match="method must be one of apg, auto, cfg, cfg_interval"):
        um.mnist(label=1, method="cfg|auto", w=1.0, seed=11)
