"""Compact array encodings for the browser: base64 of little-endian integer coordinates and float32 fields.

Coordinates are the integers round(x * scale) in the int16 range. The scale is chosen per array, or per w
(coord_scale) so that the largest |x| still fits: at most VIEW_COORD_SCALE for a lab view, less for samples that
strong or broken guidance throws far away. Nothing is clipped; the browser divides by the scale it is sent.

They go out as differences (encode_deltas): in a lab view ([W, F, n, 2]) every w starts from the same noise and
neighbouring w and frames move a sample little, so the differences of the integers along w, then along the frames,
are small numbers that gzip packs to about a third (VIEW_COORD_SCALE: 1/100 of a unit, under a screen pixel).
"""
from __future__ import annotations

import base64

import numpy as np
import torch

MAX_COORD_SCALE = 1000.0  # three decimals are plenty for a canvas
VIEW_COORD_SCALE = 100.0  # a lab view's samples: 0.01 units, under a CSS pixel on the largest canvas
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


def encode_deltas(x, scales) -> dict:
    """[W, F, ...] coordinates -> {"dtype", "deltas"}: the int16 integers round(x[i] * scales[i]) differenced along
    W, then along F (exact integers: decode_deltas gives them back bit for bit), sent as base64 int16 when every
    difference fits, int32 otherwise."""
    q = _quantise_rows(x, scales)
    d = np.diff(q, axis=0, prepend=0)
    d = np.diff(d, axis=1, prepend=0)
    dtype = "<i2" if np.abs(d).max(initial=0) <= INT16_MAX else "<i4"
    return {"dtype": "int16" if dtype == "<i2" else "int32", "deltas": _b64(d.astype(dtype))}


def decode_deltas(enc: dict, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of encode_deltas: the integers round(x[i] * scales[i]) (divide row i by scales[i])."""
    d = np.frombuffer(base64.b64decode(enc["deltas"]), dtype="<i2" if enc["dtype"] == "int16" else "<i4")
    return np.cumsum(np.cumsum(d.reshape(shape).astype(np.int64), axis=1), axis=0)
