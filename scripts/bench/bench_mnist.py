"""Benchmark MNIST sampling speed and the judge-accuracy targets of issue 3.

    python scripts/bench/bench_mnist.py [--checkpoint DIR] [--threads 2] [--repeats 5] [--n-acc 20] [--unguided-samplers]

Timing: 16 digits, 50 DDIM steps, median wall time of --repeats runs for none / cfg / cg (noise-aware
guide, conditional base); CFG's cond + uncond predictions go through the network in ONE batch of 32.
Accuracy: judge accuracy of CFG samples at w = 0 and w = 3, --n-acc per digit, all ten digits.
Targets: cfg < 1.5 s, cg < 3 s, judge accuracy at w = 3 >= 0.98 and lower at w = 0.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cfg_core.mnist.metrics import accuracy, judge_outputs  # noqa: E402
from cfg_core.mnist.models import load_mnist_models, sample_mnist  # noqa: E402


def time_method(models, method: str, repeats: int, n: int = 16, steps: int = 50) -> float:
    """Median seconds for n digits x steps of one method at w = 3 (after one warm-up run)."""
    run = lambda: sample_mnist(models, 3, method, 0.0 if method == "none" else 3.0, n=n, seed=0, steps=steps,
                               keep_trajectory=False)
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cfg_samples(models, w: float, n_per_digit: int, steps: int = 50, sampler: str = "ddim", seed: int = 100
                ) -> tuple[torch.Tensor, np.ndarray]:
    """CFG samples of all ten digits (digit c drawn with seed + c) and their labels. At w = 0 CFG is the conditional
    model (tested), sampled as "none": one network pass per step instead of two."""
    xs = [sample_mnist(models, c, "none" if w == 0 else "cfg", w, n=n_per_digit, seed=seed + c, steps=steps, sampler=sampler,
                       keep_trajectory=False).x for c in range(10)]
    return torch.cat(xs), np.repeat(np.arange(10), n_per_digit)


def cfg_accuracy(models, w: float, n_per_digit: int, steps: int = 50, sampler: str = "ddim", seed: int = 100
                 ) -> tuple[float, list[float]]:
    """Judge accuracy of CFG samples over all ten digits (cfg_samples), and per digit."""
    x, labels = cfg_samples(models, w, n_per_digit, steps, sampler, seed)
    out = judge_outputs(models.judge, x, labels)
    per_digit = [float((out.probs[labels == c].argmax(1) == c).mean()) for c in range(10)]
    return accuracy(out), per_digit


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else platform's guess."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-acc", type=int, default=20, help="CFG samples per digit for the accuracy target")
    parser.add_argument("--unguided-samplers", action="store_true",
                        help="also judge accuracy at w = 0 with DDIM 50 / 200 steps and DDPM 200 steps: is the "
                             "unguided model's weakness the sampler's?")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = load_mnist_models(args.checkpoint)
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}")
    secs = {m: time_method(models, m, args.repeats) for m in ("none", "cfg", "cg")}
    targets = {"none": None, "cfg": 1.5, "cg": 3.0}
    print("method | median s (16 digits, 50 steps) | target | ratio to none")
    for m, s in secs.items():
        target = "-" if targets[m] is None else f"< {targets[m]} s {'OK' if s < targets[m] else 'MISSED'}"
        print(f"{m:6s} | {s:.3f} | {target} | {s / secs['none']:.2f}")
    acc0, _ = cfg_accuracy(models, 0.0, args.n_acc)
    acc3, per3 = cfg_accuracy(models, 3.0, args.n_acc)
    print(f"judge accuracy of CFG samples ({args.n_acc} per digit): w=0 {acc0:.3f}, w=3 {acc3:.3f} "
          f"(target >= 0.98 {'OK' if acc3 >= 0.98 else 'MISSED'}; w=0 lower: {'yes' if acc0 < acc3 else 'no'})")
    print("per digit at w=3: " + " ".join(f"{c}:{a:.2f}" for c, a in enumerate(per3)))
    if args.unguided_samplers:
        for sampler, steps in (("ddim", 50), ("ddim", 200), ("ddpm", 200)):
            acc, _ = cfg_accuracy(models, 0.0, args.n_acc, steps, sampler)
            print(f"w=0, {sampler} {steps} steps: judge accuracy {acc:.3f} ({args.n_acc} per digit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
