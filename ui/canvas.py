"""What every canvas (a gr.HTML drawn by a ui/static/*.js script) shares: ui/static/common.js and the page's config.

HEAD goes into each canvas's gr.HTML(head=...). Gradio adds a component's head to the page's <head> before that
component's js_on_load runs, and skips an inline script whose text is already there: so common.js runs once per page,
before the first canvas script, and every canvas reads one module (`cfgCommon`) with one language state. (Prepending
common.js to each script would give each canvas its own copy and its own state; the app's launch(head=) has no
guarantee to run before a component's script.)

The config is the server's, never a literal in the browser: the catalog's "canvas" words in every language
(explainer/locales/<lang>/canvas.json; the language switch only changes which one T reads), each w slider's
bounds, the class palette.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from explainer.lab.figures import CLASS_COLORS
from explainer.mnist.service import MAX_W as MNIST_W_MAX
from explainer.lab.views import W_MAX_UI
from explainer.lab.lessons import LESSONS
from explainer.words import LANGUAGES, browser_words, catalog

STATIC = Path(__file__).resolve().parent / "static"
# each w slider's range, by its id: the lab's and MNIST's Gradio sliders are built with these, Your data's preview
# slider (in its canvas) gets its range here and the server checks the same
W_BOUNDS = {"w-slider": (0.0, W_MAX_UI), "mnist-w": (0.0, MNIST_W_MAX), "own-w": (0.0, W_MAX_UI)}
_SLOT = "{} /* CONFIG: the page's config, put here by ui/canvas.py */"


PARTS = ("canvas", "panel", "lessons", "glossary")  # the catalog parts the browser draws with


def lesson_config(lesson) -> dict:
    """What the browser needs of a lesson to show its panel, ask its question and reveal the answer (no words:
    those are the catalog's "lessons" part)."""
    return {"key": lesson.key, "tab": lesson.tab, "group": lesson.group,
            "answer": lesson.answer, "choices": lesson_choices(lesson.key),
            "start_w": lesson.start_w, "reveal_w": lesson.reveal_w,
            "legend": list(lesson.legend), "annotate": list(lesson.annotate), "layers": dict(lesson.layers)}


def lesson_choices(key: str) -> int:
    """How many choices the lesson's question has (its words choice1, choice2, ... in the catalog)."""
    words = catalog("en")
    return sum(1 for i in range(1, 7) if f"lessons.{key}.choice{i}" in words)


def config() -> dict:
    """The page's config for the canvases: words per language, w's bounds, the class palette, the lessons and the
    glossary's terms."""
    glossary = [k[len("glossary."):-len(".name")] for k in catalog("en") if k.startswith("glossary.") and k.endswith(".name")]
    return {"words": {lang: browser_words(lang, PARTS) for lang in LANGUAGES},
            "w": {slider: list(bounds) for slider, bounds in W_BOUNDS.items()}, "palette": list(CLASS_COLORS),
            "lessons": [lesson_config(lesson) for lesson in LESSONS], "glossary": glossary}


@lru_cache(maxsize=1)
def head() -> str:
    """<script> common.js with the config filled in </script>: the same text for every canvas (Gradio dedupes it)."""
    text = (STATIC / "common.js").read_text(encoding="utf-8")
    blob = json.dumps(config(), ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    if _SLOT not in text:
        raise RuntimeError("ui/static/common.js lost its config slot")
    lesson = (STATIC / "lesson.js").read_text(encoding="utf-8")
    style = (STATIC / "lesson.css").read_text(encoding="utf-8")
    return f"<script>\n{text.replace(_SLOT, blob)}\n{lesson}</script>\n<style>\n{style}</style>"


def script(name: str) -> str:
    """A canvas's js_on_load (ui/static/<name>.js), read when the app is built."""
    return (STATIC / f"{name}.js").read_text(encoding="utf-8")


LESSON_FILES_WAIT_MS = 4000  # the longest a lesson's event waits for its files before it goes to the server anyway


def lesson_files_first(key: str) -> str:
    """The js= of a lesson button's event: first the lesson's view from the server's files, drawn by the lab canvas
    (which answers the browser event "cfg:lesson-files" {key, answer(promise)}), then the event goes to the server
    with its inputs unchanged (gradio awaits this function and sends what it returns) to sync the controls, numbers
    and link. So a hall pressing one lesson fetches two files each before any of them queues an event. No canvas to
    answer, or files not ready: the event goes at once (its pointer then draws the view)."""
    return ("(...args) => new Promise((resolve) => { let asked = false; const go = () => resolve(args); "
            "document.dispatchEvent(new CustomEvent('cfg:lesson-files', { detail: { key: "
            f"{json.dumps(key)}, answer: (p) => {{ asked = true; p.then(go, go); }} }} }})); "
            f"if (!asked) go(); else setTimeout(go, {LESSON_FILES_WAIT_MS}); }})")


def announce_w(slider) -> None:
    """A Gradio w slider announces every change of its value, by the user or by the server (a lesson, a link), as
    the browser event "cfg:w" {slider: its elem_id, w}; canvases listen instead of polling it. Browser-only."""
    js = ("(w) => { document.dispatchEvent(new CustomEvent('cfg:w', "
          f"{{ detail: {{ slider: {json.dumps(slider.elem_id)}, w }} }})); }}")
    slider.change(None, slider, None, js=js, queue=False, show_progress="hidden", api_visibility="private")
