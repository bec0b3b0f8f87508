"""Benchmark and acceptance numbers for the core library (issue 2), written to docs/bench_core.json
(tabled in docs/RESULTS.md).

    python scripts/bench/bench_core.py [--out docs/bench_core.json] [--quick]

Measures, on mixtures the code has never seen (random, given as JSON) and on the presets:
  - `train` wall time per preset (target: under 30 s on 2 CPU cores), by running the real CLI, also as a
    ratio to a fixed reference workload timed in this process (so numbers compare across machines), with the
    load average at the time and what estimate_seconds() predicted beforehand;
  - exact-score DDIM samples at w = 0 vs the two-sample noise floor, per class (SW_2);
  - exact CFG vs exact CG (conditional and unconditional base), same seed, DDIM: max |dx| (target 1e-3);
  - the mean exact posterior p(c|x) of exact CFG samples as w rises;
  - learned samples at w = 0 vs the noise floor (target: within 2x), for the shipped checkpoints and for
    models the CLI trains on never-seen JSON mixtures (with the train time of each);
  - sampling time of 1000 samples x 100 steps for none / CFG / CG, and the CFG/unguided ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cfg_core import metrics  # noqa: E402
from cfg_core.toy.sampling import SampleRequest, run_sample  # noqa: E402
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture  # noqa: E402
from cfg_core.toy.training import MixtureTrainConfig, estimate_seconds  # noqa: E402
from cfg_core.random_mixture import random_mixture_spec  # noqa: E402
from cfg_core.mixture_json import PRESETS, load_mixture, mixture_from_dict  # noqa: E402


def floor_ratio(mix, x, c, seed):
    gen = torch.Generator().manual_seed(seed)
    ref = mix.sample(20_000, c, gen)
    floor = metrics.noise_floor(mix, c, len(x), gen, reference=ref)
    return metrics.sliced_wasserstein(x, ref, generator=gen), floor


def reference_seconds(repeats: int = 3) -> float:
    """The unit of train time: 300 Adam steps of a fixed 4-layer, 128-wide SiLU MLP on a random batch of
    512 -> 2 (one thread), best of `repeats`. Fixed here, independent of the library, so a ratio to it
    compares across machines and across changes to the training recipe."""
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(512, 2, generator=gen), torch.randn(512, 2, generator=gen)  # [512, 2]
    best = float("inf")
    for _ in range(repeats):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            layers = [torch.nn.Linear(2, 128)] + [m for _ in range(3) for m in (torch.nn.SiLU(), torch.nn.Linear(128, 128))]
            net = torch.nn.Sequential(*layers, torch.nn.SiLU(), torch.nn.Linear(128, 2))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        t = time.perf_counter()
        for _ in range(300):
            loss = ((net(x) - y) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        best = min(best, time.perf_counter() - t)
    return best


def train_times(quick: bool) -> dict:
    """Wall time of the real CLI per preset (process start and imports included), its ratio to the reference
    workload, the training's own seconds from the record, estimate_seconds()'s prediction and the load."""
    ref = reference_seconds()
    out = {"reference_seconds": round(ref, 3), "reference": reference_seconds.__doc__.split(".")[0].strip()}
    for preset in PRESETS[:1] if quick else PRESETS[:3]:
        predicted = estimate_seconds(load_mixture(preset), MixtureTrainConfig())
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cfg_core", "train", "--dataset", preset, "--out", d],
                           cwd=ROOT, check=True, capture_output=True)
            wall = time.perf_counter() - t
            record = json.loads((Path(d) / "model.json").read_text())
        out[preset] = {"wall_seconds": round(wall, 1), "ratio_to_reference": round(wall / ref, 1),
                       "train_seconds": record["seconds"], "stage_seconds": record["stage_seconds"],
                       "estimated_seconds": round(predicted, 1), "load_average_1min": round(load, 2)}
    return out


def learned_unseen(seeds) -> list[dict]:
    """Train with the real CLI on a never-seen JSON mixture, then compare w = 0 samples with the floor."""
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as d:
            spec = Path(d) / f"unseen_{seed}.json"
            spec.write_text(json.dumps(random_mixture_spec(seed)))
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cfg_core", "train", "--dataset", str(spec), "--out", f"{d}/ck"],
                           cwd=ROOT, check=True, capture_output=True)
            seconds = round(time.perf_counter() - t, 1)  # wall time of the CLI, as in train_seconds
            mix = mixture_from_dict(random_mixture_spec(seed))
            trained = load_trained_mixture(f"{d}/ck", mix)
            for c in range(mix.num_classes):
                x = run_sample(mix, trained, SampleRequest(label=c, method="cfg", w=0.0, n=2000, seed=1)).x
                sw, floor = floor_ratio(mix, x, c, 31 + c)
                rows.append({"mixture": mix.name, "train_seconds": seconds, "class": c, "sw_learned_w0": round(sw, 4),
                             "noise_floor": round(floor, 4), "ratio": round(sw / floor, 2)})
    return rows


def unseen(seeds) -> list[dict]:
    rows = []
    for seed in seeds:
        mix = mixture_from_dict(random_mixture_spec(seed))
        for c in range(mix.num_classes):
            x = run_sample(mix, None, SampleRequest(label=c, method="none", score="exact", n=2000, seed=c)).x
            sw, floor = floor_ratio(mix, x, c, 100 + c)
            runs = {}
            for name, method, base in (("cfg", "cfg", "conditional"), ("cg_cond", "cg", "conditional"),
                                       ("cg_uncond", "cg", "unconditional")):
                runs[name] = run_sample(mix, None, SampleRequest(label=c, method=method, cg_base=base, w=2.0,
                                                                 score="exact", n=500, seed=5)).x
            diff = max(float((runs["cfg"] - runs[k]).abs().max()) for k in ("cg_cond", "cg_uncond"))
            post = [round(metrics.mean_posterior(mix, run_sample(mix, None, SampleRequest(
                label=c, method="cfg", w=w, score="exact", n=1000, seed=1)).x, c), 4) for w in (0, 0.5, 1, 2, 4)]
            rows.append({"mixture": mix.name, "class": c, "sw_exact_w0": round(sw, 4), "noise_floor": round(floor, 4),
                         "ratio": round(sw / floor, 2), "max_abs_cfg_minus_cg_w2": diff,
                         "mean_posterior_w_0_0.5_1_2_4": post})
    return rows


def learned() -> list[dict]:
    rows = []
    for preset in PRESETS:
        mix = load_mixture(preset)
        trained = load_trained_mixture(default_checkpoint(preset), mix)
        for c in range(mix.num_classes):
            x = run_sample(mix, trained, SampleRequest(label=c, method="cfg", w=0.0, n=2000, seed=1)).x
            sw, floor = floor_ratio(mix, x, c, 21 + c)
            rows.append({"preset": preset, "class": c, "sw_learned_w0": round(sw, 4), "noise_floor": round(floor, 4),
                         "ratio": round(sw / floor, 2)})
    return rows


def sampling_times() -> dict:
    mix = load_mixture("three_gaussians")
    trained = load_trained_mixture(default_checkpoint("three_gaussians"), mix)
    out = {}
    for method in ("none", "cfg", "cg"):
        req = SampleRequest(label=0, method=method, w=1.0, n=1000, steps=100)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            run_sample(mix, trained, req, keep_trajectory=False)
            times.append(time.perf_counter() - t)
        out[method] = round(sorted(times)[2], 4)
    out["ratio_cfg_to_none"] = round(out["cfg"] / out["none"], 2)
    out["ratio_cg_to_none"] = round(out["cg"] / out["none"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench_core.json"))
    parser.add_argument("--quick", action="store_true", help="one preset, one unseen mixture")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result = {
        "date": date.today().isoformat(), "machine": f"{platform.machine()}, {torch.get_num_threads()} torch thread, "
        f"{__import__('os').cpu_count()} CPU cores, no GPU", "torch": torch.__version__,
        "train_seconds": train_times(args.quick),
        "unseen_json_mixtures": unseen([101] if args.quick else [101, 202, 303, 404]),
        "learned_w0": learned(),
        "learned_w0_unseen_json": learned_unseen([101] if args.quick else [101, 202, 303, 404]),
        "sampling_seconds_1000x100": sampling_times(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
