"""Shared fixtures: mixtures the code has never seen, built at random and handed over as JSON."""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)  # tiny tensors: one thread is many times faster than two contending ones
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


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


@pytest.fixture(params=[101, 202])
def unseen_json(request, tmp_path) -> Path:
    """Path to a random mixture JSON file the code has not seen before."""
    path = tmp_path / f"unseen_{request.param}.json"
    path.write_text(json.dumps(random_mixture_spec(request.param)))
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the app under test listens only on loopback)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """The app launched once in this process on a free loopback port; its URL."""
    import app

    demo = app.build_demo()
    _, url, _ = app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(),
                           quiet=True)
    try:
        yield url
    finally:
        demo.close()
