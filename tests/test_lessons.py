"""The lessons: at least six lab lessons and the MNIST one, each complete in both languages and a valid view."""
from explainer.i18n import LANGUAGES
from explainer.lab.lessons import BY_KEY, LESSONS, caption
from explainer.lab.selection import CHOICES


def test_lessons_are_complete_in_both_languages():
    assert len(LESSONS) >= 7 and len(BY_KEY) == len(LESSONS)
    for i, lesson in enumerate(LESSONS):
        for lang in LANGUAGES:
            assert lesson.title[lang].startswith(f"{i + 1} ·") and len(lesson.caption[lang]) > 80
            assert caption(lesson, lang).startswith("### ")
        assert lesson.caption["ko"] != lesson.caption["en"]


def test_lab_lessons_are_valid_views_and_say_what_to_drag():
    lab = [lesson for lesson in LESSONS if lesson.selection is not None]
    assert len(lab) >= 6
    for lesson in lab:
        sel = lesson.selection.validated()
        assert sel.method in CHOICES and ("**w**" in lesson.caption["en"] or "**λ**" in lesson.caption["en"])
        assert set(lesson.layers) <= {"field", "heatmap", "tempered", "zoom"}
    assert [lesson.tab for lesson in LESSONS if lesson.selection is None] == ["mnist"]


def test_the_paper_claims_each_have_a_lesson():
    methods = {lesson.key: lesson.selection.method for lesson in LESSONS if lesson.selection}
    assert methods["naive"] == "scaled|reduced" and methods["w_plus_one"] == "cg:bases"
    assert BY_KEY["noisy_classifier"].selection.classifier == "clean"
    assert BY_KEY["implicit_classifier"].layers["field"] == "implicit"
