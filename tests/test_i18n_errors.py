"""The Your-data tab's error lines in both languages (coded errors, explainer.words.explain): every refusal the
tab's server functions give for a battery of bad inputs comes back as {"error": English, "error_ko": Korean}, the
Korean from the catalog with the same numbers in it; an error without a code keeps its English in both."""
from __future__ import annotations

import json
import re

from cfg_core.errors import coded
from cfg_core.toy.points import PointsError, make_dataset, parse_points_csv
from explainer.own_data import service as own_data
from explainer.words import catalog, explain
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
    return [json.loads(text) for text in calls]


def test_every_refusal_of_the_tab_comes_in_korean_with_the_same_numbers(tmp_path):
    answers = _bad_answers(tmp_path)
    errors = [a["error"] for a in answers]
    assert len(set(errors)) == len(errors)  # each case is a different refusal
    assert not any(str(tmp_path) in e for a in answers for e in a.values())  # a CSV is named by its file name
    for answer in answers:
        message, ko = answer["error"], answer["error_ko"]
        assert set(answer) == {"error", "error_ko"} and "\n" not in message + ko
        assert HANGUL.search(ko), f"no Korean for: {message}"
        assert not re.search(r"\b(must|got|line|allowed|needs?)\b", ko), (message, ko)  # no English words left
        for number in re.findall(r"\d+", message):  # the line, the limit, the count: all kept
            assert number in ko, (message, ko)


def test_a_csv_line_error_is_translated_inside_its_line_prefix():
    with_line = _error(lambda: parse_points_csv("x,y,label\n1,2,a\nabc,2,b\n"))
    assert str(with_line) == "line 3: x must be a number, got 'abc'"
    assert explain(with_line, "ko") == "3번째 줄: x는 숫자여야 합니다. 받은 값: 'abc'"
    wrapped = _error(lambda: parse_points_csv("x,y,label\n1,2,0\n1,3,0.5\n"))  # line 3 wraps the label's error
    assert str(wrapped) == "line 3: label '0.5' is a number but not an integer; labels are integers or names"
    assert explain(wrapped, "ko").startswith("3번째 줄: 레이블 '0.5'은(는) 정수가 아닌 숫자")


def test_an_error_without_a_code_keeps_its_english_in_both():
    out = ui_own.error_json(ValueError("the moon is made of cheese\nsecond line"))
    assert out == {"error": "the moon is made of cheese", "error_ko": "the moon is made of cheese"}


def test_error_json_carries_both_languages():
    out = ui_own.error_json(coded(PointsError, "own.no_file", "no file"))
    assert out == {"error": "no file", "error_ko": catalog("ko")["errors.own.no_file"]} and HANGUL.search(out["error_ko"])


def _error(fn) -> Exception:
    try:
        fn()
    except ValueError as err:
        return err
    raise AssertionError("no error")


def test_the_tab_answers_success_messages_in_both_languages(tmp_path):
    out = json.loads(ui_own.generate("moons", 300, 0.1, 0, 4))
    assert "300 points" in out["message"] and "점 300개" in out["message_ko"]
    path = _csv(tmp_path, "ok.csv", "x,y,label\n" + "\n".join(f"{i * 0.1:.1f},{(i * 7) % 11 * 0.1:.1f},{'ab'[i % 2]}"
                                                             for i in range(40)) + "\n")
    out = json.loads(ui_own.upload_csv(path, 2))
    assert "40 points in 2 classes" in out["message"] and "클래스 2개" in out["message_ko"]
