"""Browser encodings: coordinates round-trip to 3 decimals, and far-away samples are scaled, never clipped."""
import base64

import numpy as np
import torch

from explainer.encode import coord_scale, decode_deltas, decode_f32, encode_deltas, encode_f32


def roundtrip(x, scale: float) -> np.ndarray:
    """x ([W, F, ...]) through encode_deltas at one scale for every row, and back."""
    x = np.asarray(x)
    return decode_deltas(encode_deltas(x, [scale] * len(x)), x.shape) / scale


def test_coords_roundtrip():
    x = torch.tensor([[0.1234, -5.0], [31.9, -0.0004]], dtype=torch.float64)
    assert coord_scale(x) == 1000
    assert np.allclose(roundtrip(x.numpy(), coord_scale(x)), x.numpy(), atol=6e-4)


def test_far_coordinates_are_scaled_not_clipped():
    """Regression (issue 13): samples at 200 units used to come back as 32.767."""
    x = np.array([[200.0, -1.5], [0.25, 233032.2]])
    scale = coord_scale(x)
    back = roundtrip(x, scale)
    assert scale < 1000 and np.allclose(back, x, rtol=1e-3, atol=1.0 / scale)


def test_f32_roundtrip_and_nan_safe_coords():
    f = np.array([[1.5, -2.25e6]])
    assert np.array_equal(decode_f32(encode_f32(f), (1, 2)), f)
    assert np.isfinite(roundtrip(np.array([[np.nan, np.inf]]), 1000.0)).all()


def test_each_w_keeps_its_own_precision():
    """A sample thrown far away at one w must not coarsen the others: per-row scales."""
    x = np.array([[[0.1234, -1.5]], [[9000.0, 2.0]]])
    scales = [coord_scale(row) for row in x]
    back = decode_deltas(encode_deltas(x, scales), x.shape) / np.array(scales).reshape(-1, 1, 1)
    assert scales[0] == 1000 and scales[1] < 4
    assert np.allclose(back[0], x[0], atol=5e-4) and np.allclose(back[1], x[1], atol=0.5)


def test_deltas_give_the_integers_back_exactly():
    """Trajectory deltas along w then frames, as zigzag varints: lossless on the quantised integers (a far jump
    too), and far smaller after gzip than the plain integers for paths that start from the same noise."""
    import gzip

    from explainer.encode import VIEW_COORD_SCALE, decode_deltas, encode_deltas

    rng = np.random.default_rng(0)
    noise = rng.normal(size=(1, 1, 200, 2)).repeat(14, 0)
    drift = np.linspace(0, 1, 17).reshape(1, -1, 1, 1) * np.linspace(0, 2, 14).reshape(-1, 1, 1, 1)
    x = noise + drift * rng.normal(size=(1, 1, 200, 2)) + 0.01 * rng.normal(size=(14, 17, 200, 2))
    scales = [coord_scale(row, VIEW_COORD_SCALE) for row in x]
    enc = encode_deltas(x, scales)
    back = decode_deltas(enc, x.shape) / np.array(scales).reshape(-1, 1, 1, 1)
    assert enc["dtype"] == "varint" and np.abs(back - x).max() <= 0.5 / VIEW_COORD_SCALE + 1e-12
    ints = np.clip(np.round(x * np.array(scales).reshape(-1, 1, 1, 1)), -32767, 32767)
    plain = base64.b64encode(ints.astype("<i2").tobytes()).decode()  # the same integers, not differenced
    assert len(gzip.compress(enc["deltas"].encode())) < 0.7 * len(gzip.compress(plain.encode()))
    far = x.copy()
    far[5, -1, 0] = [3e4, -3e4]  # a sample flung far: its row's scale shrinks, a difference needs three bytes
    scales = [coord_scale(row, VIEW_COORD_SCALE) for row in far]
    enc = encode_deltas(far, scales)
    ints = np.clip(np.round(far * np.array(scales).reshape(-1, 1, 1, 1)), -32767, 32767)
    assert np.array_equal(decode_deltas(enc, far.shape), ints)


def test_varints_take_one_byte_for_small_differences():
    from explainer.encode import varint_bytes, varint_values

    values = np.array([0, -1, 1, -64, 63, 64, -65, 8191, -8192, 8192, 131068, -131068, 2**40, -2**40])
    assert np.array_equal(varint_values(varint_bytes(values)), values)
    assert [len(varint_bytes(np.array([v]))) for v in (0, -64, 63, 64, 8191, 8192, 131068)] == [1, 1, 1, 2, 2, 3, 3]
    assert varint_values(b"") .size == 0 and varint_bytes(np.array([], dtype=int)) == b""


def test_path_points_before_the_last_frame_are_coarser():
    """path_step = 2: a path's earlier points to 0.02 units, its last frame (the samples) exact, all int16."""
    from explainer.encode import VIEW_PATH_STEP, decode_deltas, encode_deltas

    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5, 40, 2)) * 3
    x[1, 2, 0] = [327.67, -327.67]  # at the int16 bound: rounding to even must not wrap
    ints = decode_deltas(encode_deltas(x, [100.0] * 3, VIEW_PATH_STEP), x.shape)
    assert np.array_equal(ints[:, -1], np.round(x[:, -1] * 100))
    assert (ints[:, :-1] % 2 == 0).all() and np.abs(ints[:, :-1] - x[:, :-1] * 100).max() <= 1 + 1e-9
    assert np.abs(ints).max() <= 32767
