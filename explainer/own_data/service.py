"""*Your own data*, without gradio: points in (painted, a scikit-learn data set, or a CSV), a fitted exact mixture
out, and a live preview of guided samples while one component's mean is dragged.

    points_from_json(data)         the canvas's points {"xy": [[x, y], ...], "labels": [...], "class_names": [...]}
                                   checked (cfg_core.toy.points.Points: a PointsError says what is wrong)
    points_json(points)            the reverse, for the canvas
    fit_json(points, K, seed)      per class the BIC-best GaussianMixture (cfg_core.toy.fit), as the project's mixture
                                   JSON, its 2-sigma ellipses, and per class k, BIC and log-likelihood per point
    preview(mixture, label, w, c)  the exact guided samples at one w and the guided field at lam = 0, for the mixture
                                   with component k's mean moved: small enough to redraw while the mouse moves
The fitted mixture has exact scores at every noise level, so the lab's exact views (and a network trained on the
raw points) can be compared with it honestly.
"""
from __future__ import annotations

import json
import math

import numpy as np
import torch

from cfg_core import methods
from cfg_core.errors import Phrase, coded
from cfg_core.guidance import check_w
from cfg_core.metrics import mean_posterior
from cfg_core.mixture_json import MixtureError, mixture_from_dict, mixture_to_dict
from cfg_core.samplers import SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule, alpha_sigma
from cfg_core.toy.ellipses import ellipses
from cfg_core.toy.fit import DEFAULT_MAX_COMPONENTS, fit_mixture
from cfg_core.toy.points import MAX_POINTS, Points, PointsError
from cfg_core.toy.sampling import models_for

PREVIEW_SAMPLES = 150  # guided samples redrawn while dragging
PREVIEW_STEPS = 25  # DDIM steps of the preview (the lab uses 50; 25 is visually the same on a 2D mixture)
PREVIEW_GRID = 15  # arrows per side of the preview's field
PREVIEW_METHODS = methods.on("own_data")  # exact CFG = exact CG, so one guided method and two references
EXTENT = (-4.5, 4.5, -4.5, 4.5)  # the canvas window (the data are scaled into [-3, 3]^2)
MAX_JSON_BYTES = 8_000_000  # a painted or uploaded point set larger than this is refused before parsing


def points_from_json(data) -> Points:
    """The canvas's points as checked Points, or PointsError with one line."""
    if isinstance(data, str):
        if len(data) > MAX_JSON_BYTES:
            raise coded(PointsError, "own.points_too_large", "the points are too large ({n} bytes; at most {max})",
                        n=len(data), max=MAX_JSON_BYTES)
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise coded(PointsError, "own.points_not_json", "the points are not valid JSON") from None
    if not isinstance(data, dict) or not all(k in data for k in ("xy", "labels", "class_names")):
        raise coded(PointsError, "own.points_keys", "points need xy, labels and class_names")
    xy, labels = data["xy"], data["labels"]
    if not isinstance(xy, list) or not isinstance(labels, list) or len(xy) != len(labels):
        raise coded(PointsError, "own.xy_labels_length", "xy and labels must be lists of the same length")
    if len(xy) > MAX_POINTS:
        raise coded(PointsError, "own.too_many_points", "at most {max} points, got {n}", max=MAX_POINTS, n=len(xy))
    if not xy:
        raise coded(PointsError, "own.no_points", "no points yet: paint some, pick a data set or upload a CSV")
    try:
        arr = np.asarray(xy, dtype=np.float64).reshape(len(xy), 2)
        lab = np.asarray(labels)
    except (TypeError, ValueError):
        raise coded(PointsError, "own.point_not_two_numbers", "every point must be two numbers [x, y]") from None
    if lab.dtype.kind not in "iu" and not (lab.dtype.kind == "f" and np.all(np.mod(lab, 1) == 0)):
        raise coded(PointsError, "own.labels_not_integers", "labels must be class indices (integers)")
    return Points(arr, lab.astype(np.int64), tuple(data["class_names"]))


def points_json(points: Points) -> dict:
    """Points for the canvas (coordinates rounded to 1e-4)."""
    return {"xy": np.round(points.xy, 4).tolist(), "labels": points.labels.tolist(),
            "class_names": list(points.class_names)}


def _ellipses_json(mix) -> list[dict]:
    return [{"k": e.component, "c": e.class_index, "centre": list(e.centre), "outline": np.round(e.outline(48), 4).tolist()}
            for e in ellipses(mix)]


def fit_json(points: Points, max_components: int = DEFAULT_MAX_COMPONENTS, seed: int = 0) -> dict:
    """The fit of a point set for the canvas and the lab: mixture JSON, ellipses, and per class the BIC choice."""
    result = fit_mixture(points, max_components, seed, name="your_data")
    return {"mixture": result.to_dict(), "ellipses": _ellipses_json(result.mixture),
            "classes": [{"name": f.name, "n_points": f.n_points, "k": f.n_components, "bic": round(f.bic, 1),
                         "loglik_per_point": round(f.loglik_per_point, 3)} for f in result.classes],
            "loglik_per_point": round(result.loglik_per_point, 3), "seconds": round(result.seconds, 3)}


def moved(mixture: dict, component: int, mean) -> dict:
    """The mixture JSON with one component's mean moved (checked like any mixture: MixtureError if unusable)."""
    if not isinstance(mixture, dict) or not isinstance(mixture.get("components"), list):
        raise coded(MixtureError, "own.no_fit", "no fitted mixture yet: press Fit first")
    comps = mixture["components"]
    if isinstance(component, bool) or not isinstance(component, int) or not 0 <= component < len(comps):
        raise coded(MixtureError, "own.component_index", "component must be an index in [0, {hi}], got {got!r}",
                    hi=len(comps) - 1, got=component)
    if (not isinstance(mean, (list, tuple)) or len(mean) != 2
            or not all(isinstance(v, (int, float)) and math.isfinite(v) and abs(v) <= 30 for v in mean)):
        raise coded(MixtureError, "own.mean_range", "a mean must be two finite numbers in [-30, 30], got {got}",
                    got=str(mean)[:60])
    out = {**mixture, "components": [dict(c) for c in comps]}
    out["components"][component]["mean"] = [float(mean[0]), float(mean[1])]
    return out


def _grid_points() -> torch.Tensor:
    x0, x1, y0, y1 = EXTENT
    xs = torch.linspace(x0, x1, PREVIEW_GRID * 2 + 1, dtype=torch.float64)[1::2]
    ys = torch.linspace(y0, y1, PREVIEW_GRID * 2 + 1, dtype=torch.float64)[1::2]
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [G*G, 2], row-major from the bottom left


def preview(mixture: dict, label: int, w: float, method: str = "cfg", seed: int = 0) -> dict:
    """Exact guided samples at w and the guided score field at lam = 0 for a mixture JSON (ValueError if unusable).

    DDIM with PREVIEW_STEPS steps from fixed initial noise (seeded), so dragging moves samples continuously."""
    mix = mixture_from_dict(mixture)
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < mix.num_classes:
        raise coded(ValueError, "value.class_index", "label must be a class index in [0, {hi}], got {got!r}",
                    hi=mix.num_classes - 1, got=label)
    if method not in PREVIEW_METHODS:
        raise coded(ValueError, "value.one_of", "{name} must be one of {names}, got {got!r}",
                    name=coded(Phrase, "term.method", "method"), names=", ".join(PREVIEW_METHODS), got=method)
    w = check_w(w)
    models = models_for(mix, None, "exact")
    strategy = methods.make_strategy(method, models, label, w)
    z = initial_noise(PREVIEW_SAMPLES, (2,), torch.Generator().manual_seed(seed), torch.float64)
    res = sample(strategy, z, Schedule(), SamplerConfig(kind="ddim", steps=PREVIEW_STEPS), keep_trajectory=False)
    pts = _grid_points()
    with torch.no_grad():
        field = -strategy.eps_hat(pts, 0.0) / float(alpha_sigma(torch.tensor(0.0, dtype=torch.float64))[1])
    return {"samples": np.round(res.x.numpy(), 4).tolist(), "field": np.round(field.numpy(), 4).tolist(),
            "grid": PREVIEW_GRID, "extent": list(EXTENT), "ellipses": _ellipses_json(mix),
            "mean_posterior": round(mean_posterior(mix, res.x, label), 4)}


def mixture_text(mixture: dict) -> str:
    """The mixture JSON the lab's custom dataset takes (checked: MixtureError if unusable)."""
    return json.dumps(mixture_to_dict(mixture_from_dict(mixture)))

