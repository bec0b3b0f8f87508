"""The mixtures and trained networks the lab serves, and the mixture table editor's row format.

ModelRegistry holds mixtures by key (the presets, or 'custom-<hash>' for edited ones) and loads their
trained networks lazily from the shipped checkpoints; a preset whose checkpoint is missing or broken is
retrained on request. spec_to_rows / rows_to_spec convert between the JSON mixture format
(toy_data/mixtures.py) and the editor's table, one row per component.
"""
from __future__ import annotations

import threading
from pathlib import Path

import torch

from cfg_core.lab_views import mixture_key
from cfg_core.mixture import GaussianMixture
from cfg_core.training import TrainedMixture

TABLE_COLUMNS = ("mean_x", "mean_y", "var_x", "cov_xy", "var_y", "weight", "class")


def spec_to_rows(spec: dict) -> list[list]:
    """A mixture dict as editable table rows (class by index)."""
    return [[c["mean"][0], c["mean"][1], c["cov"][0][0], c["cov"][0][1], c["cov"][1][1], c["weight"], c["class"]]
            for c in spec["components"]]


def rows_to_spec(rows, class_names: str, name: str = "custom") -> dict:
    """Table rows and comma-separated class names -> a mixture dict (validated later by mixture_from_dict)."""
    from toy_data.mixtures import MixtureError

    classes = [c.strip() for c in str(class_names).split(",") if c.strip()]
    comps = []
    for i, row in enumerate(rows):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        try:
            mx, my, vx, cxy, vy, wt = (float(v) for v in row[:6])
            cls = int(float(row[6]))
        except (TypeError, ValueError, IndexError):
            raise MixtureError(f"row {i + 1}: every cell must be a number ({', '.join(TABLE_COLUMNS)})") from None
        comps.append({"mean": [mx, my], "cov": [[vx, cxy], [cxy, vy]], "weight": wt, "class": cls})
    return {"name": name, "classes": classes, "components": comps}


class ModelRegistry:
    """Mixtures by key (presets, or 'custom-<hash>') and their trained networks, loaded lazily.

    A preset whose checkpoint is missing or broken is retrained (retrain(key, progress)); until then
    trained(key) is None and the lab falls back to exact scores with a message. checkpoint_root: the folder
    holding one checkpoint folder per preset (default: the shipped checkpoints/).
    """

    def __init__(self, checkpoint_root: str | Path | None = None):
        self.checkpoint_root = Path(checkpoint_root) if checkpoint_root is not None else None  # None: shipped
        self._lock = threading.Lock()
        self._mixtures: dict[str, GaussianMixture] = {}
        self._trained: dict[str, tuple[TrainedMixture, str]] = {}
        self.problems: dict[str, str] = {}  # key -> why its checkpoint could not be used

    def mixture(self, key: str) -> GaussianMixture:
        from toy_data.mixtures import PRESETS, MixtureError, load_preset

        with self._lock:
            if key in self._mixtures:
                return self._mixtures[key]
        if key not in PRESETS:
            raise MixtureError(f"unknown dataset {key!r}; choose one of {', '.join(PRESETS)} or 'custom'")
        mix = load_preset(key)
        with self._lock:
            self._mixtures[key] = mix
        return mix

    def add_custom(self, mix: GaussianMixture) -> str:
        key = f"custom-{mixture_key(mix)}"
        with self._lock:
            self._mixtures[key] = mix
        return key

    def trained(self, key: str) -> tuple[TrainedMixture | None, str]:
        """The trained networks and a key naming this version of them (None, '' when there are none)."""
        from cfg_core.checkpoint import CheckpointError
        from cfg_core.pretrained import default_checkpoint, load_trained_mixture

        with self._lock:
            if key in self._trained:
                return self._trained[key]
            if key in self.problems or key.startswith("custom-"):
                return None, ""
        mix = self.mixture(key)
        try:
            directory = self.checkpoint_root / key if self.checkpoint_root is not None else default_checkpoint(key)
            tm = load_trained_mixture(directory, mix)
        except (CheckpointError, OSError, ValueError) as err:
            with self._lock:
                self.problems[key] = str(err).splitlines()[0] if str(err) else type(err).__name__
            return None, ""
        return self.set_trained(key, tm, "shipped")

    def set_trained(self, key: str, tm: TrainedMixture, tag: str) -> tuple[TrainedMixture, str]:
        with self._lock:
            self._trained[key] = (tm, f"{key}:{tag}")
            self.problems.pop(key, None)
            return self._trained[key]

    def retrain(self, key: str, config, progress=None) -> TrainedMixture:
        """Train the three networks for a mixture (seeded) and register them."""
        from cfg_core.training import train_mixture

        tm = train_mixture(self.mixture(key), config, torch.Generator().manual_seed(0), progress=progress)
        self.set_trained(key, tm, f"trained-{id(tm)}")
        return tm
