"""The lab's one selection type: validated once, panels per choice, and the URL round trip with fallbacks."""
import math

import pytest

from explainer.lab.selection import CHOICES, CONTROLS, Selection, SelectionError, choice_label


def test_from_values_validates_once_and_normalises():
    sel = Selection.from_values("ring", "", 1.0, "cfg|cg", 2.5, "ddpm", "exact", "clean", "unconditional", -2.0, 7.0,
                                "uncond", 3.0, 2.0, "interval", -1, 2, 0.04, 0.2)
    assert (sel.label, sel.seed, sel.w, sel.corrector_steps) == (1, 7, 2.5, 3) and sel.methods == ("cfg", "cg_clean")
    assert sel.values() == tuple(getattr(sel, k) for k in CONTROLS)
    with pytest.raises(SelectionError, match="expected 19 control values"):
        Selection.from_values("ring", "", 1.0)


@pytest.mark.parametrize("field, value, message", [
    ("w", math.nan, "w must be a finite number in"), ("w", 99, r"w must be in \[0, 10\], got '99'"),
    ("w", True, "w must be a number"), ("w", "two", "w must be a number"), ("label", 1.5, "label must be an integer"),
    ("method", "magic", "method must be one of"), ("dataset", "moons", "unknown dataset 'moons'"),
    ("seed", -1, "seed must be"), ("lam", math.inf, "field noise level"), ("sampler", "euler", "sampler must be"),
    ("reference", "other", "CFG's reference model must be one of"), ("corrector_steps", 21, "corrector steps K"),
    ("corrector_steps", 1.5, "corrector steps K must be an integer"), ("corrector_ratio", -1, "corrector w'/w"),
    ("schedule", "cosine", "weight schedule must be one of"), ("lam_lo", math.nan, "interval start"),
    ("good_blur", 5, "good-model blur"), ("bad_blur", -0.1, "bad-model blur")])
def test_bad_values_are_one_line_errors(field, value, message):
    with pytest.raises(SelectionError, match=message):
        Selection(**{field: value}).validated()


def test_panels_of_pairs_and_combos():
    assert Selection(method="cg:bases").panels() == [("cg", "ddim", "conditional"), ("cg", "ddim", "unconditional")]
    assert Selection(method="cfg:samplers").panels() == [("cfg", "ddim", "conditional"), ("cfg", "ddpm", "conditional")]
    assert Selection(method="scaled|reduced").methods == ("scaled", "reduced")
    assert Selection(method="cfg:corrector").panels() == [("cfg", "ddim", "conditional"), ("cfg", "pc", "conditional")]
    assert Selection(method="cfg|cg", reference="weak").methods == ("auto", "cg")  # the bad-model dropdown
    assert Selection(method="cfg", reference="random").methods == ("icg",)


def test_an_interval_needs_start_before_end():
    with pytest.raises(SelectionError, match="start < end"):
        Selection(schedule="interval", lam_lo=2, lam_hi=1).validated()
    assert Selection(schedule="constant", lam_lo=2, lam_hi=1).validated().lam_lo == 2  # unused: not checked
    assert all(choice_label(c) for c in CHOICES) and choice_label("scaled").endswith("(baseline)")


def test_query_round_trip_with_a_custom_mixture():
    custom = '{"name": "m", "classes": ["a", "b"], "components": []}'
    sel = Selection(dataset="custom", custom_json=custom, label=1, method="cfg|scaled", w=0.37, seed=3)
    back, notices = Selection.from_query(dict(__import__("urllib.parse").parse.parse_qsl(sel.to_query())))
    assert notices == [] and back == Selection(**{**sel.__dict__, "custom_json": back.custom_json})
    assert __import__("json").loads(back.custom_json)["name"] == "m"


@pytest.mark.parametrize("params", [{"w": "NaN"}, {"w": "99"}, {"w": "garbage"}, {"label": "x"},
                                    {"method": "<script>"}, {"dataset": "../../etc"}, {"mix": "!!!"}])
def test_bad_url_values_fall_back_to_defaults_with_a_notice(params):
    sel, notices = Selection.from_query(params)
    assert notices and sel.validated() == sel
    for key in params:
        if key != "mix":
            assert getattr(sel, key) == getattr(Selection(), key)
