"""The command line's contract, strictly: every error one line `error: ...` with exit status 2 (argparse's too, and
running out of memory), no option silently ignored, numbers only as people type them, no abbreviated options,
and nothing left behind by a failed or killed run (empty output folders, hidden temp files). The command line runs
in-process (conftest.one_line_error); real processes only where the process is the point (what a user sees on
stderr, kill -9 mid-write)."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from cfg_core.__main__ import main
from cfg_core.atomic import STALE_AFTER_S, atomic_path, check_writable, remove_stale_temps, write_text_atomic
from conftest import one_line_error

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ["sample", "--dataset", "ring", "--label", "0", "--guidance", "cfg", "--w", "1", "--n", "5", "--steps", "5"]


def sample_argv(tmp_path, *extra):
    """SAMPLE with the later options (argparse: the last value wins) and an --out in tmp_path."""
    return [*SAMPLE, *extra, "--out", tmp_path / "o.npz"]


# --- 1. argparse's errors and running out of memory: one line, exit 2 ---------------------------------------
@pytest.mark.parametrize("extra, message", [
    (["--w", "abc"], "argument --w: not a plain number: 'abc'"),
    (["--label", "0.0"], "argument --label: not an integer: '0.0'"),
    (["--n", "1e3"], "argument --n: not an integer: '1e3'"),
    (["--w", "-inf"], r"--w must be a finite number in \[0, 100\].*got -inf"),  # a value, not an unknown option
    (["--w", "-1e3"], r"--w must be a finite number in \[0, 100\]"),
    (["--guidance", "magic"], "argument --guidance: invalid choice: 'magic'"),
    (["--sampler"], "argument --sampler: expected one argument"),
    (["--no-such-flag", "1"], "unrecognized arguments: --no-such-flag 1"),
])
def test_argparse_errors_are_one_line(tmp_path, capsys, extra, message):
    """argparse's own errors printed the usage (up to 21 lines) before its message; now one line, exit 2."""
    assert re.search(message, one_line_error(capsys, sample_argv(tmp_path, *extra)))


@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "ring", "--p-uncond", "nan", "--out", "{tmp}/ck"], "argument --p-uncond: must be finite"),
    (["train", "--dataset", "ring"], "the following arguments are required: --out"),
    (["sweep", "--dataset", "ring", "--w", "-1,2", "--out", "{tmp}/sw"], r"--w must list values in \[0, 100\]"),
    (["magic"], "argument command: invalid choice: 'magic'"),
    ([], "the following arguments are required: command"),
])
def test_argparse_errors_of_every_parser_are_one_line(tmp_path, capsys, argv, message):
    """The subparsers are CliParsers too: their errors and the top parser's are one line (a list starting
    with a minus sign is a value, not an unknown option)."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert re.search(message, one_line_error(capsys, argv))


def test_argparse_errors_are_one_line_as_a_user_sees_them(tmp_path):
    """The same through python -m cfg_core: stderr is exactly one line, no usage, exit status 2."""
    r = subprocess.run([sys.executable, "-m", "cfg_core", *map(str, sample_argv(tmp_path, "--w", "-inf"))],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "usage" not in r.stderr
    assert r.stderr.startswith("error: --w must be a finite number")


@pytest.mark.parametrize("error", [
    RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: "
                 "you tried to allocate 20070400000 bytes.\nframe #0: ..."),
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
    MemoryError(),
])
def test_out_of_memory_is_one_line_with_a_hint(tmp_path, capsys, monkeypatch, error):
    """A batch too large for the machine printed a 20-line traceback and exit 1: now one line, exit 2."""
    import cfg_core.toy.cli as toy_cli

    def train(args):
        raise error

    monkeypatch.setattr(toy_cli, "train", train)
    line = one_line_error(capsys, ["train", "--dataset", "ring", "--out", tmp_path / "ck"])
    assert line.startswith("error: out of memory: ") and line.endswith("use a smaller --batch-size")
    assert not (tmp_path / "ck").exists()


def test_other_runtime_errors_are_not_hidden(tmp_path, monkeypatch):
    """Only allocation failures become `error: out of memory`; any other RuntimeError is a bug, with its traceback."""
    import cfg_core.toy.cli as toy_cli

    def train(args):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(toy_cli, "train", train)
    with pytest.raises(RuntimeError, match="shapes"):
        main(["train", "--dataset", "ring", "--out", str(tmp_path / "ck")])


@pytest.mark.parametrize("dataset, limit", [("mnist", 1024), ("ring", 65536)])
def test_batch_size_has_an_upper_bound(tmp_path, capsys, dataset, limit):
    """--batch-size 200000 on MNIST asked for a 20 GB tensor; the bound is checked before any work."""
    argv = ["train", "--dataset", dataset, "--steps", "1", "--batch-size", "200000", "--out", tmp_path / "ck"]
    line = one_line_error(capsys, argv)
    assert f"--batch-size must be an integer in [1, {limit}]" in line and "got 200000" in line


# --- 2. nothing accepted silently ----------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["--cg-base", "unconditional"], "--cg-base .* applies to --guidance cg or cg_clean, not cfg"),
    (["--cg-base", "conditional"], "--cg-base .* not cfg"),  # even the default value: it changes nothing
    (["--classifier", "clean"], "--classifier .* applies to --guidance cg, not cfg"),
    (["--guidance", "cg_clean", "--classifier", "noisy"], "cg_clean guides with the clean classifier"),
    (["--device", "cuda"], r"--device applies to --dataset mnist only .*not ring"),
    (["--score", "exact", "--checkpoint", "checkpoints/ring"], "--score exact uses none"),
    (["--interval=100,200"], r"outside the samplers' log-SNR range \[-15, 15\]"),
    (["--interval=-30,-16"], r"outside the samplers' log-SNR range"),
    (["--ste", "5"], "unrecognized arguments: --ste 5"),  # no prefix matching: --ste is not --steps
    (["--mnist-dir", "x"], "unrecognized arguments: --mnist-dir x"),  # sample reads no digits
])
def test_sample_options_that_do_not_apply_are_refused(tmp_path, capsys, argv, message):
    """Each of these used to be dropped silently (same samples as without it)."""
    assert re.search(message, one_line_error(capsys, sample_argv(tmp_path, *argv)))


@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "ring", "--device", "cuda"], "--device applies to --dataset mnist only"),
    (["train", "--dataset", "ring", "--mnist-dir", "x"], "--mnist-dir applies to --dataset mnist only"),
    (["train", "--dataset", "ring", "--resume"], "--resume applies to --dataset mnist only"),
    (["train", "--dataset", "ring", "--checkpoint", "x"], "unrecognized arguments: --checkpoint x"),
    (["train", "--dataset", "mnist", "--classifier-steps", "5"], "--classifier-steps applies to the 2D mixtures"),
    (["train", "--dataset", "ring", "--ste", "5"], "unrecognized arguments: --ste 5"),
    (["sweep", "--dataset", "ring", "--steps-for", "apg=50"], "--steps-for applies to --dataset mnist only"),
    (["sweep", "--dataset", "ring", "--score", "exact", "--checkpoint", "x"], "--score exact uses none"),
    (["sweep", "--dataset", "mnist", "--n", "2", "--steps-for", "icg=50"], "the MNIST sweep does not run icg"),
    (["sweep", "--dataset", "mnist", "--n", "2", "--steps-for", "apg=50,apg=20"], "names apg twice"),
    (["data", "--name", "moons", "--n", "100", "--noi", "0.1"], "unrecognized arguments: --noi 0.1"),
])
def test_train_sweep_options_that_do_not_apply_are_refused(tmp_path, capsys, argv, message):
    """The same for train, sweep and data: a flag that would change nothing is an error, before any work."""
    out = tmp_path / ("o.csv" if argv[0] == "data" else "out")
    assert re.search(message, one_line_error(capsys, [*argv, "--out", out]))
    assert not out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--w", "1_0"], "argument --w: not a plain number: '1_0'"),  # float('1_0') == 10.0
    (["--w", "３"], "argument --w: not a plain number"),  # full-width digit: float('３') == 3.0
    (["--w", "٣"], "argument --w: not a plain number"),  # Arabic-Indic digit
    (["--label", "１"], "argument --label: not an integer: '１'"),
    (["--n", "1_0"], "argument --n: not an integer"),
    (["--seed", "٣"], "argument --seed: not an integer"),
    (["--noise-scale", "1_0"], "argument --noise-scale: not a plain number"),
    (["--interval=1_0,12"], "--interval takes two finite log-SNR values"),
    (["--interval=０,1"], "--interval takes two finite log-SNR values"),
])
def test_numbers_parse_strictly(tmp_path, capsys, extra, message):
    """Python's float() and int() take underscores and any Unicode digit; the command line takes ASCII only."""
    assert re.search(message, one_line_error(capsys, sample_argv(tmp_path, *extra)))


@pytest.mark.parametrize("argv, message", [
    (["sweep", "--dataset", "three_gaussians", "--w", "0,1_0"], "--w takes comma-separated finite numbers"),
    (["sweep", "--dataset", "mnist", "--n", "2", "--steps-for", "apg=５0"], "--steps-for takes METHOD=STEPS"),
    (["sweep", "--dataset", "mnist", "--n", "2", "--steps-for", "apg=٥0"], "--steps-for takes METHOD=STEPS"),
    (["data", "--name", "moons", "--n", "１00"], "argument --n: not an integer"),
    (["fit", "--points", "x.csv", "--max-components", "٣"], "argument --max-components: not an integer"),
])
def test_numbers_in_lists_and_other_commands_parse_strictly(tmp_path, capsys, argv, message):
    """The sweep's --w list, --steps-for's STEPS (str.isdigit took '５'), data and fit."""
    out = tmp_path / {"data": "o.csv", "fit": "o.json"}.get(argv[0], "out")
    assert re.search(message, one_line_error(capsys, [*argv, "--out", out]))


def test_plain_numbers_and_negative_values_still_work(tmp_path):
    """What people type keeps working: 1e-1, .5, +2, a negative --apg-beta, --interval=-2,1 (same samples)."""
    exact = ["sample", "--dataset", "three_gaussians", "--score", "exact", "--label", "0", "--n", "20",
             "--steps", "8", "--seed", "+3"]
    assert main([*exact, "--guidance", "apg", "--w", "2e0", "--apg-beta", "-0.25", "--apg-eta", ".5",
                 "--out", str(tmp_path / "a.npz")]) == 0
    assert main([*exact, "--guidance", "cfg", "--w", "3", "--interval", "-2,1", "--out", str(tmp_path / "b.npz")]) == 0
    assert main([*exact, "--guidance", "cfg", "--w", "3.0", "--interval=-2,1", "--out", str(tmp_path / "c.npz")]) == 0
    assert np.array_equal(np.load(tmp_path / "b.npz")["x"], np.load(tmp_path / "c.npz")["x"])


# --- 3. nothing left behind --------------------------------------------------------------------------
@pytest.mark.parametrize("argv, out", [
    (["train", "--dataset", "spiral"], "new/deeper/ck"),  # refused by the handler (unknown preset)
    (["train", "--dataset", "{tmp}/missing.csv"], "new/deeper/ck"),
    (["sweep", "--dataset", "ring", "--w", "0,500"], "new/deeper/sw"),  # refused after the writability check
    (["sweep", "--dataset", "spiral", "--score", "exact"], "new/deeper/sw"),
    ([*SAMPLE[:3], "--label", "9", *SAMPLE[5:]], "new/deeper/o.npz"),  # the label is checked by run_sample
    (["fit", "--points", "{tmp}/missing.csv"], "new/deeper/m.json"),
])
def test_a_failed_run_leaves_no_output_folder(tmp_path, capsys, argv, out):
    """--out's folders were made before the checks, so every failed train/sweep left an empty one behind."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    one_line_error(capsys, [*argv, "--out", tmp_path / out])
    assert sorted(tmp_path.iterdir()) == []


def test_a_run_that_fails_after_making_its_folder_removes_it_but_keeps_files_and_old_folders(tmp_path, capsys,
                                                                                              monkeypatch):
    """A handler that made --out and then failed: the empty folders it made go; a folder that was there stays."""
    import cfg_core.toy.cli as toy_cli

    def sweep(args):
        Path(args.out).mkdir(parents=True)
        raise ValueError("failed after mkdir")

    monkeypatch.setattr(toy_cli, "sweep", sweep)
    one_line_error(capsys, ["sweep", "--dataset", "ring", "--out", tmp_path / "a" / "b"])
    assert sorted(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    one_line_error(capsys, ["sweep", "--dataset", "ring", "--out", tmp_path / "kept" / "b"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept"]


def test_check_writable_creates_nothing(tmp_path):
    """The early check probes the nearest existing folder; the folders themselves are made by the write."""
    assert check_writable(tmp_path / "a" / "b" / "s.npz") == tmp_path / "a" / "b" / "s.npz"
    check_writable(tmp_path / "c" / "d", is_dir=True)
    assert sorted(tmp_path.iterdir()) == []
    (tmp_path / "f").write_text("x")
    with pytest.raises(OSError, match="is not a folder"):
        check_writable(tmp_path / "f" / "s.npz")


def test_atomic_write_removes_its_temp_file_on_any_failure(tmp_path):
    """An exception, Ctrl-C or sys.exit inside the block deletes the temp file and keeps the old target."""
    target = tmp_path / "s.txt"
    target.write_text("old")
    for error in (ValueError("boom"), KeyboardInterrupt(), SystemExit(3)):
        with pytest.raises(type(error)):
            with atomic_path(target) as tmp:
                tmp.write_text("half")
                raise error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.txt"] and target.read_text() == "old"


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_are_removed_by_the_next_write(tmp_path):
    """Temp files of a killed writer (its process gone, or untouched for STALE_AFTER_S) go; a live one and files
    that are not ours stay."""
    folder = tmp_path
    dead = folder / f".s.npz.abcd1234.{dead_pid()}.tmp.npz"
    old = folder / ".s.npz.k2j3h4g5.tmp.npz"  # the name before the pid was in it: stale by age only
    probe = folder / f".write-test-{dead_pid()}-a1b2c3d4"
    live = folder / f".s.npz.zzzz9999.{os.getpid()}.tmp.npz"
    young = folder / ".t.json.q1w2e3r4.tmp.json"
    mine = [folder / ".hidden.npz", folder / ".s.npz.notatemp.tmp.csv", folder / "s.npz.abcd1234.1.tmp.npz"]
    for path in (dead, old, probe, live, young, *mine):
        path.write_bytes(b"partial")
    long_ago = time.time() - STALE_AFTER_S - 60
    os.utime(old, (long_ago, long_ago))
    write_text_atomic(folder / "other.txt", "new")
    left = {p.name for p in folder.iterdir()}
    assert left == {"other.txt", live.name, young.name, *(p.name for p in mine)}
    os.utime(live, (long_ago, long_ago))  # a live writer's file untouched for so long is a leftover too
    assert remove_stale_temps(folder) == [live]


def test_a_run_after_kill_9_mid_write_removes_the_temp_file(tmp_path, capsys):
    """kill -9 cannot run a finally: the next run that checks or writes that folder removes the leftover."""
    target = tmp_path / "p.csv"
    code = ("import os, signal, sys\nfrom cfg_core.atomic import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n    tmp.write_text('x,y,label')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, timeout=60)
    assert proc.returncode == -9
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".p.csv.")]  # the leftover
    assert main(["data", "--name", "moons", "--n", "100", "--out", str(target)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]
    proc = subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, timeout=60)
    assert proc.returncode == -9 and len(list(tmp_path.iterdir())) == 2
    one_line_error(capsys, ["fit", "--points", tmp_path / "missing.csv", "--out", tmp_path / "m.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]  # a refused run's early check cleans too
