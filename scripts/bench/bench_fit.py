"""Benchmark of fitting a mixture to labelled points (issue 12), written to docs/bench_fit.json.

    python scripts/bench/bench_fit.py [--out docs/bench_fit.json] [--quick]

Measures
  - fit time of 3,000 points (median of --runs fits, one BLAS thread, sklearn imported beforehand) for every
    scikit-learn data set and for points drawn from known mixtures (target: <= 2 s on 2 CPU cores);
  - recovery: 3,000 points drawn from a known 2-3 class mixture (presets and never-seen random mixtures), fitted
    at the defaults; per class, mean SW_2 between exact samples of the fit and true class samples over the mean
    SW_2 between two true sample sets (the two-sample noise floor), both at the class's size in the data
    (target: within 1.5x). Repeated over several data draws, since the draw itself moves the ratio.
Run it on an otherwise idle machine for the numbers in docs/RESULTS.md; --quick only checks that it runs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cfg_core import metrics  # noqa: E402
from cfg_core.mixture_json import load_preset, mixture_from_dict  # noqa: E402
from cfg_core.random_mixture import random_mixture_spec  # noqa: E402
from cfg_core.toy.fit import DEFAULT_MAX_COMPONENTS, fit_mixture  # noqa: E402
from cfg_core.toy.points import DATASETS, Points, make_dataset  # noqa: E402

N_POINTS = 3000
TARGET_SECONDS, TARGET_RATIO = 2.0, 1.5


def known_mixture(name: str):
    """A preset by name, or a random "unseen" mixture for a name "unseen_<seed>"."""
    if name.startswith("unseen_"):
        return mixture_from_dict(random_mixture_spec(int(name.split("_")[1])))
    return load_preset(name)


def drawn_points(mix, seed: int) -> Points:
    x, c = mix.sample_labelled(N_POINTS, torch.Generator().manual_seed(seed))
    return Points(x.numpy(), c.numpy(), mix.class_names)


def fit_seconds(points: Points, runs: int) -> dict:
    """Median and max wall time of fit_mixture at the defaults, and the components it chose."""
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fit_mixture(points)
        times.append(time.perf_counter() - t)
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "components": [f.n_components for f in result.classes]}


def recovery(mix, data_seed: int, repeats: int) -> list[float]:
    """Per class ratio of SW_2(fit, truth) to the two-sample floor, at the class's size in the data."""
    points = drawn_points(mix, data_seed)
    fitted = fit_mixture(points).mixture
    gen = torch.Generator().manual_seed(1000 + data_seed)
    out = []
    for c, n in enumerate(points.class_counts().tolist()):
        sw = sum(metrics.sliced_wasserstein(fitted.sample(n, c, gen), mix.sample(n, c, gen), generator=gen)
                 for _ in range(repeats)) / repeats
        out.append(round(sw / metrics.noise_floor(mix, c, n, gen, repeats=repeats), 3))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench_fit.json"))
    parser.add_argument("--quick", action="store_true", help="one data set, one mixture, one draw (a smoke run)")
    parser.add_argument("--runs", type=int, default=5, help="fits per timing (median)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    import sklearn.mixture  # noqa: F401  the import is not part of a fit

    runs = 1 if args.quick else args.runs
    mixtures = ["three_gaussians"] if args.quick else ["three_gaussians", "two_overlapping", "unseen_101",
                                                      "unseen_202", "unseen_303", "unseen_404"]
    draws = [1] if args.quick else list(range(1, 9))
    timing = {name: fit_seconds(make_dataset(name, N_POINTS, seed=0), runs)
              for name in (["moons"] if args.quick else DATASETS)}
    timing.update({name: fit_seconds(drawn_points(known_mixture(name), 0), runs) for name in mixtures})
    rec = {}
    for name in mixtures:
        ratios = [recovery(known_mixture(name), s, 5 if args.quick else 20) for s in draws]  # [draws][C]
        worst = [max(r) for r in ratios]
        rec[name] = {"ratios_per_draw": ratios, "median": round(float(np.median(ratios)), 3),
                     "max": round(max(worst), 3), "draws_within_target": sum(w <= TARGET_RATIO for w in worst),
                     "draws": len(draws)}
    result = {"date": date.today().isoformat(),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, fit on 1 BLAS thread, no GPU",
              "load_average_1min": round(os.getloadavg()[0], 2), "torch": torch.__version__,
              "sklearn": sklearn.__version__, "quick": args.quick, "n_points": N_POINTS,
              "max_components": DEFAULT_MAX_COMPONENTS, "targets": {"fit_seconds": TARGET_SECONDS,
                                                                    "recovery_ratio": TARGET_RATIO},
              "fit_seconds": timing, "recovery": rec}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'data (3,000 points)':<22} {'fit median s':>12} {'max s':>7}  components per class")
    for name, t in timing.items():
        print(f"{name:<22} {t['median_s']:>12.3f} {t['max_s']:>7.3f}  {t['components']}")
    print(f"\n{'mixture':<22} {'median ratio':>12} {'max':>7}  draws within {TARGET_RATIO}x")
    for name, r in rec.items():
        print(f"{name:<22} {r['median']:>12.3f} {r['max']:>7.3f}  {r['draws_within_target']}/{r['draws']}")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
