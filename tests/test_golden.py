"""Same seed, same output: the CLI's samples for the shipped checkpoints match files saved before the layered
redesign (tests/golden/, made from tests/golden/cases.json), bit for bit in 2D and to float32 rounding on MNIST.
(The lab's views were checked the same way through the redesign, commit 7990bc9; the classroom issue then changed
their w grid on purpose.)"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from cfg_core.__main__ import main

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = json.loads((GOLDEN / "cases.json").read_text())["cases"]


# The MNIST U-Net's convolutions go through oneDNN, which picks its kernels by the CPU's instruction set (AVX2 or
# AVX-512), so float32 sums differ in their last bits between machines: up to 7e-4 on pixels in [0, 1] after 50
# steps (measured between an AVX-512 and an AVX2 machine). Any real change (another seed, method or step) moves
# pixels by ~1. The 2D networks are small matrix products and stay bit-identical.
MNIST_ATOL = 2e-3


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_samples_unchanged(name, tmp_path):
    out = tmp_path / f"{name}.npz"
    assert main(["sample", *shlex.split(CASES[name]), "--out", str(out)]) == 0
    got, want = np.load(out), np.load(GOLDEN / f"{name}.npz")
    for key in ("x", "trajectory"):
        if name.startswith("mnist"):
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=MNIST_ATOL)
        else:
            np.testing.assert_array_equal(got[key], want[key])
