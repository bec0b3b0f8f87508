"""Compact array encodings for the browser: base64 of little-endian integer coordinates and float32 fields.

Coordinates are the integers round(x * scale) in the int16 range. The scale is chosen per array, or per w
(coord_scale) so that the largest |x| still fits: at most VIEW_COORD_SCALE for a lab view, less for samples that
strong or broken guidance throws far away. Nothing is clipped; the browser divides by the scale it is sent.

They go out as differences (encode_deltas): in a lab view ([W, F, n, 2]) every w starts from the same noise and
neighbouring w and frames move a sample little, so the differences of the integers along w, then along the frames,
are small numbers (VIEW_COORD_SCALE: 1/100 of a unit, under a screen pixel). Each is written as a zigzag varint
(LEB128: one byte for |d| < 64, two below 8192, three at most here), so a small difference costs one byte where
int16 took two; brotli then packs the bytes (explainer/view_files.py).
"""
from __future__ import annotations

import base64

import numpy as np
import torch

MAX_COORD_SCALE = 1000.0  # three decimals are plenty for a canvas
VIEW_COORD_SCALE = 100.0  # a lab view's samples: 0.01 units, under a CSS pixel on the largest canvas
VIEW_PATH_STEP = 2  # the frames before a path's last in steps of 2 of those (0.02 units, about a CSS pixel)
INT16_MAX = 32767


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _numpy(x) -> np.ndarray:
    return x.detach().double().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float64)


def coord_scale(x, most: float = MAX_COORD_SCALE) -> float:
    """The largest scale <= most at which every finite |x| * scale fits an int16."""
    a = _numpy(x)
    finite = a[np.isfinite(a)]
    biggest = float(np.abs(finite).max()) if finite.size else 0.0
    return most if biggest * most < INT16_MAX else INT16_MAX / biggest


def encode_f32(x) -> str:
    return _b64(_numpy(x).astype("<f4"))


def decode_f32(text: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(shape).astype(np.float64)


def relative_scale(x, steps: float = 1e4) -> float:
    """The scale that maps the largest finite |x| to steps (1 when there is none): a field of arrows kept to
    1/steps of its longest, whatever its units."""
    a = _numpy(x)
    finite = np.abs(a[np.isfinite(a)])
    return steps / float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _quantise_rows(x, scales) -> np.ndarray:
    """round(x[i] * scales[i]) as int32, inside the int16 range (NaN -> 0, +-inf -> the bounds)."""
    a = _numpy(x)
    a = a * np.asarray(scales, dtype=np.float64).reshape((-1,) + (1,) * (a.ndim - 1))
    a = np.nan_to_num(np.round(a), nan=0.0, posinf=INT16_MAX, neginf=-INT16_MAX)
    return np.clip(a, -INT16_MAX, INT16_MAX).astype(np.int32)


def varint_bytes(d: np.ndarray) -> bytes:
    """Signed integers as zigzag LEB128: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ..., seven bits a byte, the high bit set
    on every byte but a number's last."""
    v = d.astype(np.int64).ravel()
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    length = np.ones(z.shape, dtype=np.int64)
    rest = z >> np.uint64(7)
    while rest.any():
        length += rest > 0
        rest >>= np.uint64(7)
    start = np.cumsum(length) - length
    out = np.zeros(int(length.sum()), dtype=np.uint8)
    for k in range(int(length.max(initial=1))):
        has = length > k
        byte = (z[has] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (length[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[start[has] + k] = (byte | more).astype(np.uint8)
    return out.tobytes()


def varint_values(data: bytes) -> np.ndarray:
    """Inverse of varint_bytes.  # int64 [n]"""
    b = np.frombuffer(data, dtype=np.uint8)
    if not b.size:
        return np.zeros(0, dtype=np.int64)
    last = (b & 0x80) == 0
    number = np.concatenate([[0], np.cumsum(last)[:-1]])  # which number each byte belongs to
    first = np.flatnonzero(np.concatenate([[True], last[:-1]]))  # each number's first byte
    shift = (np.arange(len(b)) - first[number]) * 7
    z = np.zeros(int(last.sum()), dtype=np.uint64)
    np.add.at(z, number, (b & 0x7F).astype(np.uint64) << shift.astype(np.uint64))
    return (z >> np.uint64(1)).astype(np.int64) ^ -(z & np.uint64(1)).astype(np.int64)


def encode_deltas(x, scales, path_step: int = 1) -> dict:
    """[W, F, ...] coordinates -> {"dtype": "varint", "deltas"}: the int16 integers round(x[i] * scales[i])
    differenced along W, then along F (exact integers: decode_deltas gives them back bit for bit), as base64 of
    their zigzag varints. path_step > 1: the frames before the last rounded to multiples of it (a path's points
    drawn at about a pixel, its end, the samples, exact), which leaves brotli fewer bits to pack."""
    q = _quantise_rows(x, scales)
    if path_step > 1 and q.shape[1] > 1:
        coarse = path_step * _quantise_rows(_numpy(x)[:, :-1], [s / path_step for s in scales])
        bound = INT16_MAX - INT16_MAX % path_step  # the largest multiple inside int16
        q[:, :-1] = np.clip(coarse, -bound, bound)
    d = np.diff(q, axis=0, prepend=0)
    d = np.diff(d, axis=1, prepend=0)
    return {"dtype": "varint", "deltas": base64.b64encode(varint_bytes(d)).decode("ascii")}


def decode_deltas(enc: dict, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of encode_deltas: the integers round(x[i] * scales[i]) (divide row i by scales[i])."""
    d = varint_values(base64.b64decode(enc["deltas"]))
    return np.cumsum(np.cumsum(d.reshape(shape).astype(np.int64), axis=1), axis=0)
