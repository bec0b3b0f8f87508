"""Add guidance weights to the shipped MNIST sweep without rerunning the old ones.

    OMP_NUM_THREADS=1 python scripts/experiments/extend_mnist_sweep.py --w 6,8,10 [--sweep checkpoints/mnist/sweep.json]
        [--checkpoint DIR] [--dry-run]

Runs every method of the sweep at the new w with the sweep's own n_per_class, steps, sampler and seeds
(cfg_core.mnist.sweep.extend_sweep), merges the rows and rewrites the JSON atomically. Prints an estimate first,
from the seconds the existing rows took; --dry-run stops there. One torch thread (a shared machine).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def estimate_seconds(sweep: dict, ws) -> float:
    """Seconds the new points should take: per method, the mean of its existing rows, times the new w count."""
    rows = sweep["results"]
    per_method = {m: [r["seconds"] for r in rows if r["method"] == m] for m in sweep["config"]["methods"]}
    return len(ws) * sum(sum(v) / len(v) for v in per_method.values() if v)


def main(argv=None) -> int:
    import torch

    from cfg_core.atomic import write_text_atomic
    from cfg_core.guidance import check_w
    from cfg_core.paths import MNIST_SWEEP

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--w", required=True, help="new weights, comma separated, e.g. 6,8,10")
    ap.add_argument("--sweep", default=str(MNIST_SWEEP), help="the sweep JSON to extend (rewritten in place)")
    ap.add_argument("--checkpoint", default=None, help="MNIST checkpoint (default: the shipped one)")
    ap.add_argument("--dry-run", action="store_true", help="print the estimate only")
    args = ap.parse_args(argv)
    try:
        ws = [check_w(float(t)) for t in args.w.split(",") if t.strip()]
        sweep = json.loads(Path(args.sweep).read_text())
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    ws = [w for w in ws if w not in sweep["config"]["ws"]]
    est = estimate_seconds(sweep, ws)
    print(f"adding w = {', '.join(f'{w:g}' for w in ws) or '(none new)'} to {args.sweep}: "
          f"estimated {est / 60:.1f} min on one thread", flush=True)
    if args.dry_run or not ws:
        return 0
    torch.set_num_threads(1)
    from cfg_core.mnist.data import load_digits, split, to_unit
    from cfg_core.mnist.models import load_mnist_models
    from cfg_core.mnist.sweep import extend_sweep

    t0 = time.perf_counter()
    held_out = split(load_digits())["held_out"]
    merged = extend_sweep(sweep, load_mnist_models(args.checkpoint), to_unit(held_out.x[:, 0]), held_out.c.numpy(), ws)
    write_text_atomic(Path(args.sweep), json.dumps(merged, indent=2) + "\n")
    print(f"wrote {args.sweep}: w = {merged['config']['ws']} in {(time.perf_counter() - t0) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
