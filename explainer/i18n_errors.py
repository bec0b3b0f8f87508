"""The *Your data* tab's error messages in Korean.

The library words every refusal as one English line (cfg_core.toy.points, cfg_core.mixture_json, explainer.own_data,
explainer.selection); the tab shows it on the canvas. This module maps each known shape of those lines to Korean
with the same values in it (the file's line number, the bad value, the limit), so a Korean class reads what went
wrong in Korean. A line no pattern knows keeps its English after a Korean lead-in: never a blank or a wrong message.

    in_korean("line 3: x must be a number, got 'abc'")   -> "3번째 줄: x는 숫자여야 합니다. 받은 값: 'abc'"
    error_json("...")                                       -> {"error": English, "error_ko": Korean}
Nothing here imports gradio.
"""
from __future__ import annotations

import re

FALLBACK_KO = "입력을 쓸 수 없습니다 (영어 원문): {message}"

# (the English line as a regular expression, its Korean with the same named groups); first match wins, so the
# general shapes (a named value out of range) come after the specific ones
_PATTERNS = [
    (r"line (?P<line>\d+): (?P<rest>.+)", "{line}번째 줄: {rest}"),  # a CSV line's error: the rest is translated too
    (r"no points yet: paint some, pick a data set or upload a CSV",
     "아직 점이 없습니다: 점을 칠하거나, 데이터셋을 고르거나, CSV를 올리세요"),
    (r"no fitted mixture yet: press Fit first", "아직 맞춘 혼합 분포가 없습니다: 먼저 맞추기를 누르세요"),
    (r"the fitted mixture could not be read: press Fit again", "맞춘 혼합 분포를 읽을 수 없습니다: 다시 맞추기를 누르세요"),
    (r"the points are too large \((?P<n>\d+) bytes; at most (?P<max>\d+)\)",
     "점 데이터가 너무 큽니다 ({n}바이트; 최대 {max})"),
    (r"the points are not valid JSON", "점 데이터가 올바른 JSON이 아닙니다"),
    (r"points need xy, labels and class_names", "점 데이터에는 xy, labels, class_names가 있어야 합니다"),
    (r"xy and labels must be lists of the same length", "xy와 labels는 길이가 같은 목록이어야 합니다"),
    (r"at most (?P<max>\d+) points(?: are allowed)?, got (?P<n>\d+)", "점은 최대 {max}개까지입니다. 받은 수: {n}"),
    (r"at most (?P<max>\d+) points are allowed; the CSV has more", "점은 최대 {max}개까지입니다. CSV에 그보다 많습니다"),
    (r"every point must be two numbers \[x, y\]", "모든 점은 두 숫자 [x, y]여야 합니다"),
    (r"labels must be class indices \(integers\)", "레이블은 클래스 번호(정수)여야 합니다"),
    (r"labels must be class indices in \[0, (?P<hi>\d+)\], got (?P<lo_got>-?\d+)\.\.(?P<hi_got>-?\d+)",
     "레이블은 [0, {hi}] 범위의 클래스 번호여야 합니다. 받은 범위: {lo_got}..{hi_got}"),
    (r"labels must be N = (?P<n>\d+) integers, got shape (?P<shape>.+)",
     "레이블은 정수 N = {n}개여야 합니다. 받은 모양: {shape}"),
    (r"points must be an array of shape \[N, 2\] \(x, y\), got shape (?P<shape>.+)",
     "점은 [N, 2] 모양(x, y)의 배열이어야 합니다. 받은 모양: {shape}"),
    (r"coordinates must be finite numbers; point (?P<k>\d+) is (?P<xy>.+)",
     "좌표는 유한한 숫자여야 합니다. {k}번 점: {xy}"),
    (r"all (?P<n>\d+) points are the same point (?P<xy>.+): there is nothing to fit",
     "{n}개의 점이 모두 같은 점 {xy}입니다: 맞출 것이 없습니다"),
    (r"coordinates must lie within \+-(?P<max>[\d.]+) \(the lab's window is about \+-4\), point (?P<k>\d+) is "
     r"(?P<xy>.+?): rescale the data into the window \(the rescale option\)",
     "좌표는 ±{max} 안에 있어야 합니다 (실험실 창은 약 ±4). {k}번 점: {xy}. 데이터를 창 안으로 축소하세요 (rescale 옵션)"),
    (r"label (?P<label>.+) is a number but not an integer; labels are integers or names",
     "레이블 {label}은(는) 정수가 아닌 숫자입니다. 레이블은 정수나 이름이어야 합니다"),
    (r"only one class \((?P<names>.*)\): guidance needs at least 2 classes \(label each point with its class\)",
     "클래스가 하나뿐입니다 ({names}): 가이던스에는 클래스가 2개 이상 필요합니다 (각 점에 클래스를 붙이세요)"),
    (r"at most (?P<max>\d+) classes are allowed \(the lab has \d+ colours\), got (?P<n>\d+)",
     "클래스는 최대 {max}개까지입니다 (실험실의 색이 {max}개). 받은 수: {n}"),
    (r"class names must be unique, got (?P<names>.+)", "클래스 이름은 서로 달라야 합니다. 받은 이름: {names}"),
    (r"class names mix integers and names \((?P<names>.+)\); use one kind",
     "클래스 이름에 정수와 이름이 섞여 있습니다 ({names}). 한 종류만 쓰세요"),
    (r"class (?P<name>.+) has (?P<k>\d+) points?; every class needs at least (?P<min>\d+)",
     "클래스 {name}의 점은 {k}개입니다. 클래스마다 최소 {min}개가 필요합니다"),
    (r"class name (?P<k>\d+) must be a non-empty string, got (?P<got>.+)",
     "{k}번 클래스 이름은 비어 있지 않은 문자열이어야 합니다. 받은 값: {got}"),
    (r"class name (?P<k>\d+) may have at most (?P<max>\d+) characters, got (?P<n>\d+)",
     "{k}번 클래스 이름은 최대 {max}자입니다. 받은 길이: {n}"),
    (r"class name (?P<k>\d+) must be printable text without '/', '\\\\', '\.\.' or control characters, got (?P<got>.+)",
     "{k}번 클래스 이름에는 '/', '\\', '..', 제어 문자를 쓸 수 없습니다. 받은 값: {got}"),
    (r"labels mix integers \(line (?P<l1>\d+): (?P<t1>.+)\) and names \(line (?P<l2>\d+): (?P<t2>.+)\); use one kind",
     "레이블에 정수({l1}번째 줄: {t1})와 이름({l2}번째 줄: {t2})이 섞여 있습니다. 한 종류만 쓰세요"),
    (r"the label is empty; every point needs a class \(an integer or a name\)",
     "레이블이 비어 있습니다. 모든 점에는 클래스(정수나 이름)가 필요합니다"),
    (r"(?P<what>x|y) must be a number, got (?P<got>.+)", "{what}는 숫자여야 합니다. 받은 값: {got}"),
    (r"(?P<what>x|y) is (?P<got>.+); every coordinate must be a finite number",
     "{what}가 {got}입니다. 모든 좌표는 유한한 숫자여야 합니다"),
    (r"missing columns? (?P<cols>.+): the first line must be the header x,y,label, got (?P<got>.+)",
     "열이 없습니다: {cols}. 첫 줄은 헤더 x,y,label이어야 합니다. 받은 첫 줄: {got}"),
    (r"column (?P<col>\w+) appears twice in the header", "헤더에 {col} 열이 두 번 있습니다"),
    (r"line (?P<n>\d+) has (?P<k>\d+) fields, the header has (?P<width>\d+)",
     "{n}번째 줄의 필드는 {k}개인데 헤더는 {width}개입니다"),
    (r"the CSV is empty: expected a header x,y,label and one line per point",
     "CSV가 비어 있습니다: 헤더 x,y,label과 점마다 한 줄이 필요합니다"),
    (r"not a readable CSV file \((?P<why>.+)\)", "읽을 수 있는 CSV 파일이 아닙니다 ({why})"),
    (r"a CSV may be at most (?P<max>\d+) bytes", "CSV는 최대 {max}바이트까지입니다"),
    (r"no file", "파일이 없습니다"),
    (r"unknown data set (?P<name>.+); choose one of (?P<names>.+)", "알 수 없는 데이터셋 {name}. 다음 중 고르세요: {names}"),
    (r"data set must be one of (?P<names>.+), got (?P<got>.+)", "데이터셋은 다음 중 하나여야 합니다: {names}. 받은 값: {got}"),
    (r"component must be an index in \[0, (?P<hi>\d+)\], got (?P<got>.+)",
     "성분은 [0, {hi}] 범위의 번호여야 합니다. 받은 값: {got}"),
    (r"a mean must be two finite numbers in \[-30, 30\], got (?P<got>.+)",
     "평균은 [-30, 30] 범위의 유한한 두 숫자여야 합니다. 받은 값: {got}"),
    (r"label must be a class index in \[0, (?P<hi>\d+)\], got (?P<got>.+)",
     "레이블은 [0, {hi}] 범위의 클래스 번호여야 합니다. 받은 값: {got}"),
    (r"expected (?P<lo>\d+) to (?P<hi>\d+) arguments \((?P<names>.+)\), got (?P<n>\d+)",
     "인자는 {lo}~{hi}개여야 합니다 ({names}). 받은 수: {n}"),
    (r"noise must be a number in \[0, (?P<hi>[\d.]+)\] \(std in window units\), got (?P<got>.+)",
     "노이즈는 [0, {hi}] 범위의 숫자여야 합니다 (창 단위 표준편차). 받은 값: {got}"),
    (r"seed must be an integer in \[0, 2\^32\), got (?P<got>.+)", "시드는 [0, 2^32) 범위의 정수여야 합니다. 받은 값: {got}"),
    (r"(?P<file>[^\s:/]+) is not a CSV file \(not UTF-8 text\); expected a header x,y,label",
     "{file}은(는) CSV 파일이 아닙니다 (UTF-8 텍스트가 아님). 헤더 x,y,label이 필요합니다"),
    (r"(?P<file>[^\s:/]+\.\w+): (?P<rest>.+)", "{file}: {rest}"),  # a CSV's error, after its file name
    # a share link's settings (explainer.selection.Selection.from_query, ui.lab.restore_from_url)
    (r"(?P<field>\w+)=(?P<got>.+) is not valid here; using (?P<default>.+)",
     "{field}={got}: 여기서 쓸 수 없어 {default}을(를) 씁니다"),
    (r"the link's custom mixture could not be read", "링크의 사용자 혼합 분포를 읽을 수 없습니다"),
    (r"the link's mixture could not be used \((?P<rest>.+)\); showing the default view",
     "링크의 혼합 분포를 쓸 수 없어 기본 화면을 보여 줍니다 ({rest})"),
    (r"unknown lesson (?P<got>.+): showing the default view", "알 수 없는 레슨 {got}: 기본 화면을 보여 줍니다"),
    # the lab's caps on one view of a custom mixture (explainer.lab.check_cost)
    (r"the lab draws at most (?P<max>\d+) classes of a custom mixture \(one colour each\); this mixture has (?P<n>\d+)",
     "실험실은 사용자 혼합 분포의 클래스를 최대 {max}개까지 그립니다(클래스마다 색 하나). 이 혼합에는 {n}개가 있습니다"),
    (r"the lab takes custom mixtures of at most (?P<max>\d+) components \(a view then stays under about 10 s of "
     r"work\); this mixture has (?P<n>\d+)",
     "실험실은 성분이 최대 {max}개인 사용자 혼합 분포만 받습니다(한 화면이 약 10초 안에 계산되도록). "
     "이 혼합에는 {n}개가 있습니다"),
    # explainer.selection's checks of a named control value (after the specific shapes above)
    (r"(?P<name>.+?) must be an integer in \[(?P<lo>[^,]+), (?P<hi>[^\]]+)\], got (?P<got>.+)",
     "{name}: [{lo}, {hi}] 범위의 정수여야 합니다. 받은 값: {got}"),
    (r"(?P<name>.+?) must be a (?:finite )?number in \[(?P<lo>[^,]+), (?P<hi>[^\]]+)\], got (?P<got>.+)",
     "{name}: [{lo}, {hi}] 범위의 유한한 숫자여야 합니다. 받은 값: {got}"),
    (r"(?P<name>.+?) must be in \[(?P<lo>[^,]+), (?P<hi>[^\]]+)\], got (?P<got>.+)",
     "{name}: [{lo}, {hi}] 범위 안이어야 합니다. 받은 값: {got}"),
    (r"(?P<name>.+?) must be a plain decimal number, got (?P<got>.+)",
     "{name}: 일반 십진수여야 합니다. 받은 값: {got}"),
    (r"(?P<name>.+?) must be a finite number, got (?P<got>.+) \(too large\)",
     "{name}: 유한한 숫자여야 합니다. 받은 값: {got} (너무 큼)"),
    (r"(?P<name>.+?) must be one of (?P<names>.+), got (?P<got>.+)",
     "{name}: 다음 중 하나여야 합니다: {names}. 받은 값: {got}"),
]
PATTERNS = [(re.compile(p, re.DOTALL), ko) for p, ko in _PATTERNS]
NAMES_KO = {"max components": "최대 성분 수", "n": "점의 수 n", "noise": "노이즈", "seed": "시드", "w": "w",
            "label": "레이블", "method": "방법"}  # the controls' names inside a message


def _translated(message: str) -> str | None:
    for pattern, ko in PATTERNS:
        m = pattern.fullmatch(message)
        if m is None:
            continue
        values = dict(m.groupdict())
        if "rest" in values:  # "line N: ..." and "file.csv: ..." wrap another message
            inner = _translated(values["rest"])
            if inner is None:
                return None
            values["rest"] = inner
        if "name" in values:
            values["name"] = NAMES_KO.get(values["name"], values["name"])
        return ko.format(**values)
    return None


def in_korean(message: str) -> str:
    """One English error line in Korean (the known shapes), else the English after a Korean lead-in."""
    message = str(message).strip()
    return _translated(message) or FALLBACK_KO.format(message=message)


def error_json(message: str) -> dict[str, str]:
    """{"error": the English line, "error_ko": it in Korean}: the canvas shows the one in the reader's language."""
    return {"error": str(message), "error_ko": in_korean(message)}
