"""The lessons: a fixed order through the paper's claims, each a whole view of the lab plus a caption that says
what to look at and what to drag, in English and Korean.

A lesson is data: a Selection (what to compute), the canvas layers to show, a w to start at, and the caption.
The app's lesson bar, the presenter's number keys and the How-it-works page all read LESSONS.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from explainer.lab.selection import Selection

LANGUAGES = ("en", "ko")


@dataclass(frozen=True)
class Lesson:
    """One step of the story."""

    key: str  # stable id (URL ?lesson=key, screenshots)
    title: dict  # language -> button title
    caption: dict  # language -> what to look at and what to drag (Markdown)
    selection: Selection | None  # the lab view it sets (None: the MNIST tab)
    layers: dict = field(default_factory=dict)  # canvas layers: field, heatmap, tempered, all_classes, zoom
    tab: str = "lab"  # which tab shows it


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "naive", {"en": "1 · Naive tricks fail", "ko": "1 · 단순한 온도 조절은 실패"},
        {"en": "Two 'temperature' tricks that look like guidance. Left, **score scaling** multiplies the score by 1 + w: "
               "drag **w** up and every sample collapses onto one point (the label says how many sit there). Right, "
               "**reduced sampler noise** only shrinks the spread around each mode. Neither reaches the orange tilted "
               "target, and neither moves samples away from the other classes: see lesson 7 for CFG on the same axes.",
         "ko": "가이던스처럼 보이는 두 가지 '온도' 기법입니다. 왼쪽 **스코어 스케일링**은 스코어에 1 + w를 곱합니다. **w**를 "
               "올리면 모든 샘플이 한 점으로 모입니다(라벨이 몇 개인지 알려 줍니다). 오른쪽 **샘플러 노이즈 줄이기**는 각 모드 "
               "주변의 퍼짐만 줄입니다. 어느 쪽도 주황색 목표에 도달하지 못하고, 다른 클래스에서 멀어지지도 않습니다. 같은 축의 "
               "CFG는 수업 7에서 보세요."},
        Selection(method="scaled|reduced", w=4.0, score="exact"), {"tempered": True}),
    Lesson(
        "noisy_classifier", {"en": "2 · CG needs a noise-aware classifier", "ko": "2 · CG에는 노이즈 인식 분류기가 필요"},
        {"en": "Right: classifier guidance with an **ordinary classifier trained on clean data**. Its gradient is "
               "meaningless at high noise, so samples are flung far away (see the counter and arrow at the edge) while "
               "the classifier still reports p(c|x) ≈ 1. Left: CFG needs no classifier at all. Drag **w** from 0 up.",
         "ko": "오른쪽: **깨끗한 데이터로만 학습한 일반 분류기**로 한 분류기 가이던스입니다. 높은 노이즈에서 기울기가 의미 없어서 "
               "샘플이 멀리 날아갑니다(가장자리의 개수와 화살표). 그래도 분류기는 p(c|x) ≈ 1이라고 말합니다. 왼쪽: CFG는 분류기가 "
               "필요 없습니다. **w**를 0부터 올려 보세요."},
        Selection(method="cfg|cg", classifier="clean", w=2.0), {"field": "classifier"}),
    Lesson(
        "w_plus_one", {"en": "3 · w on p(x|c) = w + 1 on p(x)", "ko": "3 · 조건부의 w = 무조건부의 w + 1"},
        {"en": "Both panels use exact classifier guidance: left on the **conditional** model with weight w, right on "
               "the **unconditional** model with weight **w + 1**. The samples are identical at every w, because "
               "p(x|c) p(c|x)^w = p(x) p(c|x)^(w+1). Drag **w** and watch both move together.",
         "ko": "두 패널 모두 정확한 분류기 가이던스입니다. 왼쪽은 **조건부** 모델에 가중치 w, 오른쪽은 **무조건부** 모델에 가중치 "
               "**w + 1**. p(x|c) p(c|x)^w = p(x) p(c|x)^(w+1)이므로 모든 w에서 샘플이 같습니다. **w**를 움직여 함께 "
               "움직이는 것을 보세요."},
        Selection(method="cg:bases", score="exact", w=2.0), {}),
    Lesson(
        "implicit_classifier", {"en": "4 · CFG = CG with an implicit classifier", "ko": "4 · CFG = 암묵적 분류기의 CG"},
        {"en": "The arrows are CFG's **implicit classifier** ε(z,c) − ε(z), i.e. ∇log p(c|z): it points away from the "
               "other classes (faint contours) and towards where p(c|z) is high (the shaded heatmap). With exact "
               "scores, CFG (left) and CG (right) give the same samples. Drag **λ** in the settings to see it at other "
               "noise levels.",
         "ko": "화살표는 CFG의 **암묵적 분류기** ε(z,c) − ε(z), 즉 ∇log p(c|z)입니다. 다른 클래스(흐린 등고선)에서 멀어지고 "
               "p(c|z)가 높은 곳(음영 히트맵)으로 향합니다. 정확한 스코어에서 CFG(왼쪽)와 CG(오른쪽)는 같은 샘플을 줍니다. "
               "설정의 **λ**를 움직여 다른 노이즈 수준에서 보세요."},
        Selection(method="cfg|cg", score="exact", w=2.0), {"field": "implicit", "heatmap": True}),
    Lesson(
        "not_tilted", {"en": "5 · What guidance really samples", "ko": "5 · 가이던스가 실제로 샘플링하는 것"},
        {"en": "The orange dashed contour is the **tilted target** p(x|c) p(c|x)^w that guidance is said to sample. "
               "Most samples sit *outside* it at w = 2: guiding the score at every noise level is not the same as "
               "sampling the tilted distribution (the noisy p(c|z_λ) is not the clean one; Chidambaram et al. 2024). "
               "Compare DDIM (left) with the ancestral sampler (right), and drag **w** from 0 up: at w = 0 both match the "
               "class contour; the gap to the orange target opens as w grows.",
         "ko": "주황색 점선은 가이던스가 샘플링한다고 말하는 **기울인 목표** p(x|c) p(c|x)^w입니다. w = 2에서 대부분의 샘플이 그 "
               "*바깥*에 있습니다. 모든 노이즈 수준에서 스코어를 가이드하는 것은 기울인 분포에서 샘플링하는 것과 같지 않습니다"
               "(노이즈 낀 p(c|z_λ)는 깨끗한 것과 다릅니다). DDIM(왼쪽)과 조상 샘플러(오른쪽)를 비교하고 **w**를 0부터 올려 보세요. "
               "w = 0에서는 둘 다 클래스 등고선과 맞고, w가 커질수록 주황색 목표와의 차이가 벌어집니다."},
        Selection(method="cfg:samplers", score="exact", w=2.0), {}),
    Lesson(
        "corrector", {"en": "6 · A corrector samples the tilted target", "ko": "6 · 보정기는 기울인 목표를 샘플링한다"},
        {"en": "Left: CFG with DDIM at w = 3 lands *beyond* the orange tilted target p(x|c) p(c|x)^w. Right: the same "
               "guided score used as a **corrector** (Bradley & Nakkiran 2024): after each plain conditional DDIM step, "
               "K = 20 Langevin steps on the CFG score at that noise level. Its samples fill the orange contour: the "
               "guided score is fine, it is the sampler that does not sample the tilted target. Drag **w**, compare *SW₂ "
               "to tilted* under the panels, lower K in the settings, and tick **clean estimates x̂**, then scrub back in time: "
               "guidance pushes the clean estimate x̂_c away from x̂_u by w times their difference.",
         "ko": "왼쪽: w = 3에서 DDIM으로 돌린 CFG는 주황색 기울인 목표 p(x|c) p(c|x)^w를 *넘어서* 떨어집니다. 오른쪽: 같은 가이드된 "
               "스코어를 **보정기**로 씁니다(Bradley & Nakkiran 2024). 가이드 없는 조건부 DDIM 단계 뒤에, 그 노이즈 수준의 CFG "
               "스코어로 랑주뱅 단계를 K = 20번 밟습니다. 샘플이 주황색 등고선을 채웁니다. 가이드된 스코어는 맞고, 기울인 목표를 "
               "샘플링하지 못하는 것은 샘플러입니다. **w**를 움직이며 패널 아래 *기울인 목표까지 SW₂*를 비교하고, 설정에서 K를 줄여 보고, "
               "**깨끗한 추정 x̂**를 켠 뒤 시간을 되돌려 보세요. 가이던스는 깨끗한 추정 x̂_c를 x̂_u에서 차이의 w배만큼 밀어냅니다."},
        Selection(method="cfg:corrector", score="exact", w=3.0, corrector_steps=20), {}),
    Lesson(
        "tradeoff", {"en": "7 · Fidelity vs diversity", "ko": "7 · 충실도와 다양성의 교환"},
        {"en": "The plot under the canvas puts **fidelity** (mean exact p(c|x)) against **diversity** for every method as "
               "w runs over [0, 10]; the ring marks the current w. CFG and noise-aware CG trace the same curve (the "
               "paper's FID/IS trade-off); score scaling reaches fidelity only by destroying diversity. Drag **w**.",
         "ko": "캔버스 아래 그림은 w가 [0, 10]을 지날 때 각 방법의 **충실도**(정확한 p(c|x)의 평균)와 **다양성**을 보여 줍니다. "
               "원이 현재 w입니다. CFG와 노이즈 인식 CG는 같은 곡선을 그립니다(논문의 FID/IS 교환). 스코어 스케일링은 다양성을 "
               "없애서만 충실도를 얻습니다. **w**를 움직여 보세요."},
        Selection(dataset="two_overlapping", label=1, method="cfg|scaled", w=1.0), {}),
    Lesson(
        "mnist", {"en": "8 · The same on digits", "ko": "8 · 숫자 이미지에서도 같다"},
        {"en": "On MNIST the story repeats: CFG (left grid) sharpens the digit as **w** grows and loses variety. The "
               "table compares the **guide** (the classifier CG follows) with an independent **judge**: a guide much "
               "more confident than the judge has been fooled by its own gradients.",
         "ko": "MNIST에서도 같습니다. **w**가 커지면 CFG(왼쪽 격자)는 숫자를 또렷하게 하지만 다양성을 잃습니다. 표는 **가이드**(CG가 "
               "따르는 분류기)와 독립적인 **심판**을 비교합니다. 가이드가 심판보다 훨씬 확신한다면 자기 기울기에 속은 것입니다."},
        None, {}, tab="mnist"),
)
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def caption(lesson: Lesson, lang: str) -> str:
    return f"### {lesson.title[lang]}\n{lesson.caption[lang]}"
