"""The result scripts' bookkeeping (no sampling): mnist_variants joins runs made separately and tabulates means over
seeds; mnist_strength reads its --cells."""
from __future__ import annotations

import json

import pytest

from scripts.experiments.mnist_strength import parse_cells
from scripts.experiments.mnist_variants import VARIANTS, merge, table

AUTO, INTERVAL = list(VARIANTS)[2], list(VARIANTS)[1]


def _row(variant, w, seed, acc):
    return {"variant": variant, "w": w, "seed": seed, "judge_accuracy": acc, "fd": 10 * (1 - acc), "diversity": 1.0,
            "inception_score": 9.0, "ink_error": 0.01}


def _run(path, rows, n=100, **extra):
    path.write_text(json.dumps({"n_per_class": n, "steps": 50, "sampler": "ddim", "interval": [-1, 3.3],
                                "seeds": sorted({r["seed"] for r in rows}), "ws": sorted({r["w"] for r in rows}),
                                "targets_only": True, "real_mean_intensity": 0.13, "results": rows,
                                "date": "2026-12-01", "command": "python scripts/experiments/mnist_variants.py", "machine": "m",
                                "seconds": 5, **extra}))
    return str(path)


def test_merge_joins_seeds_and_the_table_gives_means_and_spread(tmp_path):
    a = _run(tmp_path / "a.json", [_row(AUTO, 3.0, 0, 0.90), _row("cfg", 3.0, 0, 0.99), _row("cfg", 0.0, 0, 0.80)])
    b = _run(tmp_path / "b.json", [_row("cfg", 3.0, 1, 0.97), _row(AUTO, 3.0, 1, 0.94), _row(INTERVAL, 3.0, 1, 0.93)])
    merged = merge([a, b])
    assert merged["seeds"] == [0, 1] and merged["ws"] == [0.0, 3.0] and len(merged["results"]) == 6
    assert [m["file"] for m in merged["merged_from"]] == ["a.json", "b.json"]
    lines = table(merged).splitlines()[2:]
    assert [line.split(" | ")[1] for line in lines] == ["cfg", "cfg", INTERVAL, AUTO]  # by w, then VARIANTS order
    assert lines[1].startswith("| 3 | cfg | 2 | 0.980 ± 0.014 |")
    assert lines[2].startswith(f"| 3 | {INTERVAL} | 1 | 0.930 |")  # one seed: no spread


def test_merge_refuses_other_settings_and_repeated_rows(tmp_path):
    a = _run(tmp_path / "a.json", [_row("cfg", 3.0, 0, 0.99)])
    with pytest.raises(ValueError, match="differs"):
        merge([a, _run(tmp_path / "b.json", [_row("cfg", 3.0, 1, 0.99)], n=50)])
    with pytest.raises(ValueError, match="repeat"):
        merge([a, _run(tmp_path / "c.json", [_row("cfg", 3.0, 0, 0.98)])])


def test_parse_cells():
    assert parse_cells("ddpm:256:0,ddim:25:3") == (("ddpm", 256, 0.0), ("ddim", 25, 3.0))
    for bad in ("ddpm:256", "pc:10:1", "ddim:x:1", "ddim:0:1"):
        with pytest.raises(ValueError, match="SAMPLER:STEPS:W"):
            parse_cells(bad)


def test_strength_grades_the_same_samples_with_another_judge():
    """measure with other_judge = the checkpoint's own judge gives the same accuracy twice (same samples)."""
    from cfg_core.mnist.models import load_mnist_models
    from scripts.experiments.mnist_strength import measure

    own = load_mnist_models().judge
    res = measure(None, n=2, seeds=[0], cells=(("ddpm", 3, 0.0),), other_judge=own)
    row = res["rows"][0]
    assert row["accuracy"] == row["accuracy_other_judge"] and row["per_seed_other_judge"] == row["per_seed"]
    assert "accuracy_other_judge" not in measure(None, n=2, seeds=[0], cells=(("ddpm", 3, 0.0),))["rows"][0]


@pytest.mark.slow  # trains MNIST networks (~15 s)
def test_generalisation_script_compares_guide_and_held_out_losses(tmp_path):
    from scripts.experiments.mnist_generalisation import main

    out = tmp_path / "g.json"
    assert main(["--lams=-1,6", "--repeats", "1", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    rows = data["results"][0]["rows"]
    assert [r["lam"] for r in rows] == [-1.0, 6.0] and data["n_digits"] == 500
    for r in rows:
        assert 0 < r["guide"] < 1 and 0 < r["held_out"] < 1
        assert r["gap"] == pytest.approx(r["held_out"] / r["guide"] - 1)
    assert rows[0]["guide"] < rows[1]["guide"]  # eps is harder to tell at high log-SNR (little noise in z)


def test_variants_sample_as_the_tab_does_when_asked():
    from scripts.experiments.mnist_variants import sampler_of

    assert sampler_of("cfg", tab=False) == ("ddim", 50) and sampler_of("apg", tab=False) == ("ddim", 50)
    assert sampler_of("cfg", tab=True) == ("ddpm", 16) and sampler_of("cfg_interval", tab=True) == ("ddpm", 16)
    assert sampler_of("apg", tab=True) == ("ddpm", 50)  # APG's momentum is tuned for 50 steps


@pytest.mark.slow  # retrains an MNIST network (~15 s)
def test_ablation_retrains_only_the_eps_network_and_keeps_the_judge(tmp_path, monkeypatch):
    from cfg_core.checkpoint import load_checkpoint
    from cfg_core.mnist.training import MnistTrainConfig
    from cfg_core.paths import MNIST_CHECKPOINT as source
    from scripts.experiments import mnist_ablation

    if not (source / "model.json").exists():
        pytest.skip("no shipped MNIST checkpoint")
    out = tmp_path / "abl"
    monkeypatch.setattr("sys.argv", ["mnist_ablation.py", "--out", str(out), "--p-aug", "0", "--steps", "2"])
    mnist_ablation.main()
    new, record = load_checkpoint(out)
    old, _ = load_checkpoint(source)
    for name in mnist_ablation.CLASSIFIERS:  # copied, so the ablation is graded by the same judge
        assert all((new[name][k] == old[name][k]).all() for k in old[name])
        assert record["steps"][name] == MnistTrainConfig().steps_of(name)
    assert record["steps"]["eps_model"] == 2 and record["config"]["p_aug"] == 0 and record["finished"]
    assert "aug_dim" not in record["modules"]["eps_model"]  # no augmentation input without augmentation
    assert not all((new["eps_model"][k] == old["eps_model"][k]).all() for k in new["eps_model"] if k in old["eps_model"])
