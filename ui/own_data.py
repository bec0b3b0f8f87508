"""The *Your data* tab: paint points or pick a scikit-learn data set or upload a CSV, fit a mixture (per class, by
BIC), drag a component, then use the fit in the lab (exact scores; train on the raw points in *Train your own*).

The canvas (ui/static/own_data.*) paints and drags in the browser and asks the server through its own Gradio events,
each with {id, args} as the event's data: "apply" fits (fit_points), "edit" previews a dragged component
(drag_preview), both answered into the canvas's value as {call, id, ...}; "submit" is "Use in the lab" (use_in_lab).
A data set or a CSV arrives as the canvas's value. Every bad input is a one-line message on the canvas.
"""
from __future__ import annotations

import json
import traceback
from pathlib import Path

import gradio as gr

from cfg_core import jsontext
from cfg_core.errors import Phrase, coded, recoded
from cfg_core.mixture_json import MixtureError
from cfg_core.toy.points import DATASETS, MAX_CSV_BYTES, PointsError, make_dataset, read_points_csv
from explainer.own_data import service as own_data
from explainer.i18n import t
from explainer.values import SelectionError, check_integer, check_number
from explainer.words import explain
from ui.canvas import W_BOUNDS, head, script
from ui.errors import UserError, info
from ui.words import bind

STATIC = Path(__file__).resolve().parent / "static"
MAX_N = 3000  # the data-set slider's end: fits in ~1 s and the canvas stays readable
# the controls' names inside an error message: Phrases, so explain() says them in the reader's language
NAMES = {"max components": coded(Phrase, "term.max_components", "max components"),
         "component": coded(Phrase, "term.component", "component"),
         "class": coded(Phrase, "term.class", "class"), "w": "w", "n": coded(Phrase, "term.n", "n"),
         "noise": coded(Phrase, "term.noise", "noise"), "seed": coded(Phrase, "term.seed", "seed")}


def _answer(fn) -> str:
    """Run fn; its JSON text, or {"error": one line, "error_ko": it in Korean} for any input the library refuses."""
    try:
        return json.dumps(fn(), separators=(",", ":"))
    except (ValueError, MixtureError, PointsError, SelectionError) as err:  # PointsError etc. are ValueErrors
        return json.dumps(error_json(err))


def error_json(err: BaseException) -> dict[str, str]:
    """{"error": the English line, "error_ko": it in Korean (explainer.words.explain)}: the canvas shows one."""
    return {"error": explain(err, "en"), "error_ko": explain(err, "ko")}


def _args(args: tuple, names: tuple[str, ...], defaults: tuple) -> tuple:
    """A server function's arguments: gradio passes the JS call's arguments as one list."""
    if len(args) == 1 and isinstance(args[0], list):
        args = tuple(args[0])
    required = len(names) - len(defaults)
    if not required <= len(args) <= len(names):
        raise coded(ValueError, "own.arguments", "expected {lo} to {hi} arguments ({names}), got {n}", lo=required,
                    hi=len(names), names=", ".join(names), n=len(args))
    return tuple(args) + defaults[len(args) - required:]


def fit_points(*args) -> str:
    """Server function fit_points(points_json, max_components=6): the fit JSON, or {"error"}."""
    def run():
        points_text, max_components = _args(args, ("points", "max_components"), (6,))
        k = check_integer(max_components, NAMES["max components"], 1, 12)
        return own_data.fit_json(own_data.points_from_json(points_text), k)
    return _answer(run)


def drag_preview(*args) -> str:
    """Server function drag_preview(mixture_json, component=-1, mean=[0, 0], label=0, w=3): the exact guided
    preview with component k's mean moved (k = -1: as fitted), or {"error"}."""
    def run():
        mixture_text, component, mean, label, w = _args(args, ("mixture", "component", "mean", "label", "w"),
                                                         (-1, [0.0, 0.0], 0, 3.0))
        try:
            mixture = jsontext.loads(mixture_text, "the fitted mixture", 2_000_000)
        except ValueError:
            mixture = None
        if not isinstance(mixture, dict):
            raise coded(MixtureError, "own.fit_unreadable", "the fitted mixture could not be read: press Fit again")
        k = check_integer(component, NAMES["component"], -1, 10_000)
        if k >= 0:
            mixture = own_data.moved(mixture, k, list(mean) if isinstance(mean, (list, tuple)) else mean)
        out = own_data.preview(mixture, check_integer(label, NAMES["class"], 0, 7),
                               check_number(w, NAMES["w"], *W_BOUNDS["own-w"]))
        return {**out, "mixture": mixture if k >= 0 else None}
    return _answer(run)


def _event_args(evt: gr.EventData) -> tuple[object, list]:
    """The id and the argument list a canvas event carries (trigger(event, {id, args}))."""
    data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
    request_id, args = data.get("id"), data.get("args")
    return (request_id if isinstance(request_id, int) else None), (args if isinstance(args, list) else [])


def _reply(call: str, evt: gr.EventData, fn) -> str:
    """fn(args) answered into the canvas's value as {"call": call, "id": the request's id, ...its JSON}. A fault is
    answered too (the canvas has a request pending), without its text (which may hold internal paths)."""
    request_id, args = _event_args(evt)
    try:
        out = json.loads(fn(args))
    except Exception:  # noqa: BLE001 (a bug, not a bad input: logged here)
        traceback.print_exc()
        out = {"error": "the server failed on this request; try again"}
    return json.dumps({"call": call, "id": request_id, **out}, separators=(",", ":"))


def fit_event(evt: gr.EventData) -> str:
    """The canvas's "apply" event: fit_points(*args)."""
    return _reply("fit", evt, fit_points)


def preview_event(evt: gr.EventData) -> str:
    """The canvas's "edit" event: drag_preview(*args)."""
    return _reply("preview", evt, drag_preview)


def use_event(evt: gr.EventData):
    """The canvas's "submit" event ("Use in the lab"): use_in_lab(value), its outputs."""
    args = _event_args(evt)[1]
    return use_in_lab(args[0] if args and isinstance(args[0], str) else "")


def generate(name, n, noise, seed, max_components) -> str:
    """A scikit-learn data set, fitted at once: the canvas's new value."""
    def run():
        if name not in DATASETS:
            raise coded(PointsError, "own.dataset_choice", "data set must be one of {names}, got {got!r}",
                        names=", ".join(DATASETS), got=name)
        pts = make_dataset(name, check_integer(n, NAMES["n"], 50, MAX_N), check_number(noise, NAMES["noise"], 0, 2),
                           check_integer(seed, NAMES["seed"], 0, 2**31 - 1))
        fit = own_data.fit_json(pts, check_integer(max_components, NAMES["max components"], 1, 12))
        return {"points": own_data.points_json(pts), "fit": fit,
                "message": f"{DATASETS[name].about}: {len(pts)} points, fitted in {fit['seconds']} s.",
                "message_ko": f"{name}: 점 {len(pts)}개, {fit['seconds']}초에 맞춤."}
    return _answer(run)


def upload_csv(path, max_components) -> str:
    """An uploaded CSV (x,y,label; labels integers or names), fitted at once; or {"error"} with one line."""
    def run():
        if not path:
            raise coded(PointsError, "own.no_file", "no file")
        p = Path(path)
        if p.stat().st_size > MAX_CSV_BYTES:
            raise coded(PointsError, "own.csv_too_large", "a CSV may be at most {max} bytes", max=MAX_CSV_BYTES)
        try:
            pts = read_points_csv(p, rescale=True)
        except PointsError as err:  # the message names the file: by its name, not the server's temp path
            raise recoded(PointsError, err, file=p.name) from None
        fit = own_data.fit_json(pts, check_integer(max_components, NAMES["max components"], 1, 12))
        return {"points": own_data.points_json(pts), "fit": fit,
                "message": f"{p.name}: {len(pts)} points in {pts.num_classes} classes (scaled into the window), "
                           f"fitted in {fit['seconds']} s.",
                "message_ko": f"{p.name}: 점 {len(pts)}개, 클래스 {pts.num_classes}개 (창 안으로 축소), "
                              f"{fit['seconds']}초에 맞춤."}
    return _answer(run)


def use_in_lab(value: str):
    """The canvas's "Use in the lab": the fitted mixture becomes the lab's custom mixture (exact scores), and its
    raw points are kept for *Train your own*."""
    try:
        data = jsontext.loads(value, "the canvas's value", own_data.MAX_JSON_BYTES)
        if not isinstance(data, dict):
            raise ValueError("the canvas's value is not a fitted mixture")
        text = own_data.mixture_text(data["mixture"])
        points = own_data.points_from_json(data["points"])
    except (ValueError, KeyError, TypeError, MixtureError) as err:
        raise UserError(f"nothing to use yet: {str(err).splitlines()[0] if str(err) else 'fit the points first'}") from None
    mix = json.loads(text)
    label = min(int(data.get("label", 0)) if isinstance(data.get("label"), int) else 0, len(mix["classes"]) - 1)
    info(f"The lab now shows your fitted mixture ({len(mix['components'])} components), exact scores. "
         "To compare with a network trained on your raw points, use Train your own → 'your points'.")
    return (text, gr.update(value="custom"), gr.Radio(choices=[(n, i) for i, n in enumerate(mix["classes"])], value=label),
            gr.update(value="exact"), json.dumps(own_data.points_json(points)), gr.Tabs(selected="lab"))


def own_data_tab():
    """Build the tab; returns the canvas (app.py wires "Use in the lab"). Its words are bound (ui.words)."""
    bind(gr.Markdown(t("en", "own_intro"), elem_id="own-intro"), value="own_intro")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260):
            name = bind(gr.Dropdown(dataset_choices("en"), value="moons", label=t("en", "own_dataset"),
                                    elem_id="own-dataset"), label="own_dataset", choices=dataset_choices)
            n = bind(gr.Slider(50, MAX_N, value=600, step=50, label=t("en", "own_n")), label="own_n")
            noise = bind(gr.Slider(0, 1, value=DATASETS["moons"].default_noise, step=0.05, label=t("en", "own_noise")),
                         label="own_noise")
            seed = bind(gr.Number(0, precision=0, minimum=0, maximum=9999, label=t("en", "seed")), label="seed")
            k = bind(gr.Slider(1, 12, value=6, step=1, label=t("en", "own_k")), label="own_k")
            make = bind(gr.Button(t("en", "own_generate"), variant="primary", elem_id="own-generate"),
                        value="own_generate")
            csv = bind(gr.File(label=t("en", "own_csv"), file_types=[".csv"], height=130, elem_id="own-csv"),
                       label="own_csv")
        with gr.Column(scale=3):
            canvas = gr.HTML("", elem_id="own-view", html_template=(STATIC / "own_data.html").read_text(),
                             css_template=(STATIC / "own_data.css").read_text(), js_on_load=script("own_data"),
                             head=head())
    # a thread each, like before; "multiple": the canvas asks again as soon as an answer arrives (it sends one at a
    # time), which Gradio's default ("once": none while the last is still finishing) would drop
    answer = dict(queue=False, show_progress="hidden", trigger_mode="multiple", api_visibility="private")
    canvas.apply(fit_event, None, canvas, **answer)
    canvas.edit(preview_event, None, canvas, **answer)
    make.click(generate, [name, n, noise, seed, k], canvas, concurrency_limit=2, concurrency_id="own",
               api_visibility="private")
    name.input(lambda d: DATASETS[d].default_noise if d in DATASETS else 0.0, name, noise, queue=False,
               api_visibility="private")
    csv.upload(upload_csv, [csv, k], canvas, concurrency_limit=2, concurrency_id="own", api_visibility="private")
    return canvas


def dataset_choices(lang: str) -> list[tuple[str, str]]:
    """The scikit-learn data sets, each with a few words about it in lang."""
    return [(f"{k}: {t(lang, 'own_about_' + k)}", k) for k in DATASETS]
