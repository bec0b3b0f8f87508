"""Command line: python -m cfg_core {train, sample, sweep}.

    python -m cfg_core train  --dataset DATASET --out DIR [--steps N] [--p-uncond P] [--seed S]
    python -m cfg_core sample --dataset DATASET --label C --guidance METHOD --w W --n N --out FILE.npz
                              [--score {learned,exact}] [--checkpoint DIR] [--cg-base {conditional,unconditional}]
                              [--classifier {noisy,clean}] [--sampler {ddim,ddpm,pc}] [--noise-scale TAU]
                              [--steps T] [--seed S] [--v V] [--corrector-steps K] [--corrector-w W2]
                              [--corrector-step-scale S] [--interval=LO,HI] [--good-blur G] [--bad-blur B]
                              [--cfgpp-lambda L]          (what each option means: cfg_core.toy.sampling)
    python -m cfg_core sweep  --dataset DATASET --w 0,0.5,1,2,4 --out DIR

METHOD is a name in cfg_core.methods (none, cfg, cg, cg_clean, scaled, reduced, auto, icg, cfgpp).
DATASET is a preset (three_gaussians, two_overlapping, ring, near_far, two_squares), a path to a mixture JSON, or mnist.
Any bad input ends with one line `error: ...` on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path

from cfg_core.atomic import check_writable
from cfg_core.guidance import CG_BASES, MAX_W, check_w
from cfg_core.methods import METHODS
from cfg_core.toy.sampling import CLASSIFIERS, MAX_SAMPLES, SCORES, reject_zoo_flags
from cfg_core.samplers import SAMPLERS

MAX_STEPS = 200_000  # training or sampling steps: more is a typo (and would run for days)
MAX_SEED = 2**31 - 1  # as in the app; larger seeds overflow the MNIST trainer's seed arithmetic


def _finite_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return v


def _w_list(text: str) -> list[float]:
    try:
        return [_finite_float(t) for t in text.split(",") if t.strip()]
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"--w takes comma-separated finite numbers: {err}") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help="preset name, path to a mixture .json, or mnist")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same output)")
    p.add_argument("--device", default="cpu", help="torch device for MNIST (cpu, cuda)")
    p.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped one)")
    p.add_argument("--mnist-dir", default=None, help="directory with MNIST IDX files (plain or .gz)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cfg_core", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train eps-network and classifiers, write a checkpoint")
    _common(tr)
    tr.add_argument("--out", required=True, help="output checkpoint directory")
    tr.add_argument("--steps", type=int, default=None, help="eps-network training steps")
    tr.add_argument("--classifier-steps", type=int, default=None, help="steps per classifier (2D)")
    tr.add_argument("--p-uncond", type=_finite_float, default=None, help="probability of the null label")
    tr.add_argument("--batch-size", type=int, default=None)
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out (MNIST)")
    sa = sub.add_parser("sample", help="draw guided samples into an .npz (x, trajectory)")
    _common(sa)
    sa.add_argument("--label", type=int, required=True, help="class index c")
    sa.add_argument("--guidance", choices=tuple(METHODS), required=True)
    sa.add_argument("--w", type=float, required=True, help="guidance weight (paper's w; 0 = none)")
    sa.add_argument("--n", type=int, required=True, help="number of samples")
    sa.add_argument("--out", required=True, help="output .npz file")
    sa.add_argument("--score", choices=SCORES, default="learned")
    sa.add_argument("--cg-base", choices=CG_BASES, default="conditional")
    sa.add_argument("--classifier", choices=CLASSIFIERS, default="noisy", help="CG guide")
    sa.add_argument("--sampler", choices=SAMPLERS, default="ddim")
    sa.add_argument("--noise-scale", type=float, default=1.0, help="tau: ancestral noise multiplier in [0, 1]")
    sa.add_argument("--steps", type=int, default=None, help="sampling steps T")
    sa.add_argument("--v", type=float, default=None, help="ddpm: variance interpolation v in [0, 1] (default 0.3)")
    sa.add_argument("--corrector-steps", type=int, default=None, help="pc: Langevin steps K per level (default 1)")
    sa.add_argument("--corrector-w", type=float, default=None, help="pc: the corrector's w' (default: w)")
    sa.add_argument("--corrector-step-scale", type=float, default=None, help="pc: Langevin step times S (default 1)")
    sa.add_argument("--interval", default=None, help="LO,HI in log-SNR: guide only there (write --interval=LO,HI)")
    sa.add_argument("--good-blur", type=float, default=None, help="exact: model covariances + G I (default 0)")
    sa.add_argument("--bad-blur", type=float, default=None, help="exact auto: bad model covariances + B I (0.16)")
    sa.add_argument("--cfgpp-lambda", type=float, default=None, help="cfgpp: l in [0, 1] (default 0.6)")
    sw = sub.add_parser("sweep", help="metrics and plots over a list of w for every method")
    _common(sw)
    sw.add_argument("--w", type=_w_list, default=[0, 0.1, 0.3, 0.5, 1, 2, 3, 4], help="comma-separated w values")
    sw.add_argument("--out", required=True, help="output directory for JSON and PNG")
    sw.add_argument("--n", type=int, default=None, help="samples per class per w")
    sw.add_argument("--score", choices=SCORES, default="learned")
    sw.add_argument("--sampler", choices=SAMPLERS, default="ddim")
    sw.add_argument("--steps", type=int, default=None)
    return parser


def _check_common(args) -> None:
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be an integer in [0, {MAX_SEED}], got {args.seed}")
    for flag in ("steps", "classifier_steps", "batch_size"):
        value = getattr(args, flag, None)
        if value is not None and not 1 <= value <= MAX_STEPS:
            raise ValueError(f"--{flag.replace('_', '-')} must be an integer in [1, {MAX_STEPS}], got {value}")
    if getattr(args, "n", None) is not None and not 1 <= args.n <= MAX_SAMPLES:
        raise ValueError(f"--n must be in [1, {MAX_SAMPLES}], got {args.n}")
    if getattr(args, "command", None) == "sample":
        try:
            check_w(args.w)
        except ValueError as err:
            raise ValueError(f"--{err}") from None
        if not math.isfinite(args.noise_scale) or not 0 <= args.noise_scale <= 1:
            raise ValueError(f"--noise-scale must be in [0, 1] (1 = normal sampler), got {args.noise_scale}")
        if args.noise_scale != 1 and args.sampler != "ddpm":
            raise ValueError("--noise-scale scales the ancestral sampler's noise: add --sampler ddpm "
                             "(DDIM injects no noise)")
        if Path(args.out).suffix != ".npz":
            raise ValueError(f"--out must be a .npz file, got {args.out}")
        if args.dataset == "mnist":
            reject_zoo_flags(args)
    if getattr(args, "out", None) is not None:  # an unwritable --out fails now, not after the work
        check_writable(args.out, is_dir=args.command != "sample")
    if getattr(args, "command", None) == "sweep":
        if not args.w or any(not 0 <= w <= MAX_W for w in args.w):
            raise ValueError(f"--w must list values in [0, {MAX_W:g}], got {args.w}")


def _one_line(err: BaseException) -> str:
    """An exception as one line (the first), whatever it carries."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.command_line = "python -m cfg_core " + shlex.join(argv)
    try:
        _check_common(args)
        if args.dataset == "mnist":
            from cfg_core.mnist import cli as handlers
        else:
            from cfg_core.toy import cli as handlers
        return getattr(handlers, args.command)(args)
    except (ValueError, OSError, RecursionError, OverflowError) as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
