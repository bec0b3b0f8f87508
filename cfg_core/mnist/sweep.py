"""The guidance-weight sweep on MNIST: every method at every w, graded by the judge.

Methods: names of cfg_core.methods or cfg_core.mnist.variants (default MNIST_SWEEP_METHODS: the paper's cfg,
cg, cg_clean, scaled, reduced, then the later variants auto, cfg_interval, rescale, threshold, apg), all at the
same w and seeds, n samples for each of the ten digits.
Each row also has the ink-mass error against the real digits (saturation: CFG's digits grow thicker with w).
For CG we also record how confident the GUIDE is on its own samples next to the judge: a guide far
more confident than the judge has been fooled (adversarial gradients instead of better digits).
extend_sweep adds weights to an existing sweep JSON (same methods, n, steps and seeds as a full rerun would use),
so growing the w range costs only the new points (scripts/experiments/extend_mnist_sweep.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from cfg_core import methods as registry
from cfg_core.mnist.metrics import JudgeOutputs, all_metrics, classifier_confidence, ink_error, judge_outputs
from cfg_core.mnist.models import MnistModels, sample_mnist
from cfg_core.mnist import variants
from cfg_core.mnist.variants import info

MNIST_SWEEP_METHODS = registry.on("mnist_sweep", variants.NAMES)  # the registry says which (surfaces)

@dataclass(frozen=True)
class SweepConfig:
    """What the sweep samples."""

    ws: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 4.0)  # guidance weights
    n_per_class: int = 20  # samples of each digit per (method, w)
    steps: int = 50  # sampler steps T
    sampler: str = "ddim"  # sampler of every method but "reduced" (always ancestral)
    steps_for: tuple[tuple[str, int], ...] = ()  # (method, T) for methods sampled with other steps than `steps`
    seed: int = 0  # seed of digit c is seed + c, the same for every method and w
    methods: tuple[str, ...] = MNIST_SWEEP_METHODS  # which methods (and variants) to run


@torch.no_grad()
def guide_confidence(models: MnistModels, method: str, x01: torch.Tensor, labels: np.ndarray) -> float | None:
    """Mean p_guide(c | x) of the guiding classifier on the final samples (CG methods only)."""
    kind = info(method).classifier
    if kind is None:
        return None
    guide = models.classifier_noisy if kind == "noisy" else models.classifier_clean
    return classifier_confidence(guide, x01, labels)


def sample_all_digits(models: MnistModels, method: str, w: float, config: SweepConfig) -> torch.Tensor:
    """n_per_class samples of each digit 0..9, class-major.  # [10 n, 28, 28]"""
    steps = dict(config.steps_for).get(method, config.steps)
    xs = [sample_mnist(models, c, n=config.n_per_class, seed=config.seed + c, steps=steps,
                       keep_trajectory=False, method=method, w=w, sampler=config.sampler).x for c in range(10)]
    return torch.cat(xs)


def run_sweep(models: MnistModels, real01: torch.Tensor, real_labels, config: SweepConfig,
              progress: bool = True) -> dict:
    """{"config", "real", "results": [{method, w, metrics..., guide_confidence, seconds}], "grids"}."""
    real = judge_outputs(models.judge, real01, real_labels)
    labels = np.repeat(np.arange(10), config.n_per_class)
    results, grids = [], {}
    for m in config.methods:
        info(m)  # unknown names fail before any work
    jobs = [(m, w) for w in config.ws for m in config.methods]
    for method, w in tqdm(jobs, desc="sweep", disable=not progress, dynamic_ncols=True):
        t0 = time.perf_counter()
        x01 = sample_all_digits(models, method, w, config)  # [10 n, 28, 28]
        seconds = time.perf_counter() - t0
        gen = judge_outputs(models.judge, x01, labels)
        results.append({"method": method, "w": w, **all_metrics(gen, real), "seconds": seconds,
                        "ink_error": ink_error(x01, labels, real01, real_labels),
                        "guide_confidence": guide_confidence(models, method, x01, labels)})
        grids[(method, w)] = x01.reshape(10, config.n_per_class, 28, 28)[:, :8].numpy()
    real_metrics = _real_reference(real)
    labels_real = np.asarray(real_labels)
    real_metrics["confidence_on_all_real"] = {  # how sure each classifier is on real held-out digits
        "judge": float(real.probs[np.arange(len(labels_real)), labels_real].mean()),
        "cg guide": guide_confidence(models, "cg", real01, labels_real),
        "cg_clean guide": guide_confidence(models, "cg_clean", real01, labels_real)}
    return {"config": asdict(config), "real_held_out": real_metrics, "results": results, "grids": grids}


def _real_reference(real: JudgeOutputs) -> dict:
    """The judge's numbers on the held-out real digits themselves (the ceiling to compare with)."""
    half = len(real.labels) // 2
    order = np.argsort(np.arange(len(real.labels)) % 2, kind="stable")  # alternate halves, both all classes
    a, b = order[:half], order[half:]
    first = JudgeOutputs(real.probs[a], real.features[a], real.labels[a])
    second = JudgeOutputs(real.probs[b], real.features[b], real.labels[b])
    return {"n": int(len(real.labels)), "note": "metrics of one half of the held-out digits against the other",
            **all_metrics(first, second)}


def save_sweep(sweep: dict, out_dir: str | Path) -> list[Path]:
    """mnist_sweep.json plus the PNG figures; returns the written paths."""
    from cfg_core.atomic import write_text_atomic
    from cfg_core.mnist.figures import write_figures

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "mnist_sweep.json"
    data = {k: v for k, v in sweep.items() if k != "grids"}
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
    return [path] + write_figures(sweep, out_dir)


def merge_sweeps(old: dict, new: dict) -> dict:
    """`old` with the rows of `new` added: both must share methods, n_per_class, steps, sampler and seed (so the
    new rows are exactly what a full rerun would give) and no w; config["ws"] becomes the sorted union."""
    same = ("methods", "n_per_class", "steps", "sampler", "seed", "steps_for")
    def norm(config: dict, key: str):  # JSON lists vs tuples; a sweep from before steps_for had none
        return json.loads(json.dumps(config.get(key, [] if key == "steps_for" else None)))
    diff = [k for k in same if norm(old["config"], k) != norm(new["config"], k)]
    if diff:
        raise ValueError(f"cannot merge sweeps that differ in {', '.join(diff)}")
    overlap = sorted(set(old["config"]["ws"]) & set(new["config"]["ws"]))
    if overlap:
        raise ValueError(f"the sweep already has w = {', '.join(f'{w:g}' for w in overlap)}")
    ws = sorted({*old["config"]["ws"], *new["config"]["ws"]})
    results = sorted(old["results"] + new["results"], key=lambda r: ws.index(r["w"]))  # stable: methods keep order
    return {**old, "config": {**old["config"], "ws": ws}, "results": results}


def extend_sweep(old: dict, models: MnistModels, real01: torch.Tensor, real_labels, ws, progress: bool = True) -> dict:
    """The sweep `old` (its JSON) with every method also run at the new weights `ws` (same n, steps, seeds)."""
    cfg = old["config"]
    config = SweepConfig(ws=tuple(float(w) for w in ws), n_per_class=cfg["n_per_class"], steps=cfg["steps"],
                         sampler=cfg["sampler"], seed=cfg["seed"], methods=tuple(cfg["methods"]),
                         steps_for=tuple((m, int(t)) for m, t in cfg.get("steps_for", ())))
    new = run_sweep(models, real01, real_labels, config, progress)
    return merge_sweeps(old, {k: v for k, v in new.items() if k != "grids"})
