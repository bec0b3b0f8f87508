"""The Gradio explainer of diffusion guidance: builds the UI and wires events (handlers: ui.lab.py, ui.mnist.py).

Tabs: the 2D guidance lab (a canvas redrawn in the browser from a precomputed w grid), MNIST,
train your own 2D model, how it works. API endpoints: /toy and /mnist (see README), registered here.
Run: python app.py   (honours GRADIO_SERVER_PORT / GRADIO_SERVER_NAME)
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from explainer.editor import TABLE_COLUMNS  # noqa: E402
from explainer.lab import TAU_NOTE  # noqa: E402
from ui.lab import (DEFAULTS, LAB, LAB_CHOICES, MAX_UPLOAD_BYTES, apply_table, load_preset_into_editor,  # noqa: E402
                    make_animation, on_dataset, on_w, restore_from_url, toy, train_custom, update_view,
                    upload_mixture)
from cfg_core.mixture_json import PRESETS  # noqa: E402
from explainer.mnist import STEPS as MNIST_STEPS  # noqa: E402
from ui.mnist import (MNIST, MNIST_CHOICES, MNIST_DEFAULTS, mnist, mnist_animation, mnist_first_show,  # noqa: E402
                      mnist_grids, mnist_update, sweep_image)

STATIC = Path(__file__).resolve().parent / "ui" / "static"
HOW_IT_WORKS = STATIC / "how_it_works.md"
MNIST_STEPS_NOTE = f"DDIM, {MNIST_STEPS} steps (as in docs/MNIST.md and the sweep)."

# --- the UI ---------------------------------------------------------------------------------------
def _lab_tab(custom_json):
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            dataset = gr.Dropdown([*PRESETS, "custom"], value=DEFAULTS.dataset, label="mixture")
            label = gr.Radio([("A", 0), ("B", 1), ("C", 2)], value=0, label="class c")
            method = gr.Dropdown(LAB_CHOICES, value=DEFAULTS.method, label="method (one panel, or two side by side)")
            w = gr.Slider(0, 10, value=DEFAULTS.w, step=0.5, elem_id="w-slider",
                          label="guidance weight w (paper's w; diffusers guidance_scale = 1 + w)")
            sampler = gr.Radio(["ddim", "ddpm"], value="ddim", label="sampler (reduced noise always uses ddpm)")
            score = gr.Radio(["learned", "exact"], value="learned", label="scores and classifier: learned networks or exact")
            classifier = gr.Radio([("noise-aware p(c|z_λ)", "noisy"), ("clean-data p(c|x)", "clean")], value="noisy",
                                  label="CG's classifier")
            cg_base = gr.Radio(["conditional", "unconditional"], value="conditional",
                               label="CG's base model (unconditional uses weight w+1)")
            lam = gr.Slider(-10, 10, value=0.0, step=0.5, label="noise level λ of the drawn score field (log-SNR)")
            seed = gr.Number(0, precision=0, minimum=0, maximum=9999, label="seed")
        with gr.Column(scale=3):
            view = gr.HTML("", elem_id="toy-view", html_template=(STATIC / "lab.html").read_text(),
                           css_template=(STATIC / "lab.css").read_text(), js_on_load=(STATIC / "lab.js").read_text())
            summary = gr.Markdown(elem_id="toy-summary")
            with gr.Row():
                mp4_btn = gr.Button("⬇ Animation (MP4)", size="sm")
                gif_btn = gr.Button("⬇ Animation (GIF)", size="sm")
                link_btn = gr.Button("Link to this view", size="sm")
            anim_file = gr.File(label="animation (MP4 / GIF)", interactive=False, visible=False, elem_id="lab-anim")
            link = gr.Textbox(label="link to this view (copied to the clipboard)", elem_id="share-link", buttons=["copy"],
                              placeholder="press 'Link to this view': a URL that reopens exactly this view")
            query_state = gr.Textbox(visible=False)
    with gr.Accordion("Edit or upload a mixture (then choose mixture = custom)", open=False):
        with gr.Row():
            preset_src = gr.Dropdown(list(PRESETS), value="three_gaussians", label="start from preset")
            load_btn = gr.Button("Load preset into the table", size="sm")
            upload = gr.File(label="upload mixture JSON (≤ 1 MB)", file_types=[".json"], height=80,
                             elem_id="mixture-upload")
        table = gr.Dataframe(headers=list(TABLE_COLUMNS), datatype=["number"] * 7, column_count=(7, "fixed"),
                             row_count=(3, "dynamic"), interactive=True, label="components (class = index into the names)")
        class_names = gr.Textbox("A, B, C", label="class names, comma separated", elem_id="class-names")
        apply_btn = gr.Button("Apply: use this mixture in the lab", variant="primary", size="sm")
        json_view = gr.Code(language="json", label="the mixture as JSON", interactive=False)
    controls = [dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed]
    heavy = dict(concurrency_limit=2, concurrency_id="lab", api_visibility="undocumented")
    for comp in (label, method, sampler, score, classifier, cg_base, lam, seed):
        comp.input(update_view, controls, [view, summary, query_state], trigger_mode="always_last", **heavy)
    dataset.input(on_dataset, [dataset, custom_json], label, api_visibility="undocumented").then(
        update_view, controls, [view, summary, query_state], **heavy)
    w.change(on_w, controls, [summary, query_state], queue=False, api_name="w_sync", api_visibility="undocumented")
    mp4_btn.click(lambda *v: make_animation("mp4", *v), controls, anim_file, **heavy)
    gif_btn.click(lambda *v: make_animation("gif", *v), controls, anim_file, **heavy)
    link_btn.click(None, query_state, link, js="(q) => { const u = location.origin + location.pathname + '?' + q; "
                   "try { navigator.clipboard.writeText(u); } catch (e) {} return u; }")
    load_btn.click(load_preset_into_editor, preset_src, [table, class_names, json_view], api_visibility="undocumented")
    upload.upload(upload_mixture, upload, [table, class_names], api_visibility="undocumented")
    apply_btn.click(apply_table, [table, class_names], [custom_json, json_view, dataset, label],
                    api_visibility="undocumented").then(update_view, controls, [view, summary, query_state], **heavy)
    return controls, (view, summary, query_state)


def _mnist_tab():
    gr.Markdown("Guided samples of one digit from a small class-conditional U-Net (trained with p_uncond = 0.1). "
                "The **judge** is an independent classifier trained on a separate split: it grades, it never guides. "
                f"{MNIST_STEPS_NOTE} " + TAU_NOTE)
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            digit = gr.Radio(list(range(10)), value=3, label="digit")
            method = gr.Dropdown(MNIST_CHOICES, value="cfg|cg", label="method")
            w = gr.Slider(0, 10, value=2.0, step=0.5, elem_id="mnist-w", label="w (guidance_scale = 1 + w)")
            seed = gr.Number(0, precision=0, minimum=0, maximum=9999, label="seed")
            classifier = gr.Radio([("noise-aware", "noisy"), ("clean-data", "clean")], value="noisy",
                                  label="CG's classifier")
        with gr.Column(scale=4):
            status = gr.Markdown(elem_id="mnist-status")
            with gr.Row():
                grid = gr.Image(label="16 samples per method (PNG download: the button on the image)",
                                elem_id="mnist-view", type="numpy", format="png", height=340, scale=3)
                with gr.Column(scale=2, min_width=300):
                    table = gr.Markdown(elem_id="mnist-confidence", container=True, min_height=120)
            with gr.Row():
                mp4 = gr.Button("⬇ Denoising animation (MP4)", size="sm")
                gif = gr.Button("⬇ Denoising animation (GIF)", size="sm")
            anim = gr.File(label="animation (MP4 / GIF)", interactive=False, visible=False, elem_id="mnist-anim")
            sweep = gr.Image(label="sweep curves (python -m cfg_core sweep --dataset mnist)", type="numpy",
                             format="png", elem_id="mnist-sweep", show_label=False)
    inputs = [digit, method, w, seed, classifier]
    heavy = dict(concurrency_limit=2, concurrency_id="mnist", api_visibility="undocumented")
    for comp in (digit, method, seed, classifier):
        comp.input(mnist_update, inputs, [grid, table, sweep], trigger_mode="always_last", **heavy)
    w.release(mnist_update, inputs, [grid, table, sweep], trigger_mode="always_last", **heavy)
    w.input(mnist_update, inputs, [grid, table, sweep], trigger_mode="always_last", **heavy)
    mp4.click(lambda *a: mnist_animation("mp4", *a), inputs, anim, **heavy)
    gif.click(lambda *a: mnist_animation("gif", *a), inputs, anim, **heavy)
    return inputs, (grid, table, sweep), status


def _train_tab(custom_json, controls, lab_out):
    gr.Markdown("Train the three networks of the lab (the joint conditional/unconditional ε-network with label "
                "dropout p_uncond, a noise-aware classifier and a clean-data classifier) on a mixture, here, on the "
                "server's CPU. Edit a mixture in the lab's *Edit or upload a mixture* panel first, or start from a "
                "preset. When it finishes, the lab switches to mixture **custom**.")
    with gr.Row():
        source = gr.Dropdown(["custom", *PRESETS], value="three_gaussians", label="train on")
        p_uncond = gr.Slider(0.05, 0.5, value=0.1, step=0.05, label="p_uncond (paper: 0.1–0.2 good, 0.5 worse)")
        steps = gr.Slider(200, 4000, value=1500, step=100, label="ε-network steps", elem_id="train-steps")
        csteps = gr.Slider(100, 2000, value=600, step=100, label="classifier steps (each)", elem_id="train-csteps")
    train_btn = gr.Button("Train", variant="primary")
    progress = gr.Markdown(elem_id="train-progress")
    loss_plot = gr.Plot(label="training loss (every 50 steps)", elem_id="train-loss")
    dataset, label = controls[0], controls[2]
    train_btn.click(train_custom, [source, custom_json, p_uncond, steps, csteps],
                    [progress, loss_plot, custom_json, dataset], concurrency_limit=1, concurrency_id="train",
                    api_visibility="undocumented").success(
        on_dataset, [dataset, custom_json], label, api_visibility="undocumented").then(
        update_view, controls, list(lab_out), concurrency_limit=2, concurrency_id="lab", api_visibility="undocumented")


def build_demo() -> gr.Blocks:
    """The whole app; nothing heavy runs here (models load on first use)."""
    torch.set_num_threads(int(os.environ.get("CFG_TORCH_THREADS", "1")))
    with gr.Blocks(title="Diffusion guidance explainer", delete_cache=(600, 1800)) as demo:
        gr.Markdown("# Diffusion guidance, interactively\nClassifier-free guidance (Ho & Salimans 2022) next to "
                    "classifier guidance and two naive baselines. *w* is the paper's weight: w = 0 is the plain "
                    "conditional model; diffusers' `guidance_scale` is 1 + w.")
        custom_json = gr.State("")
        with gr.Tabs():
            with gr.Tab("2D guidance lab", id="lab"):
                controls, lab_out = _lab_tab(custom_json)
            with gr.Tab("MNIST", id="mnist") as mnist_tab:
                mnist_inputs, mnist_out, mnist_status = _mnist_tab()
            with gr.Tab("Train your own", id="train"):
                _train_tab(custom_json, controls, lab_out)
            with gr.Tab("How it works", id="how"):
                gr.Markdown(HOW_IT_WORKS.read_text(encoding="utf-8"), latex_delimiters=[
                    {"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}])
        # /toy and the w slider's sync are answered from the cache in < 1 ms, so they skip the queue (its
        # per-request overhead dominated under 40 users); precomputations stay bounded inside LabViews.
        gr.api(toy, api_name="toy", queue=False)
        gr.api(mnist, api_name="mnist", concurrency_limit=2, concurrency_id="mnist")
        demo.load(restore_from_url, None, [c for c in controls], api_visibility="undocumented").then(
            update_view, controls, list(lab_out), concurrency_limit=2, concurrency_id="lab",
            api_visibility="undocumented")
        # MNIST renders lazily, when its tab is first opened (page load and start-up stay as fast as before)
        mnist_shown = gr.State(False)
        mnist_tab.select(mnist_first_show, [mnist_shown, *mnist_inputs], [*mnist_out, mnist_status, mnist_shown],
                         concurrency_limit=2, concurrency_id="mnist", api_visibility="undocumented")
    return demo


def warm_up() -> None:
    """Precompute the default lab view and the MNIST tab's first view in the background after start."""
    def work():
        try:
            LAB.view(DEFAULTS)
            if MNIST.models() is not None:  # the MNIST tab's first view, so opening it is instant
                mnist_grids(*MNIST_DEFAULTS)
                sweep_image(MNIST_DEFAULTS[2])
        except Exception as err:  # never take the server down from the warm-up
            print(f"warm-up failed: {err}")
    threading.Thread(target=work, daemon=True).start()


def server_name() -> str:
    """Where the server listens: 127.0.0.1 (this machine only) unless GRADIO_SERVER_NAME says otherwise (Spaces
    sets it to 0.0.0.0)."""
    return os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"


def launch(demo: gr.Blocks, **kwargs):
    # show_error=False: gr.Error messages (ours, one line each) still reach the user; other exceptions do not
    # send their text (which may hold internal paths) to the client
    return demo.queue(default_concurrency_limit=2).launch(
        max_file_size=MAX_UPLOAD_BYTES, ssr_mode=False, show_error=False,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]), **kwargs)


if __name__ == "__main__":
    app = build_demo()
    warm_up()
    launch(app, server_name=server_name(),
           server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
