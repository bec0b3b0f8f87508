"""The app's words in English and Korean (the paper review this project grew from is Korean).

TEXT[lang][key] for every label, button and note of the UI; pick_language() chooses from a URL parameter or
the browser's Accept-Language header, so a Korean browser gets Korean by default and ?lang=en overrides it.
The canvas (ui/static/lab.js) carries its own small table of the same words.
"""
from __future__ import annotations

LANGUAGES = ("en", "ko")
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}

TEXT = {
    "en": {
        "title": "## Diffusion guidance, interactively\nClassifier-free guidance (Ho & Salimans 2022) next to classifier "
                 "guidance and two naive baselines. *w* is the paper's weight: w = 0 is the plain conditional model; "
                 "diffusers' `guidance_scale` is 1 + w. Pick a lesson, then drag **w**.",
        "lessons_hint": "**Lessons** (keys 1-7 in presenter mode: add `?present=1` to the address)",
        "tab_lab": "2D guidance lab", "tab_mnist": "MNIST", "tab_train": "Train your own", "tab_how": "How it works",
        "mixture": "data: a 2D Gaussian mixture", "class": "class c to generate",
        "method": "method (one panel, or two side by side)", "score": "scores: learned networks or exact mixture",
        "w": "guidance weight w (diffusers guidance_scale = 1 + w)", "more": "More settings",
        "sampler": "sampler", "classifier": "CG's classifier", "cg_base": "CG's base model (unconditional uses w + 1)",
        "lam": "noise level λ of the drawn field (log-SNR)", "seed": "seed",
        "mp4": "⬇ Animation (MP4)", "gif": "⬇ Animation (GIF)", "link": "Link to this view",
        "language": "language", "digit": "digit", "mnist_method": "method", "mnist_w": "w (guidance_scale = 1 + w)",
    },
    "ko": {
        "title": "## 확산 모델 가이던스, 직접 움직여 보기\n분류기 없는 가이던스(Ho & Salimans 2022)를 분류기 가이던스와 두 가지 "
                 "단순한 기준선 옆에 놓았습니다. *w*는 논문의 가중치입니다: w = 0은 조건부 모델 그대로이고, diffusers의 "
                 "`guidance_scale`은 1 + w입니다. 수업을 고른 뒤 **w**를 움직여 보세요.",
        "lessons_hint": "**수업** (발표 모드에서는 숫자 키 1-7: 주소에 `?present=1`을 붙이세요)",
        "tab_lab": "2D 가이던스 실험실", "tab_mnist": "MNIST", "tab_train": "직접 학습하기", "tab_how": "원리",
        "mixture": "데이터: 2차원 가우시안 혼합", "class": "생성할 클래스 c",
        "method": "방법 (패널 하나 또는 둘을 나란히)", "score": "스코어: 학습된 네트워크 또는 정확한 혼합",
        "w": "가이던스 가중치 w (diffusers guidance_scale = 1 + w)", "more": "설정 더 보기",
        "sampler": "샘플러", "classifier": "CG의 분류기", "cg_base": "CG의 기반 모델 (무조건부는 w + 1 사용)",
        "lam": "화살표를 그릴 노이즈 수준 λ (log-SNR)", "seed": "시드",
        "mp4": "⬇ 애니메이션 (MP4)", "gif": "⬇ 애니메이션 (GIF)", "link": "이 화면의 링크",
        "language": "언어", "digit": "숫자", "mnist_method": "방법", "mnist_w": "w (guidance_scale = 1 + w)",
    },
}


def pick_language(query_lang: str | None, accept_language: str | None) -> str:
    """?lang= wins; otherwise Korean when the browser prefers it; otherwise English."""
    if query_lang in LANGUAGES:
        return query_lang
    first = (accept_language or "").split(",")[0].strip().lower()
    return "ko" if first.startswith("ko") else "en"


def t(lang: str, key: str) -> str:
    """The word for key in lang (English when the language is unknown)."""
    return TEXT.get(lang, TEXT["en"])[key]
