"""Command line: python -m cfg_core {train, sample, sweep, fit, data}.

    python -m cfg_core train  --dataset DATASET --out DIR [--steps N] [--p-uncond P] [--seed S] [--rescale]
    python -m cfg_core sample --dataset DATASET --label C --guidance METHOD --w W --n N --out FILE.npz
                              [--score {learned,exact}] [--checkpoint DIR] [--cg-base {conditional,unconditional}]
                              [--classifier {noisy,clean}] [--sampler {ddim,ddpm,pc,smc}] [--noise-scale TAU]
                              [--steps T] [--seed S] [--v V] [--corrector-steps K] [--corrector-w W2]
                              [--corrector-step-scale S] [--interval=LO,HI] [--good-blur G] [--bad-blur B]
                              [--cfgpp-lambda L] [--rescale PHI] [--threshold P] [--apg-eta E] [--apg-r R]
                              [--apg-beta B] [--ess-threshold E] [--smc-moves M]
                                                          (what each option means: cfg_core.toy.sampling)
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
Any bad input ends with one line `error: ...` on stderr and exit status 2, never a traceback: argparse's own
errors too (CliParser), an option given where it changes nothing (--cg-base without CG, --device on a 2D dataset,
--checkpoint with --score exact, ...), a number not written plainly (1_0, full-width digits), an abbreviated option
(--ste for --steps), and running out of memory (a request too large for this machine, e.g. --batch-size: also
exit status 2, `error: out of memory: ...` with what to make smaller). A failed run leaves no output folder it made.
"""
from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from pathlib import Path

from cfg_core.atomic import check_writable, missing_folders
from cfg_core.cli_args import _NUMBER, CliParser, _finite_float, _strict_float, _strict_int, _w_list
from cfg_core.guidance import CG_BASES, MAX_W, check_w
from cfg_core.methods import METHODS
from cfg_core.toy.fit import DEFAULT_MAX_COMPONENTS, MAX_COMPONENTS_LIMIT
from cfg_core.toy.points import DATASETS, MAX_NOISE, MAX_POINTS, MIN_DATASET_POINTS
from cfg_core.toy.points_cli import is_points_path
from cfg_core.toy.sampling import CLASSIFIERS, MAX_SAMPLES, SCORES, TOY_SAMPLERS, reject_zoo_flags
from cfg_core.samplers import SAMPLERS
from cfg_core.schedule import Schedule

MAX_STEPS = 200_000  # training or sampling steps: more is a typo (and would run for days)
MAX_SEED = 2**31 - 1  # as in the app; larger seeds overflow the MNIST trainer's seed arithmetic
# MNIST training peaks at ~2 MB of memory a digit (4096: 8.6 GB; 200000 asked for a 20 GB tensor at once)
MAX_BATCH_SIZE = {"mnist": 1024, "2d": 65536}
LAM_RANGE = (Schedule().lam_min, Schedule().lam_max)  # the log-SNR the samplers walk: --interval must meet it

def _common(p: argparse.ArgumentParser, checkpoint: bool = True, mnist_dir: bool = True) -> None:
    """The options train, sample and sweep share (train writes --out, not --checkpoint; sample reads no digits)."""
    p.add_argument("--dataset", required=True, help="preset name, path to a mixture .json, or mnist")
    p.add_argument("--seed", type=_strict_int, default=0, help="random seed (same seed, same output)")
    p.add_argument("--device", default=None, help="torch device for MNIST (cpu, cuda; default cpu)")
    if checkpoint:
        p.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped one)")
    if mnist_dir:
        p.add_argument("--mnist-dir", default=None, help="directory with MNIST IDX files (plain or .gz)")


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(prog="python -m cfg_core", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    tr = sub.add_parser("train", help="train eps-network and classifiers, write a checkpoint")
    _common(tr, checkpoint=False)
    tr.add_argument("--out", required=True, help="output checkpoint directory")
    tr.add_argument("--steps", type=_strict_int, default=None, help="eps-network training steps")
    tr.add_argument("--classifier-steps", type=_strict_int, default=None, help="steps per classifier (2D)")
    tr.add_argument("--p-uncond", type=_finite_float, default=None, help="probability of the null label")
    tr.add_argument("--batch-size", type=_strict_int, default=None,
                    help=f"examples per step (at most {MAX_BATCH_SIZE['2d']}, MNIST {MAX_BATCH_SIZE['mnist']})")
    tr.add_argument("--p-aug", type=_finite_float, default=None,
                    help="MNIST: probability a digit is augmented for the eps-network (non-leaking, Karras et al. 2022)")
    tr.add_argument("--scale-shift", action=argparse.BooleanOptionalAction, default=None,
                    help="MNIST: condition the eps-network by adaptive group norm (Dhariwal & Nichol 2021)")
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out (MNIST)")
    tr.add_argument("--rescale", action="store_true", help="CSV dataset: map the points into [-3, 3]^2 first")
    sa = sub.add_parser("sample", help="draw guided samples into an .npz (x, trajectory)")
    _common(sa, mnist_dir=False)
    sa.add_argument("--label", type=_strict_int, required=True, help="class index c")
    sa.add_argument("--guidance", choices=tuple(METHODS), required=True)
    sa.add_argument("--w", type=_strict_float, required=True, help="guidance weight (paper's w; 0 = none)")
    sa.add_argument("--n", type=_strict_int, required=True, help="number of samples")
    sa.add_argument("--out", required=True, help="output .npz file")
    sa.add_argument("--score", choices=SCORES, default="learned")
    sa.add_argument("--cg-base", choices=CG_BASES, default=None, help="CG's base (default conditional)")
    sa.add_argument("--classifier", choices=CLASSIFIERS, default=None, help="CG guide (default noisy)")
    sa.add_argument("--sampler", choices=TOY_SAMPLERS, default="ddim")
    sa.add_argument("--noise-scale", type=_strict_float, default=1.0, help="tau: ancestral noise multiplier in [0, 1]")
    sa.add_argument("--steps", type=_strict_int, default=None, help="sampling steps T")
    sa.add_argument("--v", type=_strict_float, default=None, help="ddpm: variance interpolation v in [0, 1] (default 0.3)")
    sa.add_argument("--corrector-steps", type=_strict_int, default=None, help="pc: Langevin steps K per level (default 1)")
    sa.add_argument("--corrector-w", type=_strict_float, default=None, help="pc: the corrector's w' (default: w)")
    sa.add_argument("--corrector-step-scale", type=_strict_float, default=None, help="pc: Langevin step times S (default 1)")
    sa.add_argument("--ess-threshold", type=_strict_float, default=None,
                    help="smc: resample when ESS < this x n, in [0, 1] (default 0.5)")
    sa.add_argument("--smc-moves", type=_strict_int, default=None, help="smc: MALA moves per level (default 5)")
    sa.add_argument("--interval", default=None, help="LO,HI in log-SNR: guide only there (write --interval=LO,HI)")
    sa.add_argument("--good-blur", type=_strict_float, default=None, help="exact: model covariances + G I (default 0)")
    sa.add_argument("--bad-blur", type=_strict_float, default=None, help="exact auto: bad model covariances + B I (0.16)")
    sa.add_argument("--cfgpp-lambda", type=_strict_float, default=None, help="cfgpp: l in [0, 1] (default 0.6)")
    sa.add_argument("--rescale", dest="rescale_phi", type=_strict_float, default=None,
                    help="CFG-rescale with phi in [0, 1] (with --guidance cfg or rescale; default 0.7)")
    sa.add_argument("--threshold", dest="threshold_p", type=_strict_float, default=None,
                    help="dynamic thresholding at percentile P in (0, 1] (with --guidance cfg or threshold; 0.995)")
    sa.add_argument("--apg-eta", type=_strict_float, default=None, help="apg: weight of the parallel part, [0, 1] (0)")
    sa.add_argument("--apg-r", type=_strict_float, default=None, help="apg: norm cap r > 0 (15)")
    sa.add_argument("--apg-beta", type=_strict_float, default=None, help="apg: momentum beta in [-1, 1] (-0.5)")
    sw = sub.add_parser("sweep", help="metrics and plots over a list of w for every method")
    _common(sw)
    sw.add_argument("--w", type=_w_list, default=[0, 0.1, 0.3, 0.5, 1, 2, 3, 4], help="comma-separated w values")
    sw.add_argument("--out", required=True, help="output directory for JSON and PNG")
    sw.add_argument("--n", type=_strict_int, default=None, help="samples per class per w")
    sw.add_argument("--score", choices=SCORES, default="learned")
    sw.add_argument("--sampler", choices=SAMPLERS, default="ddim")
    sw.add_argument("--steps", type=_strict_int, default=None)
    sw.add_argument("--steps-for", default=None, metavar="METHOD=T,...",
                    help="MNIST: methods sampled with other steps than --steps, e.g. apg=50")
    _own_data_parsers(sub)
    return parser


def _own_data_parsers(sub) -> None:
    """fit (CSV of points -> mixture JSON) and data (a scikit-learn data set -> CSV of points)."""
    fi = sub.add_parser("fit", help="fit a Gaussian mixture per class to a CSV of points, write mixture JSON")
    fi.add_argument("--points", required=True, help="CSV with header x,y,label (label: an integer or a name)")
    fi.add_argument("--out", required=True, help="output mixture .json")
    fi.add_argument("--max-components", type=_strict_int, default=DEFAULT_MAX_COMPONENTS,
                    help=f"most Gaussians per class, chosen by BIC (1..{MAX_COMPONENTS_LIMIT})")
    fi.add_argument("--seed", type=_strict_int, default=0, help="seed of the k-means start of EM")
    fi.add_argument("--rescale", action="store_true", help="map the points into [-3, 3]^2 before fitting")
    da = sub.add_parser("data", help="write a scikit-learn data set as a CSV of labelled points")
    da.add_argument("--name", required=True, choices=tuple(DATASETS), help="the generator")
    da.add_argument("--n", type=_strict_int, required=True, help=f"number of points ({MIN_DATASET_POINTS}..{MAX_POINTS})")
    da.add_argument("--noise", type=_finite_float, default=None,
                    help=f"std of the Gaussian jitter in window units, 0..{MAX_NOISE:g} (default: per data set)")
    da.add_argument("--seed", type=_strict_int, default=0, help="random seed (same seed, same points)")
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
    for flag in ("steps", "classifier_steps"):
        value = getattr(args, flag, None)
        if value is not None and not 1 <= value <= MAX_STEPS:
            raise ValueError(f"--{flag.replace('_', '-')} must be an integer in [1, {MAX_STEPS}], got {value}")
    _check_batch_size(args)
    n_range = (MIN_DATASET_POINTS, MAX_POINTS) if getattr(args, "command", None) == "data" else (1, MAX_SAMPLES)
    if getattr(args, "n", None) is not None and not n_range[0] <= args.n <= n_range[1]:
        raise ValueError(f"--n must be in [{n_range[0]}, {n_range[1]}], got {args.n}")
    _check_own_data(args)
    _check_applies(args)
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


def _check_batch_size(args) -> None:
    """--batch-size within what the machine can hold (MNIST's 200000 asked for a 20 GB tensor)."""
    if getattr(args, "batch_size", None) is None:
        return
    kind = "mnist" if args.dataset == "mnist" else "2d"
    limit = MAX_BATCH_SIZE[kind]
    if not 1 <= args.batch_size <= limit:
        raise ValueError(f"--batch-size must be an integer in [1, {limit}]"
                         f"{' for MNIST (about 2 MB of memory a digit)' if kind == 'mnist' else ''}, "
                         f"got {args.batch_size}")


def _check_interval(text: str | None) -> None:
    """--interval=LO,HI: two plain numbers, LO <= HI, meeting the samplers' log-SNR range (else it guides at no
    step, and the samples are those of no guidance)."""
    if text is None:
        return
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(_NUMBER.fullmatch(p) for p in parts) or not all(
            math.isfinite(float(p)) for p in parts):
        raise ValueError(f"--interval takes two finite log-SNR values LO,HI (write --interval=LO,HI), got {text!r}")
    lo, hi = (float(p) for p in parts)
    if lo > hi:
        raise ValueError(f"--interval=LO,HI needs LO <= HI, got {text!r}")
    if hi < LAM_RANGE[0] or lo > LAM_RANGE[1]:
        raise ValueError(f"--interval={text} lies outside the samplers' log-SNR range [{LAM_RANGE[0]:g}, "
                         f"{LAM_RANGE[1]:g}]: it would guide at no step (the samples of no guidance)")


def _check_applies(args) -> None:
    """An option given where it changes nothing is an error (README), not silently dropped."""
    command = getattr(args, "command", None)
    if command not in ("train", "sample", "sweep"):
        return
    if args.dataset != "mnist":
        for flag, given, why in (
                ("--device", args.device is not None, "the 2D networks always run on the CPU"),
                ("--mnist-dir", getattr(args, "mnist_dir", None) is not None, "it reads MNIST digits"),
                ("--resume", getattr(args, "resume", False), "it continues an MNIST checkpoint"),
                ("--steps-for", getattr(args, "steps_for", None) is not None,
                 "the 2D sweep samples every method with --steps")):
            if given:
                raise ValueError(f"{flag} applies to --dataset mnist only ({why}), not {args.dataset}")
        if getattr(args, "checkpoint", None) is not None and getattr(args, "score", None) == "exact":
            raise ValueError("--checkpoint gives learned networks, but --score exact uses none: drop one of them")
    elif getattr(args, "classifier_steps", None) is not None:
        raise ValueError("--classifier-steps applies to the 2D mixtures; MNIST's guides and judge train for their "
                         "fixed steps (at most --steps)")
    if command == "sample":
        _check_interval(args.interval)
        if args.cg_base is not None and args.guidance not in ("cg", "cg_clean"):
            raise ValueError(f"--cg-base sets classifier guidance's base: it applies to --guidance cg or cg_clean, "
                             f"not {args.guidance}")
        if args.classifier is not None and args.guidance not in ("cg", "cg_clean"):
            raise ValueError(f"--classifier picks classifier guidance's guide: it applies to --guidance cg, "
                             f"not {args.guidance}")
        if args.guidance == "cg_clean" and args.classifier == "noisy":
            raise ValueError("--guidance cg_clean guides with the clean classifier: drop --classifier noisy "
                             "(or use --guidance cg)")


def _fill_defaults(args) -> None:
    """The defaults of the options left unset so that _check_applies can tell given from not given."""
    if hasattr(args, "device"):
        args.device = args.device or "cpu"
    if getattr(args, "command", None) == "sample":
        args.cg_base = args.cg_base or "conditional"
        args.classifier = args.classifier or "noisy"


def _out_of_memory(err: BaseException) -> bool:
    """True for an allocation that failed (MemoryError, torch's OutOfMemoryError, or its CPU allocator's error)."""
    if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
        return True
    text = str(err).lower()
    return isinstance(err, RuntimeError) and any(words in text for words in (
        "defaultcpuallocator", "out of memory", "not enough memory", "cannot allocate memory",
        "can't allocate memory", "could not allocate", "failed to allocate"))


def _memory_hint(command: str | None) -> str:
    """What to make smaller when a command ran out of memory."""
    return {"train": "use a smaller --batch-size", "sample": "use a smaller --n (or fewer --steps)",
            "sweep": "use a smaller --n"}.get(command, "use less data")


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed run created, deepest first, if they are (still) empty."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return


def _one_line(err: BaseException) -> str:
    """An exception as one line (the first), whatever it carries."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # CliParser.error printed its one line (status 2); --help printed the help (0)
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    args.command_line = "python -m cfg_core " + shlex.join(argv)
    # the folders this run would create: a run that fails leaves none of them behind (empty)
    try:
        new_folders = missing_folders(args.out, is_dir=args.command in ("train", "sweep"))
    except (ValueError, OSError):  # a path the checks refuse (a NUL byte, a name too long): nothing to remove
        new_folders = []
    status = 1
    try:
        status = _run(args)
        return status
    finally:
        if status != 0:
            _remove_empty(new_folders)


def _run(args) -> int:
    """Check the arguments and run the command; bad input (and running out of memory) is one line, status 2."""
    try:
        _check_common(args)
        _fill_defaults(args)
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
    except (MemoryError, RuntimeError) as err:
        if not _out_of_memory(err):
            raise
        print(f"error: out of memory: {_one_line(err)}; {_memory_hint(args.command)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
