"""The 2D lab's layout and wiring: the lessons bar, the w slider above the canvas, the few controls a student
needs (more behind "More settings"), the mixture editor. Handlers are in ui/lab.py.

The canvas (ui/static/lab.*) redraws in the browser at any w; the server only sends a new view when a
selection changes. Presenter mode (?present=1) is CSS plus keyboard handling in lab.js.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from cfg_core.mixture_json import PRESETS
from explainer.lab.editor import TABLE_COLUMNS
from explainer.i18n import LANGUAGE_NAMES, t
from ui import words
from ui.canvas import announce_w, head, lesson_files_first, script
from ui.words import bind, choices
from explainer.lab.lessons import LESSONS, caption, title
from explainer.lab.views import W_MAX_UI
from ui.lab import (BASE_WORDS, CLASSIFIER_WORDS, DEFAULTS, REFERENCE_WORDS, SAMPLER_WORDS, SCHEDULE_WORDS,
                    SCORE_WORDS, lesson_event, lab_choices, apply_table, load_preset_into_editor, make_animation,
                    on_dataset, on_w, set_language, update_view, upload_mixture, visibility)

STATIC = Path(__file__).resolve().parent / "static"
HEAVY = dict(concurrency_limit=2, concurrency_id="lab", api_visibility="private")


def lessons_bar():
    """The row of lesson buttons and the caption under it."""
    with gr.Row(elem_id="lessons", elem_classes="lessons-bar"):
        buttons = [bind(gr.Button(title(lesson, "en"), size="sm", elem_classes="lesson-btn", min_width=120),
                        value=lambda lang, lesson=lesson: title(lesson, lang)) for lesson in LESSONS]
    text = gr.Markdown(elem_id="lesson-text")  # the lesson's words for the language switch; the canvas shows the panel
    return buttons, text


def lab_tab(custom_json, hints):
    """Build the lab; returns (controls, outputs of update_view, the CG/sampler controls whose visibility changes)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260, elem_classes="lab-controls"):
            dataset = bind(gr.Dropdown([*PRESETS, "custom"], value=DEFAULTS.dataset, label=t("en", "mixture")),
                           label="mixture")
            label = bind(gr.Radio([("A", 0), ("B", 1), ("C", 2)], value=0, label=t("en", "class")), label="class")
            method = bind(gr.Dropdown(lab_choices("en"), value=DEFAULTS.method, label=t("en", "method")),
                          label="method", choices=lab_choices)
            reference = bind(gr.Dropdown(choices(REFERENCE_WORDS), value="uncond", label=t("en", "reference"),
                                         elem_id="lab-reference"), label="reference", choices=REFERENCE_WORDS)
            score = bind(gr.Radio(choices(SCORE_WORDS), value="learned", label=t("en", "score")), label="score",
                         choices=SCORE_WORDS)
            classifier = bind(gr.Radio(choices(CLASSIFIER_WORDS), value="noisy", label=t("en", "classifier")),
                              label="classifier", choices=CLASSIFIER_WORDS)
            with bind(gr.Accordion(t("en", "more"), open=False), label="more"):
                cg_base = bind(gr.Radio(choices(BASE_WORDS), value="conditional", label=t("en", "cg_base")),
                               label="cg_base", choices=BASE_WORDS)
                sampler = bind(gr.Radio(choices(SAMPLER_WORDS), value="ddim", label=t("en", "sampler"),
                                        elem_id="lab-sampler"), label="sampler", choices=SAMPLER_WORDS)
                with gr.Row():
                    corrector_steps = bind(gr.Slider(0, 20, value=1, step=1, label=t("en", "corrector_steps"),
                                                     visible=False, elem_id="lab-k", min_width=120),
                                           label="corrector_steps")
                    corrector_ratio = bind(gr.Slider(0, 4, value=1, step=0.5, label=t("en", "corrector_ratio"),
                                                     visible=False, elem_id="lab-wratio", min_width=120),
                                           label="corrector_ratio")
                schedule = bind(gr.Radio(choices(SCHEDULE_WORDS), value="constant", label=t("en", "schedule"),
                                         elem_id="lab-schedule"), label="schedule", choices=SCHEDULE_WORDS)
                with gr.Row():
                    lam_lo = bind(gr.Slider(-10, 10, value=-3, step=0.5, label=t("en", "lam_lo"), visible=False,
                                            min_width=120, elem_id="lab-lam-lo"), label="lam_lo")
                    lam_hi = bind(gr.Slider(-10, 10, value=3, step=0.5, label=t("en", "lam_hi"), visible=False,
                                            min_width=120, elem_id="lab-lam-hi"), label="lam_hi")
                with gr.Row():
                    good_blur = bind(gr.Slider(0, 1, value=0, step=0.02, label=t("en", "good_blur"), visible=False,
                                               min_width=120), label="good_blur")
                    bad_blur = bind(gr.Slider(0, 2, value=0.16, step=0.02, label=t("en", "bad_blur"), visible=False,
                                              min_width=120), label="bad_blur")
                lam = bind(gr.Slider(-10, 10, value=0.0, step=0.5, label=t("en", "lam")), label="lam")
                seed = bind(gr.Number(0, precision=0, minimum=0, maximum=9999, label=t("en", "seed")), label="seed")
        with gr.Column(scale=4, elem_classes="lab-main"):
            w = bind(gr.Slider(0, W_MAX_UI, value=DEFAULTS.w, step=0.01, elem_id="w-slider", label=t("en", "w")),
                     label="w")
            view = gr.HTML("", elem_id="toy-view", html_template=(STATIC / "lab.html").read_text(),
                           css_template=(STATIC / "lab.css").read_text(), js_on_load=script("lab"), head=head())
            announce_w(w)  # a w set by a lesson or a link reaches the canvas as "cfg:w"
            summary = gr.Markdown(elem_id="toy-summary")
            with gr.Row(elem_classes="lab-exports"):
                mp4_btn = bind(gr.Button(t("en", "mp4"), size="sm"), value="mp4")
                gif_btn = bind(gr.Button(t("en", "gif"), size="sm"), value="gif")
                link_btn = bind(gr.Button(t("en", "link"), size="sm"), value="link")
            anim_file = bind(gr.File(label=t("en", "anim_file"), interactive=False, visible=False, elem_id="lab-anim"),
                             label="anim_file")
            link = bind(gr.Textbox(label=t("en", "link_box"), elem_id="share-link", buttons=["copy"],
                                   placeholder=t("en", "link_placeholder")), label="link_box",
                        placeholder="link_placeholder")
            query_state = gr.Textbox(visible=False)
    controls = [dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed, reference,
                corrector_steps, corrector_ratio, schedule, lam_lo, lam_hi, good_blur, bad_blur]  # CONTROLS order
    toggled = [classifier, cg_base, sampler, reference, corrector_steps, corrector_ratio, lam_lo, lam_hi, good_blur,
               bad_blur]  # TOGGLED order
    outputs = [view, summary, query_state]
    inputs = controls + [hints]
    _editor(custom_json, dataset, label, inputs, outputs)
    for comp in (label, method, sampler, score, classifier, cg_base, lam, seed, reference, schedule):
        comp.input(update_view, inputs, outputs, trigger_mode="always_last", **HEAVY)
    for comp in (corrector_steps, corrector_ratio, lam_lo, lam_hi, good_blur, bad_blur):  # sliders: on release
        comp.release(update_view, inputs, outputs, trigger_mode="always_last", **HEAVY)
    for comp in (method, sampler, schedule, score):
        comp.change(visibility, [method, sampler, schedule, score], toggled, queue=False, api_visibility="private")
    dataset.input(on_dataset, [dataset, custom_json], label, api_visibility="private").then(
        update_view, inputs, outputs, **HEAVY)
    w.change(on_w, inputs, [summary, query_state], queue=False, api_name="w_sync", api_visibility="private")
    mp4_btn.click(lambda *v: make_animation("mp4", *v), inputs, anim_file, **HEAVY)
    gif_btn.click(lambda *v: make_animation("gif", *v), inputs, anim_file, **HEAVY)
    link_btn.click(None, query_state, link, js="(q) => { const u = location.origin + location.pathname + '?' + q; "
                   "try { navigator.clipboard.writeText(u); } catch (e) {} return u; }")
    return controls, outputs, toggled


def _editor(custom_json, dataset, label, inputs, outputs):
    with bind(gr.Accordion(t("en", "editor"), open=False, elem_classes="lab-editor"), label="editor"):
        with gr.Row():
            preset_src = bind(gr.Dropdown(list(PRESETS), value="three_gaussians", label=t("en", "editor_preset")),
                              label="editor_preset")
            load_btn = bind(gr.Button(t("en", "editor_load"), size="sm"), value="editor_load")
            upload = bind(gr.File(label=t("en", "editor_upload"), file_types=[".json"], height=80,
                                  elem_id="mixture-upload"), label="editor_upload")
        table = bind(gr.Dataframe(headers=list(TABLE_COLUMNS), datatype=["number"] * 7, column_count=(7, "fixed"),
                                  row_count=(3, "dynamic"), interactive=True, label=t("en", "editor_table")),
                     label="editor_table")
        class_names = bind(gr.Textbox("A, B, C", label=t("en", "editor_names"), elem_id="class-names"),
                           label="editor_names")
        apply_btn = bind(gr.Button(t("en", "editor_apply"), variant="primary", size="sm"), value="editor_apply")
        json_view = bind(gr.Code(language="json", label=t("en", "editor_json"), interactive=False), label="editor_json")
    load_btn.click(load_preset_into_editor, preset_src, [table, class_names, json_view], api_visibility="private")
    upload.upload(upload_mixture, upload, [table, class_names], api_visibility="private")
    apply_btn.click(apply_table, [table, class_names], [custom_json, json_view, dataset, label],
                    api_visibility="private").then(update_view, inputs, outputs, **HEAVY)


def wire_lab(controls, outputs, toggled, hints, lesson_buttons, lesson_text, tabs, lang, page_buttons=()):
    """Lessons (the bar's buttons and How-it-works' links) and the language switch, once every component exists."""
    inputs = controls + [hints]
    for lesson, button in [*zip(LESSONS, lesson_buttons), *zip(LESSONS, page_buttons)]:
        button.click(lesson_event(lesson.key), inputs, [*controls, hints, lesson_text, tabs, *toggled, *outputs],
                     js=lesson_files_first(lesson.key), show_progress="hidden", **HEAVY)  # the view is drawn
        # from its files before the event goes: the event must not dim it while it syncs the controls
    bound = words.snapshot()  # this app's words: a later build in the process must not redirect this switch
    relabel = dict(fn=lambda lang_, hints_: set_language(lang_, hints_, hints, lesson_text, bound),
                   inputs=[lang, hints], outputs=[hints, lesson_text, *words.components(bound)],
                   api_visibility="private", queue=False)
    lang.input(**relabel).then(update_view, inputs, outputs, **HEAVY)
    return relabel


def language_switch():
    return gr.Radio([(name, code) for code, name in LANGUAGE_NAMES.items()], value="en", show_label=False,
                    elem_id="lang-switch", container=False, min_width=160)


LESSON_FIGURES = STATIC / "lessons"  # <key>.png (English), <key>.ko.png: made by scripts/bench/bench_classroom.py --shots


def lesson_figure(key: str, lang: str) -> str | None:
    """The lesson's picture in lang (English when lang has none yet), or None."""
    for name in (f"{key}.{lang}.png", f"{key}.png"):
        if (LESSON_FIGURES / name).is_file():
            return str(LESSON_FIGURES / name)
    return None


def lessons_page(lang: str = "en"):
    """How-it-works' lesson list: each lesson's picture, caption and a button that opens it in the lab.
    Returns the buttons (wired like the lesson bar's); captions and buttons are relabelled by the language switch."""
    buttons = []
    for i, lesson in enumerate(LESSONS):
        with gr.Row(equal_height=False, elem_classes="how-lesson"):
            figure = lesson_figure(lesson.key, lang)
            if figure is not None:
                bind(gr.Image(figure, show_label=False, interactive=False, height=220, scale=2, min_width=280,
                              buttons=["fullscreen"]), value=lambda lang_, key=lesson.key: lesson_figure(key, lang_))
            with gr.Column(scale=3):
                bind(gr.Markdown(caption(lesson, lang)), value=lambda lang_, lesson=lesson: caption(lesson, lang_))
                buttons.append(bind(gr.Button(t(lang, "open_lesson", n=i + 1), size="sm", variant="secondary"),
                                    value=lambda lang_, n=i + 1: t(lang_, "open_lesson", n=n)))
    return buttons
