"""Print the MNIST sweep JSON as the markdown tables used in docs/MNIST.md.

    python scripts/experiments/mnist_report.py docs/figures/mnist_sweep.json
    python scripts/experiments/mnist_report.py NEW.json --compare OLD.json [--methods cfg,cg]   # per w: OLD -> NEW, two samplers
"""
from __future__ import annotations

import json
import sys

KEYS = (("judge_accuracy", "acc", 3), ("judge_confidence", "conf", 3), ("inception_score", "IS", 2),
        ("fd", "FD", 2), ("precision", "P", 2), ("recall", "R", 2), ("diversity", "div", 2), ("ink_error", "ink", 3))


def table(results: list[dict], method: str) -> list[str]:
    rows = sorted((r for r in results if r["method"] == method), key=lambda r: r["w"])
    head = "| w | " + " | ".join(label for _, label, _ in KEYS) + " | guide conf | s |"
    lines = [head, "|" + "---|" * (len(KEYS) + 3)]
    for r in rows:
        guide = "-" if r["guide_confidence"] is None else f"{r['guide_confidence']:.3f}"
        cells = " | ".join(f"{r[k]:.{d}f}" for k, _, d in KEYS)
        lines.append(f"| {r['w']:g} | {cells} | {guide} | {r['seconds']:.0f} |")
    return lines


def pivot(results: list[dict], key: str, digits: int) -> list[str]:
    """One metric: rows w, columns methods."""
    methods = list(dict.fromkeys(r["method"] for r in results))
    ws = sorted({r["w"] for r in results})
    value = {(r["method"], r["w"]): r[key] for r in results}
    lines = ["| w | " + " | ".join(methods) + " |", "|" + "---|" * (len(methods) + 1)]
    for w in ws:
        lines.append(f"| {w:g} | " + " | ".join(f"{value[(m, w)]:.{digits}f}" for m in methods) + " |")
    return lines


COMPARE = (("judge_accuracy", "acc", 3), ("fd", "FD", 2), ("precision", "P", 2), ("recall", "R", 2),
           ("diversity", "div", 2), ("ink_error", "ink", 3))


def _how(data: dict) -> str:
    cfg = data.get("config", {})
    sampler = {"ddim": "DDIM", "ddpm": "ancestral"}.get(cfg.get("sampler"), "?")
    return f"{sampler} {cfg.get('steps', '?')}"


def compare(old: dict, new: dict, methods: list[str]) -> list[str]:
    """One table: for each method and each w both sweeps share, every COMPARE metric as 'old -> new'."""
    value = lambda data: {(r["method"], r["w"]): r for r in data["results"]}  # noqa: E731
    a, b = value(old), value(new)
    lines = [f"Each cell: {_how(old)} -> {_how(new)} steps.", "",
             "| method | w | " + " | ".join(label for _, label, _ in COMPARE) + " |",
             "|" + "---|" * (len(COMPARE) + 2)]
    for m in methods:
        for w in sorted({w for (mm, w) in a if mm == m} & {w for (mm, w) in b if mm == m}):
            cells = " | ".join(f"{a[m, w][k]:.{d}f} -> {b[m, w][k]:.{d}f}" for k, _, d in COMPARE)
            lines.append(f"| {m} | {w:g} | {cells} |")
    return lines


def main(path: str) -> int:
    data = json.loads(open(path).read())
    methods = list(dict.fromkeys(r["method"] for r in data["results"]))
    real = data["real_held_out"]
    print("Held-out real digits, half against half: "
          + ", ".join(f"{label} {real[k]:.{d}f}" for k, label, d in KEYS if k in real))
    conf = real.get("confidence_on_all_real", {})
    if conf:
        print("\nMean p(c | x) on all held-out real digits: "
              + ", ".join(f"{name} {value:.3f}" for name, value in conf.items()))
    for key, label, digits in KEYS[:1] + KEYS[2:4] + KEYS[-2:]:
        print(f"\n**{label} ({key}) by method**\n")
        print("\n".join(pivot(data["results"], key, digits)))
    for method in methods:
        print(f"\n**{method}**\n")
        print("\n".join(table(data["results"], method)))
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", nargs="?", default="docs/figures/mnist_sweep.json")
    parser.add_argument("--compare", metavar="OLD", help="print OLD -> this sweep per method and w instead")
    parser.add_argument("--methods", default="cfg,cg", help="methods of the comparison (default cfg,cg)")
    args = parser.parse_args()
    if args.compare:
        print("\n".join(compare(json.loads(open(args.compare).read()), json.loads(open(args.sweep).read()),
                                args.methods.split(","))))
        sys.exit(0)
    sys.exit(main(args.sweep))
