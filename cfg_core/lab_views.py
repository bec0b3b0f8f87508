"""Precomputed views of the 2D guidance lab: everything the browser needs to redraw at any w on a grid.

For one selection (mixture, class c, method, sampler, exact or learned quantities, CG's classifier and
base, the noise level lam of the field) we compute, for every w in W_GRID at once:
    trajectories z_1..z_T, x of n samples (one batched sampler run over all w, common initial noise,
        so dragging w moves each sample continuously), thinned to FRAMES frames,
    the guided score field  s_hat(z, lam) = -eps_hat(z, lam) / sigma_lam  on a G x G grid,
    HDR contours (50 % and 90 % mass) of the exact p(x|c), of the tilted target p(x|c) p(c|x)^w and of
        the tempered density p(x|c)^(1+w) that naive score scaling suggests,
    the sample numbers: mean exact p(c|x), diversity, SW_2 to p(x|c), SW_2 to the tilted target,
    and (learned networks only) the relative error of the learned field against the exact one:
        err = sqrt( sum_z p(z) |s_learned - s_exact|^2 / sum_z p(z) |s_exact|^2 ),  z on the grid.
The result is plain JSON (arrays as base64 little-endian int16 / float32) for the canvas in app.py,
cached in an LRU keyed on the selection. Nothing here imports gradio.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import contourpy
import numpy as np
import torch

from cfg_core.guidance import ClassifierFree, ClassifierGuided, NoGuidance, ScoreScaled, check_w
from cfg_core.lab import models_for
from cfg_core.metrics import diversity, mean_posterior, sliced_wasserstein
from cfg_core.mixture import GaussianMixture, grid_density
from cfg_core.samplers import SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule, alpha_sigma
from cfg_core.training import TrainedMixture

W_GRID = tuple(0.5 * i for i in range(21))  # the w values the browser can show without the server
W_MAX_UI = W_GRID[-1]
FRAMES = 17  # animation frames kept from the T + 1 states
N_SAMPLES = 200  # samples per w
STEPS = 50  # T for the lab (DDIM at 50 steps is converged on these mixtures)
FIELD_GRID = 17  # G: arrows per side
DENSITY_RES = 90  # grid for contours and the tilted reference samples
HDR_MASSES = (0.5, 0.9)  # contour levels: the regions holding this much mass
N_PROJ = 64  # sliced-Wasserstein directions for the live numbers
N_REF = 1000  # reference samples for the live numbers
COORD_SCALE = 1000.0  # int16 coordinates: value * 1000, so |coord| <= 32.7
# What each method choice in the UI draws; "reduced" is the ancestral sampler with tau = 1/(1+w).
VIEW_METHODS = ("cfg", "cg", "scaled", "reduced", "none")
METHOD_TITLES = {"cfg": "Classifier-free guidance", "cg": "Classifier guidance", "scaled": "Score scaling (1+w) eps",
                 "reduced": "Reduced sampler noise, tau = 1/(1+w)", "none": "No guidance (conditional)"}


@dataclass(frozen=True)
class PanelSpec:
    """One panel of the lab: everything that decides its samples and field (w runs over W_GRID)."""

    dataset: str  # key of the mixture in the app's registry
    label: int  # class c
    method: str  # one of VIEW_METHODS
    sampler: str = "ddim"  # ddim | ddpm ("reduced" always uses ddpm)
    score: str = "learned"  # learned | exact
    classifier: str = "noisy"  # CG's guide: noisy | clean
    cg_base: str = "conditional"  # conditional | unconditional
    seed: int = 0  # initial noise (same for every w and every panel)
    field_lam: float = 0.0  # log-SNR of the drawn score field

    def checked(self, mix: GaussianMixture) -> "PanelSpec":
        """The spec with values snapped to what the lab offers, or ValueError with one line."""
        if self.method not in VIEW_METHODS:
            raise ValueError(f"method must be one of {', '.join(VIEW_METHODS)}, got {self.method!r}")
        if isinstance(self.label, bool) or not isinstance(self.label, int) or not 0 <= self.label < mix.num_classes:
            raise ValueError(f"label must be an integer in [0, {mix.num_classes - 1}] "
                             f"({', '.join(mix.class_names)}), got {self.label!r}")
        for name, allowed in (("sampler", ("ddim", "ddpm")), ("score", ("learned", "exact")),
                              ("classifier", ("noisy", "clean")), ("cg_base", ("conditional", "unconditional"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        if not isinstance(self.field_lam, (int, float)) or not math.isfinite(self.field_lam):
            raise ValueError(f"field noise level must be a finite number, got {self.field_lam!r}")
        lam = float(min(max(self.field_lam, -10.0), 10.0))
        sampler = "ddpm" if self.method == "reduced" else self.sampler
        return replace(self, field_lam=round(lam * 4) / 4, sampler=sampler, seed=int(self.seed))


def snap_w(w) -> float:
    """w checked (finite, in [0, MAX_W]) and snapped to the nearest grid value in [0, W_MAX_UI]."""
    w = check_w(w)
    if w > W_MAX_UI:
        raise ValueError(f"the lab shows w in [0, {W_MAX_UI:g}], got {w:g}")
    return min(W_GRID, key=lambda g: abs(g - w))


def tau_for(method: str, w: float) -> float:
    """Ancestral noise scale: tau = 1/(1+w) for the reduced-noise baseline, 1 otherwise."""
    return 1.0 / (1.0 + w) if method == "reduced" else 1.0


# --- small encoders -------------------------------------------------------------------------------
def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def encode_coords(x: torch.Tensor) -> str:
    """float coordinates -> base64 little-endian int16 of round(x * COORD_SCALE), clipped."""
    a = np.clip(np.round(x.detach().double().numpy() * COORD_SCALE), -32767, 32767).astype("<i2")
    return _b64(a)


def decode_coords(text: str, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of encode_coords (for tests and figure export)."""
    return np.frombuffer(base64.b64decode(text), dtype="<i2").reshape(shape).astype(np.float64) / COORD_SCALE


def encode_f32(x: torch.Tensor) -> str:
    return _b64(x.detach().double().numpy().astype("<f4"))


def decode_f32(text: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(shape).astype(np.float64)


# --- geometry -------------------------------------------------------------------------------------
def view_extent(mix: GaussianMixture) -> tuple[float, float, float, float]:
    """A square window holding every component to 3.5 std, the N(0, I) start of sampling, and 40 % more
    room on each side for guided samples, which strong guidance pushes beyond the class support."""
    x0, x1, y0, y1 = mix.extent(3.5)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = 1.4 * max(x1 - x0, y1 - y0, 6.0) / 2
    return (round(cx - half, 3), round(cx + half, 3), round(cy - half, 3), round(cy + half, 3))


def field_points(extent, g: int = FIELD_GRID) -> torch.Tensor:
    """Centres of a g x g grid of arrows, row-major from the bottom left.  # [g*g, 2]"""
    x0, x1, y0, y1 = extent
    dx, dy = (x1 - x0) / g, (y1 - y0) / g
    xs = torch.linspace(x0 + dx / 2, x1 - dx / 2, g, dtype=torch.float64)
    ys = torch.linspace(y0 + dy / 2, y1 - dy / 2, g, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)


def hdr_contours(density, masses=HDR_MASSES) -> list[list[list[float]]]:
    """Contours of the highest-density regions holding each mass: per level, polylines [x0,y0,x1,y1,...]."""
    d = density.density.numpy()
    flat = np.sort(d.ravel())[::-1]
    cum = np.cumsum(flat) / flat.sum()
    gen = contourpy.contour_generator(density.xs.numpy(), density.ys.numpy(), d)
    out = []
    for m in masses:
        level = float(flat[min(np.searchsorted(cum, m), len(flat) - 1)])
        lines = gen.lines(level)
        out.append([np.round(line[:: max(1, len(line) // 120)], 3).ravel().tolist() for line in lines])
    return out


# --- guidance with w as a column: every w of the grid in one batch ---------------------------------
def _models(mix: GaussianMixture, trained: TrainedMixture | None, spec: PanelSpec, exact: bool):
    return models_for(mix, trained, "exact" if exact else "learned", spec.classifier)


def batched_guidance(mix, trained, spec: PanelSpec, w_col: torch.Tensor, exact: bool):
    """The library's strategy with w as a column tensor [N, 1]: row i is guided with weight w_col[i]."""
    eps_model, classifier = _models(mix, trained, spec, exact)
    if spec.method == "cfg":
        return ClassifierFree(eps_model, spec.label, w_col)
    if spec.method == "cg":
        return ClassifierGuided(eps_model, classifier, spec.label, w_col, spec.cg_base)
    if spec.method == "scaled":
        return ScoreScaled(eps_model, spec.label, w_col)
    return NoGuidance(eps_model, spec.label)


def _thin(traj: torch.Tensor, frames: int = FRAMES) -> tuple[torch.Tensor, list[int]]:
    idx = np.unique(np.round(np.linspace(0, traj.shape[0] - 1, frames)).astype(int)).tolist()
    return traj[idx], idx


def sample_grid(mix, trained, spec: PanelSpec, n: int = N_SAMPLES, steps: int = STEPS) -> tuple[torch.Tensor, list[int]]:
    """Thinned trajectories for every w in W_GRID.  # [W, F, n, 2], and the kept step indices"""
    dtype = torch.float64 if spec.score == "exact" else torch.float32
    z = initial_noise(n, (mix.dim,), torch.Generator().manual_seed(spec.seed), dtype)  # [n, 2], shared by all w
    gen = torch.Generator().manual_seed(spec.seed + 1)
    if spec.method == "reduced":  # tau depends on w: one run per w
        runs = []
        guidance = batched_guidance(mix, trained, spec, torch.zeros(n, 1, dtype=dtype), spec.score == "exact")
        for w in W_GRID:
            config = SamplerConfig(kind="ddpm", steps=steps, noise_scale=tau_for("reduced", w))
            runs.append(sample(guidance, z.clone(), Schedule(), config, torch.Generator().manual_seed(spec.seed + 1)))
        trajs = torch.stack([r.trajectory for r in runs])  # [W, T+1, n, 2]
    else:
        w_col = torch.tensor(W_GRID, dtype=dtype).repeat_interleave(n)[:, None]  # [W*n, 1]
        guidance = batched_guidance(mix, trained, spec, w_col, spec.score == "exact")
        config = SamplerConfig(kind=spec.sampler, steps=steps)
        res = sample(guidance, z.repeat(len(W_GRID), 1), Schedule(), config, gen)
        trajs = res.trajectory.reshape(steps + 1, len(W_GRID), n, mix.dim).transpose(0, 1)  # [W, T+1, n, 2]
    thinned, idx = _thin(trajs.transpose(0, 1))
    return thinned.transpose(0, 1).double(), idx


def guided_field(mix, trained, spec: PanelSpec, points: torch.Tensor, exact: bool) -> torch.Tensor:
    """s_hat = -eps_hat / sigma at spec.field_lam for every w on the points.  # [W, P, 2]"""
    dtype = torch.float64 if exact else torch.float32
    w_col = torch.tensor(W_GRID, dtype=dtype).repeat_interleave(len(points))[:, None]
    guidance = batched_guidance(mix, trained, spec, w_col, exact)
    z = points.to(dtype).repeat(len(W_GRID), 1)
    with torch.no_grad():
        eps_hat = guidance.eps_hat(z, spec.field_lam)  # [W*P, 2]
    _, sigma = alpha_sigma(torch.tensor(spec.field_lam, dtype=torch.float64))
    return (-eps_hat.double() / sigma).reshape(len(W_GRID), len(points), 2)


def plain_fields(mix, trained, spec: PanelSpec, points: torch.Tensor) -> dict[str, torch.Tensor]:
    """Conditional and unconditional score fields -eps(z, c)/sigma and -eps(z)/sigma.  # [P, 2] each"""
    exact = spec.score == "exact"
    eps_model, _ = _models(mix, trained, spec, exact)
    dtype = torch.float64 if exact else torch.float32
    z = points.to(dtype)
    lam = torch.full((len(z),), spec.field_lam, dtype=dtype)
    _, sigma = alpha_sigma(torch.tensor(spec.field_lam, dtype=torch.float64))
    out = {}
    for name, c in (("cond", spec.label), ("uncond", mix.num_classes)):
        with torch.no_grad():
            eps = eps_model(z, lam, torch.full((len(z),), c, dtype=torch.long))
        out[name] = -eps.double() / sigma
    return out


def field_error(mix, learned: torch.Tensor, exact: torch.Tensor, points: torch.Tensor, lam: float) -> list[float]:
    """Per w, the p(z_lam)-weighted relative error of the learned field (see the module docstring)."""
    p = mix.log_prob(points, lam).exp()  # [P]
    num = (p * ((learned - exact) ** 2).sum(-1)).sum(-1)  # [W]
    den = (p * (exact**2).sum(-1)).sum(-1).clamp_min(1e-300)
    return [round(float(v), 4) for v in (num / den).sqrt()]


# --- the live numbers ------------------------------------------------------------------------------
def sample_numbers(mix, x: torch.Tensor, c: int, class_ref: torch.Tensor, tilted_ref: torch.Tensor,
                   seed: int) -> dict[str, float]:
    """mean p(c|x), diversity, SW_2 to p(x|c), SW_2 to the tilted target (fixed projections per seed)."""
    g = lambda: torch.Generator().manual_seed(seed)  # noqa: E731 - same directions for every w
    return {"mean_posterior": round(mean_posterior(mix, x, c), 4), "diversity": round(diversity(x), 4),
            "distance_to_class": round(sliced_wasserstein(x, class_ref, N_PROJ, g()), 4),
            "distance_to_tilted": round(sliced_wasserstein(x, tilted_ref, N_PROJ, g()), 4)}


@dataclass(frozen=True)
class Targets:
    """Exact densities of one (mixture, class): contours and reference samples, shared by all panels."""

    class_contours: list
    tilted_contours: list  # per w
    tempered_contours: list  # per w
    class_ref: torch.Tensor
    tilted_refs: list  # per w, [N_REF, 2]


def exact_targets(mix: GaussianMixture, c: int, extent) -> Targets:
    gen = torch.Generator().manual_seed(1234)
    cls = grid_density(lambda p: mix.log_prob(p, None, c), extent, DENSITY_RES)
    tilted = [grid_density(lambda p, w=w: mix.tilted_log_density(p, c, w), extent, DENSITY_RES) for w in W_GRID]
    tempered = [grid_density(lambda p, w=w: mix.tempered_log_density(p, c, w), extent, DENSITY_RES) for w in W_GRID]
    return Targets(hdr_contours(cls), [hdr_contours(d) for d in tilted], [hdr_contours(d) for d in tempered],
                   mix.sample(N_REF, c, gen), [d.sample(N_REF, gen) for d in tilted])


# --- payloads -------------------------------------------------------------------------------------
def panel_payload(mix, trained, spec: PanelSpec, targets: Targets, extent) -> dict:
    """Everything one panel draws, for every w in W_GRID (JSON-ready)."""
    trajs, steps_kept = sample_grid(mix, trained, spec)  # [W, F, n, 2]
    points = field_points(extent)
    field = guided_field(mix, trained, spec, points, spec.score == "exact")  # [W, P, 2]
    plain = plain_fields(mix, trained, spec, points)
    errors = None
    if spec.score == "learned":
        errors = field_error(mix, field, guided_field(mix, None, spec, points, True), points, spec.field_lam)
    numbers = [sample_numbers(mix, trajs[i, -1], spec.label, targets.class_ref, targets.tilted_refs[i], spec.seed)
               for i in range(len(W_GRID))]
    lams = Schedule().sampling_grid(STEPS).tolist()
    frame_lams = [round(lams[i], 2) if i < len(lams) else None for i in steps_kept]
    return {"method": spec.method, "title": METHOD_TITLES[spec.method], "spec": asdict(spec),
            "shape": list(trajs.shape), "traj": encode_coords(trajs), "frame_lams": frame_lams,
            "field": encode_f32(field), "field_cond": encode_f32(plain["cond"]),
            "field_uncond": encode_f32(plain["uncond"]), "numbers": numbers, "field_error": errors}


class LruCache:
    """A thread-safe LRU; concurrent requests for one missing key compute it once."""

    def __init__(self, maxsize: int):
        self.maxsize, self._data, self._lock = maxsize, OrderedDict(), threading.Lock()
        self._key_locks: dict = {}

    def get_or_compute(self, key, compute: Callable[[], object]):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = compute()
            with self._lock:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def __len__(self) -> int:
        return len(self._data)


def mixture_key(mix: GaussianMixture) -> str:
    """A short content hash of a mixture (custom mixtures are cached by what they are, not by name)."""
    from toy_data.mixtures import mixture_to_dict

    text = json.dumps(mixture_to_dict(mix), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


class LabViews:
    """The lab's caches: exact targets per (mixture, class), panels per spec, full views per selection."""

    def __init__(self, maxsize: int = 64, max_parallel: int = 2):
        self.targets, self.panels = LruCache(maxsize), LruCache(maxsize)
        self._compute = threading.BoundedSemaphore(max_parallel)  # at most this many precomputations at once

    def _bounded(self, fn: Callable[[], object]) -> Callable[[], object]:
        def run():
            with self._compute:
                return fn()
        return run

    def view(self, mix: GaussianMixture, trained: TrainedMixture | None, specs: list[PanelSpec],
             model_key: str = "") -> dict:
        """The JSON-ready view of one selection; model_key names the trained networks (a new one after training)."""
        specs = [s.checked(mix) for s in specs]
        extent = view_extent(mix)
        key = (mixture_key(mix), specs[0].label)
        targets = self.targets.get_or_compute(key, self._bounded(lambda: exact_targets(mix, specs[0].label, extent)))
        panels = [self.panels.get_or_compute((key[0], model_key if s.score == "learned" else None, s),
                                             self._bounded(lambda s=s: panel_payload(mix, trained, s, targets, extent)))
                  for s in specs]
        return {"version": 1, "mixture": mix.name, "class_names": list(mix.class_names), "label": specs[0].label,
                "extent": list(extent), "w_grid": list(W_GRID), "field_grid": FIELD_GRID,
                "field_lam": specs[0].field_lam, "means": mix.means.tolist(),
                "component_class": mix.component_class.tolist(),
                "class_contours": targets.class_contours, "tilted_contours": targets.tilted_contours,
                "tempered_contours": targets.tempered_contours, "panels": panels}


def samples_at(view: dict, panel: int, w: float) -> np.ndarray:
    """Final samples of a panel at a grid w, decoded from a view.  # [n, 2]"""
    p = view["panels"][panel]
    i = W_GRID.index(snap_w(w))
    return decode_coords(p["traj"], tuple(p["shape"]))[i, -1]
