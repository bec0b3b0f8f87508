"""The Gradio explainer of diffusion guidance: UI and event wiring only (the maths lives in cfg_core).

Tabs: the 2D guidance lab (a canvas redrawn in the browser from a precomputed w grid), MNIST,
train your own 2D model, how it works. API endpoints: /toy and /mnist (see README).
Run: python app.py   (honours GRADIO_SERVER_PORT / GRADIO_SERVER_NAME)
"""
from __future__ import annotations

import base64
import io
import json
import math
import os
import queue
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from cfg_core import figures  # noqa: E402
from cfg_core.lab_views import (TABLE_COLUMNS, W_GRID, LabViews, ModelRegistry, PanelSpec,  # noqa: E402
                                rows_to_spec, samples_at, snap_w, spec_to_rows)
from cfg_core.mnist_views import STEPS as MNIST_STEPS, MnistService, find_sweep, load_sweep, sweep_curves  # noqa: E402
from cfg_core.training import MixtureTrainConfig  # noqa: E402
from toy_data.mixtures import PRESETS, MixtureError, mixture_from_dict, mixture_to_dict, parse_mixture_json  # noqa: E402

STATIC = Path(__file__).resolve().parent / "app_static"
HOW_IT_WORKS = STATIC / "how_it_works.md"
MAX_UPLOAD_BYTES = 1_000_000
LAB_CHOICES = [("CFG", "cfg"), ("CG", "cg"), ("Score scaling (baseline)", "scaled"),
               ("Reduced sampler noise (baseline)", "reduced"), ("No guidance", "none"),
               ("CFG vs CG", "cfg|cg"), ("CFG vs score scaling", "cfg|scaled"),
               ("CFG vs reduced noise", "cfg|reduced")]
LAB_METHODS = {v for _, v in LAB_CHOICES}
MNIST_CHOICES = [("CFG", "cfg"), ("CG", "cg"), ("Score scaling (baseline)", "scaled"),
                 ("Reduced sampler noise (baseline)", "reduced"), ("No guidance", "none"),
                 ("CFG vs CG", "cfg|cg"), ("CFG vs score scaling", "cfg|scaled")]
MNIST_METHODS = {v for _, v in MNIST_CHOICES}
DEFAULTS = {"dataset": "three_gaussians", "label": 0, "method": "cfg|cg", "w": 2.0, "sampler": "ddim",
            "score": "learned", "classifier": "noisy", "cg_base": "conditional", "lam": 0.0, "seed": 0}
MNIST_DEFAULTS = (3, "cfg|cg", 2.0, 0, "noisy")  # digit, method, w, seed, CG's classifier
MNIST_STEPS_NOTE = f"DDIM, {MNIST_STEPS} steps (as in docs/MNIST.md and the sweep)."
TAU_NOTE = ("**Reduced sampler noise** runs the ancestral (DDPM) sampler on the plain conditional model with its "
            "injected noise multiplied by **tau = 1/(1+w)**, tied to the w slider (w = 0: the normal sampler).")

# CFG_CHECKPOINT_DIR: a folder with one checkpoint folder per preset and mnist/ (default: the shipped checkpoints/)
CHECKPOINT_DIR = Path(os.environ["CFG_CHECKPOINT_DIR"]) if os.environ.get("CFG_CHECKPOINT_DIR") else None
REGISTRY, VIEWS = ModelRegistry(CHECKPOINT_DIR), LabViews(maxsize=48)
MNIST = MnistService(CHECKPOINT_DIR / "mnist" if CHECKPOINT_DIR is not None else None)


def _retrain_config() -> MixtureTrainConfig:
    """What a preset with a missing or broken checkpoint is retrained with; CFG_RETRAIN_STEPS="2000,800"
    (eps-network steps, steps per classifier) makes it shorter, e.g. for tests."""
    text = os.environ.get("CFG_RETRAIN_STEPS", "")
    if not text:
        return MixtureTrainConfig()
    steps, classifier_steps = (int(v) for v in text.split(","))
    return MixtureTrainConfig(steps=steps, classifier_steps=classifier_steps)


RETRAIN = _retrain_config()
_RETRAINING: dict[str, tuple[threading.Lock, dict]] = {}  # key -> (lock, latest progress) while it retrains
_RETRAINING_LOCK = threading.Lock()


# --- helpers: validation and the lab view ---------------------------------------------------------
def _finite_w(w, hi: float = 10.0) -> float:
    """w from the UI or the API: a finite number in [0, hi], snapped to the lab grid; gr.Error otherwise."""
    try:
        w = float(w)
    except (TypeError, ValueError):
        raise gr.Error(f"w must be a number in [0, {hi:g}], got {w!r}") from None
    if not math.isfinite(w) or not 0 <= w <= hi:
        raise gr.Error(f"w must be a finite number in [0, {hi:g}] (w = 0 is no guidance), got {w}")
    return w


def _int(v, name: str, lo: int, hi: int) -> int:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise gr.Error(f"{name} must be an integer in [{lo}, {hi}], got {v!r}") from None
    if not math.isfinite(f) or f != int(f) or not lo <= f <= hi:
        raise gr.Error(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(f)


def _resolve(dataset: str, custom_json: str):
    """(registry key, mixture) for a preset name or 'custom' (the editor's JSON)."""
    try:
        if dataset == "custom":
            if not custom_json:
                raise MixtureError("no custom mixture yet: edit the table or upload JSON, then press Apply")
            mix = parse_mixture_json(custom_json)
            return REGISTRY.add_custom(mix), mix
        return dataset, REGISTRY.mixture(str(dataset))
    except MixtureError as err:
        raise gr.Error(str(err)) from None


def _trained_or_retrain(key: str, progress=None):
    """The preset's networks; a missing or broken checkpoint is retrained once (other callers wait and see
    the same progress message)."""
    tm, model_key = REGISTRY.trained(key)
    if tm is not None or key not in REGISTRY.problems or key.startswith("custom-"):
        return tm, model_key
    with _RETRAINING_LOCK:
        lock, state = _RETRAINING.setdefault(key, (threading.Lock(), {"desc": f"retraining {key}: starting…"}))
    try:
        gr.Warning(f"The checkpoint of {key} is unusable ({REGISTRY.problems.get(key, 'missing')}); retraining it "
                   "now on the server's CPU (about 30 s)…")
    except Exception:  # noqa: BLE001 - outside an event (the warm-up): nobody to warn
        pass
    total = RETRAIN.steps + 2 * RETRAIN.classifier_steps
    done = {"eps_model": 0, "classifier_noisy": RETRAIN.steps, "classifier_clean": RETRAIN.steps + RETRAIN.classifier_steps}

    def cb(stage, step, n, loss):
        state["frac"] = (done.get(stage, 0) + step) / total
        state["desc"] = f"retraining {key} (checkpoint unusable): {stage} {step}/{n}, loss {loss:.3f}"
        if progress is not None:
            progress(state["frac"], desc=state["desc"])

    while not lock.acquire(timeout=0.5):  # someone else retrains it: show their progress
        if progress is not None:
            progress(state.get("frac", 0.0), desc=state["desc"])
    try:
        tm, model_key = REGISTRY.trained(key)
        if tm is None and key in REGISTRY.problems:
            with torch.inference_mode(False):
                REGISTRY.retrain(key, RETRAIN, cb)
            tm, model_key = REGISTRY.trained(key)
    finally:
        lock.release()
    return tm, model_key


def _specs(key, label, method, sampler, score, classifier, cg_base, lam, seed) -> list[PanelSpec]:
    if method not in LAB_METHODS:
        raise gr.Error(f"method must be one of {', '.join(sorted(LAB_METHODS))}, got {method!r}")
    return [PanelSpec(key, label, m, sampler, score, classifier, cg_base, seed, lam) for m in method.split("|")]


def lab_view(dataset, custom_json, label, method, sampler, score, classifier, cg_base, lam, seed,
             progress=None) -> tuple[dict, str]:
    """The precomputed view for a selection, and a note when it had to fall back to exact scores."""
    key, mix = _resolve(dataset, custom_json)
    label = _int(label, "label", 0, mix.num_classes - 1)
    seed = _int(seed, "seed", 0, 2**31 - 1)
    note = ""
    tm, model_key = (None, "")
    if score == "learned":
        tm, model_key = _trained_or_retrain(key, progress)
        if tm is None:
            score, note = "exact", ("No trained model for this mixture yet: showing **exact** scores. "
                                    "Train one in the *Train your own* tab.")
    try:
        view = VIEWS.view(mix, tm, _specs(key, label, method, sampler, score, classifier, cg_base, lam, seed),
                          model_key)
    except ValueError as err:
        raise gr.Error(str(err).splitlines()[0]) from None
    return view, note


def _query(dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed) -> str:
    q = {"dataset": dataset, "label": label, "method": method, "w": w, "sampler": sampler, "score": score,
         "classifier": classifier, "cg_base": cg_base, "lam": lam, "seed": seed}
    if dataset == "custom" and custom_json:
        q["mix"] = base64.urlsafe_b64encode(json.dumps(json.loads(custom_json), separators=(",", ":")).encode()).decode()
    return urllib.parse.urlencode(q)


def _summary(view: dict, w: float, note: str = "") -> str:
    wi = W_GRID.index(snap_w(w))
    lines = [f"**w = {W_GRID[wi]:g}** (diffusers guidance_scale = {1 + W_GRID[wi]:g}) · mixture **{view['mixture']}**, "
             f"class **{view['class_names'][view['label']]}**"]
    for p in view["panels"]:
        n = p["numbers"][wi]
        err = f", learned field error {100 * p['field_error'][wi]:.1f} %" if p["field_error"] else ""
        lines.append(f"- {p['title']}: mean p(c|x) {n['mean_posterior']:.3f}, diversity {n['diversity']:.3f}, "
                     f"SW₂ to p(x|c) {n['distance_to_class']:.3f}, to tilted {n['distance_to_tilted']:.3f}{err}")
    if any(p["method"] == "reduced" for p in view["panels"]):
        lines.append(TAU_NOTE)
    if any(p["spec"]["classifier"] == "clean" and p["method"] == "cg" for p in view["panels"]):
        lines.append("CG is guided by the **clean-data** classifier: its gradient is wrong at high noise, "
                     "so samples are pushed to the wrong places (compare with the noise-aware one).")
    return "\n".join(lines + ([note] if note else []))


# --- lab events -----------------------------------------------------------------------------------
def update_view(dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed,
                progress=gr.Progress()):
    view, note = lab_view(dataset, custom_json, label, method, sampler, score, classifier, cg_base, lam, seed,
                          progress)
    w = snap_w(_finite_w(w))
    return (json.dumps(view, separators=(",", ":")), _summary(view, w, note),
            _query(dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed))


def on_w(dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed):
    """The slider's change event: the browser already redrew; sync the numbers and the link."""
    w = snap_w(_finite_w(w))
    view, note = lab_view(dataset, custom_json, label, method, sampler, score, classifier, cg_base, lam, seed)
    return _summary(view, w, note), _query(dataset, custom_json, label, method, w, sampler, score, classifier,
                                           cg_base, lam, seed)


def on_dataset(dataset, custom_json):
    key, mix = _resolve(dataset, custom_json)
    choices = [(name, i) for i, name in enumerate(mix.class_names)]
    return gr.Radio(choices=choices, value=0)


def restore_from_url(request: gr.Request):
    """Controls from the page's query string (the 'link to this view'); defaults where absent or bad."""
    q = dict(request.query_params) if request is not None else {}
    s = dict(DEFAULTS)
    custom_json = ""
    if q.get("mix"):
        try:
            custom_json = json.dumps(json.loads(base64.urlsafe_b64decode(q["mix"].encode())))
            parse_mixture_json(custom_json)
        except (ValueError, MixtureError):
            custom_json = ""
    dataset = q.get("dataset", s["dataset"])
    if dataset not in PRESETS and not (dataset == "custom" and custom_json):
        dataset = s["dataset"]
    mix = parse_mixture_json(custom_json) if dataset == "custom" else REGISTRY.mixture(dataset)

    def pick(name, allowed, cast=str):
        try:
            v = cast(q.get(name, s[name]))
            return v if v in allowed else s[name]
        except (TypeError, ValueError):
            return s[name]

    label = pick("label", range(mix.num_classes), int)
    w = pick("w", W_GRID, lambda v: snap_w(float(v)))
    lam = pick("lam", [x / 2 for x in range(-20, 21)], float)
    seed = pick("seed", range(0, 10_000), int)
    return (gr.Dropdown(value=dataset), custom_json, gr.Radio(choices=[(n, i) for i, n in enumerate(mix.class_names)],
                                                              value=label),
            pick("method", LAB_METHODS), w, pick("sampler", ("ddim", "ddpm")), pick("score", ("learned", "exact")),
            pick("classifier", ("noisy", "clean")), pick("cg_base", ("conditional", "unconditional")), lam, seed)


def make_animation(fmt, dataset, custom_json, label, method, w, sampler, score, classifier, cg_base, lam, seed):
    view, _ = lab_view(dataset, custom_json, label, method, sampler, score, classifier, cg_base, lam, seed)
    w = snap_w(_finite_w(w))
    out = Path(tempfile.mkdtemp(prefix="cfg-anim-")) / f"cfg-lab-{view['mixture']}-{method.replace('|', '-vs-')}-w{w:g}.{fmt}"
    return gr.File(str(figures.save_animation(figures.lab_frames(view, w), out)), visible=True)


# --- custom mixtures ------------------------------------------------------------------------------
def load_preset_into_editor(preset):
    mix = REGISTRY.mixture(preset) if preset in PRESETS else None
    if mix is None:
        raise gr.Error(f"unknown preset {preset!r}")
    spec = mixture_to_dict(mix)
    return spec_to_rows(spec), ", ".join(spec["classes"]), json.dumps(spec, indent=1)


def apply_table(rows, class_names):
    try:
        table = rows.values.tolist() if hasattr(rows, "values") else rows
        spec = rows_to_spec(table, class_names)
        mix = mixture_from_dict(spec)
    except MixtureError as err:
        raise gr.Error(str(err)) from None
    text = json.dumps(mixture_to_dict(mix))
    gr.Info(f"Custom mixture with {len(mix.weights)} components and classes {', '.join(mix.class_names)}.")
    return text, json.dumps(mixture_to_dict(mix), indent=1), gr.Dropdown(value="custom"), \
        gr.Radio(choices=[(n, i) for i, n in enumerate(mix.class_names)], value=0)


def upload_mixture(path):
    if not path:
        raise gr.Error("no file")
    p = Path(path)
    if p.stat().st_size > MAX_UPLOAD_BYTES:
        raise gr.Error(f"a mixture file may be at most {MAX_UPLOAD_BYTES} bytes")
    try:
        mix = parse_mixture_json(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise gr.Error("the file is not UTF-8 JSON text") from None
    except MixtureError as err:
        raise gr.Error(f"{p.name} is not a usable mixture: {err}. Nothing was changed.") from None
    spec = mixture_to_dict(mix)
    gr.Info(f"Loaded {p.name} into the table: press Apply to use it.")
    return spec_to_rows(spec), ", ".join(spec["classes"])


# --- train your own -------------------------------------------------------------------------------
def train_custom(source, custom_json, p_uncond, steps, classifier_steps):
    """Train in a worker thread; stream progress and the loss curve; register the model for the lab."""
    key, mix = _resolve(source, custom_json) if source == "custom" else _resolve("custom", json.dumps(
        mixture_to_dict(REGISTRY.mixture(source))))
    try:
        config = MixtureTrainConfig(steps=int(steps), classifier_steps=int(classifier_steps), p_uncond=float(p_uncond))
    except ValueError as err:
        raise gr.Error(str(err)) from None
    events: queue.Queue = queue.Queue()
    curves: dict[str, list[float]] = {"eps_model": [], "classifier_noisy": [], "classifier_clean": []}
    result: dict = {}

    def work():
        try:
            result["tm"] = REGISTRY.retrain(key, config, lambda *a: events.put(a))
        except Exception as err:  # reported to the user below
            result["error"] = str(err)
        events.put(None)

    threading.Thread(target=work, daemon=True).start()
    total = config.steps + 2 * config.classifier_steps
    done_before = {"eps_model": 0, "classifier_noisy": config.steps, "classifier_clean": config.steps + config.classifier_steps}
    last = time.perf_counter()
    msg = "starting…"
    while True:
        item = events.get()
        if item is None:
            break
        stage, step, n, loss = item
        curves[stage].append(loss)
        msg = f"**{stage}** step {step}/{n}, loss {loss:.4f} — overall {100 * (done_before[stage] + step) / total:.0f} %"
        if time.perf_counter() - last > 0.5:
            last = time.perf_counter()
            yield msg, figures.loss_figure(curves), gr.skip(), gr.skip()
    if "error" in result:
        raise gr.Error(f"training failed: {result['error']}")
    secs = result["tm"].record.get("seconds", 0)
    text = json.dumps(mixture_to_dict(mix))
    yield (f"Trained in {secs:.1f} s (p_uncond {p_uncond:g}). The lab now uses it: dataset **custom**.",
           figures.loss_figure(curves), text, gr.Dropdown(value="custom"))


# --- MNIST ----------------------------------------------------------------------------------------
def _mnist_missing() -> str:
    """Why the MNIST tab cannot sample and how to fix it ('' when the models load)."""
    if MNIST.models() is not None:
        return ""
    where = MNIST.checkpoint_dir or "checkpoints/mnist"
    return (f"⚠️ **No digits: the MNIST models could not be loaded** from `{where}`: {MNIST.problem}. "
            "The rest of the app keeps working, and the sweep curves below are from the shipped sweep. To enable "
            "the digits, restore the checkpoint or train it with `python -m cfg_core train --dataset mnist "
            "--out checkpoints/mnist` (about 40 min on 2 CPU cores; see docs/MNIST.md).")


def mnist_grids(label, method, w, seed, classifier="noisy"):
    if MNIST.models() is None:
        raise gr.Error(f"MNIST models are not available: {MNIST.problem}. Train them with "
                       "`python -m cfg_core train --dataset mnist` (see docs/MNIST.md).")
    w = _finite_w(w)
    label, seed = _int(label, "label", 0, 9), _int(seed, "seed", 0, 2**31 - 1)
    if method not in MNIST_METHODS:
        raise gr.Error(f"method must be one of {', '.join(sorted(MNIST_METHODS))}, got {method!r}")
    methods = method.split("|")
    try:  # one after the other: two threads in one process contend for the GIL and are slower than this
        grids = [MNIST.grid(label, m, w, seed, classifier) for m in methods]
    except ValueError as err:
        raise gr.Error(str(err).splitlines()[0]) from None
    return methods, grids


def _confidence_table(label, w, methods, grids) -> str:
    """Guide vs judge confidence, one column per method (readable next to the grid)."""
    names = dict((v, k) for k, v in MNIST_CHOICES)
    cols = [names.get(m, m).replace(" (baseline)", "") for m in methods]
    rows = [f"**Digit {label}, w = {float(w):g}** (guidance_scale {1 + float(w):g}); grids left to right: "
            + ", ".join(cols), "", "| | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, attr, fmt in (("guide p(c\\|x)¹", "guide_confidence", ".3f"), ("judge p(c\\|x)²", "judge_confidence", ".3f"),
                            ("judge reads it as " + str(label), "judge_accuracy", ".0%"), ("seconds", "seconds", ".2f")):
        rows.append(f"| {name} | " + " | ".join(format(getattr(g, attr), fmt) for g in grids) + " |")
    rows += ["", "¹ mean softmax of the **guide**, the noise-aware classifier that steers CG (CFG never uses it).  ",
             "² the **judge**, an independent classifier trained on other digits: it grades, it never guides."]
    return "\n".join(rows)


def mnist_update(label, method, w, seed, classifier):
    methods, grids = mnist_grids(label, method, w, seed, classifier)
    image = figures.side_by_side([figures.mnist_grid(g.x) for g in grids])
    image = np.pad(image, ((36, 0), (0, 0)), constant_values=255)  # room for the image's label and buttons
    return image, _confidence_table(label, w, methods, grids), sweep_image(w)


def mnist_first_show(shown, label, method, w, seed, classifier):
    """The tab's first selection: the default grid, the confidences and the sweep, or what is missing."""
    if shown:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), True
    problem = _mnist_missing()
    if problem:
        return None, "", sweep_image(w), problem, True
    return (*mnist_update(label, method, w, seed, classifier), "", True)


_SWEEP_IMAGES = {}


def sweep_image(w):
    """The sweep curves with w marked (None without a sweep); cached per w: the JSON is final."""
    w = float(w)
    if w not in _SWEEP_IMAGES:
        sweep = load_sweep(find_sweep())
        if sweep is None:
            return None
        fig = figures.sweep_figure(sweep_curves(sweep), w, _sweep_title(sweep))
        _SWEEP_IMAGES[w] = figures.figure_rgb(fig)
    return _SWEEP_IMAGES[w]


def _sweep_title(sweep: dict) -> str:
    cfg = sweep.get("config") if isinstance(sweep.get("config"), dict) else {}
    how = f"DDIM {cfg.get('steps', '?')} steps, {cfg.get('n_per_class', '?')} digits per class per point"
    return f"MNIST sweep ({how}; the judge's numbers); dashed line: current w"


def mnist_animation(fmt, label, method, w, seed, classifier):
    methods, grids = mnist_grids(label, method, w, seed, classifier)
    per = [figures.mnist_frames(g.trajectory) for g in grids]
    frames = [figures.side_by_side(list(fs)) for fs in zip(*per)]
    out = Path(tempfile.mkdtemp(prefix="cfg-mnist-")) / f"mnist-{label}-{method.replace('|', '-vs-')}-w{float(w):g}.{fmt}"
    return gr.File(str(figures.save_animation(frames, out)), visible=True)


# --- API endpoints --------------------------------------------------------------------------------
def toy(dataset: str = "three_gaussians", label: int = 0, method: str = "cfg", w: float = 2.0,
        sampler: str = "ddim", score: str = "learned", classifier: str = "noisy", seed: int = 0,
        mixture_json: str = "") -> dict:
    """2D lab: final samples and live numbers for one method at weight w (snapped to the 0.5 grid in [0, 10]).

    dataset: three_gaussians | two_overlapping | ring | custom (then give mixture_json);
    method: cfg | cg | scaled | reduced | none; sampler: ddim | ddpm; score: learned | exact;
    classifier (CG's guide): noisy | clean.
    """
    if not isinstance(method, str) or "|" in method or method not in LAB_METHODS:
        raise gr.Error("method must be one of cfg, cg, scaled, reduced, none")
    if dataset != "custom" and dataset not in PRESETS:
        raise gr.Error(f"unknown dataset {dataset!r}; choose one of {', '.join(PRESETS)} or custom")
    w = snap_w(_finite_w(w))
    view, note = lab_view(dataset, mixture_json, label, method, sampler, score, classifier, "conditional", 0.0, seed)
    wi = W_GRID.index(w)
    panel = view["panels"][0]
    return {"dataset": view["mixture"], "label": view["label"], "class_name": view["class_names"][view["label"]],
            "method": method, "w": w, "guidance_scale": 1 + w, "sampler": panel["spec"]["sampler"],
            "score": panel["spec"]["score"], "note": note, **panel["numbers"][wi],
            "learned_field_error": panel["field_error"][wi] if panel["field_error"] else None,
            "samples": np.round(samples_at(view, 0, w), 3).tolist()}


def mnist(label: int = 3, method: str = "cfg", w: float = 2.0, seed: int = 0) -> dict:
    """MNIST: 16 digits of `label` (PNG grid, base64) and the guide's and judge's confidence.

    method: cfg | cg | scaled | reduced | none; w in [0, 10].
    """
    if not isinstance(method, str) or "|" in method or method not in MNIST_METHODS:
        raise gr.Error("method must be one of cfg, cg, scaled, reduced, none")
    _, (g,) = mnist_grids(label, method, w, seed)
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(figures.mnist_grid(g.x, upscale=1)).save(buf, format="PNG")
    return {"label": int(label), "method": method, "w": float(w), "seed": int(seed),
            "guide_confidence": g.guide_confidence, "judge_confidence": g.judge_confidence,
            "judge_accuracy": g.judge_accuracy, "seconds": round(g.seconds, 3),
            "grid_png_base64": base64.b64encode(buf.getvalue()).decode()}


# --- the UI ---------------------------------------------------------------------------------------
def _lab_tab(custom_json):
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            dataset = gr.Dropdown([*PRESETS, "custom"], value=DEFAULTS["dataset"], label="mixture")
            label = gr.Radio([("A", 0), ("B", 1), ("C", 2)], value=0, label="class c")
            method = gr.Dropdown(LAB_CHOICES, value=DEFAULTS["method"], label="method (one panel, or two side by side)")
            w = gr.Slider(0, 10, value=DEFAULTS["w"], step=0.5, elem_id="w-slider",
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
    mp4_btn.click(lambda *a: make_animation("mp4", *a), controls, anim_file, **heavy)
    gif_btn.click(lambda *a: make_animation("gif", *a), controls, anim_file, **heavy)
    link_btn.click(None, query_state, link, js="(q) => { const u = location.origin + location.pathname + '?' + q; "
                   "try { navigator.clipboard.writeText(u); } catch (e) {} return u; }")
    load_btn.click(load_preset_into_editor, preset_src, [table, class_names, json_view], api_visibility="undocumented")
    upload.upload(upload_mixture, upload, [table, class_names], api_visibility="undocumented")
    apply_btn.click(apply_table, [table, class_names], [custom_json, json_view, dataset, label],
                    api_visibility="undocumented").then(update_view, controls, [view, summary, query_state], **heavy)
    return controls, (view, summary, query_state), (table, class_names, json_view)


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
        with gr.Tabs() as tabs:
            with gr.Tab("2D guidance lab", id="lab"):
                controls, lab_out, _ = _lab_tab(custom_json)
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
            lab_view(*(DEFAULTS[k] if k != "custom_json" else "" for k in
                       ("dataset", "custom_json", "label", "method", "sampler", "score", "classifier", "cg_base",
                        "lam", "seed")))
            if MNIST.models() is not None:  # the MNIST tab's first view, so opening it is instant
                mnist_grids(*MNIST_DEFAULTS)
                sweep_image(MNIST_DEFAULTS[2])
        except Exception as err:  # never take the server down from the warm-up
            print(f"warm-up failed: {err}")
    threading.Thread(target=work, daemon=True).start()


def launch(demo: gr.Blocks, **kwargs):
    return demo.queue(default_concurrency_limit=2).launch(
        max_file_size=MAX_UPLOAD_BYTES, ssr_mode=False, show_error=True,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]), **kwargs)


if __name__ == "__main__":
    app = build_demo()
    warm_up()
    launch(app, server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
           server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
