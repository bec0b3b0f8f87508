"""How strong is the unguided MNIST model? (issue 11, part 2): the judge's accuracy on CFG samples at w = 0 (the
plain conditional model) and at w = 3 with the app's sampler (DDIM, 50 steps), and at w = 0 with the paper's ancestral
sampler (DDPM, v = 0.3, 100 steps; --ancestral-w3 adds w = 3), for one or more checkpoints, so a training lever is
measured against the one before.

    python scripts/experiments/mnist_strength.py [--checkpoint DIR ...] [--n 50] [--seeds 0,1] [--ancestral-w3]
                                     [--cells SAMPLER:STEPS:W,...] [--out FILE]

--cells replaces the default cells, e.g. --cells ddpm:256:0,ddim:25:0,ddim:25:3 (the paper samples with 256 steps).

Targets: w = 0 accuracy >= 0.90 and w = 3 accuracy >= 0.985 (the judge and its digits are those of each checkpoint's
own record; the judge is trained by the same recipe and seed in every run). Digit c of seed s is drawn with sampler
seed 1000 s + 100 + c. Prints a Markdown table and writes the JSON with the machine and the date.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from bench_mnist import cfg_samples, cpu_name  # noqa: E402
from cfg_core.mnist.metrics import accuracy, judge_outputs  # noqa: E402
from cfg_core.mnist.models import load_mnist_models  # noqa: E402

CELLS = (("ddim", 50, 0.0), ("ddim", 50, 3.0), ("ddpm", 100, 0.0))  # the app's sampler; the paper's (v = 0.3)
WS = (0.0, 3.0)  # the table's columns
TARGETS = {0.0: 0.90, 3.0: 0.985}


def measure(checkpoint: str | None, n: int, seeds: list[int], cells=CELLS, other_judge=None) -> dict:
    """Each cell's accuracy under the checkpoint's own judge, and under other_judge (a judge network) if given."""
    models = load_mnist_models(checkpoint)
    rec = models.record
    rows = []
    for sampler, steps, w in cells:
        t0 = time.perf_counter()
        accs, others = [], []
        for s in seeds:
            x, labels = cfg_samples(models, w, n, steps, sampler, seed=1000 * s + 100)
            accs.append(accuracy(judge_outputs(models.judge, x, labels)))
            if other_judge is not None:
                others.append(accuracy(judge_outputs(other_judge, x, labels)))
        rows.append({"sampler": sampler, "steps": steps, "w": w, "accuracy": float(np.mean(accs)),
                     "per_seed": accs, "seconds": round(time.perf_counter() - t0, 1)})
        if other_judge is not None:
            rows[-1].update(accuracy_other_judge=float(np.mean(others)), per_seed_other_judge=others)
        print(f"{checkpoint or 'checkpoints/mnist'}: {sampler} {steps}, w = {w:g}: accuracy {rows[-1]['accuracy']:.3f}"
              f" {accs}" + (f"; other judge {np.mean(others):.3f}" if others else ""), flush=True)
    return {"checkpoint": checkpoint or "checkpoints/mnist", "eps_steps": rec["steps"]["eps_model"],
            "threads": rec.get("threads"), "train_seconds": round(rec["seconds"]),
            "eps_channels": rec["modules"]["eps_model"]["channels"],
            "judge_held_out": rec["held_out_accuracy"]["judge"], "rows": rows}


def table(results: list[dict]) -> str:
    out = ["| checkpoint | eps steps | training | sampler | w = 0 | w = 3 |", "|---|---|---|---|---|---|"]
    for r in results:
        for sampler, steps in dict.fromkeys((row["sampler"], row["steps"]) for row in r["rows"]):
            acc = {row["w"]: row["accuracy"] for row in r["rows"] if (row["sampler"], row["steps"]) == (sampler, steps)}
            cells = [f"{acc[w]:.3f}" + ("" if acc[w] >= TARGETS[w] else " (missed)") if w in acc else "-" for w in WS]
            out.append(f"| {r['checkpoint']} | {r['eps_steps']} | {r['train_seconds'] / 60:.0f} min, "
                       f"{r['threads']} thread(s) | {sampler} {steps} | {cells[0]} | {cells[1]} |")
    return "\n".join(out)


def parse_cells(text: str) -> tuple[tuple[str, int, float], ...]:
    """"ddpm:256:0,ddim:25:3" -> (("ddpm", 256, 0.0), ("ddim", 25, 3.0)); ValueError names a bad cell."""
    cells = []
    for cell in text.split(","):
        sampler, steps, w = (cell.split(":") + ["", ""])[:3]
        try:
            w = float(w)
        except ValueError:
            w = None
        if sampler not in ("ddim", "ddpm") or not steps.isdigit() or int(steps) < 1 or w is None:
            raise ValueError(f"a cell is SAMPLER:STEPS:W with SAMPLER ddim or ddpm, got {cell!r}")
        cells.append((sampler, int(steps), w))
    return tuple(cells)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", action="append", default=None, help="a checkpoint directory (repeatable)")
    ap.add_argument("--n", type=int, default=50, help="samples per digit per seed")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ancestral-w3", action="store_true", help="also the ancestral sampler at w = 3")
    ap.add_argument("--cells", default=None, help="SAMPLER:STEPS:W,... in place of the default cells")
    ap.add_argument("--other-judge", default=None,
                    help="also grade every sample with the judge of this checkpoint directory (e.g. the previous one)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "mnist_strength.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0]
    seeds = [int(s) for s in args.seeds.split(",")]
    cells = parse_cells(args.cells) if args.cells else CELLS
    cells += (("ddpm", 100, 3.0),) if args.ancestral_w3 else ()
    other = load_mnist_models(args.other_judge).judge if args.other_judge else None
    results = [measure(c, args.n, seeds, cells, other) for c in (args.checkpoint or [None])]
    Path(args.out).write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "machine": f"{cpu_name()}, {os.cpu_count()} cores, torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads", "load_average_at_start": load, "n_per_digit": args.n,
        "seeds": seeds, "other_judge": args.other_judge, "targets": {f"w={w:g}": t for w, t in TARGETS.items()}, "results": results,
        "command": "python scripts/experiments/mnist_strength.py " + " ".join(sys.argv[1:])}, indent=1) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
