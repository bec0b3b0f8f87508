"""The MNIST tab's selection: built once at the edge from the tab's values or /mnist's arguments, each bad value one
line saying what is allowed; the same values give equal (hashable) selections; on the tab w is snapped to W_GRID
once, /mnist keeps its w; the panels' registry names and grid keys come from it."""
import math
from dataclasses import FrozenInstanceError

import pytest

from explainer.mnist.service import MAX_W, N_GRID, GridKey
from explainer.mnist.selection import CHOICES, NAMES, MnistSelection
from explainer.lab.selection import SelectionError
from explainer.w_grid import W_GRID

GOOD = (3, "cfg|cg", 2.0, 0, "noisy")


@pytest.mark.parametrize("k, bad, match", [
    (0, 10, r"^label must be in \[0, 9\], got '10'$"), (0, 2.5, "^label must be an integer in"),
    (0, True, "^label must be a number"), (0, "three", "^label must be a number"),
    (1, "cfg|zoo", "^method must be one of .*got 'cfg|zoo'$"), (1, None, "^method must be one of"),
    (2, math.nan, r"^w must be a finite number in \[0, 10\]"), (2, 10.5, r"^w must be in \[0, 10\], got '10.5'$"),
    (2, -0.1, r"^w must be in \[0, 10\]"), (2, "2", None), (2, [2], "^w must be a number"),
    (3, -1, r"^seed must be in \[0, "), (3, 2**31, "^seed must be in"), (3, 0.5, "^seed must be an integer"),
    (4, "dirty", "^CG's classifier must be one of clean, noisy, got 'dirty'$")])
def test_each_bad_value_is_one_line(k, bad, match):
    values = list(GOOD)
    values[k] = bad
    if match is None:  # a number as text (a form's value) is read as the number
        assert MnistSelection.from_controls(*values) == MnistSelection()
        return
    with pytest.raises(SelectionError, match=match) as err:
        MnistSelection.from_controls(*values)
    assert "\n" not in str(err.value) and isinstance(err.value, ValueError)


def test_the_same_values_give_equal_selections():
    a = MnistSelection.from_controls(3, "cfg|cg", 2.0, 0, "noisy")
    b = MnistSelection.from_controls(3.0, "cfg|cg", 2.2, 0.0, "noisy")  # 2.2 snaps to 2
    assert a == b == MnistSelection() and hash(a) == hash(b)
    assert type(b.label) is int and type(b.seed) is int and type(b.w) is float
    assert a != MnistSelection.from_controls(3, "cfg|cg", 2.0, 1, "noisy")
    with pytest.raises(FrozenInstanceError):
        a.w = 3.0


@pytest.mark.parametrize("w, snapped", [(0, 0.0), (0.27, 0.3), (2.3, 2.0), (4.9, 4.0), (5.1, 6.0), (10, 10.0)])
def test_the_tab_snaps_w_to_the_grid_once(w, snapped):
    sel = MnistSelection.from_controls(3, "cfg", w, 0)
    assert sel.w == snapped and sel.w in W_GRID and MAX_W == W_GRID[-1]


def test_the_api_takes_one_method_and_keeps_its_w():
    sel = MnistSelection.from_api(1, "auto", 2.3, 11)
    assert (sel.label, sel.method, sel.w, sel.seed, sel.classifier) == (1, "auto", 2.3, 11, "noisy")
    assert sel.keys() == (GridKey(1, "auto", 2.3, 11, N_GRID),)
    with pytest.raises(SelectionError, match="^method must be one of apg, auto, cfg, cfg_interval"):
        MnistSelection.from_api(1, "cfg|auto", 1.0, 11)  # a pair is the tab's, not the API's
    with pytest.raises(SelectionError, match=r"^w must be in \[0, 10\]"):
        MnistSelection.from_api(1, "cfg", 10.5, 11)


def test_panels_and_keys_come_from_the_selection():
    sel = MnistSelection.from_controls(8, "cfg|cg", 6.0, 5, "clean")
    assert sel.methods == ("cfg", "cg_clean")  # CG with its classifier, the registry's name
    assert sel.keys() == (GridKey(8, "cfg", 6.0, 5), GridKey(8, "cg_clean", 6.0, 5))
    assert sel.keys(0.0)[1] == GridKey(8, "cg_clean", 0.0, 5) and sel.key("cfg", 1) == GridKey(8, "cfg", 1.0, 5)
    assert MnistSelection.from_controls(8, "cfg|cg", 6.0, 5, "noisy").methods == ("cfg", "cg")


def test_every_choice_of_the_tab_is_a_valid_selection():
    assert "cfg|cg" in CHOICES and set(NAMES) <= set(CHOICES)
    for choice in CHOICES:
        sel = MnistSelection.from_controls(0, choice, 1.0, 0)
        assert len(sel.methods) == len(choice.split("|"))
