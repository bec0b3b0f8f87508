"""Which sampler reaches what CFG promises? DDIM, DDPM, predictor-corrector (K = 20) and SMC against the exact
tilted target p(x|c) p(c|x)^w on mixtures whose class has far-apart modes (near_far, and one of our own).

Per sampler: each mode's share of the samples (a sample belongs to the nearest mean of class c's components) next
to the target's share (the same rule on a fine grid of the exact density), SW_2 to the target as a multiple of
the noise floor (SW_2 between two exact target sample sets of the same size), guided-score evaluations of the
particle set, and wall time. Exact scores throughout: the samplers, not a network, are compared.

Usage: python scripts/bench/bench_smc.py [--n 3000] [--w 3] [--steps 50] [--smc-steps 100] [--moves 9] [--seeds 3]
       [--out docs/results/bench_smc.json]
Run it with nothing else running (wall times).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from cfg_core.metrics import sliced_wasserstein, tilted_samples  # noqa: E402
from cfg_core.mixture import grid_density  # noqa: E402
from cfg_core.mixture_json import load_preset, mixture_from_dict  # noqa: E402
from cfg_core.smc import SMCConfig, smc_sample  # noqa: E402
from cfg_core.toy.sampling import SampleRequest, run_sample  # noqa: E402

# class A: a mode far from B and one beside it (B is heavier), other geometry than near_far
TWO_SIDED = {"name": "two_sided", "classes": ["A", "B"], "components": [
    {"mean": [-3.5, -1.0], "cov": [[0.2, 0], [0, 0.2]], "weight": 1.0, "class": 0},
    {"mean": [0.6, 2.0], "cov": [[0.2, 0], [0, 0.2]], "weight": 1.0, "class": 0},
    {"mean": [2.2, 2.0], "cov": [[0.2, 0], [0, 0.2]], "weight": 1.5, "class": 1}]}


def mode_shares(mix, c: int, x: torch.Tensor) -> list[float]:
    """Share of samples nearest to each of class c's component means (in component order)."""
    means = mix.means[mix.component_class == c]
    nearest = torch.cdist(x.double(), means).argmin(1)
    return [float((nearest == k).double().mean()) for k in range(len(means))]


def target_shares(mix, c: int, w: float) -> list[float]:
    """The same shares under the exact tilted density, from a 500 x 500 grid."""
    g = grid_density(lambda p: mix.tilted_log_density(p, c, w), mix.extent(), 500)
    gx, gy = torch.meshgrid(g.xs, g.ys, indexing="xy")
    pts = torch.stack([gx.flatten(), gy.flatten()], 1)
    means = mix.means[mix.component_class == c]
    nearest = torch.cdist(pts, means).argmin(1)
    mass = (g.density.flatten() * g.cell_area)
    return [float(mass[nearest == k].sum()) for k in range(len(means))]


def run(mix, c: int, w: float, n: int, steps: int, smc_steps: int, moves: int, seeds: int) -> dict:
    gen = torch.Generator().manual_seed(1)
    ref = tilted_samples(mix, c, w, 20 * n, gen)
    floor = sum(sliced_wasserstein(tilted_samples(mix, c, w, n, gen), ref, generator=gen) for _ in range(5)) / 5
    target = target_shares(mix, c, w)
    rows = {}

    def row(x, evals, seconds, **extra):
        shares = mode_shares(mix, c, x)
        sw = sliced_wasserstein(x, ref, generator=torch.Generator().manual_seed(2))
        return {"mode_shares": [round(s, 3) for s in shares],
                "max_share_error": round(max(abs(a - b) for a, b in zip(shares, target)), 3),
                "sw_to_target": round(sw, 4), "sw_over_floor": round(sw / floor, 2), "score_evaluations": evals,
                "seconds": round(seconds, 2), **extra}

    for name, sampler, k in (("DDIM", "ddim", None), ("DDPM", "ddpm", None), ("PC, K = 20", "pc", 20)):
        t0 = time.perf_counter()
        req = SampleRequest(label=c, method="cfg", w=w, score="exact", sampler=sampler, steps=steps, n=n, seed=0,
                            corrector_steps=k)
        x = run_sample(mix, None, req).x
        rows[name] = row(x, steps * (1 + (k or 0)), time.perf_counter() - t0)
    for seed in range(seeds):  # SMC's share error is sampling noise of the weights: every seed is reported
        t0 = time.perf_counter()
        res = smc_sample(mix, c, w, n, config=SMCConfig(steps=smc_steps, moves=moves),
                         generator=torch.Generator().manual_seed(seed))
        rows[f"SMC, seed {seed}"] = row(res.x, res.evaluations, time.perf_counter() - t0,
                                        resampling_events=res.resampling_events, min_ess=round(min(res.ess), 3))
    return {"target_shares": [round(s, 3) for s in target], "noise_floor": round(floor, 4), "samplers": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--w", type=float, default=3.0)
    ap.add_argument("--steps", type=int, default=50, help="levels of DDIM, DDPM and PC (the lab's 50)")
    ap.add_argument("--smc-steps", type=int, default=100, help="SMC's levels")
    ap.add_argument("--moves", type=int, default=9, help="SMC's MALA moves per level (100 x (1 + 9) = 1000 "
                    "evaluations, under PC's 50 x 21 = 1050)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    report = {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, torch {torch.__version__}, 1 thread",
              "n": args.n, "w": args.w, "levels": args.steps, "smc_levels": args.smc_steps, "smc_moves": args.moves,
              "mixtures": {}}
    for mix in (load_preset("near_far"), mixture_from_dict(TWO_SIDED)):
        report["mixtures"][mix.name] = run(mix, 0, args.w, args.n, args.steps, args.smc_steps, args.moves, args.seeds)
        print(mix.name, json.dumps(report["mixtures"][mix.name]), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
