"""The command line, run as a user would: outputs, reproducibility, and one-line errors with exit status 2."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "cfg_core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_sample_writes_npz_and_is_reproducible(tmp_path):
    outs = []
    for name in ("a.npz", "b.npz"):
        r = cli("sample", "--dataset", "ring", "--label", "0", "--guidance", "cfg", "--w", "1.5", "--n", "64",
                "--steps", "30", "--seed", "7", "--out", tmp_path / name)
        assert r.returncode == 0, r.stderr
        outs.append(np.load(tmp_path / name))
    a, b = outs
    assert a["x"].shape == (64, 2) and a["x"].dtype == np.float32
    assert a["trajectory"].shape == (31, 64, 2)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["trajectory"], b["trajectory"])


def test_exact_cfg_and_cg_from_the_cli_agree(tmp_path, unseen_json):
    xs = []
    for guidance, base in (("cfg", []), ("cg", ["--cg-base", "unconditional"])):  # --cg-base is for CG only
        out = tmp_path / f"{guidance}.npz"
        r = cli("sample", "--dataset", unseen_json, "--label", "1", "--guidance", guidance, *base,
                "--w", "2", "--n", "200", "--score", "exact", "--seed", "3", "--out", out)
        assert r.returncode == 0, r.stderr
        xs.append(np.load(out)["x"])
    assert np.abs(xs[0] - xs[1]).max() < 1e-3


def test_train_then_sample_a_json_mixture(tmp_path, unseen_json):
    ck = tmp_path / "ck"
    r = cli("train", "--dataset", unseen_json, "--out", ck, "--steps", "60", "--classifier-steps", "30", "--seed", "4")
    assert r.returncode == 0, r.stderr
    rec = json.loads((ck / "model.json").read_text())
    assert rec["seed"] == 4 and rec["config"]["steps"] == 60 and "--steps 60" in rec["command"]
    assert "eps_model" in r.stderr  # the progress bar
    r = cli("sample", "--dataset", unseen_json, "--checkpoint", ck, "--label", "0", "--guidance", "cg",
            "--classifier", "clean", "--w", "1", "--n", "10", "--steps", "10", "--out", tmp_path / "s.npz")
    assert r.returncode == 0, r.stderr


def test_sweep_writes_json_and_png(tmp_path):
    r = cli("sweep", "--dataset", "three_gaussians", "--score", "exact", "--w", "0,2", "--n", "200",
            "--steps", "20", "--out", tmp_path / "sw")
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    rows = {(row["method"], row["w"]): row for row in data["rows"]}
    assert set(m for m, _ in rows) == {"cfg", "cg", "cg_clean", "scaled", "reduced"}
    assert rows[("cfg", 2.0)]["mean_posterior"] > rows[("cfg", 0.0)]["mean_posterior"]
    assert (tmp_path / "sw" / "sweep.png").read_bytes()[:4] == b"\x89PNG"


SAMPLE = ["sample", "--label", "0", "--guidance", "cfg", "--w", "1", "--n", "5", "--steps", "5"]


@pytest.mark.parametrize("args, message", [
    (["--dataset", "spiral"], "unknown preset 'spiral'; choose one of three_gaussians"),
    (["--dataset", "{bad}.json"], "does not exist"),
    (["--dataset", "ring", "--label", "9"], r"label must be an integer in \[0, 1\]"),
    (["--dataset", "ring", "--w", "nan"], "--w must be a finite number"),
    (["--dataset", "ring", "--w", "inf"], "--w must be a finite number"),
    (["--dataset", "ring", "--w", "-2"], "--w must be a finite number"),
    (["--dataset", "ring", "--n", "0"], r"--n must be in \[1, 100000\]"),
    (["--dataset", "ring", "--n", "1000000000"], r"--n must be in \[1, 100000\]"),
    (["--dataset", "ring", "--checkpoint", "/nonexistent/ck"], "no checkpoint in /nonexistent/ck"),
    (["--dataset", "ring", "--noise-scale", "2"], "--noise-scale must be in"),
    (["--dataset", "ring", "--noise-scale", "0.5"], "add --sampler ddpm"),
    (["--dataset", "ring", "--steps", "1"], "steps must be an integer"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, message):
    args = [a.replace("{bad}", str(tmp_path / "missing")) for a in args]
    argv = SAMPLE + ["--out", str(tmp_path / "o.npz")]
    # later options win in argparse, so the bad value overrides the good default above
    r = cli(*argv, *args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    import re
    assert re.search(message, lines[0]), lines[0]


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not valid JSON"),
    ('{"name": "x", "classes": ["a"], "components": []}', "components must be a non-empty list"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[1, 2], [0, 1]], "weight": 1, "class": 0}]}', "symmetric"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[-1, 0], [0, 1]], "weight": 1, "class": 0}]}', "positive definite"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "weight": -1, "class": 0}]}', "weight must be positive"),
])
def test_malformed_mixture_files(tmp_path, content, message):
    f = tmp_path / "m.json"
    f.write_text(content)
    r = cli(*SAMPLE, "--dataset", f, "--score", "exact", "--out", tmp_path / "o.npz")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_json_mixture_needs_a_checkpoint_for_learned_score(tmp_path, unseen_json):
    r = cli(*SAMPLE, "--dataset", unseen_json, "--out", tmp_path / "o.npz")
    assert r.returncode == 2 and "pass --checkpoint DIR" in r.stderr


def test_unknown_choice_is_argparse_error(tmp_path):
    r = cli(*SAMPLE, "--dataset", "ring", "--guidance", "magic", "--out", tmp_path / "o.npz")
    assert r.returncode == 2 and "invalid choice" in r.stderr and "Traceback" not in r.stderr
