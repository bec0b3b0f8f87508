"""The warm-up plan covers what lessons, a class change on a lesson and one control change reach; running it fills
the cache, errors recorded."""
from dataclasses import replace

from cfg_core.mixture_json import PRESETS
from explainer.lab import warmup
from explainer.lab.service import Lab
from explainer.lab.lessons import LESSONS
from explainer.lab.selection import Selection


def test_plan_starts_with_the_lessons_and_covers_presets_classes_methods():
    lab = Lab()
    plan = warmup.plan(lab)
    lessons = [replace(lesson.selection, w=Selection.w) for lesson in LESSONS if lesson.selection]
    assert plan[: len(lessons)] == lessons
    for sel in lessons:  # a class change on a lesson is cached too
        for label in range(lab.registry.mixture(sel.dataset).num_classes):
            assert replace(sel, label=label) in plan
    for dataset in PRESETS:
        for label in range(lab.registry.mixture(dataset).num_classes):
            assert Selection(dataset=dataset, label=label, method="reduced") in plan
            assert Selection(dataset=dataset, label=label, method="cg", classifier="clean") in plan
    assert len(plan) == len(set(plan))


def test_run_fills_the_cache_and_records_failures():
    lab = Lab()
    good = Selection(dataset="two_overlapping", method="cfg", score="exact")
    bad = Selection(dataset="custom")  # no custom mixture: an error, recorded
    state = warmup.run(lab, [good, bad], warmup.WarmupState())
    assert state.finished and state.done == 2 and len(state.failed) == 1 and "custom" in state.failed[0]
    assert len(lab.views.panels) == 1


def test_first_views_are_the_lessons_and_gate_the_mnist_atlas():
    state = warmup.WarmupState(first=len(warmup.lesson_views()))
    assert state.first == len([lesson for lesson in LESSONS if lesson.selection]) and not state.first_views_done
    state.done = state.first
    assert state.first_views_done
    assert warmup.WarmupState(first=5, seconds=1.0).first_views_done  # finished (even with failures)
