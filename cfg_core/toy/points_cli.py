"""The "your own data" side of the command line: make a CSV of points, fit a mixture to one, train on one.

    data   make_dataset -> write_points_csv
    fit    read_points_csv -> fit_mixture -> mixture JSON (sample, train and the lab load it like any mixture)
    train  (--dataset FILE.csv) the 2D networks on the raw points; the checkpoint records the CSV's path and
           SHA-256 and, as its mixture, the fit `fit --points FILE.csv` makes at its defaults, so
           `sample --dataset THAT.json --checkpoint DIR` pairs the learned and the exact quantities.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from cfg_core.mixture_json import MixtureError, check_name, mixture_to_dict
from cfg_core.toy.fit import fit_mixture, write_fit_json
from cfg_core.toy.points import make_dataset, read_points_csv, write_points_csv
from cfg_core.toy.pretrained import save_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, Progress, train_mixture


def is_points_path(dataset: str) -> bool:
    """True when --dataset names a CSV of labelled points rather than a preset or a mixture JSON."""
    return str(dataset).lower().endswith(".csv")


def mixture_name(path: str | Path) -> str:
    """The fitted mixture's name: the CSV's file stem, or "fitted" if that is no valid name."""
    try:
        return check_name(Path(path).stem or "fitted")
    except MixtureError:
        return "fitted"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (what a checkpoint trained on a CSV records)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data(args) -> int:
    points = make_dataset(args.name, args.n, args.noise, args.seed)
    write_points_csv(points, args.out)
    counts = ", ".join(f"{n}: {k}" for n, k in zip(points.class_names, points.class_counts().tolist()))
    print(f"wrote {len(points)} points of {args.name} ({counts}) to {args.out}")
    return 0


def fit(args) -> int:
    points = read_points_csv(args.points, rescale=args.rescale)
    result = fit_mixture(points, args.max_components, args.seed, name=mixture_name(args.points))
    write_fit_json(result, args.out)
    for line in result.summary_lines():
        print(line)
    print(f"fitted {len(points)} points in {result.seconds:.2f} s "
          f"(log-likelihood/point {result.loglik_per_point:.3f}); mixture written to {args.out}")
    return 0


def train_on_points(args, cfg: MixtureTrainConfig, progress: Progress | None) -> int:
    """train --dataset FILE.csv: the networks learn from the points themselves, not from the fit."""
    points = read_points_csv(args.dataset, rescale=args.rescale)
    fitted = fit_mixture(points, name=mixture_name(args.dataset))  # defaults: the same fit as `fit --points`
    trained = train_mixture(points, cfg, torch.Generator().manual_seed(args.seed), progress=progress)
    record = {"command": args.command_line, "seed": args.seed, "dataset": args.dataset,
              "points": {"path": str(Path(args.dataset).resolve()), "sha256": file_sha256(args.dataset),
                         "n": len(points), "class_counts": points.class_counts().tolist(), "rescaled": args.rescale}}
    out = save_trained_mixture(args.out, trained, mixture_to_dict(fitted.mixture), record)
    print(f"trained on the {len(points)} points of {args.dataset} in {trained.record['seconds']:.1f} s; checkpoint "
          f"written to {out}; sample with the mixture of: python -m cfg_core fit --points {args.dataset}"
          f"{' --rescale' if args.rescale else ''} --out MIXTURE.json")
    return 0
