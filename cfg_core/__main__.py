"""Command line: python -m cfg_core {train, sample, sweep, fit, data}.

    python -m cfg_core train  --dataset DATASET --out DIR [--steps N] [--p-uncond P] [--seed S] [--rescale]
    python -m cfg_core sample --dataset DATASET --label C --guidance METHOD --w W --n N --out FILE.npz
                              [--score {learned,exact}] [--checkpoint DIR] [--cg-base {conditional,unconditional}]
                              [--classifier {noisy,clean}] [--sampler {ddim,ddpm,pc}] [--noise-scale TAU]
                              [--steps T] [--seed S] [--v V] [--corrector-steps K] [--corrector-w W2]
                              [--corrector-step-scale S] [--interval=LO,HI] [--good-blur G] [--bad-blur B]
                              [--cfgpp-lambda L] [--rescale PHI] [--threshold P] [--apg-eta E] [--apg-r R]
                              [--apg-beta B]              (what each option means: cfg_core.toy.sampling)
    python -m cfg_core sweep  --dataset DATASET --w 0,0.5,1,2,4 --out DIR   # MNIST: [--sampler S] [--steps T]
                              [--n N] [--steps-for METHOD=T,...]
    python -m cfg_core fit    --points FILE.csv --out MIXTURE.json [--max-components K] [--seed S] [--rescale]
    python -m cfg_core data   --name {moons,circles,blobs,swiss_roll,classification} --n N [--noise X] [--seed S]
                              --out FILE.csv

METHOD is a name in cfg_core.methods (none, cfg, cg, cg_clean, scaled, reduced, auto, icg, cfgpp, rescale,
threshold, apg). MNIST takes --interval and the saturation fixes (--rescale, --threshold, apg) too.
DATASET is a preset (three_gaussians, two_overlapping, ring, near_far, two_squares), a path to a mixture JSON, or mnist;
for train also a CSV of labelled points (x,y,label), which the networks then learn from directly.
`fit` fits a Gaussian mixture per class (k by BIC) to a CSV and writes mixture JSON that sample and train take;
`data` writes a scikit-learn data set as such a CSV (cfg_core.toy.points). --rescale maps the points into the
lab's window [-3, 3]^2 first.
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
from cfg_core.toy.fit import DEFAULT_MAX_COMPONENTS, MAX_COMPONENTS_LIMIT
from cfg_core.toy.points import DATASETS, MAX_NOISE, MAX_POINTS, MIN_DATASET_POINTS
from cfg_core.toy.points_cli import is_points_path
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
    tr.add_argument("--p-aug", type=_finite_float, default=None,
                    help="MNIST: probability a digit is augmented for the eps-network (non-leaking, Karras et al. 2022)")
    tr.add_argument("--scale-shift", action=argparse.BooleanOptionalAction, default=None,
                    help="MNIST: condition the eps-network by adaptive group norm (Dhariwal & Nichol 2021)")
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out (MNIST)")
    tr.add_argument("--rescale", action="store_true", help="CSV dataset: map the points into [-3, 3]^2 first")
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
    sa.add_argument("--rescale", dest="rescale_phi", type=float, default=None,
                    help="CFG-rescale with phi in [0, 1] (with --guidance cfg or rescale; default 0.7)")
    sa.add_argument("--threshold", dest="threshold_p", type=float, default=None,
                    help="dynamic thresholding at percentile P in (0, 1] (with --guidance cfg or threshold; 0.995)")
    sa.add_argument("--apg-eta", type=float, default=None, help="apg: weight of the parallel part, [0, 1] (0)")
    sa.add_argument("--apg-r", type=float, default=None, help="apg: norm cap r > 0 (15)")
    sa.add_argument("--apg-beta", type=float, default=None, help="apg: momentum beta in [-1, 1] (-0.5)")
    sw = sub.add_parser("sweep", help="metrics and plots over a list of w for every method")
    _common(sw)
    sw.add_argument("--w", type=_w_list, default=[0, 0.1, 0.3, 0.5, 1, 2, 3, 4], help="comma-separated w values")
    sw.add_argument("--out", required=True, help="output directory for JSON and PNG")
    sw.add_argument("--n", type=int, default=None, help="samples per class per w")
    sw.add_argument("--score", choices=SCORES, default="learned")
    sw.add_argument("--sampler", choices=SAMPLERS, default="ddim")
    sw.add_argument("--steps", type=int, default=None)
    sw.add_argument("--steps-for", default=None, metavar="METHOD=T,...",
                    help="MNIST: methods sampled with other steps than --steps, e.g. apg=50")
    _own_data_parsers(sub)
    return parser


def _own_data_parsers(sub) -> None:
    """fit (CSV of points -> mixture JSON) and data (a scikit-learn data set -> CSV of points)."""
    fi = sub.add_parser("fit", help="fit a Gaussian mixture per class to a CSV of points, write mixture JSON")
    fi.add_argument("--points", required=True, help="CSV with header x,y,label (label: an integer or a name)")
    fi.add_argument("--out", required=True, help="output mixture .json")
    fi.add_argument("--max-components", type=int, default=DEFAULT_MAX_COMPONENTS,
                    help=f"most Gaussians per class, chosen by BIC (1..{MAX_COMPONENTS_LIMIT})")
    fi.add_argument("--seed", type=int, default=0, help="seed of the k-means start of EM")
    fi.add_argument("--rescale", action="store_true", help="map the points into [-3, 3]^2 before fitting")
    da = sub.add_parser("data", help="write a scikit-learn data set as a CSV of labelled points")
    da.add_argument("--name", required=True, choices=tuple(DATASETS), help="the generator")
    da.add_argument("--n", type=int, required=True, help=f"number of points ({MIN_DATASET_POINTS}..{MAX_POINTS})")
    da.add_argument("--noise", type=_finite_float, default=None,
                    help=f"std of the Gaussian jitter in window units, 0..{MAX_NOISE:g} (default: per data set)")
    da.add_argument("--seed", type=int, default=0, help="random seed (same seed, same points)")
    da.add_argument("--out", required=True, help="output .csv")


def _check_own_data(args) -> None:
    """The options of fit and data, and --rescale/CSV datasets on the other commands."""
    command = getattr(args, "command", None)
    if command == "fit":
        if not 1 <= args.max_components <= MAX_COMPONENTS_LIMIT:
            raise ValueError(f"--max-components must be an integer in [1, {MAX_COMPONENTS_LIMIT}], "
                             f"got {args.max_components}")
        if Path(args.out).suffix != ".json":
            raise ValueError(f"--out must be a .json file (the mixture), got {args.out}")
    elif command == "data":
        if args.noise is not None and not 0 <= args.noise <= MAX_NOISE:
            raise ValueError(f"--noise must be in [0, {MAX_NOISE:g}] (std in window units), got {args.noise:g}")
        if Path(args.out).suffix != ".csv":
            raise ValueError(f"--out must be a .csv file, got {args.out}")
    elif command in ("sample", "sweep") and is_points_path(args.dataset):
        raise ValueError(f"{args.dataset} is a CSV of points, not a mixture: fit one first with "
                         f"python -m cfg_core fit --points {args.dataset} --out MIXTURE.json")
    elif command == "train" and args.dataset != "mnist" and (getattr(args, "p_aug", None) is not None
                                                            or getattr(args, "scale_shift", None) is not None):
        raise ValueError("--p-aug and --scale-shift shape the digits' eps-network: they apply to --dataset mnist")
    elif getattr(args, "rescale", False) and not is_points_path(args.dataset):
        raise ValueError("--rescale applies to a CSV of points (--dataset FILE.csv)")


def _check_common(args) -> None:
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be an integer in [0, {MAX_SEED}], got {args.seed}")
    for flag in ("steps", "classifier_steps", "batch_size"):
        value = getattr(args, flag, None)
        if value is not None and not 1 <= value <= MAX_STEPS:
            raise ValueError(f"--{flag.replace('_', '-')} must be an integer in [1, {MAX_STEPS}], got {value}")
    n_range = (MIN_DATASET_POINTS, MAX_POINTS) if getattr(args, "command", None) == "data" else (1, MAX_SAMPLES)
    if getattr(args, "n", None) is not None and not n_range[0] <= args.n <= n_range[1]:
        raise ValueError(f"--n must be in [{n_range[0]}, {n_range[1]}], got {args.n}")
    _check_own_data(args)
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
        check_writable(args.out, is_dir=getattr(args, "command", None) in ("train", "sweep"))
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
        if args.command in ("fit", "data"):
            from cfg_core.toy import points_cli as handlers
        elif args.dataset == "mnist":
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
