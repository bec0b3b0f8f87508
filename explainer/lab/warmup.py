"""No waits in class: compute, in the background after the server is up, every view a lesson or one control change
can reach, so switching redraws from the cache.

Order: the lessons first (a lecturer clicks them in order), then each lesson's view for the other classes (a
student's first click on a lesson), then for every preset, class and method the learned
panel at the default sampler, noise level and seed (a dropdown change away from the default view). Panels are
cached per (mixture, model, spec), so two-panel comparisons are assembled from them at no cost. The thread
lowers its own scheduling priority, and each computation goes through the lab's bounded semaphore, so a user's
request waits for at most one panel in progress.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace

from cfg_core.mixture_json import PRESETS
from explainer.lab.service import Lab
from explainer.lab.lessons import LESSONS
from cfg_core import methods
from explainer.lab.selection import SINGLE, Selection

WARM_METHODS = methods.on("lab") + tuple(name for name, m in methods.METHODS.items()  # every panel a choice can
                                         if m.classifier and name not in SINGLE)      # show (cg + clean = cg_clean)


def as_choice(name: str) -> tuple[str, str]:
    """(lab method choice, CG classifier) that shows the registry method name (cg_clean -> cg with clean)."""
    if name in SINGLE:
        return name, "noisy"
    kind = methods.get(name).classifier
    return next((m, kind) for m in SINGLE if methods.with_classifier(m, kind) == name)


@dataclass
class WarmupState:
    """Progress of the warm-up (read by the benchmark and the tests)."""

    total: int = 0
    done: int = 0
    failed: list = field(default_factory=list)
    started: float = 0.0
    seconds: float | None = None  # set when finished
    first: int = 0  # how many of the plan's first selections are the lessons' views (the first views)

    @property
    def finished(self) -> bool:
        return self.seconds is not None

    @property
    def first_views_done(self) -> bool:
        """The lessons' views are computed (the MNIST atlas waits for this; it has the lowest priority)."""
        return self.finished or self.done >= self.first


def lessons_by_view() -> dict[Selection, list[str]]:
    """Each lesson's view (its selection; w does not change a view), in lesson order, with the lessons it opens."""
    out: dict[Selection, list[str]] = {}
    for lesson in LESSONS:
        if lesson.selection:
            out.setdefault(replace(lesson.selection, w=Selection.w), []).append(lesson.key)
    return out


def lesson_views() -> list[Selection]:
    """The lessons' selections, in lesson order: the first views to compute."""
    return list(lessons_by_view())


def plan(lab: Lab) -> list[Selection]:
    """The selections to compute, lessons first."""
    out = list(lesson_views())
    for sel in lesson_views():  # a class change on a lesson (its method, sampler and score kept)
        classes = lab.registry.mixture(sel.dataset).num_classes if sel.dataset in PRESETS else 0
        out.extend(replace(sel, label=label) for label in range(classes) if label != sel.label)
    for dataset in PRESETS:
        mix = lab.registry.mixture(dataset)
        for label in range(mix.num_classes):
            for name in WARM_METHODS:
                method, classifier = as_choice(name)
                out.append(Selection(dataset=dataset, label=label, method=method, classifier=classifier))
    return list(dict.fromkeys(replace(s, w=Selection.w) for s in out))  # w does not change a view


def run(lab: Lab, selections: list[Selection], state: WarmupState) -> WarmupState:
    """Compute each selection's view (failures are recorded, never raised)."""
    state.total, state.done, state.started = len(selections), 0, time.perf_counter()
    lessons = lessons_by_view()
    for sel in selections:
        try:
            lab.view(sel)
            for key in lessons.get(sel, []):  # its buttons can fetch it as files from now on
                lab.publish_lesson(key, sel)
        except Exception as err:  # noqa: BLE001 - a bad preset must not stop the others
            state.failed.append(f"{sel.dataset}/{sel.label}/{sel.method}: {err}")
        state.done += 1
    state.seconds = time.perf_counter() - state.started
    return state


def start(lab: Lab, nice: int = 5) -> WarmupState:
    """Run the warm-up in a daemon thread at a lower priority; returns its live state."""
    state = WarmupState(first=len(lesson_views()))

    def work():
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)  # this thread only (Linux)
        except (AttributeError, OSError):
            pass
        run(lab, plan(lab), state)
        print(f"warm-up: {state.done} views in {state.seconds:.0f} s, {len(state.failed)} failed", flush=True)

    threading.Thread(target=work, daemon=True, name="lab-warmup").start()
    return state
