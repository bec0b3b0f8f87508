"""Random 2D mixtures in the JSON mixture format: "unseen" test cases for the tests and the benchmarks.

A 2-3 class mixture with 1-3 anisotropic Gaussian components per class, means in [-2.5, 2.5]^2, standard
deviations in [0.15, 0.65], random orientation; the same seed gives the same mixture.
"""
from __future__ import annotations

import math

import torch


def random_mixture_spec(seed: int) -> dict:
    """A random 2-3 class mixture with 1-3 anisotropic components per class."""
    g = torch.Generator().manual_seed(seed)
    n_classes = 2 + int(torch.randint(0, 2, (1,), generator=g))
    comps = []
    for c in range(n_classes):
        for _ in range(1 + int(torch.randint(0, 3, (1,), generator=g))):
            mean = (torch.rand(2, generator=g) * 5 - 2.5).tolist()
            angle = float(torch.rand(1, generator=g)) * math.pi
            s1, s2 = (0.15 + 0.5 * torch.rand(2, generator=g)).tolist()
            R = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
            cov = R @ torch.diag(torch.tensor([s1**2, s2**2])) @ R.T
            cov = ((cov + cov.T) / 2).tolist()
            comps.append({"mean": mean, "cov": cov, "weight": 0.5 + float(torch.rand(1, generator=g)), "class": c})
    return {"name": f"unseen_{seed}", "classes": [f"k{c}" for c in range(n_classes)], "components": comps}
