"""The mixtures and trained networks the lab serves.

ModelRegistry holds mixtures by key (the presets, or 'custom-<hash>' for edited ones) and loads their
trained networks lazily from the shipped checkpoints; a preset whose checkpoint is missing or broken is
retrained on request, once, while other requests for it wait and see the progress (trained_or_retrain).
Custom mixtures and the networks trained on them are kept for the MAX_CUSTOM most recently used only.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import torch

from cfg_core.checkpoint import CheckpointError
from cfg_core.mixture import GaussianMixture
from cfg_core.mixture_json import PRESETS, MixtureError, load_preset, mixture_key
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, TrainedMixture, train_mixture
from explainer.cache import SingleFlight

MAX_CUSTOM = 8  # custom mixtures (and their trained networks) kept in memory, least recently used dropped first


class ModelRegistry:
    """Mixtures by key (presets, or 'custom-<hash>') and their trained networks, loaded lazily.

    A preset whose checkpoint is missing or broken is retrained (retrain(key, progress)); until then
    trained(key) is None and the lab falls back to exact scores with a message. checkpoint_root: the folder
    holding one checkpoint folder per preset (default: the shipped checkpoints/).
    """

    def __init__(self, checkpoint_root: str | Path | None = None):
        self.checkpoint_root = Path(checkpoint_root) if checkpoint_root is not None else None  # None: shipped
        self._lock = threading.Lock()
        self._mixtures: OrderedDict[str, GaussianMixture] = OrderedDict()
        self._trained: dict[str, tuple[TrainedMixture, str]] = {}
        self.problems: dict[str, str] = {}  # key -> why its checkpoint could not be used
        self.retrained: set[str] = set()  # presets retrained here because their checkpoint was unusable
        self._retraining = SingleFlight()

    def mixture(self, key: str) -> GaussianMixture:
        with self._lock:
            if key in self._mixtures:
                self._mixtures.move_to_end(key)
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
            self._mixtures.move_to_end(key)
            self._evict_custom()
        return key

    def _evict_custom(self) -> None:
        """Drop the least recently used custom mixtures (and their networks) beyond MAX_CUSTOM; under _lock."""
        custom = [k for k in self._mixtures if k.startswith("custom-")]
        for key in custom[:max(0, len(custom) - MAX_CUSTOM)]:
            del self._mixtures[key]
        for key in [k for k in self._trained if k.startswith("custom-") and k not in self._mixtures]:
            del self._trained[key]

    def trained(self, key: str) -> tuple[TrainedMixture | None, str]:
        """The trained networks and a key naming this version of them (None, '' when there are none)."""
        with self._lock:
            if key in self._trained:
                return self._trained[key]
            if key in self.problems or key.startswith("custom-"):
                return None, ""
        mix = self.mixture(key)
        try:
            directory = self.checkpoint_root / key if self.checkpoint_root is not None else default_checkpoint(key)
            tm = load_trained_mixture(directory, mix)
        except (CheckpointError, OSError, ValueError, RuntimeError, TypeError, KeyError, MemoryError) as err:
            with self._lock:
                self.problems[key] = str(err).splitlines()[0] if str(err) else type(err).__name__
            print(f"checkpoint of {key} unusable ({self.problems[key][:200]}): the lab retrains it on first use",
                  flush=True)
            return None, ""
        return self.set_trained(key, tm, "shipped")

    def set_trained(self, key: str, tm: TrainedMixture, tag: str) -> tuple[TrainedMixture, str]:
        with self._lock:
            if key.startswith("custom-") and key in self._mixtures:
                self._mixtures.move_to_end(key)
            self._trained[key] = entry = (tm, f"{key}:{tag}")
            self.problems.pop(key, None)
            self._evict_custom()
            return entry

    def retrain(self, key: str, config, progress=None, should_stop=None, data=None) -> TrainedMixture:
        """Train the three networks for a mixture (seeded) and register them; should_stop() -> True cancels
        (TrainingCancelled, nothing registered). data: labelled points to train on instead of the mixture's own
        samples (the raw points a custom mixture was fitted to)."""
        tm = train_mixture(self.mixture(key) if data is None else data, config, torch.Generator().manual_seed(0), progress=progress,
                           should_stop=should_stop)
        self.set_trained(key, tm, f"trained-{id(tm)}")
        return tm

    def trained_or_retrain(self, key: str, config: MixtureTrainConfig, on_progress=None) -> tuple[TrainedMixture | None, str]:
        """The preset's networks; a missing or broken checkpoint is retrained once (callers meanwhile wait and
        get on_progress(frac, text) too). Custom mixtures are never retrained here: (None, '')."""
        tm, model_key = self.trained(key)
        if tm is not None or key not in self.problems or key.startswith("custom-"):
            return tm, model_key
        total = config.steps + 2 * config.classifier_steps
        before = {"eps_model": 0, "classifier_noisy": config.steps,
                  "classifier_clean": config.steps + config.classifier_steps}

        def job(report):
            tm, model_key = self.trained(key)
            if tm is None and key in self.problems:
                def cb(stage, step, n, loss):
                    report((before.get(stage, 0) + step) / total,
                           f"retraining {key} (checkpoint unusable): {stage} {step}/{n}, loss {loss:.3f}")
                with torch.inference_mode(False):
                    self.retrain(key, config, cb)
                self.retrained.add(key)
                print(f"retrained {key} ({config.steps} eps-network steps): its shipped checkpoint was unusable",
                      flush=True)
                tm, model_key = self.trained(key)
            return tm, model_key

        return self._retraining.run(key, job, on_progress, f"retraining {key}: starting…")
