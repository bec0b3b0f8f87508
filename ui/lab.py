"""Event handlers of the 2D lab, the mixture editor, *Train your own* and the /toy endpoint (app.py wires them).

Each handler is thin: build one Selection from the controls, make one call into explainer, turn a ValueError
into gr.Error. State (LAB) is created here and loads lazily: nothing heavy at import.
"""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import gradio as gr

from cfg_core import jsontext, methods
from cfg_core.mixture_json import MAX_FILE_BYTES, PRESETS, MixtureError, mixture_from_dict, mixture_to_dict, parse_mixture_json
from cfg_core.toy.training import estimate_seconds, weak_config
from explainer.figures import save_animation
from explainer.lab import figures
from explainer.lab.editor import rows_to_spec, spec_to_rows
from explainer.own_data.service import points_from_json
from explainer.i18n import LANGUAGES, pick_language, t
from explainer.lab.service import Lab
from explainer.lab.lessons import BY_KEY, caption
from explainer.lab.selection import CHOICES, CONTROLS, PAIRS, REFERENCES, Selection, choice_label
from explainer.lab.selection import unknown_lesson_notice, unusable_mixture_notice
from explainer.words import explain, say
from explainer.lab.train_job import TrainingJobs, training_config
from ui import guard
from ui.errors import UserError, info, warning
from ui.files import _ANIM_DIR, ANIM_MAX_AGE_S, CHECKPOINT_DIR, animation_path  # noqa: F401 (re-exported)
from ui.words import relabel

MAX_HINTS_BYTES = 10_000  # the canvas hints are a language and a lesson's few layer switches
MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # a mixture JSON file
STATIC = Path(__file__).resolve().parent / "static"
DEFAULTS = Selection()
TOGGLED = ("classifier", "cg_base", "sampler", "reference", "corrector_steps", "corrector_ratio", "lam_lo", "lam_hi",
           "good_blur", "bad_blur")  # the controls visibility() shows or hides, in its order

LAB = Lab(CHECKPOINT_DIR)
TRAINING = TrainingJobs(LAB.registry)  # one training at a time per app, each cancellable


@contextlib.contextmanager
def user_errors(*also: type[Exception], lang: str = "en"):
    """Turn the library's one-line ValueErrors (and `also`) into gr.Error in the reader's language (a coded error
    in its catalog words, any other as its English line): shown to the user, the server keeps serving."""
    try:
        yield
    except (ValueError, *also) as err:
        raise UserError(explain(err, lang)) from None


def selection(values) -> Selection:
    """The controls' values (the event may append the canvas hints) as a checked Selection, or gr.Error."""
    with user_errors(lang=values_language(values)):
        return Selection.from_values(*values[:len(CONTROLS)])


def values_language(values) -> str:
    """The reader's language from an event's values (the canvas hints come last, when the event sends them)."""
    return language(hints_of(values[-1]).get("lang")) if len(values) > len(CONTROLS) else "en"


def class_radio(sel: Selection) -> gr.Radio:
    with user_errors():
        _, mix = LAB.resolve(sel)
    return gr.Radio(choices=[(n, i) for i, n in enumerate(mix.class_names)], value=min(sel.label, mix.num_classes - 1))


def control_values(sel: Selection) -> list:
    """What a handler returns to the controls for a selection: its values, the mixture and class as updates."""
    values = list(sel.values())
    values[0], values[2] = gr.update(value=sel.dataset), class_radio(sel)
    return values


def language(lang) -> str:
    return lang if lang in LANGUAGES else "en"


def lesson_hints(lang: str, key: str = "") -> str:
    """The canvas hints box: the language, and the lesson whose layers the canvas sets once."""
    layers = BY_KEY[key].layers if key in BY_KEY else {}
    return json.dumps({"lang": lang, "layers": layers, "lesson": key if key in BY_KEY else ""})


def hints_of(text) -> dict:
    """The canvas hints (language, a lesson's layers) from the hidden hints box; {} when unreadable."""
    try:
        hints = jsontext.loads(text, "the canvas hints", MAX_HINTS_BYTES) if text else {}
    except ValueError:  # not text, too large, invalid or nested too deeply: the defaults
        return {}
    return hints if isinstance(hints, dict) else {}


def visibility(method, sampler="ddim", schedule="constant", score="learned"):
    """Show each setting only where it applies: CG's classifier and base with a CG panel, CFG's bad model with a CFG
    panel, the sampler where the method uses it, the corrector's K and w'/w with pc, the interval with a weight
    schedule, the blurs with exact scores (in TOGGLED order)."""
    method = method if method in CHOICES else DEFAULTS.method
    names = Selection(method=method).methods
    has_cg = any(methods.get(m).classifier for m in names)
    pair_knob = PAIRS[method][1] if method in PAIRS else None
    fixed_sampler = pair_knob == "sampler" or all(methods.get(m).tau is not None for m in names)
    pc = sampler == "pc" or "pc" in (PAIRS[method][2] if method in PAIRS else ())
    has_reference = REFERENCES["uncond"] in [p for p in method.split("|") if p in methods.METHODS] or (
        method in PAIRS and PAIRS[method][0] == REFERENCES["uncond"])
    shown = (has_cg, has_cg and pair_knob != "cg_base", not fixed_sampler, has_reference,
             pc, pc, schedule != "constant", schedule != "constant", score == "exact", score == "exact")
    return tuple(gr.update(visible=v) for v in shown)


def visibility_of(sel: Selection) -> tuple:
    return visibility(sel.method, sel.sampler, sel.schedule, sel.score)


# --- lab events -----------------------------------------------------------------------------------
def update_view(*values, progress=gr.Progress()):
    """A new view for the controls (the last value is the canvas hints); progress shows a retraining checkpoint.
    The canvas gets a pointer to the view's file (ui/view_route.py serves it) and fetches it."""
    sel, hints = selection(values), hints_of(values[-1])
    with user_errors(lang=values_language(values)):
        text, view, note = LAB.pointer(sel, hints, lambda frac, desc: progress(frac, desc=desc))
    return text, LAB.summary(view, sel.w, note, language(hints.get("lang"))), sel.to_query()


def on_w(*values):
    """The slider's change event: the browser already redrew; sync the numbers and the link."""
    sel = selection(values)
    with user_errors(lang=values_language(values)):
        view, note = LAB.view(sel)
    return LAB.summary(view, sel.w, note, language(hints_of(values[-1]).get("lang"))), sel.to_query()


def on_dataset(dataset, custom_json):
    return class_radio(Selection(dataset=dataset, custom_json=custom_json or ""))


def restore_from_url(request: gr.Request):
    """Controls from the page's query string (the 'link to this view'); defaults where absent or bad, each said in
    one line of the reader's language."""
    params = dict(request.query_params) if request is not None else {}
    headers = getattr(request, "headers", None) or {}
    lang = pick_language(params.get("lang"), headers.get("accept-language"))
    lesson = params.pop("lesson", None)
    if lesson is not None and lesson not in BY_KEY:
        link_warning(lang, [unknown_lesson_notice(lesson)])
    elif lesson is not None and BY_KEY[lesson].selection is not None:
        params = {**{k: str(v) for k, v in BY_KEY[lesson].selection.__dict__.items() if k != "custom_json"}, **params}
    sel, notices = Selection.from_query(params)
    try:
        LAB.resolve(sel)
    except ValueError as err:  # a mixture the lab cannot use (its classes, its size): the default view
        notices.append(unusable_mixture_notice(err))
        sel = DEFAULTS
    values = control_values(sel)
    if notices:
        link_warning(lang, notices)
    text = caption(BY_KEY[lesson], lang) if lesson in BY_KEY else ""
    tab = gr.Tabs(selected=BY_KEY[lesson].tab) if lesson in BY_KEY and BY_KEY[lesson].tab != "lab" else gr.skip()
    return (*values, lesson_hints(lang, lesson or ""), lang, text, tab, *visibility_of(sel))


def link_warning(lang: str, notices: list[str]) -> None:
    """A link's bad settings as one toast in the reader's language (each notice is a coded Phrase or error)."""
    text = "; ".join(explain(n, lang) for n in notices)
    warning(say(lang, "errors.link.settings_not_valid", notices=text), title=say(lang, "errors.link.warning_title"))


def apply_lesson(key: str, hints: str):
    """Everything a lesson sets: the controls, the canvas hints, the caption, the tab to show."""
    lesson = BY_KEY.get(key)
    if lesson is None:
        raise UserError(f"unknown lesson {key!r}; choose one of {', '.join(BY_KEY)}")
    lang = language(hints_of(hints).get("lang"))
    if lesson.selection is None:  # the MNIST lesson: keep the lab as it is, open the MNIST tab
        return (*[gr.skip()] * len(CONTROLS), lesson_hints(lang, key), caption(lesson, lang),
                gr.Tabs(selected=lesson.tab), *[gr.skip()] * len(TOGGLED))
    sel = lesson.selection
    return (*control_values(sel), lesson_hints(lang, key), caption(lesson, lang), gr.Tabs(selected="lab"),
            *visibility_of(sel))


def open_lesson(key: str, values, progress=None):
    """A lesson button, as one event (values: the controls and the canvas hints): apply_lesson's outputs, then
    update_view's for the lesson's selection, or for the controls as they are on the MNIST lesson, whose panel the
    lab's canvas announces. One queued event per click instead of two: a hall of students pressing it waits less."""
    applied = apply_lesson(key, values[-1])
    lesson = BY_KEY[key]
    controls = lesson.selection.values() if lesson.selection is not None else values[:len(CONTROLS)]
    return (*applied, *update_view(*controls, applied[len(CONTROLS)], progress=progress))


def lesson_event(key: str):
    """The event function of a lesson's buttons (Gradio passes the controls and hints, and a progress bar)."""
    def fn(*values, progress=gr.Progress()):
        return open_lesson(key, values, progress)
    return fn


def set_language(lang: str, hints: str, hints_box, lesson_text, bound: tuple | None = None) -> dict:
    """{component: update}: every bound word in the chosen language (ui.words), the caption and the hints (the
    canvas redraws in it)."""
    lang = language(lang)
    hints_d = {**hints_of(hints), "lang": lang}
    lesson = BY_KEY.get(hints_d.get("lesson", ""))
    return {hints_box: json.dumps(hints_d), lesson_text: caption(lesson, lang) if lesson else "",
            **relabel(lang, bound)}


# the controls whose choices are words: (catalog key, value) pairs
CLASSIFIER_WORDS = (("clf_noisy", "noisy"), ("clf_clean", "clean"))
REFERENCE_WORDS = (("ref_uncond", "uncond"), ("ref_weak", "weak"), ("ref_random", "random"))
SCHEDULE_WORDS = (("sched_constant", "constant"), ("sched_interval", "interval"), ("sched_ramp", "ramp"))
SCORE_WORDS = (("score_learned", "learned"), ("score_exact", "exact"))
BASE_WORDS = (("base_conditional", "conditional"), ("base_unconditional", "unconditional"))
SAMPLER_WORDS = (("sampler_ddim_choice", "ddim"), ("sampler_ddpm_choice", "ddpm"), ("sampler_pc", "pc"),
                 ("sampler_smc", "smc"))


def lab_choices(lang: str) -> list[tuple[str, str]]:
    """The lab's method menu in lang (the registry's lab methods, their comparisons and the pairs)."""
    return [(choice_label(c, lang), c) for c in CHOICES]


def make_animation(fmt, *values):
    """The lab's view as an MP4 or GIF, titled in the reader's language (the last value is the canvas hints)."""
    sel = selection(values)
    lang = language(hints_of(values[-1]).get("lang")) if len(values) > len(CONTROLS) else "en"
    with user_errors():
        view, _ = LAB.view(sel)
    name = f"cfg-lab-{'-vs-'.join(sel.methods)}-w{sel.w:.3g}.{fmt}"  # never a user-given name in a path
    frames = figures.lab_frames(view, sel.w, lang=lang)
    return gr.File(str(save_animation(frames, animation_path(name))), visible=True)


# --- custom mixtures ------------------------------------------------------------------------------
def load_preset_into_editor(preset):
    if preset not in PRESETS:
        raise UserError(f"unknown preset {preset!r}")
    spec = mixture_to_dict(LAB.registry.mixture(preset))
    return spec_to_rows(spec), ", ".join(spec["classes"]), json.dumps(spec, indent=1)


def apply_table(rows, class_names):
    try:
        table = rows.values.tolist() if hasattr(rows, "values") else rows
        mix = mixture_from_dict(rows_to_spec(table, class_names))
    except MixtureError as err:
        raise UserError(str(err)) from None
    info(f"Custom mixture with {len(mix.weights)} components and classes {', '.join(mix.class_names)}.")
    return json.dumps(mixture_to_dict(mix)), json.dumps(mixture_to_dict(mix), indent=1), gr.update(value="custom"), \
        gr.Radio(choices=[(n, i) for i, n in enumerate(mix.class_names)], value=0)


def upload_mixture(path):
    if not path:
        raise UserError("no file")
    p = Path(path)
    if p.stat().st_size > MAX_UPLOAD_BYTES:
        raise UserError(f"a mixture file may be at most {MAX_UPLOAD_BYTES} bytes")
    try:
        mix = parse_mixture_json(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError("the file is not UTF-8 JSON text") from None
    except MixtureError as err:
        raise UserError(f"{p.name} is not a usable mixture: {err}. Nothing was changed.") from None
    spec = mixture_to_dict(mix)
    info(f"Loaded {p.name} into the table: press Apply to use it.")
    return spec_to_rows(spec), ", ".join(spec["classes"])


# --- train your own -------------------------------------------------------------------------------
def _training_setup(source, custom_json, p_uncond, steps, classifier_steps, points_text="", lang="en"):
    """(registry key, mixture, config, note, data) of a training request, or gr.Error with one line. source "points"
    trains on the raw points of *Your data* (registered under the mixture fitted to them)."""
    with user_errors(TypeError, lang=lang):
        if source == "points":
            if not points_text or not custom_json:
                raise ValueError("no points yet: fit your data in the Your data tab and press 'Use in the lab'")
            data = points_from_json(points_text)
        else:
            data = None
        text = custom_json if source in ("custom", "points") else json.dumps(mixture_to_dict(LAB.registry.mixture(source)))
        key, mix = LAB.resolve(Selection(dataset="custom", custom_json=text or ""))
        config, note = training_config(steps, classifier_steps, p_uncond)
    return key, mix, config, note, data


def train_estimate(source, custom_json, p_uncond, steps, classifier_steps, points_text="", hints="") -> str:
    """How long Train will take, measured now on this server (a few optimiser steps of each network)."""
    lang = language(hints_of(hints).get("lang"))
    _, mix, config, note, _ = _training_setup(source, custom_json, p_uncond, steps, classifier_steps, points_text, lang)
    seconds = estimate_seconds(mix, config)
    busy = t(lang, "train_busy") if TRAINING.running() else ""
    return (t(lang, "train_estimate", seconds=f"{seconds:.0f}", steps=config.steps, csteps=config.classifier_steps)
            + busy + (f"  \n{_capped(note, lang)}" if note else ""))


def _capped(note, lang: str) -> str:
    """training_config's note (the Space's caps) in lang."""
    return t(lang, "train_capped", steps=note[0], csteps=note[1]) if note else ""


PAGE_GRACE_S = 5.0  # training goes on this long without an open page (a heartbeat reconnecting), then stops


def train_custom(source, custom_json, p_uncond, steps, classifier_steps, points_text="", hints="",
                 request: gr.Request = None):
    """Train in a worker thread (one at a time per app); stream progress and the loss curve; register the model
    for the lab. Cancelling, or closing the page, stops the training at its next step; so does a request with no
    open page behind it (a raw HTTP call whose stream nobody reads), after PAGE_GRACE_S."""
    lang = language(hints_of(hints).get("lang"))
    key, mix, config, note, data = _training_setup(source, custom_json, p_uncond, steps, classifier_steps, points_text,
                                                   lang)
    note = _capped(note, lang)
    session = getattr(request, "session_hash", None) if request is not None else None
    alone_since = [None]

    def nobody_reads() -> bool:
        if request is None or guard.page_open(session):  # in-process callers (tests, scripts) read what they get
            alone_since[0] = None
            return False
        alone_since[0] = alone_since[0] or time.perf_counter()
        return time.perf_counter() - alone_since[0] > PAGE_GRACE_S

    stages = {**config.stage_steps(), "eps_weak": weak_config(config).steps}  # in training order
    curves: dict[str, list[float]] = {stage: [] for stage in stages}
    counts = list(stages.values())
    total, done_before = sum(counts), {name: sum(counts[:i]) for i, name in enumerate(stages)}
    job, last = TRAINING.start(key, config, data), 0.0
    try:
        for kind, payload in job.updates():
            if nobody_reads():
                print(f"training {key} stopped: no open page has read its progress for {PAGE_GRACE_S:g} s", flush=True)
                raise UserError(t(lang, "train_stopped"))
            if kind == "error":
                raise UserError(t(lang, "train_failed", error=payload))
            if kind == "cancelled":
                raise UserError(t(lang, "train_cancelled"))
            if kind == "done":
                break
            if time.perf_counter() - last > 0.5:
                last = time.perf_counter()
                if kind == "waiting":
                    yield t(lang, "train_waiting"), gr.skip(), gr.skip(), gr.skip()
                    continue
                stage, step, n, loss = payload
                curves[stage].append(loss)
                msg = t(lang, "train_progress", stage=t(lang, f"stage_{stage}"), step=step, n=n, loss=f"{loss:.4f}",
                        percent=f"{100 * (done_before[stage] + step) / total:.0f}")
                yield msg + (f"  \n{note}" if note else ""), figures.loss_figure(curves, lang=lang), gr.skip(), gr.skip()
            elif kind == "progress":
                curves[payload[0]].append(payload[3])
    finally:
        job.cancel()  # the client cancelled or went away (gradio closes this generator): stop the worker
    secs = payload.record.get("seconds", 0)
    done = dict(seconds=f"{secs:.1f}", p_uncond=f"{float(p_uncond):g}")
    said = t(lang, "train_done_points", n=len(data), **done) if data is not None else t(lang, "train_done", **done)
    yield (said + (f"  \n{note}" if note else ""), figures.loss_figure(curves, lang=lang),
           json.dumps(mixture_to_dict(mix)), gr.update(value="custom"))
