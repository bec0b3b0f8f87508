"""Checkpoints: one safetensors file of weights plus a JSON record beside it (never pickle).

    DIR/model.safetensors   tensors named "<module>.<parameter>" (e.g. "eps_model.net.0.weight")
    DIR/model.json          {"modules": {name: constructor kwargs}, ...the training record: command,
                             seed, steps, seconds, config, dataset, losses}

Loading checks everything a user can get wrong (missing directory, truncated or foreign file,
missing modules) and raises CheckpointError with one line that says what to do.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"
RECORD = "model.json"


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded, with a one-line reason."""


def save_checkpoint(directory: str | Path, modules: dict[str, torch.nn.Module], record: dict) -> Path:
    """Write every module's weights into one safetensors file and the record as JSON."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"{name}.{k}": v.detach().cpu().contiguous() for name, m in modules.items()
               for k, v in m.state_dict().items()}
    tmp = directory / (WEIGHTS + ".tmp")
    save_file(tensors, str(tmp), metadata={"modules": ",".join(modules)})
    tmp.chmod(0o644)  # safetensors writes 0600; checkpoints are meant to be shared
    tmp.replace(directory / WEIGHTS)  # atomic: a crash never leaves a half-written checkpoint
    (directory / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return directory


def load_checkpoint(directory: str | Path, required: tuple[str, ...] = ()) -> tuple[dict[str, dict], dict]:
    """(state dicts per module name, record); CheckpointError if anything is missing or broken."""
    directory = Path(directory)
    weights, record_path = directory / WEIGHTS, directory / RECORD
    if not weights.is_file() or not record_path.is_file():
        raise CheckpointError(f"no checkpoint in {directory} (need {WEIGHTS} and {RECORD}); "
                              f"create one with: python -m cfg_core train --out {directory}")
    try:
        record = json.loads(record_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"{record_path} is not valid JSON; retrain or restore the checkpoint") from None
    try:
        flat = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{weights} is not a readable safetensors file ({str(err).splitlines()[0][:120]}); "
                              "it may be truncated: retrain or restore it") from None
    states: dict[str, dict] = {}
    for key, value in flat.items():
        name, _, param = key.partition(".")
        states.setdefault(name, {})[param] = value
    missing = [m for m in required if m not in states]
    if missing:
        raise CheckpointError(f"{weights} lacks {', '.join(missing)}; retrain it with python -m cfg_core train")
    return states, record


def load_module(module: torch.nn.Module, state: dict, where: str) -> torch.nn.Module:
    """Load a state dict strictly; shape or name mismatches become CheckpointError."""
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise CheckpointError(f"{where} does not match the model architecture ({str(err).splitlines()[0][:160]})") from None
    return module.eval()
