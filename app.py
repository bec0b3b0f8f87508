"""The Gradio explainer of diffusion guidance: builds the UI and wires events (handlers: ui.lab.py, ui.mnist.py).

Tabs: the 2D guidance lab (a canvas redrawn in the browser from a precomputed w grid), MNIST,
train your own 2D model, how it works. API endpoints: /toy and /mnist (see README), registered here.
Run: python app.py   (honours GRADIO_SERVER_PORT / GRADIO_SERVER_NAME)
"""
from __future__ import annotations

import inspect
import os
import signal
import socket
import sys
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from cfg_core.mixture_json import PRESETS  # noqa: E402
from cfg_core.toy.points import MAX_CSV_BYTES  # noqa: E402
from explainer.lab import baked, warmup  # noqa: E402
from explainer.i18n import HOW_IT_WORKS, t  # noqa: E402
from ui.api import exact_score, toy  # noqa: E402
from ui.lab import (CLASSIFIER_WORDS, DEFAULTS, LAB, on_dataset, restore_from_url, train_custom,  # noqa: E402
                    train_estimate, update_view)
from ui.guard import Guard  # noqa: E402
from ui.view_route import ViewRoute  # noqa: E402
from ui.own_data import own_data_tab, use_event  # noqa: E402
from ui.lab_tab import (HEAVY, STATIC, lab_tab, language_switch, lessons_bar, lessons_page,  # noqa: E402
                        wire_lab)
from ui import canvas, words  # noqa: E402
from ui.words import bind, choices  # noqa: E402
from explainer.mnist.service import MAX_W as MNIST_W_MAX  # noqa: E402
from ui.mnist import (ATLAS, MNIST, MNIST_DEFAULTS, TAB, mnist, mnist_animation, mnist_choices,  # noqa: E402
                      mnist_first_show, mnist_mark, mnist_update, mnist_view_now, sweep_view)


# --- the UI ---------------------------------------------------------------------------------------
def _mnist_tab(lang):
    """Controls left; the grids (#mnist-view, drawn by ui/static/mnist.js: dragging w swaps precomputed grids in the
    browser) right; the sweep full width below. The server is asked only for a new selection, or by the browser
    (the grids' "submit" event, fired by mnist.js) when a view lacks grids or w is released on a grid that is not
    ready.
    `lang` (the language switch) titles the MP4/GIF downloads."""
    bind(gr.Markdown(t("en", "mnist_intro"), elem_id="mnist-intro"), value="mnist_intro")
    script = canvas.script("mnist")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240, elem_classes="mnist-controls"):
            digit = bind(gr.Radio(list(range(10)), value=3, label=t("en", "digit"), elem_id="mnist-digit"),
                         label="digit")
            method = bind(gr.Dropdown(mnist_choices("en"), value="cfg|cg", label=t("en", "mnist_method"),
                                      elem_id="mnist-method"), label="mnist_method", choices=mnist_choices)
            seed = bind(gr.Number(0, precision=0, minimum=0, maximum=9999, label=t("en", "seed"),
                                  elem_id="mnist-seed"), label="seed")
            classifier = bind(gr.Radio(choices(CLASSIFIER_WORDS), value="noisy", label=t("en", "classifier")),
                              label="classifier", choices=CLASSIFIER_WORDS)
            mp4 = bind(gr.Button(t("en", "mnist_mp4"), size="sm"), value="mnist_mp4")
            gif = bind(gr.Button(t("en", "mnist_gif"), size="sm"), value="mnist_gif")
            anim = bind(gr.File(label=t("en", "anim_file"), interactive=False, visible=False, elem_id="mnist-anim"),
                        label="anim_file")
        with gr.Column(scale=4, elem_classes="mnist-main"):  # the slider right above the grids (sticky on phones)
            w = bind(gr.Slider(0, MNIST_W_MAX, value=2.0, step=0.05, elem_id="mnist-w", label=t("en", "mnist_w")),
                     label="mnist_w")
            status = gr.Markdown(elem_id="mnist-status", visible="hidden")  # shown only when the models are missing
            view = gr.HTML("", elem_id="mnist-view", html_template='<div class="mnist-root"></div>',
                           css_template=(STATIC / "mnist.css").read_text(), js_on_load=script, head=canvas.head())
    sweep = gr.HTML("", elem_id="mnist-sweep", html_template='<div class="mnist-root"></div>',
                    css_template=(STATIC / "mnist.css").read_text(), js_on_load=script, head=canvas.head())
    canvas.announce_w(w)  # a w set by other means reaches both canvases as "cfg:w"
    inputs = [digit, method, w, seed, classifier]
    heavy = dict(concurrency_limit=2, concurrency_id="mnist", api_visibility="private")
    new_selection = [digit.input, method.input, seed.input, classifier.input]
    gr.on(new_selection, mnist_view_now, inputs, view, queue=False, show_progress="hidden", api_name="mnist_view",
          api_visibility="private")  # instant, from what is ready; the browser then streams what is missing
    view.submit(mnist_mark, None, None, queue=False, show_progress="hidden", api_visibility="private")
    view.submit(mnist_update, inputs, view, trigger_mode="always_last", show_progress="hidden",
                api_name="mnist_stream", **heavy)
    mp4.click(lambda *a: mnist_animation("mp4", *a), [*inputs, lang], anim, **heavy)  # titled in the reader's language
    gif.click(lambda *a: mnist_animation("gif", *a), [*inputs, lang], anim, **heavy)
    return inputs, (view, sweep), status


def _train_tab(custom_json, own_points, controls, lab_out):
    bind(gr.Markdown(t("en", "train_intro")), value="train_intro")
    with gr.Row():
        sources = lambda lang: [("custom", "custom"), (t(lang, "train_points"), "points"), *[(p, p) for p in PRESETS]]
        source = bind(gr.Dropdown(sources("en"), value="three_gaussians", label=t("en", "train_source"),
                                  elem_id="train-source"), label="train_source", choices=sources)
        p_uncond = bind(gr.Slider(0.05, 0.5, value=0.1, step=0.05, label=t("en", "train_p_uncond")),
                        label="train_p_uncond")
        steps = bind(gr.Slider(200, 4000, value=1500, step=100, label=t("en", "train_steps"), elem_id="train-steps"),
                     label="train_steps")
        csteps = bind(gr.Slider(100, 2000, value=500, step=100, label=t("en", "train_csteps"),
                                elem_id="train-csteps"), label="train_csteps")
    with gr.Row(equal_height=True):
        train_btn = bind(gr.Button(t("en", "train_button"), variant="primary", scale=1), value="train_button")
        estimate = gr.Markdown(elem_id="train-estimate")
    progress = gr.Markdown(elem_id="train-progress")
    loss_plot = bind(gr.Plot(label=t("en", "train_loss"), elem_id="train-loss"), label="train_loss")
    dataset, label = controls[0], controls[2]  # controls: the lab's inputs (the hints box last)
    knobs = [source, custom_json, p_uncond, steps, csteps, own_points, controls[-1]]  # the hints: the language
    for comp in (source, p_uncond, steps, csteps):
        comp.change(train_estimate, knobs, estimate, concurrency_limit=1, concurrency_id="estimate",
                    trigger_mode="always_last", api_visibility="private")
    train_btn.click(train_custom, knobs,
                    [progress, loss_plot, custom_json, dataset], concurrency_limit=1, concurrency_id="train",
                    api_visibility="private").success(
        on_dataset, [dataset, custom_json], label, api_visibility="private").then(
        update_view, controls, list(lab_out), **HEAVY)
    return knobs, estimate


def build_demo() -> gr.Blocks:
    """The whole app; nothing heavy runs here (models load on first use)."""
    torch.set_num_threads(int(os.environ.get("CFG_TORCH_THREADS", "1")))
    words.reset()  # this build's components and their words (the language switch relabels them)
    with gr.Blocks(title=t("en", "page_title"), delete_cache=(600, 1800)) as demo:
        with gr.Row(elem_classes="app-header", equal_height=False):
            with gr.Column(scale=6, min_width=300):
                bind(gr.Markdown(t("en", "title"), elem_id="app-title"), value="title")
            with gr.Column(scale=1, min_width=190):
                lang = language_switch()
        custom_json = gr.State("")
        own_points = gr.State("")  # the raw points of Your data (JSON), for training on them
        hints = gr.Textbox('{"lang": "en"}', visible=False, elem_id="lab-hints")
        lesson_buttons, lesson_text = lessons_bar()
        with gr.Tabs() as tabs:
            with bind(gr.Tab(t("en", "tab_lab"), id="lab"), label="tab_lab"):
                controls, lab_out, toggled = lab_tab(custom_json, hints)
            with bind(gr.Tab(t("en", "tab_own"), id="own"), label="tab_own"):
                own_canvas = own_data_tab()
            with bind(gr.Tab(t("en", "tab_mnist"), id="mnist"), label="tab_mnist") as mnist_tab:
                mnist_inputs, mnist_out, mnist_status = _mnist_tab(lang)
            with bind(gr.Tab(t("en", "tab_train"), id="train"), label="tab_train") as train_tab:
                train_knobs, train_estimate_box = _train_tab(custom_json, own_points, controls + [hints], lab_out)
            with bind(gr.Tab(t("en", "tab_how"), id="how"), label="tab_how"):
                bind(gr.Markdown(t("en", "how_heading")), value="how_heading")
                page_buttons = lessons_page()
                bind(gr.Markdown((STATIC / HOW_IT_WORKS["en"]).read_text(encoding="utf-8"), latex_delimiters=[
                    {"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]),
                    value=lambda lang_: (STATIC / HOW_IT_WORKS[lang_]).read_text(encoding="utf-8"))
        # /toy and the w slider's sync are answered from the cache in < 1 ms, so they skip the queue (its
        # per-request overhead dominated under 40 users); precomputations stay bounded inside LabViews.
        gr.api(toy, api_name="toy", queue=False)
        gr.api(mnist, api_name="mnist", concurrency_limit=2, concurrency_id="mnist")
        gr.api(exact_score, api_name="exact_score", queue=False)  # closed form, milliseconds
        relabel = wire_lab(controls, lab_out, toggled, hints, lesson_buttons, lesson_text, tabs, lang, page_buttons)
        demo.load(restore_from_url, None, [*controls, hints, lang, lesson_text, tabs, *toggled],
                  api_visibility="private").then(**relabel).then(update_view, controls + [hints], lab_out, **HEAVY)
        dataset, label, score = controls[0], controls[2], controls[6]
        own_canvas.submit(use_event, None, [custom_json, dataset, label, score, own_points, tabs],
                          api_visibility="private").then(update_view, controls + [hints], lab_out, **HEAVY)
        train_tab.select(train_estimate, train_knobs, train_estimate_box, concurrency_limit=1,
                         concurrency_id="estimate", api_visibility="private")
        # MNIST renders lazily, when its tab is first opened (page load and start-up stay as fast as before)
        mnist_shown = gr.State(False)
        mnist_tab.select(mnist_first_show, [mnist_shown, *mnist_inputs], [*mnist_out, mnist_status, mnist_shown],
                         queue=False, api_name="mnist_open", api_visibility="private")  # never samples
    return demo


def warm_up() -> None:
    """Precompute the default lab view, the MNIST tab's first view, then every lab view a lesson or a control can
    reach (explainer.lab.warmup), in the background after start; the MNIST atlas (every digit x CFG/CG x w at seed 0)
    is filled last, at the lowest priority, once the lessons' views are done (nothing to do when it shipped)."""
    def work():
        try:
            LAB.view(DEFAULTS)
            if MNIST.models() is not None:  # the MNIST tab's first view, so opening it is instant
                ATLAS.atlas()
                sweep_view()
                for _ in TAB.stream(MNIST_DEFAULTS):
                    pass
        except Exception as err:  # never take the server down from the warm-up
            print(f"warm-up failed: {err}")
        state = warmup.start(LAB)
        if MNIST.models() is not None:
            ATLAS.start(ready=lambda: state.first_views_done)
    threading.Thread(target=work, daemon=True).start()


def server_name() -> str:
    """Where the server listens: 127.0.0.1 (this machine only) unless GRADIO_SERVER_NAME says otherwise (Spaces
    sets it to 0.0.0.0). A name that does not resolve is one clear line and exit 2 (gradio would go on to a
    misleading "Cannot find empty port")."""
    name = os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    try:
        socket.getaddrinfo(name, None)
    except (OSError, UnicodeError):
        raise SystemExit(f"error: GRADIO_SERVER_NAME={name[:80]!r} is not an address or host name of this machine "
                         "(use 127.0.0.1, or 0.0.0.0 for every interface)") from None
    return name


def launch(demo: gr.Blocks, **kwargs):
    """Start the server behind ui.guard (only /toy and /mnist callable by name, over-long links answered, open
    pages counted). Uploads may be as large as a 100,000-row CSV; a mixture file is checked at 1 MB by its handler.
    show_error=False: gr.Error messages (ours, one line each) still reach the user; other exceptions do not send
    their text (which may hold internal paths) to the client."""
    from starlette.middleware import Middleware

    return demo.queue(default_concurrency_limit=2).launch(
        max_file_size=MAX_CSV_BYTES, ssr_mode=False, show_error=False, head=(STATIC / "present.html").read_text(),
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),
        app_kwargs={"middleware": [Middleware(Guard, api_params=API_PARAMS), Middleware(ViewRoute, files=LAB.files)]},
        **kwargs)


API_PARAMS = {name: list(inspect.signature(fn).parameters) for name, fn in
              (("toy", toy), ("mnist", mnist), ("exact_score", exact_score))}  # ui.guard checks calls against them


def exit_on_sigterm() -> None:
    """SIGTERM (a Space stopping, `kill`) exits like Ctrl+C, so the atexit clean-ups run (the animation folder)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def parse_args(argv=None):
    """`python app.py [--mcp]`: --mcp also serves the API (/toy, /mnist, /exact_score) as MCP tools for AI assistants
    at /gradio_api/mcp/ (Gradio's MCP server; needs the `mcp` package from requirements.txt)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python app.py", description="The diffusion guidance explainer.")
    parser.add_argument("--mcp", action="store_true", help="also serve the API as an MCP server (/gradio_api/mcp/)")
    sub = parser.add_subparsers(dest="command")
    static = sub.add_parser("build-static", help="write the lessons as a static site (no server needed), then exit")
    static.add_argument("--out", type=Path, default=Path("site"), help="the folder to write (default: site/)")
    bake = sub.add_parser("bake-lessons", help="compute every lesson's view into toy_data/lessons/ (shipped, so a "
                          "fresh server draws lessons at once), then exit")
    bake.add_argument("--out", type=Path, default=baked.BAKED, help="the folder to write (default: toy_data/lessons/)")
    return parser.parse_args(argv)


def build_static(out: Path) -> None:
    """`python app.py build-static --out site/`: the lessons as files (ui/static_site.py); prints what it wrote."""
    from ui.static_site import build

    try:
        report = build(out, LAB, progress=lambda line: print(line, flush=True))
    except OSError as err:  # a folder that cannot be made or written: one line, like the library's CLI
        print(f"error: cannot write the static site to {out}/: {err.strerror or err}", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {out}/ ({report['files']} files, {report['bytes'] / 1e6:.1f} MB): open {out}/index.html")


def bake_lessons(out: Path) -> None:
    """`python app.py bake-lessons`: every lesson's view as a shipped file (explainer/lab/baked.py)."""
    try:
        baked.bake(LAB, out, progress=lambda line: print(line, flush=True))
    except OSError as err:
        print(f"error: cannot write the baked lessons to {out}/: {err.strerror or err}", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {out}/index.json: commit it with the .json.br and .json.gz files beside it")


if __name__ == "__main__":
    args = parse_args()
    if args.command in ("build-static", "bake-lessons"):
        (build_static if args.command == "build-static" else bake_lessons)(args.out)
        sys.exit(0)
    host = server_name()
    exit_on_sigterm()
    app = build_demo()
    print(f"lessons ready as files: {len(baked.load(LAB))} (baked, toy_data/lessons/)", flush=True)
    warm_up()
    launch(app, server_name=host, server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
           mcp_server=args.mcp or None)
