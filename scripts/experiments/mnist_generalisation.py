"""Does the MNIST eps-network overfit its 2,500 guide digits? (issue 11, part 2): Algorithm 1's loss
|| eps_theta(z_lam, lam, c) - eps ||^2 at fixed log-SNRs lam, on 500 guide digits (seen in training) and on the
500 held-out digits (seen by no network), the same noise for both, for one or more checkpoints.

    python scripts/experiments/mnist_generalisation.py [--checkpoint DIR ...] [--lams=-6,-3,-1,0,1,3,6] [--repeats 3] [--out FILE]

The gap (held-out / guide - 1) at mid noise, where a digit's class and shape are decided, says how much the network
has learnt its training digits rather than digits. Prints a Markdown table and writes the JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from cfg_core.mnist.data import load_digits, split  # noqa: E402
from cfg_core.mnist.models import load_mnist_models  # noqa: E402
from cfg_core.schedule import q_sample  # noqa: E402

N_DIGITS = 500  # held_out has 500; the first 500 guide digits (50 per class) are compared with them


@torch.no_grad()
def loss_at(eps_model, x: torch.Tensor, c: torch.Tensor, lam: float, repeats: int) -> float:
    """Mean eps-MSE at one lam over `repeats` noise draws (seeded, so every checkpoint sees the same noise)."""
    g = torch.Generator().manual_seed(0)
    lam_t = torch.full((x.shape[0],), lam)
    total = 0.0
    for _ in range(repeats):
        eps = torch.randn(x.shape, generator=g)  # [N, 1, 28, 28]
        total += float(((eps_model(q_sample(x, lam_t, eps), lam_t, c) - eps) ** 2).mean())
    return total / repeats


def measure(checkpoint: str | None, lams: list[float], repeats: int) -> dict:
    models = load_mnist_models(checkpoint)
    parts = split(load_digits())
    sets = {"guide": parts["guide"], "held_out": parts["held_out"]}
    rows = []
    for lam in lams:
        loss = {name: loss_at(models.eps_model, d.x[:N_DIGITS], d.c[:N_DIGITS], lam, repeats)
                for name, d in sets.items()}
        rows.append({"lam": lam, **loss, "gap": loss["held_out"] / loss["guide"] - 1})
        print(f"{checkpoint or 'checkpoints/mnist'} lam {lam:+g}: guide {loss['guide']:.5f}, held-out "
              f"{loss['held_out']:.5f}, gap {100 * rows[-1]['gap']:+.1f} %", flush=True)
    rec = models.record
    return {"checkpoint": checkpoint or "checkpoints/mnist", "command": rec.get("command"),
            "eps_steps": rec["steps"]["eps_model"], "modules": rec["modules"]["eps_model"], "rows": rows}


def table(results: list[dict]) -> str:
    out = ["| checkpoint | " + " | ".join(f"lam = {r['lam']:g}" for r in results[0]["rows"]) + " |",
           "|---|" + "---|" * len(results[0]["rows"])]
    for res in results:
        out.append(f"| {res['checkpoint']} | " + " | ".join(f"{100 * r['gap']:+.0f} %" for r in res["rows"]) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", action="append", default=None, help="checkpoint folder (repeatable)")
    p.add_argument("--lams", default="-6,-3,-1,0,1,3,6", help="comma-separated log-SNRs (write --lams=-1,6)")
    p.add_argument("--repeats", type=int, default=3, help="noise draws per digit and lam")
    p.add_argument("--out", default=None, help="JSON file to write")
    args = p.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("CFG_TORCH_THREADS", "2")))
    lams = [float(v) for v in args.lams.split(",")]
    t0 = time.perf_counter()
    results = [measure(ck, lams, args.repeats) for ck in (args.checkpoint or [None])]
    print(table(results))
    if args.out:
        Path(args.out).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "seconds": round(time.perf_counter() - t0, 1),
                                              "n_digits": N_DIGITS, "repeats": args.repeats, "results": results},
                                             indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
