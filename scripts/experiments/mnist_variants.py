"""The modern guidance variants on MNIST (issue 11, part 3), graded by the judge: full CFG, CFG only in a log-SNR
interval, autoguidance (the weak model: the same run's EMA at 1/8 of its steps), CFG-rescale, dynamic thresholding
and APG, at w in {0, 1, 3, 6, 10}.

For each (variant, w, seed): n digits of each class (DDIM, 50 steps, the app's sampler), then the judge's accuracy,
confidence, IS, FD against the held-out real digits, diversity, and the ink-mass error: per digit class,
|mean pixel intensity of the samples - mean intensity of the held-out real digits of that class|, averaged over
the ten classes (intensities in [0, 1]; over-saturated digits carry too much ink).
Writes docs/mnist_variants.json and prints a Markdown table (means over the seeds).

    python scripts/experiments/mnist_variants.py [--n 100] [--seeds 0,1,2] [--w 0,1,3,6,10] [--targets] [--tab-sampler] [--resume]
                                     [--out FILE.json]
    python scripts/experiments/mnist_variants.py --merge A.json B.json ... [--out FILE.json]
--resume continues a run stopped part-way (the JSON is written after every row, "complete": false until the end).
--merge joins runs made separately (other seeds or other w, same n and sampler) into one JSON and table.
--tab-sampler samples each variant as the app's tab does (ancestral 16 steps, APG 50; "sampler": "tab").
--targets runs only what the targets compare: CFG at w = 0; CFG and autoguidance at w = 1; CFG, the interval and
autoguidance at w = 3; CFG and the three saturation fixes at w = 6 and 10 (about a third of the full grid's time).
The issue's protocol is n >= 100 per digit and 3 seeds; the JSON records what was run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from cfg_core.mnist.data import load_digits, split, to_unit  # noqa: E402
from cfg_core.mnist.metrics import all_metrics, ink_error, judge_outputs  # noqa: E402
from cfg_core.mnist.models import load_mnist_models, sample_mnist  # noqa: E402
from cfg_core.mnist.variants import INTERVAL  # noqa: E402

VARIANTS = {  # row label -> a name of cfg_core.methods or cfg_core.mnist.variants
    "cfg": "cfg",
    f"cfg, interval [{INTERVAL[0]:g}, {INTERVAL[1]:g}]": "cfg_interval",
    "autoguidance (the run's 1/8-step EMA)": "auto",
    "CFG-rescale (phi 0.7)": "rescale",
    "dynamic thresholding (P 0.995)": "threshold",
    "APG (eta 0, r 15, beta -0.5)": "apg",
}
FIXES = ("CFG-rescale (phi 0.7)", "dynamic thresholding (P 0.995)", "APG (eta 0, r 15, beta -0.5)")
INTERVAL_ROW, AUTO_ROW = list(VARIANTS)[1:3]


TARGET_RUNS = {0: ("cfg",), 1: ("cfg", AUTO_ROW), 3: ("cfg", INTERVAL_ROW, AUTO_ROW),  # what the targets compare
               6: ("cfg", *FIXES), 10: ("cfg", *FIXES)}


def wanted(w: float, name: str, targets_only: bool) -> bool:
    """Whether to run a (w, variant): at w = 0 interval, autoguidance, rescale and APG are exactly the conditional
    model (tested);
    with targets_only, only the pairs the issue's targets compare (TARGET_RUNS)."""
    if targets_only:
        return name in TARGET_RUNS.get(w, ())
    return w != 0 or name in ("cfg", "dynamic thresholding (P 0.995)")


def sampler_of(method: str, tab: bool) -> tuple[str, int]:
    """(sampler, steps) for a variant: DDIM 50, or with tab=True what the app's tab draws it with
    (explainer.mnist.service.tab_sampler: ancestral 16 steps, APG 50)."""
    if not tab:
        return "ddim", 50
    from explainer.mnist.service import tab_sampler

    return tab_sampler(method)


def run(n: int, seeds: list[int], ws: list[float], targets_only: bool = False, rows: list[dict] | None = None,
        save=None, tab: bool = False) -> dict:
    """Every wanted (w, variant, seed) not already in `rows` (a resumed run); save(result) after each row."""
    torch.set_num_threads(int(os.environ.get("CFG_TORCH_THREADS", "1")))
    models = load_mnist_models()
    held = split(load_digits())["held_out"]
    real01, real_labels = to_unit(held.x[:, 0]), held.c.numpy()
    real = judge_outputs(models.judge, real01, real_labels)
    labels = np.repeat(np.arange(10), n)
    rows = list(rows or [])
    done = {(r["variant"], r["w"], r["seed"]) for r in rows}
    result = lambda: {"n_per_class": n, "seeds": seeds, "ws": ws, "targets_only": targets_only,  # noqa: E731
                      "steps": "tab" if tab else 50, "sampler": "tab" if tab else "ddim", "interval": INTERVAL,
                      "real_mean_intensity": float(real01.mean()), "results": rows}
    for w in ws:
        for name, method in VARIANTS.items():
            if not wanted(w, name, targets_only):
                continue
            for seed in seeds:
                if (name, w, seed) in done:
                    continue
                t0 = time.perf_counter()
                sampler, steps = sampler_of(method, tab)
                x01 = torch.cat([sample_mnist(models, c, method, w, n=n, seed=1000 * seed + c, steps=steps,
                                              sampler=sampler, keep_trajectory=False).x for c in range(10)])
                gen = judge_outputs(models.judge, x01, labels)
                rows.append({"variant": name, "w": w, "seed": seed, "sampler": sampler, "steps": steps,
                             **all_metrics(gen, real),
                             "ink_error": ink_error(x01, labels, real01, real_labels),
                             "seconds": round(time.perf_counter() - t0, 1)})
                print(f"w={w:g} {name} seed {seed}: acc {rows[-1]['judge_accuracy']:.3f} fd {rows[-1]['fd']:.2f} "
                      f"ink {rows[-1]['ink_error']:.4f} ({rows[-1]['seconds']} s)", flush=True)
                if save is not None:
                    save(result())
    return result()


def table(result: dict) -> str:
    """Markdown: means over seeds per (w, variant), in order of w and of VARIANTS; with several seeds, accuracy and
    FD carry +- their standard deviation over the seeds."""
    out = ["| w | variant | seeds | judge accuracy | FD | diversity | IS | ink-mass error |",
           "|---|---|---|---|---|---|---|---|"]
    order = list(VARIANTS)
    keys = sorted(dict.fromkeys((r["w"], r["variant"]) for r in result["results"]),
                  key=lambda k: (k[0], order.index(k[1]) if k[1] in order else len(order)))
    for w, name in keys:
        rs = [r for r in result["results"] if r["w"] == w and r["variant"] == name]
        mean = {k: float(np.mean([r[k] for r in rs])) for k in ("judge_accuracy", "fd", "diversity",
                                                                 "inception_score", "ink_error")}
        sd = {k: f" ± {np.std([r[k] for r in rs], ddof=1):.{d}f}" if len(rs) > 1 else ""
              for k, d in (("judge_accuracy", 3), ("fd", 2))}
        out.append(f"| {w:g} | {name} | {len(rs)} | {mean['judge_accuracy']:.3f}{sd['judge_accuracy']} | "
                   f"{mean['fd']:.2f}{sd['fd']} | {mean['diversity']:.2f} | {mean['inception_score']:.2f} | "
                   f"{mean['ink_error']:.4f} |")
    return "\n".join(out)


def merge(paths: list[str]) -> dict:
    """Runs made separately (e.g. one seed per session) as one result: their rows, seeds and w joined; ValueError when
    they differ in n, sampler, steps or interval, or repeat a (variant, w, seed)."""
    runs = [json.loads(Path(p).read_text()) for p in paths]
    same = ("n_per_class", "steps", "sampler", "interval")
    for path, other in zip(paths[1:], runs[1:]):
        if any(other[k] != runs[0][k] for k in same):
            raise ValueError(f"{path} differs from {paths[0]} in one of {', '.join(same)}")
    rows = [r for run_ in runs for r in run_["results"]]
    keys = [(r["variant"], r["w"], r["seed"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("the runs repeat a (variant, w, seed)")
    return {**{k: runs[0][k] for k in same}, "seeds": sorted({r["seed"] for r in rows}),
            "ws": sorted({r["w"] for r in rows}), "targets_only": all(run_["targets_only"] for run_ in runs),
            "real_mean_intensity": runs[0]["real_mean_intensity"], "results": rows,
            "merged_from": [{"file": Path(p).name, "date": run_["date"], "command": run_["command"],
                             "machine": run_["machine"], "seconds": run_["seconds"]} for p, run_ in zip(paths, runs)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100, help="samples per digit per (variant, w, seed)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--w", default="0,1,3,6,10")
    ap.add_argument("--targets", action="store_true",
                    help="only the (w, variant) pairs the issue's targets compare (w in 0, 3, 6, 10)")
    ap.add_argument("--resume", action="store_true", help="keep the rows already in --out and run the rest "
                    "(the file is written after every row)")
    ap.add_argument("--merge", nargs="+", default=None, metavar="JSON", help="join earlier runs (no sampling)")
    ap.add_argument("--tab-sampler", action="store_true",
                    help="sample each variant as the app's tab does (ancestral 16 steps, APG 50) instead of DDIM 50")
    ap.add_argument("--out", default=str(ROOT / "docs" / "mnist_variants.json"))
    args = ap.parse_args()
    if args.merge:
        result = merge(args.merge)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
        print(table(result))
        return
    load, t0 = os.getloadavg()[0], time.perf_counter()
    out = Path(args.out)
    earlier = json.loads(out.read_text()) if args.resume and out.exists() else {}
    before = earlier.get("seconds", 0)

    def save(result: dict, complete: bool = False) -> dict:
        result.update({"date": time.strftime("%Y-%m-%d"), "seconds": before + round(time.perf_counter() - t0),
                       "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
                                  f"{torch.get_num_threads()} thread(s)", "load_average_at_start": load,
                       "complete": complete, "command": "python scripts/experiments/mnist_variants.py " + " ".join(sys.argv[1:])})
        out.write_text(json.dumps(result, indent=1) + "\n")
        return result

    result = run(args.n, [int(s) for s in args.seeds.split(",")], [float(w) for w in args.w.split(",")],
                 args.targets, earlier.get("results"), save, tab=args.tab_sampler)
    print(table(save(result, complete=True)))


if __name__ == "__main__":
    main()
