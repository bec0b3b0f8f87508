"""Fit an exact Gaussian mixture to labelled points: one scikit-learn GaussianMixture per class, k by BIC.

For each class c with N_c points, full-covariance mixtures with k = 1..K_c components are fitted by EM
(scikit-learn, k-means start, seeded) and the k with the lowest
    BIC_k = -2 sum_i log p_k(x_i | c) + (6k - 1) log N_c      (6k - 1 free parameters in 2D)
is kept, K_c = min(max_components, N_c // POINTS_PER_COMPONENT). reg_covar = REG_COVAR is added to every
covariance, so degenerate classes (points on a line, repeated points) still give positive-definite ones.
The result is the project's GaussianMixture with component weights pi_ck = (N_c / N) w_ck, so p(c) is the
class frequency and every exact score, eps* and posterior of cfg_core.mixture works on the user's data.
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cfg_core.atomic import write_text_atomic
from cfg_core.mixture import GaussianMixture
from cfg_core.mixture_json import MixtureError, check_name, mixture_from_dict, mixture_to_dict
from cfg_core.toy.points import Points

DEFAULT_MAX_COMPONENTS = 6  # per class; enough for moons and circles at the presets' scale
MAX_COMPONENTS_LIMIT = 12  # fitting time grows ~k^2 over k = 1..K; 8 classes x 12 stays within 320 components
POINTS_PER_COMPONENT = 5  # a 2D full-covariance component has 6 parameters: fewer points overfit
REG_COVAR = 1e-3  # added to every covariance (std >= 0.03 in window units): degenerate data still fit
MAX_EM_ITER = 200  # EM iterations per fit (scikit-learn's default is 100; small data converge well before)


@dataclass(frozen=True)
class ClassFit:
    """What the fit of one class chose and how well it fits."""

    name: str  # class name
    n_points: int  # N_c
    n_components: int  # k with the lowest BIC
    bic: float  # BIC of that k (lower is better)
    loglik_per_point: float  # mean log p(x_i | c) of the class's points under the chosen fit (nats)
    bic_by_k: tuple[float, ...]  # BIC for k = 1..K_c, the curve the choice was made on


@dataclass(frozen=True)
class FitResult:
    """The fitted mixture and, per class, the BIC choice."""

    mixture: GaussianMixture
    classes: tuple[ClassFit, ...]
    max_components: int  # K asked for
    seed: int
    seconds: float  # wall time of the fit

    @property
    def loglik_per_point(self) -> float:
        """Mean log p(x_i | c_i) over all points (nats)."""
        n = sum(f.n_points for f in self.classes)
        return sum(f.loglik_per_point * f.n_points for f in self.classes) / n

    def summary_lines(self) -> list[str]:
        """One line per class: k, BIC and log-likelihood per point."""
        return [f"class {f.name!r}: {f.n_points} points, k = {f.n_components}, BIC = {f.bic:.1f}, "
                f"log-likelihood/point = {f.loglik_per_point:.3f}" for f in self.classes]

    def to_dict(self) -> dict:
        """The project's mixture JSON (loads with mixture_json.load_mixture) plus a "fit" record it ignores."""
        fit = {"max_components": self.max_components, "seed": self.seed, "reg_covar": REG_COVAR,
               "classes": [{"name": f.name, "n_points": f.n_points, "n_components": f.n_components, "bic": f.bic,
                            "loglik_per_point": f.loglik_per_point, "bic_by_k": list(f.bic_by_k)}
                           for f in self.classes]}
        return {**mixture_to_dict(self.mixture), "description": "fitted to labelled points (python -m cfg_core fit)",
                "fit": fit}


def check_max_components(k) -> int:
    """max_components as an int in [1, MAX_COMPONENTS_LIMIT], or ValueError saying so."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_COMPONENTS_LIMIT:
        raise ValueError(f"max components must be an integer in [1, {MAX_COMPONENTS_LIMIT}], got {k!r}")
    return k


def _fit_class(x: np.ndarray, max_components: int, seed: int):
    """The BIC-best scikit-learn GaussianMixture of one class's points [N_c, 2], and the BIC curve."""
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    best, bics = None, []
    for k in range(1, max(1, min(max_components, len(x) // POINTS_PER_COMPONENT)) + 1):
        gm = SkGaussianMixture(k, covariance_type="full", reg_covar=REG_COVAR, max_iter=MAX_EM_ITER,
                               random_state=seed).fit(x)
        bics.append(float(gm.bic(x)))
        if bics[-1] == min(bics):
            best = gm
    return best, tuple(bics)


def _components(gm, c: int, prior: float) -> list[dict]:
    """The mixture-JSON components of one class's fit, weights times the class prior p(c)."""
    covs = (gm.covariances_ + gm.covariances_.transpose(0, 2, 1)) / 2  # [k, 2, 2], exactly symmetric
    return [{"mean": gm.means_[j].tolist(), "cov": covs[j].tolist(), "weight": float(prior * gm.weights_[j]),
             "class": c} for j in range(len(gm.weights_))]


def fit_mixture(points: Points, max_components: int = DEFAULT_MAX_COMPONENTS, seed: int = 0,
                name: str = "fitted") -> FitResult:
    """Per class the BIC-best full-covariance mixture of up to max_components Gaussians, as one exact mixture."""
    import sklearn.mixture  # noqa: F401  heavy import, only when fitting, and before the clock starts
    from threadpoolctl import threadpool_limits  # comes with scikit-learn

    check_max_components(max_components)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2^32), got {seed!r}")
    try:
        name = check_name(name, "mixture name")
    except MixtureError as err:
        raise ValueError(str(err)) from None
    start = time.perf_counter()
    comps, fits = [], []
    # one BLAS/OpenMP thread: on 2 x 1000 points, threads only contend (7x slower on 2 cores)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on duplicate points: reg_covar handles them
        for c, class_name in enumerate(points.class_names):
            x = points.class_points(c)  # [N_c, 2]
            gm, bics = _fit_class(x, max_components, seed)
            comps += _components(gm, c, len(x) / len(points))
            fits.append(ClassFit(class_name, len(x), len(gm.weights_), min(bics), float(gm.score(x)), bics))
    mixture = mixture_from_dict({"name": name, "classes": list(points.class_names), "components": comps})
    return FitResult(mixture, tuple(fits), max_components, seed, time.perf_counter() - start)


def write_fit_json(result: FitResult, path: str | Path) -> Path:
    """Write the fitted mixture as mixture JSON (atomically); sample/train/the lab load it like any mixture."""
    return write_text_atomic(path, json.dumps(result.to_dict(), indent=1) + "\n")
