"""Event handlers of the Gradio explainer (app.py builds the UI and wires these; the maths lives in cfg_core).

Validation of UI/API input (gr.Error with what is allowed), the 2D lab's events (precomputed views, summary,
share link, animations), the custom-mixture editor, *Train your own* (streams progress) and the documented API
endpoint /toy. The MNIST tab's handlers and /mnist are in app_mnist.py. Model state (REGISTRY, VIEWS) is created
here, lazily loaded on first use: nothing heavy at import.
"""
from __future__ import annotations

import base64
import json
import math
import os
import queue
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import gradio as gr
import numpy as np
import torch

from cfg_core import figures
from cfg_core.lab_registry import ModelRegistry, rows_to_spec, spec_to_rows
from cfg_core.lab_views import W_GRID, LabViews, PanelSpec, samples_at, snap_w
from cfg_core.training import MixtureTrainConfig
from toy_data.mixtures import PRESETS, MixtureError, mixture_from_dict, mixture_to_dict, parse_mixture_json

MAX_UPLOAD_BYTES = 1_000_000
LAB_CHOICES = [("CFG", "cfg"), ("CG", "cg"), ("Score scaling (baseline)", "scaled"),
               ("Reduced sampler noise (baseline)", "reduced"), ("No guidance", "none"),
               ("CFG vs CG", "cfg|cg"), ("CFG vs score scaling", "cfg|scaled"),
               ("CFG vs reduced noise", "cfg|reduced")]
LAB_METHODS = {v for _, v in LAB_CHOICES}
DEFAULTS = {"dataset": "three_gaussians", "label": 0, "method": "cfg|cg", "w": 2.0, "sampler": "ddim",
            "score": "learned", "classifier": "noisy", "cg_base": "conditional", "lam": 0.0, "seed": 0}
TAU_NOTE = ("**Reduced sampler noise** runs the ancestral (DDPM) sampler on the plain conditional model with its "
            "injected noise multiplied by **tau = 1/(1+w)**, tied to the w slider (w = 0: the normal sampler).")

# CFG_CHECKPOINT_DIR: a folder with one checkpoint folder per preset and mnist/ (default: the shipped checkpoints/)
CHECKPOINT_DIR = Path(os.environ["CFG_CHECKPOINT_DIR"]) if os.environ.get("CFG_CHECKPOINT_DIR") else None
REGISTRY, VIEWS = ModelRegistry(CHECKPOINT_DIR), LabViews(maxsize=48)


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
