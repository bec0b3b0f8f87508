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
        "lessons_hint": "**Lessons** (keys 1-8 in presenter mode: add `?present=1` to the address)",
        "tab_lab": "2D guidance lab", "tab_own": "Your data", "tab_mnist": "MNIST", "tab_train": "Train your own", "tab_how": "How it works",
        "mixture": "data: a 2D Gaussian mixture", "class": "class c to generate",
        "method": "method (one panel, or two side by side)", "score": "scores: learned networks or exact mixture",
        "w": "guidance weight w (diffusers guidance_scale = 1 + w)", "more": "More settings",
        "sampler": "sampler", "classifier": "CG's classifier", "cg_base": "CG's base model (unconditional uses w + 1)",
        "lam": "noise level λ of the drawn field (log-SNR)", "seed": "seed",
        "mp4": "⬇ Animation (MP4)", "gif": "⬇ Animation (GIF)", "link": "Link to this view",
        "mnist_intro": "Guided samples of one digit from a small class-conditional U-Net (trained with p_uncond = 0.1). "
                       "The **judge** is an independent classifier trained on a separate split: it grades, it never "
                       "guides. The paper's ancestral sampler, 16 steps (as the sweep below; CFG++ runs DDIM, 50 steps). "
                       "**Reduced sampler noise** multiplies the ancestral sampler's noise by tau = 1/(1+w).",
        "train_intro": "Train the three networks of the lab (the joint conditional/unconditional ε-network with label "
                       "dropout p_uncond, a noise-aware classifier and a clean-data classifier) on a mixture, here, on "
                       "the server's CPU. Edit a mixture in the lab's *Edit or upload a mixture* panel first, or start "
                       "from a preset. When it finishes, the lab switches to mixture **custom**.",
        "how_heading": "## The lessons, one claim each (open any in the lab)", "open_lesson": "Open lesson {n} in the lab →",
        "language": "language", "digit": "digit", "mnist_method": "method", "mnist_w": "w (guidance_scale = 1 + w)",
        "mnist_precomputing": "Precomputing every w for seed {seed} in the background ({done}/{total} grids); until then "
                              "a w that is not ready is sampled when you release the slider.",
        "mnist_release": "Instant w: CFG and CG at seed 0. Here a new w is sampled when you release the slider "
                         "(about a second a grid: watch the digits form).",
        "mnist_sampling": "sampling {method}…",
        "sweep_title": "MNIST sweep ({sampler}, {steps} steps, {n} digits per class per point; the judge's numbers); "
                       "dashed line: current w",
        "sampler_ddim": "DDIM", "sampler_ddpm": "ancestral sampler", "sweep_xlabel": "w (paper)",
        "metric_judge_accuracy": "judge accuracy (↑ more class-like)", "metric_judge_confidence": "judge p(c|x)",
        "metric_diversity": "diversity (↓ = less varied)", "metric_fd": "FD to held-out digits (↓ better)",
        "metric_ink_error": "ink-mass error (↓ better)", "metric_guide_judge": "CG: guide (dashed) vs judge p(c|x)",
        "guide_dashed": "dashed: the guide's p(c|x)",
        "panel_steps": "{steps} steps", "panel_ddim": "DDIM, {steps} steps",
        "clf_noisy": "noise-aware p(c|z_λ)", "clf_clean": "clean-data p(c|x)",
        "mnist_mp4": "⬇ Denoising animation (MP4)", "mnist_gif": "⬇ Denoising animation (GIF)",
        "anim_digit": "digit {d}", "anim_scale": "w = {w} (guidance scale 1 + w = {s})", "anim_step": "step {k}/{n}",
        "anim_final": "final samples", "anim_class": "class {c}",
        "anim_legend": "solid: p(x|c) of each class (the chosen one bold)   dashed orange: tilted target p(x|c)p(c|x)^w   "
                       "dotted purple: tempered p(x|c)^(1+w)   arrows: the guided score field",
        "sum_head": "**w = {w}** (diffusers guidance_scale = {scale}) · mixture **{mixture}**, class **{cls}**",
        "sum_line": "mean p(c|x) {p}, diversity {div}, SW₂ to p(x|c) {swc}, to tilted {swt}",
        "sum_err": ", learned field error {e} %",
        "note_tau": "**Reduced sampler noise** runs the ancestral (DDPM) sampler on the plain conditional model with "
                    "its injected noise multiplied by **tau = 1/(1+w)**, tied to the w slider (w = 0: the normal "
                    "sampler).",
        "note_clean": "CG is guided by the **clean-data** classifier: its gradient is wrong at high noise, so samples "
                      "are pushed to the wrong places (compare with the noise-aware one).",
        "note_no_model": "No trained model for this mixture yet: showing **exact** scores. Train one in the *Train "
                         "your own* tab.",
        "note_retrained": "The shipped network for this mixture could not be loaded (its checkpoint is missing or "
                          "broken), so it was **retrained** on this server: results differ a little from the "
                          "documented ones.",
        "note_no_weak": "Autoguidance needs a weaker model to guide against, and this network has none (train it "
                        "again: training now makes one). Showing **exact** scores: the bad model is the mixture "
                        "blurred by B.",
        "reference": "CFG's 'bad' model: (1 + w) ε(z,c) − w ε_bad", "ref_uncond": "unconditional ε(z): CFG",
        "ref_weak": "a weaker model: autoguidance", "ref_random": "a random class: ICG",
        "corrector_steps": "corrector: Langevin steps K per level", "corrector_ratio": "corrector weight w′ / w",
        "schedule": "guidance over noise level λ", "sched_constant": "every step", "sched_interval": "only in an interval",
        "sched_ramp": "ramp up", "lam_lo": "interval start λ (noisy side)", "lam_hi": "interval end λ (clean side)",
        "good_blur": "exact model blur (+G·I): an imperfect network", "bad_blur": "autoguidance's bad model blur (+B·I)",
        "own_intro": "Shape the data yourself: **paint** points on the canvas (pick a class, click or drag; Undo, Clear), "
                     "or pick a **scikit-learn data set**, or **upload a CSV** (`x,y,label`). **Fit** gives each class a "
                     "Gaussian mixture (full covariances, number of components by BIC), so the scores are exact at every "
                     "noise level. Then **drag a component's centre**: the exact CFG samples of the chosen class follow. "
                     "*Use in the lab* opens the fit in the 2D lab.",
        "own_dataset": "scikit-learn data set", "own_n": "points n", "own_noise": "noise",
        "own_k": "max components per class (BIC chooses)", "own_generate": "Generate and fit",
        "own_csv": "or upload a CSV: x,y,label (≤ 100,000 rows, ≤ 16 MB)",
    },
    "ko": {
        "title": "## 확산 모델 가이던스, 직접 움직여 보기\n분류기 없는 가이던스(Ho & Salimans 2022)를 분류기 가이던스와 두 가지 "
                 "단순한 기준선 옆에 놓았습니다. *w*는 논문의 가중치입니다: w = 0은 조건부 모델 그대로이고, diffusers의 "
                 "`guidance_scale`은 1 + w입니다. 수업을 고른 뒤 **w**를 움직여 보세요.",
        "lessons_hint": "**수업** (발표 모드에서는 숫자 키 1-8: 주소에 `?present=1`을 붙이세요)",
        "tab_lab": "2D 가이던스 실험실", "tab_own": "내 데이터", "tab_mnist": "MNIST", "tab_train": "직접 학습하기", "tab_how": "원리",
        "mixture": "데이터: 2차원 가우시안 혼합", "class": "생성할 클래스 c",
        "method": "방법 (패널 하나 또는 둘을 나란히)", "score": "스코어: 학습된 네트워크 또는 정확한 혼합",
        "w": "가이던스 가중치 w (diffusers guidance_scale = 1 + w)", "more": "설정 더 보기",
        "sampler": "샘플러", "classifier": "CG의 분류기", "cg_base": "CG의 기반 모델 (무조건부는 w + 1 사용)",
        "lam": "화살표를 그릴 노이즈 수준 λ (log-SNR)", "seed": "시드",
        "mp4": "⬇ 애니메이션 (MP4)", "gif": "⬇ 애니메이션 (GIF)", "link": "이 화면의 링크",
        "mnist_intro": "작은 클래스 조건부 U-Net(p_uncond = 0.1로 학습)이 만든 한 숫자의 가이드된 샘플입니다. **심판**은 다른 "
                       "데이터로 학습한 독립적인 분류기로, 채점만 하고 가이드하지 않습니다. 논문의 조상(ancestral) 샘플러, "
                       "16단계 (아래 sweep과 같음; CFG++는 DDIM 50단계). **샘플러 노이즈 줄이기**는 조상 샘플러의 노이즈에 "
                       "tau = 1/(1+w)를 곱합니다.",
        "train_intro": "실험실의 세 네트워크(레이블 드롭아웃 p_uncond로 조건부/무조건부를 함께 배우는 ε-네트워크, 노이즈 인식 "
                       "분류기, 깨끗한 데이터 분류기)를 이 서버의 CPU에서 혼합 분포로 학습합니다. 먼저 실험실의 *혼합 편집/업로드* "
                       "패널에서 혼합을 고치거나 프리셋에서 시작하세요. 끝나면 실험실이 **custom** 혼합으로 바뀝니다.",
        "how_heading": "## 수업: 주장 하나씩 (실험실에서 열어 보세요)", "open_lesson": "수업 {n}을 실험실에서 열기 →",
        "language": "언어", "digit": "숫자", "mnist_method": "방법", "mnist_w": "w (guidance_scale = 1 + w)",
        "mnist_precomputing": "시드 {seed}의 모든 w를 백그라운드에서 미리 계산하는 중입니다({done}/{total} 그리드). 그때까지 "
                              "준비되지 않은 w는 슬라이더에서 손을 뗄 때 샘플링합니다.",
        "mnist_release": "즉시 바뀌는 w: 시드 0의 CFG와 CG. 여기서는 슬라이더에서 손을 뗄 때 새 w를 샘플링합니다 "
                         "(그리드 하나에 1초 남짓: 숫자가 만들어지는 과정이 보입니다).",
        "mnist_sampling": "{method} 샘플링 중…",
        "sweep_title": "MNIST sweep ({sampler}, {steps}단계, 점마다 클래스당 숫자 {n}개; 심판의 수치); 점선: 현재 w",
        "sampler_ddim": "DDIM", "sampler_ddpm": "조상 샘플러", "sweep_xlabel": "w (논문)",
        "metric_judge_accuracy": "심판 정확도 (↑ 클래스다움)", "metric_judge_confidence": "심판 p(c|x)",
        "metric_diversity": "다양성 (↓ = 덜 다양함)", "metric_fd": "보류한 숫자까지의 FD (↓ 좋음)",
        "metric_ink_error": "잉크 양 오차 (↓ 좋음)", "metric_guide_judge": "CG: 가이드(점선) vs 심판 p(c|x)",
        "guide_dashed": "점선: 가이드 자신의 p(c|x)",
        "panel_steps": "{steps}단계", "panel_ddim": "DDIM, {steps}단계",
        "clf_noisy": "노이즈 인식 p(c|z_λ)", "clf_clean": "깨끗한 데이터 p(c|x)",
        "mnist_mp4": "⬇ 디노이징 애니메이션 (MP4)", "mnist_gif": "⬇ 디노이징 애니메이션 (GIF)",
        "anim_digit": "숫자 {d}", "anim_scale": "w = {w} (가이던스 스케일 1 + w = {s})", "anim_step": "{k}/{n} 단계",
        "anim_final": "최종 샘플", "anim_class": "클래스 {c}",
        "anim_legend": "실선: 각 클래스의 p(x|c) (고른 클래스는 굵게)   주황 점선: 기울인 목표 p(x|c)p(c|x)^w   "
                       "보라 점선: 온도 조절 p(x|c)^(1+w)   화살표: 가이드된 점수장",
        "sum_head": "**w = {w}** (diffusers guidance_scale = {scale}) · 혼합 **{mixture}**, 클래스 **{cls}**",
        "sum_line": "정확한 p(c|x) 평균 {p}, 다양성 {div}, p(x|c)까지 SW₂ {swc}, 기울인 목표까지 {swt}",
        "sum_err": ", 학습된 필드 오차 {e} %",
        "note_tau": "**샘플러 노이즈 줄이기**는 평범한 조건부 모델에 조상(DDPM) 샘플러를 쓰되, 주입하는 노이즈에 "
                    "**tau = 1/(1+w)**를 곱합니다. w 슬라이더에 묶여 있습니다(w = 0: 보통 샘플러).",
        "note_clean": "CG가 **깨끗한 데이터** 분류기로 가이드됩니다. 높은 노이즈에서 기울기가 틀려 샘플이 엉뚱한 곳으로 "
                      "밀립니다(노이즈 인식 분류기와 비교해 보세요).",
        "note_no_model": "이 혼합에는 아직 학습된 모델이 없어 **정확한** 스코어를 보여 줍니다. *직접 학습하기* 탭에서 "
                         "학습하세요.",
        "note_retrained": "이 혼합에 함께 제공된 네트워크를 불러올 수 없어(체크포인트가 없거나 손상됨) 이 서버에서 "
                          "**다시 학습**했습니다. 결과가 문서의 값과 조금 다를 수 있습니다.",
        "note_no_weak": "오토가이던스에는 비교할 더 약한 모델이 필요한데 이 네트워크에는 없습니다(다시 학습하면 "
                        "만들어집니다). **정확한** 스코어를 보여 줍니다: 나쁜 모델은 B만큼 흐린 혼합입니다.",
        "reference": "CFG의 '나쁜' 모델: (1 + w) ε(z,c) − w ε_bad", "ref_uncond": "무조건부 ε(z): CFG",
        "ref_weak": "더 약한 모델: 오토가이던스", "ref_random": "무작위 클래스: ICG",
        "corrector_steps": "보정기: 수준마다 랑주뱅 단계 K", "corrector_ratio": "보정기 가중치 w′ / w",
        "schedule": "노이즈 수준 λ에 따른 가이던스", "sched_constant": "모든 단계", "sched_interval": "구간에서만",
        "sched_ramp": "점점 키우기", "lam_lo": "구간 시작 λ (노이즈 쪽)", "lam_hi": "구간 끝 λ (깨끗한 쪽)",
        "good_blur": "정확한 모델 흐림 (+G·I): 불완전한 네트워크", "bad_blur": "오토가이던스의 나쁜 모델 흐림 (+B·I)",
        "own_intro": "데이터를 직접 만들어 보세요: 캔버스에 점을 **칠하거나**(클래스를 고르고 클릭 또는 드래그; 되돌리기, 지우기), "
                     "**scikit-learn 데이터셋**을 고르거나, **CSV를 올리세요**(`x,y,label`). **맞추기**는 클래스마다 가우시안 혼합"
                     "(전체 공분산, 성분 수는 BIC로 선택)을 맞추므로 모든 노이즈 수준에서 스코어가 정확합니다. 그다음 **성분의 "
                     "중심을 끌어** 보세요: 고른 클래스의 정확한 CFG 샘플이 따라옵니다. *실험실에서 쓰기*는 맞춘 혼합을 2D "
                     "실험실에서 엽니다.",
        "own_dataset": "scikit-learn 데이터셋", "own_n": "점의 수 n", "own_noise": "노이즈",
        "own_k": "클래스당 최대 성분 수 (BIC가 고름)", "own_generate": "만들고 맞추기",
        "own_csv": "또는 CSV 올리기: x,y,label (최대 100,000줄, 16 MB)",
    },
}


NOTE_KEYS = ("note_tau", "note_clean", "note_no_model", "note_no_weak", "note_retrained")  # the lab's notes (English text = key's)


def translate_note(note: str, lang: str) -> str:
    """One of the lab's notes (given in English) in lang; any other text as it is."""
    for key in NOTE_KEYS:
        if note == TEXT["en"][key]:
            return t(lang, key)
    return note


def pick_language(query_lang: str | None, accept_language: str | None) -> str:
    """?lang= wins; otherwise Korean when the browser prefers it; otherwise English."""
    if query_lang in LANGUAGES:
        return query_lang
    first = (accept_language or "").split(",")[0].strip().lower()
    return "ko" if first.startswith("ko") else "en"


HOW_IT_WORKS = {"en": "how_it_works.md", "ko": "how_it_works.ko.md"}  # the How-it-works page, in ui/static/


METHOD_SHORT = {"ko": {  # the registry's short method names (cfg_core.methods, cfg_core.mnist.variants) in words
    "no guidance": "가이던스 없음", "score scaling": "점수 스케일링", "reduced noise": "샘플러 노이즈 축소",
    "autoguidance": "오토가이던스", "CFG, interval": "CFG, 구간", "CG (clean classifier)": "CG (깨끗한 데이터 분류기)",
    "CFG + thresholding": "CFG + 동적 임계값"}}


def method_short(lang: str, short: str) -> str:
    """A method's short name in lang (names that are acronyms, CFG, CG, APG, stay as they are)."""
    return METHOD_SHORT.get(lang, {}).get(short, short)


def t(lang: str, key: str) -> str:
    """The word for key in lang (English when the language is unknown)."""
    return TEXT.get(lang, TEXT["en"])[key]
