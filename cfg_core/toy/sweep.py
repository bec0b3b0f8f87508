"""The fidelity/diversity sweep on a 2D mixture: every method at every w, scored against exact answers.

Methods: names of cfg_core.methods (default SWEEP_METHODS: cfg, cg, cg_clean, scaled, reduced), all at
the paper's w; each aims at p(x|c) p(c|x)^w except the two naive baselines.
Per (method, w), averaged over classes: mean exact p(c|x), diversity, SW_2 to the class and to the
exact tilted target, and SW_2 to the exact tempered density p(x|c)^(1+w).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from cfg_core import methods as registry
from cfg_core import metrics
from cfg_core.toy.sampling import SampleRequest, run_sample
from cfg_core.mixture import GaussianMixture, grid_density

@dataclass(frozen=True)
class SweepRow:
    method: str
    w: float
    mean_posterior: float  # exact p(c|x), class-averaged
    diversity: float  # mean pairwise distance
    distance_to_class: float  # SW_2 to exact p(x|c)
    distance_to_tilted: float  # SW_2 to exact p(x|c) p(c|x)^w
    distance_to_tempered: float  # SW_2 to exact p(x|c)^(1+w)


@dataclass(frozen=True)
class SweepResult:
    dataset: str
    score: str
    n: int
    steps: int
    sampler: str
    rows: list[SweepRow]


def _row(mix: GaussianMixture, trained, method: str, w: float, base: SampleRequest) -> SweepRow:
    vals = []
    for c in range(mix.num_classes):
        req = SampleRequest(**{**asdict(base), "label": c, "w": w, "method": method})
        x = run_sample(mix, trained, req, keep_trajectory=False).x.double()
        gen = torch.Generator().manual_seed(10_000 + c)
        rep = metrics.sample_report(mix, x, c, w, gen)
        tempered = grid_density(lambda p: mix.tempered_log_density(p, c, w), mix.extent(), 300).sample(2000, gen)
        vals.append([*asdict(rep).values(), metrics.sliced_wasserstein(x, tempered, generator=gen)])
    mean = torch.tensor(vals).mean(0).tolist()
    return SweepRow(method, float(w), *mean)


def run_mixture_sweep(mix: GaussianMixture, trained, ws: list[float], score: str = "learned", n: int = 1000,
                      seed: int = 0, steps: int = 100, sampler: str = "ddim", methods=registry.SWEEP_METHODS,
                      progress=None) -> SweepResult:
    """Every method at every w; `progress(done, total)` is called after each row."""
    base = SampleRequest(label=0, score=score, n=n, seed=seed, steps=steps, sampler=sampler)
    rows, total = [], len(methods) * len(ws)
    for method in methods:
        registry.get(method)  # unknown names fail before any work
        for w in ws:
            rows.append(_row(mix, trained, method, w, base))
            if progress is not None:
                progress(len(rows), total)
    return SweepResult(mix.name, score, n, steps, sampler, rows)


def write_sweep(result: SweepResult, out_dir: str | Path, command: str = "") -> list[Path]:
    """sweep.json with every row, and sweep.png with the curves (see figures.sweep_figure)."""
    from cfg_core.atomic import atomic_path, write_text_atomic
    from cfg_core.toy.sweep_plots import sweep_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = {**asdict(result), "command": command}
    write_text_atomic(out / "sweep.json", json.dumps(data, indent=2) + "\n")
    with atomic_path(out / "sweep.png") as tmp:
        sweep_figure(result).savefig(tmp, dpi=110)
    return [out / "sweep.json", out / "sweep.png"]
