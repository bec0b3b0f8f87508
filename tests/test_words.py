"""The one word catalog (explainer/locales/<lang>/<part>.json, explainer.words) and the coded errors it words.

Every part has the same keys with the same placeholders in every language; every code the source raises with
cfg_core.errors.coded (found by reading the source with ast) is in errors.json of every language, its English
template the very one written at the raise site; explain() says real refusals in Korean, and an error it cannot
word (no code, an unknown code, a value missing) as its English line, never a blank."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from cfg_core.errors import Phrase, coded, recoded
from cfg_core.mixture_json import MixtureError, load_preset
from cfg_core.toy.points import PointsError, parse_points_csv, points_from_arrays
from explainer.lab.selection import Selection, SelectionError, parse_number
from explainer.words import LANGUAGES, LOCALES, catalog, explain, placeholders

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("cfg_core", "explainer", "ui")  # the folders whose raise sites are scanned
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _part(lang: str, name: str) -> dict[str, str]:
    return json.loads((LOCALES / lang / f"{name}.json").read_text(encoding="utf-8"))


def _raised_codes() -> dict[str, list[tuple[str, str]]]:
    """code -> [(where, the English template)] for every coded(kind, "code", "template", ...) call in the source."""
    found: dict[str, list[tuple[str, str]]] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "cfg_core" / "errors.py":
                continue  # coded's own definition and recoded (which passes a code along)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                func = getattr(node, "func", None)
                if isinstance(node, ast.Call) and getattr(func, "id", getattr(func, "attr", None)) == "coded":
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    code, template = node.args[1], node.args[2]
                    assert all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in (code, template)), \
                        f"{where}: the code and the English template must be string literals"
                    found.setdefault(code.value, []).append((where, template.value))
    return found


PARTS = sorted({p.stem for lang in LANGUAGES for p in (LOCALES / lang).glob("*.json")})
RAISED = _raised_codes()


@pytest.mark.parametrize("part", PARTS)
def test_every_part_has_the_same_keys_and_placeholders_in_every_language(part):
    words = {}
    for lang in LANGUAGES:
        assert (LOCALES / lang / f"{part}.json").is_file(), f"{lang} has no {part}.json"
        words[lang] = _part(lang, part)
        assert all(isinstance(v, str) and v.strip() for v in words[lang].values()), f"{lang}/{part}: a blank"
    en = words["en"]
    for lang, other in words.items():
        assert set(other) == set(en), f"{lang}/{part}.json: missing {set(en) - set(other)}, extra {set(other) - set(en)}"
        for key, template in other.items():
            assert placeholders(template) == placeholders(en[key]), f"{lang}/{part}.json {key}: {template!r}"


def test_the_scan_finds_the_coded_raise_sites():
    assert len(RAISED) >= 90  # points, CSV, mixtures, the tab, selection values, links, the lab's caps, names
    assert {"points.too_many", "csv.not_a_number", "mixture.unknown_preset", "link.not_a_number"} <= set(RAISED)


@pytest.mark.parametrize("code", sorted(RAISED))
def test_every_raised_code_is_worded_in_every_language(code):
    english = {template for _, template in RAISED[code]}
    assert len(english) == 1, f"{code} is raised with different English: {RAISED[code]}"
    template = english.pop()
    assert _part("en", "errors").get(code) == template, f"errors.json (en) {code} differs from {RAISED[code][0][0]}"
    for lang in LANGUAGES:
        assert f"errors.{code}" in catalog(lang), f"{lang}/errors.json has no {code} ({RAISED[code][0][0]})"
        assert placeholders(catalog(lang)[f"errors.{code}"]) == placeholders(template), (lang, code)


def _error(fn) -> Exception:
    try:
        fn()
    except ValueError as err:
        return err
    raise AssertionError("no error raised")


def test_a_bad_csv_line_in_korean():
    err = _error(lambda: parse_points_csv("x,y,label\n1,2,a\nabc,2,b\n"))
    assert isinstance(err, PointsError) and err.code == "csv.not_a_number"
    assert str(err) == explain(err, "en") == "line 3: x must be a number, got 'abc'"  # the CLI's line, unchanged
    assert explain(err, "ko") == "3번째 줄: x는 숫자여야 합니다. 받은 값: 'abc'"


def test_too_many_points_in_korean():
    n = 100_001
    err = _error(lambda: points_from_arrays(np.zeros((n, 2)), np.zeros(n, dtype=int), ["a", "b"]))
    assert str(err) == "at most 100000 points are allowed, got 100001" and err.params == {"max": 100000, "n": n}
    assert explain(err, "ko") == "점은 최대 100000개까지입니다. 받은 수: 100001"


def test_an_unknown_preset_in_korean():
    err = _error(lambda: load_preset("spiral"))
    assert isinstance(err, MixtureError) and str(err).startswith("unknown preset 'spiral'; choose one of")
    ko = explain(err, "ko")
    assert HANGUL.search(ko) and "'spiral'" in ko and "three_gaussians" in ko and "unknown" not in ko


def test_a_bad_link_number_in_korean():
    err = _error(lambda: parse_number("１0", "w"))
    assert isinstance(err, SelectionError) and str(err) == "w must be a plain decimal number, got '１0'"
    assert explain(err, "ko") == "w: 일반 십진수여야 합니다. 받은 값: '１0'"
    _, notices = Selection.from_query({"seed": "1_0"})  # a link's notice is a Phrase: a str with a code
    assert notices == ["seed='1_0' is not valid here; using 0"] and isinstance(notices[0], Phrase)
    assert explain(notices[0], "ko") == "seed='1_0': 여기서 쓸 수 없어 0을(를) 씁니다"


def test_a_wrapped_error_and_a_named_value_are_said_in_the_same_language():
    err = _error(lambda: points_from_arrays(np.random.default_rng(0).random((20, 2)), [0, 1] * 10, ["a/b", "c"]))
    assert str(err).startswith("class name 0 must be printable text")  # a MixtureError's code kept as a PointsError
    assert isinstance(err, PointsError) and explain(err, "ko").startswith("0번 클래스 이름에는")
    outer = coded(PointsError, "csv.in_file", "{file}: {reason}", file="/tmp/x/up.csv", reason=err)
    renamed = recoded(PointsError, outer, file="up.csv")
    assert str(renamed) == f"up.csv: {err}" and explain(renamed, "ko").startswith("up.csv: 0번 클래스 이름에는")


def test_errors_without_a_code_are_said_in_english():
    assert explain(ValueError("the moon is made of cheese\nmore detail"), "ko") == "the moon is made of cheese"
    assert explain(ValueError(""), "ko") == "ValueError"  # never a blank


def test_an_unknown_code_or_a_missing_value_falls_back_to_the_english_line():
    unknown = coded(ValueError, "no.such_code", "at most {max} things, got {n}", max=3, n=4)
    assert explain(unknown, "ko") == "at most 3 things, got 4"
    missing = coded(PointsError, "points.too_many", "at most {max} points are allowed, got {n}", max=3, n=4)
    del missing.params["n"]  # the Korean template cannot be filled: English, not an error
    assert explain(missing, "ko") == "at most 3 points are allowed, got 4"
    assert explain(unknown, "xx") == explain(unknown, "en") == "at most 3 things, got 4"
