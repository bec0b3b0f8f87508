"""Where the shipped data live: mixture presets (toy_data/presets) and trained checkpoints (checkpoints/).

One place for the repository's folders, so a module that moves never breaks a path.
"""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRESET_DIR = REPO_ROOT / "toy_data" / "presets"  # one <name>.json mixture per preset
CHECKPOINT_ROOT = REPO_ROOT / "checkpoints"  # one folder per preset, and mnist/
MNIST_CHECKPOINT = CHECKPOINT_ROOT / "mnist"
MNIST_SWEEP = MNIST_CHECKPOINT / "sweep.json"  # the sweep of the shipped MNIST model (python -m cfg_core sweep)
