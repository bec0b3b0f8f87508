"""The command line: outputs, reproducibility, and one-line errors with exit status 2. Called in-process
(conftest.run_cli: main(argv) with stdout/stderr captured); one test runs `python -m cfg_core` as a user would."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error, run_cli

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, timeout=300):
    """A real `python -m cfg_core` process (slow: each one imports torch)."""
    return subprocess.run([sys.executable, "-m", "cfg_core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def sample_file(capsys, out, *args):
    """Run sample in-process; it must succeed. The arrays it wrote."""
    status, _, err = run_cli(capsys, "sample", *args, "--out", out)
    assert status == 0, err
    return np.load(out)


def test_sample_writes_npz_and_is_reproducible(tmp_path, capsys):
    args = ["--dataset", "ring", "--label", "0", "--guidance", "cfg", "--w", "1.5", "--n", "64", "--steps", "30",
            "--seed", "7"]
    a, b = (sample_file(capsys, tmp_path / name, *args) for name in ("a.npz", "b.npz"))
    assert a["x"].shape == (64, 2) and a["x"].dtype == np.float32
    assert a["trajectory"].shape == (31, 64, 2)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["trajectory"], b["trajectory"])


@pytest.mark.slow  # two processes, each importing torch
def test_sample_as_a_user_runs_it_exit_0_and_the_same_file_from_two_processes(tmp_path, capsys):
    """The real `python -m cfg_core`: exit status 0, one line on stdout naming the file, nothing on stderr, and a
    fresh process with the same seed writes the same samples as this one (no state of a process leaks into them);
    a bad value is exit status 2 and one line on stderr."""
    args = ["sample", "--dataset", "ring", "--label", "1", "--guidance", "cfg", "--w", "2", "--n", "16",
            "--steps", "10", "--seed", "5"]
    for name in ("a.npz", "b.npz"):
        r = cli(*args, "--out", tmp_path / name)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert r.stdout.startswith("wrote 16 samples") and r.stdout.rstrip().endswith(name)
    c = sample_file(capsys, tmp_path / "c.npz", *args[1:])
    assert all(np.array_equal(np.load(tmp_path / n)["x"], c["x"]) for n in ("a.npz", "b.npz"))
    r = cli(*args[:-2], "--seed", "-1", "--out", tmp_path / "d.npz")
    assert r.returncode == 2 and r.stderr.startswith("error: --seed must be") and r.stderr.count("\n") == 1


def test_exact_cfg_and_cg_from_the_cli_agree(tmp_path, capsys, unseen_json):
    xs = []
    for guidance, base in (("cfg", []), ("cg", ["--cg-base", "unconditional"])):  # --cg-base is for CG only
        xs.append(sample_file(capsys, tmp_path / f"{guidance}.npz", "--dataset", unseen_json, "--label", "1",
                              "--guidance", guidance, *base, "--w", "2", "--n", "200", "--score", "exact",
                              "--seed", "3")["x"])
    assert np.abs(xs[0] - xs[1]).max() < 1e-3


def test_train_then_sample_a_json_mixture(tmp_path, capsys, unseen_json):
    ck = tmp_path / "ck"
    status, _, err = run_cli(capsys, "train", "--dataset", unseen_json, "--out", ck, "--steps", "60",
                             "--classifier-steps", "30", "--seed", "4")
    assert status == 0, err
    rec = json.loads((ck / "model.json").read_text())
    assert rec["seed"] == 4 and rec["config"]["steps"] == 60 and "--steps 60" in rec["command"]
    assert "eps_model" in err  # the progress bar
    sample_file(capsys, tmp_path / "s.npz", "--dataset", unseen_json, "--checkpoint", ck, "--label", "0",
                "--guidance", "cg", "--classifier", "clean", "--w", "1", "--n", "10", "--steps", "10")


def test_sweep_writes_json_and_png(tmp_path, capsys):
    status, _, err = run_cli(capsys, "sweep", "--dataset", "three_gaussians", "--score", "exact", "--w", "0,2",
                             "--n", "200", "--steps", "20", "--out", tmp_path / "sw")
    assert status == 0, err
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
def test_bad_input_one_line_exit_2(tmp_path, capsys, args, message):
    args = [a.replace("{bad}", str(tmp_path / "missing")) for a in args]
    # later options win in argparse, so the bad value overrides the good default above
    line = one_line_error(capsys, [*SAMPLE, "--out", tmp_path / "o.npz", *args])
    assert re.search(message, line), line


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not valid JSON"),
    ('{"name": "x", "classes": ["a"], "components": []}', "components must be a non-empty list"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[1, 2], [0, 1]], "weight": 1, "class": 0}]}', "symmetric"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[-1, 0], [0, 1]], "weight": 1, "class": 0}]}', "positive definite"),
    ('{"name": "x", "classes": ["a"], "components": [{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "weight": -1, "class": 0}]}', "weight must be positive"),
])
def test_malformed_mixture_files(tmp_path, capsys, content, message):
    f = tmp_path / "m.json"
    f.write_text(content)
    assert message in one_line_error(capsys, [*SAMPLE, "--dataset", f, "--score", "exact", "--out", tmp_path / "o.npz"])


def test_json_mixture_needs_a_checkpoint_for_learned_score(tmp_path, capsys, unseen_json):
    assert "pass --checkpoint DIR" in one_line_error(capsys, [*SAMPLE, "--dataset", unseen_json,
                                                              "--out", tmp_path / "o.npz"])


def test_unknown_choice_is_argparse_error(tmp_path, capsys):
    line = one_line_error(capsys, [*SAMPLE, "--dataset", "ring", "--guidance", "magic", "--out", tmp_path / "o.npz"])
    assert "invalid choice" in line
