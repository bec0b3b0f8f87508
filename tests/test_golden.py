"""Same seed, same output: the CLI's samples for the shipped checkpoints match files saved before the layered
redesign (tests/golden/, made from tests/golden/cases.json). (The lab's views were checked the same way through
the redesign, commit 7990bc9; the classroom issue then changed their w grid on purpose.)"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from cfg_core.__main__ import main

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = json.loads((GOLDEN / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_samples_unchanged(name, tmp_path):
    out = tmp_path / f"{name}.npz"
    assert main(["sample", *shlex.split(CASES[name]), "--out", str(out)]) == 0
    got, want = np.load(out), np.load(GOLDEN / f"{name}.npz")
    np.testing.assert_array_equal(got["x"], want["x"])
    np.testing.assert_array_equal(got["trajectory"], want["trajectory"])
