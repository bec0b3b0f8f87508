"""The 2D-mixture side of the command line: train, sample and sweep on a preset or a JSON mixture
(train also on a CSV of labelled points, through cfg_core.toy.points_cli)."""
from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import torch
from tqdm import tqdm

from cfg_core.atomic import atomic_path
from cfg_core.toy.sampling import SampleRequest, request_options, run_sample
from cfg_core.toy.points_cli import is_points_path, train_on_points
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture, save_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, train_mixture
from cfg_core.mixture_json import PRESETS, load_mixture, mixture_to_dict

DEFAULT_SAMPLE_STEPS = 100  # 2D sampling is cheap; T = 100 DDIM steps is well converged


def _tqdm_progress():
    bars: dict[str, tqdm] = {}

    def progress(stage: str, step: int, total: int, loss: float) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, leave=True)
        bar.update(step - bar.n)
        bar.set_postfix(loss=f"{loss:.4f}")
        if step == total:
            bar.close()

    return progress


def _train_config(args) -> MixtureTrainConfig:
    """The default training config with the options given on the command line."""
    overrides = {"steps": args.steps, "classifier_steps": args.classifier_steps, "p_uncond": args.p_uncond,
                 "batch_size": args.batch_size}
    return replace(MixtureTrainConfig(), **{k: v for k, v in overrides.items() if v is not None})


def train(args) -> int:
    torch.set_num_threads(1)  # small MLPs: one thread is ~10x faster than two fighting over 2 cores
    if is_points_path(args.dataset):
        return train_on_points(args, _train_config(args), _tqdm_progress())
    mix = load_mixture(args.dataset)
    cfg = _train_config(args)
    trained = train_mixture(mix, cfg, torch.Generator().manual_seed(args.seed), progress=_tqdm_progress())
    out = save_trained_mixture(args.out, trained, mixture_to_dict(mix),
                               {"command": args.command_line, "seed": args.seed, "dataset": args.dataset})
    print(f"trained on {mix.name} in {trained.record['seconds']:.1f} s; checkpoint written to {out}")
    return 0


def load_models_for(args, mix):
    """The trained networks a sample/sweep needs: --checkpoint, or the shipped one for a preset."""
    if args.score == "exact":
        return None
    if args.checkpoint is None:
        if args.dataset not in PRESETS:
            raise ValueError("a JSON mixture has no shipped checkpoint: pass --checkpoint DIR "
                             "(from python -m cfg_core train) or use --score exact")
        return load_trained_mixture(default_checkpoint(args.dataset), mix)
    return load_trained_mixture(args.checkpoint, mix)


def sample(args) -> int:
    torch.set_num_threads(1)
    mix = load_mixture(args.dataset)
    req = SampleRequest(label=args.label, method=args.guidance, w=args.w, score=args.score,
                        classifier=args.classifier, cg_base=args.cg_base, sampler=args.sampler,
                        steps=DEFAULT_SAMPLE_STEPS if args.steps is None else args.steps, n=args.n, seed=args.seed,
                        noise_scale=args.noise_scale, **request_options(args))
    result = run_sample(mix, load_models_for(args, mix), req)
    with atomic_path(args.out) as tmp:  # an interrupted write leaves the previous file intact
        np.savez(tmp, x=result.x.float().numpy(), trajectory=result.trajectory.float().numpy())
    print(f"wrote {args.n} samples of class {mix.class_names[args.label]!r} to {args.out}")
    return 0


def sweep(args) -> int:
    from cfg_core.toy.sweep import run_mixture_sweep, write_sweep

    torch.set_num_threads(1)
    mix = load_mixture(args.dataset)
    trained = load_models_for(args, mix)
    results = run_mixture_sweep(mix, trained, args.w, score=args.score, n=1000 if args.n is None else args.n,
                                seed=args.seed, steps=DEFAULT_SAMPLE_STEPS if args.steps is None else args.steps,
                                sampler=args.sampler)
    paths = write_sweep(results, args.out, command=args.command_line)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
