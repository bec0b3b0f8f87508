"""Checkpoints: safetensors + JSON round trip, and every way a checkpoint can be broken."""
import json
import shutil

import pytest
import torch

from cfg_core.checkpoint import CheckpointError, load_checkpoint
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture, save_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, train_mixture
from cfg_core.mixture_json import load_mixture, mixture_to_dict


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    mix = load_mixture("three_gaussians")
    tm = train_mixture(mix, MixtureTrainConfig(steps=20, classifier_steps=20, batch_size=64), torch.Generator().manual_seed(0))
    out = tmp_path_factory.mktemp("ck") / "tiny"
    save_trained_mixture(out, tm, mixture_to_dict(mix), {"command": "test", "seed": 0})
    return mix, tm, out


def test_round_trip(tiny):
    mix, tm, out = tiny
    back = load_trained_mixture(out, mix)
    z, lam, c = torch.randn(4, 2), torch.zeros(4), torch.tensor([0, 1, 2, 3])
    assert torch.equal(back.eps_model(z, lam, c), tm.eps_model(z, lam, c))
    assert torch.equal(back.classifier_noisy(z, lam), tm.classifier_noisy(z, lam))
    assert back.record["seed"] == 0 and back.record["mixture"]["name"] == "three_gaussians"
    assert not (out / "model.safetensors").read_bytes().startswith(b"\x80")  # not a pickle


def test_wrong_mixture_refused(tiny):
    _, _, out = tiny
    with pytest.raises(CheckpointError, match="trained on mixture 'three_gaussians', not on 'ring'"):
        load_trained_mixture(out, load_mixture("ring"))


def test_missing_truncated_and_foreign(tiny, tmp_path):
    _, _, out = tiny
    with pytest.raises(CheckpointError, match="no checkpoint in"):
        load_checkpoint(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    data = (broken / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_trained_mixture(broken)
    (broken / "model.safetensors").write_bytes(b"PK\x03\x04 this is a zip, not safetensors")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_trained_mixture(broken)
    shutil.copy(out / "model.safetensors", broken / "model.safetensors")
    (broken / "model.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_trained_mixture(broken)
    rec = json.loads((out / "model.json").read_text())
    rec["modules"]["eps_model"]["hidden"] = 64
    (broken / "model.json").write_text(json.dumps(rec))
    with pytest.raises(CheckpointError, match="does not belong to"):  # the weights carry their record's hash
        load_trained_mixture(broken)


def test_shipped_checkpoints_are_small_and_documented():
    for preset in ("three_gaussians", "two_overlapping", "ring"):
        d = default_checkpoint(preset)
        assert (d / "model.safetensors").stat().st_size < 10_000_000
        rec = json.loads((d / "model.json").read_text())
        assert {"command", "seed", "seconds", "config", "losses_every_50_steps"} <= set(rec)
