"""The lessons: a beginner's path through the paper, as data. The words live in the catalog.

Each lesson is one claim shown by one view: a Selection (what the lab computes; None for the MNIST tab), the canvas
layers it sets, the w it starts at (selection.w) and the w the figure moves to when the answer is revealed
(reveal_w), the marks its legend lists and the labels drawn on the canvas. Its words are the catalog's "lessons"
part (explainer/locales/<lang>/lessons.json), keys "<key>.<name>":

    title      the button, "n · ..." (numbered in order)
    claim      one sentence: what the lesson shows
    look       what to look at; {first} / {second} name the panels (left / right, or top / bottom when stacked)
    question   asked before the reveal
    choice1..N 2 to 4 answers; `answer` is the right one's index (0-based)
    why        after the reveal: why, and what the paper concluded

Group "basics" follows Ho & Salimans 2022; "further" are findings since. tests/test_lessons.py checks that each lab
lesson's view still shows its claim (the numbers behind each one). The app's lesson panel, ?lesson=<key>, the
presenter's number keys and the How-it-works page (caption) read LESSONS. Nothing here imports gradio.
"""
from __future__ import annotations

from dataclasses import dataclass

from explainer.lab.selection import Selection
from explainer.words import LANGUAGES, has, say  # noqa: F401 (LANGUAGES: the languages every lesson is written in)

GROUPS = ("basics", "further")
FIELDS = ("guided", "cond", "uncond", "implicit", "classifier", "off")  # the canvas's arrow fields
SWITCHES = ("heatmap", "tempered", "tilted", "classes", "traj", "samples", "xhat", "zoom")  # the canvas's on/off layers
LEGEND = ("samples", "target", "tempered", "class", "others", "arrows", "traj", "heatmap", "xhat")  # in legend order
ANNOTATIONS = ("offscreen", "collapse", "arrow", "mode_shares", "identical", "tradeoff")  # tradeoff: the plot shown
MIN_CHOICES, MAX_CHOICES = 2, 4
TEXTS = ("title", "claim", "look", "question", "why", "source")  # each lesson's words besides its choices


def layers(field: str = "off", **on: bool) -> dict:
    """Every canvas layer a lesson sets: the arrow field and each switch (classes and samples on, the rest off,
    unless given)."""
    if field not in FIELDS or set(on) - set(SWITCHES):
        raise ValueError(f"unknown layer: field {field!r}, switches {sorted(set(on) - set(SWITCHES))}")
    return {"field": field, **{name: False for name in SWITCHES}, "classes": True, "samples": True, **on}


def drawn(lay: dict) -> tuple[str, ...]:
    """The legend marks a lab lesson's layers draw, in legend order."""
    marks = {"samples": lay.get("samples"), "target": lay.get("tilted"), "tempered": lay.get("tempered"),
             "class": lay.get("classes"), "others": lay.get("classes"),
             "arrows": lay.get("field", "off") != "off", "traj": lay.get("traj"), "heatmap": lay.get("heatmap"),
             "xhat": lay.get("xhat")}
    return tuple(m for m in LEGEND if marks[m])


@dataclass(frozen=True)
class Lesson:
    """One step of the path (its words: the catalog's lessons.<key>.*)."""

    key: str  # stable id (?lesson=key, screenshots)
    selection: Selection | None  # the lab view (None: the MNIST tab); its w is where the lesson starts
    layers: dict  # canvas layers the lesson sets (layers())
    tab: str = "lab"
    group: str = "basics"  # "basics" (the paper) or "further" (findings since 2022)
    answer: int = 0  # index of the right choice (0-based)
    reveal_w: float | None = None  # the w the figure moves to when the answer is revealed
    legend: tuple[str, ...] = ()  # the marks drawn, in legend order (LEGEND)
    annotate: tuple[str, ...] = ()  # labels on the canvas (ANNOTATIONS)
    mnist_w: float | None = None  # the MNIST lesson: the w where its claim shows (the reveal)

    @property
    def start_w(self) -> float:
        """The w the lesson opens at: its selection's, or 0 on the MNIST tab (the reveal goes to mnist_w)."""
        return float(self.selection.w) if self.selection is not None else 0.0


EXACT = dict(score="exact")
MARKS = ("samples", "class", "others")  # what every lab lesson draws

LESSONS: tuple[Lesson, ...] = (
    # --- the paper ---------------------------------------------------------------------------------------------
    Lesson("implicit_classifier", Selection(method="cfg|cg", w=0.0, **EXACT),
           layers("implicit", heatmap=True),
           answer=0, reveal_w=4.0, legend=(*MARKS, "arrows", "heatmap"), annotate=("arrow", "identical")),
    Lesson("noisy_classifier", Selection(method="cfg|cg", classifier="clean", w=0.0, **EXACT), layers(), answer=1, reveal_w=2.0, legend=MARKS,
           annotate=("offscreen",)),
    Lesson("w_plus_one", Selection(method="cg:bases", w=0.0, **EXACT), layers(), answer=0, reveal_w=3.0, legend=MARKS, annotate=("identical",)),
    Lesson("naive", Selection(method="scaled|reduced", w=0.0, **EXACT), layers(tempered=True), answer=0, reveal_w=4.0,
           legend=("samples", "tempered", "class", "others"), annotate=("collapse",)),
    Lesson("tradeoff", Selection(dataset="two_overlapping", label=0, method="cfg", w=0.0), layers(), answer=0, reveal_w=4.0, legend=MARKS, annotate=("tradeoff",)),
    Lesson("mnist", None, {}, tab="mnist",
           answer=0, reveal_w=3.0, mnist_w=3.0),
    # --- further: since 2022 -------------------------------------------------------------------------------------
    Lesson("not_tilted", Selection(dataset="near_far", method="cfg:samplers", w=0.0, **EXACT), layers(tilted=True),
           group="further",
           answer=1, reveal_w=4.0, legend=("samples", "target", "class", "others"), annotate=("mode_shares",)),
    Lesson("corrector", Selection(method="cfg:corrector", corrector_steps=20, w=0.0, **EXACT), layers(tilted=True),
           group="further",
           answer=0, reveal_w=4.0, legend=("samples", "target", "class", "others")),
    Lesson("far_modes", Selection(dataset="near_far", method="cfg:smc", corrector_steps=20, w=0.0, **EXACT),
           layers(tilted=True), group="further", answer=2, reveal_w=4.0, legend=("samples", "target", "class", "others"),
           annotate=("mode_shares",)),
    Lesson("interval", Selection(dataset="near_far", method="cfg", schedule="interval", lam_lo=-1.0, lam_hi=4.0, w=0.0,
                                 **EXACT), layers(tilted=True), group="further", answer=0, reveal_w=4.0,
           legend=("samples", "target", "class", "others"), annotate=("mode_shares",)),
)
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def text(lesson: Lesson, name: str, lang: str = "en", **params) -> str:
    """One of a lesson's words (TEXTS, or choice<n>) in lang."""
    return say(lang, f"lessons.{lesson.key}.{name}", **params)


def title(lesson: Lesson, lang: str = "en") -> str:
    """The lesson's button: 'n · ...'."""
    return text(lesson, "title", lang)


def choices(lesson: Lesson, lang: str = "en") -> list[str]:
    """The question's answers, in order (choice1, choice2, ... as the catalog has them)."""
    n = 0
    while has("en", f"lessons.{lesson.key}.choice{n + 1}"):
        n += 1
    return [text(lesson, f"choice{i}", lang) for i in range(1, n + 1)]


def _panel_word(lang: str, key: str, english: str) -> str:
    return say(lang, f"panel.{key}") if has("en", f"panel.{key}") else english


def look(lesson: Lesson, lang: str = "en", first: str | None = None, second: str | None = None) -> str:
    """What to look at, with the panels named (default: left and right, side by side)."""
    first = first or _panel_word(lang, "place_left", "left")
    second = second or _panel_word(lang, "place_right", "right")
    return text(lesson, "look", lang, first=first, second=second)


def caption(lesson: Lesson, lang: str = "en") -> str:
    """The lesson as Markdown for the How-it-works page: title, claim, what to look at (panels left and right), source."""
    lines = [f"### {title(lesson, lang)}", text(lesson, "claim", lang), "", look(lesson, lang)]
    lines += ["", f"*{_panel_word(lang, 'source', 'Source')}: {text(lesson, 'source', lang)}*"]
    return "\n".join(lines)


def group_heading(group: str, lang: str = "en") -> str:
    """The heading of a group of lessons ("basics": the paper; "further": since 2022)."""
    return say(lang, f"lessons.group.{group}")
