"""Precomputed views of the 2D guidance lab: everything the browser needs to redraw at any w on a grid.

For one selection (mixture, class c, method, sampler, exact or learned quantities, CG's classifier and
base, the noise level lam of the field) we compute, for every w in W_GRID at once:
    trajectories z_1..z_T, x of n samples (one batched sampler run over all w, common initial noise,
        so dragging w moves each sample continuously), thinned to FRAMES frames,
    the guided score field  s_hat(z, lam) = -eps_hat(z, lam) / sigma_lam  on a G x G grid,
    HDR contours (50 % and 90 % mass) of the exact p(x|c), of the tilted target p(x|c) p(c|x)^w and of
        the tempered density p(x|c)^(1+w) that naive score scaling suggests,
    the sample numbers: mean exact p(c|x), precision (share of samples inside the 99 % HDR of p(x|c); cfg_core.hdr),
        diversity, SW_2 to p(x|c), SW_2 to the tilted target, the share of samples on each of class c's modes and
        the tilted target's shares,
    and (learned networks only) the relative error of the learned field against the exact one:
        err = sqrt( sum_z p(z) |s_learned - s_exact|^2 / sum_z p(z) |s_exact|^2 ),  z on the grid.
The result is plain JSON (arrays as base64 little-endian int16 / float32) for the canvas in app.py,
cached in an LRU keyed on the selection. Nothing here imports gradio.
"""
from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property

import numpy as np
import torch

from cfg_core import methods
from cfg_core.hdr import mode_shares, precision, tilted_mode_shares
from cfg_core.metrics import diversity, mean_posterior, sliced_wasserstein
from cfg_core.mixture import GaussianMixture, grid_density
from cfg_core.mixture_json import mixture_key
from cfg_core.samplers import SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule
from cfg_core.smc import SMCConfig, method_target, smc_sample, target_of
from cfg_core.toy.sampling import DEFAULT_BAD_BLUR, TOY_SAMPLERS
from cfg_core.toy.training import TrainedMixture
from cfg_core.weight_schedule import SCHEDULES, WeightSchedule
from explainer.cache import LruCache
from explainer.encode import (VIEW_COORD_SCALE, VIEW_PATH_STEP, coord_scale, encode_deltas, encode_f32,
                              relative_scale)
from explainer.view_files import file_name
from explainer.lab.fields import (batched_guidance, classifier_field, field_error, guided_field, plain_fields,
                              posterior_map, xhat_frames)
from explainer.lab.geometry import FIELD_GRID, field_points, hdr_contours, view_extent
from explainer.i18n import LANGUAGES, method_short, method_title
from explainer.lab.selection import SelectionError
from explainer.w_grid import W_GRID, W_MAX_UI, check_lab_w, snap_w, w_neighbours  # noqa: F401 (shared with MNIST)

FRAMES = 17  # animation frames kept from the T + 1 states
N_SAMPLES = 200  # samples per w
STEPS = 50  # T for the lab (DDIM at 50 steps is converged on these mixtures)
SMC_MOVES = 5  # the lab's smc sampler: MALA moves per level (50 levels x 6 = 300 exact evaluations per w)
DENSITY_RES = 90  # grid for contours and the tilted reference samples
N_PROJ = 64  # sliced-Wasserstein directions for the live numbers
N_REF = 1000  # reference samples for the live numbers
TRADEOFF_METHODS = methods.on("tradeoff")  # the fidelity/diversity plot's methods (the registry says which)


@dataclass(frozen=True)
class PanelSpec:
    """One panel of the lab: everything that decides its samples and field (w runs over W_GRID)."""

    dataset: str  # key of the mixture in the app's registry
    label: int  # class c
    method: str  # a name in cfg_core.methods.METHODS
    sampler: str = "ddim"  # ddim | ddpm | pc ("reduced" always uses ddpm)
    score: str = "learned"  # learned | exact
    cg_base: str = "conditional"  # conditional | unconditional
    seed: int = 0  # initial noise (same for every w and every panel)
    field_lam: float = 0.0  # log-SNR of the drawn score field
    corrector_steps: int = 1  # pc: K Langevin steps per level
    corrector_ratio: float = 1.0  # pc: the corrector's w' = ratio * w
    schedule: str = "constant"  # weight over lam: constant | interval [lam_lo, lam_hi] | ramp lam_lo -> lam_hi
    lam_lo: float = -3.0
    lam_hi: float = 3.0
    good_blur: float = 0.0  # exact: the model every method uses is the mixture + good_blur I
    bad_blur: float = DEFAULT_BAD_BLUR  # exact autoguidance: the bad model is the mixture + bad_blur I

    def checked(self, mix: GaussianMixture) -> "PanelSpec":
        """The spec with values snapped to what the lab offers (settings a panel does not use reset to their
        defaults, so they never split the cache), or ValueError with one line."""
        method = methods.get(self.method)
        if isinstance(self.label, bool) or not isinstance(self.label, int) or not 0 <= self.label < mix.num_classes:
            raise SelectionError(f"label must be an integer in [0, {mix.num_classes - 1}] "
                             f"({', '.join(mix.class_names)}), got {self.label!r}")
        for name, allowed in (("sampler", TOY_SAMPLERS), ("score", ("learned", "exact")),
                              ("cg_base", ("conditional", "unconditional")), ("schedule", SCHEDULES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        if not isinstance(self.field_lam, (int, float)) or not math.isfinite(self.field_lam):
            raise ValueError(f"field noise level must be a finite number, got {self.field_lam!r}")
        lam = float(min(max(self.field_lam, -10.0), 10.0))
        sampler = self.sampler if method.samplers is None or self.sampler in method.samplers else method.samplers[0]
        sampler = "ddpm" if method.tau is not None else sampler
        if sampler == "smc":
            if self.score != "exact":
                raise SelectionError("the SMC sampler reweights by exact densities: choose score = exact")
            target_of(self.method)  # SMCError (a ValueError, one line) for a method without a density target
        defaults = PanelSpec(self.dataset, self.label, self.method)
        out = replace(self, field_lam=round(lam * 4) / 4, sampler=sampler, seed=int(self.seed))
        if sampler != "pc":
            out = replace(out, corrector_steps=defaults.corrector_steps, corrector_ratio=defaults.corrector_ratio)
        if self.schedule == "constant" or "schedule" not in method.options:
            out = replace(out, schedule="constant", lam_lo=defaults.lam_lo, lam_hi=defaults.lam_hi)
        elif not self.lam_lo < self.lam_hi:
            raise SelectionError(f"the guidance interval needs start < end, got {self.lam_lo:g} and {self.lam_hi:g}")
        if self.score != "exact":
            out = replace(out, good_blur=0.0, bad_blur=defaults.bad_blur)
        elif "bad_model" not in method.options:
            out = replace(out, bad_blur=defaults.bad_blur)
        return out

    @property
    def options(self) -> methods.GuidanceOptions:
        """The method options of this panel (its weight schedule; ICG's classes seeded by the panel's seed)."""
        schedule = None if self.schedule == "constant" else WeightSchedule(self.schedule, self.lam_lo, self.lam_hi)
        return methods.GuidanceOptions(schedule=schedule, seed=self.seed)


def _thin(traj: torch.Tensor, frames: int = FRAMES) -> tuple[torch.Tensor, list[int]]:
    idx = np.unique(np.round(np.linspace(0, traj.shape[0] - 1, frames)).astype(int)).tolist()
    return traj[idx], idx


def smc_grid(mix, spec: PanelSpec, n: int = N_SAMPLES, steps: int = STEPS) -> tuple[torch.Tensor, list[int], dict]:
    """The smc sampler's thinned trajectories for every w in W_GRID (one run per w, seeded by the panel), with
    its ESS per level and its resampling events per w.  # [W, F, n, 2]"""
    runs = []
    for w in W_GRID:
        kind, target_w = method_target(spec.method, w)
        runs.append(smc_sample(mix, spec.label, target_w, n, kind,
                               SMCConfig(steps=steps, moves=SMC_MOVES), generator=torch.Generator().manual_seed(spec.seed)))
    thinned, idx = _thin(torch.stack([r.trajectory for r in runs]).transpose(0, 1))
    info = {"ess": [[round(e, 3) for e in r.ess] for r in runs], "resampling_events": [r.resampling_events for r in runs]}
    return thinned.transpose(0, 1).double(), idx, info


def sample_grid(mix, trained, spec: PanelSpec, n: int = N_SAMPLES, steps: int = STEPS) -> tuple[torch.Tensor, list[int]]:
    """Thinned trajectories for every w in W_GRID.  # [W, F, n, 2], and the kept step indices"""
    dtype = torch.float64 if spec.score == "exact" else torch.float32
    z = initial_noise(n, (mix.dim,), torch.Generator().manual_seed(spec.seed), dtype)  # [n, 2], shared by all w
    gen = torch.Generator().manual_seed(spec.seed + 1)
    method = methods.get(spec.method)
    if not method.batches_w:  # the sampler depends on w (reduced noise): one run per w
        runs = []
        for w in W_GRID:
            guidance = batched_guidance(mix, trained, spec, torch.full((n, 1), w, dtype=dtype), spec.score == "exact")
            config = method.sampler(SamplerConfig(kind=spec.sampler, steps=steps), w)
            runs.append(sample(guidance, z.clone(), Schedule(), config, torch.Generator().manual_seed(spec.seed + 1)))
        trajs = torch.stack([r.trajectory for r in runs])  # [W, T+1, n, 2]
    else:
        w_col = torch.tensor(W_GRID, dtype=dtype).repeat_interleave(n)[:, None]  # [W*n, 1]
        exact = spec.score == "exact"
        config = SamplerConfig(kind=spec.sampler, steps=steps, corrector_steps=spec.corrector_steps,
                               noise_groups=len(W_GRID))  # every w the same noise: w's effect alone moves a sample
        if spec.sampler == "pc":  # predictor: the plain conditional DDIM step; corrector: the method at w'
            predictor = batched_guidance(mix, trained, replace(spec, method="none"), w_col, exact)
            corrector = batched_guidance(mix, trained, spec, spec.corrector_ratio * w_col, exact)
        else:
            predictor, corrector = batched_guidance(mix, trained, spec, w_col, exact), None
        res = sample(predictor, z.repeat(len(W_GRID), 1), Schedule(), config, gen, corrector=corrector)
        trajs = res.trajectory.reshape(steps + 1, len(W_GRID), n, mix.dim).transpose(0, 1)  # [W, T+1, n, 2]
    thinned, idx = _thin(trajs.transpose(0, 1))
    return thinned.transpose(0, 1).double(), idx


# --- the live numbers ------------------------------------------------------------------------------
def sample_numbers(mix, x: torch.Tensor, c: int, class_ref: torch.Tensor, tilted_ref: torch.Tensor,
                   seed: int, target_shares: list[float]) -> dict:
    """mean p(c|x), precision, diversity, SW_2 to p(x|c), SW_2 to the tilted target (fixed projections per seed),
    and the mode shares of the samples and of the tilted target (lists over class c's components)."""
    g = lambda: torch.Generator().manual_seed(seed)  # noqa: E731 - same directions for every w
    return {"mean_posterior": round(mean_posterior(mix, x, c), 4), "precision": round(precision(mix, x, c), 4),
            "diversity": round(diversity(x), 4),
            "distance_to_class": round(sliced_wasserstein(x, class_ref, N_PROJ, g()), 4),
            "distance_to_tilted": round(sliced_wasserstein(x, tilted_ref, N_PROJ, g()), 4),
            "mode_shares": [round(v, 4) for v in mode_shares(mix, x, c)],
            "target_mode_shares": [round(v, 4) for v in target_shares]}


@dataclass(frozen=True)
class Targets:
    """Exact densities of one (mixture, class): contours and reference samples, shared by all panels."""

    class_contours: list  # of class c
    all_contours: list  # per class c' (drawn in its own colour, faint for c' != c)
    tilted_contours: list  # per w
    tempered_contours: list  # per w
    class_ref: torch.Tensor
    tilted_refs: list  # per w, [N_REF, 2]
    target_shares: list  # per w, the tilted target's share on each of class c's components (cfg_core.hdr)


def exact_targets(mix: GaussianMixture, c: int, extent) -> Targets:
    gen = torch.Generator().manual_seed(1234)
    per_class = [hdr_contours(grid_density(lambda p, k=k: mix.log_prob(p, None, k), extent, DENSITY_RES))
                 for k in range(mix.num_classes)]
    tilted = [grid_density(lambda p, w=w: mix.tilted_log_density(p, c, w), extent, DENSITY_RES) for w in W_GRID]
    tempered = [grid_density(lambda p, w=w: mix.tempered_log_density(p, c, w), extent, DENSITY_RES) for w in W_GRID]
    return Targets(per_class[c], per_class, [hdr_contours(d) for d in tilted], [hdr_contours(d) for d in tempered],
                   mix.sample(N_REF, c, gen), [d.sample(N_REF, gen) for d in tilted],
                   tilted_mode_shares(mix, c, W_GRID, extent))


# --- typed views ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PanelView:
    """Everything one panel draws, for every w in W_GRID."""

    spec: PanelSpec
    traj: np.ndarray  # [W, F, n, 2] thinned trajectories, the last frame the samples
    frame_lams: list  # log-SNR of each kept frame (None for the final x)
    field: np.ndarray  # [W, P, 2] guided score field
    field_cond: np.ndarray  # [P, 2] -eps(z, c) / sigma
    field_uncond: np.ndarray  # [P, 2] -eps(z) / sigma
    field_implicit: np.ndarray  # [P, 2] -(eps(z, c) - eps(z)) / sigma: CFG's implicit classifier gradient
    field_classifier: np.ndarray  # [P, 2] grad log p_phi(c | z_lam) of the method's classifier
    posterior: np.ndarray  # [R, R] exact p(c | z_lam) at the field's lam
    numbers: list[dict]  # per w: sample_numbers (mean_posterior, precision, ..., mode_shares, target_mode_shares)
    field_error: list[float] | None  # per w, learned networks only
    xhat: dict = field(default_factory=dict)  # xhat_c, xhat_u, xhat_g: [W, F-1, m, 2] clean estimates per frame
    smc: dict = field(default_factory=dict)  # smc sampler: ess [W][T] (ESS / n per level), resampling events [W]

    @property
    def method(self) -> str:
        return self.spec.method

    @property
    def title(self) -> str:
        return methods.get(self.spec.method).title

    @property
    def baseline(self) -> bool:
        """A naive temperature trick (its target is the tempered density, drawn with it)."""
        return methods.get(self.spec.method).baseline

    def samples(self, w: float) -> np.ndarray:
        """Final samples at a grid w.  # [n, 2]"""
        return self.traj[W_GRID.index(snap_w(w)), -1]

    def at(self, w: float) -> tuple[np.ndarray, np.ndarray]:
        """Trajectories and guided field at any w in [0, W_MAX_UI], interpolated between the neighbouring grid
        values exactly as the browser draws them.  # [F, n, 2], [P, 2]"""
        i, j, t = w_neighbours(w)
        return (1 - t) * self.traj[i] + t * self.traj[j], (1 - t) * self.field[i] + t * self.field[j]

    def to_json(self) -> dict:
        # one int16 scale per w: a sample flung far away at w = 10 must not coarsen the samples at w = 0
        scales = [coord_scale(self.traj[i], VIEW_COORD_SCALE) for i in range(self.traj.shape[0])]
        scale = min(scales)
        method = methods.get(self.method)
        field_scale = relative_scale(self.field)  # the guided field: 1/10,000 of its largest arrow (drawn ~40 px)
        return {"method": self.method, "title": self.title, "short": method.short, "flags": method.flags(),
                "words": {lang: {"short": method_short(lang, self.method), "title": method_title(lang, self.method)}
                          for lang in LANGUAGES},
                "baseline": self.baseline, "spec": asdict(self.spec), "shape": list(self.traj.shape),
                "coord_scale": scale, "coord_scales": scales, "traj": encode_deltas(self.traj, scales, VIEW_PATH_STEP),
                "frame_lams": self.frame_lams,
                "field": encode_deltas(self.field, [field_scale] * len(self.field)), "field_scale": field_scale,
                "field_cond": encode_f32(self.field_cond),
                "field_uncond": encode_f32(self.field_uncond), "field_implicit": encode_f32(self.field_implicit),
                "field_classifier": encode_f32(self.field_classifier),
                "posterior": encode_deltas(self.posterior, [1000.0] * len(self.posterior)),  # in thousandths
                "posterior_res": int(self.posterior.shape[0]), "numbers": self.numbers,
                "field_error": self.field_error, **self._xhat_json(), **self.smc}

    def _xhat_json(self) -> dict:
        if not self.xhat:
            return {}
        scale = min(coord_scale(v, VIEW_COORD_SCALE) for v in self.xhat.values())  # [W, F1, M, 2] each
        return {"xhat_shape": list(self.xhat["xhat_c"].shape), "xhat_scale": scale,
                **{k: encode_deltas(v, [scale] * v.shape[0]) for k, v in self.xhat.items()}}


@dataclass(frozen=True, eq=False)
class LabView:
    """One selection of the lab: the exact targets of (mixture, class) and its panels."""

    mixture: GaussianMixture
    label: int
    extent: tuple[float, float, float, float]
    field_lam: float
    targets: "Targets"
    panels: list[PanelView] = field(default_factory=list)

    @property
    def class_names(self) -> list[str]:
        return list(self.mixture.class_names)

    def to_json(self) -> dict:
        mix, t = self.mixture, self.targets
        return {"version": 2, "mixture": mix.name, "class_names": self.class_names, "label": self.label,
                "extent": list(self.extent), "w_grid": list(W_GRID), "field_grid": FIELD_GRID,
                "field_lam": self.field_lam, "means": mix.means.tolist(),
                "component_class": mix.component_class.tolist(),
                "class_contours": t.class_contours, "all_contours": t.all_contours,
                "tilted_contours": t.tilted_contours,
                "tempered_contours": t.tempered_contours, "panels": [p.to_json() for p in self.panels]}

    @cached_property
    def json_text(self) -> str:
        """to_json() as compact text, made once per view (the browser's payload)."""
        return json.dumps(self.to_json(), separators=(",", ":"))

    @cached_property
    def file_name(self) -> str:
        """The view's content address (explainer/view_files.py): the same view, the same name, on any server."""
        return file_name(self.json_text)


def panel_view(mix, trained, spec: PanelSpec, targets: Targets, extent) -> PanelView:
    """Compute one panel for every w in W_GRID."""
    smc = {}
    if spec.sampler == "smc":
        trajs, steps_kept, smc = smc_grid(mix, spec)  # [W, F, n, 2]
    else:
        trajs, steps_kept = sample_grid(mix, trained, spec)  # [W, F, n, 2]
    points = field_points(extent)
    field_w = guided_field(mix, trained, spec, points, spec.score == "exact", W_GRID)  # [W, P, 2]
    plain = plain_fields(mix, trained, spec, points)
    errors = None
    if spec.score == "learned":
        exact_w = guided_field(mix, None, spec, points, True, W_GRID)
        errors = field_error(mix, field_w, exact_w, points, spec.field_lam)
    numbers = [sample_numbers(mix, trajs[i, -1], spec.label, targets.class_ref, targets.tilted_refs[i], spec.seed,
                              targets.target_shares[i]) for i in range(len(W_GRID))]
    lams = Schedule().sampling_grid(STEPS).tolist()
    frame_lams = [round(lams[i], 2) if i < len(lams) else None for i in steps_kept]
    xhat = xhat_frames(mix, trained, spec, trajs, [lams[i] if i < len(lams) else None for i in steps_kept], W_GRID)
    return PanelView(spec, trajs.numpy(), frame_lams, field_w.numpy(), plain["cond"].numpy(),
                     plain["uncond"].numpy(), plain["implicit"].numpy(),
                     classifier_field(mix, trained, spec, points).numpy(),
                     posterior_map(mix, spec.label, spec.field_lam, extent).numpy(), numbers, errors,
                     {k: v.numpy() for k, v in xhat.items()}, smc)


class LabViews:
    """The lab's caches: exact targets per (mixture, class), panels per spec, full views per selection."""

    def __init__(self, maxsize: int = 64, max_parallel: int = 2):
        self.targets, self.panels, self.views = LruCache(maxsize), LruCache(maxsize), LruCache(maxsize)
        self._compute = threading.BoundedSemaphore(max_parallel)  # at most this many precomputations at once

    def _bounded(self, fn: Callable[[], object]) -> Callable[[], object]:
        def run():
            with self._compute:
                return fn()
        return run

    def view(self, mix: GaussianMixture, trained: TrainedMixture | None, specs: list[PanelSpec],
             model_key: str = "") -> LabView:
        """The view of one selection; model_key names the trained networks (a new one after training)."""
        specs = [s.checked(mix) for s in specs]
        extent = view_extent(mix)
        key = (mixture_key(mix), specs[0].label)
        targets = self.targets.get_or_compute(key, self._bounded(lambda: exact_targets(mix, specs[0].label, extent)))
        panel_keys = [(key[0], model_key if s.score == "learned" else None, s) for s in specs]
        panels = [self.panels.get_or_compute(k, self._bounded(lambda s=s: panel_view(mix, trained, s, targets, extent)))
                  for k, s in zip(panel_keys, specs)]
        return self.views.get_or_compute((key, tuple(panel_keys)), lambda: LabView(
            mix, specs[0].label, extent, specs[0].field_lam, targets, panels))

    def tradeoff(self, mix: GaussianMixture, specs: list[PanelSpec], model_key: str = "") -> dict:
        """Fidelity and diversity over W_GRID of the selection's own panels (methods on the registry's trade-off
        surface; only what is already computed: never computes, never waits). Fidelity is the precision (share of
        samples on the data, cfg_core.hdr), not mean p(c|x), which samples flung far from every class max out.
        Two panels of one method (a pair: samplers, CG's bases) are two curves, told apart by a detail."""
        out = {}
        for i, s in enumerate(specs):
            if s.method not in TRADEOFF_METHODS:
                continue
            panel = self.panels.peek((mixture_key(mix), model_key if s.score == "learned" else None, s))
            if panel is None:
                continue
            twin = [o for o in specs if o.method == s.method]
            detail = _curve_detail(s, twin) if len(twin) > 1 else ""
            method = methods.get(s.method)
            out[s.method if len(twin) == 1 else f"{s.method}:{i}"] = {
                "title": method.short + detail, "colour": method.colour,
                "words": {lang: {"title": method_short(lang, s.method) + detail} for lang in LANGUAGES},
                "fidelity": [n["precision"] for n in panel.numbers],
                "mean_posterior": [n["mean_posterior"] for n in panel.numbers],
                "diversity": [n["diversity"] for n in panel.numbers]}
        return out


def _curve_detail(spec: PanelSpec, twins: list[PanelSpec]) -> str:
    """What tells a trade-off curve from another of the same method, in symbols every language reads."""
    if len({t.sampler for t in twins}) > 1:
        return f" ({'PC, K = ' + str(spec.corrector_steps) if spec.sampler == 'pc' else spec.sampler.upper()})"
    return " (p(x), w + 1)" if spec.cg_base == "unconditional" else " (p(x|c))"
