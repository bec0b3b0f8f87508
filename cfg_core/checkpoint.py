"""Checkpoints: one safetensors file of weights plus a JSON record beside it (never pickle).

    DIR/model.safetensors   tensors named "<module>.<parameter>" (e.g. "eps_model.net.0.weight")
    DIR/model.json          {"modules": {name: constructor kwargs}, ...the training record: command,
                             seed, steps, seconds, config, dataset, losses}

Weights and record change together: both are written to temp files and moved into place with os.replace,
and the weights' metadata carries the SHA-256 of the record text ("record_sha256"), so a record that does
not belong to the weights (a crash between the two moves, a hand-edited record) is refused on loading.
Checkpoints written before this check (no record_sha256) still load.

Loading checks everything a user can get wrong (missing directory, truncated or foreign file,
missing modules, a record that is not the weights' own) and raises CheckpointError with one line that says
what to do.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from cfg_core.atomic import atomic_path

WEIGHTS = "model.safetensors"
RECORD = "model.json"


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded, with a one-line reason."""


def save_checkpoint(directory: str | Path, modules: dict[str, torch.nn.Module], record: dict) -> Path:
    """Write every module's weights into one safetensors file and the record as JSON, both atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"{name}.{k}": v.detach().cpu().contiguous() for name, m in modules.items()
               for k, v in m.state_dict().items()}
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    metadata = {"modules": ",".join(modules), "record_sha256": hashlib.sha256(text.encode()).hexdigest()}
    with atomic_path(directory / RECORD) as record_tmp, atomic_path(directory / WEIGHTS) as weights_tmp:
        record_tmp.write_text(text)
        save_file(tensors, str(weights_tmp), metadata=metadata)
    # the weights move first (inner block), then the record: a crash between leaves a pair that load refuses
    return directory


def load_checkpoint(directory: str | Path, required: tuple[str, ...] = ()) -> tuple[dict[str, dict], dict]:
    """(state dicts per module name, record); CheckpointError if anything is missing or broken."""
    directory = Path(directory)
    weights, record_path = directory / WEIGHTS, directory / RECORD
    if not weights.is_file() or not record_path.is_file():
        raise CheckpointError(f"no checkpoint in {directory} (need {WEIGHTS} and {RECORD}); "
                              f"create one with: python -m cfg_core train --out {directory}")
    try:
        text = record_path.read_bytes()
        record = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise CheckpointError(f"{record_path} is not valid JSON; retrain or restore the checkpoint") from None
    if not isinstance(record, dict):
        raise CheckpointError(f"{record_path} is not a checkpoint record (a JSON object); retrain or restore it")
    try:
        flat = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{weights} is not a readable safetensors file ({str(err).splitlines()[0][:120]}); "
                              "it may be truncated: retrain or restore it") from None
    expected = _record_sha256(weights)
    if expected is not None and expected != hashlib.sha256(text).hexdigest():
        raise CheckpointError(f"{record_path} does not belong to {weights} (an interrupted save or an edited "
                              "record); retrain or restore the checkpoint")
    states: dict[str, dict] = {}
    for key, value in flat.items():
        name, _, param = key.partition(".")
        states.setdefault(name, {})[param] = value
    missing = [m for m in required if m not in states]
    if missing:
        raise CheckpointError(f"{weights} lacks {', '.join(missing)}; retrain it with python -m cfg_core train")
    return states, record


def _record_sha256(weights: Path) -> str | None:
    """The record hash stored in the weights' metadata (None for checkpoints written before it existed)."""
    with safe_open(str(weights), framework="pt") as f:
        return (f.metadata() or {}).get("record_sha256")


def load_module(module: torch.nn.Module, state: dict, where: str) -> torch.nn.Module:
    """Load a state dict strictly; shape or name mismatches become CheckpointError."""
    try:
        module.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError, TypeError) as err:
        raise CheckpointError(f"{where} does not match the model architecture ({str(err).splitlines()[0][:160]})") from None
    return module.eval()
