"""The command line of "your own data": data -> fit -> sample/train as a user runs them (in-process, through
conftest.run_cli), and one-line errors."""
import json
import re

import numpy as np
import pytest

from cfg_core.__main__ import main
from cfg_core.mixture_json import load_mixture_file
from conftest import one_line_error, run_cli
from test_points import BAD_CSV, csv_text, two_classes


def ok(capsys, *argv) -> str:
    """Run the command line in-process; it must succeed. Its stdout."""
    status, out, err = run_cli(capsys, *argv)
    assert status == 0, err
    return out


def test_data_fit_sample_and_train_on_the_raw_points(tmp_path, capsys):
    csv_path, fit_path, ck = tmp_path / "moons.csv", tmp_path / "moons.json", tmp_path / "ck"
    out = ok(capsys, "data", "--name", "moons", "--n", "400", "--noise", "0.15", "--seed", "2", "--out", csv_path)
    assert csv_path.read_text().startswith("x,y,label\n") and "upper: 200, lower: 200" in out
    out = ok(capsys, "fit", "--points", csv_path, "--out", fit_path, "--max-components", "4")
    assert out.count("k = ") == 2 and "BIC = " in out and "log-likelihood/point" in out
    mix = load_mixture_file(fit_path)
    assert mix.name == "moons" and mix.class_names == ("upper", "lower")
    ok(capsys, "sample", "--dataset", fit_path, "--score", "exact", "--label", "1", "--guidance", "cfg", "--w", "2",
       "--n", "50", "--steps", "10", "--out", tmp_path / "s.npz")
    assert np.load(tmp_path / "s.npz")["x"].shape == (50, 2)
    ok(capsys, "train", "--dataset", csv_path, "--out", ck, "--steps", "20", "--classifier-steps", "10")
    rec = json.loads((ck / "model.json").read_text())
    assert rec["points"]["path"] == str(csv_path.resolve()) and len(rec["points"]["sha256"]) == 64
    assert rec["points"]["class_counts"] == [200, 200] and rec["mixture"]["classes"] == ["upper", "lower"]
    ok(capsys, "fit", "--points", csv_path, "--out", fit_path)  # the defaults: the fit the checkpoint was paired with
    ok(capsys, "sample", "--dataset", fit_path, "--checkpoint", ck, "--label", "0", "--guidance", "cg", "--w", "1",
       "--n", "20", "--steps", "5", "--out", tmp_path / "l.npz")


def test_data_is_reproducible_and_a_bad_value_is_one_line(tmp_path, capsys):
    outs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for out in outs:
        assert main(["data", "--name", "swiss_roll", "--n", "100", "--seed", "9", "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    line = one_line_error(capsys, ["data", "--name", "blobs", "--n", "5", "--out", tmp_path / "c.csv"])
    assert line == "error: --n must be in [50, 100000], got 5"


@pytest.mark.parametrize("args, message", [
    (["data", "--name", "moons", "--n", "49"], r"--n must be in \[50, 100000\], got 49"),
    (["data", "--name", "moons", "--n", "100001"], r"--n must be in \[50, 100000\]"),
    (["data", "--name", "moons", "--n", "100", "--noise", "-0.5"], r"--noise must be in \[0, 2\]"),
    (["data", "--name", "moons", "--n", "100", "--noise", "3"], r"--noise must be in \[0, 2\]"),
    (["data", "--name", "moons", "--n", "100", "--seed", "-1"], "--seed must be an integer"),
    (["data", "--name", "moons", "--n", "100", "--out", "{tmp}/x.txt"], "--out must be a .csv file"),
    (["fit", "--points", "{good}", "--max-components", "0"], r"--max-components must be an integer in \[1, 12\]"),
    (["fit", "--points", "{good}", "--max-components", "13"], r"--max-components must be an integer in \[1, 12\]"),
    (["fit", "--points", "{good}", "--out", "{tmp}/m.npz"], "--out must be a .json file"),
    (["fit", "--points", "{tmp}/missing.csv"], "points file .*missing.csv does not exist"),
    (["fit", "--points", "{tmp}"], "is not a regular file"),
    (["fit", "--points", "{good}", "--out", "{good}/m.json"], "cannot write to"),
    (["sample", "--dataset", "{good}", "--label", "0", "--guidance", "cfg", "--w", "1", "--n", "5",
      "--out", "{tmp}/s.npz"], "is a CSV of points, not a mixture: fit one first"),
    (["train", "--dataset", "ring", "--rescale", "--out", "{tmp}/ck"], "--rescale applies to a CSV of points"),
    (["train", "--dataset", "{tmp}/missing.csv", "--out", "{tmp}/ck"], "does not exist"),
])
def test_bad_options_one_line_exit_2(tmp_path, capsys, args, message):
    good = tmp_path / "good.csv"
    good.write_text(csv_text(two_classes()))
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{good}", str(good)) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / ("o.csv" if argv[0] == "data" else "o.json"))]
    assert re.search(message, one_line_error(capsys, argv))


@pytest.mark.parametrize("text, message", BAD_CSV, ids=[m[:30] for _, m in BAD_CSV])
def test_every_bad_csv_fails_fit_with_one_line(tmp_path, capsys, text, message):
    bad, out = tmp_path / "bad.csv", tmp_path / "m.json"
    bad.write_text(text)
    line = one_line_error(capsys, ["fit", "--points", bad, "--out", out])
    assert re.search(message, line) and str(bad) in line
    assert not out.exists()  # nothing else changes


def test_rescale_lets_far_data_fit(tmp_path, capsys):
    far = tmp_path / "far.csv"
    far.write_text(csv_text([(800 + 50 * x, 100 * y, n) for x, y, n in two_classes()]))
    assert "within +-30" in one_line_error(capsys, ["fit", "--points", far, "--out", tmp_path / "m.json"])
    assert main(["fit", "--points", str(far), "--rescale", "--out", str(tmp_path / "m.json")]) == 0
    assert load_mixture_file(tmp_path / "m.json").means.abs().max() <= 3.0
