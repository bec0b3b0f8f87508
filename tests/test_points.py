"""Labelled points: the scikit-learn data sets, the CSV format (round trip), and one clear error per bad input."""
import numpy as np
import pytest
import torch

from cfg_core.toy.points import (DATASETS, MAX_CLASSES, MAX_POINTS, Points, PointsError, make_dataset,
                                 parse_points_csv, points_csv_text, points_from_arrays, read_points_csv,
                                 to_window, write_points_csv)
from cfg_core.toy.training import MixtureTrainConfig, train_mixture


def csv_text(rows, header="x,y,label") -> str:
    return header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)


def two_classes(n=12, names=("a", "b")):
    """n points per class on two small grids (distinct points, inside the window)."""
    return [(0.1 * i, 0.2 * (i % 3) + 2 * c, name) for c, name in enumerate(names) for i in range(n)]


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_fits_the_window_and_is_seeded(name):
    p = make_dataset(name, 300, seed=3)
    assert p.class_names == DATASETS[name].classes and len(p) == 300
    assert p.class_counts().min() >= 10
    assert np.abs(p.xy).max() < 4.5  # [-3, 3]^2 plus the default jitter
    assert np.all(np.diff(p.labels) >= 0)  # rows ordered by class
    again, other = make_dataset(name, 300, seed=3), make_dataset(name, 300, seed=4)
    assert np.array_equal(p.xy, again.xy) and not np.array_equal(p.xy, other.xy)


def test_noise_is_jitter_in_window_units():
    clean, noisy = make_dataset("circles", 400, noise=0.0, seed=1), make_dataset("circles", 400, noise=0.3, seed=1)
    radius = np.linalg.norm(clean.xy, axis=1)
    assert np.allclose(np.sort(np.unique(radius.round(6))), [1.5, 3.0])  # factor 0.5 inside the outer circle
    assert 0.25 < np.std(noisy.xy - clean.xy) < 0.35


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "spiral"}, "unknown data set 'spiral'; choose one of moons"),
    ({"n": 10}, r"n must be an integer in \[50, 100000\]"),
    ({"n": MAX_POINTS + 1}, r"n must be an integer in \[50, 100000\]"),
    ({"noise": -0.1}, r"noise must be a number in \[0, 2\]"),
    ({"noise": float("nan")}, r"noise must be a number in \[0, 2\]"),
    ({"seed": -1}, "seed must be an integer"),
])
def test_make_dataset_refuses_bad_values(kwargs, message):
    with pytest.raises(PointsError, match=message):
        make_dataset(**{"name": "moons", "n": 100, **kwargs})


def test_csv_round_trip_is_exact(tmp_path):
    p = make_dataset("blobs", 500, noise=0.1, seed=7)
    q = read_points_csv(write_points_csv(p, tmp_path / "p.csv"))
    assert np.array_equal(p.xy, q.xy) and np.array_equal(p.labels, q.labels) and p.class_names == q.class_names
    text = csv_text(two_classes(names=("zeta", "alpha"))[::-1])  # names first seen: alpha, then zeta
    r = parse_points_csv(text)
    assert r.class_names == ("alpha", "zeta")
    assert points_csv_text(parse_points_csv(points_csv_text(r))) == points_csv_text(r)


def test_integer_labels_are_classes_in_increasing_order():
    rows = [(x, y, {"a": 7, "b": -2}[name]) for x, y, name in two_classes()]
    p = parse_points_csv(csv_text(rows))
    assert p.class_names == ("-2", "7") and np.array_equal(p.labels, [1] * 12 + [0] * 12)


def test_header_order_extra_columns_bom_quotes_and_blank_lines():
    rows = [(name, 9, y, x) for x, y, name in two_classes(names=("cats, big", "dogs"))]
    text = "\ufeffLabel, id ,Y,X\n\n" + "".join(f'"{n}",{i},{y},{x}\n' for n, i, y, x in rows)
    p = parse_points_csv(text)
    assert p.class_names == ("cats, big", "dogs") and p.xy[1].tolist() == [0.1, 0.2]


def test_rescale_maps_far_data_into_the_window():
    rows = [(1000 + 10 * x, 500 + 10 * y, n) for x, y, n in two_classes()]
    with pytest.raises(PointsError, match="within \\+-30"):
        parse_points_csv(csv_text(rows))
    p = parse_points_csv(csv_text(rows), rescale=True)
    assert np.abs(p.xy).max() == pytest.approx(3.0)
    assert np.allclose(to_window(p.xy), p.xy)


def _bad(rows=None, **kw):
    return csv_text(two_classes() if rows is None else rows, **kw)


BAD_CSV = [
    ("", "the CSV is empty"),
    ("x,y,label\n", "has a header but no points"),
    (_bad([(float("nan"), 0, "a")] + two_classes()), "line 2: x is nan; every coordinate must be a finite number"),
    (_bad(two_classes() + [(0, "inf", "b")]), "line 26: y is inf"),
    (_bad(two_classes() + [(0, "-Infinity", "b")]), "y is -Infinity"),
    (_bad(two_classes() + [("abc", 0, "b")]), "x must be a number, got 'abc'"),
    (_bad(header="x,label"), "missing column y: the first line must be the header x,y,label"),
    ('{"name": "not a csv"}\n', "missing columns x, y, label"),
    (_bad(header="x,y,label,x"), "column x appears twice"),
    (_bad(two_classes() + [(0, 0)]), "line 26 has 2 fields, the header has 3"),
    (_bad(two_classes(12) + [(5, 5, "c")] * 3), "class 'c' has 3 points; every class needs at least 10"),
    (_bad([(i, i, "a") for i in range(20)]), "only one class \\(a\\): guidance needs at least 2 classes"),
    (_bad([(1.5, -2, n) for _, _, n in two_classes()]), "all 24 points are the same point \\[1.5, -2.0\\]"),
    (_bad(two_classes() + [(0, 0, "1.5")]), "line 26: label '1.5' is a number but not an integer"),
    (_bad(two_classes() + [(0, 0, "")]), "line 26: the label is empty"),
    (_bad(two_classes() + [(0, 0, "7")]), "labels mix integers \\(line 26: '7'\\) and names \\(line 2: 'a'\\)"),
    (_bad([(x, y, "a/b" if n == "a" else n) for x, y, n in two_classes()]), "without '/'"),
    (_bad([(i, c, f"k{c}") for c in range(MAX_CLASSES + 1) for i in range(10)]),
     f"at most {MAX_CLASSES} classes are allowed \\(the lab has {MAX_CLASSES} colours\\), got {MAX_CLASSES + 1}"),
    (_bad(two_classes() + [(31, 0, "a")]), "coordinates must lie within \\+-30"),
    (_bad([(x, y, "a\0" if n == "a" else n) for x, y, n in two_classes()]), "control characters"),
    (_bad(two_classes() + [(0, 0, '"unclosed')]), "line 26|not a readable CSV"),
]


@pytest.mark.parametrize("text, message", BAD_CSV, ids=[m[:30] for _, m in BAD_CSV])
def test_every_bad_csv_has_one_clear_line(text, message):
    with pytest.raises(PointsError, match=message) as err:
        parse_points_csv(text)
    assert "\n" not in str(err.value)


def test_more_than_100000_points_is_refused():
    text = "x,y,label\n" + "".join(f"{i % 97},{i % 89},{i % 2}\n" for i in range(MAX_POINTS + 1))
    with pytest.raises(PointsError, match=f"at most {MAX_POINTS} points are allowed"):
        parse_points_csv(text)
    with pytest.raises(PointsError, match=f"at most {MAX_POINTS} points are allowed, got {MAX_POINTS + 1}"):
        Points(np.zeros((MAX_POINTS + 1, 2)), np.zeros(MAX_POINTS + 1, dtype=np.int64), ("a", "b"))


def test_files_that_are_not_csv(tmp_path, monkeypatch):
    with pytest.raises(PointsError, match="does not exist"):
        read_points_csv(tmp_path / "missing.csv")
    with pytest.raises(PointsError, match="is not a regular file"):
        read_points_csv(tmp_path)
    (tmp_path / "b.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(PointsError, match="b.csv is not a CSV file \\(not UTF-8 text\\)"):
        read_points_csv(tmp_path / "b.csv")
    (tmp_path / "ok.csv").write_text(_bad())
    monkeypatch.setattr("cfg_core.toy.points.MAX_CSV_BYTES", 100)
    with pytest.raises(PointsError, match="larger than"):
        read_points_csv(tmp_path / "ok.csv")


def test_points_are_read_only_and_checked_when_built_directly():
    p = parse_points_csv(_bad())
    with pytest.raises(ValueError):
        p.xy[0, 0] = 5.0
    with pytest.raises(PointsError, match="labels must be class indices in \\[0, 1\\]"):
        points_from_arrays(p.xy, p.labels + 1, p.class_names)
    with pytest.raises(PointsError, match="shape \\[N, 2\\]"):
        points_from_arrays(np.zeros((24, 3)), p.labels, p.class_names)
    with pytest.raises(PointsError, match="class names mix integers and names"):
        points_from_arrays(p.xy, p.labels, ("0", "b"))


def test_minibatches_come_from_the_points_and_train_the_networks():
    p = make_dataset("moons", 200, seed=0)
    x, c = p.sample_labelled(64, torch.Generator().manual_seed(0))
    assert x.shape == (64, 2) and x.dtype == torch.float64 and c.dtype == torch.int64
    rows = {tuple(r) for r in p.xy.tolist()}
    assert all(tuple(r) in rows for r in x.tolist())
    assert all(p.labels[p.xy.tolist().index(r)] == k for r, k in zip(x.tolist(), c.tolist()))
    cfg = MixtureTrainConfig(steps=10, classifier_steps=5, batch_size=32)
    tm = train_mixture(p, cfg, torch.Generator().manual_seed(0))
    assert tm.eps_model.num_classes == 2 and len(tm.record["losses_every_50_steps"]["eps_model"]) == 1
