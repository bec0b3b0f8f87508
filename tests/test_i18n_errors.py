"""The Your-data tab's error lines in Korean (explainer.i18n_errors): every refusal the tab's server functions
give for a battery of bad inputs has a Korean shape with the same numbers in it; unknown lines keep their English."""
from __future__ import annotations

import json
import re

import pytest

from cfg_core.toy.points import make_dataset
from explainer import own_data
from explainer.i18n_errors import FALLBACK_KO, PATTERNS, error_json, in_korean
from ui import own_data as ui_own

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PTS = json.dumps(own_data.points_json(make_dataset("circles", 200, seed=0)))
ONE_CLASS = json.dumps({"xy": [[0.1 * i, 0.2] for i in range(20)], "labels": [0] * 20, "class_names": ["A"]})


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _bad_answers(tmp_path) -> list[str]:
    """The English error line of each bad input, as the tab's server functions answer it."""
    rows = "\n".join(f"{i * 0.1:.1f},{i * 0.05:.2f},{'a' if i % 2 else 'b'}" for i in range(40))
    calls = [
        ui_own.fit_points(["{}", 3]),
        ui_own.fit_points(["{broken", 3]),
        ui_own.fit_points([json.dumps({"xy": [], "labels": [], "class_names": ["A", "B"]}), 3]),
        ui_own.fit_points([json.dumps({"xy": [[0, 0], [1, 1]], "labels": [0, 1], "class_names": ["A", "B"]})]),
        ui_own.fit_points([json.dumps({"xy": [[0, 0]], "labels": [0, 1], "class_names": ["A", "B"]})]),
        ui_own.fit_points([json.dumps({"xy": [["a", 0]], "labels": [0], "class_names": ["A", "B"]})]),
        ui_own.fit_points([ONE_CLASS]),
        ui_own.fit_points([PTS, 99]),
        ui_own.fit_points([PTS, "many"]),
        ui_own.drag_preview([json.dumps(json.loads(ui_own.fit_points([PTS, 2]))["mixture"]), 99, [0, 0]]),
        ui_own.drag_preview([json.dumps(json.loads(ui_own.fit_points([PTS, 2]))["mixture"]), 0, [99, 0]]),
        ui_own.drag_preview(["{broken", -1]),
        ui_own.drag_preview([1, 2, 3, 4, 5, 6]),
        ui_own.generate("spirals", 300, 0.1, 0, 4),
        ui_own.generate("moons", 10**7, 0.1, 0, 4),
        ui_own.generate("moons", 300, float("nan"), 0, 4),
        ui_own.upload_csv("", 3),
        ui_own.upload_csv(_csv(tmp_path, "empty.csv", ""), 3),
        ui_own.upload_csv(_csv(tmp_path, "header.csv", "a,b,c\n1,2,3\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "twice.csv", "x,x,y,label\n1,2,3,a\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "word.csv", "x,y,label\nabc,2,a\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "nan.csv", "x,y,label\n1,nan,0\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "fields.csv", "x,y,label\n1,2\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "nolabel.csv", "x,y,label\n1,2, \n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "mixed.csv", "x,y,label\n1,2,0\n1,3,cat\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "float.csv", "x,y,label\n1,2,0.5\n"), 3),
        ui_own.upload_csv(_csv(tmp_path, "few.csv", "x,y,label\n" + rows + "\n0.3,0.3,c\n"), 3),
        ui_own.upload_csv(_bytes(tmp_path, "latin1.csv", b"x,y,label\n1,2,caf\xe9\n"), 3),
    ]
    return [json.loads(text)["error"] for text in calls]


def test_every_refusal_of_the_tab_has_a_korean_shape_with_the_same_numbers(tmp_path):
    errors = _bad_answers(tmp_path)
    assert len(set(errors)) == len(errors)  # each case is a different refusal
    assert not any(str(tmp_path) in e for e in errors)  # a CSV is named by its file name, never a server path
    for message in errors:
        ko = in_korean(message)
        assert not ko.startswith(FALLBACK_KO.split("{")[0]), f"no Korean shape for: {message}"
        assert HANGUL.search(ko), ko
        for number in re.findall(r"\d+", message):  # the line, the limit, the count: all kept
            assert number in ko, (message, ko)


def test_a_csv_line_error_is_translated_inside_its_line_prefix():
    assert in_korean("line 7: x must be a number, got 'abc'") == "7번째 줄: x는 숫자여야 합니다. 받은 값: 'abc'"
    assert in_korean("line 3: class name 0 may have at most 40 characters, got 41").startswith("3번째 줄: 0번 클래스")


def test_an_unknown_line_keeps_its_english_after_a_korean_lead_in():
    ko = in_korean("the moon is made of cheese")
    assert ko == FALLBACK_KO.format(message="the moon is made of cheese") and HANGUL.search(ko)
    assert in_korean("line 2: the moon is made of cheese").endswith("line 2: the moon is made of cheese")


def test_error_json_carries_both_languages():
    out = error_json("no file")
    assert out == {"error": "no file", "error_ko": "파일이 없습니다"}


@pytest.mark.parametrize("pattern, korean", [(p.pattern, ko) for p, ko in PATTERNS])
def test_each_korean_shape_uses_only_its_patterns_values(pattern, korean):
    names = set(re.findall(r"\(\?P<(\w+)>", pattern))
    used = set(re.findall(r"\{(\w+)\}", korean))
    assert used <= names, (pattern, used - names)


def test_the_tab_answers_success_messages_in_both_languages(tmp_path):
    out = json.loads(ui_own.generate("moons", 300, 0.1, 0, 4))
    assert "300 points" in out["message"] and "점 300개" in out["message_ko"]
    path = _csv(tmp_path, "ok.csv", "x,y,label\n" + "\n".join(f"{i * 0.1:.1f},{(i * 7) % 11 * 0.1:.1f},{'ab'[i % 2]}"
                                                             for i in range(40)) + "\n")
    out = json.loads(ui_own.upload_csv(path, 2))
    assert "40 points in 2 classes" in out["message"] and "클래스 2개" in out["message_ko"]
