"""The 2D lab as a service, without gradio: a Selection in, a LabView (every w of the grid), its summary,
and the /toy answer out.

It resolves the mixture (a preset or the editor's custom JSON), picks exact or learned quantities (a preset
whose checkpoint is unusable is retrained once; without networks the lab falls back to exact scores and says
so), and asks the view cache. Every user-facing failure is a ValueError with one line.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from cfg_core import jsontext, methods
from cfg_core.errors import coded
from cfg_core.mixture import GaussianMixture
from cfg_core.mixture_json import parse_mixture_json
from cfg_core.schedule import alpha_sigma
from cfg_core.toy.training import MixtureTrainConfig
from explainer.i18n import method_title, t, translate_note
from explainer.lab.registry import ModelRegistry
from explainer.lab.selection import SINGLE, Selection, SelectionError, check_number
from explainer.lab.views import SMC_MOVES, W_GRID, LabView, LabViews, PanelSpec, snap_w, w_neighbours
from explainer.view_files import ViewFiles

# What one view of a custom mixture may cost (presets are precomputed by the warm-up): measured on 2 cores, a
# view costs about 0.07 s per component and panel with DDIM/DDPM, and the corrector about 0.02 s more per
# component and Langevin step K; these caps keep one new view under about 10 s.
MAX_LAB_CLASSES = 8  # the canvas has 8 class colours
MAX_LAB_COMPONENTS = 32
MAX_CORRECTOR_WORK = 120  # components x K of a predictor-corrector panel (K = 20 with up to 6 components)


def check_cost(sel: Selection, mix: GaussianMixture) -> None:
    """SelectionError with one line when a custom mixture's view would cost more than the caps allow."""
    k = len(mix.weights)
    if mix.num_classes > MAX_LAB_CLASSES:
        raise coded(SelectionError, "lab.too_many_classes", "the lab draws at most {max} classes of a custom mixture "
                    "(one colour each); this mixture has {n}", max=MAX_LAB_CLASSES, n=mix.num_classes)
    if k > MAX_LAB_COMPONENTS:
        raise coded(SelectionError, "lab.too_many_components", "the lab takes custom mixtures of at most {max} "
                    "components (a view then stays under about 10 s of work); this mixture has {n}",
                    max=MAX_LAB_COMPONENTS, n=k)
    if any(sampler == "pc" for _, sampler, _ in sel.panels()) and k * sel.corrector_steps > MAX_CORRECTOR_WORK:
        raise coded(SelectionError, "lab.corrector_work", "the corrector's work (components x K) may be at most {max} "
                    "for a custom mixture: {k} components x K = {steps}; lower K to {lower} or fewer",
                    max=MAX_CORRECTOR_WORK, k=k, steps=sel.corrector_steps, lower=max(0, MAX_CORRECTOR_WORK // k))
    if any(sampler == "smc" for _, sampler, _ in sel.panels()) and k * SMC_MOVES > MAX_CORRECTOR_WORK:
        raise coded(SelectionError, "lab.smc_components", "the SMC sampler takes custom mixtures of at most {max} "
                    "components ({moves} moves per level); this mixture has {n}",
                    max=MAX_CORRECTOR_WORK // SMC_MOVES, moves=SMC_MOVES, n=k)


NO_MODEL_NOTE, NO_WEAK_MODEL_NOTE = t("en", "note_no_model"), t("en", "note_no_weak")
RETRAINED_NOTE = t("en", "note_retrained")  # a preset whose shipped checkpoint was unusable, retrained here


def panel_specs(key: str, sel: Selection, mix) -> list[PanelSpec]:
    """One checked PanelSpec per panel of a selection (the label is checked against the mixture here)."""
    zoo = dict(corrector_steps=sel.corrector_steps, corrector_ratio=sel.corrector_ratio, schedule=sel.schedule,
               lam_lo=sel.lam_lo, lam_hi=sel.lam_hi, good_blur=sel.good_blur, bad_blur=sel.bad_blur)
    return [PanelSpec(key, sel.label, m, sampler, sel.score, base, sel.seed, sel.lam, **zoo).checked(mix)
            for m, sampler, base in sel.panels()]


def retrain_config() -> MixtureTrainConfig:
    """What a preset with a missing or broken checkpoint is retrained with; CFG_RETRAIN_STEPS="2000,800"
    (eps-network steps, steps per classifier) makes it shorter, e.g. for tests."""
    text = os.environ.get("CFG_RETRAIN_STEPS", "")
    if not text:
        return MixtureTrainConfig()
    steps, classifier_steps = (int(v) for v in text.split(","))
    return MixtureTrainConfig(steps=steps, classifier_steps=classifier_steps)


def markdown_text(name: str) -> str:
    """A user's name (mixture, class) as literal text inside Markdown: HTML and Markdown characters escaped, so
    `<img src=x>` or `**x**` shows as typed (gradio's sanitiser would keep the image and fetch its URL)."""
    out = str(name).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~" else ch for ch in out)


def panel_detail(spec: PanelSpec, lang: str = "en") -> str:
    """What tells two panels of one method apart in the summary: sampler, CG's base (in lang)."""
    sampler = f"PC, K = {spec.corrector_steps}" if spec.sampler == "pc" else spec.sampler.upper()
    base = methods.get(spec.method).classifier is not None
    return f" ({sampler}" + (", " + t(lang, f"base_{spec.cg_base}_detail") if base else "") + ")"


class Lab:
    """Mixtures, trained networks and precomputed views of the 2D lab."""

    def __init__(self, checkpoint_root: str | Path | None = None, retrain: MixtureTrainConfig | None = None,
                 cache_size: int = 256):
        self.registry = ModelRegistry(checkpoint_root)
        self.views = LabViews(maxsize=cache_size)
        self.files = ViewFiles(maxsize=cache_size)  # views as files (ui/view_route.py), ~0.1-0.3 MB each
        self.retrain = retrain or retrain_config()

    def resolve(self, sel: Selection) -> tuple[str, GaussianMixture]:
        """(registry key, mixture) of a selection; MixtureError (a ValueError) when it cannot be used."""
        if sel.dataset == "custom":
            if not sel.custom_json:
                raise SelectionError("no custom mixture yet: edit the table or upload JSON, then press Apply")
            mix = parse_mixture_json(sel.custom_json)
            check_cost(sel, mix)
            return self.registry.add_custom(mix), mix
        return sel.dataset, self.registry.mixture(sel.dataset)

    def view(self, sel: Selection, on_progress=None) -> tuple[LabView, str]:
        """The precomputed view of a selection, and a note when it had to fall back to exact scores."""
        key, mix = self.resolve(sel)
        specs = panel_specs(key, sel, mix)
        note, tm, model_key = "", None, ""
        if sel.score == "learned":
            tm, model_key = self.registry.trained_or_retrain(key, self.retrain, on_progress)
            if tm is None:
                specs, note = [replace(s, score="exact") for s in specs], NO_MODEL_NOTE
            elif tm.eps_weak is None and any(s.method == "auto" for s in specs):  # a checkpoint from before weak models
                specs, note, tm = [replace(s, score="exact").checked(mix) for s in specs], NO_WEAK_MODEL_NOTE, None
            elif key in self.registry.retrained:
                note = RETRAINED_NOTE
        return self.views.view(mix, tm, specs, model_key), note

    def pointer(self, sel: Selection, hints: dict | None = None, on_progress=None) -> tuple[str, LabView, str]:
        """What the page's event gets: {"src": the view as a file, "extras"}; the browser fetches src (gzip,
        immutable, so once per browser) and adds the extras, which change without recomputing the view."""
        view, note, extras = self.payload_parts(sel, hints, on_progress)
        src = self.files.put(view.file_name, view.json_text)
        return json.dumps({"src": src, "extras": extras}, separators=(",", ":")), view, note

    def publish_lesson(self, key: str, sel: Selection) -> None:
        """A lesson's view as a file with its pointer (ViewFiles.publish_lesson), for its button's direct fetch."""
        view, extras = self.lesson_parts(sel)
        self.files.publish_lesson(key, view.file_name, view.json_text, extras)

    def lesson_parts(self, sel: Selection) -> tuple[LabView, dict]:
        """A lesson's view and its pointer's extras: no hints, the page adds its own (language, the lesson's
        layers)."""
        view, _, extras = self.payload_parts(sel)
        extras.pop("hints")
        return view, extras

    def payload_parts(self, sel: Selection, hints: dict | None = None, on_progress=None) -> tuple[LabView, str, dict]:
        """The cached view, its note, and its extras: the trade-off curves of its panels and the canvas hints
        (language, a lesson's layers)."""
        view, note = self.view(sel, on_progress)
        spec = view.panels[0].spec
        model_key = self.registry.trained(spec.dataset)[1] if spec.score == "learned" else ""
        specs = [p.spec for p in view.panels]
        extras = {"tradeoff": self.views.tradeoff(view.mixture, specs, model_key), "hints": hints or {}, "note": note}
        return view, note, extras

    def summary(self, view: LabView, w: float, note: str = "", lang: str = "en") -> str:
        """The live numbers at w, interpolated between the neighbouring grid values as the canvas draws them, in
        the user's language."""
        i, j, frac = w_neighbours(w)  # w lies at fraction frac between grid values i and j
        w = round(float(w), 2)
        lines = [t(lang, "sum_head").format(w=f"{w:g}", scale=f"{1 + w:g}", mixture=markdown_text(view.mixture.name),
                                            cls=markdown_text(view.class_names[view.label]))]
        for p in view.panels:
            n = {k: (1 - frac) * v + frac * p.numbers[j][k] for k, v in p.numbers[i].items() if not isinstance(v, list)}
            error = (1 - frac) * p.field_error[i] + frac * p.field_error[j] if p.field_error else None
            err = t(lang, "sum_err").format(e=f"{100 * error:.1f}") if error is not None else ""
            detail = panel_detail(p.spec, lang) if len(view.panels) > 1 else ""
            lines.append(f"- {method_title(lang, p.method)}{detail}: " + t(lang, "sum_line").format(
                p=f"{n['mean_posterior']:.3f}", div=f"{n['diversity']:.3f}", swc=f"{n['distance_to_class']:.3f}",
                swt=f"{n['distance_to_tilted']:.3f}") + err)
        for key in dict.fromkeys(methods.get(p.method).note for p in view.panels):
            if key:
                lines.append(t(lang, key))  # a method's note (the registry names it)
        return "\n".join(lines + ([translate_note(note, lang)] if note else []))

    def toy(self, sel: Selection) -> dict:
        """One method's final samples and numbers at the grid w nearest to sel.w (the /toy endpoint): mean p(c|x),
        precision (share on the data: inside the 99 % HDR of p(x|c)), diversity, SW_2 to p(x|c) and to the tilted
        target, and the share of samples on each of class c's modes next to the tilted target's."""
        if sel.method not in SINGLE:
            raise SelectionError(f"method must be a single method: one of {', '.join(SINGLE)}")
        sel = replace(sel, cg_base="conditional", lam=0.0)
        view, note = self.view(sel)
        w = snap_w(sel.w)
        wi, panel = W_GRID.index(w), view.panels[0]
        return {"dataset": view.mixture.name, "label": view.label, "class_name": view.class_names[view.label],
                "method": sel.method, "w": w, "guidance_scale": 1 + w, "sampler": panel.spec.sampler,
                "score": panel.spec.score, "note": note, **panel.numbers[wi],
                "learned_field_error": panel.field_error[wi] if panel.field_error else None,
                "samples": np.round(panel.samples(w), 3).tolist()}

    def exact_score(self, sel: Selection, points, lam: float) -> dict:
        """The closed-form quantities of the mixture at noisy points z_lam, for class sel.label and weight sel.w
        (the exact_score API / MCP tool): the conditional and unconditional scores, eps = -sigma * score, p(c|z),
        the guided score (1 + w) s(z|c) - w s(z) and the tilted log density log p(z|c) + w log p(c|z) (unnormalised)."""
        _, mix = self.resolve(sel)
        if not 0 <= sel.label < mix.num_classes:
            raise coded(SelectionError, "value.class_index", "label must be a class index in [0, {hi}], got {got!r}",
                        hi=mix.num_classes - 1, got=sel.label)
        z = check_points(points)
        lam = check_number(lam, "lam (log-SNR)", -20, 20)
        _, sigma = (float(v) for v in alpha_sigma(torch.tensor(lam, dtype=torch.float64)))
        s_cond, s_uncond = mix.score(z, lam, sel.label), mix.score(z, lam, None)
        guided = (1 + sel.w) * s_cond - sel.w * s_uncond
        tilted = mix.log_prob(z, lam, sel.label) + sel.w * mix.log_posterior(z, lam)[:, sel.label]
        r = lambda t: np.round(t.numpy(), 8).tolist()  # noqa: E731
        return {"dataset": mix.name, "label": sel.label, "class_name": mix.class_names[sel.label], "lam": lam,
                "sigma": sigma, "w": sel.w, "guidance_scale": 1 + sel.w, "points": r(z),
                "score_conditional": r(s_cond), "score_unconditional": r(s_uncond), "eps_conditional": r(-sigma * s_cond),
                "eps_unconditional": r(-sigma * s_uncond), "posterior": r(mix.posterior(z, lam)), "score_guided": r(guided),
                "eps_guided": r(-sigma * guided), "tilted_log_density": r(tilted)}


MAX_POINTS = 10_000  # points per exact_score request


def check_points(points) -> torch.Tensor:
    """Points [[x, y], ...] (a list, or its JSON text) as a float64 tensor [N, 2]; SelectionError with one line."""
    if isinstance(points, str):
        try:
            points = jsontext.loads(points, "points", 1_000_000)
        except ValueError as err:
            raise SelectionError(str(err)) from None
    if isinstance(points, (list, tuple)) and len(points) == 2 and all(isinstance(v, (int, float)) for v in points):
        points = [points]  # one point [x, y]
    if not isinstance(points, (list, tuple)) or not 1 <= len(points) <= MAX_POINTS or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                                  for v in p) for p in points):
        raise SelectionError(f"points must be a point [x, y] or a list of 1 to {MAX_POINTS} points [[x, y], ...]")
    z = torch.tensor(points, dtype=torch.float64)
    if not bool(torch.isfinite(z).all()) or float(z.abs().max()) > 1e3:
        raise SelectionError("points must be finite numbers within +-1000")
    return z
