"""The served mixtures and networks: unknown names, missing checkpoints, and retraining once for many callers."""
import threading

import pytest

from cfg_core.mixture_json import MixtureError
from cfg_core.toy.training import MixtureTrainConfig
from explainer.lab.registry import ModelRegistry


def test_registry_unknown_and_missing_checkpoint(tmp_path):
    reg = ModelRegistry(tmp_path)  # no checkpoints there
    with pytest.raises(MixtureError, match="unknown dataset"):
        reg.mixture("moons")
    tm, key = reg.trained("ring")
    assert tm is None and key == "" and "ring" in reg.problems


def test_shipped_checkpoint_loads():
    tm, key = ModelRegistry().trained("three_gaussians")
    assert tm is not None and key == "three_gaussians:shipped"


def test_missing_checkpoint_is_retrained_once_for_concurrent_callers(tmp_path):
    reg, calls, seen = ModelRegistry(tmp_path), [], []
    original = reg.retrain
    reg.retrain = lambda *a, **k: calls.append(1) or original(*a, **k)
    config = MixtureTrainConfig(steps=60, classifier_steps=50)
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        reg.trained_or_retrain("two_overlapping", config, lambda f, d: seen.append(d)))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(tm is not None for tm, _ in results)
    assert any("retraining two_overlapping" in d for d in seen)
    assert reg.trained_or_retrain("custom-abc", config) == (None, "")
